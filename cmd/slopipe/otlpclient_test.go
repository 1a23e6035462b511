package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// traceRequest builds an OTLP/HTTP export request of n spans under one
// trace ID that encodes seq, so a test can tell which requests were stored.
func traceRequest(t testing.TB, seq uint64, n int) []byte {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "loadgen")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	var traceID pcommon.TraceID
	binary.BigEndian.PutUint64(traceID[8:], seq)
	traceID[0] = 0x5e
	now := time.Now()
	for i := range n {
		s := spans.AppendEmpty()
		s.SetTraceID(traceID)
		var spanID pcommon.SpanID
		binary.BigEndian.PutUint64(spanID[:], uint64(i+1))
		s.SetSpanID(spanID)
		s.SetName("GET /checkout")
		s.SetKind(ptrace.SpanKindServer)
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(time.Millisecond)))
		s.Attributes().PutStr("http.route", "/checkout")
	}
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// traceIDOf is the hex trace ID traceRequest used for seq, as stored.
func traceIDOf(seq uint64) string {
	var id [16]byte
	id[0] = 0x5e
	binary.BigEndian.PutUint64(id[8:], seq)
	return fmt.Sprintf("%x", id)
}

type exportResult struct {
	status     int
	retryAfter string
	body       string
	err        error
}

func postTraces(client *http.Client, endpoint, tenant string, body []byte) exportResult {
	req, err := http.NewRequest(http.MethodPost, "http://"+endpoint+"/v1/traces", bytes.NewReader(body))
	if err != nil {
		return exportResult{err: err}
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if tenant != "" {
		req.Header.Set("X-Scope-OrgID", tenant)
	}
	resp, err := client.Do(req)
	if err != nil {
		return exportResult{err: err}
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return exportResult{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(msg)}
}

// gaugeRequest builds an OTLP export request of n gauge points of 50 series.
func gaugeRequest(t testing.TB, n int) []byte {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "node")
	points := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	points.SetName("node_cpu_seconds")
	dps := points.SetEmptyGauge().DataPoints()
	now := pcommon.NewTimestampFromTime(time.Now())
	for i := range n {
		p := dps.AppendEmpty()
		p.SetTimestamp(now)
		p.SetDoubleValue(float64(i))
		p.Attributes().PutStr("cpu", fmt.Sprint("cpu", i%50))
		p.Attributes().PutStr("mode", "idle")
	}
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body
}
