package tenantprocessor

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestUsagePerTenantSignalAndMinute(t *testing.T) {
	tp := newTestProcessor(t, nil)
	ctx := context.Background()
	start := tp.clock.now().Unix() // 12:00:00, a minute boundary

	send := func(tenant string, items int) uint64 {
		td := traces(res{items: items})
		if _, err := tp.processTraces(orgID(tenant), td); err != nil {
			t.Fatal(err)
		}
		return uint64((&ptrace.ProtoMarshaler{}).TracesSize(td))
	}
	b1 := send("acme", 3)
	tp.clock.advance(30 * time.Second)
	b2 := send("acme", 2)
	ld := logs(res{items: 4})
	if _, err := tp.processLogs(orgID("acme"), ld); err != nil {
		t.Fatal(err)
	}
	lb := uint64((&plog.ProtoMarshaler{}).LogsSize(ld))
	md := gauge(nil, "a", "b")
	if _, err := tp.processMetrics(orgID("other"), md); err != nil {
		t.Fatal(err)
	}
	mb := uint64((&pmetric.ProtoMarshaler{}).MetricsSize(md))
	tp.clock.advance(45 * time.Second) // 12:01:15
	b3 := send("acme", 1)
	// A refused request is not usage.
	tp.tenantProcessor.limits.Store(newOverrides(Limits{MaxRequestBytes: 1}))
	if _, err := tp.processTraces(orgID("acme"), traces(res{items: 1})); err == nil {
		t.Fatal("want refusal")
	}

	if err := tp.flusher.flush(ctx, tp.tenants); err != nil {
		t.Fatal(err)
	}
	want := []usageRow{
		{"acme", sigTraces, start, 5, b1 + b2},
		{"acme", sigTraces, start + 60, 1, b3},
		{"acme", sigLogs, start, 4, lb},
		{"other", sigMetrics, start, 2, mb},
	}
	if got := tp.sink.take(); !slices.Equal(got, want) {
		t.Fatalf("usage\n got %+v\nwant %+v", got, want)
	}
	// Flushed rows are not written again.
	if err := tp.flusher.flush(ctx, tp.tenants); err != nil {
		t.Fatal(err)
	}
	if got := tp.sink.take(); len(got) != 0 {
		t.Fatalf("second flush wrote %+v", got)
	}
}

func TestUsageKeptWhenFlushFailsAndBounded(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.UsageMaxPendingRows = 2 })
	ctx := context.Background()
	tp.sink.fail = errStoreDown
	for _, tenant := range []string{"a", "b"} {
		if _, err := tp.processLogs(orgID(tenant), logs(res{items: 1})); err != nil {
			t.Fatal(err)
		}
	}
	if err := tp.flusher.flush(ctx, tp.tenants); !errors.Is(err, errStoreDown) {
		t.Fatalf("flush = %v, want the store's error", err)
	}
	// More for a pending key merges into it; a new key beyond the cap is
	// dropped and counted.
	for _, tenant := range []string{"a", "c"} {
		if _, err := tp.processLogs(orgID(tenant), logs(res{items: 10})); err != nil {
			t.Fatal(err)
		}
	}
	if err := tp.flusher.flush(ctx, tp.tenants); err == nil {
		t.Fatal("want the store's error")
	}
	if got := tp.counter(t, "slopipe_tenant_usage_dropped_rows", nil); got != 1 {
		t.Errorf("dropped rows %d, want 1", got)
	}
	tp.sink.fail = nil
	if err := tp.flusher.flush(ctx, tp.tenants); err != nil {
		t.Fatal(err)
	}
	got := tp.sink.take()
	if len(got) != 2 || got[0].tenant != "a" || got[0].items != 11 || got[1].tenant != "b" || got[1].items != 1 {
		t.Fatalf("rows after recovery %+v, want a:11 and b:1", got)
	}
}

func TestUsageFlushedOnShutdownAndByTicker(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.UsageFlushInterval = 10 * time.Millisecond })
	if _, err := tp.processLogs(orgID("a"), logs(res{items: 2})); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the ticker's flush", func() bool {
		tp.sink.mu.Lock()
		defer tp.sink.mu.Unlock()
		return len(tp.sink.rows) == 1
	})
	tp.sink.take()

	tp = newTestProcessor(t, nil) // 10s interval: only Shutdown flushes
	if _, err := tp.processLogs(orgID("b"), logs(res{items: 3})); err != nil {
		t.Fatal(err)
	}
	if err := tp.shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := tp.sink.take(); len(got) != 1 || got[0].tenant != "b" || got[0].items != 3 {
		t.Fatalf("shutdown flush wrote %+v", got)
	}
}

func TestNoUsageWithoutStore(t *testing.T) {
	tp := newTestProcessor(t, nil)
	tp.usageOn.Store(false) // as when neither a store nor a sink is set
	if _, err := tp.processLogs(orgID("a"), logs(res{items: 2})); err != nil {
		t.Fatal(err)
	}
	st := tp.tenants.get("a")
	if st.usage[sigLogs].items != 0 {
		t.Fatal("usage accumulated with usage recording off")
	}
}
