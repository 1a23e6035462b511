package prometheusremotewritereceiver

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	contentTypeV1 = "application/x-protobuf"
	contentTypeV2 = "application/x-protobuf;proto=io.prometheus.write.v2.Request"
)

// startReceiver starts a receiver on a free loopback port and returns the
// URL of its write endpoint.
func startReceiver(t *testing.T, next consumer.Metrics, configure func(*Config)) string {
	t.Helper()
	return startReceiverWith(t, receivertest.NewNopSettings(Type), next, configure)
}

func startReceiverWith(t *testing.T, set receiver.Settings, next consumer.Metrics, configure func(*Config)) string {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	if configure != nil {
		configure(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rcv, err := NewFactory().CreateMetrics(context.Background(), set, cfg, next)
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rcv.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return "http://" + rcv.(*remoteWriteReceiver).listener.Addr().String() + writePath
}

type response struct {
	code   int
	header http.Header
	body   string
}

func post(t *testing.T, url, contentType string, body []byte, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{code: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (r response) expect(t *testing.T, code int, bodyContains string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d (%q), want %d", r.code, r.body, code)
	}
	if !strings.Contains(r.body, bodyContains) {
		t.Fatalf("body %q does not contain %q", r.body, bodyContains)
	}
}

// benchRequest is a 1.0 request shaped like what Prometheus sends: n series
// of one sample each, over ten targets.
func benchRequest(n int) *prompb.WriteRequest {
	req := &prompb.WriteRequest{}
	for i := range n {
		name := fmt.Sprintf("metric_%d", i/10)
		if i%3 == 0 {
			name += "_total"
		}
		req.Timeseries = append(req.Timeseries, prompb.TimeSeries{
			Labels: labels(
				"__name__", name,
				"instance", fmt.Sprintf("10.0.0.%d:9100", i%10),
				"job", "node",
				"mode", []string{"user", "system", "idle"}[i%3],
				"cpu", fmt.Sprint(i%8),
			),
			Samples: sample(float64(i), 1_700_000_000_000+int64(i)),
		})
	}
	return req
}

func TestWriteV1(t *testing.T) {
	sink := new(consumertest.MetricsSink)
	url := startReceiver(t, sink, nil)
	req := benchRequest(100)
	req.Metadata = []prompb.MetricMetadata{{Type: prompb.MetricMetadata_COUNTER, MetricFamilyName: "metric_1", Help: "help"}}
	r := post(t, url, contentTypeV1, encodeV1(t, req))
	r.expect(t, http.StatusNoContent, "")
	if r.header.Get(headerSamplesWritten) != "" {
		t.Error("1.0 answer carries 2.0 headers")
	}
	if sink.DataPointCount() != 100 || len(sink.AllMetrics()) != 1 {
		t.Fatalf("sink has %d points in %d batches", sink.DataPointCount(), len(sink.AllMetrics()))
	}
	md := sink.AllMetrics()[0]
	if md.ResourceMetrics().Len() != 10 {
		t.Errorf("resources %d, want 10", md.ResourceMetrics().Len())
	}
	// Family metric_1 is a counter: both its series names become sums.
	for name, n := range map[string]int{"metric_1": 7, "metric_1_total": 3} {
		ms := metricsNamed(md, name)
		if len(ms) != n {
			t.Fatalf("%s: %d metrics, want %d", name, len(ms), n)
		}
		for _, m := range ms {
			checkMetric(t, m, wantType{typ: pmetric.MetricTypeSum, desc: "help"})
		}
	}
}

func TestWriteV1WithoutContentTypeOrEncoding(t *testing.T) {
	// Prometheus's own receiver takes a bare body as 1.0 snappy; so do we.
	sink := new(consumertest.MetricsSink)
	url := startReceiver(t, sink, nil)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(encodeV1(t, benchRequest(5))))
	do(t, req).expect(t, http.StatusNoContent, "")
	if sink.DataPointCount() != 5 {
		t.Fatalf("points %d", sink.DataPointCount())
	}
}

func TestWriteV2(t *testing.T) {
	sink := new(consumertest.MetricsSink)
	url := startReceiver(t, sink, nil)
	s := newSymbolizer()
	req := &writev2.Request{Timeseries: []writev2.TimeSeries{
		{
			LabelsRefs: s.labels("__name__", "a_total", "job", "j", "instance", "i"),
			Samples:    []writev2.Sample{{Value: 1, Timestamp: 1000}, {Value: 2, Timestamp: 2000}},
			Exemplars:  []writev2.Exemplar{{LabelsRefs: s.labels("trace_id", "00000000000000000000000000000001"), Value: 1, Timestamp: 1500}},
		},
		{
			LabelsRefs: s.labels("__name__", "h", "job", "j", "instance", "i"),
			Histograms: []writev2.Histogram{{Count: &writev2.Histogram_CountInt{CountInt: 1}, PositiveSpans: []writev2.BucketSpan{{Offset: 1, Length: 1}}, PositiveDeltas: []int64{1}, Timestamp: 1000}},
		},
	}}
	req.Symbols = s.syms
	r := post(t, url, contentTypeV2, encodeV2(t, req), "X-Prometheus-Remote-Write-Version", "2.0.0")
	r.expect(t, http.StatusNoContent, "")
	for h, want := range map[string]string{headerSamplesWritten: "2", headerHistogramsWritten: "1", headerExemplarsWritten: "1"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if sink.DataPointCount() != 3 {
		t.Fatalf("points %d, want 3", sink.DataPointCount())
	}
}

func TestWriteEmptyRequest(t *testing.T) {
	// Prometheus 1.0 sends metadata in requests of their own: accepted,
	// nothing forwarded.
	sink := new(consumertest.MetricsSink)
	url := startReceiver(t, sink, nil)
	req := &prompb.WriteRequest{Metadata: []prompb.MetricMetadata{{Type: prompb.MetricMetadata_GAUGE, MetricFamilyName: "x"}}}
	post(t, url, contentTypeV1, encodeV1(t, req)).expect(t, http.StatusNoContent, "")
	if len(sink.AllMetrics()) != 0 {
		t.Fatal("empty request forwarded")
	}
}

func TestWriteRouting(t *testing.T) {
	url := startReceiver(t, consumertest.NewNop(), nil)
	body := encodeV1(t, benchRequest(1))

	req, _ := http.NewRequest(http.MethodGet, url, nil)
	r := do(t, req)
	r.expect(t, http.StatusMethodNotAllowed, "remote write is POST")
	if r.header.Get("Allow") != http.MethodPost {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
	post(t, strings.TrimSuffix(url, writePath)+"/api/v1/push", contentTypeV1, body).expect(t, http.StatusNotFound, writePath)
	post(t, url, "text/plain", body).expect(t, http.StatusUnsupportedMediaType, "unsupported Content-Type")
	post(t, url, "application/x-protobuf;proto=io.prometheus.write.v3.Request", body).expect(t, http.StatusUnsupportedMediaType, "proto must be")
	post(t, url, "application/x-protobuf;;", body).expect(t, http.StatusUnsupportedMediaType, "unsupported Content-Type")
	post(t, url, contentTypeV1, body, "Content-Encoding", "gzip").expect(t, http.StatusBadRequest, "unsupported Content-Encoding")
}

func TestWriteMalformed(t *testing.T) {
	url := startReceiver(t, consumertest.NewNop(), nil)
	post(t, url, contentTypeV1, []byte("not snappy at all, not even close")).expect(t, http.StatusBadRequest, "snappy")
	post(t, url, contentTypeV1, nil).expect(t, http.StatusBadRequest, "snappy")
	garbage := snappy.Encode(nil, []byte{0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01})
	post(t, url, contentTypeV1, garbage).expect(t, http.StatusBadRequest, "decoding prometheus.WriteRequest")
	post(t, url, contentTypeV2, garbage).expect(t, http.StatusBadRequest, "decoding io.prometheus.write.v2.Request")
	noName := encodeV1(t, &prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
		{Labels: labels("__name__", "a"), Samples: sample(1, 1)},
		{Labels: labels("job", "a"), Samples: sample(1, 1)},
	}})
	post(t, url, contentTypeV1, noName).expect(t, http.StatusBadRequest, "series 1: no __name__ label")
}

func TestWriteBodyTooLarge(t *testing.T) {
	url := startReceiver(t, consumertest.NewNop(), func(c *Config) { c.ServerConfig.MaxRequestBodySize = 1024 })
	body := encodeV1(t, benchRequest(200))
	if len(body) <= 1024 {
		t.Fatalf("test body only %d bytes", len(body))
	}
	post(t, url, contentTypeV1, body).expect(t, http.StatusRequestEntityTooLarge, "")
	// Chunked, so that only reading tells the size.
	req, _ := http.NewRequest(http.MethodPost, url, io.MultiReader(bytes.NewReader(body)))
	req.Header.Set("Content-Encoding", "snappy")
	do(t, req).expect(t, http.StatusRequestEntityTooLarge, "")
}

func TestWriteDecompressedTooLarge(t *testing.T) {
	url := startReceiver(t, consumertest.NewNop(), func(c *Config) { c.MaxDecompressedBodySize = 4096 })
	post(t, url, contentTypeV1, encodeV1(t, benchRequest(200))).expect(t, http.StatusRequestEntityTooLarge, "max_decompressed_body_size (4096 bytes)")
}

// snappyBomb is a snappy block whose header announces claimed bytes,
// followed by a few bytes of (corrupt) content.
func snappyBomb(claimed uint64) []byte {
	b := binary.AppendUvarint(nil, claimed)
	return append(b, 0x00, 0x61, 0x62, 0x63)
}

func TestDecompressionBomb(t *testing.T) {
	url := startReceiver(t, consumertest.NewNop(), nil)
	post(t, url, contentTypeV1, snappyBomb(1<<32-1)).expect(t, http.StatusRequestEntityTooLarge, "snappy block decodes to 4294967295 bytes, more than max_decompressed_body_size")
	// Under the bound but impossible for a body this small.
	post(t, url, contentTypeV1, snappyBomb(60<<20)).expect(t, http.StatusBadRequest, "claims to decode to 62914560 bytes")

	for _, claimed := range []uint64{1<<32 - 1, 60 << 20} {
		p := new(payload)
		p.compressed.Write(snappyBomb(claimed))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := p.decode(protoV1, defaultMaxDecompressedBodySize)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatal("bomb decoded")
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
			t.Errorf("claim of %d bytes allocated %d bytes", claimed, grew)
		}
	}
}

func TestSnappyDensestBlockPasses(t *testing.T) {
	// Runs of one byte compress as densely as snappy can; the expansion
	// check must not refuse them.
	raw := make([]byte, 8<<20)
	p := new(payload)
	p.compressed.Write(snappy.Encode(nil, raw))
	t.Logf("ratio %.2f", float64(len(raw))/float64(p.compressed.Len()))
	err := p.decode(protoV1, 16<<20)
	if err == nil || strings.Contains(err.Error(), "claims") || strings.Contains(err.Error(), "snappy") {
		// Zeros are not a valid WriteRequest, so decoding must get past
		// snappy and fail in protobuf.
		t.Fatalf("error %v, want a protobuf error", err)
	}
}

func TestConsumerErrors(t *testing.T) {
	exhausted, err := status.New(codes.ResourceExhausted, "store is full").
		WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(7 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	subSecond, _ := status.New(codes.Unavailable, "restarting").
		WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(200 * time.Millisecond)})
	tests := []struct {
		name       string
		err        error
		code       int
		retryAfter string
	}{
		{"resource exhausted with retry info", exhausted.Err(), http.StatusTooManyRequests, "7"},
		{"wrapped status", fmt.Errorf("exporter: %w", exhausted.Err()), http.StatusTooManyRequests, "7"},
		{"retry info under a second", subSecond.Err(), http.StatusServiceUnavailable, "1"},
		{"unavailable", status.Error(codes.Unavailable, "down"), http.StatusServiceUnavailable, ""},
		{"invalid argument", status.Error(codes.InvalidArgument, "bad"), http.StatusBadRequest, ""},
		{"permanent", consumererror.NewPermanent(errors.New("schema mismatch")), http.StatusBadRequest, ""},
		{"plain", errors.New("queue is full"), http.StatusServiceUnavailable, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := startReceiver(t, consumertest.NewErr(tt.err), nil)
			r := post(t, url, contentTypeV1, encodeV1(t, benchRequest(3)))
			r.expect(t, tt.code, tt.err.Error())
			if got := r.header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestIncludeMetadata(t *testing.T) {
	sink := new(consumertest.MetricsSink)
	url := startReceiver(t, sink, func(c *Config) { c.ServerConfig.IncludeMetadata = true })
	post(t, url, contentTypeV1, encodeV1(t, benchRequest(2)), "X-Scope-OrgID", "tenant-a").expect(t, http.StatusNoContent, "")
	ctxs := sink.Contexts()
	if len(ctxs) != 1 {
		t.Fatalf("contexts %d", len(ctxs))
	}
	if got := client.FromContext(ctxs[0]).Metadata.Get("X-Scope-OrgID"); len(got) != 1 || got[0] != "tenant-a" {
		t.Fatalf("X-Scope-OrgID in client metadata: %v", got)
	}
}

func TestObsReport(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	set := receivertest.NewNopSettings(Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	url := startReceiverWith(t, set, consumertest.NewNop(), nil)
	post(t, url, contentTypeV1, encodeV1(t, benchRequest(25))).expect(t, http.StatusNoContent, "")
	m, err := tel.GetMetric("otelcol_receiver_accepted_metric_points")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := m.Data.(metricdata.Sum[int64])
	if !ok || len(s.DataPoints) != 1 || s.DataPoints[0].Value != 25 {
		t.Fatalf("accepted points: %+v", m.Data)
	}
}

func TestShutdownWithoutStart(t *testing.T) {
	rcv, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(Type), createDefaultConfig(), consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestStartPortInUse(t *testing.T) {
	url := startReceiver(t, consumertest.NewNop(), nil)
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), writePath)
	cfg := createDefaultConfig().(*Config)
	cfg.ServerConfig.NetAddr.Endpoint = addr
	rcv, err := NewFactory().CreateMetrics(context.Background(), receivertest.NewNopSettings(Type), cfg, consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.Start(context.Background(), componenttest.NewNopHost()); err == nil {
		_ = rcv.Shutdown(context.Background())
		t.Fatal("second receiver started on a used port")
	}
}

func TestHandlerBoundsBodyOnItsOwn(t *testing.T) {
	// Without confighttp's MaxBytesReader in front (a chunked body, so no
	// Content-Length either), the handler still stops reading at the limit.
	cfg := createDefaultConfig().(*Config)
	cfg.ServerConfig.MaxRequestBodySize = 1024
	rcv, err := newReceiver(receivertest.NewNopSettings(Type), cfg, consumertest.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	body := encodeV1(t, benchRequest(200))
	req := httptest.NewRequest(http.MethodPost, writePath, io.MultiReader(bytes.NewReader(body)))
	req.ContentLength = -1
	w := httptest.NewRecorder()
	rcv.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "max_request_body_size (1024 bytes)") {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

// metadataSink records the tenant header each batch arrived with.
type metadataSink struct {
	consumertest.MetricsSink
	tenants []string
}

func (s *metadataSink) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	s.tenants = append(s.tenants, strings.Join(client.FromContext(ctx).Metadata.Get("X-Scope-OrgID"), ","))
	return s.MetricsSink.ConsumeMetrics(ctx, md)
}

// A sender that cannot set headers names its tenant in the URL; the
// pipeline sees it where it would see the header.
func TestWriteTenantInPath(t *testing.T) {
	sink := &metadataSink{}
	url := startReceiver(t, sink, func(c *Config) { c.ServerConfig.IncludeMetadata = true })
	base := strings.TrimSuffix(url, writePath)
	body := encodeV1(t, benchRequest(3))

	post(t, base+"/tenants/acme"+writePath, contentTypeV1, body).expect(t, http.StatusNoContent, "")
	post(t, base+"/tenants/acme"+writePath, contentTypeV1, body, "X-Scope-OrgID", "acme").expect(t, http.StatusNoContent, "")
	post(t, url, contentTypeV1, body, "X-Scope-OrgID", "calm").expect(t, http.StatusNoContent, "")
	if got := strings.Join(sink.tenants, " "); got != "acme acme calm" {
		t.Errorf("tenants seen downstream: %q, want \"acme acme calm\"", got)
	}

	post(t, base+"/tenants/acme"+writePath, contentTypeV1, body, "X-Scope-OrgID", "other").
		expect(t, http.StatusBadRequest, `the URL names tenant "acme" but the X-Scope-OrgID header names "other"`)
	for _, path := range []string{"/tenants/" + writePath, "/tenants/a/b" + writePath, "/tenants/acme/api/v1/push"} {
		post(t, base+path, contentTypeV1, body).expect(t, http.StatusNotFound, "/tenants/<tenant>"+writePath)
	}
	if sink.DataPointCount() != 9 {
		t.Errorf("%d points stored, want 9 (refused requests must not reach the pipeline)", sink.DataPointCount())
	}
}
