package evaluator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "evaluator")) }

func openStore(t *testing.T) store.Store { return storetest.Open(t) }

// counterSeries is a cumulative counter as an OTLP SDK exports it: one
// point a minute (10 s past it), with the increments that made it kept
// by hand. A reset restarts it from zero with a new start time.
type counterSeries struct {
	tenant, code string
	points       []point
}

type point struct {
	start, at time.Time
	value     float64
	increment float64 // what this point adds, by the promsql rules
}

func makeCounter(rng *rand.Rand, tenant, code string, from, to time.Time, resetAt time.Time, rate int) counterSeries {
	c := counterSeries{tenant: tenant, code: code}
	start := from.Add(-30 * time.Second)
	value := 0.0
	for at := from.Add(10 * time.Second); at.Before(to); at = at.Add(time.Minute) {
		inc := float64(rng.IntN(rate + 1))
		if !resetAt.IsZero() && !at.Before(resetAt) && at.Add(-time.Minute).Before(resetAt) {
			start, value = resetAt.Add(-5*time.Second), 0 // the process restarted
		}
		value += inc
		c.points = append(c.points, point{start: start, at: at, value: value, increment: inc})
	}
	return c
}

func insertCounters(t *testing.T, s store.Store, series []counterSeries) {
	t.Helper()
	var rows []string
	for _, c := range series {
		for _, p := range c.points {
			rows = append(rows, fmt.Sprintf("('%s', 'checkout', 'http_requests_total', {'code': '%s'}, toDateTime(%d), toDateTime(%d), %v, 2, true)",
				c.tenant, c.code, p.start.Unix(), p.at.Unix(), p.value))
		}
	}
	for len(rows) > 0 {
		n := min(len(rows), 2000)
		err := s.Exec(context.Background(), `INSERT INTO otel_metrics_sum (TenantId, ServiceName, MetricName, Attributes, StartTimeUnix, TimeUnix, Value, AggregationTemporality, IsMonotonic) VALUES `+strings.Join(rows[:n], ","), nil)
		if err != nil {
			t.Fatal(err)
		}
		rows = rows[n:]
	}
}

// byHand sums a tenant's increments of the error and all codes over
// [from, to): a point counts in the minute it falls in, and a minute counts
// when it starts in the window.
func byHand(series []counterSeries, tenant string, from, to time.Time) (bad, total float64) {
	for _, c := range series {
		if c.tenant != tenant {
			continue
		}
		for _, p := range c.points {
			m := p.at.Truncate(time.Minute)
			if m.Before(from) || !m.Before(to) {
				continue
			}
			total += p.increment
			if c.code == "500" {
				bad += p.increment
			}
		}
	}
	return bad, total
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func slothSLO() slo.SLO {
	return slo.SLO{
		Name: "checkout-availability", Service: "checkout", Objective: 0.999,
		Method: slo.Occurrences, Window: slo.RollingWindow(30 * 24 * time.Hour),
		Indicator: slo.Indicator{
			ErrorQuery: `sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))`,
			TotalQuery: `sum(rate(http_requests_total{job="checkout"}[{{.window}}]))`,
		},
	}
}

func checkAgainstHand(t *testing.T, snap *evaluator.Snapshot, series []counterSeries, now time.Time, objective map[string]float64) {
	t.Helper()
	if snap.Error != "" {
		t.Fatalf("cycle failed: %s", snap.Error)
	}
	if len(snap.Results) != len(objective) {
		t.Fatalf("%d results, want one per tenant: %+v", len(snap.Results), snap.Results)
	}
	for _, r := range snap.Results {
		obj := objective[r.Tenant]
		if r.Objective != obj {
			t.Errorf("%s: objective %v, want %v", r.Tenant, r.Objective, obj)
		}
		bad, total := byHand(series, r.Tenant, now.Add(-30*24*time.Hour), now)
		if !near(r.Total, total) || !near(r.Good, total-bad) {
			t.Errorf("%s: good/total %v/%v, by hand %v/%v", r.Tenant, r.Good, r.Total, total-bad, total)
		}
		if want := 1 - (bad/total)/(1-obj); !r.BudgetRemaining.Known || !near(r.BudgetRemaining.V, want) {
			t.Errorf("%s: budget remaining %+v, by hand %v", r.Tenant, r.BudgetRemaining, want)
		}
		for i, w := range slo.BurnWindows {
			bad, total := byHand(series, r.Tenant, now.Add(-w.Length), now)
			got := r.BurnRates[i]
			if total == 0 {
				if got.Known {
					t.Errorf("%s %s: burn rate %v over a window without events, want no data", r.Tenant, w.Name, got.V)
				}
				continue
			}
			if want := bad / total / (1 - obj); !got.Known || !near(got.V, want) {
				t.Errorf("%s %s: burn rate %+v, by hand %v (bad %v of %v)", r.Tenant, w.Name, got, want, bad, total)
			}
		}
	}
}

// A Sloth SLO over OTLP counters: every tenant's budget and burn rates are
// the ones computed by hand from the points, across a counter reset, with
// a per-tenant objective; samples arriving late are counted in their true
// minute on the next cycle.
func TestPromQLSLIMatchesHandComputation(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute).Add(-time.Minute + 30*time.Second)
	from := now.Add(-3 * time.Hour).Truncate(time.Minute)
	rng := rand.New(rand.NewPCG(3, 4))
	series := []counterSeries{
		makeCounter(rng, "acme", "200", from, now, time.Time{}, 100),
		makeCounter(rng, "acme", "500", from, now, time.Time{}, 3),
		makeCounter(rng, "beta", "200", from, now, now.Add(-47*time.Minute), 40),
		makeCounter(rng, "beta", "500", from, now, now.Add(-47*time.Minute), 5),
	}
	// acme's points of a 25-minute stretch two hours ago arrive late.
	gapFrom, gapTo := now.Add(-2*time.Hour), now.Add(-95*time.Minute)
	var onTime, late []counterSeries
	for _, c := range series {
		early, delayed := c, c
		early.points, delayed.points = nil, nil
		for _, p := range c.points {
			if c.tenant == "acme" && !p.at.Before(gapFrom) && p.at.Before(gapTo) {
				delayed.points = append(delayed.points, p)
			} else {
				early.points = append(early.points, p)
			}
		}
		onTime, late = append(onTime, early), append(late, delayed)
	}
	insertCounters(t, s, onTime)

	ev := evaluator.New(s, evaluator.Config{}, func() time.Time { return now })
	set := slo.Set{SLOs: []slo.SLO{slothSLO()}, Overrides: slo.Overrides{Objectives: []slo.TenantObjective{{SLO: "checkout-availability", Tenant: "beta", Objective: 0.99}}}}
	ev.SetSLOs(set, nil)
	if err := ev.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	// Before the late points: the point after the gap has nothing within
	// the 15-minute sample gap to be differenced with, and adds nothing.
	missing := map[string]bool{}
	for _, c := range onTime {
		for i, p := range c.points {
			if c.tenant == "acme" && i > 0 && p.at.Sub(c.points[i-1].at) > 15*time.Minute {
				missing[fmt.Sprint(c.tenant, c.code, p.at.Unix())] = true
			}
		}
	}
	if len(missing) != 2 {
		t.Fatalf("the fixture should leave a gap in both acme series, found %d", len(missing))
	}
	seen := make([]counterSeries, len(onTime))
	for i, c := range onTime {
		seen[i] = c
		seen[i].points = nil
		for _, p := range c.points {
			if missing[fmt.Sprint(c.tenant, c.code, p.at.Unix())] {
				p.increment = 0
			}
			seen[i].points = append(seen[i].points, p)
		}
	}
	objectives := map[string]float64{"acme": 0.999, "beta": 0.99}
	checkAgainstHand(t, ev.Snapshot(), seen, now, objectives)

	time.Sleep(1100 * time.Millisecond) // insert times are whole seconds
	insertCounters(t, s, late)
	if err := ev.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	checkAgainstHand(t, ev.Snapshot(), series, now, objectives)

	// Every evaluation is kept for dashboards, unknown values as NULL.
	rows, err := s.Query(ctx, "SELECT count(), countIf(isNull(BurnRate5m)), uniqExact(TenantId) FROM slopipe_slo_status", nil)
	if err != nil {
		t.Fatal(err)
	}
	var n, nulls, tenants uint64
	store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&n, &nulls, &tenants) })
	if n != 4 || tenants != 2 {
		t.Errorf("status rows %d for %d tenants, want 4 for 2", n, tenants)
	}
}

// Span and log SLIs (counted in the stream into slopipe_sli_events) under
// each budgeting method, with an excluded interval and a per-tenant
// objective, give what slo.Evaluate gives on the same minutes; late events
// are counted on the next cycle.
func TestEventSLIsMatchEvaluateOnTheirMinutes(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 14, 37, 30, 0, time.UTC)
	maintenance := slo.Interval{From: now.Add(-26 * time.Hour), To: now.Add(-25 * time.Hour)}
	slos := []slo.SLO{
		{Name: "spans-occurrences", Objective: 0.99, Method: slo.Occurrences, Window: slo.RollingWindow(7 * 24 * time.Hour),
			Indicator: slo.Indicator{Spans: &slo.SpanSource{}}},
		{Name: "spans-excluded", Objective: 0.99, Method: slo.Occurrences, Window: slo.RollingWindow(7 * 24 * time.Hour),
			Indicator: slo.Indicator{Spans: &slo.SpanSource{}}},
		{Name: "logs-timeslices", Objective: 0.95, Method: slo.Timeslices, TimesliceLength: 5 * time.Minute, TimesliceTarget: 0.9,
			Window: slo.CalendarWindow(1, slo.Month, time.Time{}, time.UTC), Indicator: slo.Indicator{Logs: &slo.LogSource{}}},
		{Name: "spans-ratio-timeslices", Objective: 0.97, Method: slo.RatioTimeslices, TimesliceLength: time.Minute,
			Window: slo.RollingWindow(3 * 24 * time.Hour), Indicator: slo.Indicator{Spans: &slo.SpanSource{}}},
	}
	overrides := slo.Overrides{
		Objectives: []slo.TenantObjective{{SLO: "spans-occurrences", Tenant: "beta", Objective: 0.995}},
		Exclusions: []slo.Exclusion{{SLO: "spans-excluded", Interval: maintenance}},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	minutes := map[string][]slo.Minute{} // by SLO and tenant
	events := store.NewSLIEvents()
	for m := now.Add(-8 * 24 * time.Hour).Truncate(time.Minute); m.Before(now); m = m.Add(time.Minute) {
		for _, s := range slos {
			for _, tenant := range []string{"acme", "beta"} {
				if rng.IntN(3) == 0 {
					continue
				}
				total := uint64(rng.IntN(30))
				good := total - uint64(rng.IntN(int(total)/4+1))
				events.Add(tenant, s.Name, m.Unix(), good, total)
				key := s.Name + "/" + tenant
				minutes[key] = append(minutes[key], slo.Minute{Start: m.Unix(), Counts: slo.Counts{Good: float64(good), Total: float64(total)}})
			}
		}
	}
	if err := events.Insert(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	ev := evaluator.New(s, evaluator.Config{}, func() time.Time { return now })
	ev.SetSLOs(slo.Set{SLOs: slos, Overrides: overrides}, nil)

	check := func() {
		t.Helper()
		if err := ev.Cycle(ctx); err != nil {
			t.Fatal(err)
		}
		snap := ev.Snapshot()
		if len(snap.Results) != 2*len(slos) {
			t.Fatalf("%d results, want %d", len(snap.Results), 2*len(slos))
		}
		for _, r := range snap.Results {
			var def slo.SLO
			for _, s := range slos {
				if s.Name == r.SLO {
					def = s
				}
			}
			spec := def.Spec()
			spec.Objective = overrides.Objective(&def, r.Tenant)
			spec.Excluded = overrides.Excluded(def.Name, r.Tenant)
			want := slo.Evaluate(spec, minutes[r.SLO+"/"+r.Tenant], now)
			got := slo.Status{From: r.Window.From, To: r.Window.To, Good: r.Good, Total: r.Total, SLI: r.SLI,
				BudgetRemaining: r.BudgetRemaining, BurnRates: r.BurnRates, WindowEvents: r.WindowEvents, PeriodBurnRate: r.PeriodBurnRate}
			if !got.From.Equal(want.From) || !got.To.Equal(want.To) {
				t.Errorf("%s/%s: window %v–%v, want %v–%v", r.SLO, r.Tenant, got.From, got.To, want.From, want.To)
			}
			got.From, got.To, want.From, want.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if got != want {
				t.Errorf("%s/%s:\n got %+v\nwant %+v", r.SLO, r.Tenant, got, want)
			}
			if r.SLO == "spans-occurrences" && r.Tenant == "beta" && r.Objective != 0.995 {
				t.Errorf("beta's objective override not applied: %v", r.Objective)
			}
		}
	}
	check()

	// Events that arrive a day late count in their minute on the next cycle.
	late := now.Add(-30 * time.Hour).Truncate(time.Minute)
	events.Reset()
	for _, s := range slos {
		events.Add("acme", s.Name, late.Unix(), 3, 1000)
		key := s.Name + "/acme"
		minutes[key] = mergeMinute(minutes[key], slo.Minute{Start: late.Unix(), Counts: slo.Counts{Good: 3, Total: 1000}})
	}
	time.Sleep(1100 * time.Millisecond)
	if err := events.Insert(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	check()
}

func mergeMinute(ms []slo.Minute, add slo.Minute) []slo.Minute {
	for i := range ms {
		if ms[i].Start == add.Start {
			ms[i].Counts = ms[i].Counts.Add(add.Counts)
			return ms
		}
		if ms[i].Start > add.Start {
			return append(ms[:i], append([]slo.Minute{add}, ms[i:]...)...)
		}
	}
	return append(ms, add)
}

// The status table's burn-rate columns are the math's burn windows.
func TestStatusColumnsFollowBurnWindows(t *testing.T) {
	if len(store.SLOStatusBurnWindows) != len(slo.BurnWindows) {
		t.Fatalf("status table has %d burn-rate columns, the math %d windows", len(store.SLOStatusBurnWindows), len(slo.BurnWindows))
	}
	for i, w := range slo.BurnWindows {
		if store.SLOStatusBurnWindows[i] != w.Name {
			t.Errorf("column %d is BurnRate%s, window is %s", i, store.SLOStatusBurnWindows[i], w.Name)
		}
	}
}

// gaugeSample is one row of otel_metrics_gauge.
type gaugeSample struct {
	tenant, job, queue string
	at                 time.Time
	value              float64
}

func insertGauges(t *testing.T, s store.Store, samples []gaugeSample) {
	t.Helper()
	var rows []string
	for _, g := range samples {
		value := strconv.FormatFloat(g.value, 'g', -1, 64)
		if math.IsNaN(g.value) {
			value = "nan"
		}
		rows = append(rows, fmt.Sprintf("('%s', '%s', 'queue_depth', {'queue': '%s'}, toDateTime(%d), %s)",
			g.tenant, g.job, g.queue, g.at.Unix(), value))
	}
	for len(rows) > 0 {
		n := min(len(rows), 2000)
		err := s.Exec(context.Background(), `INSERT INTO otel_metrics_gauge (TenantId, ServiceName, MetricName, Attributes, TimeUnix, Value) VALUES `+strings.Join(rows[:n], ","), nil)
		if err != nil {
			t.Fatal(err)
		}
		rows = rows[n:]
	}
}

// A thresholdMetric SLO (samples of a gauge, good at or under 100) under
// Timeslices and Occurrences gives what slo.Evaluate gives on minutes
// counted by hand: every sample of the checkout job's queues an event,
// NaN samples skipped, a retried write counted once; samples arriving late
// are counted on the next cycle.
func TestThresholdSLIMatchesEvaluateOnHandCountedMinutes(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 14, 37, 30, 0, time.UTC)
	indicator := slo.Indicator{ThresholdQuery: `queue_depth{job="checkout"}`, ThresholdOp: "lte", ThresholdValue: 100}
	slos := []slo.SLO{
		{Name: "queue-timeslices", Objective: 0.9, Method: slo.Timeslices, TimesliceLength: 5 * time.Minute, TimesliceTarget: 0.75,
			Window: slo.RollingWindow(2 * 24 * time.Hour), Indicator: indicator},
		{Name: "queue-occurrences", Objective: 0.8, Method: slo.Occurrences,
			Window: slo.RollingWindow(2 * 24 * time.Hour), Indicator: indicator},
	}
	rng := rand.New(rand.NewPCG(7, 8))
	lateFrom, lateTo := now.Add(-2*time.Hour), now.Add(-100*time.Minute)
	var onTime, late []gaugeSample
	counts := map[string]map[int64]slo.Counts{} // what was inserted, by tenant and minute
	countedBefore := map[string]map[int64]slo.Counts{}
	for _, tenant := range []string{"acme", "beta"} {
		counts[tenant], countedBefore[tenant] = map[int64]slo.Counts{}, map[int64]slo.Counts{}
		for m := now.Add(-3*24*time.Hour - time.Hour).Truncate(time.Minute); m.Before(now); m = m.Add(time.Minute) {
			if rng.IntN(20) == 0 {
				continue // a minute without samples
			}
			for _, queue := range []string{"orders", "payments"} {
				for _, offset := range []time.Duration{5 * time.Second, 35 * time.Second} {
					g := gaugeSample{tenant: tenant, job: "checkout", queue: queue, at: m.Add(offset), value: float64(rng.IntN(130))}
					if rng.IntN(10) == 0 {
						g.value = 100 // on the threshold: good
					}
					batch := []gaugeSample{g}
					if rng.IntN(50) == 0 {
						batch = append(batch, g) // a retried write
					}
					if rng.IntN(50) == 0 {
						nan := g
						nan.value, nan.at = math.NaN(), nan.at.Add(10*time.Second)
						batch = append(batch, nan) // a staleness marker
					}
					// Another job's queue is not selected.
					batch = append(batch, gaugeSample{tenant: tenant, job: "billing", queue: queue, at: g.at, value: 1000})
					c := slo.Counts{Total: 1}
					if g.value <= 100 {
						c.Good = 1
					}
					counts[tenant][m.Unix()] = counts[tenant][m.Unix()].Add(c)
					if tenant == "acme" && !g.at.Before(lateFrom) && g.at.Before(lateTo) {
						late = append(late, batch...)
						continue
					}
					countedBefore[tenant][m.Unix()] = countedBefore[tenant][m.Unix()].Add(c)
					onTime = append(onTime, batch...)
				}
			}
		}
	}
	minutesOf := func(byMinute map[int64]slo.Counts) []slo.Minute {
		var out []slo.Minute
		for m, c := range byMinute {
			out = append(out, slo.Minute{Start: m, Counts: c})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
		return out
	}
	insertGauges(t, s, onTime)
	ev := evaluator.New(s, evaluator.Config{}, func() time.Time { return now })
	ev.SetSLOs(slo.Set{SLOs: slos}, nil)

	check := func(counted map[string]map[int64]slo.Counts) {
		t.Helper()
		if err := ev.Cycle(ctx); err != nil {
			t.Fatal(err)
		}
		snap := ev.Snapshot()
		if len(snap.Problems) > 0 || len(snap.Results) != 2*len(slos) {
			t.Fatalf("%d results, want %d; problems %v", len(snap.Results), 2*len(slos), snap.Problems)
		}
		for _, r := range snap.Results {
			var def slo.SLO
			for _, s := range slos {
				if s.Name == r.SLO {
					def = s
				}
			}
			want := slo.Evaluate(def.Spec(), minutesOf(counted[r.Tenant]), now)
			if !want.SLI.Known || want.Total == 0 {
				t.Fatalf("%s/%s: the fixture gives no SLI", r.SLO, r.Tenant)
			}
			same := func(what string, got, want slo.Value) {
				t.Helper()
				if got.Known != want.Known || (want.Known && math.Abs(got.V-want.V) >= 1e-9) {
					t.Errorf("%s/%s: %s %+v, want %+v", r.SLO, r.Tenant, what, got, want)
				}
			}
			if math.Abs(r.Good-want.Good) >= 1e-9 || math.Abs(r.Total-want.Total) >= 1e-9 {
				t.Errorf("%s/%s: good/total %v/%v, want %v/%v", r.SLO, r.Tenant, r.Good, r.Total, want.Good, want.Total)
			}
			same("SLI", r.SLI, want.SLI)
			same("budget remaining", r.BudgetRemaining, want.BudgetRemaining)
			same("period burn rate", r.PeriodBurnRate, want.PeriodBurnRate)
			for i, w := range slo.BurnWindows {
				same("burn rate "+w.Name, r.BurnRates[i], want.BurnRates[i])
			}
		}
	}
	check(countedBefore)

	time.Sleep(1100 * time.Millisecond) // insert times are whole seconds
	insertGauges(t, s, late)
	check(counts)
}

// An SLO taken out of the set and put back is computed afresh: what arrived
// while it was out was not looked for.
func TestSLOPutBackIsComputedAfresh(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 14, 37, 30, 0, time.UTC)
	spans := func(name string) slo.SLO {
		return slo.SLO{Name: name, Objective: 0.99, Method: slo.Occurrences, Window: slo.RollingWindow(7 * 24 * time.Hour),
			Indicator: slo.Indicator{Spans: &slo.SpanSource{}}}
	}
	both := slo.Set{SLOs: []slo.SLO{spans("a"), spans("b")}}
	events := store.NewSLIEvents()
	events.Add("acme", "a", now.Add(-time.Minute).Unix(), 9, 10)
	events.Add("acme", "b", now.Add(-time.Minute).Unix(), 9, 10)
	if err := events.Insert(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	// Arrivals are searched from a second before each search: the cycle
	// while a is out moves past what arrived for it.
	ev := evaluator.New(s, evaluator.Config{ArrivalMargin: time.Second}, func() time.Time { return now })
	ev.SetSLOs(both, nil)
	if err := ev.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	ev.SetSLOs(slo.Set{SLOs: []slo.SLO{spans("b")}}, nil)
	if err := ev.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	// While a is out, two-day-old events of it arrive, and a cycle passes.
	time.Sleep(1100 * time.Millisecond)
	events.Reset()
	events.Add("acme", "a", now.Add(-48*time.Hour).Unix(), 0, 90)
	if err := events.Insert(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	if err := ev.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	ev.SetSLOs(both, nil)
	if err := ev.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range ev.Snapshot().Results {
		if r.SLO == "a" {
			found = true
			if r.Good != 9 || r.Total != 100 {
				t.Fatalf("a after coming back: good/total %v/%v, want 9/100", r.Good, r.Total)
			}
		}
	}
	if !found {
		t.Fatalf("no result for a: %+v", ev.Snapshot())
	}
}

// Each result carries the events of its burn windows, whichever way it was
// computed: summed in the store (Occurrences) or by slo.Evaluate from the
// minutes (timeslices, exclusions). The snapshot holds the specs, and each
// result its team.
func TestWindowEventsOnBothPaths(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 14, 37, 30, 0, time.UTC)
	spans := slo.Indicator{Spans: &slo.SpanSource{}}
	week := slo.RollingWindow(7 * 24 * time.Hour)
	slos := []slo.SLO{
		{Name: "summed", Objective: 0.99, Method: slo.Occurrences, Window: week, Indicator: spans,
			Labels: map[string]string{"team": "payments", "owner": "someone-else"}},
		{Name: "sliced", Objective: 0.99, Method: slo.Timeslices, TimesliceLength: 5 * time.Minute, TimesliceTarget: 0.8,
			Window: week, Indicator: spans, Labels: map[string]string{"owner": "checkout"}},
		{Name: "excluded", Objective: 0.99, Method: slo.Occurrences, Window: week, Indicator: spans},
	}
	// An hour ten hours ago is maintenance for "excluded": in its 1d and
	// 3d windows, not in the shorter ones.
	maintenance := slo.Interval{From: now.Add(-10 * time.Hour).Truncate(time.Hour)}
	maintenance.To = maintenance.From.Add(time.Hour)
	overrides := slo.Overrides{Exclusions: []slo.Exclusion{{SLO: "excluded", Interval: maintenance}}}

	// Four days of 10 events a minute (9 good) for acme, and 3 a minute
	// for beta in the last hour only.
	events := store.NewSLIEvents()
	for m := now.Add(-4 * 24 * time.Hour).Truncate(time.Minute); m.Before(now); m = m.Add(time.Minute) {
		for _, x := range slos {
			events.Add("acme", x.Name, m.Unix(), 9, 10)
			if !m.Before(now.Add(-time.Hour)) {
				events.Add("beta", x.Name, m.Unix(), 3, 3)
			}
		}
	}
	if err := events.Insert(ctx, s, now); err != nil {
		t.Fatal(err)
	}
	failing := &failingStore{Store: s}
	ev := evaluator.New(failing, evaluator.Config{}, func() time.Time { return now })
	ev.SetSLOs(slo.Set{SLOs: slos, Overrides: overrides}, nil)
	if err := ev.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	snap := ev.Snapshot()
	if len(snap.Results) != 2*len(slos) {
		t.Fatalf("%d results, want %d: %+v", len(snap.Results), 2*len(slos), snap.Results)
	}

	// A window [now − W, now) holds W's minutes: now is 30 s into one.
	perMinute := map[string]float64{"acme": 10, "beta": 3}
	for _, r := range snap.Results {
		var want evaluator.WindowEvents
		for i, w := range slo.BurnWindows {
			minutes := w.Length.Minutes()
			if r.Tenant == "beta" {
				minutes = min(minutes, 60)
			}
			want[i] = perMinute[r.Tenant] * minutes
			if r.SLO == "excluded" && r.Tenant == "acme" && w.Length >= 24*time.Hour {
				want[i] -= 10 * 60
			}
		}
		if r.WindowEvents != want {
			t.Errorf("%s/%s: window events %v, want %v", r.SLO, r.Tenant, r.WindowEvents, want)
		}
		wantTeam := map[string]string{"summed": "payments", "sliced": "checkout"}[r.SLO]
		if r.Team != wantTeam {
			t.Errorf("%s/%s: team %q, want %q", r.SLO, r.Tenant, r.Team, wantTeam)
		}
		spec := snap.SLOs[r.SLO]
		if spec == nil || spec.Name != r.SLO || spec.Method.String() != r.BudgetingMethod {
			t.Errorf("%s: the snapshot's spec is %+v", r.SLO, spec)
		}
	}
	if len(snap.SLOs) != len(slos) {
		t.Errorf("the snapshot holds %d specs, want %d", len(snap.SLOs), len(slos))
	}

	// The API's JSON: keyed by window, in order, numbers.
	for _, r := range snap.Results {
		if r.SLO != "summed" || r.Tenant != "beta" {
			continue
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		want := `"burn_rates":{"5m":0,"30m":0,"1h":0,"2h":0,"6h":0,"1d":0,"3d":0},` +
			`"window_events":{"5m":15,"30m":90,"1h":180,"2h":180,"6h":180,"1d":180,"3d":180},`
		if !strings.Contains(string(b), want) || !strings.Contains(string(b), `"service":"","team":"payments","tenant":"beta"`) {
			t.Errorf("JSON %s\nlacks %s", b, want)
		}
		var back evaluator.Result
		if err := json.Unmarshal(b, &back); err != nil || back.WindowEvents != r.WindowEvents || back.Team != r.Team {
			t.Errorf("round trip: %+v, %v", back, err)
		}
	}

	// A failed cycle keeps the last results and the specs they were
	// computed with.
	ev.SetSLOs(slo.Set{SLOs: slos[:1]}, nil)
	failing.fail = true
	if err := ev.Cycle(ctx); err == nil {
		t.Fatal("a cycle on a failing store succeeded")
	}
	if got := ev.Snapshot(); len(got.SLOs) != len(slos) || len(got.Results) != len(snap.Results) {
		t.Errorf("after a failed cycle: %d specs, %d results; want the last good cycle's %d and %d",
			len(got.SLOs), len(got.Results), len(slos), len(snap.Results))
	}
}

// failingStore refuses every statement once fail is set.
type failingStore struct {
	store.Store
	fail bool
}

func (f *failingStore) Exec(ctx context.Context, sql string, params store.Params) error {
	if f.fail {
		return fmt.Errorf("store down")
	}
	return f.Store.Exec(ctx, sql, params)
}

func (f *failingStore) Query(ctx context.Context, sql string, params store.Params) (store.Rows, error) {
	if f.fail {
		return nil, fmt.Errorf("store down")
	}
	return f.Store.Query(ctx, sql, params)
}
