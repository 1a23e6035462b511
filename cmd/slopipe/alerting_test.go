package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The acceptance tests of alerting against the real daemon: data in over
// OTLP, a burn paged to a local stand-in for PagerDuty, the alert
// forwarded to a real Alertmanager (Debian's, queried with amtool), the
// deploy gate and silences through the slopipe CLI, and no secret in any
// log or API answer.

// searchSloth is a second service whose SLO is healthy: the gate lets it
// deploy while checkout waits.
const searchSloth = `version: "prometheus/v1"
service: "search"
slos:
  - name: "search-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="search",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="search"}[{{.window}}]))
`

// Secrets the configuration holds; none may show anywhere.
const (
	daemonRoutingKey = "pdkey-5f0c9e2a7b6d4e1f8a3c0b9d2e7f6a1c"
	daemonSlackHook  = "T000/B000/hooksecret0123456789abcdef"
)

const daemonAlertingConfig = `# the on-call configuration
route:
  receiver: pager
  group_by: [alertname, slo, tenant, severity]
  group_wait: 1s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: [severity="ticket"]
      receiver: tickets
receivers:
  - name: pager
    pagerduty_configs:
      - routing_key_file: routing-key
        url: {{PD}}/v2/enqueue
  - name: tickets
    slack_configs:
      - api_url: {{SLACK}}/services/` + daemonSlackHook + `
        channel: '#tickets'
inhibit_rules:
  # The page inhibits the burn's ticket; the spent budget's goes to Slack.
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket", alertname="SLOErrorBudgetBurn"]
    equal: [slo, tenant]
`

// recorder is a local HTTP server that keeps every request body.
type recorder struct {
	server *httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newRecorder(t *testing.T, answer string, status int) *recorder {
	r := &recorder{}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, req.URL.Path+" "+string(body))
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, answer)
	}))
	t.Cleanup(r.server.Close)
	return r
}

func (r *recorder) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// startAlertmanager runs Debian's Alertmanager on a free loopback port.
func startAlertmanager(t *testing.T, dir string) string {
	t.Helper()
	bin := peer(t, "SLOPIPE_ALERTMANAGER", "prometheus-alertmanager")
	cfg := filepath.Join(dir, "alertmanager.yml")
	writeSpec(t, cfg, "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n")
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "am-data"),
		"--web.listen-address="+addr, "--cluster.listen-address=")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Alertmanager did not become ready:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cli runs the slopipe command line, as a user would, and returns its
// output and exit code.
func cli(t *testing.T, api string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1", "SLOPIPE_API_ADDR="+api)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// burningTraffic is three hours of checkout requests for acme with the
// last half hour failing a fifth of them, and search's healthy ones.
func burningTraffic(now time.Time) (checkout, search *requestCounters) {
	base := now.Truncate(time.Minute)
	at := func(minutesAgo int) time.Time {
		return base.Add(-time.Duration(minutesAgo)*time.Minute + 30*time.Second)
	}
	checkout = newRequestCounters("acme", at(181), 0)
	search = newRequestCounters("acme", at(181), 0)
	search.service = "search"
	for k := 180; k >= 1; k-- {
		failed := 0.0
		if k <= 30 {
			failed = 20
		}
		checkout.sample(at(k), 100-failed, failed)
		search.sample(at(k), 100, 0)
	}
	return checkout, search
}

// A burning SLO pages PagerDuty once, reaches a real Alertmanager, blocks
// its service's deploys while another's go ahead; a silence is added,
// listed and expired with the CLI; a restart mid-incident pages nobody
// again; and neither the routing key nor the Slack webhook shows in any
// log or API answer.
func TestDaemonPagesForwardsGatesAndKeepsSecrets(t *testing.T) {
	dir := t.TempDir()
	slos := filepath.Join(dir, "slos")
	if err := os.MkdirAll(slos, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSpec(t, filepath.Join(slos, "checkout.yaml"), checkoutSloth)
	writeSpec(t, filepath.Join(slos, "search.yaml"), searchSloth)

	pd := newRecorder(t, `{"status":"success","message":"Event processed"}`, http.StatusAccepted)
	slack := newRecorder(t, `ok`, http.StatusOK)
	writeSpec(t, filepath.Join(dir, "routing-key"), daemonRoutingKey+"\n")
	alertingFile := filepath.Join(dir, "alerting.yml")
	writeSpec(t, alertingFile, strings.NewReplacer("{{PD}}", pd.server.URL, "{{SLACK}}", slack.server.URL).Replace(daemonAlertingConfig))
	am := startAlertmanager(t, dir)

	checkout, search := burningTraffic(time.Now())
	ep := newEndpoints(t)
	// Debug logging: a secret must not show at any level.
	env := []string{"SLOPIPE_SLO_DIR=" + slos, "SLOPIPE_SLO_INTERVAL=1s", "SLOPIPE_ALERTING_CONFIG=" + alertingFile,
		"SLOPIPE_ALERTMANAGER_URLS=[http://" + am + "]", "SLOPIPE_LOG_LEVEL=debug"}
	data := filepath.Join(dir, "data")
	d := startDaemon(t, data, ep, env)
	checkout.send(t, ep.otlpHTTP, 0, 200)
	search.send(t, ep.otlpHTTP, 0, 200)

	// One trigger, as soon as an evaluation has the burn.
	deadline := time.Now().Add(90 * time.Second)
	for len(pd.received()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no page within 90s:\n%s", d.out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(5 * time.Second) // evaluations go on every second
	events := pd.received()
	if len(events) != 1 {
		t.Fatalf("PagerDuty got %d requests, want one trigger:\n%s", len(events), strings.Join(events, "\n"))
	}
	var trigger struct {
		RoutingKey string `json:"routing_key"`
		Action     string `json:"event_action"`
		DedupKey   string `json:"dedup_key"`
		Payload    struct {
			Summary  string `json:"summary"`
			Severity string `json:"severity"`
		} `json:"payload"`
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(events[0], "/v2/enqueue ")), &trigger); err != nil {
		t.Fatal(err)
	}
	if trigger.RoutingKey != daemonRoutingKey || trigger.Action != "trigger" || trigger.Payload.Severity != "critical" ||
		!strings.Contains(trigger.Payload.Summary, "requests-availability") || !strings.Contains(trigger.Payload.Summary, "acme") {
		t.Errorf("trigger %+v", trigger)
	}
	got := slack.received()
	if len(got) != 1 || !strings.HasPrefix(got[0], "/services/"+daemonSlackHook+" ") || !strings.Contains(got[0], "SLOErrorBudgetExhausted") ||
		strings.Contains(got[0], "SLOErrorBudgetBurn") {
		t.Errorf("Slack got %v, want the spent budget's ticket alone (the burn's is inhibited by the page)", got)
	}

	// The real Alertmanager has the page, the ticket and the spent budget,
	// as amtool shows.
	amtool := peer(t, "SLOPIPE_AMTOOL", "amtool")
	var shown []struct {
		Labels map[string]string      `json:"labels"`
		Status struct{ State string } `json:"status"`
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command(amtool, "--alertmanager.url=http://"+am, "alert", "query", "-o", "json", "slo=requests-availability").CombinedOutput()
		if err != nil {
			t.Fatalf("amtool: %v\n%s", err, out)
		}
		if err := json.Unmarshal(out, &shown); err != nil {
			t.Fatalf("amtool: %v\n%s", err, out)
		}
		if len(shown) == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	names := map[string]bool{}
	for _, a := range shown {
		if a.Labels["tenant"] != "acme" || a.Labels["service"] != "checkout" || a.Status.State != "active" {
			t.Errorf("Alertmanager shows %+v", a)
		}
		names[a.Labels["alertname"]+"/"+a.Labels["severity"]] = true
	}
	if len(shown) != 3 || !names["SLOErrorBudgetBurn/page"] || !names["SLOErrorBudgetBurn/ticket"] || !names["SLOErrorBudgetExhausted/ticket"] {
		t.Errorf("amtool alert query shows %+v, want the burn's page and ticket and the budget's exhaustion", shown)
	}

	// The gate: checkout's budget is spent, search's is whole.
	out, code := cli(t, ep.api, "gate", "check", "--service", "checkout")
	if code != 1 || !strings.Contains(out, `SLO "requests-availability" for tenant "acme" has`) {
		t.Errorf("gate check --service checkout exited %d:\n%s", code, out)
	}
	out, code = cli(t, ep.api, "gate", "check", "--service", "search", "--tenant", "acme")
	if code != 0 || !strings.Contains(out, "allowed") {
		t.Errorf("gate check --service search exited %d:\n%s", code, out)
	}
	if out, code = cli(t, freeAddr(t), "gate", "check", "--service", "search"); code != 2 {
		t.Errorf("gate check against no daemon exited %d, want 2:\n%s", code, out)
	}
	resp, err := http.Get("http://" + ep.api + "/api/v1/deploy-gate?service=checkout&tenant=acme")
	if err != nil {
		t.Fatal(err)
	}
	var decision struct {
		Allowed bool     `json:"allowed"`
		Reasons []string `json:"reasons"`
	}
	json.NewDecoder(resp.Body).Decode(&decision)
	resp.Body.Close()
	if resp.StatusCode != http.StatusLocked || decision.Allowed || len(decision.Reasons) != 1 {
		t.Errorf("deploy gate answered %d %+v, want 423 with a reason", resp.StatusCode, decision)
	}

	// Silences through the CLI.
	out, code = cli(t, ep.api, "silence", "add", "slo=requests-availability", `tenant=~"acme|beta"`, "-d", "2h", "-a", "oncall", "-c", "rollback under way")
	id := strings.TrimSpace(out)
	if code != 0 || len(id) != 36 {
		t.Fatalf("silence add exited %d: %q", code, out)
	}
	if out, code = cli(t, ep.api, "silence", "list"); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "active") ||
		!strings.Contains(out, `tenant=~"acme|beta"`) {
		t.Errorf("silence list exited %d:\n%s", code, out)
	}
	if out, code = cli(t, ep.api, "silence", "add", "slo=~.*", "-c", "everything"); code == 0 || !strings.Contains(out, "would mute every alert") {
		t.Errorf("a silence of everything: exit %d:\n%s", code, out)
	}
	if out, code = cli(t, ep.api, "silence", "expire", id); code != 0 {
		t.Errorf("silence expire exited %d:\n%s", code, out)
	}
	if out, _ = cli(t, ep.api, "silence", "list"); !strings.Contains(out, "expired") {
		t.Errorf("after expire, silence list:\n%s", out)
	}

	// A restart mid-incident pages nobody again.
	apiAnswers := apiText(t, ep.api)
	d.stop()
	logs := d.out.String()
	d = startDaemon(t, data, ep, env)
	defer d.stop()
	time.Sleep(8 * time.Second)
	if got := pd.received(); len(got) != 1 {
		t.Errorf("after a restart PagerDuty got %d requests, want still the one trigger:\n%s", len(got), strings.Join(got, "\n"))
	}

	// Secrets: in no log line and no API answer.
	apiAnswers += apiText(t, ep.api)
	logs += d.out.String()
	if !strings.Contains(logs, "alerting configuration loaded") || !strings.Contains(logs, `"level":"debug"`) && !strings.Contains(logs, "\tdebug\t") {
		t.Errorf("the logs to search are not the daemon's debug logs")
	}
	for _, secret := range []string{daemonRoutingKey, daemonSlackHook} {
		if strings.Contains(logs, secret) {
			t.Errorf("the daemon's log holds a secret")
		}
		if strings.Contains(apiAnswers, secret) {
			t.Errorf("an API answer holds a secret")
		}
	}
}

// apiText is every API answer, for a grep.
func apiText(t *testing.T, api string) string {
	t.Helper()
	var b strings.Builder
	for _, path := range []string{"/api/v1/alerts", "/api/v1/silences", "/api/v1/slos", "/api/v1/deploy-gate?service=checkout"} {
		resp, err := http.Get("http://" + api + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		b.Write(body)
	}
	return b.String()
}

// A configuration that cannot be used stops the daemon at start with the
// file, line and field, and no secret.
func TestDaemonRefusesBrokenAlertingConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "alerting.yml")
	writeSpec(t, file, "route:\n  receiver: pagr\nreceivers:\n  - name: pager\n    pagerduty_configs:\n      - routing_key: "+daemonRoutingKey+"\n")
	ep := newEndpoints(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1", "SLOPIPE_DATA_DIR="+filepath.Join(dir, "data"),
		"SLOPIPE_ALERTING_CONFIG="+file, "SLOPIPE_API_ADDR="+ep.api, "SLOPIPE_HEALTH_ENDPOINT="+ep.health,
		"SLOPIPE_OTLP_GRPC_ENDPOINT="+ep.otlpGRPC, "SLOPIPE_OTLP_HTTP_ENDPOINT="+ep.otlpHTTP,
		"SLOPIPE_REMOTE_WRITE_ENDPOINT="+ep.remoteWrite, "SLOPIPE_CLICKHOUSE_HTTP_ADDR="+ep.clickhouseHTTP,
		"SLOPIPE_TELEMETRY_PORT="+ep.telemetryPort, "SLOPIPE_SELF_TELEMETRY_ENDPOINT="+ep.selfTelemetry)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the daemon started with a broken alerting configuration:\n%s", out)
	}
	if want := file + `:2: route.receiver: "pagr" is not a receiver`; !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if strings.Contains(string(out), daemonRoutingKey) {
		t.Error("the error shows the routing key")
	}
}
