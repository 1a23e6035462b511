// Package evaluator is slopipe's SLO evaluation loop: every cycle it brings
// the SLIs' per-minute and per-hour counts up to date in the store, sums
// every SLO's windows for every tenant with data in a constant number of
// queries, computes SLIs, error budgets and burn rates with package slo's
// math, writes them to slopipe_slo_status and holds them for the API.
//
// It owns the clock (injected) and the store access; it is not the math
// (package slo), the SQL (package store) or the HTTP API (package sloapi).
//
// A cycle:
//  1. finds what arrived since the last cycle: metric samples of the
//     PromQL SLIs' metrics (by insert time) and late span/log events;
//  2. recomputes the PromQL SLIs' minutes those touch — all of an SLO's
//     period the first time it is seen — into slopipe_sli_metric_minutes;
//  3. recomputes the hours holding the last 20 minutes, and of anything older
//     that changed, into slopipe_sli_hours;
//  4. sums windows: Occurrences SLOs from hours and edge minutes in the
//     store, timeslice SLOs and SLOs with excluded intervals from their
//     minutes in Go;
//  5. writes one status row per SLO and tenant and publishes a Snapshot:
//     the results, and the specs they were computed with.
package evaluator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/promsql"
)

// Config tunes the evaluator.
type Config struct {
	// MaxSampleGap: two samples of a counter further apart than this are
	// not differenced (see store/promsql).
	MaxSampleGap time.Duration
	// ArrivalMargin is how far back each search for arrivals reaches
	// before the previous one started: an insert's rows carry the time it
	// started and become visible when it ends (a server with asynchronous
	// inserts may want more). 0 means one minute.
	ArrivalMargin time.Duration
}

// recentHours are recomputed every cycle whatever arrived: span and log
// events younger than store.LateEventsAge are not announced as late, and
// the margin between the two covers a cycle running late.
const recentHours = 20 * time.Minute

// Evaluator runs evaluation cycles. SetSLOs and Cycle may be called from
// different goroutines; cycles do not overlap.
type Evaluator struct {
	store store.Store
	cfg   Config
	now   func() time.Time

	specs    atomic.Pointer[specs]
	snapshot atomic.Pointer[Snapshot]
	// publish serializes changes of specs and snapshot, briefly: a change
	// of specs never waits for a cycle.
	publish sync.Mutex

	mu           sync.Mutex // one cycle at a time; guards what follows
	since        time.Time  // arrivals are searched from here
	lastComputed time.Time  // versions of recomputed rows only grow
	minutesDone  map[string]bool
	hoursDone    map[string]bool
}

// New returns an evaluator over st with no SLOs; now is its clock.
func New(st store.Store, cfg Config, now func() time.Time) *Evaluator {
	if cfg.MaxSampleGap <= 0 {
		cfg.MaxSampleGap = promsql.DefaultMaxSampleGap
	}
	if cfg.ArrivalMargin <= 0 {
		cfg.ArrivalMargin = time.Minute
	}
	e := &Evaluator{store: st, cfg: cfg, now: now, minutesDone: map[string]bool{}, hoursDone: map[string]bool{}}
	e.specs.Store(&specs{})
	e.snapshot.Store(&Snapshot{})
	return e
}

// specs is the SLO set being evaluated, compiled.
type specs struct {
	slis      []sli
	byName    map[string]*slo.SLO // the slis' specs, for the snapshot
	overrides slo.Overrides
	problems  slo.Problems
}

// sli is one SLO as the evaluator reads it.
type sli struct {
	slo        slo.SLO
	ref        store.SLIRef
	minutesSQL func(paramSuffix string) string // PromQL SLIs
	metrics    []string                        // normalized metric names they read
}

func (s *sli) key() string { return s.ref.SLO + "\x00" + s.ref.SpecHash }

// SetSLOs replaces the SLOs evaluated from the next cycle on. problems are
// those of the spec files, shown with the results; an SLO whose PromQL does
// not compile is left out and adds a problem.
func (e *Evaluator) SetSLOs(set slo.Set, problems slo.Problems) {
	sp := &specs{overrides: set.Overrides, problems: problems}
	opts := promsql.Options{Database: e.store.Database(), MaxSampleGap: e.cfg.MaxSampleGap}
	for _, s := range set.SLOs {
		x := sli{slo: s, ref: store.SLIRef{SLO: s.Name}}
		events, err := s.Indicator.Compile()
		if err != nil {
			sp.problems = append(sp.problems, slo.Problem{File: s.File, SLO: s.Name, Field: "indicator", Msg: err.Error()})
			continue
		}
		if events != nil {
			x.minutesSQL = func(suffix string) string {
				o := opts
				o.ParamSuffix = suffix
				return events.MinutesSQL(o)
			}
			x.metrics = events.MetricNames()
			sum := sha256.Sum256([]byte(x.minutesSQL("")))
			x.ref.Metric, x.ref.SpecHash = true, hex.EncodeToString(sum[:8])
		}
		sp.slis = append(sp.slis, x)
	}
	sp.byName = make(map[string]*slo.SLO, len(sp.slis))
	for i := range sp.slis {
		sp.byName[sp.slis[i].ref.SLO] = &sp.slis[i].slo
	}
	e.publish.Lock()
	defer e.publish.Unlock()
	e.specs.Store(sp)
	e.publishProblems(sp.problems)
}

// SetProblems reports the problems of a spec change that was not applied:
// the SLOs evaluated stay as they were.
func (e *Evaluator) SetProblems(problems slo.Problems) {
	e.publish.Lock()
	defer e.publish.Unlock()
	sp := *e.specs.Load()
	sp.problems = problems
	e.specs.Store(&sp)
	e.publishProblems(problems)
}

// publishProblems shows problems at once, not after the next cycle; the
// caller holds e.publish.
func (e *Evaluator) publishProblems(problems slo.Problems) {
	snap := *e.snapshot.Load()
	snap.Problems = problems
	e.snapshot.Store(&snap)
}

// SLONames lists the SLOs being evaluated, sorted.
func (e *Evaluator) SLONames() []string {
	sp := e.specs.Load()
	names := make([]string, len(sp.slis))
	for i, s := range sp.slis {
		names[i] = s.ref.SLO
	}
	sort.Strings(names)
	return names
}

// Snapshot is the last evaluation's results.
func (e *Evaluator) Snapshot() *Snapshot { return e.snapshot.Load() }

// Cycle evaluates every SLO for every tenant with data at the clock's now.
// On a store error the previous results stay published, with the error.
func (e *Evaluator) Cycle(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	started := time.Now()
	// Whole seconds: the store compares times in seconds, so the reported
	// evaluation time is exactly the one every window was summed at.
	now := e.now().Truncate(time.Second)
	sp := e.specs.Load()
	var steps Steps
	results, err := e.cycle(ctx, sp, now, &steps)
	took := time.Since(started)
	e.publish.Lock()
	defer e.publish.Unlock()
	prev := e.snapshot.Load()
	// The problems of now: specs may have changed while the cycle ran.
	next := &Snapshot{EvaluatedAt: now, Results: results, Problems: e.specs.Load().problems, SLOs: sp.byName,
		CycleDuration: took, Steps: steps, Cycles: prev.Cycles + 1, FailedCycles: prev.FailedCycles}
	if err != nil {
		next.EvaluatedAt, next.Results, next.SLOs = prev.EvaluatedAt, prev.Results, prev.SLOs
		next.Error = err.Error()
		next.FailedCycles++
	}
	e.snapshot.Store(next)
	return err
}

func (e *Evaluator) cycle(ctx context.Context, sp *specs, now time.Time, steps *Steps) ([]Result, error) {
	if len(sp.slis) == 0 {
		return nil, nil
	}
	lapStart := time.Now()
	lap := func(d *time.Duration) {
		t := time.Now()
		*d, lapStart = t.Sub(lapStart), t
	}
	// Recomputed rows replace older ones by version, so versions must grow
	// even if the clock stands still or steps back.
	computedAt := now
	if !computedAt.After(e.lastComputed) {
		computedAt = e.lastComputed.Add(time.Millisecond)
	}
	e.lastComputed = computedAt
	minuteEnd := now.Truncate(time.Minute).Add(time.Minute)
	horizon := func(s *sli) time.Time {
		from, _ := s.slo.Window.Bounds(now)
		return minTime(from, now.Add(-slo.BurnWindows[len(slo.BurnWindows)-1].Length)).Truncate(time.Minute)
	}

	// An SLI that left the set is computed afresh if it comes back: what
	// arrived meanwhile was not looked for.
	current := map[string]bool{}
	for i := range sp.slis {
		current[sp.slis[i].key()] = true
	}
	maps.DeleteFunc(e.minutesDone, func(k string, _ bool) bool { return !current[k] })
	maps.DeleteFunc(e.hoursDone, func(k string, _ bool) bool { return !current[k] })

	// 1. What arrived since the last cycle, for SLIs already computed.
	var metricNames, eventSLOs []string
	seenName := map[string]bool{}
	for i := range sp.slis {
		s := &sp.slis[i]
		if s.ref.Metric && e.minutesDone[s.key()] {
			for _, n := range s.metrics {
				if !seenName[n] {
					seenName[n] = true
					metricNames = append(metricNames, n)
				}
			}
		} else if !s.ref.Metric && e.hoursDone[s.key()] {
			eventSLOs = append(eventSLOs, s.ref.SLO)
		}
	}
	if e.since.IsZero() {
		metricNames, eventSLOs = nil, nil // nothing computed yet: the first cycle computes everything
	}
	arrivals, storeNow, err := store.SLIArrivals(ctx, e.store, e.since, metricNames, eventSLOs)
	if err != nil {
		return nil, err
	}
	lap(&steps.Arrivals)
	byMetric := map[string][]store.SLIArrival{}
	byEventSLO := map[string][]store.SLIArrival{}
	for _, a := range arrivals {
		if a.Metric {
			byMetric[a.Key] = append(byMetric[a.Key], a)
		} else {
			byEventSLO[a.Key] = append(byEventSLO[a.Key], a)
		}
	}

	// 2 and 3. PromQL SLIs' minutes, then every SLI's hours: the recent
	// ones (or all, the first time) for every tenant, and older ones that
	// late data changed for the tenants it came for.
	var minuteJobs []store.MetricMinutesJob
	var recentJobs, lateJobs []store.HoursJob
	recent := now.Add(-recentHours).Truncate(time.Hour)
	for i := range sp.slis {
		s := &sp.slis[i]
		h := horizon(s)
		all := store.HoursJob{SLIRef: s.ref, From: recent}
		if !e.hoursDone[s.key()] {
			all.From = h
		}
		late := store.HoursJob{SLIRef: s.ref}
		if s.ref.Metric {
			job := store.MetricMinutesJob{SLO: s.ref.SLO, SpecHash: s.ref.SpecHash, MinutesSQL: s.minutesSQL, From: h, To: minuteEnd}
			if e.minutesDone[s.key()] {
				earliest, tenants := earliestArrival(byMetric, s.metrics)
				if len(tenants) == 0 {
					job.From = time.Time{}
				} else {
					job.From, job.Tenants = maxTime(h, earliest.Truncate(time.Minute)), tenants
				}
			}
			if !job.From.IsZero() {
				minuteJobs = append(minuteJobs, job)
				if len(job.Tenants) == 0 {
					all.From = minTime(all.From, job.From)
				} else {
					late.From, late.Tenants = job.From, job.Tenants
				}
			}
		} else if earliest, tenants := earliestArrival(byEventSLO, []string{s.ref.SLO}); len(tenants) > 0 {
			late.From, late.Tenants = maxTime(h, earliest), tenants
		}
		recentJobs = append(recentJobs, all)
		if len(late.Tenants) > 0 && late.From.Before(all.From) {
			lateJobs = append(lateJobs, late)
		}
	}
	if err := store.RecomputeMetricMinutes(ctx, e.store, minuteJobs, computedAt); err != nil {
		return nil, err
	}
	lap(&steps.MetricMinutes)
	// Up to now: the current hour's row is then exactly the minutes of the
	// windows' last hour, which the sums take from it.
	for _, jobs := range [][]store.HoursJob{recentJobs, lateJobs} {
		if err := store.RecomputeSLIHours(ctx, e.store, jobs, now, computedAt); err != nil {
			return nil, err
		}
	}
	lap(&steps.Hours)
	for i := range sp.slis {
		e.hoursDone[sp.slis[i].key()] = true
		if sp.slis[i].ref.Metric {
			e.minutesDone[sp.slis[i].key()] = true
		}
	}
	e.since = storeNow.Add(-e.cfg.ArrivalMargin)

	// 4. Windows.
	lengths := make([]time.Duration, len(slo.BurnWindows))
	for i, w := range slo.BurnWindows {
		lengths[i] = w.Length
	}
	var fast, slow []store.WindowSLI
	byName := map[string]*sli{}
	for i := range sp.slis {
		s := &sp.slis[i]
		byName[s.ref.SLO] = s
		from, _ := s.slo.Window.Bounds(now)
		if s.slo.Method == slo.Occurrences && !sp.overrides.ExcludesAny(s.ref.SLO, horizon(s), now) {
			fast = append(fast, store.WindowSLI{SLIRef: s.ref, PeriodFrom: from})
		} else {
			slow = append(slow, store.WindowSLI{SLIRef: s.ref, PeriodFrom: horizon(s)})
		}
	}
	var results []Result
	sums, err := store.SumSLIWindows(ctx, e.store, fast, lengths, now)
	if err != nil {
		return nil, err
	}
	for _, w := range sums {
		s := byName[w.SLO]
		objective := sp.overrides.Objective(&s.slo, w.Tenant)
		from, _ := s.slo.Window.Bounds(now)
		var windows [len(slo.BurnWindows)]slo.Counts
		for i, gt := range w.Windows {
			windows[i] = slo.Counts{Good: gt.Good, Total: gt.Total}
		}
		st := slo.OccurrencesStatus(objective, from, now, slo.Counts{Good: w.Period.Good, Total: w.Period.Total}, windows)
		results = append(results, newResult(&s.slo, w.Tenant, objective, st, now))
	}
	minutes, err := store.SLIMinutes(ctx, e.store, slow, now)
	if err != nil {
		return nil, err
	}
	for start := 0; start < len(minutes); {
		end := start
		var series []slo.Minute
		for ; end < len(minutes) && minutes[end].Tenant == minutes[start].Tenant && minutes[end].SLO == minutes[start].SLO; end++ {
			m := minutes[end]
			series = append(series, slo.Minute{Start: m.Minute, Counts: slo.Counts{Good: m.Good, Total: m.Total}})
		}
		tenant, s := minutes[start].Tenant, byName[minutes[start].SLO]
		spec := s.slo.Spec()
		spec.Objective = sp.overrides.Objective(&s.slo, tenant)
		spec.Excluded = sp.overrides.Excluded(s.ref.SLO, tenant)
		st := slo.Evaluate(spec, series, now)
		if st.Total > 0 || st.SLI.Known || anyKnown(st.BurnRates[:]) {
			results = append(results, newResult(&s.slo, tenant, spec.Objective, st, now))
		}
		start = end
	}
	sort.Slice(results, func(i, j int) bool {
		if results[i].SLO != results[j].SLO {
			return results[i].SLO < results[j].SLO
		}
		return results[i].Tenant < results[j].Tenant
	})

	lap(&steps.Windows)

	// 5. Status rows.
	if len(results) > 0 {
		batch := store.NewSLOStatus()
		for _, r := range results {
			batch.Add(r.statusRow())
		}
		if err := batch.Insert(ctx, e.store); err != nil {
			return nil, fmt.Errorf("write SLO status: %w", err)
		}
	}
	lap(&steps.Status)
	return results, nil
}

// earliestArrival is the earliest arrival under any of keys, and the
// tenants that had one.
func earliestArrival(by map[string][]store.SLIArrival, keys []string) (time.Time, []string) {
	var earliest time.Time
	seen := map[string]bool{}
	var tenants []string
	for _, k := range keys {
		for _, a := range by[k] {
			if earliest.IsZero() || a.Earliest.Before(earliest) {
				earliest = a.Earliest
			}
			if !seen[a.Tenant] {
				seen[a.Tenant] = true
				tenants = append(tenants, a.Tenant)
			}
		}
	}
	sort.Strings(tenants)
	return earliest, tenants
}

func anyKnown(vs []slo.Value) bool {
	for _, v := range vs {
		if v.Known {
			return true
		}
	}
	return false
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// periodName is how a window reads in the status table and the API.
func periodName(w slo.Window) string {
	if w.Rolling {
		return w.String()
	}
	zone := w.Anchor.Location().String()
	return w.String() + " calendar " + zone
}
