package prometheusremotewritereceiver

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
)

func TestDefaultConfig(t *testing.T) {
	f := NewFactory()
	if f.Type().String() != "prometheus_remote_write" {
		t.Fatalf("type %q", f.Type())
	}
	if f.MetricsStability() != component.StabilityLevelBeta {
		t.Errorf("metrics stability %v", f.MetricsStability())
	}
	if f.TracesStability() != component.StabilityLevelUndefined || f.LogsStability() != component.StabilityLevelUndefined {
		t.Error("traces or logs offered")
	}
	cfg := f.CreateDefaultConfig().(*Config)
	if err := componenttest.CheckConfigStruct(cfg); err != nil {
		t.Fatal(err)
	}
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ServerConfig.NetAddr.Endpoint != "127.0.0.1:19291" || cfg.ServerConfig.MaxRequestBodySize != 32<<20 || cfg.MaxDecompressedBodySize != 64<<20 {
		t.Errorf("defaults: %q %d %d", cfg.ServerConfig.NetAddr.Endpoint, cfg.ServerConfig.MaxRequestBodySize, cfg.MaxDecompressedBodySize)
	}
}

func TestUnmarshalConfig(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	conf := confmap.NewFromStringMap(map[string]any{
		"endpoint":                   "0.0.0.0:9999",
		"include_metadata":           true,
		"max_request_body_size":      1 << 20,
		"max_decompressed_body_size": 8 << 20,
	})
	if err := conf.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ServerConfig.NetAddr.Endpoint != "0.0.0.0:9999" || !cfg.ServerConfig.IncludeMetadata || cfg.ServerConfig.MaxRequestBodySize != 1<<20 || cfg.MaxDecompressedBodySize != 8<<20 {
		t.Errorf("unmarshalled %+v", cfg)
	}
	// The collector decodes into the component.Config interface.
	var asComponent component.Config = NewFactory().CreateDefaultConfig()
	if err := conf.Unmarshal(&asComponent); err != nil {
		t.Fatal(err)
	}
	if c := asComponent.(*Config); c.MaxDecompressedBodySize != 8<<20 || !c.ServerConfig.IncludeMetadata {
		t.Errorf("through component.Config: %+v", c)
	}
	// Keys of squashed structs, and keys left unset, keep their defaults.
	partial := NewFactory().CreateDefaultConfig().(*Config)
	if err := confmap.NewFromStringMap(map[string]any{"transport": "tcp", "keepalive": map[string]any{"idle_timeout": "10s"}}).Unmarshal(partial); err != nil {
		t.Fatal(err)
	}
	if partial.MaxDecompressedBodySize != 64<<20 || partial.ServerConfig.NetAddr.Endpoint != defaultEndpoint {
		t.Errorf("defaults lost: %+v", partial)
	}
	bad := confmap.NewFromStringMap(map[string]any{"max_decompresed_body_size": 1, "endpoint": "x:1"})
	if err := bad.Unmarshal(NewFactory().CreateDefaultConfig()); err == nil || !strings.Contains(err.Error(), "max_decompresed_body_size") {
		t.Errorf("misspelt key: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"empty endpoint", func(c *Config) { c.ServerConfig.NetAddr.Endpoint = "" }, "endpoint:"},
		{"zero body size", func(c *Config) { c.ServerConfig.MaxRequestBodySize = 0 }, "max_request_body_size:"},
		{"negative decompressed size", func(c *Config) { c.MaxDecompressedBodySize = -1 }, "max_decompressed_body_size:"},
		{"decompressed size beyond snappy", func(c *Config) { c.MaxDecompressedBodySize = 1 << 33 }, "max_decompressed_body_size:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.modify(cfg)
			err := cfg.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want prefix %q", err, tt.want)
			}
		})
	}
}
