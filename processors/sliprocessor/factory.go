package sliprocessor

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
)

// Type is the processor's name in the collector configuration.
var Type = component.MustNewType("sli")

// NewFactory returns the sli processor's factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(Type, createDefaultConfig,
		processor.WithTraces(createTraces, component.StabilityLevelAlpha),
		processor.WithLogs(createLogs, component.StabilityLevelAlpha))
}

// The processors of one configuration share a counter: one load of the
// specs, one set of pending counts, one flush loop.
var shared = struct {
	sync.Mutex
	m map[*Config]*counter
}{m: map[*Config]*counter{}}

func acquire(set processor.Settings, cfg *Config) *counter {
	shared.Lock()
	defer shared.Unlock()
	c := shared.m[cfg]
	if c == nil {
		c = newCounter(cfg, set.Logger)
		shared.m[cfg] = c
	}
	c.refs++
	return c
}

// release is each processor's Shutdown; the last one stops the counter.
func (c *counter) release(ctx context.Context) error {
	shared.Lock()
	c.refs--
	last := c.refs == 0
	if last {
		delete(shared.m, c.cfg)
	}
	shared.Unlock()
	if !last {
		return nil
	}
	return c.shutdown(ctx)
}

type lifecycle struct{ c *counter }

func (l lifecycle) Start(ctx context.Context, host component.Host) error { return l.c.start(ctx, host) }
func (l lifecycle) Shutdown(ctx context.Context) error                   { return l.c.release(ctx) }
func (lifecycle) Capabilities() consumer.Capabilities                    { return consumer.Capabilities{} }

func createTraces(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	c := acquire(set, cfg.(*Config))
	return struct {
		lifecycle
		*tracesProcessor
	}{lifecycle{c}, &tracesProcessor{c: c, next: next}}, nil
}

func createLogs(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	c := acquire(set, cfg.(*Config))
	return struct {
		lifecycle
		*logsProcessor
	}{lifecycle{c}, &logsProcessor{c: c, next: next}}, nil
}
