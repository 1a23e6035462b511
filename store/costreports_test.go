package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// A report's day is what its latest computation wrote: a recomputation
// that finds nothing empties the day, and other days stay.
func TestCostReportsLatestComputationWins(t *testing.T) {
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
		anomaly := func(day time.Time, tenant, cost string) store.CostAnomaly {
			return store.CostAnomaly{Day: day, Tenant: tenant, Team: "core", Service: "db", Currency: "EUR",
				Cost: decimal.MustParse(cost), Baseline: decimal.MustParse("10.5"), Score: 7.25}
		}
		must(store.SaveCostAnomalies(ctx, st, d1, []store.CostAnomaly{anomaly(d1, "acme", "99.0000000001"), anomaly(d1, "beta", "50")}, t0))
		must(store.SaveCostAnomalies(ctx, st, d2, []store.CostAnomaly{anomaly(d2, "acme", "70")}, t0))
		got, err := store.CostAnomalies(ctx, st, d1, d2.AddDate(0, 0, 1))
		must(err)
		if len(got) != 3 || got[0].Cost.String() != "99.0000000001" || got[0].Baseline.String() != "10.5" || got[0].Score != 7.25 ||
			got[0].Team != "core" || got[0].Service != "db" || got[0].Currency != "EUR" || !got[0].Day.Equal(d1) || got[2].Tenant != "acme" {
			t.Fatalf("anomalies: %+v", got)
		}
		// d1 recomputed with nothing found: only d2's anomaly is left.
		must(store.SaveCostAnomalies(ctx, st, d1, nil, t0.Add(time.Hour)))
		got, err = store.CostAnomalies(ctx, st, d1, d2.AddDate(0, 0, 1))
		must(err)
		if len(got) != 1 || !got[0].Day.Equal(d2) || got[0].Cost.String() != "70" {
			t.Fatalf("after an empty recomputation: %+v", got)
		}
		if err := store.SaveCostAnomalies(ctx, st, d1, []store.CostAnomaly{anomaly(d2, "acme", "1")}, t0); err == nil {
			t.Fatal("a row of another day was written")
		}

		month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		status := store.CostBudgetStatus{Budget: "platform", Team: "platform", Month: month, Currency: "USD",
			Amount: decimal.MustParse("1000"), Actual: decimal.MustParse("810.12"), Forecast: decimal.MustParse("1203.3333333333"),
			Crossed: []string{"actual 80%", "forecast 100%"}}
		must(store.SaveCostBudgets(ctx, st, d1, []store.CostBudgetStatus{status}, t0))
		status.Crossed = nil
		status.Actual = decimal.MustParse("100")
		must(store.SaveCostBudgets(ctx, st, d1, []store.CostBudgetStatus{status}, t0.Add(time.Minute)))
		budgets, err := store.CostBudgets(ctx, st, d1, d2)
		must(err)
		if len(budgets) != 1 || budgets[0].Actual.String() != "100" || budgets[0].Forecast.String() != "1203.3333333333" ||
			len(budgets[0].Crossed) != 0 || !budgets[0].Month.Equal(month) || !budgets[0].Day.Equal(d1) {
			t.Fatalf("budgets: %+v", budgets)
		}
		must(store.SaveCostBudgets(ctx, st, d2, []store.CostBudgetStatus{{Budget: "b", Tenant: "acme", Month: month, Currency: "USD",
			Crossed: []string{"actual 50%"}}}, t0))
		budgets, err = store.CostBudgets(ctx, st, d2, d2.AddDate(0, 0, 1))
		must(err)
		if len(budgets) != 1 || budgets[0].Tenant != "acme" || !slices.Equal(budgets[0].Crossed, []string{"actual 50%"}) {
			t.Fatalf("budgets of %s: %+v", d2.Format(time.DateOnly), budgets)
		}
	})
}
