package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/slopipe/slopipe/store"
)

// Increments of the same tenant, key and minute sum, across inserts.
func TestMinuteCountsSumPerTenantKeyAndMinute(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx, s, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		const minute = 1795435200 // 2026-11-23 12:00:00 UTC
		events := store.NewSLIEvents()
		events.Add("acme", "checkout", minute, 98, 100)
		events.Add("acme", "checkout", minute+60, 50, 50)
		if err := events.Insert(ctx, s, time.Now()); err != nil {
			t.Fatal(err)
		}
		events.Reset()
		events.Add("acme", "checkout", minute, 1, 2)
		events.Add("other", "checkout", minute, 7, 7)
		if err := events.Insert(ctx, s, time.Now()); err != nil {
			t.Fatal(err)
		}
		usage := store.NewIngestUsage()
		usage.Add("acme", "traces", minute, 10, 1000)
		usage.Add("acme", "traces", minute, 5, 500)
		if err := usage.Insert(ctx, s); err != nil {
			t.Fatal(err)
		}

		rows, err := s.Query(ctx, `SELECT TenantId, Slo, toUnixTimestamp(Minute), sum(Good), sum(Total)
			FROM slopipe_sli_events GROUP BY 1, 2, 3 ORDER BY 1, 3`, nil)
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			tenant, slo string
			minute      uint32
			good, total uint64
		}
		var got []row
		err = store.ScanAll(rows, func(r store.Rows) error {
			var x row
			err := r.Scan(&x.tenant, &x.slo, &x.minute, &x.good, &x.total)
			got = append(got, x)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []row{{"acme", "checkout", minute, 99, 102}, {"acme", "checkout", minute + 60, 50, 50}, {"other", "checkout", minute, 7, 7}}
		if len(got) != len(want) {
			t.Fatalf("rows %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
			}
		}
		rows, err = s.Query(ctx, "SELECT sum(Items), sum(Bytes) FROM slopipe_ingest_usage WHERE TenantId = 'acme'", nil)
		if err != nil {
			t.Fatal(err)
		}
		var items, bytes uint64
		if err := store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&items, &bytes) }); err != nil {
			t.Fatal(err)
		}
		if items != 15 || bytes != 1500 {
			t.Errorf("usage %d items %d bytes, want 15 and 1500", items, bytes)
		}
	})
}

// Migration 003 rebuilds slopipe_sli_events under a time-first sorting key;
// the events counted before survive it.
func TestResortingSLIEventsKeepsThem(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		migrations, err := store.Migrations(store.SchemaOptions{Database: s.Database()})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range migrations[:2] {
			for _, stmt := range m.Statements {
				if err := s.Exec(ctx, stmt, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		now := time.Now()
		events := store.NewSLIEvents()
		events.Add("acme", "checkout", now.Truncate(time.Minute).Unix(), 98, 100)
		events.Add("beta", "checkout", now.Truncate(time.Minute).Unix()-60, 5, 7)
		if err := events.Insert(ctx, s, now); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Migrate(ctx, s, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Query(ctx, `SELECT sum(Good), sum(Total), (SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'slopipe_sli_events')
			FROM slopipe_sli_events`, nil)
		if err != nil {
			t.Fatal(err)
		}
		var good, total uint64
		var key string
		store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&good, &total, &key) })
		if good != 103 || total != 107 || key != "Minute, TenantId, Slo" {
			t.Fatalf("after migrating: %d/%d events, sorting key %q; want 103/107 and Minute, TenantId, Slo", good, total, key)
		}
	})
}
