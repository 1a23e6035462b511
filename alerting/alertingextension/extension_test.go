package alertingextension

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
	"github.com/slopipe/slopipe/slo/sloextension/sloextensiontest"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "alertingextension")) }

// burning is an evaluation where checkout's page fires for tenant, at at.
func burning(tenant string, at time.Time) *evaluator.Snapshot {
	spec := &slo.SLO{Name: "checkout", Service: "checkout", Objective: 0.999, Window: slo.RollingWindow(30 * 24 * time.Hour)}
	r := evaluator.Result{SLO: "checkout", Service: "checkout", Tenant: tenant, Objective: 0.999, Total: 1000, EvaluatedAt: at,
		BudgetRemaining: slo.Value{V: 0.5, Known: true}}
	for i := range r.BurnRates {
		r.BurnRates[i] = slo.Value{V: 50, Known: true}
		r.WindowEvents[i] = 1000
	}
	return &evaluator.Snapshot{EvaluatedAt: at, Results: []evaluator.Result{r}, SLOs: map[string]*slo.SLO{"checkout": spec}, Cycles: 1}
}

const webhookConfig = `route:
  receiver: hook
  group_by: [tenant]
  group_wait: 0s
receivers:
  - name: hook
    webhook_configs:
      - url: {{URL}}
`

// A change to the configuration file that does not load is logged and
// counted, and the last good configuration keeps delivering; the fixed
// file is taken up.
func TestReloadKeepsTheLastGoodConfiguration(t *testing.T) {
	var mu sync.Mutex
	var got []string // tenants notified, by which hook
	hook := func(name string) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			for _, tenant := range []string{"acme", "beta", "gamma"} {
				if strings.Contains(string(body), `"tenant":"`+tenant+`"`) {
					got = append(got, name+":"+tenant)
				}
			}
		}))
		t.Cleanup(s.Close)
		return s
	}
	first, second := hook("first"), hook("second")
	file := filepath.Join(t.TempDir(), "alerting.yml")
	write := func(text string) {
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(strings.ReplaceAll(webhookConfig, "{{URL}}", first.URL))

	cfg := createDefaultConfig().(*Config)
	cfg.ConfigFile, cfg.ReloadPeriod, cfg.FlushInterval = file, 100*time.Millisecond, 20*time.Millisecond
	engine := sloextensiontest.NewEngine()
	h := storeextensiontest.NewHostWith(cfg.Store, storetest.Open(t), map[component.ID]component.Component{cfg.SLO: engine})
	x := newExtension(cfg, componenttest.NewNopTelemetrySettings())
	if err := x.Start(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	defer x.Shutdown(context.Background())

	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			done := strings.Contains(strings.Join(got, ","), want)
			mu.Unlock()
			if done {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s; notified: %v", want, got)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	engine.Evaluate(burning("acme", time.Now()))
	waitFor("first:acme")

	write("route:\n  receiver: hook\n  group_wait: soon\nreceivers:\n  - name: hook\n")
	deadline := time.Now().Add(10 * time.Second)
	for x.failures() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the broken file was not read")
		}
		time.Sleep(20 * time.Millisecond)
	}
	snap := burning("beta", time.Now())
	snap.Results = append(snap.Results, burning("acme", time.Now()).Results...)
	engine.Evaluate(snap)
	waitFor("first:beta")

	write(strings.ReplaceAll(webhookConfig, "{{URL}}", second.URL))
	time.Sleep(500 * time.Millisecond) // a reload period or more
	snap = burning("gamma", time.Now())
	engine.Evaluate(snap)
	waitFor("second:gamma")
	if x.failures() != 1 {
		t.Errorf("%d reload failures counted, want 1", x.failures())
	}
}

// A broken file at start stops the extension, naming file, line and field.
func TestStartRefusesABrokenConfiguration(t *testing.T) {
	file := filepath.Join(t.TempDir(), "alerting.yml")
	if err := os.WriteFile(file, []byte("route:\n  receiver: nobody\nreceivers:\n  - name: hook\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.ConfigFile = file
	h := storeextensiontest.NewHostWith(cfg.Store, storetest.Open(t), map[component.ID]component.Component{cfg.SLO: sloextensiontest.NewEngine()})
	err := newExtension(cfg, componenttest.NewNopTelemetrySettings()).Start(context.Background(), h)
	if err == nil || !strings.Contains(err.Error(), file+`:2: route.receiver: "nobody" is not a receiver`) {
		t.Fatalf("Start: %v", err)
	}
}

// A rotated credentials file is taken up without touching the
// configuration file.
func TestReloadTakesUpARotatedSecretFile(t *testing.T) {
	var mu sync.Mutex
	var tokens []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer srv.Close()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("first-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "alerting.yml")
	config := strings.ReplaceAll(webhookConfig, "{{URL}}", srv.URL) +
		"        http_config:\n          authorization:\n            credentials_file: token\n"
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.ConfigFile, cfg.ReloadPeriod, cfg.FlushInterval = file, 100*time.Millisecond, 20*time.Millisecond
	engine := sloextensiontest.NewEngine()
	x := newExtension(cfg, componenttest.NewNopTelemetrySettings())
	if err := x.Start(context.Background(), storeextensiontest.NewHostWith(cfg.Store, storetest.Open(t), map[component.ID]component.Component{cfg.SLO: engine})); err != nil {
		t.Fatal(err)
	}
	defer x.Shutdown(context.Background())
	waitFor := func(n int) []string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			got := append([]string(nil), tokens...)
			mu.Unlock()
			if len(got) >= n || time.Now().After(deadline) {
				return got
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	engine.Evaluate(burning("acme", time.Now()))
	if got := waitFor(1); len(got) != 1 || got[0] != "Bearer first-token" {
		t.Fatalf("Authorization %q", got)
	}
	if err := os.WriteFile(tokenFile, []byte("second-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	snap := burning("beta", time.Now())
	snap.Results = append(snap.Results, burning("acme", time.Now()).Results...)
	engine.Evaluate(snap)
	if got := waitFor(2); len(got) != 2 || got[1] != "Bearer second-token" {
		t.Fatalf("Authorization %q, want the rotated token", got)
	}
	if x.failures() != 0 {
		t.Errorf("%d reload failures", x.failures())
	}
}
