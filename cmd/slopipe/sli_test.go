package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// loadgenSLO is an OpenSLO SLO over telemetrygen's spans (service loadgen),
// counted at ingest by the sli processor.
const loadgenSLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: loadgen-availability
spec:
  service: loadgen
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  indicator:
    metadata:
      name: loadgen-spans
    spec:
      ratioMetric:
        counter: true
        total:
          metricSource:
            type: slopipe.spans
            spec:
              service: loadgen
              good:
                notError: true
  objectives:
    - target: 0.99
`

// Spans from telemetrygen with a known share of errors, and an OpenSLO SLO
// on them in SLOPIPE_SLO_DIR: the sli processor counts exactly that many
// good and total events for the tenant, and the SLO API reports exactly
// the SLI, error budget and burn rates those counts give.
func TestSpanSLICountsTelemetrygenSpansExactly(t *testing.T) {
	telemetrygen := peer(t, "SLOPIPE_TELEMETRYGEN", "telemetrygen")
	dir := t.TempDir()
	slos := filepath.Join(dir, "slos")
	if err := os.MkdirAll(slos, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(slos, "loadgen.yaml"), []byte(loadgenSLO), 0o644); err != nil {
		t.Fatal(err)
	}
	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep, []string{"SLOPIPE_SLO_DIR=" + slos, "SLOPIPE_SLO_INTERVAL=1s"},
		"--config", defaultConfigURI, "--config", "yaml:processors::sli::flush_interval: 1s")
	defer d.stop()

	send := func(traces int, status string) {
		out, err := exec.Command(telemetrygen, "traces", "--otlp-insecure", "--otlp-endpoint", ep.otlpGRPC,
			"--otlp-header", `X-Scope-OrgID="acme"`, "--service", "loadgen", "--status-code", status,
			"--traces", fmt.Sprint(traces), "--rate", "0").CombinedOutput()
		if err != nil {
			t.Fatalf("telemetrygen: %v\n%s", err, out)
		}
	}
	// Each telemetrygen trace is two spans: 300 good spans, 100 failed.
	send(150, "Ok")
	send(50, "Error")
	where := "FROM slopipe_sli_events WHERE TenantId = 'acme' AND Slo = 'loadgen-availability'"
	waitForCount(t, ep.clickhouseHTTP, "SELECT sum(Total) "+where, 400, 60*time.Second)
	waitForCount(t, ep.clickhouseHTTP, "SELECT sum(Good) "+where, 300, 10*time.Second)

	// The evaluator runs every second; wait for an evaluation that has
	// every span.
	const path = "/api/v1/slos/loadgen-availability?tenant=acme"
	deadline := time.Now().Add(30 * time.Second)
	var e *sloEntry
	for {
		a := getSLOs(t, ep.api, path)
		if e = a.entryOf("loadgen-availability", "acme"); e != nil && e.Total == 400 {
			if len(a.Data) != 1 || len(a.Problems) != 0 {
				t.Errorf("%s: want acme's entry alone and no problems: %+v", path, a)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no evaluation with the 400 spans: %+v\n%s", path, a, d.out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// All 400 spans are from the last minute or two, so the period and every
	// burn-rate window, 5m to 3d, hold the same 300 good of 400.
	counts := sliCounts{good: 300, total: 400}
	want := expectedStatus{objective: 0.99, period: counts, periodName: "28d", periodStart: e.EvaluatedAt.Add(-28 * 24 * time.Hour)}
	for range burnWindows {
		want.windows = append(want.windows, counts)
	}
	if bad := entryMismatches(e, want); len(bad) > 0 {
		reportMismatches(t, e, bad)
		return
	}
	// The same numbers written out: 25 % errors against the 1 % allowed.
	if burn := 0.25 / (1 - 0.99); e.Service != "loadgen" || *e.SLI != 0.75 ||
		math.Abs(*e.BudgetRemaining-(1-burn)) >= 1e-9 || math.Abs(*e.BurnRates["5m"]-burn) >= 1e-9 {
		t.Errorf("service %q, sli %v, budget_remaining %v, 5m burn %v; want loadgen, 0.75, %v, %v",
			e.Service, *e.SLI, *e.BudgetRemaining, *e.BurnRates["5m"], 1-burn, burn)
	}
}
