package tenantprocessor

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
)

// TestUsageInTheStore runs usage through the factory-built processors into
// the embedded engine's slopipe_ingest_usage, two flushes (ticker and
// shutdown) summed by the table.
func TestUsageInTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenEmbedded("", t.TempDir(), "otel")
	if err != nil {
		t.Fatalf("the embedded engine (make engine fills its cache): %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := store.Migrate(ctx, st, store.SchemaOptions{}); err != nil {
		t.Fatal(err)
	}

	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Store = component.MustNewIDWithName("store", "main")
	cfg.UsageFlushInterval = 20 * time.Millisecond
	set := processortest.NewNopSettings(Type)
	tr, err := f.CreateTraces(ctx, set, cfg, consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	lg, err := f.CreateLogs(ctx, set, cfg, consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	host := storeextensiontest.NewHostWithID(cfg.Store, st)
	for _, c := range []component.Component{tr, lg} {
		if err := c.Start(ctx, host); err != nil {
			t.Fatal(err)
		}
	}

	var acmeTraceBytes, acmeLogBytes, otherLogBytes uint64
	sendTraces := func(tenant string, n int) {
		td := traces(res{items: n, itemAttrs: 2})
		if err := tr.ConsumeTraces(orgID(tenant), td); err != nil {
			t.Fatal(err)
		}
		acmeTraceBytes += uint64((&ptrace.ProtoMarshaler{}).TracesSize(td))
	}
	sendLogs := func(tenant string, n int, total *uint64) {
		ld := logs(res{items: n})
		if err := lg.ConsumeLogs(orgID(tenant), ld); err != nil {
			t.Fatal(err)
		}
		*total += uint64((&plog.ProtoMarshaler{}).LogsSize(ld))
	}
	sendTraces("acme", 5)
	sendLogs("acme", 7, &acmeLogBytes)
	time.Sleep(100 * time.Millisecond) // at least one ticker flush
	sendTraces("acme", 3)
	sendLogs("other", 2, &otherLogBytes)
	for _, c := range []component.Component{tr, lg} {
		if err := c.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}

	rows, err := st.Query(ctx, `SELECT TenantId, Signal, sum(Items), sum(Bytes) FROM slopipe_ingest_usage
		GROUP BY TenantId, Signal ORDER BY TenantId, Signal`, nil)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		tenant, signal string
		items, bytes   uint64
	}
	var got []row
	if err := store.ScanAll(rows, func(r store.Rows) error {
		var x row
		err := r.Scan(&x.tenant, &x.signal, &x.items, &x.bytes)
		got = append(got, x)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []row{
		{"acme", "logs", 7, acmeLogBytes},
		{"acme", "traces", 8, acmeTraceBytes},
		{"other", "logs", 2, otherLogBytes},
	}
	if len(got) != len(want) {
		t.Fatalf("rows %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
