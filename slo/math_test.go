package slo

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestBudgetAndBurnRate(t *testing.T) {
	for _, tc := range []struct {
		name            string
		counts          Counts
		objective       float64
		sli, burn, left float64
		noData          bool
	}{
		{name: "no events is no data, not a perfect score", counts: Counts{}, objective: 0.99, noData: true},
		{name: "all good", counts: Counts{Good: 1000, Total: 1000}, objective: 0.99, sli: 1, burn: 0, left: 1},
		{name: "spending exactly the budget", counts: Counts{Good: 990, Total: 1000}, objective: 0.99, sli: 0.99, burn: 1, left: 0},
		{name: "twice the budget", counts: Counts{Good: 980, Total: 1000}, objective: 0.99, sli: 0.98, burn: 2, left: -1},
		{name: "the workbook's 1h page threshold", counts: Counts{Good: 856, Total: 1000}, objective: 0.99, sli: 0.856, burn: 14.4, left: -13.4},
		{name: "half the budget at 99.9%", counts: Counts{Good: 19999, Total: 20000}, objective: 0.999, sli: 0.99995, burn: 0.05, left: 0.95},
		{name: "fractional counts from counters", counts: Counts{Good: 97.5, Total: 100}, objective: 0.95, sli: 0.975, burn: 0.5, left: 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sli := tc.counts.SLI()
			burn := BurnRate(tc.counts.ErrorRatio(), tc.objective)
			left := BudgetRemaining(tc.counts.ErrorRatio(), tc.objective)
			if tc.noData {
				if sli.Known || burn.Known || left.Known {
					t.Fatalf("no data gave sli %v burn %v budget %v; want all unknown", sli, burn, left)
				}
				return
			}
			if !near(sli.V, tc.sli) || !near(burn.V, tc.burn) || !near(left.V, tc.left) {
				t.Errorf("sli %v burn %v budget %v; want %v %v %v", sli.V, burn.V, left.V, tc.sli, tc.burn, tc.left)
			}
		})
	}
}

func TestUnknownValuesAreJSONNull(t *testing.T) {
	b, err := json.Marshal(map[string]Value{"known": known(0.5), "unknown": unknown, "zero": known(0)})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"known":0.5,"unknown":null,"zero":0}` {
		t.Errorf("got %s", b)
	}
	var back map[string]Value
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back["unknown"].Known || !back["zero"].Known || back["zero"].V != 0 {
		t.Errorf("round trip: %+v", back)
	}
}

func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestWindowBounds(t *testing.T) {
	newYork := mustLocation(t, "America/New_York")
	berlin := mustLocation(t, "Europe/Berlin")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name     string
		window   Window
		now      time.Time
		from, to time.Time
	}{
		{"rolling 28d", RollingWindow(28 * 24 * time.Hour), utc("2026-11-23T10:00:00Z"),
			utc("2026-10-26T10:00:00Z"), utc("2026-11-23T10:00:00Z")},
		{"calendar month", CalendarWindow(1, Month, time.Time{}, time.UTC), utc("2026-11-23T10:00:00Z"),
			utc("2026-11-01T00:00:00Z"), utc("2026-12-01T00:00:00Z")},
		{"calendar month in New York: 23:30 on 31 October there is still October",
			CalendarWindow(1, Month, time.Time{}, newYork), utc("2026-11-01T03:30:00Z"),
			time.Date(2026, 10, 1, 0, 0, 0, 0, newYork), time.Date(2026, 11, 1, 0, 0, 0, 0, newYork)},
		{"calendar quarter", CalendarWindow(1, Quarter, time.Time{}, time.UTC), utc("2026-11-23T10:00:00Z"),
			utc("2026-10-01T00:00:00Z"), utc("2027-01-01T00:00:00Z")},
		{"calendar week starts on Monday", CalendarWindow(1, Week, time.Time{}, time.UTC), utc("2026-11-23T10:00:00Z"),
			utc("2026-11-23T00:00:00Z"), utc("2026-11-30T00:00:00Z")},
		{"the last instant of a period is in it", CalendarWindow(1, Week, time.Time{}, time.UTC), utc("2026-11-22T23:59:59Z"),
			utc("2026-11-16T00:00:00Z"), utc("2026-11-23T00:00:00Z")},
		{"a day with a DST change is 23 hours", CalendarWindow(1, Day, time.Time{}, berlin), utc("2026-03-29T12:00:00Z"),
			time.Date(2026, 3, 29, 0, 0, 0, 0, berlin), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin)},
		{"months anchored on the 31st start on the last day of shorter ones",
			CalendarWindow(1, Month, time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), time.UTC), utc("2026-03-15T00:00:00Z"),
			utc("2026-02-28T00:00:00Z"), utc("2026-03-31T00:00:00Z")},
		{"a now before the anchor", CalendarWindow(1, Month, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC), utc("2026-11-23T10:00:00Z"),
			utc("2026-11-01T00:00:00Z"), utc("2026-12-01T00:00:00Z")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			from, to := tc.window.Bounds(tc.now)
			if !from.Equal(tc.from) || !to.Equal(tc.to) {
				t.Errorf("bounds [%v, %v), want [%v, %v)", from, to, tc.from, tc.to)
			}
		})
	}
	if d := func() time.Duration {
		f, e := CalendarWindow(1, Day, time.Time{}, berlin).Bounds(utc("2026-03-29T12:00:00Z"))
		return e.Sub(f)
	}(); d != 23*time.Hour {
		t.Errorf("the DST day lasts %v", d)
	}
}

func TestParseWindow(t *testing.T) {
	for _, tc := range []struct {
		duration, start, tz string
		rolling             bool
		want, err           string
	}{
		{duration: "28d", rolling: true, want: "28d"},
		{duration: "30d", rolling: true, want: "30d"},
		{duration: "1w", rolling: true, want: "7d"},
		{duration: "1M", want: "1M"},
		{duration: "1Q", tz: "Europe/Berlin", want: "1Q"},
		{duration: "1M", start: "2026-01-15 00:00:00", tz: "Asia/Tokyo", want: "1M"},
		{duration: "1M", rolling: true, err: `duration "1M": a rolling window needs a fixed length`},
		{duration: "5x", rolling: true, err: `duration "5x": unknown unit "x"`},
		{duration: "d", rolling: true, err: `duration "d": want a whole number and a unit`},
		{duration: "-3d", rolling: true, err: `duration "-3d": "-3" is not a positive whole number`},
		{duration: "1M", tz: "Mars/Olympus", err: `timeZone "Mars/Olympus"`},
		{duration: "1M", start: "yesterday", err: `startTime "yesterday"`},
		{duration: "90m", err: `duration "90m": a calendar window is counted in d, w, M, Q or y`},
	} {
		w, err := ParseWindow(tc.duration, tc.rolling, tc.start, tc.tz)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: got %v, want an error containing %q", tc, err, tc.err)
			}
		case err != nil:
			t.Errorf("%+v: %v", tc, err)
		case w.String() != tc.want:
			t.Errorf("%+v: window %q, want %q", tc, w, tc.want)
		}
	}
	w, err := ParseWindow("1M", false, "2026-01-15 00:00:00", "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tokyo := mustLocation(t, "Asia/Tokyo")
	from, to := w.Bounds(time.Date(2026, 11, 23, 0, 0, 0, 0, tokyo))
	if !from.Equal(time.Date(2026, 11, 15, 0, 0, 0, 0, tokyo)) || !to.Equal(time.Date(2026, 12, 15, 0, 0, 0, 0, tokyo)) {
		t.Errorf("months from the 15th in Tokyo: [%v, %v)", from, to)
	}
}

func TestPercentToRatioIsTheDecimalRatio(t *testing.T) {
	for p, want := range map[float64]float64{99.9: 0.999, 99: 0.99, 99.95: 0.9995, 50: 0.5, 0.1: 0.001, 100: 1, 99.999: 0.99999, 7: 0.07} {
		if got := PercentToRatio(p); got != want {
			t.Errorf("PercentToRatio(%v) = %v, want %v", p, got, want)
		}
	}
}
