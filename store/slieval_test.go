package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/store"
)

// sliFixture is per-minute events of two SLOs — one counted in the stream,
// one a PromQL SLI — for two tenants over four days with gaps, kept in Go
// as well, so every window can be summed by hand.
type sliFixture struct {
	now     time.Time
	minutes []store.SLIMinute // what was written, one row per tenant, SLO and minute
	refs    map[string]store.SLIRef
}

func writeSLIFixture(t *testing.T, ctx context.Context, s store.Store) sliFixture {
	t.Helper()
	if _, err := store.Migrate(ctx, s, store.SchemaOptions{}); err != nil {
		t.Fatal(err)
	}
	f := sliFixture{
		now: time.Date(2026, 11, 23, 14, 37, 30, 0, time.UTC),
		refs: map[string]store.SLIRef{
			"checkout": {SLO: "checkout"},
			"latency":  {SLO: "latency", SpecHash: "h1", Metric: true},
		},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	events := store.NewSLIEvents()
	var metricRows []string
	start := f.now.Add(-4 * 24 * time.Hour).Truncate(time.Minute).Unix()
	for m := start; m <= f.now.Unix(); m += 60 {
		for _, tenant := range []string{"acme", "beta"} {
			for _, slo := range []string{"checkout", "latency"} {
				if rng.IntN(4) == 0 {
					continue // a minute without traffic
				}
				total := uint64(1 + rng.IntN(50))
				good := total - uint64(rng.IntN(int(total)/5+1))
				f.minutes = append(f.minutes, store.SLIMinute{Tenant: tenant, SLO: slo, Minute: m,
					GoodTotal: store.GoodTotal{Good: float64(good), Total: float64(total)}})
				if slo == "checkout" {
					// Split in two inserts' worth of increments: readers must sum.
					events.Add(tenant, slo, m, good/2, total/2)
					events.Add(tenant, slo, m, good-good/2, total-total/2)
				} else {
					metricRows = append(metricRows, fmt.Sprintf("('%s', 'latency', 'h1', toDateTime(%d), %d, %d, now64(3))", tenant, m, good, total))
				}
			}
		}
	}
	// Written as if at f.now: most of it is older than an hour, and
	// announced as late; the test of late events looks past that.
	if err := events.Insert(ctx, s, f.now); err != nil {
		t.Fatal(err)
	}
	// A stale answer from an older spec of the same SLO must never be read.
	metricRows = append(metricRows, fmt.Sprintf("('acme', 'latency', 'old', toDateTime(%d), 1000, 1000, now64(3))", start))
	if err := s.Exec(ctx, "INSERT INTO slopipe_sli_metric_minutes VALUES "+strings.Join(metricRows, ","), nil); err != nil {
		t.Fatal(err)
	}
	jobs := []store.HoursJob{{SLIRef: f.refs["checkout"], From: time.Unix(start, 0)}, {SLIRef: f.refs["latency"], From: time.Unix(start, 0)}}
	if err := store.RecomputeSLIHours(ctx, s, jobs, f.now, f.now); err != nil {
		t.Fatal(err)
	}
	return f
}

// sum adds the fixture's events of one tenant and SLO over [from, to) by hand.
func (f sliFixture) sum(tenant, slo string, from, to time.Time) store.GoodTotal {
	var gt store.GoodTotal
	for _, m := range f.minutes {
		if m.Tenant == tenant && m.SLO == slo && m.Minute >= from.Unix() && m.Minute < to.Unix() {
			gt.Good += m.Good
			gt.Total += m.Total
		}
	}
	return gt
}

var testWindows = []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}

func TestSumSLIWindowsEqualsMinuteByMinuteSums(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := writeSLIFixture(t, ctx, s)
		periods := map[string]time.Time{
			"checkout": f.now.Add(-30 * 24 * time.Hour),                // longer than the data
			"latency":  time.Date(2026, 11, 21, 0, 17, 0, 0, time.UTC), // not on an hour
		}
		// Evaluate at several instants — on an hour, on a minute, mid-minute,
		// in the first and the second half of an hour — as the evaluator
		// does: the last hours recomputed up to now, then summed.
		for i, now := range []time.Time{time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 12, 10, 0, 0, time.UTC),
			f.now.Add(-17*time.Minute - 10*time.Second), f.now} {
			current := store.HoursJob{SLIRef: f.refs["checkout"], From: now.Add(-3 * time.Hour).Truncate(time.Hour)}
			latency := store.HoursJob{SLIRef: f.refs["latency"], From: now.Add(-3 * time.Hour).Truncate(time.Hour)}
			if err := store.RecomputeSLIHours(ctx, s, []store.HoursJob{current, latency}, now, f.now.Add(time.Duration(i+1)*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			slis := []store.WindowSLI{
				{SLIRef: f.refs["checkout"], PeriodFrom: periods["checkout"]},
				{SLIRef: f.refs["latency"], PeriodFrom: periods["latency"]},
			}
			got, err := store.SumSLIWindows(ctx, s, slis, testWindows, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 4 {
				t.Fatalf("now %v: %d tenant×SLO rows, want 4: %+v", now, len(got), got)
			}
			for _, g := range got {
				for i, w := range testWindows {
					if want := f.sum(g.Tenant, g.SLO, now.Add(-w), now); g.Windows[i] != want {
						t.Errorf("now %v %s/%s window %v: got %+v, want %+v", now, g.Tenant, g.SLO, w, g.Windows[i], want)
					}
				}
				if want := f.sum(g.Tenant, g.SLO, periods[g.SLO], now); g.Period != want {
					t.Errorf("now %v %s/%s period: got %+v, want %+v", now, g.Tenant, g.SLO, g.Period, want)
				}
			}
		}
	})
}

func TestSLIMinutesReadsBothSourcesFromEachPeriodStart(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := writeSLIFixture(t, ctx, s)
		from := f.now.Add(-26 * time.Hour)
		got, err := store.SLIMinutes(ctx, s, []store.WindowSLI{
			{SLIRef: f.refs["checkout"], PeriodFrom: from},
			{SLIRef: f.refs["latency"], PeriodFrom: from},
		}, f.now)
		if err != nil {
			t.Fatal(err)
		}
		var want []store.SLIMinute
		for _, tenant := range []string{"acme", "beta"} {
			for _, slo := range []string{"checkout", "latency"} {
				for _, m := range f.minutes {
					if m.Tenant == tenant && m.SLO == slo && m.Minute >= from.Unix() && m.Minute < f.now.Unix() {
						want = append(want, m)
					}
				}
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read %d minutes, want %d; first got %+v want %+v", len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
		}
	})
}

// Events that arrive late — timestamped in the past — are found by their
// insert time and counted in their true minute once their hours are
// recomputed.
func TestLateSLIEventsAreFoundAndCountedInTheirTrueMinute(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := writeSLIFixture(t, ctx, s)
		_, since, err := store.SLIArrivals(ctx, s, time.Unix(0, 0), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // insert times have whole seconds
		late := f.now.Add(-50 * time.Hour).Truncate(time.Minute)
		events := store.NewSLIEvents()
		events.Add("beta", "checkout", late.Unix(), 0, 40)
		if err := events.Insert(ctx, s, time.Now()); err != nil {
			t.Fatal(err)
		}
		arrivals, _, err := store.SLIArrivals(ctx, s, since.Add(time.Second), []string{"nothing_here"}, []string{"checkout", "latency"})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.SLIArrival{{Tenant: "beta", Key: "checkout", Earliest: late.UTC()}}
		if !reflect.DeepEqual(arrivals, want) {
			t.Fatalf("arrivals %+v, want %+v", arrivals, want)
		}
		if err := store.RecomputeSLIHours(ctx, s, []store.HoursJob{{SLIRef: f.refs["checkout"], From: late}}, f.now, f.now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		f.minutes = append(f.minutes, store.SLIMinute{Tenant: "beta", SLO: "checkout", Minute: late.Unix(), GoodTotal: store.GoodTotal{Total: 40}})
		got, err := store.SumSLIWindows(ctx, s, []store.WindowSLI{{SLIRef: f.refs["checkout"], PeriodFrom: f.now.Add(-30 * 24 * time.Hour)}}, testWindows, f.now)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range got {
			if want := f.sum(g.Tenant, "checkout", f.now.Add(-72*time.Hour), f.now); g.Windows[6] != want {
				t.Errorf("%s 3d window %+v, want %+v", g.Tenant, g.Windows[6], want)
			}
		}
	})
}

// Metric samples inserted since a point in time are found by their
// normalized metric name, with the earliest sample time per tenant.
func TestSLIArrivalsFindsLateMetricSamples(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx, s, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		_, since, err := store.SLIArrivals(ctx, s, time.Unix(0, 0), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Exec(ctx, `INSERT INTO otel_metrics_sum (TenantId, MetricName, TimeUnix, Value, AggregationTemporality, IsMonotonic) VALUES
			('acme', 'http.server.requests', '2026-11-20 10:00:00', 1, 2, true),
			('acme', 'http.server.requests', '2026-11-20 09:00:00', 1, 2, true),
			('beta', 'other', '2026-11-20 08:00:00', 1, 2, true)`, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Exec(ctx, `INSERT INTO otel_metrics_gauge (TenantId, MetricName, TimeUnix, Value) VALUES
			('beta', 'http_server_requests', '2026-11-21 10:00:00', 1)`, nil)
		if err != nil {
			t.Fatal(err)
		}
		arrivals, _, err := store.SLIArrivals(ctx, s, since, []string{"http_server_requests"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.SLIArrival{
			{Metric: true, Tenant: "acme", Key: "http_server_requests", Earliest: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)},
			{Metric: true, Tenant: "beta", Key: "http_server_requests", Earliest: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)},
		}
		if !reflect.DeepEqual(arrivals, want) {
			t.Fatalf("arrivals %+v, want %+v", arrivals, want)
		}
	})
}

func TestRecomputeMetricMinutesReplacesEarlierAnswers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx, s, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		// A stand-in for compiled PromQL: one row per minute of [from, to)
		// for each tenant asked for, Good = value, Total = 2 × value.
		minutes := func(value int) func(string) string {
			return func(sfx string) string {
				return fmt.Sprintf(`SELECT tenant AS TenantId, m AS Minute, toFloat64(%[1]d) AS Good, toFloat64(%[2]d) AS Total
FROM (SELECT arrayJoin(if(empty({tenants%[3]s:Array(String)}), ['acme', 'beta'], {tenants%[3]s:Array(String)})) AS tenant)
ARRAY JOIN arrayMap(i -> {from%[3]s:DateTime} + 60 * i, range(toUInt32(({to%[3]s:DateTime} - {from%[3]s:DateTime}) / 60))) AS m`, value, 2*value, sfx)
			}
		}
		from := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		first := []store.MetricMinutesJob{
			{SLO: "a", SpecHash: "x", MinutesSQL: minutes(1), From: from, To: from.Add(10 * time.Minute)},
			{SLO: "b", SpecHash: "y", MinutesSQL: minutes(5), From: from, To: from.Add(2 * time.Minute), Tenants: []string{"beta"}},
		}
		if err := store.RecomputeMetricMinutes(ctx, s, first, from); err != nil {
			t.Fatal(err)
		}
		again := []store.MetricMinutesJob{{SLO: "a", SpecHash: "x", MinutesSQL: minutes(3), From: from.Add(5 * time.Minute), To: from.Add(10 * time.Minute), Tenants: []string{"acme"}}}
		if err := store.RecomputeMetricMinutes(ctx, s, again, from.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Query(ctx, `SELECT TenantId, Slo, sum(Good), sum(Total), count() FROM slopipe_sli_metric_minutes FINAL GROUP BY 1, 2 ORDER BY 1, 2`, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		store.ScanAll(rows, func(r store.Rows) error {
			var tenant, slo string
			var good, total float64
			var n uint64
			err := r.Scan(&tenant, &slo, &good, &total, &n)
			got = append(got, fmt.Sprintf("%s/%s %g/%g in %d", tenant, slo, good, total, n))
			return err
		})
		want := []string{"acme/a 20/40 in 10", "beta/a 10/20 in 10", "beta/b 10/20 in 2"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

func TestSLOStatusKeepsUnknownAsNull(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx, s, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		b := store.NewSLOStatus()
		at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		b.Add(store.SLOStatusRow{EvaluatedAt: at, Tenant: "acme", SLO: "checkout", Objective: 0.999, Period: "30d", BudgetingMethod: "Occurrences",
			Good: 9.5, Total: 10, SLI: store.Nullable{V: 0.95, Known: true}, BudgetRemaining: store.Nullable{V: -49, Known: true},
			BurnRates: []store.Nullable{{V: 50, Known: true}}})
		if err := b.Insert(ctx, s); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Query(ctx, `SELECT ifNull(toString(Sli), 'NULL'), ifNull(toString(BudgetRemaining), 'NULL'), ifNull(toString(BurnRate5m), 'NULL'), ifNull(toString(BurnRate30m), 'NULL'), ifNull(toString(BurnRatePeriod), 'NULL'), Good FROM slopipe_slo_status`, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		store.ScanAll(rows, func(r store.Rows) error {
			var a, b, c, d, e string
			var good float64
			err := r.Scan(&a, &b, &c, &d, &e, &good)
			got = append(got, a, b, c, d, e, fmt.Sprint(good))
			return err
		})
		want := []string{"0.95", "-49", "50", "NULL", "NULL", "9.5"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// Jobs whose SQL together exceeds the engine's query size are split over
// several statements; every job is written.
func TestRecomputeMetricMinutesSplitsLargeBatches(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx, s, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		padding := "-- " + strings.Repeat("x", 4000) + "\n"
		from := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		var jobs []store.MetricMinutesJob
		for i := range 120 { // about 500 KB of SQL
			jobs = append(jobs, store.MetricMinutesJob{SLO: fmt.Sprintf("slo-%d", i), SpecHash: "h", From: from, To: from.Add(time.Minute),
				MinutesSQL: func(sfx string) string {
					return padding + fmt.Sprintf("SELECT 'acme' AS TenantId, {from%s:DateTime} AS Minute, 1.0 AS Good, 2.0 AS Total", sfx)
				}})
		}
		if err := store.RecomputeMetricMinutes(ctx, s, jobs, from); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "slopipe_sli_metric_minutes"); n != 120 {
			t.Fatalf("%d minutes written, want one for each of 120 jobs", n)
		}
	})
}

// Hours recomputed for some tenants leave the other tenants' rows as they
// were: late data of one tenant rereads that tenant's minutes only.
func TestRecomputeSLIHoursForSomeTenants(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := writeSLIFixture(t, ctx, s)
		later := f.now.Add(time.Hour)
		job := store.HoursJob{SLIRef: f.refs["checkout"], From: f.now.Add(-48 * time.Hour), Tenants: []string{"beta"}}
		if err := store.RecomputeSLIHours(ctx, s, []store.HoursJob{job}, f.now, later); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Query(ctx, `SELECT TenantId, countIf(ComputedAt = fromUnixTimestamp64Milli({later:Int64})) FROM slopipe_sli_hours FINAL
			WHERE Slo = 'checkout' GROUP BY TenantId ORDER BY TenantId`, store.Params{"later": fmt.Sprint(later.UnixMilli())})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		store.ScanAll(rows, func(r store.Rows) error {
			var tenant string
			var n uint64
			err := r.Scan(&tenant, &n)
			got = append(got, fmt.Sprintf("%s:%d", tenant, n))
			return err
		})
		if want := []string{"acme:0", "beta:49"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("hours recomputed per tenant %v, want %v", got, want)
		}
	})
}
