package slo

import (
	"strconv"
	"strings"
)

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

// PercentToRatio turns a percentage as written (99.9) into the ratio a
// person means by it (0.999): dividing by 100 in binary floating point would
// give 0.9990000000000001, and a budget computed from that is off in the
// last digits. The shortest decimal text of p has its point moved instead.
func PercentToRatio(p float64) float64 {
	text := strconv.FormatFloat(p, 'f', -1, 64)
	sign := ""
	if strings.HasPrefix(text, "-") {
		sign, text = "-", text[1:]
	}
	whole, frac, _ := strings.Cut(text, ".")
	whole = strings.Repeat("0", max(0, 3-len(whole))) + whole
	r, err := strconv.ParseFloat(sign+whole[:len(whole)-2]+"."+whole[len(whole)-2:]+frac, 64)
	if err != nil {
		return p / 100
	}
	return r
}
