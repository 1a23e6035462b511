package costextension

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/slopipe/slopipe/cost/allocation"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/slo/sloextension/sloextensiontest"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

// Each kind's situation, and beside it one that must not be recommended;
// the API serves today's, filtered by kind; a recomputation that finds
// nothing empties the day.
func TestRecommendations(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	today := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	now := today.Add(10 * time.Hour)
	ago := func(days int) time.Time { return today.AddDate(0, 0, -days) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// telemetry_growth. grow: 1 GB to 3 GB while requests 1000 to 1200,
	// 3 / 1.2 = 2.5 > 1.5. steady: 2 GB to 4 GB and requests 500 to 1000,
	// as fast: 1. small: 9× but 0.9 GB. new: nothing the week before.
	usage := store.NewIngestUsage()
	events := store.NewSLIEvents()
	for _, u := range []struct {
		tenant            string
		prevDay, lastDay  int
		prevBytes, bytes  uint64
		prevReqs, lastReq uint64
	}{
		{"grow", 10, 1, 1_000_000_000, 3_000_000_000, 1000, 1200},
		{"steady", 9, 2, 2_000_000_000, 4_000_000_000, 500, 1000},
		{"small", 9, 2, 100_000_000, 900_000_000, 10, 10},
	} {
		usage.Add(u.tenant, "logs", ago(u.prevDay).Add(time.Hour).Unix(), 1, u.prevBytes)
		usage.Add(u.tenant, "traces", ago(u.lastDay).Add(time.Hour).Unix(), 1, u.bytes)
		events.Add(u.tenant, "avail", ago(u.prevDay).Add(time.Hour).Unix(), u.prevReqs, u.prevReqs)
		events.Add(u.tenant, "avail", ago(u.lastDay).Add(time.Hour).Unix(), u.lastReq, u.lastReq)
	}
	usage.Add("new", "logs", ago(1).Unix(), 1, 5_000_000_000)
	events.Add("new", "avail", ago(1).Unix(), 10, 10)
	// Today's usage is not in the last complete week.
	usage.Add("steady", "logs", today.Add(time.Hour).Unix(), 1, 50_000_000_000)
	must(usage.Insert(ctx, st))
	must(events.Insert(ctx, st, now))
	// grow's chargeback of the week: 5 + 2 = 7, 30 a month.
	insertChargeback(t, st, ago(1), now, "grow", "USD", "5", "2")
	insertChargeback(t, st, ago(1), now, "steady", "USD", "100", "0")

	// expensive_metric: grow's http_requests has 1500 series (pods, each
	// method once per pod) in the last 24 hours; a metric of 50 series and
	// one whose 2000 series are older are not expensive.
	insertSeries(t, st, "otel_metrics_sum", "grow", "http_requests", 3000, "map('pod', toString(number % 1500), 'method', toString(number % 3))", now.Add(-time.Hour))
	insertSeries(t, st, "otel_metrics_gauge", "grow", "small_metric", 50, "map('k', toString(number))", now.Add(-time.Hour))
	insertSeries(t, st, "otel_metrics_gauge", "steady", "old_metric", 2000, "map('k', toString(number))", now.Add(-25*time.Hour))

	// billed_without_usage: disk-1 billed 7 with nothing consumed;
	// vm-ghost billed 14 for a tenant that sent nothing; vm-grow's tenant
	// is busy and vm-busy consumed.
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	item := func(daysAgo int, resource, service, account, cost, quantity string, tags map[string]string) store.BillingLineItem {
		at := ago(daysAgo).Add(time.Hour)
		return store.BillingLineItem{BillingAccountId: "A1", SubAccountId: account, ServiceName: service, BillingCurrency: "USD",
			BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0), ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour),
			BilledCost: decimal.MustParse(cost), EffectiveCost: decimal.MustParse(cost), ChargeCategory: "Usage",
			ConsumedQuantity: decimal.MustParse(quantity), ConsumedUnit: "GB", ResourceId: resource, Tags: tags}
	}
	items := []store.BillingLineItem{
		item(2, "disk-1", "EBS", "S1", "3.5", "0", map[string]string{"team": "storage"}),
		item(1, "disk-1", "EBS", "S1", "3.5", "0", map[string]string{"team": "storage"}),
		item(1, "vm-ghost", "EC2", "S1", "14", "24", map[string]string{"tenant": "ghost"}),
		item(1, "vm-grow", "EC2", "S1", "20", "24", map[string]string{"tenant": "grow"}),
		item(1, "vm-busy", "EC2", "S1", "9", "24", map[string]string{"k8s-namespace": "steady"}),
		// unallocated_tag_gap: EBS in S1 (disk-1's 7), S3 in S1 (4.5 +
		// 1.5) and CloudFront in S2 (2) are untagged; observability is a
		// shared pool's; the 50 of ten days ago has no allocations (the
		// lookback is 3 days).
		item(1, "bucket-a", "S3", "S1", "4.5", "100", map[string]string{"app": "x"}),
		item(1, "bucket-b", "S3", "S1", "1.5", "10", nil),
		item(1, "", "CloudFront", "S2", "2", "5", nil),
		item(1, "", "observability", "S1", "3", "1", nil),
		item(10, "", "EC2", "S3", "50", "1", nil),
	}
	_, err := store.ImportBilling(ctx, st, store.BillingImport{Provider: "AWS", SourceFile: "bill.csv", ImportedAt: now}, items)
	must(err)

	cfg := createDefaultConfig().(*Config)
	cfg.LookbackDays = 3
	cfg.Rules.Shared = []allocation.SharedPool{{Name: "platform", Services: []string{"observability"}, Driver: "ingest_bytes"}}
	cfg.Recommendations.UnallocatedTagGap.Top = 2
	cfg.Recommendations.Interval = time.Hour
	cfg.Alerting = component.ID{}
	must(cfg.Validate())
	engine := sloextensiontest.NewEngine()
	x := newExtension(cfg, componenttest.NewNopTelemetrySettings())
	core, warnings := observer.New(zap.WarnLevel)
	x.logger = zap.New(core)
	x.now = func() time.Time { return now }
	must(x.Start(ctx, storeextensiontest.NewHostWith(cfg.Store, st, map[component.ID]component.Component{cfg.API: engine})))
	defer x.Shutdown(ctx)
	must(x.Recompute(ctx))
	if warnings.Len() > 0 {
		t.Fatalf("recomputation warned: %v", warnings.All()[0].ContextMap())
	}

	srv := httptest.NewServer(engine.Handler())
	defer srv.Close()
	get := func(query string) (int, []Recommendation, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/api/v1/cost/recommendations?" + query)
		must(err)
		defer resp.Body.Close()
		var body struct {
			Data  []Recommendation
			Error string
		}
		must(json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, body.Data, body.Error
	}
	show := func(rs []Recommendation) string {
		var b strings.Builder
		for _, r := range rs {
			fmt.Fprintf(&b, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%v\n", r.Day, r.Kind, r.Tenant, r.Team, r.Service, r.Subject, r.Detail, r.Currency, r.Cost, r.Value)
		}
		return b.String()
	}
	want := strings.Join([]string{
		"2026-11-16|billed_without_usage|ghost||EC2|vm-ghost|tagged for tenant ghost, which sent no telemetry and had no requests in the last 7 days|USD|60|14",
		"2026-11-16|billed_without_usage||storage|EBS|disk-1|billed 7 USD in the last 7 days with no consumption (ConsumedQuantity 0)|USD|30|7",
		"2026-11-16|expensive_metric|grow|||http_requests|1500 active series in the last 24 hours; labels with the most values: pod (1500), method (3), resource.host (1)||0|1500",
		"2026-11-16|telemetry_growth|grow|||tenant grow|telemetry grew 200.0% week over week (1.00 GB to 3.00 GB) while requests grew 20.0% (1000 to 1200)|USD|30|2.5",
		"2026-11-16|unallocated_tag_gap|||EBS|service EBS in account S1|no tenant tag (tried tenant, user:tenant, k8s-namespace)|USD|7|" + fmt.Sprint(7.0/15),
		"2026-11-16|unallocated_tag_gap|||S3|service S3 in account S1|no tenant tag (tried tenant, user:tenant, k8s-namespace)|USD|6|" + fmt.Sprint(6.0/15),
	}, "\n") + "\n"
	code, got, msg := get("")
	if code != 200 || show(got) != want {
		t.Fatalf("%d %s\n%s\nwant:\n%s", code, msg, show(got), want)
	}
	if code, got, _ = get("day=2026-11-16&kind=telemetry_growth"); code != 200 || len(got) != 1 || got[0].Subject != "tenant grow" {
		t.Errorf("kind=telemetry_growth: %d\n%s", code, show(got))
	}
	if code, got, _ = get("day=2026-11-15"); code != 200 || got == nil || len(got) != 0 {
		t.Errorf("a day without a run: %d %v", code, got)
	}
	for _, bad := range []string{"day=yesterday", "kind=idle", "tenant=grow"} {
		if code, _, msg := get(bad); code != 400 || !strings.HasPrefix(msg, strings.SplitN(bad, "=", 2)[0]+":") {
			t.Errorf("%s: %d %q", bad, code, msg)
		}
	}

	// Later today, nothing left to find: today is empty, not yesterday's.
	for _, table := range []string{"slopipe_ingest_usage", "slopipe_sli_events", "otel_metrics_sum", "otel_metrics_gauge", "slopipe_billing_line_items"} {
		must(st.Exec(ctx, "TRUNCATE TABLE "+store.QuoteIdent(st.Database())+"."+store.QuoteIdent(table), nil))
	}
	// Within the interval, today's recommendations stand.
	now = now.Add(30 * time.Minute)
	must(x.Recompute(ctx))
	if code, got, _ = get(""); code != 200 || len(got) == 0 {
		t.Fatalf("within the interval: %d\n%s", code, show(got))
	}
	now = now.Add(30 * time.Minute)
	must(x.Recompute(ctx))
	if warnings.Len() > 0 {
		t.Fatalf("recomputation warned: %v", warnings.All()[0].ContextMap())
	}
	if code, got, _ = get(""); code != 200 || got == nil || len(got) != 0 {
		t.Fatalf("after a recomputation that found nothing: %d\n%s", code, show(got))
	}
	runs, err := store.CostRecommendations(ctx, st, today.AddDate(0, 0, -1), today.AddDate(0, 0, 1))
	must(err)
	if len(runs) != 0 {
		t.Fatalf("rows left: %+v", runs)
	}
}

// insertSeries writes points data points of a tenant's metric into table,
// the i-th with the attributes labels (SQL over number), at at.
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

// insertChargeback writes one chargeback row of day and its run.
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

// The growth rule on its edges: the factor is a strict bound, tenants
// without a week to compare are left out, and money is scaled to 30 days
// in the tenant's first currency.
func TestTelemetryGrowthRule(t *testing.T) {
	cfg := DefaultRecommendationsConfig().TelemetryGrowth
	prev := weekUsage{map[string]float64{"a": 1e9, "b": 1e9, "c": 1e9, "d": 0, "e": 1e9}, map[string]float64{"a": 100, "b": 100, "c": 0, "d": 100, "e": 100}}
	latest := weekUsage{map[string]float64{"a": 1.5e9, "b": 1.51e9, "c": 5e9, "d": 5e9, "e": 5e9}, map[string]float64{"a": 100, "b": 100, "c": 100, "d": 100, "e": 0}}
	spend := []store.TenantCost{{Tenant: "b", Currency: "EUR", Cost: decimal.MustParse("1")}, {Tenant: "b", Currency: "USD", Cost: decimal.MustParse("9")}}
	got := telemetryGrowth(cfg, prev, latest, spend)
	// a: exactly 1.5, not more. c, d, e: no growth to compare.
	if len(got) != 1 || got[0].Tenant != "b" || math.Abs(got[0].Value-1.51) > 1e-9 || got[0].Currency != "EUR" ||
		got[0].Cost.String() != "4.2857142857" || got[0].Detail != "telemetry grew 51.0% week over week (1.00 GB to 1.51 GB) while requests grew 0.0% (100 to 100)" {
		t.Fatalf("%+v", got)
	}
}

func TestPerMonth(t *testing.T) {
	for _, c := range []struct {
		spend string
		days  int
		want  string
	}{
		{"7", 7, "30"},
		{"1", 7, "4.2857142857"},    // …857142857|14
		{"4", 7, "17.1428571429"},   // …142857142|857: up
		{"-4", 7, "-17.1428571429"}, // away from zero
		{"0.0000000001", 60, "0.0000000001"},
		{"0.0000000001", 61, "0"},
		{"12.5", 30, "12.5"},
	} {
		if got := perMonth(decimal.MustParse(c.spend), c.days).String(); got != c.want {
			t.Errorf("perMonth(%s, %d) = %s, want %s", c.spend, c.days, got, c.want)
		}
	}
}

func TestRecommendationsConfigValidate(t *testing.T) {
	for field, mutate := range map[string]func(*RecommendationsConfig){
		"recommendations.telemetry_growth.factor:":     func(c *RecommendationsConfig) { c.TelemetryGrowth.Factor = 0.9 },
		"recommendations.expensive_metric.top:":        func(c *RecommendationsConfig) { c.ExpensiveMetric.Top = 0 },
		"recommendations.expensive_metric.min_series:": func(c *RecommendationsConfig) { c.ExpensiveMetric.MinSeries = 0 },
		"recommendations.billed_without_usage.days:":   func(c *RecommendationsConfig) { c.BilledWithoutUsage.Days = 0 },
		"recommendations.unallocated_tag_gap.days:":    func(c *RecommendationsConfig) { c.UnallocatedTagGap.Days = 401 },
		"recommendations.unallocated_tag_gap.top:":     func(c *RecommendationsConfig) { c.UnallocatedTagGap.Top = -1 },
	} {
		cfg := createDefaultConfig().(*Config)
		mutate(&cfg.Recommendations)
		if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), field) {
			t.Errorf("want an error starting %q, got %v", field, err)
		}
	}
	if err := createDefaultConfig().(*Config).Validate(); err != nil {
		t.Fatal(err)
	}
}
