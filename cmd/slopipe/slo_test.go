package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

// The acceptance tests of the SLO engine: data in over OTLP, SLO specs in
// SLOPIPE_SLO_DIR, and the numbers out of the SLO API compared with the
// same numbers worked out here, by hand, from what was sent.

// checkoutSloth is a Sloth spec of the kind users bring from Prometheus:
// the share of checkout requests that did not fail with a 5xx.
const checkoutSloth = `version: "prometheus/v1"
service: "checkout"
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
`

// betaObjective promises tenant beta less than the spec's 99.9 %.
const betaObjective = `apiVersion: slopipe/v1
kind: Overrides
metadata:
  name: beta-objective
spec:
  objectives:
    - slo: requests-availability
      tenant: beta
      targetPercent: 99
`

// burnWindows are the API's burn-rate windows, in its order.
var burnWindows = []struct {
	name   string
	length time.Duration
}{
	{"5m", 5 * time.Minute}, {"30m", 30 * time.Minute}, {"1h", time.Hour}, {"2h", 2 * time.Hour},
	{"6h", 6 * time.Hour}, {"1d", 24 * time.Hour}, {"3d", 72 * time.Hour},
}

// maxSampleGap is store/promsql's default: two samples further apart are
// not differenced, and a first sample counts only if its counter started
// at most this long before it.
const maxSampleGap = 15 * time.Minute

// counterPoint is one sample of a cumulative counter as sent, with the
// increase slopipe must attribute to the sample's minute.
type counterPoint struct {
	start, at time.Time
	value     float64
	increase  float64
}

// counter is a cumulative counter a test sends: it keeps, next to every
// sample, the increase store/promsql's documented rules give it, so the
// expected SLIs are sums of numbers the test chose.
type counter struct {
	start  time.Time // StartTimestamp of the points from now on
	value  float64
	points []counterPoint
}

// sample adds inc to the counter and takes a sample at at.
func (c *counter) sample(at time.Time, inc float64) {
	c.value += inc
	counted := inc
	if len(c.points) == 0 && at.Sub(c.start) > maxSampleGap {
		// The counter ran long before the first sample: as in Prometheus,
		// an increase needs two samples, so the first counts nothing.
		counted = 0
	}
	// Every later sample counts its difference from the previous one; after
	// restart that is the whole value, which is also inc.
	c.points = append(c.points, counterPoint{start: c.start, at: at, value: c.value, increase: counted})
}

// restart is the process behind the counter restarting at start: a new
// StartTimestamp and the value counting again from 0.
func (c *counter) restart(start time.Time) { c.start, c.value = start, 0 }

// sliCounts are the good and total events of a minute or a window.
type sliCounts struct{ good, total float64 }

// requestCounters are one tenant's http_requests_total of checkout: the
// code="200" and code="500" series, sampled at the same moments.
type requestCounters struct {
	tenant      string
	service     string // service.name, the job label; "" is checkout
	ok, failed  *counter
	byMinute    map[time.Time]sliCounts // what the SLO counts, per minute
	totalEvents float64
}

func newRequestCounters(tenant string, start time.Time, initial float64) *requestCounters {
	return &requestCounters{tenant: tenant, ok: &counter{start: start, value: initial},
		failed: &counter{start: start, value: initial / 100}, byMinute: map[time.Time]sliCounts{}}
}

// sample records ok and failed requests at at (both series), and what the
// SLO must count for them: the error query selects code 500, the total
// query both codes.
func (r *requestCounters) sample(at time.Time, ok, failed float64) {
	r.ok.sample(at, ok)
	r.failed.sample(at, failed)
	bad := r.failed.points[len(r.failed.points)-1].increase
	total := r.ok.points[len(r.ok.points)-1].increase + bad
	m := at.Truncate(time.Minute)
	c := r.byMinute[m]
	r.byMinute[m] = sliCounts{good: c.good + total - bad, total: c.total + total}
	r.totalEvents += total
}

func (r *requestCounters) restart(start time.Time) {
	r.ok.restart(start)
	r.failed.restart(start)
}

// within sums the minutes that start in [from, to): how the API counts a
// window ending at its evaluated_at.
func (r *requestCounters) within(from, to time.Time) sliCounts {
	var sum sliCounts
	for m, c := range r.byMinute {
		if !m.Before(from) && m.Before(to) {
			sum.good += c.good
			sum.total += c.total
		}
	}
	return sum
}

// request is an OTLP/HTTP metrics export of the samples with index in
// [from, to) of both series, as an instrumented checkout service sends them.
func (r *requestCounters) request(t *testing.T, from, to int) []byte {
	t.Helper()
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	service := r.service
	if service == "" {
		service = "checkout"
	}
	rm.Resource().Attributes().PutStr("service.name", service)
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("http_requests_total")
	sum := m.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	for _, series := range []struct {
		code string
		c    *counter
	}{{"200", r.ok}, {"500", r.failed}} {
		for _, p := range series.c.points[from:to] {
			dp := sum.DataPoints().AppendEmpty()
			dp.SetStartTimestamp(pcommon.NewTimestampFromTime(p.start))
			dp.SetTimestamp(pcommon.NewTimestampFromTime(p.at))
			dp.SetDoubleValue(p.value)
			dp.Attributes().PutStr("code", series.code)
		}
	}
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// send posts the samples from index first on in requests of at most per
// samples a series, in time order, as the tenant.
func (r *requestCounters) send(t *testing.T, endpoint string, first, per int) {
	t.Helper()
	n := len(r.ok.points)
	for from := first; from < n; from += per {
		body := r.request(t, from, min(from+per, n))
		req, err := http.NewRequest(http.MethodPost, "http://"+endpoint+"/v1/metrics", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("X-Scope-OrgID", r.tenant)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("export for %s: %d %s", r.tenant, resp.StatusCode, msg)
		}
	}
}

// sloEntry is one SLO and tenant as the API answers, decoded from the wire
// format on its own (not with the server's types), so a field renamed or
// a null that should not be there shows.
type sloEntry struct {
	SLO             string              `json:"slo"`
	Service         string              `json:"service"`
	Tenant          string              `json:"tenant"`
	Objective       float64             `json:"objective"`
	SLI             *float64            `json:"sli"`
	BudgetRemaining *float64            `json:"budget_remaining"`
	BurnRates       map[string]*float64 `json:"burn_rates"`
	PeriodBurnRate  *float64            `json:"period_burn_rate"`
	Good            float64             `json:"good"`
	Total           float64             `json:"total"`
	Window          struct {
		Period string    `json:"period"`
		From   time.Time `json:"from"`
		To     time.Time `json:"to"`
	} `json:"window"`
	BudgetingMethod string    `json:"budgeting_method"`
	EvaluatedAt     time.Time `json:"evaluated_at"`
}

type sloProblem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	SLO     string `json:"slo"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// sloAnswer is the body of a 200 from /api/v1/slos.
type sloAnswer struct {
	Status      string       `json:"status"`
	Data        []sloEntry   `json:"data"`
	EvaluatedAt *time.Time   `json:"evaluated_at"`
	Problems    []sloProblem `json:"problems"`
	Warnings    []string     `json:"warnings"`
}

// getSLOs asks the daemon's SLO API at path (e.g. "/api/v1/slos").
func getSLOs(t *testing.T, api, path string) sloAnswer {
	t.Helper()
	resp, err := http.Get("http://" + api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var a sloAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	if a.Status != "success" {
		t.Fatalf("GET %s: status %q", path, a.Status)
	}
	return a
}

// entryOf is the answer's entry for slo and tenant, nil when there is none.
func (a sloAnswer) entryOf(slo, tenant string) *sloEntry {
	for i := range a.Data {
		if a.Data[i].SLO == slo && a.Data[i].Tenant == tenant {
			return &a.Data[i]
		}
	}
	return nil
}

// expectedStatus is what an Occurrences SLO must report at now.
type expectedStatus struct {
	objective   float64
	period      sliCounts
	windows     []sliCounts // burnWindows' order
	periodName  string
	periodStart time.Time
}

// burn is the burn rate of a window's events, bad/total over 1 − objective;
// nil when the window has no events.
func (e expectedStatus) burn(c sliCounts) *float64 {
	if c.total <= 0 {
		return nil
	}
	v := ((c.total - c.good) / c.total) / (1 - e.objective)
	return &v
}

// entryMismatches lists every field of got that differs from want by 1e-9
// or more, or is null where a number is due (or the other way round).
func entryMismatches(got *sloEntry, want expectedStatus) []string {
	var bad []string
	report := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	near := func(field string, got, want *float64) {
		switch {
		case (got == nil) != (want == nil):
			report("%s = %s, want %s", field, fmtPtr(got), fmtPtr(want))
		case got != nil && !(math.Abs(*got-*want) < 1e-9):
			report("%s = %v, want %v (diff %g)", field, *got, *want, *got-*want)
		}
	}
	if got.Objective != want.objective {
		report("objective = %v, want %v", got.Objective, want.objective)
	}
	if got.Good != want.period.good || got.Total != want.period.total {
		report("good/total = %v/%v, want %v/%v", got.Good, got.Total, want.period.good, want.period.total)
	}
	var sli, budget *float64
	if want.period.total > 0 {
		s := want.period.good / want.period.total
		b := 1 - *want.burn(want.period)
		sli, budget = &s, &b
	}
	near("sli", got.SLI, sli)
	near("budget_remaining", got.BudgetRemaining, budget)
	near("period_burn_rate", got.PeriodBurnRate, want.burn(want.period))
	var names []string
	for name := range got.BurnRates {
		names = append(names, name)
	}
	slices.Sort(names)
	if want := []string{"1d", "1h", "2h", "30m", "3d", "5m", "6h"}; !slices.Equal(names, want) {
		report("burn_rates has windows %v, want %v", names, want)
	}
	for i, w := range burnWindows {
		near("burn_rates."+w.name, got.BurnRates[w.name], want.burn(want.windows[i]))
	}
	if got.BudgetingMethod != "Occurrences" || got.Window.Period != want.periodName ||
		!got.Window.From.Equal(want.periodStart) || !got.Window.To.Equal(got.EvaluatedAt) {
		report("budgeting %q, window %q [%s, %s); want Occurrences, %q [%s, evaluated_at)",
			got.BudgetingMethod, got.Window.Period, got.Window.From, got.Window.To, want.periodName, want.periodStart)
	}
	return bad
}

// reportMismatches fails the test with each mismatch of an entry.
func reportMismatches(t *testing.T, got *sloEntry, mismatches []string) {
	t.Helper()
	for _, m := range mismatches {
		t.Errorf("%s/%s at %s: %s", got.SLO, got.Tenant, got.EvaluatedAt.Format(time.RFC3339Nano), m)
	}
}

func fmtPtr(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// expectSloth is what the Sloth SLO must report for r at now: the period is
// Sloth's rolling 30 days, every window ends at now.
func expectSloth(r *requestCounters, objective float64, now time.Time) expectedStatus {
	e := expectedStatus{objective: objective, periodName: "30d", periodStart: now.Add(-30 * 24 * time.Hour)}
	e.period = r.within(e.periodStart, now)
	for _, w := range burnWindows {
		e.windows = append(e.windows, r.within(now.Add(-w.length), now))
	}
	return e
}

// writeSpec writes a spec into the SLO directory.
func writeSpec(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkoutTraffic is three hours of checkout requests for two tenants,
// ending a few minutes before now, built so the SLO's windows differ:
//
//   - acme's counters have run for two days before the first sample, which
//     therefore counts nothing; a 5xx incident 40 to 25 minutes ago, and a
//     stray 5xx every 17 minutes; samples until 2 minutes ago.
//   - beta's counters start 20 s before its first sample, which counts in
//     full; its process restarts 50 minutes ago (new StartTimestamp, values
//     from 0); 5xx from 70 to 60 minutes ago and every 9 minutes; samples
//     stop 10 minutes ago, so its 5m window has no events and is null.
//
// Samples are at :30 of each minute, well inside the minute they count in.
func checkoutTraffic(now time.Time) (acme, beta *requestCounters) {
	base := now.Truncate(time.Minute)
	at := func(minutesAgo int) time.Time {
		return base.Add(-time.Duration(minutesAgo)*time.Minute + 30*time.Second)
	}
	acme = newRequestCounters("acme", base.Add(-48*time.Hour), 10000)
	beta = newRequestCounters("beta", at(180).Add(-20*time.Second), 0)
	for k := 180; k >= 2; k-- {
		failed := 0.0
		if k >= 25 && k <= 40 {
			failed = float64(3 + k%4)
		} else if k%17 == 0 {
			failed = 1
		}
		acme.sample(at(k), float64(40+(k*7)%13), failed)
	}
	for k := 180; k >= 10; k-- {
		if k == 50 {
			beta.restart(at(k).Add(-15 * time.Second))
		}
		failed := 0.0
		if k >= 60 && k <= 70 {
			failed = 6
		} else if k%9 == 0 {
			failed = 2
		}
		beta.sample(at(k), float64(20+(k*5)%11), failed)
	}
	return acme, beta
}

// A Sloth SLO over OTLP counters, for two tenants, one with its own
// objective and a counter reset: every number the API gives — objective,
// good, total, SLI, budget left and the burn rate of every window — is the
// one worked out here from the increments sent, at the entry's
// evaluated_at, and a window without events is null.
func TestSlothSLOOverOTLPCountersMatchesHandComputation(t *testing.T) {
	dir := t.TempDir()
	slos := filepath.Join(dir, "slos")
	if err := os.MkdirAll(slos, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSpec(t, filepath.Join(slos, "checkout.yaml"), checkoutSloth)
	writeSpec(t, filepath.Join(slos, "overrides.yaml"), betaObjective)

	// The samples are timestamped before the daemon starts: what it counts
	// does not depend on when it happens to evaluate.
	acme, beta := checkoutTraffic(time.Now())
	objective := map[string]float64{"acme": 0.999, "beta": 0.99}

	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep,
		[]string{"SLOPIPE_SLO_DIR=" + slos, "SLOPIPE_SLO_INTERVAL=1s"})
	defer d.stop()
	// In a few requests each, once the daemon evaluates: the evaluator must
	// pick samples up as they arrive, not only on its first cycle.
	acme.send(t, ep.otlpHTTP, 0, 60)
	beta.send(t, ep.otlpHTTP, 0, 45)

	// Evaluations run every second; wait for one that has every sample.
	const path = "/api/v1/slos/requests-availability"
	deadline := time.Now().Add(90 * time.Second)
	var a sloAnswer
	for {
		a = getSLOs(t, ep.api, path)
		ea, eb := a.entryOf("requests-availability", "acme"), a.entryOf("requests-availability", "beta")
		if ea != nil && eb != nil && ea.Total == acme.totalEvents && eb.Total == beta.totalEvents {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no evaluation with acme's %v and beta's %v events: %+v\n%s", acme.totalEvents, beta.totalEvents, a, d.out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(a.Data) != 2 || len(a.Problems) != 0 || len(a.Warnings) != 0 {
		t.Errorf("want acme and beta, no problems, no warnings: %+v", a)
	}

	// Windows move a minute at a time: check every evaluation until one
	// falls in the first second of a minute m. Its windows are
	// [m + δ − W, m + δ) with δ < 1 s, so the minute starting at m − W is
	// just outside and minute m just inside: the rule "a minute counts when
	// its start is in the window" is tried at its edge.
	checked, edge := 0, false
	var last time.Time
	deadline = time.Now().Add(75 * time.Second)
	for !edge && time.Now().Before(deadline) && !t.Failed() {
		a = getSLOs(t, ep.api, path)
		if a.EvaluatedAt == nil || !a.EvaluatedAt.After(last) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		last = *a.EvaluatedAt
		for _, r := range []*requestCounters{acme, beta} {
			e := a.entryOf("requests-availability", r.tenant)
			if e == nil {
				t.Fatalf("no entry for %s: %+v", r.tenant, a)
			}
			if e.Service != "checkout" || !e.EvaluatedAt.Equal(last) {
				t.Errorf("%s: service %q, evaluated_at %s; want checkout, %s", r.tenant, e.Service, e.EvaluatedAt, last)
			}
			bad := entryMismatches(e, expectSloth(r, objective[r.tenant], e.EvaluatedAt))
			reportMismatches(t, e, bad)
			// On a mismatch, say whether the numbers are those of windows
			// ending at evaluated_at cut to the whole second (the store and
			// slo.Sum compare Unix seconds): a way to be a minute off at
			// the edge.
			if whole := e.EvaluatedAt.Truncate(time.Second); len(bad) > 0 && !whole.Equal(e.EvaluatedAt) {
				hint := expectSloth(r, objective[r.tenant], whole)
				hint.periodStart = e.Window.From // only the sums are in question
				if len(entryMismatches(e, hint)) == 0 {
					t.Errorf("%s: the burn rates are those of windows ending at %s, evaluated_at cut to the second",
						r.tenant, whole.Format(time.RFC3339))
				}
			}
		}
		checked++
		edge = last.Sub(last.Truncate(time.Minute)) < time.Second
	}
	t.Logf("checked %d evaluations; one in the first second of a minute: %v", checked, edge)
	if checked == 0 {
		t.Fatal("no evaluation to check")
	}
	// Beta's 5m null must come from there being no events, not from a
	// window the evaluator gave up on: its 30m is a number.
	if e := a.entryOf("requests-availability", "beta"); e != nil && (e.BurnRates["5m"] != nil || e.BurnRates["30m"] == nil) {
		t.Errorf("beta: 5m = %s (want null), 30m = %s (want a number)", fmtPtr(e.BurnRates["5m"]), fmtPtr(e.BurnRates["30m"]))
	}
}

// specProblems reads slopipe_slo_spec_problems from the daemon's own
// metrics; -1 when it is not there.
func specProblems(t *testing.T, ep endpoints) float64 {
	t.Helper()
	resp, err := http.Get("http://127.0.0.1:" + ep.telemetryPort + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	exposition, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`(?m)^slopipe_slo_spec_problems(?:\{[^}]*\})? (\S+)$`).FindSubmatch(exposition)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A spec edit that does not validate is reported — in the API, naming the
// file and the field, in the daemon's own metrics and by `slopipe slo
// validate` — while the SLOs of the last good specs keep being evaluated
// and served; fixing the file clears the problems.
func TestDaemonKeepsLastGoodSLOSetWhenASpecBreaks(t *testing.T) {
	dir := t.TempDir()
	slos := filepath.Join(dir, "slos")
	if err := os.MkdirAll(slos, 0o755); err != nil {
		t.Fatal(err)
	}
	specFile := filepath.Join(slos, "checkout.yaml")
	writeSpec(t, specFile, checkoutSloth)
	acme, _ := checkoutTraffic(time.Now())

	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep,
		[]string{"SLOPIPE_SLO_DIR=" + slos, "SLOPIPE_SLO_INTERVAL=1s"})
	defer d.stop()
	acme.send(t, ep.otlpHTTP, 0, 200)

	const path = "/api/v1/slos/requests-availability?tenant=acme"
	// await polls the API until ok holds, failing after timeout.
	await := func(what string, timeout time.Duration, ok func(sloAnswer) bool) sloAnswer {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for {
			a := getSLOs(t, ep.api, "/api/v1/slos")
			if ok(a) {
				return a
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %s; last answer %+v\n%s", what, timeout, a, d.out)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	served := func(a sloAnswer) *sloEntry { return a.entryOf("requests-availability", "acme") }
	before := await("acme's SLO with all its events", 90*time.Second, func(a sloAnswer) bool {
		e := served(a)
		return e != nil && e.Total == acme.totalEvents
	})
	if len(before.Problems) != 0 || specProblems(t, ep) != 0 {
		t.Fatalf("problems with good specs: API %+v, metric %v", before.Problems, specProblems(t, ep))
	}

	// A typo in the objective's key: the SLO then has no objective. The
	// extension reloads every 10 s.
	broken := strings.Replace(checkoutSloth, "objective: 99.9", "objetive: 99.9", 1)
	writeSpec(t, specFile, broken)
	changed := time.Now()
	isTheProblem := func(p sloProblem) bool {
		return p.File == specFile && p.SLO == "requests-availability" && p.Field == "slos.0.objective"
	}
	during := await("the broken objective in the API's problems", 15*time.Second, func(a sloAnswer) bool {
		return slices.ContainsFunc(a.Problems, isTheProblem)
	})
	t.Logf("problem shown %s after the edit: %+v", time.Since(changed).Round(100*time.Millisecond), during.Problems)
	if !slices.ContainsFunc(during.Problems, func(p sloProblem) bool { return p.File == specFile && p.Field == "slos.0.objetive" }) {
		t.Errorf("the unknown key objetive is not among the problems: %+v", during.Problems)
	}
	if n := specProblems(t, ep); n != float64(len(during.Problems)) {
		t.Errorf("slopipe_slo_spec_problems = %v, want the API's %d", n, len(during.Problems))
	}
	// The one-SLO endpoint shows the SLO's own problem beside its results.
	one := getSLOs(t, ep.api, path)
	if !slices.ContainsFunc(one.Problems, isTheProblem) || len(one.Data) != 1 {
		t.Errorf("%s: want acme's entry and the problem: %+v", path, one)
	}

	// The last good spec keeps being evaluated: newer evaluations, same
	// events, the 99.9 % the broken file no longer states.
	first := served(during)
	if first == nil || first.Total != acme.totalEvents || first.Objective != 0.999 {
		t.Fatalf("acme's entry while the spec is broken: %+v", first)
	}
	later := await("a newer evaluation while the spec is broken", 10*time.Second, func(a sloAnswer) bool {
		e := served(a)
		return e != nil && e.EvaluatedAt.After(first.EvaluatedAt)
	})
	if e := served(later); e.Total != acme.totalEvents || e.Objective != 0.999 || !slices.ContainsFunc(later.Problems, isTheProblem) {
		t.Errorf("later evaluation: %+v, problems %+v", e, later.Problems)
	}
	// And it counts what arrives meanwhile: one more sample, 30 requests of
	// which 2 failed, in the current minute.
	acme.sample(time.Now().Add(-time.Second).Truncate(time.Second), 28, 2)
	acme.send(t, ep.otlpHTTP, len(acme.ok.points)-1, 1)
	more := await("the new sample counted while the spec is broken", 30*time.Second, func(a sloAnswer) bool {
		e := served(a)
		return e != nil && e.Total == acme.totalEvents
	})
	// (The burn rates are TestSlothSLOOverOTLPCountersMatchesHandComputation's
	// business; the period's numbers show the sample was evaluated.)
	period := acme.within(time.Time{}, time.Now().Add(time.Hour))
	if e := served(more); e.Good != period.good || e.SLI == nil || math.Abs(*e.SLI-period.good/period.total) >= 1e-9 {
		t.Errorf("after the new sample: good %v, sli %s; want %v, %v", e.Good, fmtPtr(e.SLI), period.good, period.good/period.total)
	}

	// The CLI says the same, naming file, SLO and field, and fails.
	validate := exec.Command(os.Args[0], "slo", "validate", slos)
	validate.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1")
	out, err := validate.CombinedOutput()
	if err == nil {
		t.Errorf("slo validate accepted the broken spec:\n%s", out)
	}
	wantLine := regexp.MustCompile(regexp.QuoteMeta(specFile) + `:\d+: slo "requests-availability": slos\.0\.objective: `)
	if !wantLine.Match(out) {
		t.Errorf("slo validate does not name file, SLO and field (want %s):\n%s", wantLine, out)
	}

	// Fixed: the problems go, in the API and the metric.
	writeSpec(t, specFile, checkoutSloth)
	fixed := await("the problems to clear after the fix", 15*time.Second, func(a sloAnswer) bool {
		return len(a.Problems) == 0
	})
	if e := served(fixed); e == nil || e.Total != acme.totalEvents || e.Objective != 0.999 {
		t.Errorf("acme's entry after the fix: %+v", e)
	}
	if n := specProblems(t, ep); n != 0 {
		t.Errorf("slopipe_slo_spec_problems = %v after the fix, want 0", n)
	}
	validate = exec.Command(os.Args[0], "slo", "validate", slos)
	validate.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1")
	if out, err := validate.CombinedOutput(); err != nil {
		t.Errorf("slo validate on the fixed spec: %v\n%s", err, out)
	}
}
