package slo

// Counts are good and total events (or good and total timeslices) of a
// window. Floats, because counts derived from counters (increase over a
// window) are not whole numbers.
type Counts struct {
	Good, Total float64
}

// Add returns the sum of two windows' counts.
func (c Counts) Add(o Counts) Counts { return Counts{Good: c.Good + o.Good, Total: c.Total + o.Total} }

// Bad is total minus good.
func (c Counts) Bad() float64 { return c.Total - c.Good }

// SLI is good/total; unknown without events.
func (c Counts) SLI() Value {
	if c.Total <= 0 {
		return unknown
	}
	return known(c.Good / c.Total)
}

// ErrorRatio is bad/total; unknown without events.
func (c Counts) ErrorRatio() Value {
	if c.Total <= 0 {
		return unknown
	}
	return known(c.Bad() / c.Total)
}

// BurnRate is how fast a window spends the error budget: its error ratio
// over the ratio the objective allows. 1 spends the budget exactly over
// the SLO period; the SRE workbook pages at 14.4 over 1h.
func BurnRate(errorRatio Value, objective float64) Value {
	if !errorRatio.Known {
		return unknown
	}
	return known(errorRatio.V / (1 - objective))
}

// BudgetRemaining is the fraction of the error budget left: 1 when nothing
// failed, 0 when exactly spent, negative when overspent.
func BudgetRemaining(errorRatio Value, objective float64) Value {
	if !errorRatio.Known {
		return unknown
	}
	return known(1 - errorRatio.V/(1-objective))
}
