package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/amconfig"
)

func webhookConfig(t *testing.T, raw string) *amconfig.WebhookConfig {
	u, err := amconfig.ParseSecretURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &amconfig.WebhookConfig{URL: u}
}

func alertJSON(a *alerting.Alert, status, endsAt string) string {
	labels, _ := json.Marshal(a.Labels)
	ann, _ := json.Marshal(a.Annotations)
	return `{"status":"` + status + `","labels":` + string(labels) + `,"annotations":` + string(ann) +
		`,"startsAt":"` + a.StartsAt.Format(time.RFC3339Nano) + `","endsAt":"` + endsAt +
		`","generatorURL":"` + a.GeneratorURL + `","fingerprint":"` + a.Fingerprint().String() + `"}`
}

func TestWebhookPayload(t *testing.T) {
	hook := newFakeWebhook(t, "")
	c := webhookConfig(t, hook.URL+"/hooks/slo?token=abc")
	c.MaxAlerts = 2
	in := buildOne(t, &amconfig.Receiver{Name: "pager", WebhookConfigs: []*amconfig.WebhookConfig{c}}, Options{})
	if in.Name() != "webhook[0]" || in.Kind() != "webhook" || !in.SendResolved() {
		t.Fatalf("name %q kind %q send_resolved %v", in.Name(), in.Kind(), in.SendResolved())
	}

	checkout, search, billing := burnAlert("checkout", "acme", "page"), burnAlert("search", "acme", "ticket"), burnAlert("billing", "acme", "page")
	billing.EndsAt = t0.Add(time.Minute)
	n := firingNotification(checkout, search, billing)
	n.Now = t0.Add(2 * time.Minute)
	res := Deliver(context.Background(), in, n, noJitter(), newFakeClock())
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if a := res.Attempts; len(a) != 1 || a[0].HTTPStatus != 200 {
		t.Fatalf("attempts %+v", a)
	}

	reqs := hook.all()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/hooks/slo" || reqs[0].Header.Get("Content-Type") != "application/json" {
		t.Fatalf("requests %+v", reqs)
	}
	if reqs[0].Header.Get("Authorization") != "" {
		t.Errorf("Authorization %q without http_config", reqs[0].Header.Get("Authorization"))
	}
	assertJSON(t, reqs[0].Body, `{
		"version": "4",
		"groupKey": `+jsonString(testGroupKey)+`,
		"truncatedAlerts": 1,
		"status": "firing",
		"receiver": "pager",
		"groupLabels": {"slo": "checkout", "tenant": "acme"},
		"commonLabels": {"alertname": "SLOBurnRate", "tenant": "acme", "service": "shop", "team": "payments", "windows": "1h/5m,6h/30m"},
		"commonAnnotations": {"description": "99.9% of checkouts succeed over 30d", "burn_rates": "5m=20.1 1h=15.2", "budget_remaining": "63.2%", "burn_window": "1h/5m"},
		"externalURL": "https://slopipe.example.com",
		"alerts": [`+alertJSON(checkout, "firing", "0001-01-01T00:00:00Z")+`,`+alertJSON(search, "firing", "0001-01-01T00:00:00Z")+`]
	}`)

	// All resolved: the status and each alert's end say so.
	n = firingNotification(billing)
	n.Now = t0.Add(2 * time.Minute)
	if _, err := in.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Status string
		Alerts []struct{ Status, EndsAt string }
	}
	_ = json.Unmarshal(hook.all()[1].Body, &msg)
	if msg.Status != "resolved" || len(msg.Alerts) != 1 || msg.Alerts[0].Status != "resolved" || msg.Alerts[0].EndsAt != "2025-03-14T09:27:53Z" {
		t.Fatalf("resolved payload %+v", msg)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestWebhookAuth(t *testing.T) {
	for _, tc := range []struct {
		name string
		http *amconfig.HTTPConfig
		want func(r *http.Request) bool
	}{
		{"authorization", &amconfig.HTTPConfig{Authorization: &amconfig.Authorization{Credentials: "t0k3n"}},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer t0k3n" }},
		{"authorization type", &amconfig.HTTPConfig{Authorization: &amconfig.Authorization{Type: "Token", Credentials: "t0k3n"}},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "Token t0k3n" }},
		{"bearer_token", &amconfig.HTTPConfig{BearerToken: "t0k3n"},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer t0k3n" }},
		{"basic_auth", &amconfig.HTTPConfig{BasicAuth: &amconfig.BasicAuth{Username: "slopipe", Password: "pa55"}},
			func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "slopipe" && p == "pa55" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hook := newFakeWebhook(t, "")
			c := webhookConfig(t, hook.URL)
			c.HTTPConfig = tc.http
			in := buildOne(t, &amconfig.Receiver{Name: "pager", WebhookConfigs: []*amconfig.WebhookConfig{c}}, Options{})
			if _, err := in.Notify(context.Background(), firingNotification()); err != nil {
				t.Fatal(err)
			}
			r := hook.all()[0]
			req := &http.Request{Header: r.Header}
			if !tc.want(req) {
				t.Fatalf("Authorization %q", r.Header.Get("Authorization"))
			}
		})
	}
	_, err := Build(&amconfig.Receiver{Name: "pager", WebhookConfigs: []*amconfig.WebhookConfig{{
		URL:        webhookConfig(t, "http://example.com").URL,
		HTTPConfig: &amconfig.HTTPConfig{BearerToken: "a", BasicAuth: &amconfig.BasicAuth{Username: "u"}},
	}}}, Options{})
	if err == nil || !strings.Contains(err.Error(), `receiver "pager": webhook_configs[0]: http_config: at most one`) {
		t.Fatalf("Build error %v", err)
	}
}

func TestWebhookStatuses(t *testing.T) {
	for _, tc := range []struct {
		status    []int
		delivered bool
		requests  int
		slept     []time.Duration
	}{
		{[]int{http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusNoContent}, true, 3, []time.Duration{time.Second, 2 * time.Second}},
		{[]int{http.StatusTooManyRequests, http.StatusOK}, true, 2, []time.Duration{time.Second}},
		{[]int{http.StatusBadRequest}, false, 1, nil},
		{[]int{http.StatusUnauthorized}, false, 1, nil},
		{[]int{http.StatusNotFound}, false, 1, nil},
	} {
		hook := newFakeWebhook(t, "no such hook", tc.status...)
		in := buildOne(t, &amconfig.Receiver{Name: "pager", WebhookConfigs: []*amconfig.WebhookConfig{webhookConfig(t, hook.URL)}}, Options{})
		clock := newFakeClock()
		res := Deliver(context.Background(), in, firingNotification(), noJitter(), clock)
		if (res.Err == nil) != tc.delivered || len(hook.all()) != tc.requests || len(res.Attempts) != tc.requests {
			t.Errorf("%v: err %v, %d requests, attempts %+v", tc.status, res.Err, len(hook.all()), res.Attempts)
			continue
		}
		if len(clock.Slept()) != len(tc.slept) {
			t.Errorf("%v: slept %v, want %v", tc.status, clock.Slept(), tc.slept)
			continue
		}
		for i := range tc.slept {
			if clock.Slept()[i] != tc.slept[i] {
				t.Errorf("%v: slept %v, want %v", tc.status, clock.Slept(), tc.slept)
			}
		}
		for i, a := range res.Attempts {
			if a.HTTPStatus != tc.status[i] || a.Number != i+1 {
				t.Errorf("%v: attempt %+v", tc.status, a)
			}
		}
		if !tc.delivered && !strings.Contains(res.Err.Error(), "no such hook") {
			t.Errorf("%v: error %v does not say what the server said", tc.status, res.Err)
		}
	}
}

// A request that runs out of the integration's own timeout is retried: the
// receiver was slow, not wrong.
func TestWebhookTimeoutIsRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c := webhookConfig(t, srv.URL)
	c.Timeout = 50 * time.Millisecond
	in := buildOne(t, &amconfig.Receiver{Name: "audit", WebhookConfigs: []*amconfig.WebhookConfig{c}}, Options{})
	clock := newFakeClock()
	res := Deliver(context.Background(), in, firingNotification(), noJitter(), clock)
	if res.Err != nil || calls.Load() != 2 || len(res.Attempts) != 2 || res.Attempts[0].Status != AttemptRetrying {
		t.Fatalf("error %v, %d calls, attempts %+v: want the timed-out request retried and delivered", res.Err, calls.Load(), res.Attempts)
	}
}
