package loadgen

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// traceReceiver counts the spans and tenants it is sent.
type traceReceiver struct {
	ptraceotlp.UnimplementedGRPCServer
	spans   atomic.Int64
	mu      sync.Mutex
	tenants map[string]bool
}

func (r *traceReceiver) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	r.spans.Add(int64(req.Traces().SpanCount()))
	md, _ := metadata.FromIncomingContext(ctx)
	r.mu.Lock()
	for _, t := range md.Get(TenantHeader) {
		r.tenants[t] = true
	}
	r.mu.Unlock()
	return ptraceotlp.NewExportResponse(), nil
}

func TestGRPCTracesEveryItemAccounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	rcv := &traceReceiver{tenants: map[string]bool{}}
	ptraceotlp.RegisterGRPCServer(srv, rcv)
	go srv.Serve(ln)
	defer srv.Stop()

	res, err := Run(context.Background(), Config{
		Signal: Traces, Transport: GRPC, Endpoint: ln.Addr().String(),
		Tenants: []string{"a", "b", "c"}, Senders: 3, BatchSize: 50, Items: 3000,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 3000 || res.Accepted != 3000 || rcv.spans.Load() != 3000 {
		t.Errorf("sent %d, accepted %d, received %d; want 3000 each", res.Sent, res.Accepted, rcv.spans.Load())
	}
	if len(rcv.tenants) != 3 {
		t.Errorf("tenants seen: %v", rcv.tenants)
	}
	if res.Requests != 60 || len(res.Latencies) != 60 || res.Percentile(0.99) <= 0 {
		t.Errorf("requests %d, latencies %d, p99 %s", res.Requests, len(res.Latencies), res.Percentile(0.99))
	}
}

// An HTTP target that refuses every other request and rejects one record
// of each accepted one: refused and rejected items are not accepted.
func TestHTTPLogsRefusedAndRejected(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := plogotlp.NewExportRequest()
		if r.URL.Path != "/v1/logs" || r.Header.Get(TenantHeader) == "" || req.UnmarshalProto(body) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if calls.Add(1)%2 == 0 {
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		resp := plogotlp.NewExportResponse()
		resp.PartialSuccess().SetRejectedLogRecords(1)
		out, _ := resp.MarshalProto()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	defer srv.Close()

	res, err := Run(context.Background(), Config{
		Signal: Logs, Transport: HTTP, Endpoint: strings.TrimPrefix(srv.URL, "http://"),
		Tenants: []string{"a"}, Senders: 1, BatchSize: 10, Items: 100, Duration: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	// 10 requests: 5 accepted with 9 records each, 5 refused.
	if res.Sent != 100 || res.Accepted != 45 || res.Refused != 5 || res.Failed != 0 {
		t.Errorf("sent %d accepted %d refused %d failed %d; want 100 45 5 0 (first error %q)", res.Sent, res.Accepted, res.Refused, res.Failed, res.FirstError)
	}
}

func TestConfigValidateNamesField(t *testing.T) {
	err := Config{Signal: Traces, Transport: GRPC, Endpoint: "x", Tenants: []string{"a"}, Senders: 1}.Validate()
	if err == nil || !strings.Contains(err.Error(), "batch size") {
		t.Errorf("got %v, want the batch size named", err)
	}
}
