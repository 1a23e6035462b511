package tenantprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
)

// Type is the processor's name in the collector configuration.
var Type = component.MustNewType("tenant")

// NewFactory returns the tenant processor's factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(Type, createDefaultConfig,
		processor.WithTraces(createTraces, component.StabilityLevelBeta),
		processor.WithMetrics(createMetrics, component.StabilityLevelBeta),
		processor.WithLogs(createLogs, component.StabilityLevelBeta))
}

func createTraces(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return tracesProcessor{signalProcessor{p}, next}, nil
}

func createMetrics(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Metrics) (processor.Metrics, error) {
	p, err := acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return metricsProcessor{signalProcessor{p}, next}, nil
}

func createLogs(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	return logsProcessor{signalProcessor{p}, next}, nil
}

// signalProcessor is one signal's processor over the shared state. It is
// not built on processorhelper because it must see the rest of the
// pipeline's answer: usage counts only what was accepted, and a refusal
// downstream gives the tenant its tokens back.
type signalProcessor struct{ p *tenantProcessor }

func (s signalProcessor) Start(ctx context.Context, host component.Host) error {
	return s.p.Start(ctx, host)
}
func (s signalProcessor) Shutdown(ctx context.Context) error { return s.p.release(ctx) }

// Capabilities: the processor writes the tenant attribute onto resources,
// so the pipeline must hand it data of its own; with MutatesData the
// collector clones a fanned-out request before it gets here.
func (signalProcessor) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

type tracesProcessor struct {
	signalProcessor
	next consumer.Traces
}

func (t tracesProcessor) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	return t.p.consumeTraces(ctx, td, t.next)
}

type metricsProcessor struct {
	signalProcessor
	next consumer.Metrics
}

func (m metricsProcessor) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	return m.p.consumeMetrics(ctx, md, m.next)
}

type logsProcessor struct {
	signalProcessor
	next consumer.Logs
}

func (l logsProcessor) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	return l.p.consumeLogs(ctx, ld, l.next)
}
