package dashboards

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// PanelInterval computes the interval Grafana sends with a panel's queries
// (request.intervalMs, $__interval): the range divided by the resolution,
// rounded to a "nice" step, and raised to the panel's min interval.
// resolution is the panel's max data points (Grafana falls back to the panel
// width in pixels). minInterval is the panel's "Min interval" or, when unset,
// the data source's; empty means Grafana's default low limit of 1ms.
//
// It follows calculateInterval, roundInterval and intervalToMs in
// grafana/grafana packages/grafana-data/src/datetime/rangeutil.ts.
func PanelInterval(from, to time.Time, resolution int, minInterval string) (time.Duration, error) {
	if resolution <= 0 {
		return 0, fmt.Errorf("resolution %d: must be positive", resolution)
	}
	lowLimitMs := 1.0
	if minInterval != "" {
		ms, err := intervalToMs(minInterval)
		if err != nil {
			return 0, err
		}
		lowLimitMs = ms
	}
	rangeMs := float64(to.UnixMilli() - from.UnixMilli())
	intervalMs := roundIntervalMs(rangeMs / float64(resolution))
	if lowLimitMs > intervalMs {
		intervalMs = lowLimitMs
	}
	return time.Duration(intervalMs * float64(time.Millisecond)), nil
}

// IntervalText renders an interval the way Grafana renders $__interval
// (secondsToHms in rangeutil.ts): only the largest whole unit, e.g. 90s is
// "1m".
func IntervalText(interval time.Duration) string {
	seconds := interval.Seconds()
	if y := math.Floor(seconds / 31536000); y != 0 {
		return fmt.Sprintf("%gy", y)
	}
	if d := math.Floor(math.Mod(seconds, 31536000) / 86400); d != 0 {
		return fmt.Sprintf("%gd", d)
	}
	if h := math.Floor(math.Mod(math.Mod(seconds, 31536000), 86400) / 3600); h != 0 {
		return fmt.Sprintf("%gh", h)
	}
	if m := math.Floor(math.Mod(math.Mod(math.Mod(seconds, 31536000), 86400), 3600) / 60); m != 0 {
		return fmt.Sprintf("%gm", m)
	}
	if s := math.Floor(math.Mod(math.Mod(math.Mod(math.Mod(seconds, 31536000), 86400), 3600), 60)); s != 0 {
		return fmt.Sprintf("%gs", s)
	}
	if ms := math.Floor(seconds * 1000); ms != 0 {
		return fmt.Sprintf("%gms", ms)
	}
	return "less than a millisecond"
}

// roundSteps are roundInterval's thresholds: below limit, the interval
// becomes step (both in milliseconds).
var roundSteps = []struct{ limit, step float64 }{
	{10, 1}, {15, 10}, {35, 20}, {75, 50}, {150, 100}, {350, 200}, {750, 500},
	{1500, 1000}, {3500, 2000}, {7500, 5000}, {12500, 10000}, {17500, 15000},
	{25000, 20000}, {45000, 30000}, {90000, 60000}, {210000, 120000},
	{450000, 300000}, {750000, 600000}, {1050000, 900000}, {1500000, 1200000},
	{2700000, 1800000}, {5400000, 3600000}, {9000000, 7200000},
	{16200000, 10800000}, {32400000, 21600000}, {86400000, 43200000},
	{604800000, 86400000}, {1814400000, 604800000}, {3628800000, 2592000000},
}

func roundIntervalMs(ms float64) float64 {
	for _, s := range roundSteps {
		if ms < s.limit {
			return s.step
		}
	}
	return 31536000000
}

var intervalPattern = regexp.MustCompile(`^(-?\d+(?:\.\d+)?)(ms|[Mwdhmsy])`)

var intervalUnitSeconds = map[string]float64{
	"y": 31536000, "M": 2592000, "w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001,
}

// intervalToMs parses a Grafana interval such as "30s" or "1m"; a bare
// number is seconds. Like Grafana it keeps only the integer part of the count.
func intervalToMs(s string) (float64, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil && n != 0 {
		return float64(int64(n)) * 1000, nil
	}
	m := intervalPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("interval %q: want a number with one of the units ms, s, m, h, d, w, M, y", s)
	}
	count, _ := strconv.ParseFloat(m[1], 64)
	return intervalUnitSeconds[m[2]] * 1000 * math.Trunc(count), nil
}
