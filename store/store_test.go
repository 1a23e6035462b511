package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/chhttp"
)

// One engine per process: TestMain opens it on a fresh directory and serves
// its HTTP interface, so every test runs against both backends — the engine
// directly, and clickhouse-go/v2 over HTTP as a ClickHouse server client.
var (
	embedded *store.Embedded
	httpAddr string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slopipe-store-test")
	if err != nil {
		panic(err)
	}
	embedded, err = store.OpenEmbedded("", dir, "store_test_embedded")
	if err != nil {
		fmt.Fprintln(os.Stderr, "store tests need the embedded engine:", err)
		os.Exit(1)
	}
	srv, err := chhttp.New(chhttp.Config{Addr: "127.0.0.1:0"}, embedded, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		panic(err)
	}
	if err := srv.Start(); err != nil {
		panic(err)
	}
	httpAddr = srv.Addr()
	code := m.Run()
	embedded.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// backends returns a store of each kind, each in a database of its own.
func backends(t *testing.T, name string) map[string]store.Store {
	t.Helper()
	ctx := context.Background()
	db := strings.ToLower(strings.NewReplacer("/", "_", " ", "_").Replace(name))
	emb, err := store.OpenEmbedded("", embedded.Engine().DataDir(), "e_"+db)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := store.OpenServer(ctx, "http://"+httpAddr+"/s_"+db, store.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return map[string]store.Store{"embedded": emb, "server": srv}
}

func forEachBackend(t *testing.T, test func(t *testing.T, s store.Store)) {
	for _, kind := range []string{"embedded", "server"} {
		t.Run(kind, func(t *testing.T) {
			s := backends(t, t.Name())[kind]
			test(t, s)
		})
	}
}

func count(t *testing.T, s store.Store, table string) uint64 {
	t.Helper()
	rows, err := s.Query(context.Background(), "SELECT count() FROM "+table, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	err = store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrateCreatesSchemaAndIsIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		applied, err := store.Migrate(ctx, s, store.SchemaOptions{})
		if err != nil {
			t.Fatal(err)
		}
		all, err := store.Migrations(store.SchemaOptions{Database: s.Database()})
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != len(all) {
			t.Fatalf("first run applied %v, want all %d migrations", applied, len(all))
		}
		again, err := store.Migrate(ctx, s, store.SchemaOptions{})
		if err != nil || len(again) != 0 {
			t.Fatalf("second run applied %v (err %v), want nothing", again, err)
		}
		rows, err := s.Query(ctx, "SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name", store.Params{"db": s.Database()})
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		store.ScanAll(rows, func(r store.Rows) error {
			var name string
			err := r.Scan(&name)
			tables = append(tables, name)
			return err
		})
		for _, want := range []string{"otel_traces", "otel_logs", "otel_metrics_sum", "otel_metrics_gauge", "otel_metrics_histogram",
			"otel_metrics_exponential_histogram", "otel_metrics_summary", "otel_traces_trace_id_ts", "slopipe_sli_events",
			"slopipe_slo_status", "slopipe_alert_state", "slopipe_notification_log", "slopipe_notifications",
			"slopipe_billing_line_items", "slopipe_cost_allocations", "slopipe_ingest_usage", "slopipe_silences",
			"slopipe_sli_metric_minutes", "slopipe_sli_hours"} {
			if !contains(tables, want) {
				t.Errorf("table %s missing; have %v", want, tables)
			}
		}
		if got := count(t, s, "slopipe_schema_migrations"); got != uint64(len(all)) {
			t.Errorf("migrations recorded %d times, want %d", got, len(all))
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if _, err := store.Migrate(ctx, s, store.SchemaOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, "INSERT INTO slopipe_schema_migrations SELECT 999, 'from_the_future', '', now64(3)", nil); err != nil {
			t.Fatal(err)
		}
		_, err := store.Migrate(ctx, s, store.SchemaOptions{})
		var tooNew *store.SchemaTooNewError
		if !errors.As(err, &tooNew) || tooNew.Applied != 999 {
			t.Fatalf("got %v, want SchemaTooNewError for version 999", err)
		}
	})
}

// everyColumnKind is a batch with one column of every kind the store encodes.
func everyColumnKind(rows int) (*store.Batch, string) {
	str := store.NewStrings("s")
	u8 := store.NewUInt8s("u8")
	u32 := store.NewUInt32s("u32")
	u64 := store.NewUInt64s("u64")
	i32 := store.NewInt32s("i32")
	i64 := store.NewInt64s("i64")
	f64 := store.NewFloat64s("f64")
	ts := store.NewTimes("ts")
	sec := store.NewDateTimes("sec")
	m := store.NewMaps("m")
	arrS := store.NewArrays("arr_s", store.NewStrings(""))
	arrT := store.NewArrays("arr_t", store.NewTimes(""))
	arrM := store.NewArrays("arr_m", store.NewMaps(""))
	arrF := store.NewArrays("arr_f", store.NewFloat64s(""))
	base := time.Date(2026, 11, 1, 12, 0, 0, 123456789, time.UTC)
	for i := 0; i < rows; i++ {
		str.Append(fmt.Sprintf("row-%d 'quoted' \\ ünïcode", i))
		u8.Append(uint8(i))
		u32.Append(uint32(i) * 7)
		u64.Append(uint64(1)<<63 + uint64(i))
		i32.Append(int32(-i))
		i64.Append(-int64(1)<<62 - int64(i))
		f64.Append(float64(i) / 3)
		ts.AppendTime(base.Add(time.Duration(i) * time.Millisecond))
		sec.AppendTime(base.Add(time.Duration(i) * time.Second))
		m.Put("service.name", fmt.Sprint("svc", i%3))
		m.Put("k", "v")
		m.EndRow()
		for j := 0; j < i%3; j++ {
			arrS.Elem.(*store.Strings).Append(fmt.Sprint("e", j))
			arrT.Elem.(*store.Times).AppendTime(base.Add(time.Duration(j) * time.Nanosecond))
			arrM.Elem.(*store.Maps).Put("a", fmt.Sprint(j))
			arrM.Elem.(*store.Maps).EndRow()
			arrF.Elem.(*store.Numbers[float64]).Append(float64(j) + 0.5)
		}
		arrS.EndRow()
		arrT.EndRow()
		arrM.EndRow()
		arrF.EndRow()
	}
	ddl := `CREATE TABLE IF NOT EXISTS kinds (
		s String, u8 UInt8, u32 UInt32, u64 UInt64, i32 Int32, i64 Int64, f64 Float64,
		ts DateTime64(9), sec DateTime, m Map(LowCardinality(String), String),
		arr_s Array(LowCardinality(String)), arr_t Array(DateTime64(9)), arr_m Array(Map(LowCardinality(String), String)), arr_f Array(Float64)
	) ENGINE = MergeTree ORDER BY u64`
	return store.NewBatch("kinds", str, u8, u32, u64, i32, i64, f64, ts, sec, m, arrS, arrT, arrM, arrF), ddl
}

func TestInsertAndQueryEveryColumnKind(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		batch, ddl := everyColumnKind(5)
		if err := s.Exec(ctx, ddl, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Insert(ctx, batch); err != nil {
			t.Fatal(err)
		}
		rows, err := s.Query(ctx, "SELECT s, u8, u32, u64, i32, i64, f64, ts, sec, m, arr_s, arr_t, arr_m, arr_f FROM kinds ORDER BY u64", nil)
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		err = store.ScanAll(rows, func(r store.Rows) error {
			var (
				s       string
				u8      uint8
				u32     uint32
				u64     uint64
				i32     int32
				i64     int64
				f64     float64
				ts, sec time.Time
				m       map[string]string
				arrS    []string
				arrT    []time.Time
				arrM    []map[string]string
				arrF    []float64
				wantLen = i % 3
				base    = time.Date(2026, 11, 1, 12, 0, 0, 123456789, time.UTC)
			)
			if err := r.Scan(&s, &u8, &u32, &u64, &i32, &i64, &f64, &ts, &sec, &m, &arrS, &arrT, &arrM, &arrF); err != nil {
				return err
			}
			if want := fmt.Sprintf("row-%d 'quoted' \\ ünïcode", i); s != want {
				t.Errorf("row %d: s = %q, want %q", i, s, want)
			}
			if u8 != uint8(i) || u32 != uint32(i)*7 || u64 != uint64(1)<<63+uint64(i) || i32 != int32(-i) || i64 != -int64(1)<<62-int64(i) {
				t.Errorf("row %d: integers %d %d %d %d %d", i, u8, u32, u64, i32, i64)
			}
			if f64 != float64(i)/3 {
				t.Errorf("row %d: f64 = %v, want %v", i, f64, float64(i)/3)
			}
			if !ts.Equal(base.Add(time.Duration(i) * time.Millisecond)) {
				t.Errorf("row %d: ts = %v", i, ts)
			}
			if !sec.Equal(base.Truncate(time.Second).Add(time.Duration(i) * time.Second)) {
				t.Errorf("row %d: sec = %v", i, sec)
			}
			if !reflect.DeepEqual(m, map[string]string{"service.name": fmt.Sprint("svc", i%3), "k": "v"}) {
				t.Errorf("row %d: m = %v", i, m)
			}
			if len(arrS) != wantLen || len(arrT) != wantLen || len(arrM) != wantLen || len(arrF) != wantLen {
				t.Errorf("row %d: array lengths %d %d %d %d, want %d", i, len(arrS), len(arrT), len(arrM), len(arrF), wantLen)
			}
			for j := 0; j < wantLen && j < len(arrS) && j < len(arrT) && j < len(arrM) && j < len(arrF); j++ {
				if arrS[j] != fmt.Sprint("e", j) || !arrT[j].Equal(base.Add(time.Duration(j))) || arrM[j]["a"] != fmt.Sprint(j) || arrF[j] != float64(j)+0.5 {
					t.Errorf("row %d element %d: %q %v %v %v", i, j, arrS[j], arrT[j], arrM[j], arrF[j])
				}
			}
			i++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if i != 5 {
			t.Fatalf("read %d rows, want 5", i)
		}
	})
}

// TestInsertLargeBatchExact inserts far more than the ~1 MB at which inline
// INSERT data loses rows in the engine, and counts every row back.
func TestInsertLargeBatchExact(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		const n = 200_000
		batch, ddl := everyColumnKind(n)
		if err := s.Exec(ctx, ddl, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Insert(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if got := count(t, s, "kinds"); got != n {
			t.Fatalf("counted %d rows, sent %d", got, n)
		}
	})
}

func TestBadSQLCarriesEngineMessage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		err := s.Exec(context.Background(), "SELEC 1", nil)
		if err == nil || !strings.Contains(err.Error(), "Syntax error") || !strings.Contains(err.Error(), "62") {
			t.Fatalf("got %v, want the engine's syntax error (code 62)", err)
		}
		_, err = s.Query(context.Background(), "SELECT * FROM no_such_table", nil)
		if err == nil || !strings.Contains(err.Error(), "no_such_table") {
			t.Fatalf("got %v, want the engine's unknown table error", err)
		}
	})
}

func TestParamsAreBoundNotSpliced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		tricky := "x'); DROP TABLE y; --"
		rows, err := s.Query(context.Background(), "SELECT {v:String}, {n:UInt64} + 1", store.Params{"v": tricky, "n": "41"})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		var n uint64
		if err := store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&got, &n) }); err != nil {
			t.Fatal(err)
		}
		if got != tricky || n != 42 {
			t.Fatalf("got %q %d", got, n)
		}
	})
}

func TestMismatchedColumnsAreRefused(t *testing.T) {
	a, b := store.NewStrings("a"), store.NewUInt64s("b")
	a.Append("x", "y")
	b.Append(1)
	err := embedded.Insert(context.Background(), store.NewBatch("t", a, b))
	if err == nil || !strings.Contains(err.Error(), "column b has 1") {
		t.Fatalf("got %v", err)
	}
}

// Arrays of numbers and of string pairs bind as the engine's array and
// tuple parameters, quotes and all.
func TestParamArrays(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		rows, err := s.Query(context.Background(), "SELECT toString({n:Array(Int64)}), toString({p:Array(Tuple(String, String))})", store.Params{
			"n": store.Param([]int64{-1, 0, 1795444650}),
			"p": store.Param([][2]string{{"a'b", `c\d`}, {"", "e"}}),
		})
		if err != nil {
			t.Fatal(err)
		}
		var n, p string
		if err := store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&n, &p) }); err != nil {
			t.Fatal(err)
		}
		if n != "[-1,0,1795444650]" || p != `[('a\'b','c\\d'),('','e')]` {
			t.Fatalf("got %s %s", n, p)
		}
	})
}

// The store's database key is used when the DSN names none; a DSN's own
// database wins.
func TestServerDatabaseFromConfigUnlessDSNNamesOne(t *testing.T) {
	ctx := context.Background()
	for dsn, want := range map[string]string{
		"http://" + httpAddr:                  "from_config",
		"http://" + httpAddr + "/":            "from_config",
		"http://" + httpAddr + "/from_dsn_db": "from_dsn_db",
	} {
		s, err := store.Open(ctx, store.Config{DSN: dsn, Database: "from_config"})
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if got := s.Database(); got != want {
			t.Errorf("%s: database %q, want %q", dsn, got, want)
		}
		if got := count(t, s, want+".slopipe_schema_migrations"); got == 0 {
			t.Errorf("%s: no migrations recorded in %s", dsn, want)
		}
		s.Close()
	}
}
