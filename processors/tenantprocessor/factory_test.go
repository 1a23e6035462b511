package tenantprocessor

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"
	"google.golang.org/grpc/codes"
)

func TestFactory(t *testing.T) {
	f := NewFactory()
	if f.Type().String() != "tenant" {
		t.Fatalf("type %s", f.Type())
	}
	for name, level := range map[string]component.StabilityLevel{
		"traces": f.TracesStability(), "metrics": f.MetricsStability(), "logs": f.LogsStability(),
	} {
		if level != component.StabilityLevelBeta {
			t.Errorf("%s stability %v, want beta", name, level)
		}
	}
}

// The three signal processors of one configuration share tenants: a
// tenant's rate limit covers all its signals, and the state lives until the
// last of them shuts down.
func TestFactoryProcessorsShareState(t *testing.T) {
	ctx := context.Background()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Store = component.ID{}
	cfg.Limits = Limits{Rate: 1, Burst: 10}
	set := processortest.NewNopSettings(Type)

	nextTraces, nextLogs, nextMetrics := new(consumertest.TracesSink), new(consumertest.LogsSink), new(consumertest.MetricsSink)
	tr, err := f.CreateTraces(ctx, set, cfg, nextTraces)
	if err != nil {
		t.Fatal(err)
	}
	lg, err := f.CreateLogs(ctx, set, cfg, nextLogs)
	if err != nil {
		t.Fatal(err)
	}
	mt, err := f.CreateMetrics(ctx, set, cfg, nextMetrics)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []component.Component{tr, lg, mt} {
		if err := c.Start(ctx, componenttest.NewNopHost()); err != nil {
			t.Fatal(err)
		}
	}
	if !tr.Capabilities().MutatesData || !lg.Capabilities().MutatesData || !mt.Capabilities().MutatesData {
		t.Fatal("the processor writes resource attributes: MutatesData must be true")
	}

	if err := tr.ConsumeTraces(orgID("acme"), traces(res{items: 6})); err != nil {
		t.Fatal(err)
	}
	if err := lg.ConsumeLogs(orgID("acme"), logs(res{items: 4})); err != nil {
		t.Fatal(err)
	}
	err = mt.ConsumeMetrics(orgID("acme"), gauge(nil, "a"))
	wantCode(t, err, codes.ResourceExhausted)
	if nextMetrics.DataPointCount() != 0 {
		t.Fatal("a refused request reached the next consumer")
	}
	got := nextTraces.AllTraces()[0].ResourceSpans().At(0).Resource().Attributes()
	if attr(got, "tenant.id") != "acme" {
		t.Fatalf("next consumer got tenant %q", attr(got, "tenant.id"))
	}

	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := lg.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	shared.Lock()
	alive := shared.m[cfg] != nil
	shared.Unlock()
	if !alive {
		t.Fatal("shared state gone while the metrics processor still runs")
	}
	if err := mt.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	shared.Lock()
	alive = shared.m[cfg] != nil
	shared.Unlock()
	if alive {
		t.Fatal("shared state outlived its processors")
	}
}

func TestStartNeedsTheStoreExtension(t *testing.T) {
	ctx := context.Background()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config) // store: store
	p, err := f.CreateLogs(ctx, processortest.NewNopSettings(Type), cfg, consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(ctx, componenttest.NewNopHost())
	if err == nil || !strings.Contains(err.Error(), `store extension "store" is not configured`) {
		t.Fatalf("Start = %v, want the missing extension named", err)
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
