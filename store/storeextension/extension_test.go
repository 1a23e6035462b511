package storeextension

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

type hostWith map[component.ID]component.Component

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h }

func TestStartOpensTheStoreAndServesItsHTTPInterface(t *testing.T) {
	ctx := context.Background()
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	cfg.DataDir = t.TempDir()
	cfg.ClickHouseHTTP.Endpoint = "127.0.0.1:0"
	set := extensiontest.NewNopSettings(Type)
	reader := sdkmetric.NewManualReader()
	set.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	ext, err := NewFactory().Create(ctx, set, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := component.NewID(Type)
	if _, err := FromHost(hostWith{id: ext}, id); err == nil || !strings.Contains(err.Error(), "not started") {
		t.Fatalf("before Start: %v, want a 'not started' error", err)
	}
	if err := ext.Start(ctx, componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	st, err := FromHost(hostWith{id: ext}, id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Backend() != "embedded" || st.Database() != "otel" {
		t.Errorf("store %s/%s, want embedded/otel", st.Backend(), st.Database())
	}
	addr := ext.(*Extension).http.Addr()
	resp, err := http.Get("http://" + addr + "/?query=EXISTS%20TABLE%20otel_traces")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(string(body)) != "1" {
		t.Errorf("over the HTTP interface, EXISTS TABLE otel_traces = %q, want 1 (migrated)", body)
	}
	checkStoreMetrics(t, st, reader)
	if err := ext.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := FromHost(hostWith{id: ext}, id); err == nil {
		t.Error("the store is still handed out after Shutdown")
	}
}

func TestFromHostNamesAMissingExtension(t *testing.T) {
	_, err := FromHost(hostWith{}, component.MustNewIDWithName("store", "other"))
	if err == nil || !strings.Contains(err.Error(), `"store/other" is not configured`) {
		t.Fatalf("got %v", err)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.Database = "otel; DROP" }, "database:"},
		{func(c *Config) { c.Cluster = "main" }, "cluster: needs a dsn"},
		{func(c *Config) { c.ClickHouseHTTP.Users = map[string]string{"": "x"} }, "clickhouse_http.users"},
	} {
		cfg := NewFactory().CreateDefaultConfig().(*Config)
		tc.mutate(cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error containing %q", err, tc.want)
		}
	}
}
