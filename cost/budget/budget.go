package budget

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

// Threshold kinds.
const (
	// Actual compares the month's cost to date with the limit.
	Actual = "actual"
	// Forecast compares the run-rate forecast to month end with the limit.
	Forecast = "forecast"
)

// DefaultCurrency is the currency of a budget that names none.
const DefaultCurrency = "USD"

// Budget is a monthly spending limit for one team or one tenant.
type Budget struct {
	Name string `mapstructure:"name" yaml:"name"`
	// Team or Tenant, exactly one: whose allocated cost the budget covers.
	Team   string `mapstructure:"team" yaml:"team"`
	Tenant string `mapstructure:"tenant" yaml:"tenant"`
	// Currency of Monthly and of the costs evaluated against it (ISO 4217;
	// empty: USD). Costs are not converted: the caller passes costs in
	// this currency.
	Currency string `mapstructure:"currency" yaml:"currency"`
	// Monthly is the limit for a calendar month.
	Monthly Amount `mapstructure:"monthly" yaml:"monthly"`
	// Alerts are the thresholds to report; empty: DefaultAlerts.
	Alerts []Threshold `mapstructure:"alerts" yaml:"alerts"`
}

// Threshold is a percentage of the limit that, once reached by the
// actual cost or by the forecast, is reported.
type Threshold struct {
	Kind    string  `mapstructure:"kind" yaml:"kind"` // Actual or Forecast
	Percent float64 `mapstructure:"percent" yaml:"percent"`
}

// DefaultAlerts are the thresholds of a budget that sets none: a warning
// when 80 % is spent, and one when the month is on course to overspend.
func DefaultAlerts() []Threshold {
	return []Threshold{{Kind: Actual, Percent: 80}, {Kind: Forecast, Percent: 100}}
}

// Validate names the first bad field.
func (b *Budget) Validate() error {
	switch {
	case strings.TrimSpace(b.Name) == "":
		return errors.New("name: must not be empty")
	case b.Team != "" && b.Tenant != "":
		return fmt.Errorf("tenant: budget %q sets both team %q and tenant %q; a budget covers one of them", b.Name, b.Team, b.Tenant)
	case b.Team == "" && b.Tenant == "":
		return fmt.Errorf("tenant: budget %q sets neither team nor tenant", b.Name)
	case b.Currency != "" && !isCurrencyCode(b.Currency):
		return fmt.Errorf("currency: %q is not an ISO 4217 code like USD", b.Currency)
	case b.Monthly.Sign() <= 0:
		return fmt.Errorf("monthly: must be positive, got %s", b.Monthly)
	}
	for i, t := range b.Alerts {
		if t.Kind != Actual && t.Kind != Forecast {
			return fmt.Errorf("alerts[%d].kind: %q is neither %s nor %s", i, t.Kind, Actual, Forecast)
		}
		if math.IsNaN(t.Percent) || math.IsInf(t.Percent, 0) || t.Percent <= 0 {
			return fmt.Errorf("alerts[%d].percent: must be a positive number, got %v", i, t.Percent)
		}
		for j := range i {
			if b.Alerts[j] == t {
				return fmt.Errorf("alerts[%d]: repeats alerts[%d] (%s %v %%)", i, j, t.Kind, t.Percent)
			}
		}
	}
	return nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// Status is a budget evaluated at an instant of a month.
type Status struct {
	Budget   string
	Currency string
	// Month is the first instant of the month evaluated.
	Month time.Time
	// Actual is the month's cost to date; Forecast the run-rate
	// projection to month end; Limit the budget's Monthly.
	Actual, Forecast, Limit decimal.Decimal
	// Crossed are the thresholds reached, in the budget's order.
	Crossed []Crossing
}

// Crossing is a threshold reached: Value (the actual cost or the
// forecast, after Kind) is at least Percent % of the limit.
type Crossing struct {
	Kind    string
	Percent float64
	Value   decimal.Decimal
}

// Evaluate is b at now: the month is now's calendar month in now's
// location (pass now.UTC() for UTC billing months), and daily holds the
// cost of each day, keyed by the day's first instant. Days outside
// [month start, now) are ignored, so a caller may pass more.
//
// The forecast is a straight run rate over the time elapsed:
//
//	forecast = actual × (month length / time elapsed since month start)
//
// Time elapsed counts the current day by the fraction of it gone: at noon
// on the 10th of a 30-day month 9.5 days have passed, and 300 spent
// forecasts 300 × 30 / 9.5 = 947.3684210526 (rounded half away from zero
// to 10 places). Durations are real time, so a month with a DST change
// is a little shorter or longer than its days × 24 h.
//
// Until one full day has passed the forecast is the actual cost: a few
// hours of spend multiplied by 700 is noise, not a forecast, while the
// actual cost is a floor the month cannot come in under. Forecast
// thresholds are still checked against it, so a budget already overspent
// on the 1st is reported as forecast to overspend.
//
// A threshold is crossed when the value reaches it (≥). The percentage
// is taken in decimal as written (33.3 is 333/10, not the float64 nearest
// it), so a boundary is exact. b is expected to be valid; empty Alerts
// are DefaultAlerts.
func Evaluate(b Budget, now time.Time, daily map[time.Time]decimal.Decimal) Status {
	y, m, _ := now.Date()
	start := time.Date(y, m, 1, 0, 0, 0, 0, now.Location())
	end := start.AddDate(0, 1, 0)

	actual := decimal.Zero
	for day, cost := range daily {
		if !day.Before(start) && day.Before(now) {
			actual = actual.Add(cost)
		}
	}
	forecast := actual
	if elapsed := now.Sub(start); elapsed >= 24*time.Hour {
		n := new(big.Int).Mul(actual.Unscaled(), big.NewInt(int64(end.Sub(start))))
		forecast = decimal.FromUnscaled(decimal.QuoRound(n, big.NewInt(int64(elapsed))))
	}

	s := Status{
		Budget:   b.Name,
		Currency: b.Currency,
		Month:    start,
		Actual:   actual,
		Forecast: forecast,
		Limit:    b.Monthly.Decimal,
	}
	if s.Currency == "" {
		s.Currency = DefaultCurrency
	}
	alerts := b.Alerts
	if len(alerts) == 0 {
		alerts = DefaultAlerts()
	}
	for _, t := range alerts {
		v := actual
		if t.Kind == Forecast {
			v = forecast
		}
		if reaches(v, s.Limit, t.Percent) {
			s.Crossed = append(s.Crossed, Crossing{Kind: t.Kind, Percent: t.Percent, Value: v})
		}
	}
	return s
}

// reaches is v ≥ limit × percent / 100, exactly.
func reaches(v, limit decimal.Decimal, percent float64) bool {
	p, ok := new(big.Rat).SetString(strconv.FormatFloat(percent, 'g', -1, 64))
	if !ok {
		return false
	}
	lhs := new(big.Rat).SetInt(new(big.Int).Mul(v.Unscaled(), big.NewInt(100)))
	rhs := new(big.Rat).Mul(new(big.Rat).SetInt(limit.Unscaled()), p)
	return lhs.Cmp(rhs) >= 0
}
