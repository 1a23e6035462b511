package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
)

// Bad input gets a 4xx naming what is wrong, bodies are bounded however
// they are compressed, and the daemon keeps serving everyone else.
func TestBadInputIsRefusedAndNothingCrashes(t *testing.T) {
	ep := newEndpoints(t)
	d := startDaemon(t, t.TempDir(), ep, nil)
	defer d.stop()

	post := func(url, contentType, encoding string, body []byte) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		req.Header.Set("X-Scope-OrgID", "bad-input")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(msg)
	}

	// 64 MiB of zeros gzip to about 64 KiB: a decompression bomb for a
	// receiver that inflates without a bound.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write(make([]byte, 64<<20))
	zw.Close()

	otlp := "http://" + ep.otlpHTTP + "/v1/traces"
	remoteWrite := "http://" + ep.remoteWrite + "/api/v1/write"
	for _, tc := range []struct {
		name, url, contentType, encoding string
		body                             []byte
		wantStatus                       int
		wantMessage                      string
	}{
		{"otlp malformed protobuf", otlp, "application/x-protobuf", "", []byte("\xff\xff\xff\xffnot a protobuf"), 400, "proto"},
		{"otlp malformed json", otlp, "application/json", "", []byte(`{"resourceSpans": [`), 400, "readobject"},
		{"otlp gzip bomb", otlp, "application/x-protobuf", "gzip", bomb.Bytes(), 400, "too large"},
		{"remote write malformed snappy", remoteWrite, "application/x-protobuf", "snappy", []byte("not snappy"), 400, "snappy"},
		{"remote write malformed protobuf", remoteWrite, "application/x-protobuf", "snappy", snappy.Encode(nil, []byte("\xff\xff\xff\xff")), 400, "decoding"},
		{"remote write snappy bomb", remoteWrite, "application/x-protobuf", "snappy", snappy.Encode(nil, make([]byte, 80<<20)), 413, "max_decompressed_body_size"},
	} {
		status, msg := post(tc.url, tc.contentType, tc.encoding, tc.body)
		t.Logf("%s: %d %.120q", tc.name, status, msg)
		if status/100 != 4 || (tc.wantStatus != 0 && status != tc.wantStatus && !(tc.wantStatus == 400 && status == 413)) {
			t.Errorf("%s: got %d %q, want %d", tc.name, status, msg, tc.wantStatus)
		}
		if !strings.Contains(strings.ToLower(msg), tc.wantMessage) {
			t.Errorf("%s: message %q does not mention %q", tc.name, msg, tc.wantMessage)
		}
	}

	// Still serving, and none of it was stored.
	if r := postTraces(http.DefaultClient, ep.otlpHTTP, "after-bad-input", traceRequest(t, 1, 10)); r.status != http.StatusOK {
		t.Fatalf("after bad input the daemon answered %d %v %s", r.status, r.err, r.body)
	}
	waitForCount(t, ep.clickhouseHTTP, "SELECT count() FROM otel_traces WHERE TenantId = 'after-bad-input'", 10, 30*time.Second)
	if n := query(t, ep.clickhouseHTTP, "SELECT count() FROM otel_traces WHERE TenantId = 'bad-input'"); n != "0" {
		t.Errorf("%s rows stored from bad input", n)
	}
}
