package billingreceiver

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
)

// Type is the receiver's name in the collector configuration.
var Type = component.MustNewType("billing")

// NewFactory returns the receiver's factory. It is a logs receiver: the
// line items go to the store directly (they are money, not telemetry), and
// each import is reported as one log record, an audit trail in otel_logs.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(Type, createDefaultConfig,
		receiver.WithLogs(createLogs, component.StabilityLevelAlpha))
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(set, cfg.(*Config), next)
}
