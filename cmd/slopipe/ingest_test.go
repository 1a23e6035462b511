package main

import (
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// telemetrygen, the collector project's own load generator, sends over gRPC
// and over HTTP with a tenant header; every span, log record and data point
// lands in its table under that tenant, exactly once.
func TestTelemetrygenItemsLandExactlyOnceUnderTheirTenant(t *testing.T) {
	telemetrygen := peer(t, "SLOPIPE_TELEMETRYGEN", "telemetrygen")
	ep := newEndpoints(t)
	d := startDaemon(t, t.TempDir(), ep, nil)
	defer d.stop()

	cases := []struct {
		signal, countFlag, table string
		want                     uint64 // rows for 1000 of countFlag
	}{
		// A telemetrygen trace is a parent and one child span.
		{"traces", "--traces", "otel_traces", 2000},
		{"logs", "--logs", "otel_logs", 1000},
		{"metrics", "--metrics", "otel_metrics_gauge", 1000},
	}
	for _, c := range cases {
		for _, transport := range []string{"grpc", "http"} {
			t.Run(c.signal+"/"+transport, func(t *testing.T) {
				tenant := "acme-" + c.signal + "-" + transport
				args := []string{c.signal, "--otlp-insecure", c.countFlag, "1000", "--rate", "0",
					"--otlp-header", fmt.Sprintf("X-Scope-OrgID=%q", tenant)}
				if transport == "http" {
					args = append(args, "--otlp-http", "--otlp-endpoint", ep.otlpHTTP)
				} else {
					args = append(args, "--otlp-endpoint", ep.otlpGRPC)
				}
				out, err := exec.Command(telemetrygen, args...).CombinedOutput()
				if err != nil {
					t.Fatalf("telemetrygen %v: %v\n%s", args, err, out)
				}
				waitForCount(t, ep.clickhouseHTTP,
					fmt.Sprintf("SELECT count() FROM %s WHERE TenantId = '%s'", c.table, tenant), c.want, 60*time.Second)
			})
		}
	}
	// The README's own command line: default endpoint... is what make run
	// binds; here the tenant is 'acme' as there.
	out, err := exec.Command(telemetrygen, "traces", "--otlp-insecure", "--otlp-endpoint", ep.otlpGRPC,
		"--otlp-header", `X-Scope-OrgID="acme"`, "--traces", "1000", "--rate", "0").CombinedOutput()
	if err != nil {
		t.Fatalf("telemetrygen: %v\n%s", err, out)
	}
	waitForCount(t, ep.clickhouseHTTP, "SELECT count() FROM otel_traces WHERE TenantId = 'acme'", 2000, 60*time.Second)
	// Usage for chargeback counts what was accepted.
	waitForCount(t, ep.clickhouseHTTP,
		"SELECT sum(Items) FROM slopipe_ingest_usage WHERE TenantId = 'acme' AND Signal = 'traces'", 2000, 60*time.Second)
}
