package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func TestMain(m *testing.M) {
	// The daemon tests run this binary again as the daemon itself.
	if os.Getenv("SLOPIPE_TEST_AS_DAEMON") == "1" {
		if err := run(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "slopipe:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type daemon struct {
	cmd *exec.Cmd
	out *strings.Builder
}

func startDaemon(t *testing.T, dataDir, addr string) *daemon {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-clickhouse-http-addr", addr)
	cmd.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1", "SLOPIPE_DATA_DIR="+dataDir)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: cmd, out: out}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/ping")
		if err == nil {
			resp.Body.Close()
			return d
		}
		if time.Now().After(deadline) {
			d.stop(t)
			t.Fatalf("daemon did not come up: %s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (d *daemon) stop(t *testing.T) {
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("daemon exited with %v: %s", err, d.out)
		}
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		t.Errorf("daemon did not stop on SIGTERM: %s", d.out)
	}
}

func get(t *testing.T, addr, query string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/?query=" + url.QueryEscape(query))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", query, resp.StatusCode, body)
	}
	return string(body)
}

// The store acceptance path: the daemon starts on a fresh directory with the
// real engine, answers ClickHouse's HTTP interface, takes 100 000 rows from
// clickhouse-go/v2 over HTTP, and still has exactly them after a restart.
func TestDaemonServesStoreAndKeepsDataAcrossRestart(t *testing.T) {
	dataDir, addr := t.TempDir(), freeAddr(t)
	d := startDaemon(t, dataDir, addr)

	if v := get(t, addr, "SELECT version()"); !strings.HasPrefix(v, "26.5.") {
		t.Fatalf("version %q", v)
	}
	tables := get(t, addr, "SHOW TABLES")
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
	d.stop(t)

	d = startDaemon(t, dataDir, addr)
	defer d.stop(t)
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
	cmd := exec.Command(os.Args[0], "-clickhouse-http-addr", "off")
	cmd.Env = append(os.Environ(), "SLOPIPE_TEST_AS_DAEMON=1", "SLOPIPE_DATA_DIR="+t.TempDir(), "SLOPIPE_LIBCHDB=/nonexistent/libchdb.so")
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
