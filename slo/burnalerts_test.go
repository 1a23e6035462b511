package slo

import (
	"math"
	"strconv"
	"strings"
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

func TestAlertPairsAreTheOverridesOrTheDefaultsLessDisabledSeverities(t *testing.T) {
	day := 24 * time.Hour
	own := []BurnAlertPair{
		{Severity: "page", Short: "5m", Long: "1h", Factor: 10, BudgetPercent: 10.0 / (7 * 24) * 100},
		{Severity: "ticket", Short: "2h", Long: "1d", Factor: 2, BudgetPercent: 2.0 / 7 * 100},
	}
	severities := func(pairs []BurnAlertPair) string {
		var out []string
		for _, p := range pairs {
			out = append(out, p.Severity+" "+p.Short+"/"+p.Long+" "+strconv.FormatFloat(p.Factor, 'g', -1, 64))
		}
		return strings.Join(out, ", ")
	}
	for _, tc := range []struct {
		name string
		slo  SLO
		want string
	}{
		{"defaults", SLO{Window: RollingWindow(30 * day)}, "page 5m/1h 14.4, page 30m/6h 6, ticket 2h/1d 3, ticket 6h/3d 1"},
		{"ticket disabled", SLO{Window: RollingWindow(30 * day), Alerting: Alerting{Ticket: AlertLabels{Disabled: true}}},
			"page 5m/1h 14.4, page 30m/6h 6"},
		{"page disabled", SLO{Window: RollingWindow(30 * day), Alerting: Alerting{Page: AlertLabels{Disabled: true}}},
			"ticket 2h/1d 3, ticket 6h/3d 1"},
		{"overrides", SLO{Window: RollingWindow(7 * day), Alerting: Alerting{Pairs: own}}, "page 5m/1h 10, ticket 2h/1d 2"},
		{"overrides, page disabled", SLO{Window: RollingWindow(7 * day), Alerting: Alerting{Pairs: own, Page: AlertLabels{Disabled: true}}},
			"ticket 2h/1d 2"},
		// A calendar window's nominal length: a month is 30 days, a week 7.
		{"calendar month", SLO{Window: CalendarWindow(1, Month, time.Time{}, time.UTC)}, "page 5m/1h 14.4, page 30m/6h 6, ticket 2h/1d 3, ticket 6h/3d 1"},
		{"calendar quarter", SLO{Window: CalendarWindow(1, Quarter, time.Time{}, time.UTC)},
			severities(BurnAlertPairs(91 * day))},
	} {
		if got := severities(tc.slo.AlertPairs()); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// The caller may change what it gets.
	s := SLO{Window: RollingWindow(7 * day), Alerting: Alerting{Pairs: own}}
	s.AlertPairs()[0].Factor = 99
	if s.Alerting.Pairs[0].Factor != 10 {
		t.Error("AlertPairs returned the SLO's own slice")
	}
}
