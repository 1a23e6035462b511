package budget

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

// madScale makes the median absolute deviation estimate the standard
// deviation of normally distributed costs.
const madScale = 1.4826

// relativeFloor is the smallest spread assumed, as a fraction of the
// median: a series flat to the cent still has a 5 % band of normal.
const relativeFloor = 0.05

// AnomalyConfig tunes Detect. Zero fields take DefaultAnomalyConfig's.
type AnomalyConfig struct {
	// TrailingDays is the window of history before the day judged.
	TrailingDays int `mapstructure:"trailing_days" yaml:"trailing_days"`
	// MinDays is the history needed for a verdict.
	MinDays int `mapstructure:"min_days" yaml:"min_days"`
	// Threshold is the robust z-score a surge reaches.
	Threshold float64 `mapstructure:"threshold" yaml:"threshold"`
	// MinJump is the least rise over the median, in currency units, worth
	// reporting whatever the score.
	MinJump Amount `mapstructure:"min_jump" yaml:"min_jump"`
}

// DefaultAnomalyConfig is two weeks of history, a week at least, a robust
// z-score of 4 and a rise of 10 currency units.
func DefaultAnomalyConfig() AnomalyConfig {
	return AnomalyConfig{TrailingDays: 14, MinDays: 7, Threshold: 4, MinJump: AmountOf(decimal.FromInt(10))}
}

// Validate names the first bad field. Zero values are valid: they stand
// for the defaults.
func (c *AnomalyConfig) Validate() error {
	d := c.withDefaults()
	switch {
	case c.TrailingDays < 0 || c.TrailingDays > 366:
		return fmt.Errorf("trailing_days: must be between 0 (default 14) and 366, got %d", c.TrailingDays)
	case c.MinDays < 0:
		return fmt.Errorf("min_days: must not be negative, got %d", c.MinDays)
	case d.MinDays > d.TrailingDays:
		return fmt.Errorf("min_days: %d is more than trailing_days %d", d.MinDays, d.TrailingDays)
	case math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0) || c.Threshold < 0:
		return fmt.Errorf("threshold: must be a positive number, got %v", c.Threshold)
	case c.MinJump.Sign() < 0:
		return errors.New("min_jump: must not be negative")
	}
	return nil
}

func (c AnomalyConfig) withDefaults() AnomalyConfig {
	d := DefaultAnomalyConfig()
	if c.TrailingDays <= 0 {
		c.TrailingDays = d.TrailingDays
	}
	if c.MinDays <= 0 {
		c.MinDays = d.MinDays
	}
	if c.Threshold <= 0 {
		c.Threshold = d.Threshold
	}
	if c.MinJump.Sign() <= 0 {
		c.MinJump = d.MinJump
	}
	return c
}

// Point is a series' cost on a day; Day is any instant of it.
type Point struct {
	Day  time.Time
	Cost decimal.Decimal
}

// Anomaly is a day whose cost surged above its trailing median.
type Anomaly struct {
	Day                time.Time
	Cost, Median, Jump decimal.Decimal // Jump = Cost − Median
	Score              float64         // Jump / max(scaled MAD, floor)
}

// Detect judges the cost of day in series (one service of one tenant,
// say) against the TrailingDays before it, and reports a surge.
//
// Days are calendar dates in day's location; points on the same date are
// added, and points on or after the day after are ignored. The day's
// cost is 0 when it has no point.
//
// History begins at the series' first point: a date in the window on or
// after it without a point cost nothing (billing exports write no row
// for a service not used that day), while dates before it are not
// history at all (the service did not exist yet, and calling its first
// week a surge over zero would be noise). With fewer than MinDays dates
// of history there is no verdict.
//
// Over the history, with median M and median absolute deviation MAD:
//
//	score = (cost − M) / max(1.4826 × MAD, floor)
//	floor = max(5 % of |M|, MinJump / Threshold)
//
// and the day is an anomaly when score ≥ Threshold and cost − M ≥
// MinJump. Median and MAD ignore a few odd days in the window, which a
// mean and standard deviation would not. The floor keeps a flat series
// (MAD 0) from flagging every cent: a flat 100/day needs a rise of 20 %
// (Threshold × 5 %). Its MinJump / Threshold term never changes a
// verdict (where it is the larger, score ≥ Threshold is exactly
// cost − M ≥ MinJump, which the guard demands anyway) but keeps the score
// finite on a series that cost nothing: there any rise of MinJump is a
// surge, scored against MinJump. Only surges are reported; drops are
// savings, not incidents.
func Detect(cfg AnomalyConfig, series []Point, day time.Time) (Anomaly, bool) {
	cfg = cfg.withDefaults()
	loc := day.Location()
	today := dateOf(day, loc)

	byDate := make(map[date]decimal.Decimal, len(series))
	var first date
	seen := false
	for _, p := range series {
		d := dateOf(p.Day, loc)
		if d.after(today) {
			continue
		}
		byDate[d] = byDate[d].Add(p.Cost)
		if d != today && (!seen || first.after(d)) {
			first, seen = d, true
		}
	}
	if !seen {
		return Anomaly{}, false
	}

	history := make([]decimal.Decimal, 0, cfg.TrailingDays)
	for k := 1; k <= cfg.TrailingDays; k++ {
		d := today.add(-k)
		if first.after(d) {
			break
		}
		history = append(history, byDate[d])
	}
	if len(history) < cfg.MinDays {
		return Anomaly{}, false
	}

	cost := byDate[today]
	med := median(history)
	jump := cost.Sub(med)
	if jump.Cmp(cfg.MinJump.Decimal) < 0 {
		return Anomaly{}, false
	}
	deviations := make([]decimal.Decimal, len(history))
	for i, h := range history {
		deviations[i] = abs(h.Sub(med))
	}
	spread := madScale * median(deviations).Float64()
	floor := max(relativeFloor*math.Abs(med.Float64()), cfg.MinJump.Float64()/cfg.Threshold)
	score := jump.Float64() / max(spread, floor)
	if score < cfg.Threshold {
		return Anomaly{}, false
	}
	return Anomaly{Day: day, Cost: cost, Median: med, Jump: jump, Score: score}, true
}

// median of xs, which it reorders; the mean of the middle two for an even
// count, rounded half away from zero to 10 places.
func median(xs []decimal.Decimal) decimal.Decimal {
	slices.SortFunc(xs, decimal.Decimal.Cmp)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	sum := xs[n/2-1].Add(xs[n/2]).Unscaled()
	return decimal.FromUnscaled(decimal.QuoRound(sum, big.NewInt(2)))
}

func abs(d decimal.Decimal) decimal.Decimal {
	if d.Sign() < 0 {
		return d.Neg()
	}
	return d
}

// date is a calendar date, so days compare whatever the time of day or
// the location of the instant that named them.
type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time, loc *time.Location) date {
	y, m, d := t.In(loc).Date()
	return date{y, m, d}
}

func (d date) add(days int) date {
	y, m, dd := time.Date(d.y, d.m, d.d+days, 12, 0, 0, 0, time.UTC).Date()
	return date{y, m, dd}
}

func (d date) after(e date) bool {
	if d.y != e.y {
		return d.y > e.y
	}
	if d.m != e.m {
		return d.m > e.m
	}
	return d.d > e.d
}
