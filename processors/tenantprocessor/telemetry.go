package tenantprocessor

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// sharedTelemetry drops the signal and pipeline the collector attaches to
// a component's logs and metrics: one tenantProcessor serves every signal
// and pipeline of its configuration, so those would name whichever
// pipeline happened to be built first. The OTLP receiver does the same for
// its shared state; the interfaces are the collector's, matched by method
// because the package declaring them is internal.
func sharedTelemetry(ts component.TelemetrySettings) component.TelemetrySettings {
	drop := []string{"otelcol.signal", "otelcol.pipeline.id"}
	type coreDropper interface {
		DropInjectedAttributes(...string) zapcore.Core
	}
	type meterDropper interface {
		DropInjectedAttributes(...string) metric.MeterProvider
	}
	if ts.Logger != nil {
		ts.Logger = ts.Logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
			if d, ok := c.(coreDropper); ok {
				return d.DropInjectedAttributes(drop...)
			}
			return c
		}))
	}
	if d, ok := ts.MeterProvider.(meterDropper); ok {
		ts.MeterProvider = d.DropInjectedAttributes(drop...)
	}
	return ts
}

const scopeName = "github.com/slopipe/slopipe/processors/tenantprocessor"

// telemetry is the processor's own metrics. Names have no dots, so the
// collector's Prometheus endpoint shows them as written, plus _total.
type telemetry struct {
	refusedRequests metric.Int64Counter
	refusedItems    metric.Int64Counter
	acceptedItems   metric.Int64Counter
	usageDropped    metric.Int64Counter
}

func newTelemetry(mp metric.MeterProvider) (*telemetry, error) {
	m := mp.Meter(scopeName)
	t := &telemetry{}
	var errs [4]error
	t.refusedRequests, errs[0] = m.Int64Counter("slopipe_tenant_refused_requests",
		metric.WithDescription("Requests the tenant processor refused, by tenant, reason and signal."),
		metric.WithUnit("{request}"))
	t.refusedItems, errs[1] = m.Int64Counter("slopipe_tenant_refused_items",
		metric.WithDescription("Spans, log records and metric data points in refused requests, by tenant, reason and signal."),
		metric.WithUnit("{item}"))
	t.acceptedItems, errs[2] = m.Int64Counter("slopipe_tenant_accepted_items",
		metric.WithDescription("Spans, log records and metric data points the tenant processor accepted, by tenant and signal."),
		metric.WithUnit("{item}"))
	t.usageDropped, errs[3] = m.Int64Counter("slopipe_tenant_usage_dropped_rows",
		metric.WithDescription("Ingest usage rows dropped because the store kept failing and usage_max_pending_rows was reached."),
		metric.WithUnit("{row}"))
	return t, errors.Join(errs[:]...)
}

// refused counts a refused request. The whole request's items are counted
// against the tenant that caused the refusal, since no part of it went on.
func (t *telemetry) refused(ctx context.Context, r *refusal, sig signal, items int) {
	set := metric.WithAttributeSet(attribute.NewSet(
		attribute.String("tenant", r.tenant),
		attribute.String("reason", r.reason),
		attribute.String("signal", sig.String())))
	t.refusedRequests.Add(ctx, 1, set)
	t.refusedItems.Add(ctx, int64(items), set)
}
