package manager_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"

	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/alerting/manager"
	"github.com/slopipe/slopipe/alerting/notify"
	"github.com/slopipe/slopipe/alerting/notify/notifytest"
	"github.com/slopipe/slopipe/alerting/pipeline"
	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "alerting")) }

func openStore(t *testing.T) store.Store { return storetest.Open(t) }

// pdEvent is a request PagerDuty received, with when it arrived.
type pdEvent struct {
	At         time.Time
	RoutingKey string `json:"routing_key"`
	Action     string `json:"event_action"`
	DedupKey   string `json:"dedup_key"`
	Payload    struct {
		Summary  string         `json:"summary"`
		Severity string         `json:"severity"`
		Source   string         `json:"source"`
		Details  map[string]any `json:"custom_details"`
	} `json:"payload"`
	Links []struct {
		Href string `json:"href"`
		Text string `json:"text"`
	} `json:"links"`
}

// fakePagerDuty stands in for the Events API v2: it records every request
// and answers with the statuses queued, then 202.
type fakePagerDuty struct {
	t      *testing.T
	clock  *notifytest.Clock
	server *httptest.Server
	mu     sync.Mutex
	events []pdEvent
	answer []pdAnswer
}

type pdAnswer struct {
	status     int
	retryAfter string
}

func newFakePagerDuty(t *testing.T, clock *notifytest.Clock) *fakePagerDuty {
	f := &fakePagerDuty{t: t, clock: clock}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/enqueue" || r.Method != http.MethodPost {
			t.Errorf("PagerDuty got %s %s", r.Method, r.URL.Path)
		}
		body, _ := io.ReadAll(r.Body)
		var e pdEvent
		if err := json.Unmarshal(body, &e); err != nil {
			t.Errorf("PagerDuty got %s: %v", body, err)
		}
		e.At = clock.Now()
		f.mu.Lock()
		f.events = append(f.events, e)
		a := pdAnswer{status: http.StatusAccepted}
		if len(f.answer) > 0 {
			a, f.answer = f.answer[0], f.answer[1:]
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.WriteHeader(a.status)
		if a.status == http.StatusAccepted {
			fmt.Fprintf(w, `{"status":"success","message":"Event processed","dedup_key":%q}`, e.DedupKey)
		} else {
			fmt.Fprintf(w, `{"status":"invalid event","message":"Event object is invalid","errors":["status %d"]}`, a.status)
		}
	}))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakePagerDuty) received() []pdEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]pdEvent(nil), f.events...)
}

func (f *fakePagerDuty) queue(answers ...pdAnswer) {
	f.mu.Lock()
	f.answer = append(f.answer, answers...)
	f.mu.Unlock()
}

// slackCall is a Web API call Slack received.
type slackCall struct {
	At      time.Time
	Method  string // chat.postMessage or chat.update
	Channel string
	TS      string
	Token   string
	Text    string // the attachments, as sent
}

// fakeSlack stands in for Slack's Web API.
type fakeSlack struct {
	server *httptest.Server
	mu     sync.Mutex
	calls  []slackCall
}

func newFakeSlack(t *testing.T, clock *notifytest.Clock) *fakeSlack {
	f := &fakeSlack{}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("Slack: %v", err)
		}
		c := slackCall{At: clock.Now(), Method: strings.TrimPrefix(r.URL.Path, "/"), Channel: r.Form.Get("channel"),
			TS: r.Form.Get("ts"), Token: r.Form.Get("token"), Text: r.Form.Get("attachments") + r.Form.Get("text")}
		if auth := r.Header.Get("Authorization"); auth != "" {
			c.Token = strings.TrimPrefix(auth, "Bearer ")
		}
		f.mu.Lock()
		f.calls = append(f.calls, c)
		n := len(f.calls)
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		ts := c.TS
		if ts == "" {
			ts = fmt.Sprintf("1700000000.%06d", n)
		}
		fmt.Fprintf(w, `{"ok":true,"channel":"C0TICKETS","ts":%q}`, ts)
	}))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeSlack) received() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackCall(nil), f.calls...)
}

const (
	sloName       = "checkout-availability"
	tenant        = "acme"
	eventsPerMin  = 200
	pdRoutingKey  = "R0UT1NGKEY0123456789abcdef012345"
	slackBotToken = "xoxb-test-0123456789-secret"
)

// scenario runs slopipe's alerting against the real store and evaluator
// on a fake clock: spans are counted into the store a minute at a time
// with the error ratio of the moment, and every tick is an evaluation, an
// alerting pass and a flush.
type scenario struct {
	t      *testing.T
	ctx    context.Context
	st     store.Store
	clock  *notifytest.Clock
	pd     *fakePagerDuty
	slack  *fakeSlack
	set    slo.Set
	opts   manager.Options
	config string

	ev *evaluator.Evaluator
	m  *manager.Manager

	errorRatio float64 // of acme's minutes counted from now on
	// others are the other tenants and their error ratios.
	others  map[string]float64
	counted time.Time // the next minute to count
}

// start is a Monday 09:00:30 in Paris: the scenarios' time zone.
var start = time.Date(2026, 11, 23, 8, 0, 30, 0, time.UTC)

// newScenario starts with a day of clean traffic behind it. config is an
// Alertmanager configuration with {{PD}} and {{SLACK}} standing for the
// fake servers' URLs.
func newScenario(t *testing.T, config string, window time.Duration) *scenario {
	s := &scenario{t: t, ctx: context.Background(), st: openStore(t), clock: notifytest.NewClock(start)}
	s.pd = newFakePagerDuty(t, s.clock)
	s.slack = newFakeSlack(t, s.clock)
	s.config = strings.NewReplacer("{{PD}}", s.pd.server.URL+"/v2/enqueue", "{{SLACK}}", s.slack.server.URL+"/").Replace(config)
	s.set = slo.Set{SLOs: []slo.SLO{{
		Name: sloName, Service: "checkout", Objective: 0.999, Method: slo.Occurrences,
		Window: slo.RollingWindow(window), Indicator: slo.Indicator{Spans: &slo.SpanSource{}},
		Labels: map[string]string{"team": "payments"},
	}}}
	policy := alerting.DefaultPolicyConfig()
	policy.BudgetExhaustedAt = math.NaN()
	policy.DashboardURL = "http://grafana.example/d/slopipe-slo?var-slo={slo}&var-tenant={tenant}"
	s.opts = manager.Options{Store: s.st, Clock: s.clock, Policy: policy,
		Retry: notify.RetryPolicy{Initial: time.Second, Max: time.Minute, Multiplier: 2, Jitter: 0.2, MaxElapsed: 5 * time.Minute},
		Gate:  alerting.GatePolicy{MinBudgetRemaining: 0}}
	s.counted = start.Add(-24 * time.Hour).Truncate(time.Minute)
	s.count()
	s.boot()
	return s
}

// boot starts slopipe: a new evaluator and alerting manager over the
// store, as a restarted daemon has.
func (s *scenario) boot() {
	s.t.Helper()
	s.ev = evaluator.New(s.st, evaluator.Config{}, s.clock.Now)
	s.ev.SetSLOs(s.set, nil)
	m, err := manager.New(s.opts)
	if err != nil {
		s.t.Fatal(err)
	}
	cfg, err := amconfig.Parse([]byte(s.config), "alerting.yml")
	if err != nil {
		s.t.Fatal(err)
	}
	if err := m.SetConfig(cfg); err != nil {
		s.t.Fatal(err)
	}
	if err := m.Start(s.ctx); err != nil {
		s.t.Fatal(err)
	}
	s.m = m
}

// count stores the spans of every whole minute up to now, errorRatio of
// them failed.
func (s *scenario) count() {
	s.t.Helper()
	events := store.NewSLIEvents()
	now := s.clock.Now()
	n := 0
	for ; !s.counted.After(now.Add(-time.Minute)); s.counted = s.counted.Add(time.Minute) {
		bad := uint64(math.Round(s.errorRatio * eventsPerMin))
		events.Add(tenant, sloName, s.counted.Unix(), eventsPerMin-bad, eventsPerMin)
		for other, ratio := range s.others {
			bad := uint64(math.Round(ratio * eventsPerMin))
			events.Add(other, sloName, s.counted.Unix(), eventsPerMin-bad, eventsPerMin)
		}
		n++
	}
	if n == 0 {
		return
	}
	if err := events.Insert(s.ctx, s.st, now); err != nil {
		s.t.Fatal(err)
	}
}

// tick moves time on by step and runs what the daemon runs then.
func (s *scenario) tick(step time.Duration) {
	s.t.Helper()
	s.clock.Advance(step)
	s.count()
	if err := s.ev.Cycle(s.ctx); err != nil {
		s.t.Fatal(err)
	}
	if err := s.m.Evaluated(s.ctx, s.ev.Snapshot()); err != nil {
		s.t.Fatal(err)
	}
	s.m.Flush(s.ctx)
	s.m.Wait()
}

// run ticks every step for d.
func (s *scenario) run(d, step time.Duration) {
	s.t.Helper()
	for end := s.clock.Now().Add(d); s.clock.Now().Before(end); {
		s.tick(step)
	}
}

// firing says whether an alert of severity fires now for acme.
func (s *scenario) firing(severity string) bool { return s.firingFor(tenant, severity) }

func (s *scenario) firingFor(tenant, severity string) bool {
	for _, a := range s.m.Alerts() {
		if a.State == "firing" && string(a.Labels[alerting.LabelSeverity]) == severity && string(a.Labels[alerting.LabelTenant]) == tenant {
			return true
		}
	}
	return false
}

// runUntil ticks every step until cond holds, failing after limit.
func (s *scenario) runUntil(cond func() bool, step, limit time.Duration, what string) time.Time {
	s.t.Helper()
	for end := s.clock.Now().Add(limit); s.clock.Now().Before(end); {
		s.tick(step)
		if cond() {
			return s.clock.Now()
		}
	}
	s.t.Fatalf("%s did not happen within %v", what, limit)
	return time.Time{}
}

func actions(events []pdEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Action
	}
	return out
}

// pagerConfig sends pages to PagerDuty and tickets to Slack (a bot
// posting to #tickets); a page inhibits the ticket of its SLO and tenant.
const pagerConfig = `
route:
  receiver: nobody
  group_by: [alertname, slo, tenant, severity]
  group_wait: 15s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: [severity="page"]
      receiver: pager
    - matchers: [severity="ticket"]
      receiver: tickets
receivers:
  - name: nobody
  - name: pager
    pagerduty_configs:
      - routing_key: ` + pdRoutingKey + `
        url: {{PD}}
  - name: tickets
    slack_configs:
      - api_url: {{SLACK}}
        channel: '#tickets'
        send_resolved: true
        http_config:
          authorization:
            credentials: ` + slackBotToken + `
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket"]
    equal: [slo, tenant]
`

// Acceptance 1: a burn pages once within an evaluation interval, repeats
// only every repeat_interval while it lasts, and resolves once with the
// same dedup_key when it stops.
func TestBurnPagesOnceRepeatsPerRepeatIntervalAndResolvesOnce(t *testing.T) {
	s := newScenario(t, pagerConfig, 30*24*time.Hour)
	const interval = 30 * time.Second
	s.run(3*time.Minute, time.Minute)
	if got := s.pd.received(); len(got) != 0 {
		t.Fatalf("clean traffic paged: %+v", got)
	}

	s.errorRatio = 0.2 // 200× the budget rate
	firingAt := s.runUntil(func() bool { return s.firing(alerting.SeverityPage) }, interval, 10*time.Minute, "the page alert")
	s.tick(interval)
	events := s.pd.received()
	if len(events) != 1 || events[0].Action != "trigger" {
		t.Fatalf("one evaluation interval after the page fired (%v), PagerDuty got %v, want one trigger", firingAt, actions(events))
	}
	trigger := events[0]
	if trigger.RoutingKey != pdRoutingKey || trigger.Payload.Severity != "critical" || trigger.DedupKey == "" {
		t.Errorf("trigger %+v", trigger)
	}
	for _, want := range []string{sloName, tenant} {
		if !strings.Contains(trigger.Payload.Summary, want) {
			t.Errorf("summary %q does not name %s", trigger.Payload.Summary, want)
		}
	}
	details, _ := json.Marshal(trigger.Payload.Details)
	for _, want := range []string{"burn_rates", "budget_remaining", "http://grafana.example/d/slopipe-slo?var-slo=checkout-availability"} {
		if !strings.Contains(string(details)+fmt.Sprint(trigger.Links), want) {
			t.Errorf("custom_details and links %s %v lack %q", details, trigger.Links, want)
		}
	}

	// Nine hours of burning: repeats at 4h and 8h, not in between.
	s.run(9*time.Hour, 15*time.Minute)
	events = s.pd.received()
	if got := actions(events); strings.Join(got, ",") != "trigger,trigger,trigger" {
		t.Fatalf("after 9h of burning PagerDuty got %v, want a trigger and two repeats", got)
	}
	for i, e := range events[1:] {
		if gap := e.At.Sub(events[i].At); gap < 4*time.Hour || gap > 4*time.Hour+15*time.Minute {
			t.Errorf("repeat %d came %v after the one before, want repeat_interval 4h (to a tick)", i+1, gap)
		}
		if e.DedupKey != trigger.DedupKey {
			t.Errorf("repeat %d has dedup_key %q, want %q", i+1, e.DedupKey, trigger.DedupKey)
		}
	}

	s.errorRatio = 0
	s.runUntil(func() bool { return !s.firing(alerting.SeverityPage) }, 2*time.Minute, 2*time.Hour, "the page resolving")
	s.run(3*time.Hour, 20*time.Minute)
	events = s.pd.received()
	if got := actions(events); strings.Join(got, ",") != "trigger,trigger,trigger,resolve" {
		t.Fatalf("after the burn stopped PagerDuty got %v, want one resolve after the triggers", got)
	}
	if events[3].DedupKey != trigger.DedupKey {
		t.Errorf("resolve dedup_key %q, want the trigger's %q", events[3].DedupKey, trigger.DedupKey)
	}

	// Every attempt is on record.
	attempts, err := store.NotificationAttempts(s.ctx, s.st, "pager", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 4 {
		t.Fatalf("%d attempts recorded, want 4: %+v", len(attempts), attempts)
	}
	for _, a := range attempts {
		if a.Status != store.NotificationDelivered || a.HTTPStatus != 202 || a.Integration != "pagerduty[0]" || a.Tenant != tenant || a.SLO != sloName {
			t.Errorf("attempt %+v", a)
		}
	}
}

// Acceptance 2: slopipe restarting mid-incident does not page again, and
// the resolve still arrives.
func TestRestartMidIncidentNeitherRepagesNorForgetsTheResolve(t *testing.T) {
	s := newScenario(t, pagerConfig, 30*24*time.Hour)
	s.errorRatio = 0.2
	s.runUntil(func() bool { return len(s.pd.received()) == 1 }, 30*time.Second, 15*time.Minute, "the page")
	s.run(20*time.Minute, 2*time.Minute)

	s.boot() // the store is all that survives
	s.run(time.Hour, 5*time.Minute)
	if got := actions(s.pd.received()); len(got) != 1 {
		t.Fatalf("after a restart mid-incident PagerDuty got %v, want the one trigger from before", got)
	}

	s.errorRatio = 0
	s.runUntil(func() bool { return len(s.pd.received()) == 2 }, 2*time.Minute, 2*time.Hour, "the resolve")
	s.boot()
	s.run(time.Hour, 10*time.Minute)
	events := s.pd.received()
	if got := actions(events); strings.Join(got, ",") != "trigger,resolve" || events[1].DedupKey != events[0].DedupKey {
		t.Fatalf("PagerDuty got %v (dedup keys %q), want trigger then resolve with one key", got, dedupKeys(events))
	}
}

func dedupKeys(events []pdEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.DedupKey
	}
	return out
}

// Acceptance 3: an active silence keeps the page from going out; when it
// expires with the burn still on, one page goes out.
func TestSilenceMutesUntilItExpires(t *testing.T) {
	s := newScenario(t, pagerConfig, 30*24*time.Hour)
	id, err := s.m.Silences().Add(s.ctx, silence(s.clock.Now(), time.Hour, "slo", sloName, "tenant", tenant), s.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.errorRatio = 0.2
	s.run(50*time.Minute, 5*time.Minute)
	if !s.firing(alerting.SeverityPage) {
		t.Fatal("the page alert does not fire")
	}
	if got := s.pd.received(); len(got) != 0 {
		t.Fatalf("silenced, PagerDuty got %v", actions(got))
	}
	for _, a := range s.m.Alerts() {
		if a.State == "firing" && (len(a.SilencedBy) != 1 || a.SilencedBy[0] != id) {
			t.Errorf("alert %v silenced by %v, want [%s]", a.Labels, a.SilencedBy, id)
		}
	}
	s.run(15*time.Minute, time.Minute) // the silence ends at 60m
	s.run(30*time.Minute, 5*time.Minute)
	events := s.pd.received()
	if got := actions(events); strings.Join(got, ",") != "trigger" {
		t.Fatalf("after the silence expired PagerDuty got %v, want one trigger", got)
	}
	if end := start.Add(time.Hour); events[0].At.Before(end) || events[0].At.After(end.Add(6*time.Minute)) {
		t.Errorf("trigger at %v, want within a group interval of the silence's end %v", events[0].At, end)
	}
}

func silence(from time.Time, d time.Duration, pairs ...string) pipeline.Silence {
	s := pipeline.Silence{StartsAt: from, EndsAt: from.Add(d), CreatedBy: "oncall@example.com", Comment: "known incident"}
	for i := 0; i < len(pairs); i += 2 {
		s.Matchers = append(s.Matchers, pipeline.Matcher{Name: pairs[i], Value: pairs[i+1]})
	}
	return s
}

// Acceptance 4: while the page fires the ticket of the same SLO and tenant
// is inhibited; when the page resolves with a slow burn going on, the
// ticket goes out.
func TestPageInhibitsTicketUntilItResolves(t *testing.T) {
	s := newScenario(t, pagerConfig, 30*24*time.Hour)
	s.errorRatio = 0.2
	s.runUntil(func() bool { return s.firing(alerting.SeverityPage) && s.firing(alerting.SeverityTicket) }, 30*time.Second, 30*time.Minute, "page and ticket")
	s.run(20*time.Minute, 5*time.Minute)
	if got := s.slack.received(); len(got) != 0 {
		t.Fatalf("the ticket went out while the page fires: %+v", got)
	}
	if got := actions(s.pd.received()); len(got) != 1 {
		t.Fatalf("PagerDuty got %v", got)
	}

	s.errorRatio = 0.004 // 4×: a ticket's slow burn, under both page factors
	s.runUntil(func() bool { return !s.firing(alerting.SeverityPage) }, 2*time.Minute, 2*time.Hour, "the page resolving")
	if !s.firing(alerting.SeverityTicket) {
		t.Fatal("the ticket alert stopped with the page")
	}
	s.run(10*time.Minute, time.Minute)
	calls := s.slack.received()
	if len(calls) != 1 || calls[0].Method != "chat.postMessage" || calls[0].Channel != "#tickets" || calls[0].Token != slackBotToken {
		t.Fatalf("Slack got %+v, want one chat.postMessage to #tickets with the bot token", calls)
	}
	if !strings.Contains(calls[0].Text, sloName) {
		t.Errorf("ticket message %q does not name the SLO", calls[0].Text)
	}
	if got := actions(s.pd.received()); strings.Join(got, ",") != "trigger,resolve" {
		t.Errorf("PagerDuty got %v, want trigger, resolve", got)
	}

	// The slow burn stops: the ticket's message is edited in place, its
	// repeat (the slow burn lasts past repeat_interval) as well as its
	// resolve; nothing new is posted.
	s.errorRatio = 0
	s.runUntil(func() bool { return !s.firing(alerting.SeverityTicket) }, 15*time.Minute, 8*time.Hour, "the ticket resolving")
	s.run(15*time.Minute, 5*time.Minute)
	calls = s.slack.received()
	last := calls[len(calls)-1]
	if last.Method != "chat.update" || last.TS != "1700000000.000001" || last.Channel != "C0TICKETS" || !strings.Contains(last.Text, `"color":"good"`) {
		t.Fatalf("Slack's last call %+v, want the resolve as chat.update of the first message", last)
	}
	for _, c := range calls[1:] {
		if c.Method != "chat.update" {
			t.Errorf("Slack got %s after the first message, want only chat.update", c.Method)
		}
	}
}

// Acceptance 5: during a maintenance time interval nothing is notified,
// and the same interval excluded from the SLO leaves its SLI untouched.
// acme's maintenance is declared to the SLO engine too; beta, burning
// through the same hour without an exclusion, shows the page is muted
// and goes out when the interval ends.
func TestMaintenanceWindowMutesAndIsExcludedFromTheSLI(t *testing.T) {
	config := strings.Replace(pagerConfig, "      receiver: pager\n", "      receiver: pager\n      mute_time_intervals: [maintenance]\n", 1) + `
time_intervals:
  - name: maintenance
    time_intervals:
      - weekdays: [monday]
        times: [{start_time: '09:00', end_time: '10:00'}]
        location: Europe/Paris
`
	s := newScenario(t, config, 30*24*time.Hour)
	// The same hour for the SLO engine: 09:00–10:00 in Paris is 08:00–09:00
	// UTC in November.
	maintenance := slo.Interval{From: start.Truncate(time.Hour), To: start.Truncate(time.Hour).Add(time.Hour)}
	s.set.Overrides = slo.Overrides{Exclusions: []slo.Exclusion{{SLO: sloName, Tenant: tenant, Interval: maintenance, Reason: "database upgrade"}}}
	s.ev.SetSLOs(s.set, nil)

	s.errorRatio = 0.5 // the upgrade fails half of acme's requests
	s.others = map[string]float64{"beta": 0.2}
	s.run(55*time.Minute, 5*time.Minute)
	if !s.firingFor("beta", alerting.SeverityPage) {
		t.Fatal("beta's page does not fire")
	}
	if s.firing(alerting.SeverityPage) || s.firing(alerting.SeverityTicket) {
		t.Error("acme's alerts fire on failures in its excluded interval")
	}
	if got := s.pd.received(); len(got) != 0 {
		t.Fatalf("during maintenance PagerDuty got %v", actions(got))
	}
	if got := s.slack.received(); len(got) != 0 {
		t.Fatalf("during maintenance Slack got %+v", got)
	}
	s.errorRatio = 0
	s.run(15*time.Minute, time.Minute) // the interval ends at 60m
	events := s.pd.received()
	if len(events) != 1 || events[0].Action != "trigger" || !strings.Contains(events[0].Payload.Summary, "beta") {
		t.Fatalf("after maintenance PagerDuty got %+v, want beta's page", events)
	}
	if end := start.Add(time.Hour); events[0].At.Before(end) {
		t.Errorf("beta's page at %v, inside the interval ending %v", events[0].At, end)
	}
	for _, r := range s.ev.Snapshot().Results {
		if r.Tenant != tenant {
			continue
		}
		if !r.SLI.Known || r.SLI.V != 1 || r.BudgetRemaining.V != 1 {
			t.Errorf("acme: SLI %v, budget %v: want 1 and 1, its failures were all in the excluded interval", r.SLI, r.BudgetRemaining)
		}
	}
}

// Acceptance 6: PagerDuty answering 429 with Retry-After then 202 gives
// one delivered event after waiting; a 400 is not retried, and is recorded
// and counted.
func TestPagerDutyRetriesThrottlingButNotBadRequests(t *testing.T) {
	s := newScenario(t, pagerConfig, 30*24*time.Hour)
	s.pd.queue(pdAnswer{status: http.StatusTooManyRequests, retryAfter: "7"})
	s.errorRatio = 0.2
	s.runUntil(func() bool { return len(s.pd.received()) >= 2 }, 30*time.Second, 15*time.Minute, "the retried trigger")
	events := s.pd.received()
	if len(events) != 2 || events[0].DedupKey != events[1].DedupKey || events[1].At.Sub(events[0].At) < 7*time.Second {
		t.Fatalf("PagerDuty got %v at %v, %v: want the trigger again at least Retry-After 7s later", actions(events), events[0].At, events[len(events)-1].At)
	}
	attempts, err := store.NotificationAttempts(s.ctx, s.st, "pager", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 2 || attempts[0].Status != store.NotificationRetrying || attempts[0].HTTPStatus != 429 ||
		attempts[1].Status != store.NotificationDelivered || attempts[1].HTTPStatus != 202 {
		t.Fatalf("attempts %+v, want retrying 429 then delivered 202", attempts)
	}
	s.run(30*time.Minute, 5*time.Minute)
	if got := len(s.pd.received()); got != 2 {
		t.Fatalf("PagerDuty got %d requests, want the delivered trigger not repeated", got)
	}

	// A bad request (a wrong routing key) is not retried in a loop.
	s.errorRatio = 0
	s.pd.queue(pdAnswer{status: http.StatusBadRequest})
	slept := len(s.clock.Slept())
	s.runUntil(func() bool { return len(s.pd.received()) == 3 }, 2*time.Minute, 2*time.Hour, "the resolve attempt")
	if got := len(s.clock.Slept()) - slept; got != 0 {
		t.Errorf("slept %d times after a 400, want no retry", got)
	}
	attempts, err = store.NotificationAttempts(s.ctx, s.st, "pager", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	last := attempts[len(attempts)-1]
	if len(attempts) != 3 || last.Status != store.NotificationFailed || last.HTTPStatus != 400 || last.Error == "" {
		t.Fatalf("attempts %+v, want the 400 recorded as failed with its error", attempts)
	}
	if strings.Contains(last.Error, pdRoutingKey) {
		t.Errorf("the recorded error holds the routing key: %s", last.Error)
	}
	if got := s.m.Counts()[pipeline.CountKey{Receiver: "pager", Integration: "pagerduty", Status: store.NotificationFailed}]; got != 1 {
		t.Errorf("failed notifications counted %d, want 1", got)
	}
}

// Acceptance 7: the deploy gate blocks while the budget is exhausted and
// allows again once it recovers (a 2-hour SLO period, so it recovers
// within the scenario).
func TestDeployGateFollowsTheErrorBudget(t *testing.T) {
	s := newScenario(t, pagerConfig, 2*time.Hour)
	s.tick(30 * time.Second)
	d, err := s.m.Gate("checkout", "")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allowed || len(d.SLOs) != 1 {
		t.Fatalf("healthy: %+v", d)
	}
	s.errorRatio = 0.05
	s.run(30*time.Minute, 3*time.Minute)
	d, err = s.m.Gate("checkout", tenant)
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || len(d.Reasons) != 1 || !strings.Contains(d.Reasons[0], sloName) || !strings.Contains(d.Reasons[0], "error budget left") {
		t.Fatalf("budget exhausted: %+v", d)
	}
	if other, _ := s.m.Gate("search", ""); !other.Allowed {
		t.Errorf("another service blocked: %+v", other)
	}
	s.errorRatio = 0
	s.run(2*time.Hour+10*time.Minute, 10*time.Minute)
	if d, _ = s.m.Gate("checkout", tenant); !d.Allowed {
		t.Fatalf("after the bad minutes left the period: %+v", d)
	}
}

// Silences are kept in the store: a restart mutes by them too.
func TestSilencesSurviveRestart(t *testing.T) {
	s := newScenario(t, pagerConfig, 30*24*time.Hour)
	id, err := s.m.Silences().Add(s.ctx, silence(s.clock.Now(), 3*time.Hour, "tenant", tenant), s.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.boot()
	got := s.m.Silences().Get(id)
	if got == nil || got.CreatedBy != "oncall@example.com" || !got.EndsAt.Equal(start.Add(3*time.Hour)) {
		t.Fatalf("after a restart silence %s is %+v", id, got)
	}
	s.errorRatio = 0.2
	s.run(30*time.Minute, 3*time.Minute)
	if got := s.pd.received(); len(got) != 0 {
		t.Fatalf("PagerDuty got %v through a silence read back from the store", actions(got))
	}
	if _, err := s.m.Silences().Expire(s.ctx, id, s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	s.run(6*time.Minute, time.Minute)
	if got := actions(s.pd.received()); strings.Join(got, ",") != "trigger" {
		t.Fatalf("after expiring the silence PagerDuty got %v", got)
	}
}

// The slo extension's first cycle and its loop may hand over results at
// the same time; an older snapshot after a newer one changes nothing.
func TestConcurrentEvaluationsAreSerialized(t *testing.T) {
	s := newScenario(t, pagerConfig, 30*24*time.Hour)
	s.errorRatio = 0.2
	s.run(10*time.Minute, time.Minute)
	older := s.ev.Snapshot()
	s.tick(time.Minute)
	newer := s.ev.Snapshot()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snap := newer
			if i%2 == 0 {
				snap = older
			}
			if err := s.m.Evaluated(s.ctx, snap); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, a := range s.m.Alerts() {
		if a.State != "firing" {
			t.Errorf("alert %v is %s after an older snapshot came late", a.Labels, a.State)
		}
	}
}

// After a restart, another source's alerts arriving before the first SLO
// evaluation do not make the pipeline forget the restored page: no resolve
// goes out for a burn that goes on.
func TestRestoredPageSurvivesAnotherSourceFirst(t *testing.T) {
	s := newScenario(t, pagerConfig, 30*24*time.Hour)
	s.errorRatio = 0.2
	s.runUntil(func() bool { return len(s.pd.received()) == 1 }, 30*time.Second, 15*time.Minute, "the page")
	s.boot()
	if err := s.m.SetSourceAlerts(s.ctx, "cost", nil); err != nil {
		t.Fatal(err)
	}
	s.m.Flush(s.ctx)
	s.m.Wait()
	if !s.firing(alerting.SeverityPage) {
		t.Fatal("the restored page is not listed before the first evaluation")
	}
	s.run(10*time.Minute, time.Minute)
	if got := actions(s.pd.received()); len(got) != 1 {
		t.Fatalf("PagerDuty got %v, want only the trigger from before the restart", got)
	}
}
