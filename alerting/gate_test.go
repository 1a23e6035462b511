package alerting

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
)

var unknownBudget = math.NaN()

// budget is a result of an SLO with remaining of its budget left, unknown
// when NaN.
func budget(sloName, service, tenant string, remaining float64) evaluator.Result {
	r := evaluator.Result{SLO: sloName, Service: service, Tenant: tenant, Window: evaluator.Window{Period: "30d"}}
	if !math.IsNaN(remaining) {
		r.BudgetRemaining = slo.Value{V: remaining, Known: true}
	}
	return r
}

type gateEntry struct {
	slo, tenant string
	remaining   float64 // NaN: unknown
	threshold   float64
}

func entries(d GateDecision) []gateEntry {
	out := make([]gateEntry, len(d.SLOs))
	for i, e := range d.SLOs {
		out[i] = gateEntry{slo: e.SLO, tenant: e.Tenant, remaining: math.NaN(), threshold: e.Threshold}
		if e.BudgetRemaining != nil {
			out[i].remaining = *e.BudgetRemaining
		}
	}
	return out
}

func sameEntries(a, b []gateEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		same := a[i].remaining == b[i].remaining || (math.IsNaN(a[i].remaining) && math.IsNaN(b[i].remaining))
		if a[i].slo != b[i].slo || a[i].tenant != b[i].tenant || a[i].threshold != b[i].threshold || !same {
			return false
		}
	}
	return true
}

func TestGateDecide(t *testing.T) {
	tests := []struct {
		name            string
		policy          GatePolicy
		results         []evaluator.Result
		service, tenant string
		frozen          []string
		wantReasons     []string
		wantSLOs        []gateEntry
	}{
		{
			name:    "budget left everywhere",
			results: []evaluator.Result{budget("checkout-latency", "checkout", "acme", 0.3), budget("checkout-availability", "checkout", "acme", 0.8)},
			service: "checkout",
			wantSLOs: []gateEntry{
				{"checkout-availability", "acme", 0.8, 0},
				{"checkout-latency", "acme", 0.3, 0},
			},
		},
		{
			name:        "spent exactly: blocked at the threshold",
			results:     []evaluator.Result{budget("checkout-availability", "checkout", "acme", 0)},
			service:     "checkout",
			wantReasons: []string{`SLO "checkout-availability" for tenant "acme" has 0.0% of its 30d error budget left; deploys are blocked at or below 0.0%`},
			wantSLOs:    []gateEntry{{"checkout-availability", "acme", 0, 0}},
		},
		{
			name:        "at a raised threshold",
			policy:      GatePolicy{MinBudgetRemaining: 0.25},
			results:     []evaluator.Result{budget("checkout-availability", "checkout", "acme", 0.25)},
			service:     "checkout",
			wantReasons: []string{`SLO "checkout-availability" for tenant "acme" has 25.0% of its 30d error budget left; deploys are blocked at or below 25.0%`},
			wantSLOs:    []gateEntry{{"checkout-availability", "acme", 0.25, 0.25}},
		},
		{
			name:     "just above a raised threshold",
			policy:   GatePolicy{MinBudgetRemaining: 0.25},
			results:  []evaluator.Result{budget("checkout-availability", "checkout", "acme", 0.2501)},
			service:  "checkout",
			wantSLOs: []gateEntry{{"checkout-availability", "acme", 0.2501, 0.25}},
		},
		{
			name:        "the service's own threshold",
			policy:      GatePolicy{MinBudgetRemaining: 0.1, Services: map[string]float64{"checkout": 0.5}},
			results:     []evaluator.Result{budget("checkout-availability", "checkout", "acme", 0.4), budget("search-availability", "search", "acme", 0.4)},
			service:     "checkout",
			wantReasons: []string{`SLO "checkout-availability" for tenant "acme" has 40.0% of its 30d error budget left; deploys are blocked at or below 50.0%`},
			wantSLOs:    []gateEntry{{"checkout-availability", "acme", 0.4, 0.5}},
		},
		{
			name:     "another service keeps the default threshold",
			policy:   GatePolicy{MinBudgetRemaining: 0.1, Services: map[string]float64{"checkout": 0.5}},
			results:  []evaluator.Result{budget("checkout-availability", "checkout", "acme", 0.4), budget("search-availability", "search", "acme", 0.4)},
			service:  "search",
			wantSLOs: []gateEntry{{"search-availability", "acme", 0.4, 0.1}},
		},
		{
			name:        "every tenant counts when none is asked about",
			results:     []evaluator.Result{budget("checkout-availability", "checkout", "acme", -0.1), budget("checkout-availability", "checkout", "globex", 0.9)},
			service:     "checkout",
			wantReasons: []string{`SLO "checkout-availability" for tenant "acme" has -10.0% of its 30d error budget left; deploys are blocked at or below 0.0%`},
			wantSLOs:    []gateEntry{{"checkout-availability", "acme", -0.1, 0}, {"checkout-availability", "globex", 0.9, 0}},
		},
		{
			name:     "only the tenant asked about",
			results:  []evaluator.Result{budget("checkout-availability", "checkout", "acme", -0.1), budget("checkout-availability", "checkout", "globex", 0.9)},
			service:  "checkout",
			tenant:   "globex",
			wantSLOs: []gateEntry{{"checkout-availability", "globex", 0.9, 0}},
		},
		{
			name:     "unknown budget does not block",
			results:  []evaluator.Result{budget("checkout-availability", "checkout", "acme", unknownBudget)},
			service:  "checkout",
			wantSLOs: []gateEntry{{"checkout-availability", "acme", unknownBudget, 0}},
		},
		{
			name:     "other services' spent budgets are ignored",
			results:  []evaluator.Result{budget("search-availability", "search", "acme", -1), budget("checkout-availability", "checkout", "acme", 0.5)},
			service:  "checkout",
			wantSLOs: []gateEntry{{"checkout-availability", "acme", 0.5, 0}},
		},
		{
			name:     "a service without SLOs",
			results:  []evaluator.Result{budget("search-availability", "search", "acme", -1)},
			service:  "billing",
			wantSLOs: []gateEntry{},
		},
		{
			name:    "a freeze blocks, and comes first",
			results: []evaluator.Result{budget("checkout-availability", "checkout", "acme", -0.5)},
			service: "checkout",
			frozen:  []string{"black-friday", "year-end"},
			wantReasons: []string{
				`freeze "black-friday" is active: no deploys`,
				`freeze "year-end" is active: no deploys`,
				`SLO "checkout-availability" for tenant "acme" has -50.0% of its 30d error budget left; deploys are blocked at or below 0.0%`,
			},
			wantSLOs: []gateEntry{{"checkout-availability", "acme", -0.5, 0}},
		},
		{
			name:        "a freeze blocks a service without SLOs",
			service:     "billing",
			frozen:      []string{"black-friday"},
			wantReasons: []string{`freeze "black-friday" is active: no deploys`},
			wantSLOs:    []gateEntry{},
		},
		{
			name: "sorted by SLO then tenant",
			results: []evaluator.Result{
				budget("checkout-latency", "checkout", "globex", 0.5), budget("checkout-availability", "checkout", "globex", 0.5),
				budget("checkout-latency", "checkout", "acme", 0.5), budget("checkout-availability", "checkout", "acme", 0.5),
			},
			service: "checkout",
			wantSLOs: []gateEntry{
				{"checkout-availability", "acme", 0.5, 0}, {"checkout-availability", "globex", 0.5, 0},
				{"checkout-latency", "acme", 0.5, 0}, {"checkout-latency", "globex", 0.5, 0},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.policy.Decide(tt.results, tt.service, tt.tenant, tt.frozen)
			if d.Service != tt.service || d.Tenant != tt.tenant {
				t.Errorf("decision for %q/%q, want %q/%q", d.Service, d.Tenant, tt.service, tt.tenant)
			}
			if d.Allowed != (len(tt.wantReasons) == 0) {
				t.Errorf("allowed %v with reasons %q", d.Allowed, d.Reasons)
			}
			if !equal(d.Reasons, tt.wantReasons) {
				t.Errorf("reasons\n got %q\nwant %q", d.Reasons, tt.wantReasons)
			}
			if got := entries(d); !sameEntries(got, tt.wantSLOs) {
				t.Errorf("SLOs\n got %v\nwant %v", got, tt.wantSLOs)
			}
		})
	}
}

func TestGateDecisionJSON(t *testing.T) {
	results := []evaluator.Result{
		budget("checkout-availability", "checkout", "acme", 0.5),
		budget("checkout-latency", "checkout", "acme", unknownBudget),
		budget("checkout-availability", "checkout", "globex", 0),
	}
	tests := []struct {
		name            string
		results         []evaluator.Result
		service, tenant string
		want            string
	}{
		{
			name: "allowed", results: results, service: "checkout", tenant: "acme",
			want: `{"allowed":true,"service":"checkout","tenant":"acme","slos":[` +
				`{"slo":"checkout-availability","tenant":"acme","budget_remaining":0.5,"threshold":0},` +
				`{"slo":"checkout-latency","tenant":"acme","budget_remaining":null,"threshold":0}]}`,
		},
		{
			name: "blocked", results: results[2:], service: "checkout",
			want: `{"allowed":false,"service":"checkout","reasons":["SLO \"checkout-availability\" for tenant \"globex\" has 0.0% of its 30d error budget left; deploys are blocked at or below 0.0%"],` +
				`"slos":[{"slo":"checkout-availability","tenant":"globex","budget_remaining":0,"threshold":0}]}`,
		},
		{
			name: "nothing read: an empty list, not null", service: "billing",
			want: `{"allowed":true,"service":"billing","slos":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(GatePolicy{}.Decide(tt.results, tt.service, tt.tenant, nil))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("JSON\n got %s\nwant %s", b, tt.want)
			}
		})
	}
}

func TestGatePolicyValidate(t *testing.T) {
	tests := []struct {
		name   string
		policy GatePolicy
		field  string // "" when valid
	}{
		{name: "zero", policy: GatePolicy{}},
		{name: "all of the budget", policy: GatePolicy{MinBudgetRemaining: 1}},
		{name: "overspent allowed down to a negative threshold", policy: GatePolicy{MinBudgetRemaining: -0.5}},
		{name: "above 1", policy: GatePolicy{MinBudgetRemaining: 1.5}, field: "min_budget_remaining"},
		{name: "NaN", policy: GatePolicy{MinBudgetRemaining: math.NaN()}, field: "min_budget_remaining"},
		{name: "a service above 1", policy: GatePolicy{Services: map[string]float64{"checkout": 0.2, "search": 20}}, field: "services.search"},
		{name: "a service NaN", policy: GatePolicy{Services: map[string]float64{"checkout": math.NaN()}}, field: "services.checkout"},
		{name: "first bad service by name", policy: GatePolicy{Services: map[string]float64{"b": 2, "a": 3, "c": 4}}, field: "services.a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Several times: map order must not change the message.
			for range 20 {
				err := tt.policy.Validate()
				switch {
				case tt.field == "" && err != nil:
					t.Fatalf("unexpected error: %v", err)
				case tt.field != "" && err == nil:
					t.Fatalf("no error, want one naming %s", tt.field)
				case tt.field != "" && !strings.HasPrefix(err.Error(), tt.field+":"):
					t.Fatalf("error %q does not name %s", err, tt.field)
				}
			}
		})
	}
}
