package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
)

const testRoutingKey = "R0UT1NGK3Y0000000000000000000042"

// fakePagerDuty is the Events API v2: it answers each event with the next
// of replies (the last one repeats).
type fakePagerDuty struct {
	*httptest.Server
	recorder
	replies []func(w http.ResponseWriter)
	n       atomic.Int32
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"success","message":"Event processed","dedup_key":"x"}`))
}

func newFakePagerDuty(t *testing.T, replies ...func(w http.ResponseWriter)) *fakePagerDuty {
	f := &fakePagerDuty{replies: replies}
	if len(f.replies) == 0 {
		f.replies = []func(http.ResponseWriter){accepted}
	}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.record(r)
		if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" {
			http.NotFound(w, r)
			return
		}
		i := int(f.n.Add(1)) - 1
		f.replies[min(i, len(f.replies)-1)](w)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakePagerDuty) config() *amconfig.PagerDutyConfig {
	u, _ := url.Parse(f.URL + "/v2/enqueue")
	return &amconfig.PagerDutyConfig{RoutingKey: testRoutingKey, URL: &amconfig.URL{URL: u}}
}

func buildOne(t *testing.T, r *amconfig.Receiver, opts Options) Integration {
	t.Helper()
	ins, err := Build(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 {
		t.Fatalf("got %d integrations, want 1", len(ins))
	}
	return ins[0]
}

func TestPagerDutyTriggerThenResolve(t *testing.T) {
	pd := newFakePagerDuty(t)
	c := pd.config()
	c.Details = map[string]string{"owner": "{{ .CommonLabels.team }}"}
	in := buildOne(t, &amconfig.Receiver{Name: "pager", PagerDutyConfigs: []*amconfig.PagerDutyConfig{c}}, Options{UserAgent: "slopipe/test"})
	if in.Name() != "pagerduty[0]" || in.Kind() != "pagerduty" || !in.SendResolved() {
		t.Fatalf("name %q kind %q send_resolved %v", in.Name(), in.Kind(), in.SendResolved())
	}

	n := firingNotification()
	clock := newFakeClock()
	res := Deliver(context.Background(), in, n, noJitter(), clock)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Attempts) != 1 || res.Attempts[0].Status != AttemptDelivered || res.Attempts[0].HTTPStatus != 202 {
		t.Fatalf("attempts: %+v", res.Attempts)
	}
	res = Deliver(context.Background(), in, resolvedNotification(n), noJitter(), clock)
	if res.Err != nil {
		t.Fatal(res.Err)
	}

	reqs := pd.all()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	sum := sha256.Sum256([]byte(testGroupKey))
	dedup := hex.EncodeToString(sum[:])
	if DedupKey(testGroupKey) != dedup {
		t.Fatalf("DedupKey = %s, want %s", DedupKey(testGroupKey), dedup)
	}
	if ua := reqs[0].Header.Get("User-Agent"); ua != "slopipe/test" {
		t.Errorf("User-Agent = %q", ua)
	}
	if ct := reqs[0].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}

	labels := `{"alertname":"SLOBurnRate","slo":"checkout","tenant":"acme","service":"shop","team":"payments","severity":"page","windows":"1h/5m,6h/30m"}`
	links := `[{"href":"https://runbooks.example.com/checkout","text":"Runbook"},{"href":"https://grafana.example.com/d/checkout","text":"Dashboard"}]`
	assertJSON(t, reqs[0].Body, `{
		"routing_key": "`+testRoutingKey+`",
		"event_action": "trigger",
		"dedup_key": "`+dedup+`",
		"client": "slopipe",
		"client_url": "https://slopipe.example.com",
		"links": `+links+`,
		"payload": {
			"summary": "[FIRING:1] SLOBurnRate checkout tenant acme — burning 15.2× (1h/5m), 63.2% budget left",
			"source": "slopipe",
			"severity": "critical",
			"timestamp": "2025-03-14T09:16:53Z",
			"custom_details": {
				"num_firing": 1, "num_resolved": 0,
				"burn_rates": "5m=20.1 1h=15.2", "burn_window": "1h/5m", "budget_remaining": "63.2%",
				"owner": "payments",
				"alerts": [{"status": "firing", "labels": `+labels+`, "starts_at": "2025-03-14T09:16:53Z",
					"burn_rates": "5m=20.1 1h=15.2", "burn_window": "1h/5m", "budget_remaining": "63.2%"}]
			}
		}
	}`)
	assertJSON(t, reqs[1].Body, `{
		"routing_key": "`+testRoutingKey+`",
		"event_action": "resolve",
		"dedup_key": "`+dedup+`",
		"client": "slopipe",
		"client_url": "https://slopipe.example.com",
		"links": `+links+`,
		"payload": {
			"summary": "[RESOLVED] SLOBurnRate checkout tenant acme — 63.2% budget left",
			"source": "slopipe",
			"severity": "critical",
			"custom_details": {
				"num_firing": 0, "num_resolved": 1,
				"burn_rates": "5m=20.1 1h=15.2", "burn_window": "1h/5m", "budget_remaining": "63.2%",
				"owner": "payments",
				"alerts": [{"status": "resolved", "labels": `+labels+`, "starts_at": "2025-03-14T09:16:53Z",
					"ends_at": "2025-03-14T09:30:53Z",
					"burn_rates": "5m=20.1 1h=15.2", "burn_window": "1h/5m", "budget_remaining": "63.2%"}]
			}
		}
	}`)
}

func TestPagerDutySeverityAndTemplates(t *testing.T) {
	pd := newFakePagerDuty(t)
	ticket := burnAlert("search", "acme", "ticket")
	page := burnAlert("checkout", "acme", "page")

	for _, tc := range []struct {
		name     string
		conf     func(*amconfig.PagerDutyConfig)
		alerts   []*alerting.Alert
		severity string
		summary  string
		source   string
	}{
		{name: "ticket", alerts: []*alerting.Alert{ticket}, severity: "warning",
			summary: "[FIRING:1] SLOBurnRate search tenant acme — burning 15.2× (1h/5m), 63.2% budget left", source: "slopipe"},
		{name: "page among tickets", alerts: []*alerting.Alert{ticket, page}, severity: "critical",
			summary: "[FIRING:2] SLOBurnRate tenant acme — burning 15.2× (1h/5m), 63.2% budget left", source: "slopipe"},
		{name: "configured", alerts: []*alerting.Alert{page},
			conf: func(c *amconfig.PagerDutyConfig) {
				c.Severity = `{{ if eq .CommonLabels.severity "page" }}error{{ else }}info{{ end }}`
				c.Description = `{{ .CommonLabels.slo | toUpper }} for {{ .CommonLabels.tenant }}`
				c.Client = "slo-platform"
			},
			severity: "error", summary: "CHECKOUT for acme", source: "slo-platform"},
		{name: "source over client", alerts: []*alerting.Alert{page},
			conf: func(c *amconfig.PagerDutyConfig) {
				c.Source = "{{ .CommonLabels.service }}"
				c.Description = "x"
			},
			severity: "critical", summary: "x", source: "shop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := pd.config()
			if tc.conf != nil {
				tc.conf(c)
			}
			in := buildOne(t, &amconfig.Receiver{Name: "pager", PagerDutyConfigs: []*amconfig.PagerDutyConfig{c}}, Options{})
			before := len(pd.all())
			if _, err := in.Notify(context.Background(), firingNotification(tc.alerts...)); err != nil {
				t.Fatal(err)
			}
			var ev struct {
				Payload struct{ Summary, Severity, Source string }
			}
			if err := json.Unmarshal(pd.all()[before].Body, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Payload.Severity != tc.severity || ev.Payload.Summary != tc.summary || ev.Payload.Source != tc.source {
				t.Fatalf("got severity %q summary %q source %q", ev.Payload.Severity, ev.Payload.Summary, ev.Payload.Source)
			}
		})
	}
}

func TestPagerDutySummaryTruncated(t *testing.T) {
	pd := newFakePagerDuty(t)
	c := pd.config()
	c.Description = strings.Repeat("é", 2000)
	in := buildOne(t, &amconfig.Receiver{Name: "pager", PagerDutyConfigs: []*amconfig.PagerDutyConfig{c}}, Options{})
	if _, err := in.Notify(context.Background(), firingNotification()); err != nil {
		t.Fatal(err)
	}
	var ev struct{ Payload struct{ Summary string } }
	_ = json.Unmarshal(pd.all()[0].Body, &ev)
	if n := len([]rune(ev.Payload.Summary)); n != 1024 || !strings.HasSuffix(ev.Payload.Summary, "…") {
		t.Fatalf("summary has %d runes", n)
	}
}

func TestPagerDutyRateLimitedThenAccepted(t *testing.T) {
	pd := newFakePagerDuty(t, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"status":"throttle event","message":"Requests for this service are arriving too quickly."}`))
	}, accepted)
	in := buildOne(t, &amconfig.Receiver{Name: "pager", PagerDutyConfigs: []*amconfig.PagerDutyConfig{pd.config()}}, Options{})

	clock := newFakeClock()
	res := Deliver(context.Background(), in, firingNotification(), noJitter(), clock)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Attempts) != 2 {
		t.Fatalf("attempts: %+v", res.Attempts)
	}
	first, second := res.Attempts[0], res.Attempts[1]
	if first.Status != AttemptRetrying || first.HTTPStatus != 429 || !strings.Contains(first.Err, "arriving too quickly") {
		t.Errorf("first attempt: %+v", first)
	}
	if second.Status != AttemptDelivered || second.HTTPStatus != 202 || second.Number != 2 {
		t.Errorf("second attempt: %+v", second)
	}
	if second.At.Sub(first.At) < 7*time.Second {
		t.Errorf("second attempt %s after the first", second.At.Sub(first.At))
	}
	if len(clock.Slept()) != 1 || clock.Slept()[0] < 7*time.Second {
		t.Errorf("slept %v, want at least the Retry-After of 7s", clock.Slept())
	}
	if got := len(pd.all()); got != 2 {
		t.Errorf("PagerDuty got %d requests, want 2 (one throttled, one accepted)", got)
	}
}

func TestPagerDutyBadRequestIsFinal(t *testing.T) {
	pd := newFakePagerDuty(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"status":"invalid event","message":"Event object is invalid","errors":["'payload.severity' is invalid"]}`))
	})
	in := buildOne(t, &amconfig.Receiver{Name: "pager", PagerDutyConfigs: []*amconfig.PagerDutyConfig{pd.config()}}, Options{})
	clock := newFakeClock()
	res := Deliver(context.Background(), in, firingNotification(), noJitter(), clock)
	if res.Err == nil {
		t.Fatal("delivered, want a failure")
	}
	if got := len(pd.all()); got != 1 {
		t.Fatalf("PagerDuty got %d requests, want exactly 1", got)
	}
	if len(res.Attempts) != 1 {
		t.Fatalf("attempts: %+v", res.Attempts)
	}
	a := res.Attempts[0]
	if a.Status != AttemptFailed || a.HTTPStatus != 400 || !strings.Contains(a.Err, "Event object is invalid: 'payload.severity' is invalid") {
		t.Fatalf("attempt: %+v", a)
	}
	var de *DeliveryError
	if !errors.As(res.Err, &de) || de.HTTPStatus != 400 || de.Retryable {
		t.Fatalf("error %v is not a final DeliveryError with status 400", res.Err)
	}
	if len(clock.Slept()) != 0 {
		t.Errorf("slept %v", clock.Slept())
	}
}

func TestPagerDutyServerErrorRetried(t *testing.T) {
	pd := newFakePagerDuty(t, func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) },
		func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, accepted)
	in := buildOne(t, &amconfig.Receiver{Name: "pager", PagerDutyConfigs: []*amconfig.PagerDutyConfig{pd.config()}}, Options{})
	clock := newFakeClock()
	res := Deliver(context.Background(), in, firingNotification(), noJitter(), clock)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var statuses []int
	for _, a := range res.Attempts {
		statuses = append(statuses, a.HTTPStatus)
	}
	if len(statuses) != 3 || statuses[0] != 500 || statuses[1] != 502 || statuses[2] != 202 {
		t.Fatalf("statuses %v", statuses)
	}
	if len(clock.Slept()) != 2 || clock.Slept()[0] != time.Second || clock.Slept()[1] != 2*time.Second {
		t.Fatalf("slept %v, want [1s 2s]", clock.Slept())
	}
}

func TestPagerDutyNotSendResolved(t *testing.T) {
	pd := newFakePagerDuty(t)
	c := pd.config()
	no := false
	c.SendResolved = &no
	in := buildOne(t, &amconfig.Receiver{Name: "pager", PagerDutyConfigs: []*amconfig.PagerDutyConfig{c}}, Options{})
	res := Deliver(context.Background(), in, resolvedNotification(firingNotification()), noJitter(), newFakeClock())
	if res.Err != nil || len(res.Attempts) != 0 || len(pd.all()) != 0 {
		t.Fatalf("result %+v, %d requests; want nothing sent", res, len(pd.all()))
	}
}

func TestPagerDutyURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://events.pagerduty.com/v2/enqueue":     "https://events.pagerduty.com",
		"https://events.eu.pagerduty.com/v2/enqueue/": "https://events.eu.pagerduty.com",
		"http://proxy.internal:8080/pd/v2/enqueue":    "http://proxy.internal:8080/pd",
	} {
		got, err := pagerDutyBase(raw)
		if err != nil || got != want {
			t.Errorf("pagerDutyBase(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"https://events.pagerduty.com/generic/2010-04-15/create_event.json", "https://events.pagerduty.com/", "events.pagerduty.com/v2/enqueue"} {
		if _, err := pagerDutyBase(raw); err == nil {
			t.Errorf("pagerDutyBase(%q) took it", raw)
		}
	}
	u, _ := url.Parse("https://events.pagerduty.com/v1/enqueue")
	_, err := Build(&amconfig.Receiver{Name: "pager", PagerDutyConfigs: []*amconfig.PagerDutyConfig{{RoutingKey: "k", URL: &amconfig.URL{URL: u}}}}, Options{})
	if err == nil || !strings.Contains(err.Error(), `receiver "pager": pagerduty_configs[0]: url:`) {
		t.Fatalf("Build error %v", err)
	}
}

func TestPagerDutyTemplateError(t *testing.T) {
	pd := newFakePagerDuty(t)
	for field, set := range map[string]func(*amconfig.PagerDutyConfig){
		"pagerduty[0].description":   func(c *amconfig.PagerDutyConfig) { c.Description = "{{ .CommonLabels.slo | nosuchfunc }}" },
		"pagerduty[0].details.owner": func(c *amconfig.PagerDutyConfig) { c.Details = map[string]string{"owner": `{{ template "nosuch" . }}`} },
		"pagerduty[0].severity":      func(c *amconfig.PagerDutyConfig) { c.Severity = "{{ .Alerts.Nope }}" },
	} {
		c := pd.config()
		set(c)
		in := buildOne(t, &amconfig.Receiver{Name: "pager", PagerDutyConfigs: []*amconfig.PagerDutyConfig{c}}, Options{})
		res := Deliver(context.Background(), in, firingNotification(), noJitter(), newFakeClock())
		if res.Err == nil || !strings.Contains(res.Err.Error(), field+": template:") {
			t.Errorf("%s: error %v", field, res.Err)
		}
		if len(res.Attempts) != 1 || res.Attempts[0].Status != AttemptFailed {
			t.Errorf("%s: attempts %+v", field, res.Attempts)
		}
	}
	if n := len(pd.all()); n != 0 {
		t.Fatalf("PagerDuty got %d requests", n)
	}
}
