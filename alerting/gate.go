package alerting

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"

	"github.com/slopipe/slopipe/slo/evaluator"
)

// GatePolicy is the error-budget policy deploy pipelines ask before they
// ship: a service whose SLOs have spent their budget, or any service
// during a freeze, waits.
type GatePolicy struct {
	// MinBudgetRemaining blocks deploys of a service when one of its SLOs,
	// for the tenant asked about (or any tenant), has this fraction of its
	// budget left or less. 0 blocks once a budget is spent.
	MinBudgetRemaining float64 `mapstructure:"min_budget_remaining"`
	// Services overrides MinBudgetRemaining per service.
	Services map[string]float64 `mapstructure:"services"`
	// FreezeTimeIntervals name time intervals of the alerting
	// configuration during which no deploy is allowed (a Black-Friday
	// freeze).
	FreezeTimeIntervals []string `mapstructure:"freeze_time_intervals"`
}

// Validate names the first bad field.
func (g GatePolicy) Validate() error {
	if g.MinBudgetRemaining > 1 || math.IsNaN(g.MinBudgetRemaining) {
		return fmt.Errorf("min_budget_remaining: %v must be at most 1 (a fraction of the budget)", g.MinBudgetRemaining)
	}
	// Sorted, so the same file always names the same field.
	for _, s := range slices.Sorted(maps.Keys(g.Services)) {
		if v := g.Services[s]; v > 1 || math.IsNaN(v) {
			return fmt.Errorf("services.%s: %v must be at most 1 (a fraction of the budget)", s, v)
		}
	}
	return nil
}

// GateDecision is the deploy gate's answer; its JSON is the API's.
type GateDecision struct {
	Allowed bool     `json:"allowed"`
	Service string   `json:"service"`
	Tenant  string   `json:"tenant,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
	// SLOs are the SLO×tenant results the decision read.
	SLOs []GateSLO `json:"slos"`
}

// GateSLO is one SLO×tenant the gate looked at.
type GateSLO struct {
	SLO             string   `json:"slo"`
	Tenant          string   `json:"tenant"`
	BudgetRemaining *float64 `json:"budget_remaining"`
	Threshold       float64  `json:"threshold"`
}

// Decide answers for service (and tenant, "" for every tenant) from the
// latest results; frozen are the freeze intervals active now.
func (g GatePolicy) Decide(results []evaluator.Result, service, tenant string, frozen []string) GateDecision {
	d := GateDecision{Service: service, Tenant: tenant, SLOs: []GateSLO{}}
	threshold, ok := g.Services[service]
	if !ok {
		threshold = g.MinBudgetRemaining
	}
	for _, name := range frozen {
		d.Reasons = append(d.Reasons, fmt.Sprintf("freeze %q is active: no deploys", name))
	}
	for i := range results {
		r := &results[i]
		if r.Service != service || (tenant != "" && r.Tenant != tenant) {
			continue
		}
		entry := GateSLO{SLO: r.SLO, Tenant: r.Tenant, Threshold: threshold}
		if r.BudgetRemaining.Known {
			v := r.BudgetRemaining.V
			entry.BudgetRemaining = &v
			if v <= threshold {
				d.Reasons = append(d.Reasons, fmt.Sprintf("SLO %q for tenant %q has %s of its %s error budget left; deploys are blocked at or below %s",
					r.SLO, r.Tenant, percent(v), r.Window.Period, percent(threshold)))
			}
		}
		d.SLOs = append(d.SLOs, entry)
	}
	sort.Slice(d.SLOs, func(i, j int) bool {
		if d.SLOs[i].SLO != d.SLOs[j].SLO {
			return d.SLOs[i].SLO < d.SLOs[j].SLO
		}
		return d.SLOs[i].Tenant < d.SLOs[j].Tenant
	})
	d.Allowed = len(d.Reasons) == 0
	return d
}
