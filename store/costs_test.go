package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// Allocations of a day are replaced whole by a recomputation, and summed
// by group per day and month exactly.
func TestCostAllocationsRecomputeReplacesTheDay(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		{
			if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
				t.Fatal(err)
			}
			d1 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
			d2 := d1.Add(24 * time.Hour)
			row := func(day time.Time, tenant, cost string) store.CostAllocation {
				return store.CostAllocation{Day: day, Tenant: tenant, Team: "t", Service: "s", Category: "direct", Rule: "tag:tenant", Currency: "USD", Cost: decimal.MustParse(cost)}
			}
			t0 := time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(store.SaveCostAllocations(ctx, st, d1, []store.CostAllocation{row(d1, "acme", "10.0000000001"), row(d1, "beta", "5")}, t0))
			must(store.SaveCostAllocations(ctx, st, d2, []store.CostAllocation{row(d2, "acme", "1.25")}, t0))
			// d1 recomputed: beta's line is gone, acme's changed.
			must(store.SaveCostAllocations(ctx, st, d1, []store.CostAllocation{row(d1, "acme", "12.5")}, t0.Add(time.Hour)))
			got, err := store.CostTotals(ctx, st, d1, d2.Add(24*time.Hour), "tenant", "day")
			must(err)
			want := []string{"2026-11-02 acme USD 12.5", "2026-11-03 acme USD 1.25"}
			if len(got) != len(want) {
				t.Fatalf("%+v", got)
			}
			for i, g := range got {
				if s := g.Period.Format(time.DateOnly) + " " + g.Group + " " + g.Currency + " " + g.Cost.String(); s != want[i] {
					t.Errorf("row %d: %s, want %s", i, s, want[i])
				}
			}
			got, err = store.CostTotals(ctx, st, d1, d2.Add(24*time.Hour), "tenant", "month")
			must(err)
			if len(got) != 1 || got[0].Cost.String() != "13.75" || !got[0].Period.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
				t.Fatalf("month: %+v", got)
			}
			// An empty recomputation empties the day.
			must(store.SaveCostAllocations(ctx, st, d2, nil, t0.Add(2*time.Hour)))
			got, err = store.CostTotals(ctx, st, d1, d2.Add(24*time.Hour), "team", "month")
			must(err)
			if len(got) != 1 || got[0].Cost.String() != "12.5" || got[0].Group != "t" {
				t.Fatalf("after emptying a day: %+v", got)
			}
			// Two currencies for one tenant on one day are two totals.
			eur := row(d2, "acme", "7")
			eur.Currency = "EUR"
			must(store.SaveCostAllocations(ctx, st, d2, []store.CostAllocation{row(d2, "acme", "10"), eur}, t0.Add(3*time.Hour)))
			got, err = store.CostTotals(ctx, st, d2, d2.Add(24*time.Hour), "tenant", "day")
			must(err)
			if len(got) != 2 || got[0].Currency != "EUR" || got[0].Cost.String() != "7" || got[1].Currency != "USD" || got[1].Cost.String() != "10" {
				t.Fatalf("two currencies: %+v", got)
			}
			must(store.SaveCostAllocations(ctx, st, d2, nil, t0.Add(4*time.Hour)))
			series, err := store.CostSeries(ctx, st, d1, d2.Add(24*time.Hour))
			must(err)
			if len(series) != 1 || series[0].Tenant != "acme" || series[0].Cost.String() != "12.5" || !series[0].Day.Equal(d1) || series[0].Service != "s" {
				t.Fatalf("series: %+v", series)
			}
			if _, err := store.CostTotals(ctx, st, d1, d2, "TenantId; DROP", "day"); err == nil {
				t.Error("an unknown grouping was accepted")
			}
		}
	})
}

// A day's charges come summed by service, account and tags from the
// visible import; tenants' usage from ingest and SLI events.
func TestDayChargesAndTenantUsage(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		item := func(at time.Time, service, tenant, cost string) store.BillingLineItem {
			return store.BillingLineItem{BillingAccountId: "A1", SubAccountId: "S1", ServiceName: service, BillingCurrency: "USD",
				BillingPeriodStart: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), BillingPeriodEnd: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
				ChargePeriodStart: at, ChargePeriodEnd: at.Add(time.Hour), BilledCost: decimal.MustParse(cost), EffectiveCost: decimal.MustParse(cost),
				Tags: map[string]string{"tenant": tenant}}
		}
		items := []store.BillingLineItem{
			item(day.Add(time.Hour), "EC2", "acme", "1.5"), item(day.Add(2*time.Hour), "EC2", "acme", "2.25"),
			item(day.Add(3*time.Hour), "EC2", "beta", "-0.0000000001"), item(day.Add(25*time.Hour), "EC2", "acme", "100"),
		}
		if _, err := store.ImportBilling(ctx, st, store.BillingImport{Provider: "AWS", SourceFile: "f.csv", ImportedAt: day}, items); err != nil {
			t.Fatal(err)
		}
		got, err := store.DayCharges(ctx, st, day)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Tags["tenant"] == got[1].Tags["tenant"] {
			t.Fatalf("%+v", got)
		}
		for _, g := range got {
			want := map[string]string{"acme": "3.75", "beta": "-0.0000000001"}[g.Tags["tenant"]]
			if g.BilledCost.String() != want || g.EffectiveCost.String() != want || g.ServiceName != "EC2" || g.SubAccountId != "S1" {
				t.Errorf("%+v: want %s", g, want)
			}
		}

		usage := store.NewIngestUsage()
		usage.Add("acme", "traces", day.Add(time.Minute).Unix(), 10, 3000)
		usage.Add("beta", "logs", day.Add(time.Hour).Unix(), 10, 1000)
		usage.Add("beta", "logs", day.Add(-time.Hour).Unix(), 10, 99999)
		if err := usage.Insert(ctx, st); err != nil {
			t.Fatal(err)
		}
		events := store.NewSLIEvents()
		events.Add("acme", "slo", day.Add(time.Minute).Unix(), 90, 100)
		if err := events.Insert(ctx, st, day.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		ingest, requests, err := store.TenantUsage(ctx, st, day, day.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if ingest["acme"] != 3000 || ingest["beta"] != 1000 || requests["acme"] != 100 || len(requests) != 1 {
			t.Errorf("ingest %v, requests %v", ingest, requests)
		}
	})
}
