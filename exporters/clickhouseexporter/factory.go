package clickhouseexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/slopipe/slopipe/store/storeextension"
)

// Type is the exporter's name in the collector configuration; it is the
// contrib exporter's name too, because it writes the same tables.
var Type = component.MustNewType("clickhouse")

// NewFactory returns the exporter's factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(Type, createDefaultConfig,
		exporter.WithTraces(createTraces, component.StabilityLevelBeta),
		exporter.WithMetrics(createMetrics, component.StabilityLevelBeta),
		exporter.WithLogs(createLogs, component.StabilityLevelBeta),
	)
}

func createDefaultConfig() component.Config {
	backoff := configretry.NewDefaultBackOffConfig()
	// Giving up would drop data an agent was told was accepted; a store
	// outage is waited out, and the queue filling up pushes back on agents.
	backoff.MaxElapsedTime = 0
	return &Config{
		Store:               component.NewID(storeextension.Type),
		TenantAttribute:     "tenant.id",
		QueueFullRetryAfter: 5 * time.Second,
		TimeoutConfig:       exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:         configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		BackOffConfig:       backoff,
	}
}

func helperOptions(cfg *Config, e *chExporter) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(e.start),
		exporterhelper.WithTimeout(cfg.TimeoutConfig),
		exporterhelper.WithQueue(cfg.QueueConfig),
		exporterhelper.WithRetry(cfg.BackOffConfig),
	}
}

func createTraces(ctx context.Context, set exporter.Settings, c component.Config) (exporter.Traces, error) {
	cfg := c.(*Config)
	e := newExporter(cfg, set)
	inner, err := exporterhelper.NewTraces(ctx, set, cfg, e.pushTraces, helperOptions(cfg, e)...)
	if err != nil {
		return nil, err
	}
	return &tracesRefusingWhenFull{Traces: inner, retryAfter: cfg.QueueFullRetryAfter}, nil
}

func createMetrics(ctx context.Context, set exporter.Settings, c component.Config) (exporter.Metrics, error) {
	cfg := c.(*Config)
	e := newExporter(cfg, set)
	inner, err := exporterhelper.NewMetrics(ctx, set, cfg, e.pushMetrics, helperOptions(cfg, e)...)
	if err != nil {
		return nil, err
	}
	return &metricsRefusingWhenFull{Metrics: inner, retryAfter: cfg.QueueFullRetryAfter}, nil
}

func createLogs(ctx context.Context, set exporter.Settings, c component.Config) (exporter.Logs, error) {
	cfg := c.(*Config)
	e := newExporter(cfg, set)
	inner, err := exporterhelper.NewLogs(ctx, set, cfg, e.pushLogs, helperOptions(cfg, e)...)
	if err != nil {
		return nil, err
	}
	return &logsRefusingWhenFull{Logs: inner, retryAfter: cfg.QueueFullRetryAfter}, nil
}
