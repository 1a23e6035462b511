package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// What chargeback and unit costs read: bytes per tenant on a day and in
// the retention window ending with it; SLI events per tenant and SLO with
// the SLO's latest service.
func TestChargebackInputs(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
		usage := store.NewIngestUsage()
		usage.Add("acme", "traces", day.Add(time.Minute).Unix(), 1, 3_000_000_000)
		usage.Add("acme", "logs", day.Add(23*time.Hour+59*time.Minute).Unix(), 1, 5)
		usage.Add("acme", "logs", day.AddDate(0, 0, -2).Unix(), 1, 100)   // in a 3-day window
		usage.Add("acme", "logs", day.AddDate(0, 0, -3).Unix(), 1, 1000)  // out of it
		usage.Add("acme", "logs", day.AddDate(0, 0, 1).Unix(), 1, 10000)  // the next day
		usage.Add("beta", "metrics", day.AddDate(0, 0, -1).Unix(), 1, 7)  // retained, nothing sent on day
		usage.Add("", "metrics", day.Unix(), 1, 99)                       // no tenant
		usage.Add("gamma", "metrics", day.AddDate(0, 0, -5).Unix(), 1, 1) // long gone
		if err := usage.Insert(ctx, st); err != nil {
			t.Fatal(err)
		}
		got, err := store.TelemetryVolumes(ctx, st, day, day.AddDate(0, 0, 2), 3)
		if err != nil {
			t.Fatal(err)
		}
		if s := fmt.Sprint(got[day]); s != "[{acme 3000000005 3000000105} {beta 0 7}]" {
			t.Errorf("volumes of %s: %s", day.Format(time.DateOnly), s)
		}
		// The next day: its own bytes, and a window that has dropped the
		// -2 day's 100 and holds beta's 7 still.
		if s := fmt.Sprint(got[day.AddDate(0, 0, 1)]); s != "[{acme 10000 3000010005} {beta 0 7}]" {
			t.Errorf("volumes of the next day: %s", s)
		}
		if len(got) != 2 {
			t.Errorf("volumes of %d days, want 2: %v", len(got), got)
		}

		events := store.NewSLIEvents()
		events.Add("acme", "checkout-availability", day.Add(time.Hour).Unix(), 998, 1000)
		events.Add("acme", "checkout-latency", day.Add(time.Hour).Unix(), 700, 800)
		events.Add("acme", "checkout-latency", day.AddDate(0, 0, 1).Unix(), 1, 1) // the next day
		events.Add("acme", "unevaluated", day.Add(time.Hour).Unix(), 1, 1)
		if err := events.Insert(ctx, st, day.AddDate(0, 0, 2)); err != nil {
			t.Fatal(err)
		}
		// A PromQL SLI's minutes, computed twice: the latest counts.
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		minute := day.Add(2 * time.Hour).Unix()
		must(st.Exec(ctx, fmt.Sprintf(`INSERT INTO slopipe_sli_metric_minutes (TenantId, Slo, SpecHash, Minute, Good, Total, ComputedAt) VALUES
    ('acme', 'checkout-requests', 'h1', toDateTime(%[1]d), 1, 2, toDateTime64(%[1]d, 3)),
    ('acme', 'checkout-requests', 'h1', toDateTime(%[1]d), 99.6, 100.2, toDateTime64(%[1]d + 60, 3)),
    ('acme', 'checkout-requests', 'h1', toDateTime(%[1]d + 60), 50, 50, toDateTime64(%[1]d + 60, 3)),
    ('acme', 'checkout-requests', 'h1', toDateTime(%[2]d), 7, 7, toDateTime64(%[2]d, 3))`, minute, day.AddDate(0, 0, 1).Unix()), nil))
		status := store.NewSLOStatus()
		for _, r := range []struct {
			slo, service string
			at           time.Time
		}{
			{"checkout-availability", "shop", day}, // renamed since
			{"checkout-availability", "checkout", day.Add(time.Hour)},
			{"checkout-latency", "checkout", day},
			{"checkout-requests", "checkout", day},
		} {
			status.Add(store.SLOStatusRow{EvaluatedAt: r.at, Tenant: "acme", SLO: r.slo, Service: r.service, Objective: 0.999, Period: "30d"})
		}
		if err := status.Insert(ctx, st); err != nil {
			t.Fatal(err)
		}
		services, err := store.SLOServices(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if s := fmt.Sprint(services); s != "map[checkout-availability:checkout checkout-latency:checkout checkout-requests:checkout]" {
			t.Errorf("slo services: %s", s)
		}
		counts, err := store.SLOEventCounts(ctx, st, day, day.Add(24*time.Hour), services)
		if err != nil {
			t.Fatal(err)
		}
		// checkout-requests: 99.6 of 100.2 then 50 of 50, rounded.
		if s := fmt.Sprint(counts); s != "[{acme checkout-availability checkout 998 1000} {acme checkout-latency checkout 700 800} {acme checkout-requests checkout 150 150}]" {
			t.Errorf("slo events: %s", s)
		}
	})
}

// Chargeback and unit costs are reports: a day is its latest computation.
func TestChargebackAndUnitCostReports(t *testing.T) {
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
		charge := func(day time.Time, tenant string, ingested uint64, cost string) store.TenantChargeback {
			return store.TenantChargeback{Day: day, Tenant: tenant, Currency: "USD", IngestedBytes: ingested, RetainedBytes: 3 * ingested,
				IngestCost: decimal.MustParse(cost), RetentionCost: decimal.MustParse("0.0000000001")}
		}
		must(store.SaveCostChargeback(ctx, st, d1, []store.TenantChargeback{charge(d1, "acme", 1, "1"), charge(d1, "beta", 2, "2")}, t0))
		must(store.SaveCostChargeback(ctx, st, d1, []store.TenantChargeback{charge(d1, "acme", 3_000_000_000, "0.75")}, t0.Add(time.Minute)))
		must(store.SaveCostChargeback(ctx, st, d2, []store.TenantChargeback{charge(d2, "acme", 5, "0.5")}, t0))
		got, err := store.CostChargeback(ctx, st, d1, d2.AddDate(0, 0, 1))
		must(err)
		if s := fmt.Sprint(got); s != "[{2026-11-02 00:00:00 +0000 UTC acme USD 3000000000 9000000000 0.75 0.0000000001} {2026-11-03 00:00:00 +0000 UTC acme USD 5 15 0.5 0.0000000001}]" {
			t.Errorf("chargeback: %s", s)
		}
		must(store.SaveCostChargeback(ctx, st, d2, nil, t0.Add(time.Hour)))
		if got, err = store.CostChargeback(ctx, st, d2, d2.AddDate(0, 0, 1)); err != nil || len(got) != 0 {
			t.Errorf("after an empty recomputation: %v %v", got, err)
		}
		if err := store.SaveCostChargeback(ctx, st, d1, []store.TenantChargeback{charge(d2, "acme", 1, "1")}, t0); err == nil {
			t.Error("a row of another day was written")
		}

		unit := func(day time.Time, tenant, service, cost string, requests, good uint64) store.CostUnitCost {
			return store.CostUnitCost{Day: day, Tenant: tenant, Service: service, Currency: "USD", Cost: decimal.MustParse(cost), Requests: requests, GoodEvents: good}
		}
		must(store.SaveCostUnitCosts(ctx, st, d1, []store.CostUnitCost{unit(d1, "acme", "checkout", "99", 1, 1)}, t0))
		must(store.SaveCostUnitCosts(ctx, st, d1, []store.CostUnitCost{
			unit(d1, "acme", "checkout", "12.34", 1000, 998),
			unit(d1, "beta", "checkout", "0.0000000001", 10, 9),
			unit(d1, "acme", "search", "1", 0, 0),
		}, t0.Add(time.Minute)))
		must(store.SaveCostUnitCosts(ctx, st, d2, []store.CostUnitCost{unit(d2, "acme", "checkout", "7.66", 1000, 1000)}, t0))
		for groupBy, want := range map[string]string{
			"tenant":  "[{acme USD 21 2000 1998} {beta USD 0.0000000001 10 9}]",
			"service": "[{checkout USD 20.0000000001 2010 2007} {search USD 1 0 0}]",
		} {
			totals, err := store.CostUnitCosts(ctx, st, d1, d2.AddDate(0, 0, 1), groupBy)
			must(err)
			if s := fmt.Sprint(totals); s != want {
				t.Errorf("by %s: %s, want %s", groupBy, s, want)
			}
		}
		if _, err := store.CostUnitCosts(ctx, st, d1, d2, "team"); err == nil {
			t.Error("grouped by team")
		}
	})
}
