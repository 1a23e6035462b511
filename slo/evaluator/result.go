package evaluator

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/store"
)

// Snapshot is one evaluation: what the API serves and the own-telemetry
// gauges read.
type Snapshot struct {
	EvaluatedAt time.Time
	Results     []Result // sorted by SLO, then tenant
	// Problems of the spec files: the SLOs they concern are not
	// evaluated (or, after a reload that failed, the last good set is).
	Problems slo.Problems
	// SLOs are the specs the results were computed with, by name: every
	// SLO evaluated, with or without results. Shared between snapshots:
	// read them, never change them.
	SLOs map[string]*slo.SLO
	// Error is the last cycle's failure; the results are then the last
	// good cycle's.
	Error                string
	CycleDuration        time.Duration
	Steps                Steps
	Cycles, FailedCycles uint64
}

// Steps are how long each step of a cycle took: where a slow cycle spends
// its time.
type Steps struct {
	Arrivals      time.Duration // finding what arrived since the last cycle
	MetricMinutes time.Duration // recomputing PromQL SLIs' minutes
	Hours         time.Duration // recomputing hours
	Windows       time.Duration // summing windows and computing results
	Status        time.Duration // writing slopipe_slo_status
}

// Result is one SLO for one tenant at one evaluation; its JSON is the API's.
type Result struct {
	SLO     string `json:"slo"`
	Service string `json:"service"`
	// Team owns the SLO: its label team, else owner.
	Team            string    `json:"team,omitempty"`
	Tenant          string    `json:"tenant"`
	Objective       float64   `json:"objective"`
	SLI             slo.Value `json:"sli"`
	BudgetRemaining slo.Value `json:"budget_remaining"`
	BurnRates       BurnRates `json:"burn_rates"`
	// WindowEvents are the events each burn rate was computed over.
	WindowEvents    WindowEvents `json:"window_events"`
	PeriodBurnRate  slo.Value    `json:"period_burn_rate"`
	Good            float64      `json:"good"`
	Total           float64      `json:"total"`
	Window          Window       `json:"window"`
	BudgetingMethod string       `json:"budgeting_method"`
	EvaluatedAt     time.Time    `json:"evaluated_at"`
}

// Window is the SLO period a result covers.
type Window struct {
	Period string    `json:"period"` // "30d", or "1M calendar Europe/Paris"
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

// BurnRates are the burn rates over slo.BurnWindows, in that order; their
// JSON is an object keyed by window name ("5m" … "3d"), in that order.
type BurnRates [len(slo.BurnWindows)]slo.Value

func (b BurnRates) MarshalJSON() ([]byte, error) {
	return marshalByWindow(func(i int) ([]byte, error) { return b[i].MarshalJSON() })
}

// marshalByWindow writes {"5m": value(0), …, "3d": value(6)}: the
// windows in their order, which a map would not keep.
func marshalByWindow(value func(i int) ([]byte, error)) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, w := range slo.BurnWindows {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(w.Name)
		buf.Write(key)
		buf.WriteByte(':')
		v, err := value(i)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func (b *BurnRates) UnmarshalJSON(data []byte) error {
	var byName map[string]slo.Value
	if err := json.Unmarshal(data, &byName); err != nil {
		return err
	}
	for i, w := range slo.BurnWindows {
		b[i] = byName[w.Name]
	}
	return nil
}

// WindowEvents are the events, good or bad, counted in each of
// slo.BurnWindows, in that order; their JSON is an object keyed by window
// name like BurnRates', of numbers (0 without events).
type WindowEvents [len(slo.BurnWindows)]float64

func (w WindowEvents) MarshalJSON() ([]byte, error) {
	return marshalByWindow(func(i int) ([]byte, error) { return json.Marshal(w[i]) })
}

func (w *WindowEvents) UnmarshalJSON(data []byte) error {
	var byName map[string]float64
	if err := json.Unmarshal(data, &byName); err != nil {
		return err
	}
	for i, bw := range slo.BurnWindows {
		w[i] = byName[bw.Name]
	}
	return nil
}

// teamOf is who owns an SLO, by its labels.
func teamOf(labels map[string]string) string {
	if t := labels["team"]; t != "" {
		return t
	}
	return labels["owner"]
}

func newResult(s *slo.SLO, tenant string, objective float64, st slo.Status, now time.Time) Result {
	return Result{
		SLO: s.Name, Service: s.Service, Team: teamOf(s.Labels), Tenant: tenant, Objective: objective,
		SLI: st.SLI, BudgetRemaining: st.BudgetRemaining, BurnRates: st.BurnRates, WindowEvents: st.WindowEvents,
		PeriodBurnRate: st.PeriodBurnRate, Good: st.Good, Total: st.Total,
		Window:          Window{Period: periodName(s.Window), From: st.From, To: st.To},
		BudgetingMethod: s.Method.String(),
		EvaluatedAt:     now,
	}
}

func nullable(v slo.Value) store.Nullable { return store.Nullable{V: v.V, Known: v.Known} }

func (r *Result) statusRow() store.SLOStatusRow {
	row := store.SLOStatusRow{
		EvaluatedAt: r.EvaluatedAt, Tenant: r.Tenant, SLO: r.SLO, Service: r.Service, Objective: r.Objective,
		Period: r.Window.Period, BudgetingMethod: r.BudgetingMethod, Good: r.Good, Total: r.Total,
		SLI: nullable(r.SLI), BudgetRemaining: nullable(r.BudgetRemaining), PeriodBurn: nullable(r.PeriodBurnRate),
	}
	for _, v := range r.BurnRates {
		row.BurnRates = append(row.BurnRates, nullable(v))
	}
	return row
}
