package sliprocessor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
)

const spansSLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-latency
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  indicator:
    metadata:
      name: checkout-server-spans
    spec:
      ratioMetric:
        counter: true
        total:
          metricSource:
            type: slopipe.spans
            spec:
              service: checkout
              kind: server
              httpRoute: /checkout
              good:
                notError: true
                httpStatusClasses: [2xx, 4xx]
                maxDuration: 300ms
  objectives:
    - target: 0.99
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-log-errors
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindow:
    - duration: 28d
      isRolling: true
  indicator:
    metadata:
      name: checkout-logs
    spec:
      ratioMetric:
        counter: true
        total:
          metricSource:
            type: slopipe.logs
            spec:
              service: checkout
              attributes: {component: payments}
              good:
                maxSeverityNumber: 16
  objectives:
    - target: 0.999
`

var minute0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type spanCase struct {
	service, route string
	kind           ptrace.SpanKind
	status         ptrace.StatusCode
	code           int64 // 0: no status code attribute
	duration       time.Duration
	endOffset      time.Duration
}

func tracesOf(tenant string, cases ...spanCase) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, c := range cases {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("tenant.id", tenant)
		rs.Resource().Attributes().PutStr("service.name", c.service)
		s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetKind(c.kind)
		s.Status().SetCode(c.status)
		if c.route != "" {
			s.Attributes().PutStr("http.route", c.route)
		}
		if c.code != 0 {
			s.Attributes().PutInt("http.response.status_code", c.code)
		}
		end := minute0.Add(c.endOffset)
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-c.duration)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
	}
	return td
}

func newTestCounter(t *testing.T, specs string) (*tracesProcessor, *logsProcessor, *counter) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "slos.yaml"), []byte(specs), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.SLODir = dir
	cfg.Store = component.ID{}
	set := processortest.NewNopSettings(Type)
	c := acquire(set, cfg)
	if err := c.start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.release(context.Background()) })
	return &tracesProcessor{c: c, next: consumertest.NewNop()}, &logsProcessor{c: c, next: consumertest.NewNop()}, c
}

func TestSpansCountedPerTenantSLOAndMinute(t *testing.T) {
	tp, _, c := newTestCounter(t, spansSLO)
	good := spanCase{service: "checkout", route: "/checkout", kind: ptrace.SpanKindServer, code: 200, duration: 100 * time.Millisecond}
	slow, failed, server5xx, noCode := good, good, good, good
	slow.duration = 301 * time.Millisecond
	failed.status = ptrace.StatusCodeError
	server5xx.code = 503
	noCode.code = 0
	client4xx := good
	client4xx.code = 404
	nextMinute := good
	nextMinute.endOffset = time.Minute + 5*time.Second
	// Not counted at all: other service, other route, client kind.
	otherService, otherRoute, clientKind := good, good, good
	otherService.service = "search"
	otherRoute.route = "/cart"
	clientKind.kind = ptrace.SpanKindClient

	td := tracesOf("acme", good, slow, failed, server5xx, noCode, client4xx, nextMinute, otherService, otherRoute, clientKind)
	if err := tp.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	if err := tp.ConsumeTraces(context.Background(), tracesOf("other", good)); err != nil {
		t.Fatal(err)
	}
	want := map[countKey]counts{
		{"acme", "checkout-latency", minute0.Unix()}:      {good: 2, total: 6}, // good, client4xx
		{"acme", "checkout-latency", minute0.Unix() + 60}: {good: 1, total: 1},
		{"other", "checkout-latency", minute0.Unix()}:     {good: 1, total: 1},
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) != len(want) {
		t.Fatalf("pending %v, want %v", c.pending, want)
	}
	for k, n := range want {
		if c.pending[k] != n {
			t.Errorf("%+v: %+v, want %+v", k, c.pending[k], n)
		}
	}
}

func TestLogsCounted(t *testing.T) {
	_, lp, c := newTestCounter(t, spansSLO)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("tenant.id", "acme")
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for _, sev := range []plog.SeverityNumber{plog.SeverityNumberInfo, plog.SeverityNumberWarn4, plog.SeverityNumberError, plog.SeverityNumberInfo} {
		r := recs.AppendEmpty()
		r.SetSeverityNumber(sev)
		r.SetTimestamp(pcommon.NewTimestampFromTime(minute0.Add(30 * time.Second)))
		r.Attributes().PutStr("component", "payments")
	}
	recs.At(3).Attributes().PutStr("component", "search") // filtered out
	if err := lp.ConsumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if got := c.pending[countKey{"acme", "checkout-log-errors", minute0.Unix()}]; got != (counts{good: 2, total: 3}) {
		t.Errorf("log counts %+v, want 2 good of 3", got)
	}
}

// A request the rest of the pipeline refuses is sent again: counting it
// now would count it twice.
func TestRefusedRequestsAreNotCounted(t *testing.T) {
	tp, _, c := newTestCounter(t, spansSLO)
	tp.next = consumertest.NewErr(errors.New("queue full"))
	good := spanCase{service: "checkout", route: "/checkout", kind: ptrace.SpanKindServer, code: 200}
	if err := tp.ConsumeTraces(context.Background(), tracesOf("acme", good)); err == nil {
		t.Fatal("the refusal was swallowed")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) != 0 {
		t.Errorf("a refused request was counted: %v", c.pending)
	}
}

// A change that does not validate keeps the last good set; a good change
// is picked up.
func TestReloadKeepsTheLastGoodSet(t *testing.T) {
	_, _, c := newTestCounter(t, spansSLO)
	file := filepath.Join(c.cfg.SLODir, "slos.yaml")
	if err := os.WriteFile(file, []byte("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: broken}\nspec: {objectives: []}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.reload()
	if n := len(c.slis.Load().spans); n != 1 {
		t.Fatalf("after a broken change: %d span SLIs, want the last good 1", n)
	}
	// The first document alone: the span SLO without the log one.
	if err := os.WriteFile(file, []byte(spansSLO[:strings.Index(spansSLO, "---")]), 0o644); err != nil {
		t.Fatal(err)
	}
	c.reload()
	if set := c.slis.Load(); len(set.spans) != 1 || len(set.logs) != 0 {
		t.Errorf("after a good change: %d span and %d log SLIs, want 1 and 0", len(set.spans), len(set.logs))
	}
}

// The counts reach slopipe_sli_events in the real store, summed per
// tenant, SLO and minute across flushes.
func TestFlushWritesSLIEvents(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("the embedded engine (make engine fills its cache): %v", err)
	}
	defer st.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "slos.yaml"), []byte(spansSLO), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	cfg.SLODir = dir
	proc, err := NewFactory().CreateTraces(ctx, processortest.NewNopSettings(Type), cfg, consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Start(ctx, storeextensiontest.NewHost(st)); err != nil {
		t.Fatal(err)
	}
	good := spanCase{service: "checkout", route: "/checkout", kind: ptrace.SpanKindServer, code: 200}
	bad := good
	bad.code = 500
	if err := proc.ConsumeTraces(ctx, tracesOf("acme", good, good, bad)); err != nil {
		t.Fatal(err)
	}
	if err := proc.Shutdown(ctx); err != nil { // flushes
		t.Fatal(err)
	}
	rows, err := st.Query(ctx, "SELECT sum(Good), sum(Total) FROM slopipe_sli_events WHERE TenantId = 'acme' AND Slo = 'checkout-latency'", nil)
	if err != nil {
		t.Fatal(err)
	}
	var g, tot uint64
	if err := store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&g, &tot) }); err != nil {
		t.Fatal(err)
	}
	if g != 2 || tot != 3 {
		t.Errorf("slopipe_sli_events has %d good of %d, want 2 of 3", g, tot)
	}
}
