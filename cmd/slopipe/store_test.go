package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The store acceptance path: the daemon starts on a fresh directory with the
// real engine, answers ClickHouse's HTTP interface, takes 100 000 rows from
// clickhouse-go/v2 over HTTP, and still has exactly them after a restart.
func TestDaemonServesStoreAndKeepsDataAcrossRestart(t *testing.T) {
	dataDir, ep := t.TempDir(), newEndpoints(t)
	addr := ep.clickhouseHTTP
	d := startDaemon(t, dataDir, ep, nil)

	if v := query(t, addr, "SELECT version()"); !strings.HasPrefix(v, "26.5.") {
		t.Fatalf("version %q", v)
	}
	tables := query(t, addr, "SHOW TABLES")
	for _, want := range []string{"otel_traces", "otel_logs", "otel_metrics_sum", "slopipe_sli_events"} {
		if !strings.Contains(tables, want+"\n") {
			t.Errorf("SHOW TABLES lacks %s:\n%s", want, tables)
		}
	}

	ctx := context.Background()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Protocol: clickhouse.HTTP})
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, "CREATE TABLE accept (id UInt64, tenant LowCardinality(String), at DateTime64(9), attrs Map(LowCardinality(String), String)) ENGINE = MergeTree ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO accept")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := 0; i < 100000; i++ {
		if err := batch.Append(uint64(i), fmt.Sprint("tenant-", i%5), now, map[string]string{"k": fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	countRows := func(conn clickhouse.Conn) uint64 {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM accept").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := countRows(conn); n != 100000 {
		t.Fatalf("counted %d rows, sent 100000", n)
	}
	conn.Close()
	d.stop()

	d = startDaemon(t, dataDir, ep, nil)
	defer d.stop()
	conn, err = clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Protocol: clickhouse.HTTP})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if n := countRows(conn); n != 100000 {
		t.Fatalf("after restart counted %d rows, want 100000", n)
	}
}

func TestMissingEngineSaysWhatToDo(t *testing.T) {
	ep := newEndpoints(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1", "SLOPIPE_DATA_DIR="+t.TempDir(),
		"SLOPIPE_LIBCHDB=/nonexistent/libchdb.so", "SLOPIPE_HEALTH_ENDPOINT="+ep.health,
		"SLOPIPE_OTLP_GRPC_ENDPOINT="+ep.otlpGRPC, "SLOPIPE_OTLP_HTTP_ENDPOINT="+ep.otlpHTTP,
		"SLOPIPE_REMOTE_WRITE_ENDPOINT="+ep.remoteWrite, "SLOPIPE_CLICKHOUSE_HTTP_ADDR="+ep.clickhouseHTTP,
		"SLOPIPE_TELEMETRY_PORT="+ep.telemetryPort)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("daemon started without its engine")
	}
	for _, want := range []string{"make engine", "SLOPIPE_LIBCHDB", "SLOPIPE_CLICKHOUSE_DSN"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("message lacks %q: %s", want, out)
		}
	}
}
