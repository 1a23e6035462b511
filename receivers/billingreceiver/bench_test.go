package billingreceiver

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/slopipe/slopipe/cost/billing"
	"github.com/slopipe/slopipe/slo/sloextension/sloextensiontest"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

// BenchmarkImportFOCUS1M imports a 1 000 000-row FOCUS file as the inbox
// and the upload API do (read, map, write, check, complete) into the
// embedded store; each iteration replaces the last one's rows.
func BenchmarkImportFOCUS1M(b *testing.B) {
	const rows = 1_000_000
	path := filepath.Join(b.TempDir(), "focus-1m.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	total, err := billing.WriteFOCUSSample(f, rows, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	info, _ := os.Stat(path)

	cfg := createDefaultConfig().(*Config)
	cfg.Inbox = b.TempDir()
	r, err := newReceiver(receivertest.NewNopSettings(Type), cfg, new(consumertest.LogsSink))
	if err != nil {
		b.Fatal(err)
	}
	st := storetest.Open(b)
	host := storeextensiontest.NewHostWith(cfg.Store, st, map[component.ID]component.Component{cfg.API: sloextensiontest.NewEngine()})
	ctx := context.Background()
	if err := r.Start(ctx, host); err != nil {
		b.Fatal(err)
	}
	defer r.Shutdown(ctx)

	b.SetBytes(info.Size())
	b.ResetTimer()
	for range b.N {
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := r.importFile(ctx, "focus-1m.csv", in)
		in.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Rows != rows || len(res.Billed) != 1 || res.Billed[0].Total.Cmp(total) != 0 {
			b.Fatalf("imported %d rows, %+v; want %d rows, %s", res.Rows, res.Billed, rows, total)
		}
		// The merges and the deletion of the superseded rows this import
		// started run in the background; the next import is timed
		// without them.
		b.StopTimer()
		settle(b, st)
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
}

// settle waits until the engine has no merge or mutation running.
func settle(b *testing.B, st store.Store) {
	for {
		rows, err := st.Query(context.Background(), `SELECT (SELECT count() FROM system.merges) + (SELECT count() FROM system.mutations WHERE NOT is_done)`, nil)
		if err != nil {
			b.Fatal(err)
		}
		var busy uint64
		if err := store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&busy) }); err != nil {
			b.Fatal(err)
		}
		if busy == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
