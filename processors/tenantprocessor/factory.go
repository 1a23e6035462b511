package tenantprocessor

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
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

// The processor writes the tenant attribute onto resources, so the pipeline
// must hand it data of its own: with MutatesData the collector clones a
// fanned-out request before it gets here.
var capabilities = processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true})

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	proc, err := processorhelper.NewTraces(ctx, set, cfg, next, p.processTraces,
		capabilities, processorhelper.WithStart(p.Start), processorhelper.WithShutdown(p.release))
	return proc, releaseOnError(ctx, p, err)
}

func createMetrics(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Metrics) (processor.Metrics, error) {
	p, err := acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	proc, err := processorhelper.NewMetrics(ctx, set, cfg, next, p.processMetrics,
		capabilities, processorhelper.WithStart(p.Start), processorhelper.WithShutdown(p.release))
	return proc, releaseOnError(ctx, p, err)
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := acquire(set, cfg.(*Config))
	if err != nil {
		return nil, err
	}
	proc, err := processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		capabilities, processorhelper.WithStart(p.Start), processorhelper.WithShutdown(p.release))
	return proc, releaseOnError(ctx, p, err)
}

// releaseOnError drops the reference a failed create took, since the
// collector never shuts down a processor it failed to create.
func releaseOnError(ctx context.Context, p *tenantProcessor, err error) error {
	if err != nil {
		return errors.Join(err, p.release(ctx))
	}
	return nil
}
