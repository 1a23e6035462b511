package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
	"github.com/slopipe/slopipe/slo/sloapi"
)

// sloStatusBody is a daemon's answer: a healthy SLO, an overspent one, an
// OpenSLO objective (named with a slash) on a calendar month with no events
// lately, and one without any events in its period.
const sloStatusBody = `{"status":"success","data":[` +
	`{"slo":"checkout-availability","service":"checkout","tenant":"acme","objective":0.999,"sli":0.99987309,"budget_remaining":0.8730900000000001,` +
	`"burn_rates":{"5m":0,"30m":0.25,"1h":1.25,"2h":0.5,"6h":0.126,"1d":0.1,"3d":0.12699},"period_burn_rate":0.12691,` +
	`"good":1418290,"total":1418470,"window":{"period":"30d","from":"2026-01-30T12:00:00Z","to":"2026-03-01T12:00:00Z"},"budgeting_method":"Occurrences","evaluated_at":"2026-03-01T12:00:00Z"},` +
	`{"slo":"checkout-availability","service":"checkout","tenant":"globex","objective":0.999,"sli":0.9975,"budget_remaining":-1.5,` +
	`"burn_rates":{"5m":14.4,"30m":6,"1h":3,"2h":2.5,"6h":2.5,"1d":2.5,"3d":2.5},"period_burn_rate":2.5,` +
	`"good":3990,"total":4000,"window":{"period":"30d","from":"2026-01-30T12:00:00Z","to":"2026-03-01T12:00:00Z"},"budgeting_method":"Occurrences","evaluated_at":"2026-03-01T12:00:00Z"},` +
	`{"slo":"checkout/fast","service":"checkout","tenant":"acme","objective":0.9995,"sli":0.9999999,"budget_remaining":0.9998,` +
	`"burn_rates":{"5m":null,"30m":null,"1h":null,"2h":0,"6h":0.0002,"1d":0.0002,"3d":0.0002},"period_burn_rate":0.0002,` +
	`"good":10234.5,"total":10234.75,"window":{"period":"1M calendar Europe/Paris","from":"2026-03-01T00:00:00+01:00","to":"2026-03-01T12:00:00Z"},"budgeting_method":"Occurrences","evaluated_at":"2026-03-01T12:00:00Z"},` +
	`{"slo":"search-latency","service":"search","tenant":"acme","objective":0.99,"sli":null,"budget_remaining":null,` +
	`"burn_rates":{"5m":null,"30m":null,"1h":null,"2h":null,"6h":null,"1d":null,"3d":null},"period_burn_rate":null,` +
	`"good":0,"total":0,"window":{"period":"28d","from":"2026-02-01T12:00:00Z","to":"2026-03-01T12:00:00Z"},"budgeting_method":"Timeslices","evaluated_at":"2026-03-01T12:00:00Z"}` +
	`],"evaluated_at":"2026-03-01T12:00:00Z",` +
	`"problems":[{"file":"slos/payments.yaml","line":9,"slo":"payments","field":"spec.objectives.0.target","message":"1.5 is not a ratio in (0, 1)"},` +
	`{"file":"slos/notes.yaml","line":0,"slo":"","field":"","message":"no SLO in the file"}],` +
	`"warnings":["last evaluation failed: store: connection refused; results are from 2026-03-01T12:00:00Z"]}` + "\n"

const sloStatusTable = `SLO                    TENANT  OBJECTIVE  SLI        BUDGET LEFT  5m     30m   1h    2h    6h    1d    3d    GOOD      TOTAL     WINDOW
checkout-availability  acme    99.9%      99.9873%   87.31%       0.00   0.25  1.25  0.50  0.13  0.10  0.13  1418290   1418470   30d
checkout-availability  globex  99.9%      99.7500%   -150.00%     14.40  6.00  3.00  2.50  2.50  2.50  2.50  3990      4000      30d
checkout/fast          acme    99.95%     99.99999%  99.98%       -      -     -     0.00  0.00  0.00  0.00  10234.50  10234.75  1M calendar Europe/Paris
search-latency         acme    99%        -          -            -      -     -     -     -     -     -     0         0         28d
`

const sloStatusStderr = `slos/payments.yaml:9: slo "payments": spec.objectives.0.target: 1.5 is not a ratio in (0, 1)
slos/notes.yaml: no SLO in the file
warning: last evaluation failed: store: connection refused; results are from 2026-03-01T12:00:00Z
`

// sloStatusAPI serves body with code on /api/v1/slos and records the
// queries it was asked.
type sloStatusAPI struct {
	*httptest.Server
	mu      sync.Mutex
	queries []string
}

func newSLOStatusAPI(t *testing.T, code int, body string) *sloStatusAPI {
	a := &sloStatusAPI{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/api/v1/slos" {
			t.Errorf("asked %s %s", r.Method, r.URL)
		}
		a.mu.Lock()
		a.queries = append(a.queries, r.URL.RawQuery)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write([]byte(body))
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *sloStatusAPI) addr() string { return strings.TrimPrefix(a.URL, "http://") }

func (a *sloStatusAPI) asked() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.queries...)
}

// sloStatus runs `slopipe slo status args…` as a user would, with
// SLOPIPE_API_ADDR set to env (unset when "").
func sloStatus(t *testing.T, env string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"slo", "status"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SLOPIPE_API_ADDR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "SLOPIPE_TEST_AS_DAEMON=1")
	if env != "" {
		cmd.Env = append(cmd.Env, "SLOPIPE_API_ADDR="+env)
	}
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func TestSLOStatusPrintsTheTable(t *testing.T) {
	api := newSLOStatusAPI(t, http.StatusOK, sloStatusBody)
	stdout, stderr, err := sloStatus(t, "", "--api", api.addr())
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if stdout != sloStatusTable {
		t.Errorf("stdout\n%s\nwant\n%s", stdout, sloStatusTable)
	}
	if stderr != sloStatusStderr {
		t.Errorf("stderr\n%s\nwant\n%s", stderr, sloStatusStderr)
	}
	if q := api.asked(); len(q) != 1 || q[0] != "" {
		t.Errorf("queries %q, want one without a tenant", q)
	}
}

// --tenant reaches the API as its query parameter; the address comes from
// SLOPIPE_API_ADDR, or --api as a URL.
func TestSLOStatusTenant(t *testing.T) {
	api := newSLOStatusAPI(t, http.StatusOK, `{"status":"success","data":[],"evaluated_at":null,"problems":[],"warnings":["no evaluation yet"]}`)
	stdout, stderr, err := sloStatus(t, api.addr(), "--tenant", "acme corp/eu")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if want := "no SLO results for tenant \"acme corp/eu\"\nwarning: no evaluation yet\n"; stdout != "" || stderr != want {
		t.Errorf("stdout %q, stderr %q, want %q", stdout, stderr, want)
	}
	if _, stderr, err = sloStatus(t, "", "--api", api.URL+"/", "--tenant=globex"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if q, want := api.asked(), []string{"tenant=acme+corp%2Feu", "tenant=globex"}; strings.Join(q, " ") != strings.Join(want, " ") {
		t.Errorf("queries %q, want %q", q, want)
	}
	_, stderr, err = sloStatus(t, api.addr(), "--tenant=")
	if err == nil || stderr != "slopipe: --tenant is empty; leave it out for every tenant\n" {
		t.Errorf("empty --tenant: %v %q", err, stderr)
	}
}

func TestSLOStatusJSONIsTheRawBody(t *testing.T) {
	api := newSLOStatusAPI(t, http.StatusOK, sloStatusBody)
	stdout, stderr, err := sloStatus(t, "", "--api", api.addr(), "--json", "--tenant", "acme")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if stdout != sloStatusBody || stderr != "" {
		t.Errorf("stdout\n%s\nstderr %q", stdout, stderr)
	}
	if q := api.asked(); len(q) != 1 || q[0] != "tenant=acme" {
		t.Errorf("queries %q", q)
	}
}

func TestSLOStatusUnreachableDaemon(t *testing.T) {
	addr := freeAddr(t) // nothing listens there
	stdout, stderr, err := sloStatus(t, addr)
	want := "slopipe: cannot reach the slopipe API at " + addr + ": dial tcp " + addr +
		": connect: connection refused; is the daemon running? set --api or SLOPIPE_API_ADDR\n"
	if err == nil || stdout != "" || stderr != want {
		t.Errorf("err %v, stdout %q\nstderr %q\nwant   %q", err, stdout, stderr, want)
	}
}

func TestSLOStatusNon200(t *testing.T) {
	api := newSLOStatusAPI(t, http.StatusBadRequest, `{"status":"error","error":"query parameter \"tenant\" given 2 times; give it once"}`)
	_, stderr, err := sloStatus(t, "", "--api", api.addr())
	want := "slopipe: the slopipe API at " + api.addr() + " answered 400 Bad Request: query parameter \"tenant\" given 2 times; give it once\n"
	if err == nil || stderr != want {
		t.Errorf("err %v\nstderr %q\nwant   %q", err, stderr, want)
	}

	// Something else listens there.
	other := newSLOStatusAPI(t, http.StatusNotFound, "404 page not found\n")
	_, stderr, err = sloStatus(t, "", "--api", other.addr(), "--json")
	want = "slopipe: " + other.addr() + " answered GET /api/v1/slos with 404 Not Found and no slopipe API error; is it the slopipe API?\n"
	if err == nil || stderr != want {
		t.Errorf("err %v\nstderr %q\nwant   %q", err, stderr, want)
	}
}

// fakeEvaluator is an evaluator's snapshot for the real API handler.
type fakeEvaluator struct{ snap *evaluator.Snapshot }

func (f fakeEvaluator) Snapshot() *evaluator.Snapshot { return f.snap }
func (f fakeEvaluator) SLONames() []string            { return []string{"checkout/fast"} }

// The table reads what package sloapi writes, not only the fixture above.
func TestSLOStatusReadsTheAPI(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	res := evaluator.Result{
		SLO: "checkout/fast", Service: "checkout", Tenant: "acme", Objective: 0.995,
		SLI: slo.Value{V: 0.99, Known: true}, BudgetRemaining: slo.Value{V: -1, Known: true},
		Good: 99, Total: 100, Window: evaluator.Window{Period: "7d", From: at.Add(-7 * 24 * time.Hour), To: at},
		BudgetingMethod: "Occurrences", EvaluatedAt: at,
	}
	res.BurnRates[len(res.BurnRates)-1] = slo.Value{V: 2, Known: true}
	srv := httptest.NewServer(sloapi.New(fakeEvaluator{&evaluator.Snapshot{EvaluatedAt: at, Results: []evaluator.Result{res}}}))
	defer srv.Close()
	stdout, stderr, err := sloStatus(t, strings.TrimPrefix(srv.URL, "http://"), "--tenant", "acme")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	want := `SLO            TENANT  OBJECTIVE  SLI       BUDGET LEFT  5m  30m  1h  2h  6h  1d  3d    GOOD  TOTAL  WINDOW
checkout/fast  acme    99.5%      99.0000%  -100.00%     -   -    -   -   -   -   2.00  99    100    7d
`
	if stdout != want || stderr != "" {
		t.Errorf("stdout\n%s\nwant\n%s\nstderr %q", stdout, want, stderr)
	}
}
