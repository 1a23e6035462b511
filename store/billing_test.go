package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

var (
	jan = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	feb = time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
)

// lineItems makes n line items of account in January, one per hour, over
// three services; cost(i) is the billed cost of item i.
func lineItems(account string, n int, cost func(i int) decimal.Decimal) []store.BillingLineItem {
	items := make([]store.BillingLineItem, n)
	for i := range items {
		start := jan.Add(time.Duration(i%(31*24)) * time.Hour)
		c := cost(i)
		items[i] = store.BillingLineItem{
			BillingAccountId: account, BillingAccountName: "Account " + account,
			SubAccountId:       fmt.Sprint("sub-", i%4),
			BillingPeriodStart: jan, BillingPeriodEnd: feb,
			ChargePeriodStart: start, ChargePeriodEnd: start.Add(time.Hour),
			BillingCurrency: "USD",
			BilledCost:      c, EffectiveCost: c, ListCost: c.Add(decimal.MustParse("0.0000000001")),
			ChargeCategory:  "Usage",
			ServiceName:     []string{"Compute", "Storage", "Network"}[i%3],
			PricingQuantity: decimal.FromInt(int64(i)), ConsumedQuantity: decimal.MustParse("0.5"),
			ResourceId: fmt.Sprint("r-", i), Tags: map[string]string{"team": fmt.Sprint("t", i%5)},
		}
	}
	return items
}

// money is a 20-digit amount with ten decimals, negative on every 7th line.
func money(i int) decimal.Decimal {
	d := decimal.MustParse(fmt.Sprintf("%011d%09d.%010d", 12345678901+i, i*7919%1_000_000_000, i*104729%10_000_000_000))
	if i%7 == 0 {
		return d.Neg()
	}
	return d
}

func sumBilled(items []store.BillingLineItem) decimal.Decimal {
	total := decimal.Zero
	for _, it := range items {
		total = total.Add(it.BilledCost)
	}
	return total
}

func billingMigrated(t testing.TB, s store.Store) {
	t.Helper()
	if _, err := store.Migrate(context.Background(), s, store.SchemaOptions{}); err != nil {
		t.Fatal(err)
	}
}

func importBilling(t testing.TB, s store.Store, id string, items []store.BillingLineItem) []store.BillingSlice {
	t.Helper()
	slices, err := store.ImportBilling(context.Background(), s, store.BillingImport{
		ID: id, Provider: "aws", SourceFile: "s3://bills/" + id + ".parquet", ImportedAt: time.Now(),
	}, items)
	if err != nil {
		t.Fatal(err)
	}
	return slices
}

// totalsByAccount is BillingTotals per account over all of January.
func totalsByAccount(t *testing.T, s store.Store) map[string]store.BillingTotal {
	t.Helper()
	totals, err := store.BillingTotals(context.Background(), s, jan, feb, "BillingAccountId")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.BillingTotal{}
	for _, tot := range totals {
		out[tot.Group] = tot
	}
	return out
}

func wantTotal(t *testing.T, got store.BillingTotal, rows int, billed decimal.Decimal) {
	t.Helper()
	if got.Rows != uint64(rows) || got.BilledCost.Cmp(billed) != 0 || got.EffectiveCost.Cmp(billed) != 0 {
		t.Errorf("%s: %d rows, billed %s, effective %s; want %d rows, %s", got.Group, got.Rows, got.BilledCost, got.EffectiveCost, rows, billed)
	}
}

func TestBillingImportReplacesSlices(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		billingMigrated(t, s)
		a, b := lineItems("111", 1000, money), lineItems("222", 300, money)
		slices := importBilling(t, s, "first", append(append([]store.BillingLineItem{}, a...), b...))
		if len(slices) != 2 || slices[0].BillingAccountId != "111" || slices[0].Rows != 1000 || slices[0].BilledCost.Cmp(sumBilled(a)) != 0 ||
			!slices[0].BillingPeriodStart.Equal(jan) || slices[1].Rows != 300 || slices[1].BilledCost.Cmp(sumBilled(b)) != 0 {
			t.Fatalf("slices %+v", slices)
		}
		got := totalsByAccount(t, s)
		wantTotal(t, got["111"], 1000, sumBilled(a))
		wantTotal(t, got["222"], 300, sumBilled(b))

		// The same file again: still one copy.
		importBilling(t, s, "", append(append([]store.BillingLineItem{}, a...), b...))
		got = totalsByAccount(t, s)
		wantTotal(t, got["111"], 1000, sumBilled(a))
		wantTotal(t, got["222"], 300, sumBilled(b))

		// A restated export of account 111 with fewer, other lines replaces
		// its slice and leaves 222's alone.
		restated := lineItems("111", 400, func(i int) decimal.Decimal { return decimal.MustParse("-0.0000000001").Add(decimal.FromInt(int64(i))) })
		importBilling(t, s, "restated", restated)
		got = totalsByAccount(t, s)
		wantTotal(t, got["111"], 400, sumBilled(restated))
		wantTotal(t, got["222"], 300, sumBilled(b))

		all, err := store.BillingTotals(context.Background(), s, jan, feb, "")
		if err != nil || len(all) != 1 {
			t.Fatalf("ungrouped totals %+v, %v", all, err)
		}
		wantTotal(t, all[0], 700, sumBilled(restated).Add(sumBilled(b)))
		if want := decimal.Sum(sumBilled(restated), sumBilled(b), decimal.MustParse("0.0000000700")); all[0].ListCost.Cmp(want) != 0 {
			t.Errorf("list cost %s, want %s", all[0].ListCost, want)
		}

		// A half-open range of charge periods: the first day only.
		day, err := store.BillingTotals(context.Background(), s, jan, jan.Add(24*time.Hour), "ServiceName")
		if err != nil || len(day) != 3 || day[0].Group != "Compute" {
			t.Fatalf("first day by service: %+v, %v", day, err)
		}
		rows := uint64(0)
		for _, d := range day {
			rows += d.Rows
		}
		if rows != 48 { // 24 hours of 111 and of 222
			t.Errorf("first day has %d rows, want 48", rows)
		}

		imports, err := store.BillingImports(context.Background(), s, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(imports) != 3 || imports[0].ImportId != "restated" || imports[0].Rows != 400 ||
			imports[0].SourceFile != "s3://bills/restated.parquet" || imports[1].ImportId == "first" || imports[1].ImportId != imports[2].ImportId ||
			imports[0].CompletedAt.Before(imports[1].CompletedAt) {
			t.Errorf("imports %+v", imports)
		}

		if _, err := store.ImportBilling(context.Background(), s, store.BillingImport{ID: "first", Provider: "aws", ImportedAt: time.Now()}, b); err == nil ||
			!strings.Contains(err.Error(), "used before") {
			t.Errorf("reusing an import ID: %v", err)
		}

		// Superseded line items are deleted in the background.
		waitFor(t, func() bool { return count(t, s, "slopipe_billing_line_items") == 700 })
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Error("condition not met within 30s")
}

// An import that fails after writing some of its line items changes
// nothing readers see.
func TestBillingFailedImportLeavesDataVisible(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		billingMigrated(t, s)
		good := lineItems("111", 500, money)
		importBilling(t, s, "good", good)

		bad := lineItems("111", 60_000, money)
		most := decimal.MustParse("9999999999999999999999999999.9999999999")
		bad[55_000].BilledCost = most.Add(most) // 29 integer digits: Decimal(38, 10) holds 28
		_, err := store.ImportBilling(context.Background(), s, store.BillingImport{ID: "bad", Provider: "aws", ImportedAt: time.Now()}, bad)
		if err == nil || !strings.Contains(err.Error(), "line item 55001: BilledCost") {
			t.Fatalf("import with an oversized cost: %v", err)
		}
		wantTotal(t, totalsByAccount(t, s)["111"], 500, sumBilled(good))
		imports, err := store.BillingImports(context.Background(), s, 0)
		if err != nil || len(imports) != 1 || imports[0].ImportId != "good" {
			t.Errorf("imports after a failed one: %+v, %v", imports, err)
		}
		// The first chunk of the failed import was written; it is deleted.
		waitFor(t, func() bool { return count(t, s, "slopipe_billing_line_items") == 500 })
	})
}

// Every row of a large import arrives: the engine drops rows of large
// inline inserts without an error, so this is counted, not assumed.
func TestBillingLargeImportIsExact(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		billingMigrated(t, s)
		items := lineItems("333", 120_000, money)
		slices := importBilling(t, s, "large", items)
		if len(slices) != 1 || slices[0].Rows != 120_000 {
			t.Fatalf("slices %+v", slices)
		}
		wantTotal(t, totalsByAccount(t, s)["333"], 120_000, sumBilled(items))
	})
}

// Decimal(38, 10) round-trips to the last digit at its limits.
func TestBillingDecimalLimits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		billingMigrated(t, s)
		values := []string{"9999999999999999999999999999.9999999999", "-9999999999999999999999999999.9999999999", "0.0000000001", "-0.0000000001", "0"}
		items := lineItems("444", len(values), func(i int) decimal.Decimal { return decimal.MustParse(values[i]) })
		for i := range items {
			items[i].ServiceName = fmt.Sprint("svc-", i)
			items[i].ListCost = items[i].BilledCost
		}
		importBilling(t, s, "limits", items)
		totals, err := store.BillingTotals(context.Background(), s, jan, feb, "ServiceName")
		if err != nil || len(totals) != len(values) {
			t.Fatalf("totals %+v, %v", totals, err)
		}
		for i, tot := range totals {
			if tot.BilledCost.String() != decimal.MustParse(values[i]).String() {
				t.Errorf("%s: billed %s, want %s", tot.Group, tot.BilledCost, values[i])
			}
		}
		imports, err := store.BillingImports(context.Background(), s, 1)
		if err != nil || len(imports) != 1 || !imports[0].BilledCost.IsZero() {
			t.Errorf("imports %+v, %v", imports, err)
		}
	})
}

func TestBillingTotalsGroupByWhitelist(t *testing.T) {
	s := backends(t, t.Name())["embedded"]
	billingMigrated(t, s)
	for _, groupBy := range store.BillingGroupBy {
		if _, err := store.BillingTotals(context.Background(), s, jan, feb, groupBy); err != nil {
			t.Errorf("group by %s: %v", groupBy, err)
		}
	}
	for _, groupBy := range []string{"ResourceId", "servicename", "ServiceName) --", "Tags['team']"} {
		if _, err := store.BillingTotals(context.Background(), s, jan, feb, groupBy); err == nil || !strings.Contains(err.Error(), "cannot group by") {
			t.Errorf("group by %q: %v, want a refusal", groupBy, err)
		}
	}
}

// BenchmarkImportBilling measures rows/s of a 100 000-line import, on the
// engine directly and through clickhouse-go over HTTP.
func BenchmarkImportBilling(b *testing.B) {
	const rows = 100_000
	items := lineItems("555", rows, money)
	for _, kind := range []string{"embedded", "server"} {
		b.Run(kind, func(b *testing.B) {
			var s store.Store
			var err error
			if kind == "embedded" {
				s, err = store.OpenEmbedded("", embedded.Engine().DataDir(), "bench_billing_embedded")
			} else {
				s, err = store.OpenServer(context.Background(), "http://"+httpAddr+"/bench_billing_server", store.ServerOptions{})
			}
			if err != nil {
				b.Fatal(err)
			}
			billingMigrated(b, s)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				importBilling(b, s, "", items)
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
