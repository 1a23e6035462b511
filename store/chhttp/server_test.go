package chhttp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/ch-go/compress"
	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/chhttp"
)

var (
	emb  *store.Embedded
	base string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chhttp-test")
	if err != nil {
		panic(err)
	}
	emb, err = store.OpenEmbedded("", dir, "httptest")
	if err != nil {
		fmt.Fprintln(os.Stderr, "HTTP interface tests need the embedded engine:", err)
		os.Exit(1)
	}
	srv, err := chhttp.New(chhttp.Config{Addr: "127.0.0.1:0"}, emb, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		panic(err)
	}
	if err := srv.Start(); err != nil {
		panic(err)
	}
	base = "http://" + srv.Addr() + "/"
	code := m.Run()
	emb.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

func do(t *testing.T, method, query string, body io.Reader, header http.Header) (int, http.Header, string) {
	t.Helper()
	u := base
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func q(sql string, extra ...string) string {
	v := url.Values{"query": {sql}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v.Encode()
}

func mustOK(t *testing.T, status int, body string) {
	t.Helper()
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
}

func TestSelectInFormats(t *testing.T) {
	status, _, body := do(t, "GET", q("SELECT version()"), nil, nil)
	mustOK(t, status, body)
	if !strings.HasPrefix(body, "26.5.") {
		t.Fatalf("version %q", body)
	}
	cases := []struct{ query, want, contentType string }{
		{q("SELECT 1 AS a, 'x' AS b FORMAT JSONEachRow"), `{"a":1,"b":"x"}` + "\n", "application/json"},
		{q("SELECT 1 AS a, 'x' AS b", "default_format", "CSV"), "1,\"x\"\n", "text/csv"},
		{q("SELECT 1 AS a, 'x' AS b"), "1\tx\n", "text/tab-separated-values"},
		{q("SELECT number FROM numbers(3) FORMAT TSVWithNames"), "number\n0\n1\n2\n", "text/tab-separated-values"},
	}
	for _, c := range cases {
		status, h, body := do(t, "GET", c.query, nil, nil)
		mustOK(t, status, body)
		if body != c.want || !strings.HasPrefix(h.Get("Content-Type"), c.contentType) {
			t.Errorf("%s: got %q (%s), want %q (%s)", c.query, body, h.Get("Content-Type"), c.want, c.contentType)
		}
	}
}

func TestQueryInBodyAndSettingsAndParams(t *testing.T) {
	status, _, body := do(t, "POST", "max_threads=1&param_x=41", strings.NewReader("SELECT {x:UInt8} + 1, getSetting('max_threads')"), nil)
	mustOK(t, status, body)
	if body != "42\t1\n" {
		t.Fatalf("got %q", body)
	}
}

func TestInsertFormatsCountExactly(t *testing.T) {
	status, _, body := do(t, "POST", "", strings.NewReader("CREATE TABLE ins (n UInt64, s String) ENGINE = MergeTree ORDER BY n"), nil)
	mustOK(t, status, body)

	// Far above the ~1 MB where inline INSERT data loses rows in the engine.
	var csv bytes.Buffer
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&csv, "%d,\"row %d with some padding to make it longer\"\n", i, i)
	}
	status, h, body := do(t, "POST", q("INSERT INTO ins FORMAT CSV"), bytes.NewReader(csv.Bytes()), nil)
	mustOK(t, status, body)
	if !strings.Contains(h.Get("X-ClickHouse-Summary"), `"written_rows":"100000"`) {
		t.Errorf("summary %s", h.Get("X-ClickHouse-Summary"))
	}

	// Statement and data together in the body, gzip-compressed.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, "INSERT INTO ins FORMAT JSONEachRow\n{\"n\":100000,\"s\":\"json\"}\n{\"n\":100001,\"s\":\"json\"}\n")
	zw.Close()
	status, _, body = do(t, "POST", "", &gz, http.Header{"Content-Encoding": {"gzip"}})
	mustOK(t, status, body)

	// VALUES in the query parameter.
	status, _, body = do(t, "POST", q("INSERT INTO ins VALUES (100002, 'values'), (100003, 'it''s')"), nil, nil)
	mustOK(t, status, body)

	status, _, body = do(t, "GET", q("SELECT count(), countIf(s = 'json'), countIf(s = 'it''s') FROM ins"), nil, nil)
	mustOK(t, status, body)
	if body != "100004\t2\t1\n" {
		t.Fatalf("counts %q, want 100004 rows, 2 json, 1 quoted", body)
	}
}

func TestErrorsAreClickHouseErrors(t *testing.T) {
	status, h, body := do(t, "GET", q("SELEC 1"), nil, nil)
	if status != 400 || h.Get("X-ClickHouse-Exception-Code") != "62" || !strings.HasPrefix(body, "Code: 62. DB::Exception:") {
		t.Fatalf("syntax error: %d %q %q", status, h.Get("X-ClickHouse-Exception-Code"), body)
	}
	status, h, body = do(t, "GET", q("SELECT * FROM missing_table"), nil, nil)
	if status != 404 || h.Get("X-ClickHouse-Exception-Code") != "60" || !strings.Contains(body, "missing_table") {
		t.Fatalf("unknown table: %d %q %q", status, h.Get("X-ClickHouse-Exception-Code"), body)
	}
	status, h, _ = do(t, "GET", q("CREATE TABLE ro (a UInt8) ENGINE = Memory"), nil, nil)
	if status != 403 || h.Get("X-ClickHouse-Exception-Code") != "164" {
		t.Fatalf("GET write: %d %q", status, h.Get("X-ClickHouse-Exception-Code"))
	}
	status, _, body = do(t, "POST", q("INSERT INTO ins FORMAT CSV"), strings.NewReader("1,\"ok\"\nnot-a-number,\"bad\"\n"), nil)
	if status == 200 || !strings.Contains(body, "Code: ") {
		t.Fatalf("bad CSV accepted: %d %q", status, body)
	}
	status, _, body = do(t, "POST", q("SELECT 1"), strings.NewReader("x"), http.Header{"Content-Encoding": {"gzip"}})
	if status != 400 || !strings.Contains(body, "CANNOT_DECOMPRESS") {
		t.Fatalf("bad gzip: %d %q", status, body)
	}
}

// startWithUsers serves the engine on a loopback port to user grafana,
// password s3cret, until the test ends.
func startWithUsers(t *testing.T) *chhttp.Server {
	t.Helper()
	srv, err := chhttp.New(chhttp.Config{Addr: "127.0.0.1:0", Users: map[string]string{"grafana": "s3cret"}}, emb, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv
}

func TestAuthentication(t *testing.T) {
	srv := startWithUsers(t)
	get := func(mod func(*http.Request)) int {
		req, _ := http.NewRequest("GET", "http://"+srv.Addr()+"/?"+q("SELECT 1"), nil)
		mod(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(func(*http.Request) {}); got != 401 {
		t.Errorf("no credentials: %d, want 401", got)
	}
	if got := get(func(r *http.Request) { r.SetBasicAuth("grafana", "wrong") }); got != 401 {
		t.Errorf("wrong password: %d, want 401", got)
	}
	if got := get(func(r *http.Request) { r.SetBasicAuth("grafana", "s3cret") }); got != 200 {
		t.Errorf("basic auth: %d, want 200", got)
	}
	if got := get(func(r *http.Request) {
		r.Header.Set("X-ClickHouse-User", "grafana")
		r.Header.Set("X-ClickHouse-Key", "s3cret")
	}); got != 200 {
		t.Errorf("X-ClickHouse headers: %d, want 200", got)
	}
}

func TestRefusesNonLoopbackWithoutUsers(t *testing.T) {
	_, err := chhttp.New(chhttp.Config{Addr: "0.0.0.0:8123"}, emb, nil)
	if err == nil || !strings.Contains(err.Error(), "without users") {
		t.Fatalf("got %v", err)
	}
}

// openClickHouseGo connects clickhouse-go to the server over HTTP, database
// httptest, with the given compression both ways; closed when t ends.
func openClickHouseGo(t *testing.T, method clickhouse.CompressionMethod) driver.Conn {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")},
		Protocol:    clickhouse.HTTP,
		Auth:        clickhouse.Auth{Database: "httptest"},
		Compression: &clickhouse.Compression{Method: method},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// clickhouse-go over HTTP with ClickHouse's own LZ4 framing both ways.
func TestClickHouseGoWithCompression(t *testing.T) {
	ctx := context.Background()
	conn := openClickHouseGo(t, clickhouse.CompressionLZ4)
	if err := conn.Exec(ctx, "CREATE TABLE lz (n UInt64, tag LowCardinality(String)) ENGINE = MergeTree ORDER BY n"); err != nil {
		t.Fatal(err)
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO lz")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50000; i++ {
		if err := batch.Append(uint64(i), fmt.Sprint("tag", i%7)); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "SELECT tag, count() FROM lz GROUP BY tag ORDER BY tag")
	if err != nil {
		t.Fatal(err)
	}
	total := uint64(0)
	for rows.Next() {
		var tag string
		var n uint64
		if err := rows.Scan(&tag, &n); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if total != 50000 {
		t.Fatalf("counted %d, want 50000", total)
	}
}

func TestResponseCompressionWhenEnabled(t *testing.T) {
	req, _ := http.NewRequest("GET", base+"?"+q("SELECT number FROM numbers(1000) FORMAT CSV", "enable_http_compression", "1"), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	// The transport would decompress transparently; read the raw body instead.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if lines := strings.Count(string(body), "\n"); lines != 1000 {
		t.Fatalf("%d lines after decompression, want 1000", lines)
	}
}

// An error reaches clickhouse-go with the server's exception text whatever
// compression the client uses: with LZ4 or ZSTD (compress=1) the text comes
// in compressed frames, which is where the client reads it from.
func TestClickHouseGoReadsErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		method clickhouse.CompressionMethod
	}{
		{"none", clickhouse.CompressionNone},
		{"gzip", clickhouse.CompressionGZIP},
		{"lz4", clickhouse.CompressionLZ4},
		{"zstd", clickhouse.CompressionZSTD},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn := openClickHouseGo(t, c.method)
			for sql, want := range map[string]string{
				"SELECT * FROM no_such_database.t": "Database no_such_database does not exist. (UNKNOWN_DATABASE)",
				"SELEC 1":                          "Syntax error: failed at position",
			} {
				rows, err := conn.Query(context.Background(), sql)
				if err == nil {
					rows.Close()
					t.Fatalf("%s: no error", sql)
				}
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s: %v, want the server's exception text %q", sql, err, want)
				}
			}
		})
	}
}

// The error body is framed exactly when the request asks for compress=1, in
// the method it names, as ClickHouse writes an exception through its output;
// clickhouse-go before 2.50 reads it only that way. An authentication failure
// comes before ClickHouse knows the output, and stays plain.
func TestErrorBodyFraming(t *testing.T) {
	sql := "SELECT * FROM no_such_database.t"
	for _, c := range []struct {
		query  string
		method byte // compression method byte of the frame; 0: plain text
	}{
		{q(sql), 0},
		{q(sql, "compress", "1"), 0x82},
		{q(sql, "compress", "1", "network_compression_method", "ZSTD"), 0x90},
	} {
		status, h, body := do(t, "POST", c.query, nil, nil)
		if status != 404 || h.Get("X-ClickHouse-Exception-Code") != "81" {
			t.Fatalf("%s: %d %s", c.query, status, h.Get("X-ClickHouse-Exception-Code"))
		}
		if c.method != 0 {
			const methodAt = 16 // after the frame's checksum
			if len(body) <= methodAt || body[methodAt] != c.method {
				t.Fatalf("%s: body is not a frame of method %#x: %q", c.query, c.method, body)
			}
			text, err := io.ReadAll(compress.NewReader(strings.NewReader(body)))
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("%s: %v", c.query, err)
			}
			body = string(text)
		}
		if !strings.HasPrefix(body, "Code: 81. DB::Exception:") || !strings.HasSuffix(body, ")\n") {
			t.Errorf("%s: %q", c.query, body)
		}
	}

	srv := startWithUsers(t)
	resp, err := http.Get("http://" + srv.Addr() + "/?" + q("SELECT 1", "compress", "1"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 401 || !strings.HasPrefix(string(body), "Code: 516. DB::Exception:") {
		t.Errorf("authentication failure with compress=1: %d %q", resp.StatusCode, body)
	}
}

// DROP … SYNC hangs the embedded engine for good; the interface leaves SYNC
// out, and the table is gone (and its name free) when the DROP returns.
func TestDropSyncReturns(t *testing.T) {
	run := func(sql string) (int, string) {
		t.Helper()
		type answer struct {
			status int
			body   string
		}
		done := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequest("POST", base+"?"+q(sql), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- answer{0, err.Error()}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			done <- answer{resp.StatusCode, string(b)}
		}()
		select {
		case a := <-done:
			return a.status, a.body
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no answer in 30 s", sql)
			return 0, ""
		}
	}
	for _, drop := range []string{
		"DROP TABLE dropsync SYNC",
		"DROP TABLE IF EXISTS httptest.dropsync SYNC;",
		"DROP TABLE dropsync NO DELAY",
	} {
		status, body := run("CREATE TABLE dropsync (n UInt64) ENGINE = MergeTree ORDER BY n")
		mustOK(t, status, body)
		status, body = run("INSERT INTO dropsync VALUES (1)")
		mustOK(t, status, body)
		status, body = run(drop)
		mustOK(t, status, body)
		status, body = run("EXISTS TABLE dropsync")
		mustOK(t, status, body)
		if body != "0\n" {
			t.Fatalf("after %s: EXISTS says %q", drop, body)
		}
	}
	status, body := run("CREATE DATABASE dropsync_db")
	mustOK(t, status, body)
	status, body = run("DROP DATABASE dropsync_db SYNC")
	mustOK(t, status, body)
	status, body = run("EXISTS DATABASE dropsync_db")
	if mustOK(t, status, body); body != "0\n" {
		t.Fatalf("after DROP DATABASE … SYNC: EXISTS says %q", body)
	}
}
