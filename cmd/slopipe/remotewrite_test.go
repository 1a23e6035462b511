package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A real Prometheus scrapes itself and remote-writes to slopipe; the
// samples slopipe stores equal those Prometheus' own query API returns for
// the same series and timestamps.
func TestPrometheusRemoteWriteMatchesPrometheusOwnAnswers(t *testing.T) {
	prometheus := peer(t, "SLOPIPE_PROMETHEUS", "prometheus")
	dir := t.TempDir()
	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep, nil)
	defer d.stop()

	promAddr := freeAddr(t)
	config := fmt.Sprintf(`global:
  scrape_interval: 2s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: [%q]
remote_write:
  # The tenant in the URL: Debian's Prometheus build sends no configured
  # remote-write headers, so X-Scope-OrgID cannot be used with it.
  - url: http://%s/tenants/prom/api/v1/write
    queue_config:
      batch_send_deadline: 1s
`, promAddr, ep.remoteWrite)
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := exec.Command(prometheus, "--config.file="+configFile, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr)
	promOut := &lockedBuffer{}
	prom.Stdout, prom.Stderr = promOut, promOut
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { prom.Process.Kill(); prom.Wait() }()

	series := []struct{ name, table, selector, where string }{
		{"up", "otel_metrics_gauge", `up{job="prometheus"}`, "Attributes['job'] = 'prometheus'"},
		// A counter: stored as a monotonic cumulative sum.
		{"prometheus_http_requests_total", "otel_metrics_sum",
			`prometheus_http_requests_total{handler="/metrics",code="200"}`,
			"Attributes['handler'] = '/metrics' AND Attributes['code'] = '200'"},
		{"prometheus_tsdb_head_series", "otel_metrics_gauge", `prometheus_tsdb_head_series`, "1"},
	}
	deadline := time.Now().Add(90 * time.Second)
	for _, s := range series {
		for {
			stored := storedSamples(t, ep.clickhouseHTTP, s.table, s.name, s.where)
			scraped := prometheusSamples(t, promAddr, s.selector)
			matched, mismatches := compareSamples(stored, scraped)
			if len(mismatches) > 0 {
				t.Fatalf("%s: stored values differ from Prometheus' for the same timestamps: %v", s.name, mismatches)
			}
			if matched >= 3 {
				t.Logf("%s: %d samples match Prometheus' own", s.name, matched)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: only %d samples matched (stored %d, Prometheus %d)\nprometheus:\n%s", s.name, matched, len(stored), len(scraped), promOut)
			}
			time.Sleep(time.Second)
		}
	}
	var monotonic string
	monotonic = query(t, ep.clickhouseHTTP, "SELECT any(IsMonotonic) FROM otel_metrics_sum WHERE TenantId = 'prom' AND MetricName = 'prometheus_http_requests_total'")
	if monotonic != "true" {
		t.Errorf("prometheus_http_requests_total stored with IsMonotonic %s, want true", monotonic)
	}
}

// storedSamples maps a second to the value slopipe stored for the series
// then (the metrics tables keep whole seconds, as contrib's do).
func storedSamples(t *testing.T, addr, table, name, where string) map[int64]float64 {
	t.Helper()
	out := query(t, addr, fmt.Sprintf(
		"SELECT toUnixTimestamp(TimeUnix), Value FROM %s WHERE TenantId = 'prom' AND MetricName = '%s' AND %s FORMAT TSV",
		table, name, where))
	samples := map[int64]float64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		ts, v, _ := strings.Cut(sc.Text(), "\t")
		sec, err1 := strconv.ParseInt(ts, 10, 64)
		val, err2 := strconv.ParseFloat(v, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad row %q", sc.Text())
		}
		samples[sec] = val
	}
	return samples
}

// prometheusSamples reads the raw samples of the last minute from
// Prometheus' HTTP API (a range selector returns them unaggregated).
func prometheusSamples(t *testing.T, addr, selector string) map[int64]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(selector+"[1m]"))
	if err != nil {
		if _, ok := err.(net.Error); ok {
			return nil // not up yet
		}
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Data struct {
			Result []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil
	}
	samples := map[int64]float64{}
	for _, r := range answer.Data.Result {
		for _, v := range r.Values {
			ts, _ := v[0].(float64)
			text, _ := v[1].(string)
			val, err := strconv.ParseFloat(text, 64)
			if err != nil {
				t.Fatalf("Prometheus value %q: %v", text, err)
			}
			samples[int64(math.Floor(ts))] = val
		}
	}
	if len(answer.Data.Result) > 1 {
		t.Fatalf("selector %s matched %d series; the test needs one", selector, len(answer.Data.Result))
	}
	return samples
}

func compareSamples(stored, scraped map[int64]float64) (matched int, mismatches []string) {
	for sec, want := range scraped {
		got, ok := stored[sec]
		if !ok {
			continue // not remote-written yet
		}
		if got != want {
			mismatches = append(mismatches, fmt.Sprintf("at %d: stored %v, Prometheus %v", sec, got, want))
			continue
		}
		matched++
	}
	return matched, mismatches
}
