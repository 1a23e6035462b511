package loadgen

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// The items are the same for every target: one resource (a service of
// the tenant) and n spans or log records with a fixed set of attributes,
// shaped like an instrumented HTTP server's. Only IDs differ between
// items, so neither side can take a shortcut on repeated values that
// real data would not allow either.

// buildRequest returns the marshalled OTLP export request of n items.
func buildRequest(s Signal, n int, tenant string) ([]byte, error) {
	now := time.Now()
	switch s {
	case Traces:
		return ptraceotlp.NewExportRequestFromTraces(traces(n, tenant, now)).MarshalProto()
	case Logs:
		return plogotlp.NewExportRequestFromLogs(logs(n, tenant, now)).MarshalProto()
	}
	return nil, fmt.Errorf("signal: %q is neither traces nor logs", s)
}

func resource(r pcommon.Resource, tenant string) {
	a := r.Attributes()
	a.PutStr("service.name", "checkout")
	a.PutStr("service.namespace", tenant)
	a.PutStr("service.version", "1.4.2")
	a.PutStr("deployment.environment.name", "bench")
	a.PutStr("host.name", "bench-host-1")
	a.PutStr("telemetry.sdk.language", "go")
}

func httpAttributes(a pcommon.Map, i int) {
	a.PutStr("http.request.method", "GET")
	a.PutStr("http.route", "/api/orders/{id}")
	a.PutInt("http.response.status_code", 200)
	a.PutStr("url.scheme", "https")
	a.PutStr("url.path", fmt.Sprintf("/api/orders/%d", i))
	a.PutStr("server.address", "checkout.internal")
	a.PutInt("server.port", 8443)
	a.PutStr("client.address", "10.0.12.7")
	a.PutStr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)")
	a.PutStr("network.protocol.version", "1.1")
}

func traces(n int, tenant string, now time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	resource(rs.Resource(), tenant)
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
	ss.Scope().SetVersion("0.60.0")
	spans := ss.Spans()
	spans.EnsureCapacity(n)
	for i := 0; i < n; i++ {
		sp := spans.AppendEmpty()
		sp.SetTraceID(traceID())
		sp.SetSpanID(spanID())
		sp.SetName("GET /api/orders/{id}")
		sp.SetKind(ptrace.SpanKindServer)
		start := now.Add(-time.Duration(i%1000) * time.Millisecond)
		sp.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		sp.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(12 * time.Millisecond)))
		sp.Status().SetCode(ptrace.StatusCodeOk)
		httpAttributes(sp.Attributes(), i)
	}
	return td
}

func logs(n int, tenant string, now time.Time) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	resource(rl.Resource(), tenant)
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("checkout/orders")
	records := sl.LogRecords()
	records.EnsureCapacity(n)
	for i := 0; i < n; i++ {
		lr := records.AppendEmpty()
		ts := now.Add(-time.Duration(i%1000) * time.Millisecond)
		lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(ts))
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.SetSeverityText("INFO")
		lr.Body().SetStr(fmt.Sprintf("order %d served in 12 ms", i))
		lr.SetTraceID(traceID())
		lr.SetSpanID(spanID())
		httpAttributes(lr.Attributes(), i)
	}
	return ld
}

func traceID() pcommon.TraceID {
	var id pcommon.TraceID
	binary.BigEndian.PutUint64(id[:8], rand.Uint64())
	binary.BigEndian.PutUint64(id[8:], rand.Uint64())
	return id
}

func spanID() pcommon.SpanID {
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], rand.Uint64())
	return id
}

// rejectedItems reads the partial success of an export response.
func rejectedItems(s Signal, reply []byte) (int64, error) {
	if len(reply) == 0 {
		return 0, nil
	}
	if s == Logs {
		r := plogotlp.NewExportResponse()
		if err := r.UnmarshalProto(reply); err != nil {
			return 0, fmt.Errorf("export response: %w", err)
		}
		return r.PartialSuccess().RejectedLogRecords(), nil
	}
	r := ptraceotlp.NewExportResponse()
	if err := r.UnmarshalProto(reply); err != nil {
		return 0, fmt.Errorf("export response: %w", err)
	}
	return r.PartialSuccess().RejectedSpans(), nil
}
