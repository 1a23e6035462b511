package tenantprocessor

import (
	"context"
	"strconv"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// The benchmarks run requests shaped like an SDK's export (one resource
// with 6 attributes, one scope, 100 items of 8 attributes each) through the
// factory-built processor, with every limit switched on, the SDK meter
// provider counting, and usage recorded: the whole accept path. ns/item is
// ns/op divided by the 100 items.
const benchItems = 100

func benchProcessor(b *testing.B) (processor.Factory, *Config, processor.Settings) {
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Store = component.ID{}
	cfg.Limits = Limits{Rate: 1e12, Burst: 1e9, MaxRequestBytes: 16 << 20, MaxAttributesPerItem: 128, MaxActiveSeries: 1e6}
	set := processortest.NewNopSettings(Type)
	set.TelemetrySettings.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	return f, cfg, set
}

func benchResource(attrs interface{ PutStr(string, string) }) {
	for i, k := range []string{"service.name", "service.version", "host.name", "k8s.pod.name", "k8s.namespace.name", "deployment.environment"} {
		attrs.PutStr(k, "value-"+strconv.Itoa(i))
	}
}

func benchAttrs(attrs interface {
	PutStr(string, string)
	PutInt(string, int64)
}, i int) {
	attrs.PutStr("http.method", "GET")
	attrs.PutStr("http.route", "/api/v1/items/{id}")
	attrs.PutInt("http.status_code", 200)
	attrs.PutStr("net.peer.name", "db-"+strconv.Itoa(i%4))
	attrs.PutInt("retry", int64(i%3))
	attrs.PutStr("user_agent", "bench")
	attrs.PutStr("component", "http")
	attrs.PutStr("region", "eu-west-1")
}

func startBench(b *testing.B, c interface {
	Start(context.Context, component.Host) error
	Shutdown(context.Context) error
}) {
	if err := c.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Shutdown(context.Background()) })
}

func BenchmarkConsumeTraces(b *testing.B) {
	f, cfg, set := benchProcessor(b)
	p, err := f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	startBench(b, p)
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	benchResource(rs.Resource().Attributes())
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := range benchItems {
		s := spans.AppendEmpty()
		s.SetName("GET /api/v1/items/{id}")
		benchAttrs(s.Attributes(), i)
	}
	ctx := orgID("acme")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := p.ConsumeTraces(ctx, td); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchItems), "ns/item")
}

func BenchmarkConsumeLogs(b *testing.B) {
	f, cfg, set := benchProcessor(b)
	p, err := f.CreateLogs(context.Background(), set, cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	startBench(b, p)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	benchResource(rl.Resource().Attributes())
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range benchItems {
		r := recs.AppendEmpty()
		r.Body().SetStr("request served")
		benchAttrs(r.Attributes(), i)
	}
	ctx := orgID("acme")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := p.ConsumeLogs(ctx, ld); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchItems), "ns/item")
}

// BenchmarkConsumeMetrics hashes every data point's series and checks it
// against the tenant's active series: the costliest path.
func BenchmarkConsumeMetrics(b *testing.B) {
	f, cfg, set := benchProcessor(b)
	p, err := f.CreateMetrics(context.Background(), set, cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	startBench(b, p)
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	benchResource(rm.Resource().Attributes())
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("bench")
	for m := range 10 {
		metric := sm.Metrics().AppendEmpty()
		metric.SetName("http.server.requests." + strconv.Itoa(m))
		dps := metric.SetEmptySum().DataPoints()
		for i := range benchItems / 10 {
			dp := dps.AppendEmpty()
			dp.SetIntValue(int64(i))
			benchAttrs(dp.Attributes(), i)
			dp.Attributes().PutInt("i", int64(i))
		}
	}
	ctx := orgID("acme")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := p.ConsumeMetrics(ctx, md); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchItems), "ns/item")
}

// BenchmarkConsumeTracesItems shows allocations do not grow with the
// number of items in a request.
func BenchmarkConsumeTracesItems(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			f, cfg, set := benchProcessor(b)
			p, err := f.CreateTraces(context.Background(), set, cfg, consumertest.NewNop())
			if err != nil {
				b.Fatal(err)
			}
			startBench(b, p)
			td := ptrace.NewTraces()
			rs := td.ResourceSpans().AppendEmpty()
			benchResource(rs.Resource().Attributes())
			spans := rs.ScopeSpans().AppendEmpty().Spans()
			for i := range n {
				s := spans.AppendEmpty()
				s.SetName("op")
				benchAttrs(s.Attributes(), i)
			}
			ctx := orgID("acme")
			b.ReportAllocs()
			for b.Loop() {
				if err := p.ConsumeTraces(ctx, td); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
