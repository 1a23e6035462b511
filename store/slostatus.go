package store

import (
	"context"
	"time"
)

// SLOStatus is a batch for slopipe_slo_status: one row per SLO, tenant and
// evaluation, what dashboards draw over time.
type SLOStatus struct {
	batch                              *Batch
	evaluatedAt                        *Times
	tenant, slo, service, period, meth *Strings
	objective, good, total             *Numbers[float64]
	sli, budget, periodBurn            *NullableFloat64s
	burn                               []*NullableFloat64s
}

// SLOStatusBurnWindows are the windows of the table's BurnRate<window>
// columns, in order.
var SLOStatusBurnWindows = []string{"5m", "30m", "1h", "2h", "6h", "1d", "3d"}

// NewSLOStatus returns an empty status batch.
func NewSLOStatus() *SLOStatus {
	s := &SLOStatus{
		evaluatedAt: NewTimes("EvaluatedAt"),
		tenant:      NewStrings("TenantId"),
		slo:         NewStrings("Slo"),
		service:     NewStrings("Service"),
		objective:   NewFloat64s("Objective"),
		period:      NewStrings("Period"),
		meth:        NewStrings("BudgetingMethod"),
		good:        NewFloat64s("Good"),
		total:       NewFloat64s("Total"),
		sli:         NewNullableFloat64s("Sli"),
		budget:      NewNullableFloat64s("BudgetRemaining"),
		periodBurn:  NewNullableFloat64s("BurnRatePeriod"),
	}
	cols := []Column{s.evaluatedAt, s.tenant, s.slo, s.service, s.objective, s.period, s.meth, s.good, s.total, s.sli, s.budget}
	for _, w := range SLOStatusBurnWindows {
		c := NewNullableFloat64s("BurnRate" + w)
		s.burn = append(s.burn, c)
		cols = append(cols, c)
	}
	s.batch = NewBatch("slopipe_slo_status", append(cols, s.periodBurn)...)
	return s
}

// Nullable is a value that may be unknown (NULL).
type Nullable struct {
	V     float64
	Known bool
}

// SLOStatusRow is one row of slopipe_slo_status.
type SLOStatusRow struct {
	EvaluatedAt                      time.Time
	Tenant, SLO, Service             string
	Objective                        float64
	Period, BudgetingMethod          string
	Good, Total                      float64
	SLI, BudgetRemaining, PeriodBurn Nullable
	BurnRates                        []Nullable // one per SLOStatusBurnWindows
}

// Add appends a row.
func (s *SLOStatus) Add(r SLOStatusRow) {
	s.evaluatedAt.Append(r.EvaluatedAt.UnixNano())
	s.tenant.Append(r.Tenant)
	s.slo.Append(r.SLO)
	s.service.Append(r.Service)
	s.objective.Append(r.Objective)
	s.period.Append(r.Period)
	s.meth.Append(r.BudgetingMethod)
	s.good.Append(r.Good)
	s.total.Append(r.Total)
	s.sli.Append(r.SLI.V, r.SLI.Known)
	s.budget.Append(r.BudgetRemaining.V, r.BudgetRemaining.Known)
	s.periodBurn.Append(r.PeriodBurn.V, r.PeriodBurn.Known)
	for i, c := range s.burn {
		var v Nullable
		if i < len(r.BurnRates) {
			v = r.BurnRates[i]
		}
		c.Append(v.V, v.Known)
	}
}

// Reset empties the batch, keeping its memory.
func (s *SLOStatus) Reset() { s.batch.Reset() }

// Insert writes the rows.
func (s *SLOStatus) Insert(ctx context.Context, st Store) error { return st.Insert(ctx, s.batch) }
