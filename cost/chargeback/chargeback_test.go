package chargeback

import (
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/cost/budget"
	"github.com/slopipe/slopipe/internal/decimal"
)

func amount(s string) budget.Amount { return budget.AmountOf(decimal.MustParse(s)) }

// 3 GB and 1 GB sent on a day of November (30 days), kept 30 days, at 0.25
// per GB and 0.03 per GB-month.
func TestPriceIsExactDecimal(t *testing.T) {
	c := Config{PricePerGBIngested: amount("0.25"), PricePerGBMonthRetained: amount("0.03"), RetentionDays: 30}
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	got := c.Price(day, []Usage{
		{Tenant: "acme", IngestedBytes: 3 * GB, RetainedBytes: 3 * GB},
		{Tenant: "beta", IngestedBytes: 1 * GB, RetainedBytes: 4 * GB},
		{Tenant: "gamma", IngestedBytes: 0, RetainedBytes: 1},
		{Tenant: "delta", IngestedBytes: 2, RetainedBytes: 0},
	})
	want := []struct{ ingest, retention, total string }{
		{"0.75", "0.003", "0.753"},
		{"0.25", "0.004", "0.254"},
		// 1 byte × 0.03 / (10⁹ × 30) = 10⁻¹²: rounds to 0.
		{"0", "0", "0"},
		// 2 bytes × 0.25 / 10⁹ = 5 × 10⁻¹⁰: exact at 10 places.
		{"0.0000000005", "0", "0.0000000005"},
	}
	for i, w := range want {
		g := got[i]
		if g.IngestCost.String() != w.ingest || g.RetentionCost.String() != w.retention || g.Cost().String() != w.total || g.Currency != "USD" {
			t.Errorf("%s: ingest %s retention %s total %s %s; want %s %s %s USD", g.Tenant, g.IngestCost, g.RetentionCost, g.Cost(), g.Currency, w.ingest, w.retention, w.total)
		}
	}
	// February 2027 has 28 days: 1 GB-month is 0.03 / 28 a day, rounded
	// half away from zero at the 10th place (0.00107142857142…).
	feb := Config{PricePerGBMonthRetained: amount("0.03"), Currency: "EUR"}.Price(time.Date(2027, 2, 10, 0, 0, 0, 0, time.UTC), []Usage{{Tenant: "acme", RetainedBytes: GB}})
	if feb[0].RetentionCost.String() != "0.0010714286" || feb[0].Currency != "EUR" {
		t.Errorf("February: %s %s", feb[0].RetentionCost, feb[0].Currency)
	}
	// A whole month kept: the days add up to the GB-month price, to the
	// rounding of each day.
	month := decimal.Zero
	for d := 1; d <= 30; d++ {
		month = month.Add(c.Price(time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC), []Usage{{Tenant: "acme", RetainedBytes: 10 * GB}})[0].RetentionCost)
	}
	if month.String() != "0.3" {
		t.Errorf("10 GB kept all November: %s, want 0.3", month)
	}
}

func TestDaysInMonth(t *testing.T) {
	for day, want := range map[string]int{"2026-11-30": 30, "2026-12-01": 31, "2028-02-29": 29, "2027-02-01": 28} {
		d, _ := time.Parse(time.DateOnly, day)
		if got := DaysInMonth(d); got != want {
			t.Errorf("%s: %d, want %d", day, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	var off Config
	if err := off.Validate(); err != nil || off.Enabled() || off.Retention() != 30 || off.CurrencyCode() != "USD" {
		t.Fatalf("the zero config: %v, enabled %v, retention %d, %s", err, off.Enabled(), off.Retention(), off.CurrencyCode())
	}
	on := Config{Currency: "EUR", PricePerGBMonthRetained: amount("0.03"), RetentionDays: 90}
	if err := on.Validate(); err != nil || !on.Enabled() || on.Retention() != 90 {
		t.Fatalf("%+v: %v, enabled %v", on, err, on.Enabled())
	}
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{PricePerGBIngested: amount("-0.01")}, "price_per_gb_ingested: must not be negative"},
		{Config{PricePerGBMonthRetained: amount("-1")}, "price_per_gb_month_retained: must not be negative"},
		{Config{Currency: "usd"}, `currency: "usd" is not an ISO 4217 code like USD`},
		{Config{RetentionDays: -1}, "retention_days: must be between 0 (default 30) and 3660, got -1"},
	} {
		if err := tc.c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.c, err, tc.want)
		}
	}
}
