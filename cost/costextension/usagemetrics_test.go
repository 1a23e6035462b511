package costextension

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"

	"github.com/slopipe/slopipe/cost/allocation"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/promsql"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

const cpuQuery = `sum(rate(container_cpu_usage_seconds_total[5m]))`

// A shared pool with driver metric:cpu_seconds, and two tenants whose CPU
// counters rise 2:1 over the day (cumulative samples every minute from
// before the day to after it, one of beta's pods restarting at noon): the
// pool splits 2:1 to the cent and the total is the bill's exactly.
// Samples of other days and other metrics weigh nothing.
func TestSharedCostSplitsByMetricUsage(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	item := func(service, cost string, tags map[string]string) store.BillingLineItem {
		at := day.Add(time.Hour)
		return store.BillingLineItem{BillingAccountId: "A1", SubAccountId: "S1", ServiceName: service, BillingCurrency: "USD",
			BillingPeriodStart: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), BillingPeriodEnd: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour), BilledCost: decimal.MustParse(cost), EffectiveCost: decimal.MustParse(cost), Tags: tags}
	}
	items := []store.BillingLineItem{
		item("Kubernetes", "100.01", nil),
		item("EC2", "40.005", map[string]string{"tenant": "acme"}),
	}
	if _, err := store.ImportBilling(ctx, st, store.BillingImport{Provider: "AWS", SourceFile: "bill.csv", ImportedAt: day}, items); err != nil {
		t.Fatal(err)
	}
	// Samples every minute from 10 minutes before the day to 10 minutes
	// after it: number is the minute since the first.
	first := day.Add(-10 * time.Minute)
	series := func(tenant, metric, pod, value string) {
		t.Helper()
		err := st.Exec(ctx, fmt.Sprintf(`INSERT INTO otel_metrics_sum (TenantId, MetricName, ServiceName, Attributes, TimeUnix, Value, AggregationTemporality, IsMonotonic)
SELECT '%s', '%s', 'kubelet', map('pod', '%s'), toDateTime(%d + number * 60), %s, 2, true FROM numbers(%d)`,
			tenant, metric, pod, first.Unix(), value, 24*60+20), nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	series("acme", "container_cpu_usage_seconds_total", "a", "120 * number") // 2 CPU seconds a second
	series("beta", "container_cpu_usage_seconds_total", "b1", "30 * number + 5")
	// restarts at minute 700 and goes on at the same rate
	series("beta", "container_cpu_usage_seconds_total", "b2", "if(number < 700, 30 * number + 7, 30 * (number - 699))")
	series("gamma", "container_memory_usage_bytes", "g", "1e9 * number")
	// gamma's CPU on the next day only
	err := st.Exec(ctx, fmt.Sprintf(`INSERT INTO otel_metrics_sum (TenantId, MetricName, TimeUnix, Value, AggregationTemporality, IsMonotonic)
SELECT 'gamma', 'container_cpu_usage_seconds_total', toDateTime(%d + number * 60), 1000 * number, 2, true FROM numbers(60)`,
		day.Add(25*time.Hour).Unix()), nil)
	if err != nil {
		t.Fatal(err)
	}

	cfg := createDefaultConfig().(*Config)
	cfg.Interval, cfg.LookbackDays = time.Hour, 2
	cfg.UsageMetrics = map[string]string{"cpu_seconds": cpuQuery}
	cfg.Rules.Shared = []allocation.SharedPool{{Name: "compute", Services: []string{"Kubernetes"}, Driver: "metric:cpu_seconds"}}
	cfg.API, cfg.Alerting = component.ID{}, component.ID{}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	x := newExtension(cfg, componenttest.NewNopTelemetrySettings())
	x.now = func() time.Time { return day.Add(30 * time.Hour) }
	if err := x.Start(ctx, storeextensiontest.NewHostWith(cfg.Store, st, nil)); err != nil {
		t.Fatal(err)
	}
	defer x.Shutdown(ctx)
	if err := x.Recompute(ctx); err != nil {
		t.Fatal(err)
	}

	// The usage measured: CPU seconds of the day.
	usage := allocation.Usage{}
	if err := x.addMetricUsage(ctx, usage, day); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(usage); got != "map[cpu_seconds:map[acme:172800 beta:86400]]" {
		t.Errorf("usage %s, want acme 172800 and beta 86400 CPU seconds", got)
	}

	totals, err := store.CostTotals(ctx, st, day, day.AddDate(0, 0, 2), "tenant", "day")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	total := decimal.Zero
	for _, e := range totals {
		got[e.Period.Format(time.DateOnly)+" "+e.Group] = e.Cost.String()
		total = total.Add(e.Cost)
	}
	// 2:1 of 100.01 is 66.67333… and 33.33666…: floors 66.67 and 33.33,
	// the cent left to the larger remainder, beta's.
	want := map[string]string{
		"2026-11-02 acme": "106.675", // 40.005 tagged + 66.67
		"2026-11-02 beta": "33.34",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("allocations %v, want %v", got, want)
	}
	if bill := decimal.MustParse("140.015"); total.Cmp(bill) != 0 {
		t.Errorf("allocations total %s, the bill is %s", total, bill)
	}
	byCategory, err := store.CostTotals(ctx, st, day, day.AddDate(0, 0, 1), "category", "day")
	if err != nil {
		t.Fatal(err)
	}
	if len(byCategory) != 2 || byCategory[1].Group != allocation.CategoryShared || byCategory[1].Cost.String() != "100.01" {
		t.Errorf("by category %+v, want direct 40.005 and shared 100.01", byCategory)
	}
}

func TestUsageMetricsConfig(t *testing.T) {
	compileError := func(q string) string {
		_, err := promsql.CompileIncrease(q)
		if err == nil {
			t.Fatalf("%s compiles", q)
		}
		return err.Error()
	}
	pool := func(driver string) []allocation.SharedPool {
		return []allocation.SharedPool{
			{Name: "network", Services: []string{"VPC"}, Driver: "ingest_bytes"},
			{Name: "compute", Services: []string{"Kubernetes"}, Driver: driver},
		}
	}
	cases := []struct {
		name    string
		metrics map[string]string
		shared  []allocation.SharedPool
		want    string // "" for valid
	}{
		{name: "a metric driver with its usage metric", metrics: map[string]string{"cpu_seconds": cpuQuery}, shared: pool("metric:cpu_seconds")},
		{name: "usage metrics no pool uses", metrics: map[string]string{"cpu_seconds": cpuQuery, "gpu_hours": `sum(increase(gpu_seconds_total[1h]))`}, shared: pool("even")},
		{
			name: "unknown usage metric", metrics: map[string]string{"cpu_seconds": cpuQuery, "gpu_hours": `gpu_seconds_total`}, shared: pool("metric:cpu"),
			want: "rules.shared[1] (compute).driver: metric:cpu names no usage_metrics entry (configured: cpu_seconds, gpu_hours)",
		},
		{
			name: "no usage metrics", shared: pool("metric:cpu_seconds"),
			want: "rules.shared[1] (compute).driver: metric:cpu_seconds names no usage_metrics entry (none configured)",
		},
		{
			name: "a built-in driver spelt as a metric", shared: pool("metric:requests"),
			want: "rules.shared[1] (compute).driver: metric:requests names no usage_metrics entry (for the built-in driver, driver: requests)",
		},
		{
			name: "syntax error", metrics: map[string]string{"cpu_seconds": `sum(rate(container_cpu_usage_seconds_total[5m])`}, shared: pool("metric:cpu_seconds"),
			want: "usage_metrics.cpu_seconds: " + compileError(`sum(rate(container_cpu_usage_seconds_total[5m])`),
		},
		{
			name: "unsupported PromQL", metrics: map[string]string{"cpu_seconds": `avg(rate(container_cpu_usage_seconds_total[5m]))`}, shared: pool("metric:cpu_seconds"),
			want: "usage_metrics.cpu_seconds: " + compileError(`avg(rate(container_cpu_usage_seconds_total[5m]))`),
		},
		{
			name: "a usage metric named like a built-in driver", metrics: map[string]string{"ingest_bytes": cpuQuery}, shared: pool("even"),
			want: "usage_metrics.ingest_bytes: the name of a built-in driver",
		},
		{name: "empty name", metrics: map[string]string{"": cpuQuery}, shared: pool("even"), want: "usage_metrics: empty name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.UsageMetrics, cfg.Rules.Shared = c.metrics, c.shared
			err := cfg.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Fatalf("error %v\nwant  %s", err, c.want)
			}
		})
	}
	if !strings.HasPrefix(compileError(`avg(rate(x[5m]))`), "unsupported PromQL") {
		t.Error("the unsupported case does not test the compiler's refusal")
	}
}

func TestUsageMetricsUnmarshal(t *testing.T) {
	conf := confmap.NewFromStringMap(map[string]any{
		"usage_metrics": map[string]any{"cpu_seconds": cpuQuery},
		"rules": map[string]any{
			"shared": []any{map[string]any{"name": "compute", "services": []any{"Kubernetes"}, "driver": "metric:cpu_seconds"}},
		},
	})
	cfg := createDefaultConfig().(*Config)
	if err := conf.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := cfg.UsageMetrics["cpu_seconds"]; got != cpuQuery {
		t.Errorf("usage_metrics.cpu_seconds = %q", got)
	}
}
