package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Spans from telemetrygen with a known share of errors, and an OpenSLO SLO
// on them in SLOPIPE_SLO_DIR: the sli processor counts exactly that many
// good and total events for the tenant.
func TestSpanSLICountsTelemetrygenSpansExactly(t *testing.T) {
	telemetrygen := peer(t, "SLOPIPE_TELEMETRYGEN", "telemetrygen")
	dir := t.TempDir()
	slos := filepath.Join(dir, "slos")
	if err := os.MkdirAll(slos, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := `apiVersion: openslo/v1
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
	if err := os.WriteFile(filepath.Join(slos, "loadgen.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep, []string{"SLOPIPE_SLO_DIR=" + slos},
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
}
