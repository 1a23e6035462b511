package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// Recommendations are one computation per day: the latest replaces the
// day whole, an empty one empties it, and the latest day with a run is
// found up to a given day.
func TestCostRecommendationsLatestComputationWins(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		d1 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		d2 := d1.AddDate(0, 0, 1)
		t0 := time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)
		if _, ok, err := store.CostRecommendationsLatestDay(ctx, st, d2); err != nil || ok {
			t.Fatalf("latest day before any run: %v %v", ok, err)
		}
		rec := func(day time.Time, kind, subject, cost string, value float64) store.CostRecommendation {
			return store.CostRecommendation{Day: day, Kind: kind, Tenant: "acme", Team: "core", Service: "EC2", Subject: subject,
				Detail: "why", Currency: "USD", Cost: decimal.MustParse(cost), Value: value}
		}
		must(store.SaveCostRecommendations(ctx, st, d1, []store.CostRecommendation{
			rec(d1, "expensive_metric", "m1", "0", 1500),
			rec(d1, "billed_without_usage", "disk-1", "30.0000000001", 7),
			rec(d1, "billed_without_usage", "disk-2", "60", 14),
			rec(d1, "expensive_metric", "m2", "0", 2500),
		}, t0))
		must(store.SaveCostRecommendations(ctx, st, d2, []store.CostRecommendation{rec(d2, "telemetry_growth", "tenant acme", "1", 2.5)}, t0))
		got, err := store.CostRecommendations(ctx, st, d1, d2)
		must(err)
		var subjects []string
		for _, r := range got {
			subjects = append(subjects, r.Kind+"/"+r.Subject)
		}
		if want := "billed_without_usage/disk-2 billed_without_usage/disk-1 expensive_metric/m2 expensive_metric/m1"; strings.Join(subjects, " ") != want {
			t.Fatalf("order %q, want %q", strings.Join(subjects, " "), want)
		}
		if r := got[1]; r.Cost.String() != "30.0000000001" || r.Value != 7 || r.Tenant != "acme" || r.Team != "core" || r.Service != "EC2" ||
			r.Detail != "why" || r.Currency != "USD" || !r.Day.Equal(d1) {
			t.Fatalf("row: %+v", r)
		}
		latest, ok, err := store.CostRecommendationsLatestDay(ctx, st, d2.Add(5*time.Hour))
		must(err)
		if !ok || !latest.Equal(d2) {
			t.Fatalf("latest day %s %v, want %s", latest, ok, d2)
		}
		if latest, ok, _ = store.CostRecommendationsLatestDay(ctx, st, d1); !ok || !latest.Equal(d1) {
			t.Fatalf("latest day up to %s: %s %v", d1, latest, ok)
		}
		// d1 recomputed with nothing found: empty, d2 untouched.
		must(store.SaveCostRecommendations(ctx, st, d1, nil, t0.Add(time.Hour)))
		got, err = store.CostRecommendations(ctx, st, d1, d2.AddDate(0, 0, 1))
		must(err)
		if len(got) != 1 || got[0].Kind != "telemetry_growth" || got[0].Value != 2.5 {
			t.Fatalf("after an empty recomputation: %+v", got)
		}
		if latest, ok, _ = store.CostRecommendationsLatestDay(ctx, st, d1); !ok || !latest.Equal(d1) {
			t.Fatalf("an empty computation is still a run: %s %v", latest, ok)
		}
		if err := store.SaveCostRecommendations(ctx, st, d1, []store.CostRecommendation{rec(d2, "x", "y", "1", 0)}, t0); err == nil {
			t.Fatal("a row of another day was written")
		}
	})
}

// insertSeries writes points data points of a tenant's metric into table,
// the i-th with the labels labels(i), at at: INSERT … SELECT from numbers().
func insertSeries(t *testing.T, st store.Store, table, tenant, metric string, points int, labels string, at time.Time) {
	t.Helper()
	sql := fmt.Sprintf(`INSERT INTO %s.%s (TenantId, ServiceName, MetricName, Attributes, ResourceAttributes, TimeUnix)
SELECT {tenant:String}, 'api', {metric:String}, %s, map('host', 'h1'), toDateTime({at:Int64}, 'UTC')
FROM numbers({n:UInt64})`, store.QuoteIdent(st.Database()), store.QuoteIdent(table), labels)
	err := st.Exec(context.Background(), sql, store.Params{"tenant": tenant, "metric": metric,
		"at": strconv.FormatInt(at.Unix(), 10), "n": strconv.Itoa(points)})
	if err != nil {
		t.Fatal(err)
	}
}

// Series are counted per tenant and metric across the metric tables, in
// the window only; the top per tenant above the minimum come back, with
// their labels by distinct values.
func TestMetricSeriesCounts(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		from := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
		to := from.Add(24 * time.Hour)
		in := from.Add(time.Hour)
		pods := "map('pod', toString(number % 1500), 'method', toString(number % 3))"
		// 1500 series, each twice, plus 300 more of the same name in the
		// gauge table: 1800.
		insertSeries(t, st, "otel_metrics_sum", "acme", "http_requests", 3000, pods, in)
		insertSeries(t, st, "otel_metrics_gauge", "acme", "http_requests", 300, "map('pod', concat('g', toString(number)))", in.Add(time.Hour))
		insertSeries(t, st, "otel_metrics_gauge", "acme", "queue_depth", 1200, "map('queue', toString(number))", in)
		// Before the window: not active.
		insertSeries(t, st, "otel_metrics_gauge", "acme", "queue_depth", 500, "map('queue', concat('old', toString(number)))", from.Add(-time.Minute))
		insertSeries(t, st, "otel_metrics_exponential_histogram", "acme", "third", 1100, "map('k', toString(number))", in)
		insertSeries(t, st, "otel_metrics_summary", "acme", "small", 999, "map('k', toString(number))", in)
		insertSeries(t, st, "otel_metrics_histogram", "beta", "cpu", 1000, "map('core', toString(number))", to.Add(-time.Second))

		got, err := store.MetricSeriesCounts(ctx, st, from, to, 2, 1000)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.MetricSeries{{"acme", "http_requests", 1800}, {"acme", "queue_depth", 1200}, {"beta", "cpu", 1000}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("series %v, want %v", got, want)
		}
		labels, err := store.MetricLabelValues(ctx, st, from, to, got, 3)
		if err != nil {
			t.Fatal(err)
		}
		if s := fmt.Sprint(labels["acme"]["http_requests"]); s != "[{pod 1800} {method 3} {resource.host 1}]" {
			t.Errorf("http_requests labels %s", s)
		}
		if s := fmt.Sprint(labels["beta"]["cpu"]); s != "[{core 1000} {resource.host 1}]" {
			t.Errorf("cpu labels %s", s)
		}
		if _, ok := labels["acme"]["third"]; ok || len(labels) != 2 {
			t.Errorf("labels of metrics not asked for: %v", labels)
		}
	})
}

// Resources billed without consumption, or tagged with a tenant that used
// nothing, in the window; the rest are not.
func TestIdleResources(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
		from := day.AddDate(0, 0, -7)
		month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		item := func(daysAgo int, resource, service, cost, quantity, unit string, tags map[string]string) store.BillingLineItem {
			at := day.AddDate(0, 0, -daysAgo).Add(time.Hour)
			return store.BillingLineItem{BillingAccountId: "A1", SubAccountId: "S1", ServiceName: service, BillingCurrency: "USD",
				BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0), ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour),
				BilledCost: decimal.MustParse(cost), EffectiveCost: decimal.MustParse(cost), ChargeCategory: "Usage",
				ConsumedQuantity: decimal.MustParse(quantity), ConsumedUnit: unit, ResourceId: resource, Tags: tags}
		}
		items := []store.BillingLineItem{
			item(2, "disk-1", "EBS", "3.5", "0", "GB-Mo", map[string]string{"team": "storage"}),
			item(1, "disk-1", "EBS", "3.5", "0", "GB-Mo", map[string]string{"team": "storage"}),
			item(2, "vm-1", "EC2", "10", "24", "Hrs", map[string]string{"tenant": "acme"}),
			item(2, "vm-2", "EC2", "20", "24", "Hrs", map[string]string{"user:tenant": "ghost", "team": "old"}),
			item(1, "vm-2", "EC2", "0", "24", "Hrs", map[string]string{"user:tenant": "ghost", "team": "web"}),
			item(2, "vm-3", "EC2", "4", "5", "Hrs", map[string]string{"tenant": "beta"}),
			item(2, "ip-1", "VPC", "2", "0", "", nil),          // consumption not reported
			item(2, "disk-2", "EBS", "0", "0", "GB-Mo", nil),   // not billed
			item(8, "disk-old", "EBS", "5", "0", "GB-Mo", nil), // before the window
			item(2, "", "Support", "9", "0", "GB-Mo", nil),     // no resource
			item(3, "disk-3", "EBS", "1", "0", "GB-Mo", map[string]string{"tenant": "ghost"}),
		}
		if _, err := store.ImportBilling(ctx, st, store.BillingImport{Provider: "AWS", SourceFile: "bill.csv", ImportedAt: day}, items); err != nil {
			t.Fatal(err)
		}
		usage := store.NewIngestUsage()
		usage.Add("acme", "logs", day.AddDate(0, 0, -3).Unix(), 1, 100)
		usage.Add("ghost", "logs", day.AddDate(0, 0, -9).Unix(), 1, 100) // before the window
		if err := usage.Insert(ctx, st); err != nil {
			t.Fatal(err)
		}
		events := store.NewSLIEvents()
		events.Add("beta", "avail", day.AddDate(0, 0, -3).Unix(), 5, 5)
		if err := events.Insert(ctx, st, day); err != nil {
			t.Fatal(err)
		}
		got, err := store.IdleResources(ctx, st, from, day, []string{"tenant", "user:tenant", "k8s-namespace"}, []string{"team", "user:team"})
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, r := range got {
			lines = append(lines, fmt.Sprintf("%s %s %s %s team=%s %s unconsumed=%v tenantIdle=%v", r.ResourceId, r.Service, r.Currency, r.Tenant, r.Team, r.Billed, r.Unconsumed, r.TenantIdle))
		}
		want := []string{
			"vm-2 EC2 USD ghost team=web 20 unconsumed=false tenantIdle=true",
			"disk-1 EBS USD  team=storage 7 unconsumed=true tenantIdle=false",
			"disk-3 EBS USD ghost team= 1 unconsumed=true tenantIdle=true",
		}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Fatalf("idle resources:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
	})
}

// The untagged line items behind unallocated allocations: only on days
// and in currencies the allocations leave unallocated, without a tenant
// tag, in the window.
func TestUntaggedCharges(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
		month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		item := func(daysAgo int, service, account, currency, cost string, tags map[string]string) store.BillingLineItem {
			at := day.AddDate(0, 0, -daysAgo).Add(time.Hour)
			return store.BillingLineItem{BillingAccountId: "A1", SubAccountId: account, ServiceName: service, BillingCurrency: currency,
				BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0), ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour),
				BilledCost: decimal.MustParse(cost), EffectiveCost: decimal.MustParse(cost).Add(decimal.MustParse("1")), Tags: tags}
		}
		items := []store.BillingLineItem{
			item(2, "S3", "S1", "USD", "3.3", nil),
			item(1, "S3", "S1", "USD", "1.2", map[string]string{"tenant": ""}), // empty: not a tag
			item(1, "S3", "S1", "USD", "7", map[string]string{"k8s-namespace": "acme"}),
			item(1, "S3", "S1", "EUR", "4", nil),  // no EUR unallocated that day
			item(3, "EC2", "S2", "USD", "8", nil), // no unallocated that day
			item(12, "EC2", "S2", "USD", "8", nil),
		}
		if _, err := store.ImportBilling(ctx, st, store.BillingImport{Provider: "AWS", SourceFile: "bill.csv", ImportedAt: day}, items); err != nil {
			t.Fatal(err)
		}
		alloc := func(daysAgo int, category, currency string) {
			d := day.AddDate(0, 0, -daysAgo)
			row := store.CostAllocation{Day: d, Tenant: "unallocated", Category: category, Currency: currency, Cost: decimal.MustParse("1")}
			if err := store.SaveCostAllocations(ctx, st, d, []store.CostAllocation{row}, day); err != nil {
				t.Fatal(err)
			}
		}
		alloc(1, "unallocated", "USD")
		alloc(2, "unallocated", "USD")
		alloc(3, "idle", "USD")
		alloc(12, "unallocated", "USD")
		got, err := store.UntaggedCharges(ctx, st, day.AddDate(0, 0, -10), day, []string{"tenant", "user:tenant", "k8s-namespace"})
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, it := range got {
			lines = append(lines, fmt.Sprintf("%s %s %v %s %s %s", it.ServiceName, it.SubAccountId, it.Tags, it.BillingCurrency, it.BilledCost, it.EffectiveCost))
		}
		slices.Sort(lines) // the two S3 rows differ only in their tags
		want := []string{"S3 S1 map[] USD 3.3 4.3", "S3 S1 map[tenant:] USD 1.2 2.2"}
		if strings.Join(lines, "\n") != strings.Join(want, "\n") {
			t.Fatalf("untagged charges:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
	})
}

// Telemetry chargeback summed per tenant and currency over the window,
// from the days' current computations.
func TestTenantTelemetryCost(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
		got, err := store.TenantTelemetryCost(ctx, st, day.AddDate(0, 0, -7), day)
		if err != nil || len(got) != 0 {
			t.Fatalf("no chargeback: %v %v", got, err)
		}
		insertChargeback(t, st, day.AddDate(0, 0, -1), day, "acme", "USD", "1.5", "0.25")
		insertChargeback(t, st, day.AddDate(0, 0, -2), day, "acme", "USD", "2", "0.0000000001")
		insertChargeback(t, st, day.AddDate(0, 0, -8), day, "acme", "USD", "100", "0") // before the window
		insertChargeback(t, st, day.AddDate(0, 0, -1), day, "beta", "EUR", "3", "1")
		// A later computation of day-1 without beta: beta is gone.
		insertChargeback(t, st, day.AddDate(0, 0, -1), day.Add(time.Hour), "acme", "USD", "1.5", "0.25")
		got, err = store.TenantTelemetryCost(ctx, st, day.AddDate(0, 0, -7), day)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[{acme USD 3.7500000001}]" {
			t.Fatalf("telemetry cost %v", got)
		}
	})
}

// insertChargeback writes one chargeback row and its run: a computation
// of day with that one row.
func insertChargeback(t *testing.T, st store.Store, day, computedAt time.Time, tenant, currency, ingest, retention string) {
	t.Helper()
	db := store.QuoteIdent(st.Database())
	params := store.Params{"day": day.Format(time.DateOnly), "at": strconv.FormatInt(computedAt.UnixMilli(), 10), "tenant": tenant,
		"currency": currency, "ingest": ingest, "retention": retention}
	for _, sql := range []string{
		`INSERT INTO ` + db + `.slopipe_cost_chargeback (Day, TenantId, BillingCurrency, IngestCost, RetentionCost, ComputedAt)
SELECT toDate({day:String}), {tenant:String}, {currency:String}, toDecimal128({ingest:String}, 10), toDecimal128({retention:String}, 10), fromUnixTimestamp64Milli({at:Int64})`,
		`INSERT INTO ` + db + `.slopipe_cost_runs (Report, Day, ComputedAt, Rows)
SELECT 'slopipe_cost_chargeback', toDate({day:String}), fromUnixTimestamp64Milli({at:Int64}), 1`,
	} {
		if err := st.Exec(context.Background(), sql, params); err != nil {
			t.Fatal(err)
		}
	}
}
