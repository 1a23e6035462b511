package slo

import (
	"fmt"
	"time"
)

// Method is how the error budget is counted (OpenSLO's budgetingMethod).
type Method int

const (
	// Occurrences: good events over all events.
	Occurrences Method = iota
	// Timeslices: good timeslices (those whose ratio reaches the slice
	// target) over timeslices with events.
	Timeslices
	// RatioTimeslices: the mean of the timeslices' ratios.
	RatioTimeslices
)

func (m Method) String() string {
	return [...]string{"Occurrences", "Timeslices", "RatioTimeslices"}[m]
}

// BurnWindows are the windows burn rates are reported over: those of the
// SRE workbook's multi-window, multi-burn-rate alerts (page on 1h and 5m,
// 6h and 30m; ticket on 1d and 2h, 3d and 6h).
var BurnWindows = [...]struct {
	Name   string
	Length time.Duration
}{
	{"5m", 5 * time.Minute},
	{"30m", 30 * time.Minute},
	{"1h", time.Hour},
	{"2h", 2 * time.Hour},
	{"6h", 6 * time.Hour},
	{"1d", 24 * time.Hour},
	{"3d", 72 * time.Hour},
}

// Spec is what the math needs of an SLO.
type Spec struct {
	Objective float64 // target ratio, in (0, 1)
	Method    Method
	Window    Window
	// Timeslices and RatioTimeslices: the slice length and, for
	// Timeslices, the ratio a slice needs to be good.
	TimesliceLength time.Duration
	TimesliceTarget float64
	// Excluded intervals (maintenance) are left out of every window.
	Excluded []Interval
}

// Validate names the first field out of range.
func (s Spec) Validate() error {
	if !(s.Objective > 0 && s.Objective < 1) {
		return fmt.Errorf("objective: %v is not in (0, 1)", s.Objective)
	}
	if s.Method != Occurrences {
		if s.TimesliceLength < time.Minute || s.TimesliceLength%time.Minute != 0 {
			return fmt.Errorf("timeSliceWindow: %v is not a whole number of minutes", s.TimesliceLength)
		}
		if s.Method == Timeslices && !(s.TimesliceTarget > 0 && s.TimesliceTarget <= 1) {
			return fmt.Errorf("timeSliceTarget: %v is not in (0, 1]", s.TimesliceTarget)
		}
	}
	return nil
}

// Status is an SLO's state at one evaluation.
type Status struct {
	From, To        time.Time // the window evaluated: its start, and now or its end
	Good, Total     float64   // events (Occurrences) or timeslices with events
	SLI             Value
	BudgetRemaining Value
	BurnRates       [len(BurnWindows)]Value
	// WindowEvents are the events, good or bad, counted in each burn
	// window (excluded time left out): how much traffic each burn rate
	// stands on. Events, not timeslices, whatever the method.
	WindowEvents   [len(BurnWindows)]float64
	PeriodBurnRate Value
}

// Evaluate computes the status at now from per-minute counts sorted by
// minute. It reads nothing else: no clock, no store.
func Evaluate(s Spec, minutes []Minute, now time.Time) Status {
	from, end := s.Window.Bounds(now)
	to := now
	if end.Before(now) {
		to = end
	}
	st := Status{From: from, To: to}
	switch s.Method {
	case Occurrences:
		c := Sum(minutes, from, to, s.Excluded)
		st.Good, st.Total = c.Good, c.Total
		st.SLI = c.SLI()
		st.BudgetRemaining = BudgetRemaining(c.ErrorRatio(), s.Objective)
		st.PeriodBurnRate = BurnRate(c.ErrorRatio(), s.Objective)
	case Timeslices:
		c := GoodTimeslices(minutes, from, to, s.TimesliceLength, s.TimesliceTarget, s.Excluded)
		st.Good, st.Total = c.Good, c.Total
		st.SLI = c.SLI()
		st.BudgetRemaining = timesliceBudget(c, s, from, end)
		st.PeriodBurnRate = BurnRate(c.ErrorRatio(), s.Objective)
	case RatioTimeslices:
		ratio := MeanTimesliceRatio(minutes, from, to, s.TimesliceLength, s.Excluded)
		st.SLI = ratio
		errorRatio := complement(ratio)
		st.BudgetRemaining = BudgetRemaining(errorRatio, s.Objective)
		st.PeriodBurnRate = BurnRate(errorRatio, s.Objective)
	}
	for i, w := range BurnWindows {
		from := now.Add(-w.Length)
		c := Sum(minutes, from, now, s.Excluded)
		st.WindowEvents[i] = c.Total
		ratio := c.ErrorRatio()
		if s.Method != Occurrences {
			ratio = s.timesliceErrorRatio(minutes, from, now)
		}
		st.BurnRates[i] = BurnRate(ratio, s.Objective)
	}
	return st
}

// OccurrencesStatus is Evaluate's answer for Occurrences budgeting from
// sums the store made: the events of the period [from, to) and of each burn
// window. It is how thousands of SLOs are evaluated without reading their
// minutes.
func OccurrencesStatus(objective float64, from, to time.Time, period Counts, windows [len(BurnWindows)]Counts) Status {
	st := Status{From: from, To: to, Good: period.Good, Total: period.Total, SLI: period.SLI(),
		BudgetRemaining: BudgetRemaining(period.ErrorRatio(), objective),
		PeriodBurnRate:  BurnRate(period.ErrorRatio(), objective)}
	for i, w := range windows {
		st.BurnRates[i] = BurnRate(w.ErrorRatio(), objective)
		st.WindowEvents[i] = w.Total
	}
	return st
}

// timesliceErrorRatio is the window's error ratio under Timeslices or
// RatioTimeslices.
func (s Spec) timesliceErrorRatio(minutes []Minute, from, to time.Time) Value {
	if s.Method == RatioTimeslices {
		return complement(MeanTimesliceRatio(minutes, from, to, s.TimesliceLength, s.Excluded))
	}
	return GoodTimeslices(minutes, from, to, s.TimesliceLength, s.TimesliceTarget, s.Excluded).ErrorRatio()
}

func complement(v Value) Value {
	if !v.Known {
		return unknown
	}
	return known(1 - v.V)
}

// timesliceBudget measures bad slices against the bad slices the whole
// period allows — (1 − objective) of all its slices, excluded time left
// out — so that a calendar month's budget means the same on its first day
// as on its last. Unknown until a slice has events.
func timesliceBudget(c Counts, s Spec, from, end time.Time) Value {
	if c.Total <= 0 {
		return unknown
	}
	period := end.Sub(from)
	for _, iv := range s.Excluded {
		lo, hi := max(iv.From.Unix(), from.Unix()), min(iv.To.Unix(), end.Unix())
		if hi > lo {
			period -= time.Duration(hi-lo) * time.Second
		}
	}
	allowed := (1 - s.Objective) * float64(period/s.TimesliceLength)
	if allowed <= 0 {
		return unknown
	}
	return known(1 - c.Bad()/allowed)
}
