package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A tenant sending at ten times its rate is refused with 429 and a
// Retry-After, while another tenant at its normal rate has every item
// accepted and stored.
func TestNoisyTenantIsRefusedWhileCalmTenantIsServed(t *testing.T) {
	dir := t.TempDir()
	overrides := filepath.Join(dir, "overrides.yaml")
	if err := os.WriteFile(overrides, []byte(`overrides:
  noisy:
    rate: 200
    burst: 200
  calm:
    rate: 200
    burst: 200
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep, []string{"SLOPIPE_TENANT_OVERRIDES=" + overrides})
	defer d.stop()

	const (
		spansPerRequest = 20
		duration        = 4 * time.Second
	)
	client := &http.Client{Timeout: 10 * time.Second}
	type tally struct {
		sent, accepted, refused429 int
		retryAfterMissing          int
		other                      []string
	}
	send := func(tenant string, requestsPerSecond int, seqBase uint64, out *tally) {
		interval := time.Second / time.Duration(requestsPerSecond)
		body := 0
		end := time.Now().Add(duration)
		for next := time.Now(); next.Before(end); next = next.Add(interval) {
			time.Sleep(time.Until(next))
			r := postTraces(client, ep.otlpHTTP, tenant, traceRequest(t, seqBase+uint64(body), spansPerRequest))
			body++
			out.sent += spansPerRequest
			switch {
			case r.err != nil:
				out.other = append(out.other, r.err.Error())
			case r.status == http.StatusOK:
				out.accepted += spansPerRequest
			case r.status == http.StatusTooManyRequests:
				out.refused429++
				if secs, err := strconv.Atoi(r.retryAfter); err != nil || secs < 1 {
					out.retryAfterMissing++
				}
			default:
				out.other = append(out.other, fmt.Sprintf("%d %s", r.status, r.body))
			}
		}
	}
	var noisy, calm tally
	var wg sync.WaitGroup
	wg.Add(2)
	// noisy: 100 requests/s × 20 spans = 2000 spans/s, ten times its 200/s.
	go func() { defer wg.Done(); send("noisy", 100, 1_000_000, &noisy) }()
	// calm: 5 requests/s × 20 spans = 100 spans/s, within its 200/s.
	go func() { defer wg.Done(); send("calm", 5, 2_000_000, &calm) }()
	wg.Wait()

	t.Logf("noisy: sent %d spans, %d accepted, %d requests refused with 429", noisy.sent, noisy.accepted, noisy.refused429)
	t.Logf("calm: sent %d spans, %d accepted", calm.sent, calm.accepted)
	if noisy.refused429 == 0 {
		t.Errorf("noisy tenant at 10x its rate was never refused")
	}
	if noisy.retryAfterMissing > 0 {
		t.Errorf("%d of noisy's 429s had no Retry-After of at least 1s", noisy.retryAfterMissing)
	}
	// What noisy got through is bounded by its bucket: burst plus rate × time.
	if limit := 200 + 200*int(duration/time.Second+1); noisy.accepted > limit {
		t.Errorf("noisy had %d spans accepted, more than its limit allows (%d)", noisy.accepted, limit)
	}
	if len(noisy.other)+len(calm.other) > 0 {
		t.Errorf("unexpected answers: noisy %v, calm %v", noisy.other, calm.other)
	}
	if calm.accepted != calm.sent || calm.refused429 > 0 {
		t.Errorf("calm tenant within its rate: %d of %d spans accepted, %d refusals", calm.accepted, calm.sent, calm.refused429)
	}
	// The refusals are in slopipe's own metrics, per tenant and reason.
	resp, err := http.Get("http://127.0.0.1:" + ep.telemetryPort + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	exposition, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	refusedNoisy := regexp.MustCompile(`(?m)^slopipe_tenant_refused_requests(?:_total)?\{[^}]*reason="rate_limited"[^}]*tenant="noisy"[^}]*\} (\d+)`)
	if m := refusedNoisy.FindSubmatch(exposition); m == nil || string(m[1]) != strconv.Itoa(noisy.refused429) {
		t.Errorf("own metrics: want slopipe_tenant_refused_requests{reason=\"rate_limited\",tenant=\"noisy\"} %d, found %q", noisy.refused429, m)
	}
	if regexp.MustCompile(`(?m)^slopipe_tenant_refused_requests(?:_total)?\{[^}]*tenant="calm"`).Match(exposition) {
		t.Error("own metrics count refusals for calm")
	}
	waitForCount(t, ep.clickhouseHTTP, "SELECT count() FROM otel_traces WHERE TenantId = 'calm'", uint64(calm.accepted), 60*time.Second)
	waitForCount(t, ep.clickhouseHTTP, "SELECT count() FROM otel_traces WHERE TenantId = 'noisy'", uint64(noisy.accepted), 60*time.Second)
}
