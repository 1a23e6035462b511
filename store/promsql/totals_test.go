package promsql

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/slopipe/slopipe/store"
)

// TenantTotalsSQL sums the per-minute increases of MinutesSQL per tenant:
// the increase in the range's first minute comes from the sample before
// it, samples after the range count nothing, adjacent ranges add up, and
// store.MetricUsage keeps positive totals only.
func TestTenantTotalsOnTheEngine(t *testing.T) {
	s := newStore(t)
	var points []point
	for m := -2; m <= 12; m++ {
		at := float64(60 * m)
		points = append(points,
			// 3 CPU seconds a minute
			samples(point{name: "cpu_seconds_total", tenant: "acme", attrs: map[string]string{"pod": "a"}}, at, float64(3*(m+2)))...)
		points = append(points,
			// 2 a minute, in two series of 1
			samples(point{name: "cpu_seconds_total", tenant: "globex", attrs: map[string]string{"pod": "b"}}, at, float64(m+2))...)
		points = append(points,
			samples(point{name: "cpu_seconds_total", tenant: "globex", attrs: map[string]string{"pod": "c"}}, at+30, float64(m+100))...)
		// another metric
		points = append(points, samples(point{name: "requests_total", tenant: "acme"}, at, float64(1000*m+2000))...)
	}
	points = concat(points,
		// a gauge read as a counter that only falls: negative, left out
		samples(point{table: "gauge", name: "cpu_seconds_total", tenant: "hooli"}, 0, -1, 60, -2, 120, -4),
		// samples after the range only
		samples(point{name: "cpu_seconds_total", tenant: "initech"}, 600, 1, 660, 5),
	)
	insert(t, s, points)

	inc, err := CompileIncrease(`sum(rate(cpu_seconds_total[5m]))`)
	if err != nil {
		t.Fatal(err)
	}
	sql := inc.TenantTotalsSQL(Options{Database: s.Database()})
	ctx := context.Background()
	totals := func(from, to time.Duration) map[string]float64 {
		t.Helper()
		got, err := store.MetricUsage(ctx, s, sql, t0.Add(from), t0.Add(to))
		if err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
		return got
	}
	whole := totals(0, 10*time.Minute)
	if want := map[string]float64{"acme": 30, "globex": 20}; !reflect.DeepEqual(whole, want) {
		t.Errorf("totals %v, want %v", whole, want)
	}

	// The totals are the sums of MinutesSQL's Total.
	ev, err := CompileEvents(`sum(rate(cpu_seconds_total[5m]))`, true, `sum(rate(cpu_seconds_total[5m]))`)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	for _, m := range runMinutes(t, s, ev, Options{}, 0, 10*time.Minute, nil) {
		sums[m.tenant] += m.total
	}
	delete(sums, "hooli")
	if !reflect.DeepEqual(sums, whole) {
		t.Errorf("sums of the minutes %v, totals %v", sums, whole)
	}

	for split := 1; split < 10; split++ {
		at := time.Duration(split) * time.Minute
		pieces := totals(0, at)
		for tenant, v := range totals(at, 10*time.Minute) {
			pieces[tenant] += v
		}
		if !reflect.DeepEqual(pieces, whole) {
			t.Errorf("split at minute %d: %v, whole %v", split, pieces, whole)
		}
	}

	// Column types, and the tenants filter of the raw SQL.
	rows, err := s.Query(ctx, "SELECT toTypeName(TenantId), toTypeName(Total), TenantId FROM ("+sql+")", store.Params{
		"from": store.Param(t0), "to": store.Param(t0.Add(10 * time.Minute)), "tenants": store.Param([]string{"globex"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = store.ScanAll(rows, func(r store.Rows) error {
		var tenantType, totalType, tenant string
		if err := r.Scan(&tenantType, &totalType, &tenant); err != nil {
			return err
		}
		got = append(got, tenantType+" "+totalType+" "+tenant)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"String Float64 globex"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}
