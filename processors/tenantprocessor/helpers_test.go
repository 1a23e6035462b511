package tenantprocessor

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeClock is safe to read from the processor's goroutines while a test
// moves it.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

type testProc struct {
	*tenantProcessor
	clock  *fakeClock
	reader *sdkmetric.ManualReader
	sink   *memorySink
}

// newTestProcessor builds a started processor with a fake clock, a manual
// metric reader, an in-memory usage sink and no store.
func newTestProcessor(t *testing.T, mutate func(*Config)) *testProc {
	t.Helper()
	return newTestProcessorWithLogger(t, zap.NewNop(), mutate)
}

func newTestProcessorWithLogger(t *testing.T, logger *zap.Logger, mutate func(*Config)) *testProc {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.Store = component.ID{}
	if mutate != nil {
		mutate(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	reader := sdkmetric.NewManualReader()
	set := processortest.NewNopSettings(Type)
	set.Logger = logger
	set.TelemetrySettings.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	p, err := newTenantProcessor(set, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tp := &testProc{tenantProcessor: p, clock: newFakeClock(), reader: reader, sink: &memorySink{}}
	p.now = tp.clock.now
	p.sink = tp.sink
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.shutdown(context.Background()) })
	return tp
}

type memorySink struct {
	mu   sync.Mutex
	rows []usageRow
	fail error
}

func (s *memorySink) insertUsage(_ context.Context, rows []usageRow) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.rows = append(s.rows, rows...)
	return nil
}

func (s *memorySink) take() []usageRow {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rows
	s.rows = nil
	return r
}

func withHeader(name, value string) context.Context {
	return client.NewContext(context.Background(), client.Info{
		Metadata: client.NewMetadata(map[string][]string{name: {value}}),
	})
}

func orgID(tenant string) context.Context { return withHeader("X-Scope-OrgID", tenant) }

// res describes one resource of a test request.
type res struct {
	attrs     map[string]string
	items     int
	itemAttrs int
}

func traces(resources ...res) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, r := range resources {
		rs := td.ResourceSpans().AppendEmpty()
		for k, v := range r.attrs {
			rs.Resource().Attributes().PutStr(k, v)
		}
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for i := 0; i < r.items; i++ {
			s := spans.AppendEmpty()
			s.SetName("op")
			for a := 0; a < r.itemAttrs; a++ {
				s.Attributes().PutInt("a"+string(rune('a'+a%26))+string(rune('a'+a/26)), int64(a))
			}
		}
	}
	return td
}

func logs(resources ...res) plog.Logs {
	ld := plog.NewLogs()
	for _, r := range resources {
		rl := ld.ResourceLogs().AppendEmpty()
		for k, v := range r.attrs {
			rl.Resource().Attributes().PutStr(k, v)
		}
		recs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for i := 0; i < r.items; i++ {
			l := recs.AppendEmpty()
			l.Body().SetStr("hello")
			for a := 0; a < r.itemAttrs; a++ {
				l.Attributes().PutInt("a"+string(rune('a'+a%26))+string(rune('a'+a/26)), int64(a))
			}
		}
	}
	return ld
}

// gauge makes one resource with one gauge whose data points are the series
// series[0], series[1], … (the value of attribute "s").
func gauge(attrs map[string]string, series ...string) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	for k, v := range attrs {
		rm.Resource().Attributes().PutStr(k, v)
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("test")
	m := sm.Metrics().AppendEmpty()
	m.SetName("up")
	dps := m.SetEmptyGauge().DataPoints()
	for _, s := range series {
		dp := dps.AppendEmpty()
		dp.Attributes().PutStr("s", s)
		dp.SetDoubleValue(1)
	}
	return md
}

// wantCode checks the gRPC status the OTLP receiver would answer with.
func wantCode(t *testing.T, err error, code codes.Code) *status.Status {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got no error", code)
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() != code {
		t.Fatalf("want gRPC %s, got %v (status %v, ok %v)", code, err, st.Code(), ok)
	}
	return st
}

func wantPermanent(t *testing.T, err error) {
	t.Helper()
	wantCode(t, err, codes.InvalidArgument)
	if !consumererror.IsPermanent(err) {
		t.Fatalf("want a permanent error, got %v", err)
	}
}

// wantRetry checks RESOURCE_EXHAUSTED with RetryInfo and returns the delay.
func wantRetry(t *testing.T, err error) time.Duration {
	t.Helper()
	return wantRetryCode(t, err, codes.ResourceExhausted)
}

// wantRetryCode checks a retryable status code with RetryInfo and returns
// the delay.
func wantRetryCode(t *testing.T, err error, code codes.Code) time.Duration {
	t.Helper()
	st := wantCode(t, err, code)
	if consumererror.IsPermanent(err) {
		t.Fatalf("retryable refusal marked permanent: %v", err)
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	t.Fatalf("no RetryInfo in %v", err)
	return 0
}

// counter sums a counter's points whose attributes include want.
func (tp *testProc) counter(t *testing.T, name string, want map[string]string) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tp.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			data, ok := m.Data.(metricdata.Sum[int64])
			if !ok {
				t.Fatalf("%s is %T, want an int64 sum", name, m.Data)
			}
		next:
			for _, dp := range data.DataPoints {
				for k, v := range want {
					got, ok := dp.Attributes.Value(attribute.Key(k))
					if !ok || got.AsString() != v {
						continue next
					}
				}
				sum += dp.Value
			}
		}
	}
	return sum
}

var errStoreDown = errors.New("store down")

// attr is a map's value for k, or "<absent>".
func attr(m pcommon.Map, k string) string {
	v, ok := m.Get(k)
	if !ok {
		return "<absent>"
	}
	return v.AsString()
}

// processTraces, processLogs and processMetrics run a request through the
// processor as if the rest of the pipeline accepted it.
func (p *tenantProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	return td, p.consumeTraces(ctx, td, consumertest.NewNop())
}

func (p *tenantProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	return ld, p.consumeLogs(ctx, ld, consumertest.NewNop())
}

func (p *tenantProcessor) processMetrics(ctx context.Context, md pmetric.Metrics) (pmetric.Metrics, error) {
	return md, p.consumeMetrics(ctx, md, consumertest.NewNop())
}
