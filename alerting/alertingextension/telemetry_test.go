package alertingextension

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/slo/sloextension/sloextensiontest"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

// metricValue sums the int64 points of counter or gauge name whose
// attributes include want.
func metricValue(t *testing.T, reader *sdkmetric.ManualReader, name string, want map[string]string) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			var points []metricdata.DataPoint[int64]
			switch data := m.Data.(type) {
			case metricdata.Sum[int64]:
				points = data.DataPoints
			case metricdata.Gauge[int64]:
				points = data.DataPoints
			default:
				t.Fatalf("%s is %T, want int64 points", name, m.Data)
			}
		next:
			for _, dp := range points {
				for k, v := range want {
					if got, ok := dp.Attributes.Value(attribute.Key(k)); !ok || got.AsString() != v {
						continue next
					}
				}
				sum += dp.Value
			}
		}
	}
	return sum
}

// A delivered and a failed notification are counted by receiver,
// integration and status, a forward to Alertmanager under receiver
// alertmanager, and the firing alert by severity.
func TestNotificationsAreCounted(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer ok.Close()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no such hook", http.StatusNotFound) // a 4xx: failed, not retried
	}))
	defer refusing.Close()
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/alerts" {
			http.NotFound(w, r)
		}
	}))
	defer am.Close()

	file := filepath.Join(t.TempDir(), "alerting.yml")
	config := strings.ReplaceAll(webhookConfig, "{{URL}}", ok.URL) + "      - url: " + refusing.URL + "\n"
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.ConfigFile, cfg.ReloadPeriod, cfg.FlushInterval = file, time.Hour, 20*time.Millisecond
	cfg.Alertmanager.URLs = []string{am.URL}
	reader := sdkmetric.NewManualReader()
	set := componenttest.NewNopTelemetrySettings()
	set.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	engine := sloextensiontest.NewEngine()
	x := newExtension(cfg, set)
	if err := x.Start(context.Background(), storeextensiontest.NewHostWith(cfg.Store, storetest.Open(t), map[component.ID]component.Component{cfg.SLO: engine})); err != nil {
		t.Fatal(err)
	}
	defer x.Shutdown(context.Background())
	// A tenant of its own: the store outlives a run of -count=N, and its
	// notification log would have this group notified already.
	engine.Evaluate(burning(fmt.Sprintf("acme-%d", time.Now().UnixNano()), time.Now()))

	count := func(receiver, integration, status string) int64 {
		return metricValue(t, reader, "slopipe_notifications", map[string]string{"receiver": receiver, "integration": integration, "status": status})
	}
	deadline := time.Now().Add(10 * time.Second)
	for count("hook", "webhook", "delivered") == 0 || count("hook", "webhook", "failed") == 0 || count("alertmanager", "alertmanager", "delivered") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("delivered %d, failed %d, forwarded %d", count("hook", "webhook", "delivered"),
				count("hook", "webhook", "failed"), count("alertmanager", "alertmanager", "delivered"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := count("hook", "webhook", "retrying"); n != 0 {
		t.Errorf("%d retries of a 404", n)
	}
	if n := count("alertmanager", "alertmanager", "failed"); n != 0 {
		t.Errorf("%d failed forwards", n)
	}
	want := map[[2]string]int64{}
	for _, a := range x.manager.Alerts() {
		want[[2]string{a.State, string(a.Labels[alerting.LabelSeverity])}]++
	}
	if want[[2]string{"firing", "page"}] == 0 {
		t.Fatalf("no firing page: %v", want)
	}
	for k, n := range want {
		if got := metricValue(t, reader, "slopipe_alerts", map[string]string{"state": k[0], "severity": k[1]}); got != n {
			t.Errorf("slopipe_alerts{state=%s,severity=%s} = %d, want %d", k[0], k[1], got, n)
		}
	}
}
