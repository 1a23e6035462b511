package pprofextension

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
)

// Type is the extension's name in the collector configuration.
var Type = component.MustNewType("pprof")

// NewFactory returns the pprof extension's factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(Type, createDefaultConfig, create, component.StabilityLevelAlpha)
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return &pprofExtension{cfg: cfg.(*Config), logger: set.Logger}, nil
}
