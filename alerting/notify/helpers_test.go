package notify

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/notify/notifytest"
)

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

const testGroupKey = `{}/{severity="page"}:{slo="checkout", tenant="acme"}`

// burnAlert is a page of the checkout SLO as the alert policy makes it.
func burnAlert(slo, tenant, severity string) *alerting.Alert {
	return &alerting.Alert{
		Labels: model.LabelSet{
			"alertname": "SLOBurnRate", "slo": model.LabelValue(slo), "tenant": model.LabelValue(tenant),
			"service": "shop", "team": "payments", "severity": model.LabelValue(severity), "windows": "1h/5m,6h/30m",
		},
		Annotations: model.LabelSet{
			"summary":          model.LabelValue(slo + " burns its error budget too fast"),
			"description":      "99.9% of checkouts succeed over 30d",
			"runbook_url":      model.LabelValue("https://runbooks.example.com/" + slo),
			"dashboard_url":    model.LabelValue("https://grafana.example.com/d/" + slo),
			"burn_rates":       "5m=20.1 1h=15.2",
			"budget_remaining": "63.2%",
			"burn_window":      "1h/5m",
		},
		StartsAt:     t0.Add(-10 * time.Minute),
		GeneratorURL: "https://slopipe.example.com/slo/" + slo,
	}
}

func firingNotification(alerts ...*alerting.Alert) *alerting.Notification {
	if len(alerts) == 0 {
		alerts = []*alerting.Alert{burnAlert("checkout", "acme", "page")}
	}
	return &alerting.Notification{
		Receiver:    "pager",
		GroupKey:    testGroupKey,
		GroupLabels: model.LabelSet{"slo": "checkout", "tenant": "acme"},
		Alerts:      alerts,
		Now:         t0,
		ExternalURL: "https://slopipe.example.com",
		State:       map[string]string{},
	}
}

// resolvedNotification is n a few minutes later, every alert ended.
func resolvedNotification(n *alerting.Notification) *alerting.Notification {
	cp := *n
	cp.Now = n.Now.Add(5 * time.Minute)
	cp.Alerts = nil
	for _, a := range n.Alerts {
		ra := *a
		ra.EndsAt = n.Now.Add(4 * time.Minute)
		cp.Alerts = append(cp.Alerts, &ra)
	}
	cp.State = map[string]string{}
	for k, v := range n.State {
		cp.State[k] = v
	}
	return &cp
}

func newFakeClock() *notifytest.Clock { return notifytest.NewClock(t0) }

// total is how long clock slept.
func total(clock *notifytest.Clock) time.Duration {
	var sum time.Duration
	for _, d := range clock.Slept() {
		sum += d
	}
	return sum
}

// recorded is one request a fake server got.
type recorded struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// recorder is a fake server's log of requests, in order.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) record(req *http.Request) recorded {
	b, _ := io.ReadAll(req.Body)
	rec := recorded{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: b}
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	return rec
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

// assertJSON compares a JSON body with the JSON expected, as structures.
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("expected JSON is broken: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		gi, _ := json.MarshalIndent(g, "", "  ")
		wi, _ := json.MarshalIndent(w, "", "  ")
		t.Fatalf("body differs\n got: %s\nwant: %s", gi, wi)
	}
}

func noJitter() RetryPolicy { return RetryPolicy{Jitter: -1} }
