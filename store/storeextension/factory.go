package storeextension

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"
)

// Type is the extension's name in the collector configuration.
var Type = component.MustNewType("store")

// NewFactory returns the store extension's factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(Type, createDefaultConfig, create, component.StabilityLevelBeta)
}

func createDefaultConfig() component.Config {
	cfg := &Config{ClickHouseHTTP: HTTPConfig{Endpoint: "127.0.0.1:8123"}}
	cfg.Defaults()
	return cfg
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return &Extension{cfg: cfg.(*Config), logger: set.Logger, meters: set.MeterProvider}, nil
}
