package slo

import (
	"math"
	"testing"
	"time"
)

func TestBurnAlertPairsScaleWithThePeriod(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		period time.Duration
		want   [4]float64
	}{
		{30 * day, [4]float64{14.4, 6, 3, 1}},
		{28 * day, [4]float64{13.44, 5.6, 2.8, 28.0 / 30}},
		{7 * day, [4]float64{3.36, 1.4, 0.7, 7.0 / 30}},
	} {
		pairs := BurnAlertPairs(tc.period)
		for i, p := range pairs {
			if math.Abs(p.Factor-tc.want[i]) > 1e-12 {
				t.Errorf("%v %s %s/%s: factor %v, want %v", tc.period, p.Severity, p.Short, p.Long, p.Factor, tc.want[i])
			}
		}
	}
	// The workbook's 30-day numbers exactly, as rules print them.
	for i, want := range []float64{14.4, 6, 3, 1} {
		if got := BurnAlertPairs(30 * day)[i].Factor; got != want {
			t.Errorf("30d pair %d: %v, want exactly %v", i, got, want)
		}
	}
	windows := map[string]bool{}
	for _, w := range BurnWindows {
		windows[w.Name] = true
	}
	for _, p := range BurnAlertPairs(30 * day) {
		if !windows[p.Short] || !windows[p.Long] {
			t.Errorf("pair %s/%s is not over the burn windows", p.Short, p.Long)
		}
	}
}
