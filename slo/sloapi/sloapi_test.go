package sloapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
)

// fakeSource serves a fixed snapshot.
type fakeSource struct {
	snap  *evaluator.Snapshot
	names []string
}

func (f *fakeSource) Snapshot() *evaluator.Snapshot { return f.snap }
func (f *fakeSource) SLONames() []string            { return f.names }

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func known(v float64) slo.Value { return slo.Value{V: v, Known: true} }

// result is one entry with 1000 events; the numbers are literals, as the
// API only carries them through.
func result(name, tenant string, good, sli, budget, periodBurn float64) evaluator.Result {
	r := evaluator.Result{
		SLO: name, Service: "checkout", Tenant: tenant, Objective: 0.999,
		SLI: known(sli), BudgetRemaining: known(budget), PeriodBurnRate: known(periodBurn),
		Good: good, Total: 1000,
		Window:          evaluator.Window{Period: "30d", From: t0.Add(-30 * 24 * time.Hour), To: t0},
		BudgetingMethod: "Occurrences",
		EvaluatedAt:     t0,
	}
	for i := range r.BurnRates {
		r.BurnRates[i] = known(float64(i) + 0.5)
		r.WindowEvents[i] = float64(100 * (i + 1))
	}
	return r
}

// source has two SLOs with results (one named with a slash), one without,
// and a spec problem that kept a fourth out.
func source() *fakeSource {
	fast := result("checkout/fast", "acme", 750, 0.75, -249, 250)
	fast.BurnRates[0] = slo.Value{} // no events in the last 5 minutes
	return &fakeSource{
		snap: &evaluator.Snapshot{
			EvaluatedAt: t0,
			Results: []evaluator.Result{
				result("checkout-availability", "acme", 999.5, 0.9995, 0.5, 0.5),
				result("checkout-availability", "globex", 998, 0.998, -1, 2),
				fast,
			},
			Problems: slo.Problems{
				{File: "slos/payments.yaml", Line: 9, SLO: "payments", Field: "spec.objectives.0.target", Msg: "1.5 is not a ratio in (0, 1)"},
				{File: "slos/notes.yaml", Msg: "no SLO in the file"},
			},
			Cycles: 7,
		},
		names: []string{"checkout-availability", "checkout/fast", "search-latency"},
	}
}

func get(t *testing.T, src Source, target string) (int, http.Header, string) {
	t.Helper()
	return do(t, src, http.MethodGet, target)
}

func do(t *testing.T, src Source, method, target string) (int, http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	New(src).ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, target, ct)
	}
	return res.StatusCode, res.Header, string(body)
}

func decode(t *testing.T, body string) Response {
	t.Helper()
	var r Response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return r
}

// slosOf lists the "slo tenant" pairs of the entries, in order.
func slosOf(r Response) []string {
	var out []string
	for _, e := range r.Data {
		out = append(out, e.SLO+" "+e.Tenant)
	}
	return out
}

// The list is the whole body a Grafana datasource reads; burn rates are
// keyed in window order and unknown values are null, never 0.
func TestListIsTheWholeSnapshot(t *testing.T) {
	code, _, body := get(t, source(), "/api/v1/slos")
	if code != http.StatusOK {
		t.Fatalf("code %d: %s", code, body)
	}
	entry := func(name, tenant, sli, budget, period, good, burn5m string) string {
		return `{"slo":"` + name + `","service":"checkout","tenant":"` + tenant + `","objective":0.999,` +
			`"sli":` + sli + `,"budget_remaining":` + budget + `,` +
			`"burn_rates":{"5m":` + burn5m + `,"30m":1.5,"1h":2.5,"2h":3.5,"6h":4.5,"1d":5.5,"3d":6.5},` +
			`"window_events":{"5m":100,"30m":200,"1h":300,"2h":400,"6h":500,"1d":600,"3d":700},` +
			`"period_burn_rate":` + period + `,"good":` + good + `,"total":1000,` +
			`"window":{"period":"30d","from":"2026-01-30T12:00:00Z","to":"2026-03-01T12:00:00Z"},` +
			`"budgeting_method":"Occurrences","evaluated_at":"2026-03-01T12:00:00Z"}`
	}
	want := `{"status":"success","data":[` +
		entry("checkout-availability", "acme", "0.9995", "0.5", "0.5", "999.5", "0.5") + `,` +
		entry("checkout-availability", "globex", "0.998", "-1", "2", "998", "0.5") + `,` +
		entry("checkout/fast", "acme", "0.75", "-249", "250", "750", "null") +
		`],"evaluated_at":"2026-03-01T12:00:00Z","problems":[` +
		`{"file":"slos/payments.yaml","line":9,"slo":"payments","field":"spec.objectives.0.target","message":"1.5 is not a ratio in (0, 1)"},` +
		`{"file":"slos/notes.yaml","line":0,"slo":"","field":"","message":"no SLO in the file"}]}` + "\n"
	if body != want {
		t.Errorf("body\n%s\nwant\n%s", body, want)
	}
}

func TestListFiltersByTenant(t *testing.T) {
	code, _, body := get(t, source(), "/api/v1/slos?tenant=acme")
	if code != http.StatusOK {
		t.Fatalf("code %d: %s", code, body)
	}
	r := decode(t, body)
	if got, want := strings.Join(slosOf(r), ", "), "checkout-availability acme, checkout/fast acme"; got != want {
		t.Errorf("entries %q, want %q", got, want)
	}
	if len(r.Problems) != 2 {
		t.Errorf("problems are not per tenant; got %v", r.Problems)
	}

	// A tenant without data is an empty list, not an error.
	code, _, body = get(t, source(), "/api/v1/slos?tenant=initech")
	if code != http.StatusOK || !strings.Contains(body, `"data":[]`) {
		t.Errorf("tenant without data: %d %s", code, body)
	}
}

func TestOneSLO(t *testing.T) {
	for _, tc := range []struct {
		target string
		want   []string
	}{
		{"/api/v1/slos/checkout-availability", []string{"checkout-availability acme", "checkout-availability globex"}},
		{"/api/v1/slos/checkout-availability?tenant=globex", []string{"checkout-availability globex"}},
		// OpenSLO objectives are named <slo>/<objective>.
		{"/api/v1/slos/checkout/fast", []string{"checkout/fast acme"}},
		{"/api/v1/slos/checkout%2Ffast", []string{"checkout/fast acme"}},
		{"/api/v1/slos/checkout/fast?tenant=acme", []string{"checkout/fast acme"}},
		// Known, without data: for this tenant, or at all.
		{"/api/v1/slos/checkout/fast?tenant=globex", nil},
		{"/api/v1/slos/search-latency", nil},
	} {
		code, _, body := get(t, source(), tc.target)
		if code != http.StatusOK {
			t.Errorf("%s: code %d: %s", tc.target, code, body)
			continue
		}
		r := decode(t, body)
		if got, want := strings.Join(slosOf(r), ", "), strings.Join(tc.want, ", "); got != want {
			t.Errorf("%s: entries %q, want %q", tc.target, got, want)
		}
		if !strings.Contains(body, `"data":[`) || !strings.Contains(body, `"problems":[]`) {
			t.Errorf("%s: data and problems must be arrays, problems empty: %s", tc.target, body)
		}
	}
}

func TestUnknownSLOIs404(t *testing.T) {
	for target, want := range map[string]string{
		"/api/v1/slos/nope": `{"status":"error","error":"no SLO named \"nope\""}` + "\n",
		// An SLO kept out by its spec's problems says why.
		"/api/v1/slos/payments": `{"status":"error","error":"SLO \"payments\" is not evaluated: ` +
			`slos/payments.yaml:9: slo \"payments\": spec.objectives.0.target: 1.5 is not a ratio in (0, 1)"}` + "\n",
		"/api/v1/slos/checkout": `{"status":"error","error":"no SLO named \"checkout\""}` + "\n",
		"/api/v1/slos/":         `{"status":"error","error":"no SLO name in the path: /api/v1/slos/{name}, or /api/v1/slos for all"}` + "\n",
	} {
		code, _, body := get(t, source(), target)
		if code != http.StatusNotFound || body != want {
			t.Errorf("%s: %d %s, want 404 %s", target, code, body, want)
		}
	}
}

// An SLO that is evaluated and whose spec has problems (a reload that
// failed keeps the last good set) shows them with its results.
func TestOneSLOShowsItsProblems(t *testing.T) {
	src := source()
	src.snap.Problems = append(src.snap.Problems, slo.Problem{File: "slos/checkout.yaml", Line: 3, SLO: "checkout/fast", Field: "spec.service", Msg: "no such service"})
	code, _, body := get(t, src, "/api/v1/slos/checkout/fast")
	want := `"problems":[{"file":"slos/checkout.yaml","line":3,"slo":"checkout/fast","field":"spec.service","message":"no such service"}]`
	if code != http.StatusOK || !strings.Contains(body, want) {
		t.Errorf("%d %s\nlacks %s", code, body, want)
	}
	p := decode(t, body).Problems[0].SpecProblem()
	if got, want := p.Error(), `slos/checkout.yaml:3: slo "checkout/fast": spec.service: no such service`; got != want {
		t.Errorf("SpecProblem().Error() = %q, want %q", got, want)
	}
}

func TestFailedEvaluationWarns(t *testing.T) {
	src := source()
	src.snap.Error = "store: connection refused"
	src.snap.FailedCycles = 1
	code, _, body := get(t, src, "/api/v1/slos?tenant=globex")
	if code != http.StatusOK {
		t.Fatalf("code %d: %s", code, body)
	}
	r := decode(t, body)
	if len(r.Data) != 1 {
		t.Errorf("the last good results are served: %s", body)
	}
	want := `"warnings":["last evaluation failed: store: connection refused; results are from 2026-03-01T12:00:00Z"]}` + "\n"
	if !strings.HasSuffix(body, want) {
		t.Errorf("body %s\nwant it to end with %s", body, want)
	}
	code, _, body = get(t, source(), "/api/v1/slos")
	if code != http.StatusOK || strings.Contains(body, "warnings") {
		t.Errorf("warnings without a failure: %s", body)
	}
}

func TestNoEvaluationYet(t *testing.T) {
	src := &fakeSource{snap: &evaluator.Snapshot{}, names: []string{"checkout-availability"}}
	want := `{"status":"success","data":[],"evaluated_at":null,"problems":[],"warnings":["no evaluation yet"]}` + "\n"
	for _, target := range []string{"/api/v1/slos", "/api/v1/slos/checkout-availability", "/api/v1/slos?tenant=acme"} {
		code, _, body := get(t, src, target)
		if code != http.StatusOK || body != want {
			t.Errorf("%s: %d %s, want 200 %s", target, code, body, want)
		}
	}
	// The first cycle failed: nothing to show, and why.
	src.snap = &evaluator.Snapshot{Error: "store: timeout", Cycles: 1, FailedCycles: 1}
	code, _, body := get(t, src, "/api/v1/slos")
	want = `{"status":"success","data":[],"evaluated_at":null,"problems":[],"warnings":["last evaluation failed: store: timeout; no evaluation has succeeded yet"]}` + "\n"
	if code != http.StatusOK || body != want {
		t.Errorf("%d %s, want 200 %s", code, body, want)
	}
}

func TestBadRequests(t *testing.T) {
	for target, want := range map[string]string{
		"/api/v1/slos?tenant=a&tenant=b":           `query parameter \"tenant\" given 2 times; give it once`,
		"/api/v1/slos?tenant=":                     `query parameter \"tenant\" is empty; leave it out for every tenant`,
		"/api/v1/slos/checkout/fast?tenant":        `query parameter \"tenant\" is empty; leave it out for every tenant`,
		"/api/v1/slos?tennant=acme":                `unknown query parameter \"tennant\"; the only one is \"tenant\"`,
		"/api/v1/slos/checkout-availability?x=1":   `unknown query parameter \"x\"; the only one is \"tenant\"`,
		"/api/v1/slos?tenant=%zz":                  `malformed query: invalid URL escape \"%zz\"`,
		"/api/v1/slos/nope?tenant=a&tenant=b":      `query parameter \"tenant\" given 2 times; give it once`,
		"/api/v1/slos/search-latency?tenant=&b=1":  `unknown query parameter \"b\"; the only one is \"tenant\"`,
		"/api/v1/slos/search-latency?a=1&tenant=x": `unknown query parameter \"a\"; the only one is \"tenant\"`,
	} {
		code, _, body := get(t, source(), target)
		if code != http.StatusBadRequest || body != `{"status":"error","error":"`+want+`"}`+"\n" {
			t.Errorf("%s: %d %s, want 400 %s", target, code, body, want)
		}
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	for _, target := range []string{"/api/v1/", "/api/v1/slo", "/api/v1/slosx", "/api/v2/slos", "/", "/metrics"} {
		code, _, body := get(t, source(), target)
		want := `{"status":"error","error":"no API endpoint at ` + strings.SplitN(target, "?", 2)[0] + `; see /api/v1/slos"}` + "\n"
		if code != http.StatusNotFound || body != want {
			t.Errorf("GET %s: %d %s, want 404 %s", target, code, body, want)
		}
	}
	for _, target := range []string{"/api/v1/slos", "/api/v1/slos/checkout/fast"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			code, h, body := do(t, source(), method, target)
			want := `{"status":"error","error":"method ` + method + ` not allowed: the API is read-only (GET)"}` + "\n"
			if code != http.StatusMethodNotAllowed || h.Get("Allow") != "GET, HEAD" || body != want {
				t.Errorf("%s %s: %d Allow %q %s", method, target, code, h.Get("Allow"), body)
			}
		}
	}
	code, h, body := do(t, source(), http.MethodHead, "/api/v1/slos")
	if code != http.StatusOK || h.Get("Content-Length") == "" {
		t.Errorf("HEAD: %d %v %q", code, h, body)
	}
}

// Results decode back into evaluator.Result: the CLI and Go clients read
// the API with the same types.
func TestResponseRoundTrips(t *testing.T) {
	src := source()
	_, _, body := get(t, src, "/api/v1/slos")
	r := decode(t, body)
	if len(r.Data) != len(src.snap.Results) {
		t.Fatalf("%d entries", len(r.Data))
	}
	for i, got := range r.Data {
		want := src.snap.Results[i]
		if got.BurnRates != want.BurnRates || got.WindowEvents != want.WindowEvents || got.SLI != want.SLI || got.Window.Period != want.Window.Period || !got.EvaluatedAt.Equal(want.EvaluatedAt) {
			t.Errorf("entry %d: got %+v, want %+v", i, got, want)
		}
	}
	if r.EvaluatedAt == nil || !r.EvaluatedAt.Equal(t0) {
		t.Errorf("evaluated_at %v", r.EvaluatedAt)
	}
}
