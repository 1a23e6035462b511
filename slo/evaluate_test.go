package slo

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// minutesOf builds per-minute counts from start, one entry a minute, each
// {good, total}.
func minutesOf(start time.Time, counts ...[2]float64) []Minute {
	out := make([]Minute, len(counts))
	for i, c := range counts {
		out[i] = Minute{Start: start.Unix() + int64(i)*60, Counts: Counts{Good: c[0], Total: c[1]}}
	}
	return out
}

func repeat(n int, c [2]float64) [][2]float64 {
	out := make([][2]float64, n)
	for i := range out {
		out[i] = c
	}
	return out
}

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestSumWindowsAndExclusions(t *testing.T) {
	// 10 minutes from t0: minute i has 100 events, i of them bad.
	var counts [][2]float64
	for i := range 10 {
		counts = append(counts, [2]float64{float64(100 - i), 100})
	}
	m := minutesOf(t0, counts...)
	for _, tc := range []struct {
		name     string
		from, to time.Time
		excluded []Interval
		want     Counts
	}{
		{"all", t0, t0.Add(10 * time.Minute), nil, Counts{Good: 955, Total: 1000}},
		{"[from, to) takes minute starts in it", t0.Add(2 * time.Minute), t0.Add(5 * time.Minute), nil, Counts{Good: 98 + 97 + 96, Total: 300}},
		{"a window before the data", t0.Add(-time.Hour), t0, nil, Counts{}},
		{"maintenance left out", t0, t0.Add(10 * time.Minute),
			[]Interval{{From: t0.Add(7 * time.Minute), To: t0.Add(10 * time.Minute)}}, Counts{Good: 955 - 93 - 92 - 91, Total: 700}},
		{"two intervals", t0, t0.Add(10 * time.Minute),
			[]Interval{{From: t0, To: t0.Add(time.Minute)}, {From: t0.Add(9 * time.Minute), To: t0.Add(time.Hour)}}, Counts{Good: 955 - 100 - 91, Total: 800}},
	} {
		if got := Sum(m, tc.from, tc.to, tc.excluded); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestTimeslices(t *testing.T) {
	// 5-minute slices from t0 (aligned to the epoch, as t0 is):
	// slice 0: all good; slice 1: 1 bad in 500; slice 2: no traffic;
	// slice 3: 10 bad in 500.
	counts := append(repeat(5, [2]float64{100, 100}), [2]float64{99, 100})
	counts = append(counts, repeat(4, [2]float64{100, 100})...)
	counts = append(counts, repeat(5, [2]float64{0, 0})...)
	counts = append(counts, repeat(5, [2]float64{98, 100})...)
	m := minutesOf(t0, counts...)
	end := t0.Add(20 * time.Minute)

	got := GoodTimeslices(m, t0, end, 5*time.Minute, 0.999, nil)
	if got != (Counts{Good: 1, Total: 3}) {
		t.Errorf("slices at 99.9%%: %+v, want 1 good of 3 with traffic", got)
	}
	if got := GoodTimeslices(m, t0, end, 5*time.Minute, 0.998, nil); got != (Counts{Good: 2, Total: 3}) {
		t.Errorf("slices at 99.8%%: %+v, want 2 good of 3", got)
	}
	mean := MeanTimesliceRatio(m, t0, end, 5*time.Minute, nil)
	if want := (1 + 499.0/500 + 490.0/500) / 3; !mean.Known || !near(mean.V, want) {
		t.Errorf("mean slice ratio %v, want %v", mean, want)
	}
	if v := MeanTimesliceRatio(m, t0.Add(10*time.Minute), t0.Add(15*time.Minute), 5*time.Minute, nil); v.Known {
		t.Errorf("a window of silent slices has mean ratio %v, want unknown", v)
	}
	// A window that cuts a slice counts only the part inside it.
	if got := GoodTimeslices(m, t0.Add(6*time.Minute), end, 5*time.Minute, 0.999, nil); got != (Counts{Good: 1, Total: 2}) {
		t.Errorf("from minute 6: %+v, want slice 1's good remainder and slice 3", got)
	}
}

func TestEvaluateOccurrences(t *testing.T) {
	// Three hours of traffic ending at now: 1000 events a minute; the last
	// hour has 2% errors, the two before 0.5%.
	start := t0.Add(-3 * time.Hour)
	counts := append(repeat(120, [2]float64{995, 1000}), repeat(60, [2]float64{980, 1000})...)
	m := minutesOf(start, counts...)
	spec := Spec{Objective: 0.99, Method: Occurrences, Window: RollingWindow(30 * 24 * time.Hour)}
	st := Evaluate(spec, m, t0)

	total := 180 * 1000.0
	bad := 120*5.0 + 60*20.0
	if st.Total != total || st.Good != total-bad {
		t.Fatalf("good/total %v/%v, want %v/%v", st.Good, st.Total, total-bad, total)
	}
	if want := 1 - (bad/total)/0.01; !near(st.BudgetRemaining.V, want) {
		t.Errorf("budget remaining %v, want %v", st.BudgetRemaining.V, want)
	}
	wantBurn := map[string]float64{
		"5m": 2, "30m": 2, "1h": 2,
		"2h": (60*5.0 + 60*20.0) / 120000 / 0.01,
		"6h": bad / total / 0.01, "1d": bad / total / 0.01, "3d": bad / total / 0.01,
	}
	for i, w := range BurnWindows {
		if got := st.BurnRates[i]; !got.Known || !near(got.V, wantBurn[w.Name]) {
			t.Errorf("burn rate %s = %v, want %v", w.Name, got, wantBurn[w.Name])
		}
	}
	if !near(st.PeriodBurnRate.V, bad/total/0.01) {
		t.Errorf("period burn rate %v", st.PeriodBurnRate)
	}
}

func TestEvaluateWithoutTrafficIsNoData(t *testing.T) {
	spec := Spec{Objective: 0.999, Method: Occurrences, Window: RollingWindow(28 * 24 * time.Hour)}
	st := Evaluate(spec, nil, t0)
	if st.SLI.Known || st.BudgetRemaining.Known || st.PeriodBurnRate.Known {
		t.Errorf("no data evaluated to %+v", st)
	}
	// Traffic that stopped two hours ago: the period has an SLI, the short
	// windows have no data — not a burn rate of 0.
	m := minutesOf(t0.Add(-3*time.Hour), repeat(60, [2]float64{90, 100})...)
	st = Evaluate(spec, m, t0)
	if !st.SLI.Known || !near(st.SLI.V, 0.9) {
		t.Errorf("SLI %v, want 0.9", st.SLI)
	}
	for i, w := range BurnWindows {
		if w.Length <= 2*time.Hour && st.BurnRates[i].Known {
			t.Errorf("burn rate %s = %v over a silent window, want unknown", w.Name, st.BurnRates[i])
		}
		if w.Length >= 6*time.Hour && (!st.BurnRates[i].Known || !near(st.BurnRates[i].V, 100)) {
			t.Errorf("burn rate %s = %v, want 100", w.Name, st.BurnRates[i])
		}
	}
}

func TestEvaluateCalendarMonthStopsAtItsStart(t *testing.T) {
	// Errors on 31 October do not count in November's budget.
	nov1 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	m := minutesOf(nov1.Add(-2*time.Minute), [2]float64{0, 100}, [2]float64{0, 100}, [2]float64{100, 100}, [2]float64{99, 100})
	spec := Spec{Objective: 0.99, Method: Occurrences, Window: CalendarWindow(1, Month, time.Time{}, time.UTC)}
	st := Evaluate(spec, m, nov1.Add(10*time.Minute))
	if st.Good != 199 || st.Total != 200 || !near(st.BudgetRemaining.V, 0.5) {
		t.Errorf("November so far: %v/%v, budget %v; want 199/200 and 0.5", st.Good, st.Total, st.BudgetRemaining)
	}
	if !st.From.Equal(nov1) || !st.To.Equal(nov1.Add(10*time.Minute)) {
		t.Errorf("evaluated [%v, %v)", st.From, st.To)
	}
}

func TestEvaluateTimeslicesBudgetCountsTheWholePeriod(t *testing.T) {
	// A 1-day calendar window of 1-hour slices at 99% good slices allows
	// 0.24 bad slices; one bad hour overspends it.
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	counts := append(repeat(60, [2]float64{100, 100}), repeat(60, [2]float64{90, 100})...)
	m := minutesOf(day, counts...)
	spec := Spec{Objective: 0.99, Method: Timeslices, TimesliceLength: time.Hour, TimesliceTarget: 0.95,
		Window: CalendarWindow(1, Day, time.Time{}, time.UTC)}
	st := Evaluate(spec, m, day.Add(2*time.Hour))
	if st.Good != 1 || st.Total != 2 || !near(st.SLI.V, 0.5) {
		t.Fatalf("slices %v/%v SLI %v, want 1/2 and 0.5", st.Good, st.Total, st.SLI)
	}
	if want := 1 - 1/(0.01*24); !near(st.BudgetRemaining.V, want) {
		t.Errorf("budget remaining %v, want %v", st.BudgetRemaining.V, want)
	}
	// A maintenance interval covering the bad hour leaves it out.
	spec.Excluded = []Interval{{From: day.Add(time.Hour), To: day.Add(2 * time.Hour)}}
	st = Evaluate(spec, m, day.Add(2*time.Hour))
	if st.Good != 1 || st.Total != 1 || !near(st.BudgetRemaining.V, 1) {
		t.Errorf("with the bad hour excluded: %v/%v budget %v", st.Good, st.Total, st.BudgetRemaining)
	}
}

func TestEvaluateRatioTimeslices(t *testing.T) {
	// Two 30-minute slices: a quiet one at 50% and a busy one at 100%.
	// RatioTimeslices weighs them equally (SLI 0.75), where Occurrences
	// would weigh by traffic.
	start := t0.Add(-time.Hour)
	counts := append(repeat(30, [2]float64{1, 2}), repeat(30, [2]float64{1000, 1000})...)
	m := minutesOf(start, counts...)
	spec := Spec{Objective: 0.9, Method: RatioTimeslices, TimesliceLength: 30 * time.Minute, Window: RollingWindow(24 * time.Hour)}
	st := Evaluate(spec, m, t0)
	if !near(st.SLI.V, 0.75) || !near(st.BudgetRemaining.V, 1-0.25/0.1) {
		t.Errorf("SLI %v budget %v, want 0.75 and %v", st.SLI, st.BudgetRemaining, 1-0.25/0.1)
	}
	occ := Evaluate(Spec{Objective: 0.9, Window: spec.Window}, m, t0)
	if near(occ.SLI.V, st.SLI.V) {
		t.Error("occurrences and ratio timeslices agree; the test data does not tell them apart")
	}
}

func TestSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Objective: 1}, "objective: 1 is not in (0, 1)"},
		{Spec{Objective: 0}, "objective: 0 is not in (0, 1)"},
		{Spec{Objective: 0.99, Method: Timeslices, TimesliceLength: 30 * time.Second, TimesliceTarget: 0.9}, "timeSliceWindow"},
		{Spec{Objective: 0.99, Method: Timeslices, TimesliceLength: time.Minute, TimesliceTarget: 1.5}, "timeSliceTarget"},
		{Spec{Objective: 0.99, Method: RatioTimeslices, TimesliceLength: 5 * time.Minute}, ""},
	} {
		err := tc.spec.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: got %v, want %q", tc.spec, err, tc.want)
		}
	}
}

// Summing in the store and OccurrencesStatus must agree with Evaluate on
// the minutes, bit for bit, whatever the traffic.
func TestOccurrencesStatusAgreesWithEvaluate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	now := time.Date(2026, 11, 23, 14, 37, 30, 0, time.UTC)
	spec := Spec{Objective: 0.995, Window: RollingWindow(7 * 24 * time.Hour)}
	for trial := range 20 {
		var minutes []Minute
		for m := now.Add(-8 * 24 * time.Hour).Truncate(time.Minute); !m.After(now); m = m.Add(time.Minute) {
			if rng.IntN(3+trial) == 0 {
				total := float64(rng.IntN(100))
				minutes = append(minutes, Minute{Start: m.Unix(), Counts: Counts{Good: total - float64(rng.IntN(int(total)/10+1)), Total: total}})
			}
		}
		want := Evaluate(spec, minutes, now)
		from, _ := spec.Window.Bounds(now)
		var windows [len(BurnWindows)]Counts
		for i, w := range BurnWindows {
			windows[i] = Sum(minutes, now.Add(-w.Length), now, nil)
		}
		got := OccurrencesStatus(spec.Objective, from, now, Sum(minutes, from, now, nil), windows)
		if got != want {
			t.Fatalf("trial %d: OccurrencesStatus %+v, Evaluate %+v", trial, got, want)
		}
	}
}

// WindowEvents are each burn window's events — not its timeslices —
// excluded minutes left out, whatever the budgeting method.
func TestEvaluateWindowEvents(t *testing.T) {
	// Three hours ending at now: 100 events a minute in the first two
	// hours, 10 a minute in the last; nothing before.
	start := t0.Add(-3 * time.Hour)
	m := minutesOf(start, append(repeat(120, [2]float64{99, 100}), repeat(60, [2]float64{9, 10})...)...)
	all := [len(BurnWindows)]float64{50, 300, 600, 60*10 + 60*100, 12600, 12600, 12600}
	// The hour from 2h30 to 1h30 ago in maintenance: 60 minutes at 100
	// left out, 30 of them in the 2h window.
	maintenance := []Interval{{From: t0.Add(-150 * time.Minute), To: t0.Add(-90 * time.Minute)}}
	excluded := [len(BurnWindows)]float64{50, 300, 600, 6600 - 3000, 12600 - 6000, 12600 - 6000, 12600 - 6000}
	window := RollingWindow(7 * 24 * time.Hour)
	for _, tc := range []struct {
		name string
		spec Spec
		want [len(BurnWindows)]float64
	}{
		{"occurrences", Spec{Objective: 0.99, Window: window}, all},
		{"timeslices count events, not slices", Spec{Objective: 0.99, Method: Timeslices, TimesliceLength: 5 * time.Minute, TimesliceTarget: 0.95, Window: window}, all},
		{"ratio timeslices", Spec{Objective: 0.99, Method: RatioTimeslices, TimesliceLength: time.Hour, Window: window}, all},
		{"excluded minutes", Spec{Objective: 0.99, Window: window, Excluded: maintenance}, excluded},
		{"excluded minutes, timeslices", Spec{Objective: 0.99, Method: Timeslices, TimesliceLength: time.Minute, TimesliceTarget: 0.5, Window: window, Excluded: maintenance}, excluded},
	} {
		st := Evaluate(tc.spec, m, t0)
		if st.WindowEvents != tc.want {
			t.Errorf("%s: window events %v, want %v", tc.name, st.WindowEvents, tc.want)
		}
	}
	// No traffic: no events, in every window.
	if st := Evaluate(Spec{Objective: 0.99, Window: window}, nil, t0); st.WindowEvents != [len(BurnWindows)]float64{} {
		t.Errorf("no traffic: %v", st.WindowEvents)
	}
	// From the store's sums: each window's total.
	var windows [len(BurnWindows)]Counts
	for i, n := range all {
		windows[i] = Counts{Good: n / 2, Total: n}
	}
	if st := OccurrencesStatus(0.99, start, t0, Counts{Total: 12600}, windows); st.WindowEvents != all {
		t.Errorf("OccurrencesStatus: window events %v, want %v", st.WindowEvents, all)
	}
}
