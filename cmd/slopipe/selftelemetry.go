package main

import (
	"context"
	"errors"
	"syscall"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/service/telemetry"
	"go.uber.org/zap"
)

// selfTelemetryFactory is the collector's telemetry factory with one
// difference: the default configuration sends slopipe's own metrics to its
// own OTLP receiver (so they land in the store for the pipeline health
// dashboards), and the meter provider's last export at shutdown finds
// that receiver already stopped. The collector would report the refused
// connection as a failed shutdown and exit 1 on every clean stop; here
// it is logged and the last interval's self-metrics are let go.
type selfTelemetryFactory struct {
	telemetry.Factory
}

func (f selfTelemetryFactory) CreateMeterProvider(ctx context.Context, set telemetry.MeterSettings, cfg component.Config) (telemetry.MeterProvider, error) {
	mp, err := f.Factory.CreateMeterProvider(ctx, set, cfg)
	if err != nil {
		return nil, err
	}
	return selfExportingMeterProvider{MeterProvider: mp, logger: set.Logger}, nil
}

type selfExportingMeterProvider struct {
	telemetry.MeterProvider
	logger *zap.Logger
}

func (p selfExportingMeterProvider) Shutdown(ctx context.Context) error {
	err := p.MeterProvider.Shutdown(ctx)
	rest := withoutRefusedConnections(err)
	if err != nil && rest == nil && p.logger != nil {
		p.logger.Info("last export of own metrics skipped: the receiver it goes to has stopped", zap.Error(err))
	}
	return rest
}

// withoutRefusedConnections is err without its refused connections: of
// errors joined together, the others are kept.
func withoutRefusedConnections(err error) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var kept []error
		for _, e := range joined.Unwrap() {
			if e = withoutRefusedConnections(e); e != nil {
				kept = append(kept, e)
			}
		}
		return errors.Join(kept...)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return nil
	}
	return err
}
