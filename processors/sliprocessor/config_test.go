package sliprocessor

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
)

func TestConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	if err := cfg.Unmarshal(confmap.NewFromStringMap(map[string]any{"store": "", "slo_dir": "/etc/slos"})); err != nil {
		t.Fatal(err)
	}
	if cfg.Store != (component.ID{}) || cfg.SLODir != "/etc/slos" {
		t.Errorf(`store: "" should mean no store: %+v`, cfg)
	}
	cfg.FlushInterval = 0
	if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), "flush_interval:") {
		t.Errorf("validate: %v", err)
	}
}
