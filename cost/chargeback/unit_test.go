package chargeback

import (
	"fmt"
	"testing"

	"github.com/slopipe/slopipe/internal/decimal"
)

// Two SLOs of checkout count acme's requests: the one with more events
// that day is taken, not the sum.
func TestUnitCostsTakeTheBusiestSLO(t *testing.T) {
	costs := []ServiceCost{
		{Tenant: "acme", Service: "checkout", Currency: "USD", Cost: decimal.MustParse("12")},
		{Tenant: "acme", Service: "checkout", Currency: "USD", Cost: decimal.MustParse("0.34")}, // another team's line
		{Tenant: "acme", Service: "checkout", Currency: "EUR", Cost: decimal.MustParse("1")},
		{Tenant: "acme", Service: "EC2", Currency: "USD", Cost: decimal.MustParse("5")},
		{Tenant: "", Service: "observability", Currency: "USD", Cost: decimal.MustParse("9")}, // idle: no tenant
		{Tenant: "beta", Service: "checkout", Currency: "USD", Cost: decimal.MustParse("3")},
	}
	events := []SLOEvents{
		{Tenant: "acme", SLO: "checkout-availability", Service: "checkout", Good: 998, Total: 1000},
		{Tenant: "acme", SLO: "checkout-latency", Service: "checkout", Good: 700, Total: 800},
		{Tenant: "beta", SLO: "checkout-availability", Service: "checkout", Good: 10, Total: 10},
		{Tenant: "beta", SLO: "checkout-latency", Service: "checkout", Good: 9, Total: 10},      // a tie: first by name
		{Tenant: "gamma", SLO: "checkout-availability", Service: "checkout", Good: 5, Total: 5}, // no cost: no row
	}
	got := UnitCosts(costs, events)
	want := []string{
		"acme EC2 USD 5 0 0",
		"acme checkout EUR 1 1000 998",
		"acme checkout USD 12.34 1000 998",
		"beta checkout USD 3 10 10",
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, u := range got {
		if s := fmt.Sprintf("%s %s %s %s %d %d", u.Tenant, u.Service, u.Currency, u.Cost, u.Requests, u.GoodEvents); s != want[i] {
			t.Errorf("row %d: %s, want %s", i, s, want[i])
		}
	}
	perK, ok := PerThousand(got[2].Cost, got[2].Requests)
	if !ok || perK.String() != "12.34" {
		t.Errorf("per 1k requests: %s %v", perK, ok)
	}
	if perK, ok := PerThousand(decimal.MustParse("1"), 3); !ok || perK.String() != "333.3333333333" {
		t.Errorf("1 per 3: %s", perK)
	}
	if _, ok := PerThousand(decimal.MustParse("5"), 0); ok {
		t.Error("a ratio over no requests")
	}
}
