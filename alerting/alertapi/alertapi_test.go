package alertapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/alertapi"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/alerting/manager"
	"github.com/slopipe/slopipe/alerting/notify/notifytest"
	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "alertapi")) }

func openStore(t *testing.T) store.Store { return storetest.Open(t) }

// start is a Monday morning, the week before Black Friday 2026.
var start = time.Date(2026, 11, 23, 8, 0, 30, 0, time.UTC)

const thirtyDays = 30 * 24 * time.Hour

// server is the API over a real manager and store on a fake clock.
type server struct {
	t     *testing.T
	ctx   context.Context
	st    store.Store
	clock *notifytest.Clock
	opts  manager.Options
	m     *manager.Manager
	url   string
}

func newServer(t *testing.T, gate alerting.GatePolicy) *server {
	t.Helper()
	s := &server{t: t, ctx: context.Background(), st: openStore(t), clock: notifytest.NewClock(start)}
	s.opts = manager.Options{Store: s.st, Clock: s.clock, Policy: alerting.DefaultPolicyConfig(), Gate: gate}
	s.m = s.boot()
	mux := http.NewServeMux()
	alertapi.Register(mux.Handle, s.m)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// boot starts a manager over the server's store, as a restarted daemon
// does.
func (s *server) boot() *manager.Manager {
	s.t.Helper()
	m, err := manager.New(s.opts)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := m.Start(s.ctx); err != nil {
		s.t.Fatal(err)
	}
	return m
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *server) do(method, path, body string) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		s.t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// envelope is the Prometheus API's answer shape.
type envelope struct {
	Status string          `json:"status"`
	Data   json.RawMessage `json:"data"`
	Error  string          `json:"error"`
}

// data checks a success envelope with status 200 and decodes its data.
func (s *server) data(r response, into any) {
	s.t.Helper()
	var e envelope
	if err := json.Unmarshal(r.body, &e); err != nil {
		s.t.Fatalf("answer %s: %v", r.body, err)
	}
	if r.status != http.StatusOK || e.Status != "success" || e.Error != "" {
		s.t.Fatalf("answer %d %s, want 200 and status success", r.status, r.body)
	}
	if err := json.Unmarshal(e.Data, into); err != nil {
		s.t.Fatalf("data %s: %v", e.Data, err)
	}
}

// apiError checks an error envelope with status and returns its message.
func (s *server) apiError(r response, status int) string {
	s.t.Helper()
	var e envelope
	if err := json.Unmarshal(r.body, &e); err != nil {
		s.t.Fatalf("answer %s: %v", r.body, err)
	}
	if r.status != status || e.Status != "error" || e.Error == "" || e.Data != nil {
		s.t.Fatalf("answer %d %s, want %d with status error and a message", r.status, r.body, status)
	}
	return e.Error
}

// silenceBody is a valid silence muting acme for two hours from now;
// edit changes it.
func silenceBody(edit func(map[string]any)) string {
	s := map[string]any{
		"matchers":  []map[string]any{{"name": "tenant", "value": "acme", "isRegex": false}},
		"startsAt":  start.Add(-time.Minute), // starts now
		"endsAt":    start.Add(2 * time.Hour),
		"createdBy": "oncall@example.com",
		"comment":   "database upgrade, INC-1234",
	}
	if edit != nil {
		edit(s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// listedSilence is a silence as the API answers it.
type listedSilence struct {
	ID       string `json:"id"`
	Matchers []struct {
		Name    string `json:"name"`
		Value   string `json:"value"`
		IsRegex bool   `json:"isRegex"`
	} `json:"matchers"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment"`
	UpdatedAt time.Time `json:"updatedAt"`
	Status    struct {
		State string `json:"state"`
	} `json:"status"`
}

var uuid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func (s *server) addSilence(body string) string {
	s.t.Helper()
	var added struct {
		SilenceID string `json:"silenceID"`
	}
	s.data(s.do(http.MethodPost, "/api/v1/silences", body), &added)
	if !uuid.MatchString(added.SilenceID) {
		s.t.Fatalf("silence ID %q is not a UUID", added.SilenceID)
	}
	return added.SilenceID
}

func (s *server) listSilences() map[string]listedSilence {
	s.t.Helper()
	var list []listedSilence
	s.data(s.do(http.MethodGet, "/api/v1/silences", ""), &list)
	out := make(map[string]listedSilence, len(list))
	for _, l := range list {
		out[l.ID] = l
	}
	if len(out) != len(list) {
		s.t.Fatalf("silences listed twice: %+v", list)
	}
	return out
}

func (s *server) getSilence(id string) listedSilence {
	s.t.Helper()
	var got listedSilence
	s.data(s.do(http.MethodGet, "/api/v1/silences/"+id, ""), &got)
	if got.ID != id {
		s.t.Fatalf("GET silence %s answered %s", id, got.ID)
	}
	return got
}

func TestSilenceLifecycle(t *testing.T) {
	s := newServer(t, alerting.GatePolicy{})
	var empty []listedSilence
	s.data(s.do(http.MethodGet, "/api/v1/silences", ""), &empty)
	if empty == nil || len(empty) != 0 {
		t.Fatalf("silences before any: %v, want []", empty)
	}

	active := s.addSilence(silenceBody(nil))
	pending := s.addSilence(silenceBody(func(m map[string]any) {
		m["startsAt"], m["endsAt"] = start.Add(time.Hour), start.Add(3*time.Hour)
	}))
	ending := s.addSilence(silenceBody(func(m map[string]any) { m["endsAt"] = start.Add(10 * time.Minute) }))

	got := s.getSilence(active)
	if got.Status.State != "active" || !got.StartsAt.Equal(start) || !got.EndsAt.Equal(start.Add(2*time.Hour)) ||
		got.CreatedBy != "oncall@example.com" || got.Comment != "database upgrade, INC-1234" || !got.UpdatedAt.Equal(start) ||
		len(got.Matchers) != 1 || got.Matchers[0].Name != "tenant" || got.Matchers[0].Value != "acme" || got.Matchers[0].IsRegex {
		t.Errorf("GET %s: %+v, want the silence as posted, started now (a start in the past)", active, got)
	}

	s.clock.Advance(20 * time.Minute)
	list := s.listSilences()
	for id, want := range map[string]string{active: "active", pending: "pending", ending: "expired"} {
		if got := list[id].Status.State; got != want {
			t.Errorf("silence %s listed as %q, want %q", id, got, want)
		}
	}
	if len(list) != 3 {
		t.Errorf("listed %d silences, want 3", len(list))
	}

	// DELETE expires, for active and pending silences alike.
	for _, id := range []string{active, pending} {
		var expired struct {
			SilenceID string `json:"silenceID"`
		}
		s.data(s.do(http.MethodDelete, "/api/v1/silences/"+id, ""), &expired)
		if expired.SilenceID != id {
			t.Errorf("DELETE %s answered %s", id, expired.SilenceID)
		}
		if got := s.getSilence(id); got.Status.State != "expired" || !got.EndsAt.Equal(s.clock.Now()) {
			t.Errorf("after DELETE %s: %+v, want expired now", id, got)
		}
	}
	if got := s.listSilences(); len(got) != 3 || got[active].Status.State != "expired" || got[pending].Status.State != "expired" {
		t.Errorf("after DELETE the list is %+v, want all three, expired", got)
	}
	// Expiring an expired silence again is not an error.
	s.data(s.do(http.MethodDelete, "/api/v1/silences/"+ending, ""), &struct{}{})

	// Expired silences are kept in the store: a restart lists them, still
	// expired, and muting nothing.
	s.m = s.boot()
	for _, id := range []string{active, pending, ending} {
		got := s.m.Silences().Get(id)
		if got == nil || got.State(s.clock.Now()) != "expired" {
			t.Errorf("after a restart silence %s is %+v, want expired", id, got)
		}
	}
	if muting := s.m.Silences().Muting(model.LabelSet{"tenant": "acme"}, s.clock.Now()); len(muting) != 0 {
		t.Errorf("after a restart %v mute acme", muting)
	}
}

func TestSilenceUnknownIDIsNotFound(t *testing.T) {
	s := newServer(t, alerting.GatePolicy{})
	const id = "0b6fdc2c-1f8b-4c57-8a3c-6f2d5d1a9e11"
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		msg := s.apiError(s.do(method, "/api/v1/silences/"+id, ""), http.StatusNotFound)
		if !strings.Contains(msg, id) {
			t.Errorf("%s unknown silence: %q does not name the ID", method, msg)
		}
	}
}

func TestSilenceUpdateKeepsItsID(t *testing.T) {
	s := newServer(t, alerting.GatePolicy{})
	id := s.addSilence(silenceBody(nil))
	s.clock.Advance(5 * time.Minute)
	updated := s.addSilence(silenceBody(func(m map[string]any) {
		m["id"], m["endsAt"], m["comment"] = id, start.Add(4*time.Hour), "upgrade takes longer"
	}))
	if updated != id {
		t.Fatalf("update answered silence %s, want %s", updated, id)
	}
	got := s.getSilence(id)
	if got.Comment != "upgrade takes longer" || !got.EndsAt.Equal(start.Add(4*time.Hour)) || !got.UpdatedAt.Equal(s.clock.Now()) {
		t.Errorf("updated silence %+v", got)
	}
	if list := s.listSilences(); len(list) != 1 {
		t.Errorf("after an update %d silences are listed, want 1", len(list))
	}
	// The update is in the store, not only in memory.
	s.m = s.boot()
	if got := s.m.Silences().Get(id); got == nil || got.Comment != "upgrade takes longer" {
		t.Errorf("after a restart silence %s is %+v, want the update", id, got)
	}
}

// Each bad request is refused with a message that names what is wrong,
// and changes nothing already accepted.
func TestSilenceBadRequests(t *testing.T) {
	s := newServer(t, alerting.GatePolicy{})
	id := s.addSilence(silenceBody(nil))
	before := s.listSilences()

	for _, tc := range []struct {
		name, body, want string
	}{
		{"malformed JSON", `{"matchers": [{"name": "tenant"`, "not valid JSON"},
		{"not JSON at all", `tenant=acme`, "not valid JSON"},
		{"empty body", ``, "empty"},
		{"two values", silenceBody(nil) + silenceBody(nil), "after the silence"},
		{"wrong type", silenceBody(func(m map[string]any) { m["matchers"] = "tenant=acme" }), "matchers"},
		{"unknown field", silenceBody(func(m map[string]any) { m["status"] = map[string]string{"state": "active"} }), `unknown field "status"`},
		{"no matchers", silenceBody(func(m map[string]any) { m["matchers"] = []any{} }), "matchers: at least one"},
		{"matchers missing", silenceBody(func(m map[string]any) { delete(m, "matchers") }), "matchers: at least one"},
		{"bad label name", silenceBody(func(m map[string]any) {
			m["matchers"] = []map[string]any{{"name": "", "value": "acme"}}
		}), "matchers[0].name"},
		{"bad regex", silenceBody(func(m map[string]any) {
			m["matchers"] = []map[string]any{{"name": "tenant", "value": "acme"}, {"name": "slo", "value": "checkout-(", "isRegex": true}}
		}), "matchers[1].value"},
		{"endsAt before startsAt", silenceBody(func(m map[string]any) {
			m["startsAt"], m["endsAt"] = start.Add(2*time.Hour), start.Add(time.Hour)
		}), "endsAt: must be after startsAt"},
		{"endsAt in the past", silenceBody(func(m map[string]any) { m["endsAt"] = start.Add(-time.Minute) }), "endsAt"},
		{"endsAt missing", silenceBody(func(m map[string]any) { delete(m, "endsAt") }), "endsAt: missing"},
		{"createdBy missing", silenceBody(func(m map[string]any) { delete(m, "createdBy") }), "createdBy: missing"},
		{"comment missing", silenceBody(func(m map[string]any) { m["comment"] = "" }), "comment: missing"},
		{"matchers all match the empty string", silenceBody(func(m map[string]any) {
			m["matchers"] = []map[string]any{{"name": "tenant", "value": ".*", "isRegex": true}, {"name": "slo", "value": "", "isRegex": false}}
		}), "would mute every alert"},
		{"unknown id", silenceBody(func(m map[string]any) { m["id"] = "0b6fdc2c-1f8b-4c57-8a3c-6f2d5d1a9e11" }), `id: no silence "0b6fdc2c-1f8b-4c57-8a3c-6f2d5d1a9e11"`},
		{"update of an existing silence made invalid", silenceBody(func(m map[string]any) {
			m["id"], m["comment"], m["createdBy"] = id, "changed", ""
		}), "createdBy: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.t = t
			msg := s.apiError(s.do(http.MethodPost, "/api/v1/silences", tc.body), http.StatusBadRequest)
			if !strings.HasPrefix(msg, "silence: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want it to start with silence: and name %q", msg, tc.want)
			}
		})
	}
	s.t = t
	after := s.listSilences()
	if len(after) != len(before) || after[id].Comment != before[id].Comment || after[id].CreatedBy != before[id].CreatedBy ||
		!after[id].EndsAt.Equal(before[id].EndsAt) || after[id].Status.State != "active" {
		t.Errorf("after bad requests the silences are %+v, want %+v", after, before)
	}
}

// result is one SLO×tenant of an evaluation at now, burning at burn over
// every window.
func result(sloName, service, tenant string, budget, burn float64, now time.Time) evaluator.Result {
	r := evaluator.Result{
		SLO: sloName, Service: service, Tenant: tenant, Objective: 0.999,
		SLI: slo.Value{V: 1 - burn*0.001, Known: true}, BudgetRemaining: slo.Value{V: budget, Known: true},
		PeriodBurnRate: slo.Value{V: 1 - budget, Known: true}, Good: 999_000, Total: 1_000_000,
		Window:          evaluator.Window{Period: "30d", From: now.Add(-thirtyDays), To: now},
		BudgetingMethod: "Occurrences", EvaluatedAt: now,
	}
	for i, w := range slo.BurnWindows {
		r.BurnRates[i] = slo.Value{V: burn, Known: true}
		r.WindowEvents[i] = w.Length.Minutes() * 200
	}
	return r
}

func spec(name, service string) *slo.SLO {
	return &slo.SLO{Name: name, Service: service, Objective: 0.999, Method: slo.Occurrences,
		Window: slo.RollingWindow(thirtyDays), Indicator: slo.Indicator{Spans: &slo.SpanSource{}}}
}

// evaluated hands the manager an evaluation of results at now.
func (s *server) evaluated(results ...evaluator.Result) {
	s.t.Helper()
	snap := &evaluator.Snapshot{EvaluatedAt: s.clock.Now(), Results: results, SLOs: map[string]*slo.SLO{}}
	for _, r := range results {
		snap.SLOs[r.SLO] = spec(r.SLO, r.Service)
	}
	if err := s.m.Evaluated(s.ctx, snap); err != nil {
		s.t.Fatal(err)
	}
}

func (s *server) gate(query string) (int, alerting.GateDecision) {
	s.t.Helper()
	r := s.do(http.MethodGet, "/api/v1/deploy-gate"+query, "")
	var d alerting.GateDecision
	if err := json.Unmarshal(r.body, &d); err != nil {
		s.t.Fatalf("deploy gate %s: %s: %v", query, r.body, err)
	}
	return r.status, d
}

func TestDeployGate(t *testing.T) {
	s := newServer(t, alerting.GatePolicy{MinBudgetRemaining: 0.1, Services: map[string]float64{"search": 0.5}})

	r := s.do(http.MethodGet, "/api/v1/deploy-gate?service=checkout", "")
	if msg := s.apiError(r, http.StatusServiceUnavailable); !strings.Contains(msg, "no SLO evaluation") {
		t.Errorf("before the first evaluation: %q", msg)
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("before the first evaluation: no Retry-After")
	}
	for _, query := range []string{"", "?tenant=acme", "?service=%20"} {
		if msg := s.apiError(s.do(http.MethodGet, "/api/v1/deploy-gate"+query, ""), http.StatusBadRequest); !strings.HasPrefix(msg, "service:") {
			t.Errorf("deploy gate %q: %q does not name the service parameter", query, msg)
		}
	}

	now := s.clock.Now()
	s.evaluated(
		result("checkout-availability", "checkout", "acme", 0.05, 2, now),
		result("checkout-availability", "checkout", "beta", 0.8, 0.5, now),
		result("checkout-latency", "checkout", "beta", 0.9, 0.5, now),
		result("search-availability", "search", "acme", 0.4, 1, now),
	)

	status, d := s.gate("?service=checkout")
	if status != http.StatusLocked || d.Allowed || d.Service != "checkout" || d.Tenant != "" || len(d.Reasons) != 1 ||
		!strings.Contains(d.Reasons[0], `"checkout-availability"`) || !strings.Contains(d.Reasons[0], `"acme"`) || len(d.SLOs) != 3 {
		t.Errorf("checkout: %d %+v, want 423 for acme's spent budget over its three SLO×tenants", status, d)
	}
	if len(d.SLOs) == 3 && (d.SLOs[0].SLO != "checkout-availability" || d.SLOs[0].Tenant != "acme" ||
		d.SLOs[0].BudgetRemaining == nil || *d.SLOs[0].BudgetRemaining != 0.05 || d.SLOs[0].Threshold != 0.1) {
		t.Errorf("checkout's first SLO %+v", d.SLOs[0])
	}

	status, d = s.gate("?service=checkout&tenant=beta")
	if status != http.StatusOK || !d.Allowed || d.Tenant != "beta" || len(d.Reasons) != 0 || len(d.SLOs) != 2 {
		t.Errorf("checkout for beta: %d %+v, want 200 over beta's two SLOs", status, d)
	}
	status, d = s.gate("?service=checkout&tenant=acme")
	if status != http.StatusLocked || d.Allowed || len(d.SLOs) != 1 {
		t.Errorf("checkout for acme: %d %+v, want 423", status, d)
	}
	// search's own threshold is 0.5: 40 % left blocks it.
	status, d = s.gate("?service=search")
	if status != http.StatusLocked || len(d.Reasons) != 1 || d.SLOs[0].Threshold != 0.5 {
		t.Errorf("search: %d %+v, want 423 at its own threshold", status, d)
	}
	// A service without SLOs has nothing to block it.
	status, d = s.gate("?service=billing")
	if status != http.StatusOK || !d.Allowed || d.SLOs == nil || len(d.SLOs) != 0 {
		t.Errorf("billing: %d %+v, want 200 with no SLOs", status, d)
	}
}

// freezeConfig freezes deploys from Black Friday to Cyber Monday 2026.
const freezeConfig = `
route:
  receiver: none
receivers:
  - name: none
time_intervals:
  - name: black-friday-freeze
    time_intervals:
      - years: ['2026']
        months: [november]
        days_of_month: ['23:30']
        location: Europe/Paris
`

func TestDeployGateFreeze(t *testing.T) {
	s := newServer(t, alerting.GatePolicy{FreezeTimeIntervals: []string{"black-friday-freeze"}})
	cfg, err := amconfig.Parse([]byte(freezeConfig), "alerting.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.m.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	s.evaluated(result("checkout-availability", "checkout", "acme", 0.95, 0.2, s.clock.Now()))

	status, d := s.gate("?service=checkout")
	if status != http.StatusLocked || d.Allowed || len(d.Reasons) != 1 || d.Reasons[0] != `freeze "black-friday-freeze" is active: no deploys` {
		t.Errorf("during the freeze: %d %+v, want 423 with the freeze as the reason", status, d)
	}
	s.clock.Advance(8 * 24 * time.Hour) // 1 December
	if status, d = s.gate("?service=checkout"); status != http.StatusOK || !d.Allowed {
		t.Errorf("after the freeze: %d %+v, want 200", status, d)
	}

	// A configuration without the freeze interval is refused, and the last
	// good one keeps the gate working.
	noFreeze, err := amconfig.Parse([]byte("route:\n  receiver: none\nreceivers:\n  - name: none\n"), "alerting.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.m.SetConfig(noFreeze); err == nil || !strings.Contains(err.Error(), "freeze_time_intervals") {
		t.Errorf("a configuration without the freeze interval: %v", err)
	}
	if status, _ = s.gate("?service=checkout"); status != http.StatusOK {
		t.Errorf("after a refused configuration the gate answers %d", status)
	}
}

// listedAlert is an alert as GET /api/v1/alerts answers it.
type listedAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      *time.Time        `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
	State       string            `json:"state"`
	SilencedBy  []string          `json:"silencedBy"`
}

func (s *server) alerts() []listedAlert {
	s.t.Helper()
	var out []listedAlert
	s.data(s.do(http.MethodGet, "/api/v1/alerts", ""), &out)
	if out == nil {
		s.t.Fatal("alerts: null, want a list")
	}
	return out
}

func TestAlerts(t *testing.T) {
	s := newServer(t, alerting.GatePolicy{})
	if got := s.alerts(); len(got) != 0 {
		t.Fatalf("alerts before any evaluation: %+v", got)
	}

	// acme burns at 20× over every window up to 2h, 8× over 6h: both page
	// pairs of a 30-day SLO (14.4× over 1h and 5m, 6× over 6h and 30m)
	// hold, neither ticket pair (3× over 1d, 1× over 3d) does. beta is
	// quiet.
	now := s.clock.Now()
	burning := result("checkout-availability", "checkout", "acme", 0.7, 20, now)
	for i, v := range []float64{20, 20, 20, 20, 8, 2, 0.5} {
		burning.BurnRates[i] = slo.Value{V: v, Known: true}
	}
	quiet := result("checkout-availability", "checkout", "beta", 0.99, 0.1, now)
	s.evaluated(burning, quiet)

	got := s.alerts()
	if len(got) != 1 {
		t.Fatalf("alerts %+v, want acme's page", got)
	}
	a := got[0]
	for name, want := range map[string]string{"alertname": "SLOErrorBudgetBurn", "slo": "checkout-availability",
		"tenant": "acme", "severity": "page", "service": "checkout"} {
		if a.Labels[name] != want {
			t.Errorf("label %s = %q, want %q (labels %v)", name, a.Labels[name], want, a.Labels)
		}
	}
	if a.State != "firing" || !a.StartsAt.Equal(now) || a.EndsAt != nil || a.Fingerprint == "" ||
		a.SilencedBy == nil || len(a.SilencedBy) != 0 || a.Annotations["burn_window"] != "1h/5m,6h/30m" || a.Annotations["summary"] == "" {
		t.Errorf("alert %+v", a)
	}

	// A silence on acme shows on the alert.
	id := s.addSilence(silenceBody(nil))
	if got := s.alerts(); len(got) != 1 || len(got[0].SilencedBy) != 1 || got[0].SilencedBy[0] != id {
		t.Errorf("with silence %s: %+v", id, got)
	}

	// The burn stops: the alert is listed as resolved, with its start kept.
	s.clock.Advance(time.Minute)
	quietAcme := result("checkout-availability", "checkout", "acme", 0.7, 0.1, s.clock.Now())
	s.evaluated(quietAcme, quiet)
	got = s.alerts()
	if len(got) != 1 || got[0].State != "resolved" || got[0].EndsAt == nil || !got[0].EndsAt.Equal(s.clock.Now()) ||
		!got[0].StartsAt.Equal(now) || got[0].Fingerprint != a.Fingerprint {
		t.Errorf("after the burn stopped: %+v, want the page resolved now", got)
	}
}
