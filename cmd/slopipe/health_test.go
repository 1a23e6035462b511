package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// healthReport is the health extension's answer.
type healthReport struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func getHealth(t *testing.T, addr, path string) (int, healthReport) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r healthReport
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return resp.StatusCode, r
}

// waitForHealth polls path until ok says the answer is the one wanted,
// failing with the last answer after timeout.
func waitForHealth(t *testing.T, addr, path string, timeout time.Duration, ok func(int, healthReport) bool) healthReport {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, r := getHealth(t, addr, path)
		if ok(code, r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %d %+v after %s", path, code, r, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Readiness follows the store and the sending queue, liveness only the
// pipelines: an ingest daemon in server mode is ready, then not ready
// naming the store when its store goes away, then not ready naming the
// full queue, and ready again once the store is back; it stays live
// throughout. The embedded store's daemon is live and ready too.
func TestHealthFollowsTheStoreAndTheQueue(t *testing.T) {
	m := startServerMode(t,
		"yaml:exporters::clickhouse::sending_queue::queue_size: 1000",
		"yaml:exporters::clickhouse::sending_queue::batch::min_size: 100")
	for _, addr := range []string{m.storeEP.health, m.ingestEP.health} {
		for _, path := range []string{"/livez", "/readyz", "/"} {
			code, r := getHealth(t, addr, path)
			if code != http.StatusOK || r.Status != "ok" || r.Checks["pipelines"] != "ok" {
				t.Fatalf("%s%s: %d %+v, want 200", addr, path, code, r)
			}
			if path != "/livez" && (r.Checks["store"] != "ok" || r.Checks["queue"] != "ok") {
				t.Fatalf("%s%s checks %v, want store and queue ok", addr, path, r.Checks)
			}
		}
	}

	health := m.ingestEP.health
	m.stopStore()
	r := waitForHealth(t, health, "/readyz", 15*time.Second, func(code int, r healthReport) bool {
		return code == http.StatusServiceUnavailable && r.Checks["store"] != "ok"
	})
	t.Logf("store down: %+v", r)
	if r.Status != "unavailable" || r.Checks["pipelines"] != "ok" {
		t.Errorf("store down: %+v", r)
	}
	if code, r := getHealth(t, health, "/livez"); code != http.StatusOK {
		t.Errorf("/livez with the store down: %d %+v, want 200", code, r)
	}

	client := &http.Client{Timeout: 5 * time.Second}
	refused := false
	for seq := uint64(1); seq <= 100 && !refused; seq++ {
		res := postTraces(client, m.ingestEP.otlpHTTP, "health", traceRequest(t, seq, 100))
		if res.err != nil {
			t.Fatal(res.err)
		}
		refused = res.status == http.StatusServiceUnavailable
	}
	if !refused {
		t.Fatal("the queue never filled")
	}
	_, r = getHealth(t, health, "/readyz")
	if !strings.HasPrefix(r.Checks["queue"], "exporter clickhouse (traces): sending queue is full since ") {
		t.Fatalf("queue full: %+v, want the queue check naming the traces exporter", r)
	}
	if code, _ := getHealth(t, health, "/livez"); code != http.StatusOK {
		t.Errorf("/livez with the queue full: %d, want 200", code)
	}

	m.startStore()
	r = waitForHealth(t, health, "/", 60*time.Second, func(code int, _ healthReport) bool { return code == http.StatusOK })
	if r.Checks["store"] != "ok" || r.Checks["queue"] != "ok" {
		t.Errorf("store back: %+v", r)
	}
}

// The built-in configuration serves Go's profiles only when
// SLOPIPE_PPROF_ENDPOINT names an address.
func TestProfilesServedWhenAsked(t *testing.T) {
	pprofAddr := freeAddr(t)
	d := startDaemon(t, t.TempDir(), newEndpoints(t), []string{"SLOPIPE_PPROF_ENDPOINT=" + pprofAddr})
	defer d.stop()
	resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile:") {
		t.Fatalf("GET /debug/pprof/goroutine: %d %.200s", resp.StatusCode, body)
	}
}
