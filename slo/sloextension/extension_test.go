package sloextension

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
)

func TestConfigValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.SLODir = "" }, "slo_dir"},
		{func(c *Config) { c.Interval = time.Millisecond }, "interval"},
		{func(c *Config) { c.ReloadPeriod = 0 }, "reload_period"},
		{func(c *Config) { c.MaxSampleGap = 0 }, "max_sample_gap"},
		{func(c *Config) { c.Endpoint = "8088" }, "endpoint"},
	} {
		c := createDefaultConfig().(*Config)
		tc.edit(c)
		if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.want+":") {
			t.Errorf("%s: got %v", tc.want, err)
		}
	}
	if err := createDefaultConfig().(*Config).Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}

const availability = `version: "prometheus/v1"
service: "checkout"
slos:
  - name: "requests-availability"
    objective: %s
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
`

// The extension in a collector: it evaluates the specs of its directory
// against the store, serves the API, and when the specs break it reports
// the problems and keeps evaluating the last good set.
func TestExtensionEvaluatesServesAndKeepsTheLastGoodSet(t *testing.T) {
	dir := t.TempDir()
	st, err := store.OpenEmbedded("", filepath.Join(dir, "data"), "slo_extension_test")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	for i, v := range []float64{10, 20, 30} { // 10 requests a minute
		err := st.Exec(ctx, fmt.Sprintf(`INSERT INTO otel_metrics_sum (TenantId, MetricName, Attributes, StartTimeUnix, TimeUnix, Value, AggregationTemporality, IsMonotonic)
			VALUES ('acme', 'http_requests_total', {'code': '200'}, toDateTime(%d), toDateTime(%d), %v, 2, true)`,
			now.Add(-5*time.Minute).Unix(), now.Add(time.Duration(i-3)*time.Minute).Unix(), v), nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	specs := filepath.Join(dir, "slos")
	os.MkdirAll(specs, 0o755)
	spec := filepath.Join(specs, "checkout.yaml")
	os.WriteFile(spec, []byte(fmt.Sprintf(availability, "99.9")), 0o644)

	cfg := createDefaultConfig().(*Config)
	cfg.SLODir, cfg.Interval, cfg.ReloadPeriod, cfg.Endpoint = specs, 200*time.Millisecond, 100*time.Millisecond, "127.0.0.1:0"
	set := extensiontest.NewNopSettings(Type)
	reader := sdkmetric.NewManualReader()
	set.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	ext, err := NewFactory().Create(ctx, set, cfg)
	if err != nil {
		t.Fatal(err)
	}
	flaky := &flakyStore{Store: st}
	if err := ext.Start(ctx, storeextensiontest.NewHost(flaky)); err != nil {
		t.Fatal(err)
	}
	defer ext.Shutdown(ctx)
	api := "http://" + ext.(*sloExtension).Addr() + "/api/v1/slos"

	type answer struct {
		Data []struct {
			SLO, Tenant string
			Objective   float64
			Good, Total float64
		}
		Problems []struct{ File, Field, Message string }
	}
	get := func() answer {
		resp, err := http.Get(api)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a answer
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	waitFor := func(what string, ok func(answer) bool) answer {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			a := get()
			if ok(a) {
				return a
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; last answer %+v", what, a)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	a := waitFor("acme's SLO", func(a answer) bool { return len(a.Data) == 1 })
	// Samples 10, 20, 30 of a counter that started 5 minutes before the
	// first: 10 + 10 + 10 requests.
	if d := a.Data[0]; d.SLO != "requests-availability" || d.Tenant != "acme" || d.Objective != 0.999 || d.Good != 30 || d.Total != 30 {
		t.Fatalf("entry %+v", d)
	}

	os.WriteFile(spec, []byte(strings.Replace(fmt.Sprintf(availability, "99.9"), "objective", "objetive", 1)), 0o644)
	a = waitFor("the broken spec's problems", func(a answer) bool { return len(a.Problems) > 0 })
	if len(a.Data) != 1 || a.Data[0].Objective != 0.999 {
		t.Fatalf("the last good set is not served: %+v", a)
	}
	named := false
	for _, p := range a.Problems {
		named = named || (p.File == spec && p.Field == "slos.0.objetive")
	}
	if !named {
		t.Errorf("no problem names the file and the misspelt field: %+v", a.Problems)
	}

	os.WriteFile(spec, []byte(fmt.Sprintf(availability, "99")), 0o644)
	waitFor("the fixed spec", func(a answer) bool {
		return len(a.Problems) == 0 && len(a.Data) == 1 && a.Data[0].Objective == 0.99
	})
	checkEvaluationMetrics(t, reader, flaky)
}

func TestStartFailsWithoutTheStore(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = ""
	ext, err := NewFactory().Create(context.Background(), extensiontest.NewNopSettings(Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err == nil || !strings.Contains(err.Error(), "store") {
		t.Fatalf("start without a store extension: %v", err)
	}
}
