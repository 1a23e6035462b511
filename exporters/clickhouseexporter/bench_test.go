package clickhouseexporter

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
)

const benchBatch = 10_000

// benchTraces is a batch shaped like an instrumented HTTP service's spans:
// five resource attributes, six span attributes, one event in ten spans.
func benchTraces(n int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	attrs := rs.Resource().Attributes()
	attrs.PutStr("tenant.id", "bench")
	attrs.PutStr("service.name", "checkout")
	attrs.PutStr("service.version", "1.4.2")
	attrs.PutStr("k8s.namespace.name", "shop")
	attrs.PutStr("k8s.pod.name", "checkout-7d9f8b-xk2p1")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	start := pcommon.NewTimestampFromTime(time.Now())
	for i := range n {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{byte(i), byte(i >> 8), byte(i >> 16), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13})
		s.SetSpanID(pcommon.SpanID{byte(i), byte(i >> 8), byte(i >> 16), 1, 2, 3, 4, 5})
		s.SetName("GET /checkout")
		s.SetKind(ptrace.SpanKindServer)
		s.SetStartTimestamp(start + pcommon.Timestamp(i))
		s.SetEndTimestamp(start + pcommon.Timestamp(i) + 1_500_000)
		a := s.Attributes()
		a.PutStr("http.request.method", "GET")
		a.PutStr("http.route", "/checkout")
		a.PutInt("http.response.status_code", 200)
		a.PutStr("url.scheme", "https")
		a.PutStr("server.address", "shop.example")
		a.PutStr("user_agent.original", "Mozilla/5.0")
		if i%10 == 0 {
			s.Events().AppendEmpty().SetName("retry")
		}
	}
	return td
}

func benchGauges(n int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("tenant.id", "bench")
	rm.Resource().Attributes().PutStr("service.name", "node")
	points := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	points.SetName("node_cpu_seconds")
	gauge := points.SetEmptyGauge().DataPoints()
	now := pcommon.NewTimestampFromTime(time.Now())
	for i := range n {
		p := gauge.AppendEmpty()
		p.SetTimestamp(now)
		p.SetDoubleValue(float64(i))
		p.Attributes().PutStr("cpu", "cpu0")
		p.Attributes().PutStr("mode", "idle")
		p.Attributes().PutStr("instance", "10.0.0.1:9100")
	}
	return md
}

// BenchmarkConvertTraces measures building the columns alone: its
// allocs/op over benchBatch is the allocations per span of the hot path.
func BenchmarkConvertTraces(b *testing.B) {
	td := benchTraces(benchBatch)
	rows := newTraceRows()
	b.ReportAllocs()
	for b.Loop() {
		rows.reset()
		rows.appendTraces(td, "tenant.id")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/span")
}

// BenchmarkExportTraces is convert plus insert into the embedded engine.
func BenchmarkExportTraces(b *testing.B) {
	ctx := context.Background()
	exp, err := NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(Type), synchronousConfig())
	if err != nil {
		b.Fatal(err)
	}
	if err := exp.Start(ctx, storeextensiontest.NewHost(testStore)); err != nil {
		b.Fatal(err)
	}
	defer exp.Shutdown(ctx)
	td := benchTraces(benchBatch)
	b.ReportAllocs()
	for b.Loop() {
		if err := exp.ConsumeTraces(ctx, td); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "spans/s")
}

// BenchmarkExportGauges is convert plus insert of gauge points.
func BenchmarkExportGauges(b *testing.B) {
	ctx := context.Background()
	exp, err := NewFactory().CreateMetrics(ctx, exportertest.NewNopSettings(Type), synchronousConfig())
	if err != nil {
		b.Fatal(err)
	}
	if err := exp.Start(ctx, storeextensiontest.NewHost(testStore)); err != nil {
		b.Fatal(err)
	}
	defer exp.Shutdown(ctx)
	md := benchGauges(benchBatch)
	b.ReportAllocs()
	for b.Loop() {
		if err := exp.ConsumeMetrics(ctx, md); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "points/s")
}
