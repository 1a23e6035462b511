package notify

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/alerting"
)

func TestAlertmanagerForwarder(t *testing.T) {
	am1 := newFakeWebhook(t, "")
	am2 := newFakeWebhook(t, "")
	f, err := NewAlertmanagerForwarder([]string{am1.URL, am2.URL + "/alertmanager/"}, nil)
	if err != nil {
		t.Fatal(err)
	}

	firing := burnAlert("checkout", "acme", "page")
	resolved := burnAlert("search", "acme", "ticket")
	resolved.EndsAt = t0.Add(-30 * time.Second)
	if err := f.Send(context.Background(), []*alerting.Alert{firing, resolved}, t0, time.Minute); err != nil {
		t.Fatal(err)
	}

	want := `[
		{"labels": {"alertname":"SLOBurnRate","slo":"checkout","tenant":"acme","service":"shop","team":"payments","severity":"page","windows":"1h/5m,6h/30m"},
		 "annotations": {"summary":"checkout burns its error budget too fast","description":"99.9% of checkouts succeed over 30d",
			"runbook_url":"https://runbooks.example.com/checkout","dashboard_url":"https://grafana.example.com/d/checkout",
			"burn_rates":"5m=20.1 1h=15.2","budget_remaining":"63.2%","burn_window":"1h/5m"},
		 "startsAt": "2025-03-14T09:16:53Z", "endsAt": "2025-03-14T09:30:53Z",
		 "generatorURL": "https://slopipe.example.com/slo/checkout"},
		{"labels": {"alertname":"SLOBurnRate","slo":"search","tenant":"acme","service":"shop","team":"payments","severity":"ticket","windows":"1h/5m,6h/30m"},
		 "annotations": {"summary":"search burns its error budget too fast","description":"99.9% of checkouts succeed over 30d",
			"runbook_url":"https://runbooks.example.com/search","dashboard_url":"https://grafana.example.com/d/search",
			"burn_rates":"5m=20.1 1h=15.2","budget_remaining":"63.2%","burn_window":"1h/5m"},
		 "startsAt": "2025-03-14T09:16:53Z", "endsAt": "2025-03-14T09:26:23Z",
		 "generatorURL": "https://slopipe.example.com/slo/search"}
	]`
	for i, am := range []*fakeWebhook{am1, am2} {
		reqs := am.all()
		wantPath := []string{"/api/v2/alerts", "/alertmanager/api/v2/alerts"}[i]
		if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != wantPath || reqs[0].Header.Get("Content-Type") != "application/json" {
			t.Fatalf("alertmanager %d got %+v", i+1, reqs)
		}
		assertJSON(t, reqs[0].Body, want)
	}

	// Nothing to send: no request.
	if err := f.Send(context.Background(), nil, t0, time.Minute); err != nil || len(am1.all()) != 1 {
		t.Fatalf("empty send: %v, %d requests", err, len(am1.all()))
	}
}

func TestAlertmanagerForwarderErrors(t *testing.T) {
	ok := newFakeWebhook(t, "")
	bad := newFakeWebhook(t, `{"code":400,"message":"start time must be before end time"}`, http.StatusBadRequest)
	f, err := NewAlertmanagerForwarder([]string{ok.URL + "/api/v2/alerts", bad.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = f.Send(context.Background(), []*alerting.Alert{burnAlert("checkout", "acme", "page")}, t0, 0)
	if err == nil || !strings.Contains(err.Error(), "HTTP 400: {\"code\":400,\"message\":\"start time must be before end time\"}") {
		t.Fatalf("error %v", err)
	}
	if len(ok.all()) != 1 || ok.all()[0].Path != "/api/v2/alerts" {
		t.Fatalf("the healthy Alertmanager got %+v", ok.all())
	}
	// resendDelay 0 is one minute: ends 4m after now.
	if !strings.Contains(string(ok.all()[0].Body), `"endsAt":"2025-03-14T09:30:53Z"`) {
		t.Fatalf("body %s", ok.all()[0].Body)
	}

	for _, urls := range [][]string{nil, {"am:9093"}, {"ftp://am"}, {"http://"}} {
		if _, err := NewAlertmanagerForwarder(urls, nil); err == nil {
			t.Errorf("NewAlertmanagerForwarder(%q) took it", urls)
		}
	}
	if _, err := NewAlertmanagerForwarder([]string{"http://user:hunter2@am:9093"}, nil); err != nil {
		t.Fatal(err)
	}
	f, _ = NewAlertmanagerForwarder([]string{"http://user:hunter2@" + closedAddr(t)}, nil)
	err = f.Send(context.Background(), []*alerting.Alert{burnAlert("checkout", "acme", "page")}, t0, time.Minute)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v", err)
	}
}
