package tenantprocessor

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestOTLPReceiverAnswers puts the processor behind the real OTLP receiver
// and checks what clients see: 400 / INVALID_ARGUMENT for what can never
// pass, 429 with Retry-After / RESOURCE_EXHAUSTED with RetryInfo for what
// can pass later.
func TestOTLPReceiverAnswers(t *testing.T) {
	ctx := context.Background()
	grpcAddr, httpAddr := freeAddr(t), freeAddr(t)

	pf := NewFactory()
	pcfg := pf.CreateDefaultConfig().(*Config)
	pcfg.Store = component.ID{}
	pcfg.Limits = Limits{Rate: 1, Burst: 10}
	proc, err := pf.CreateTraces(ctx, processortest.NewNopSettings(Type), pcfg, new(consumertest.TracesSink))
	if err != nil {
		t.Fatal(err)
	}

	rf := otlpreceiver.NewFactory()
	rcfg := rf.CreateDefaultConfig()
	if err := confmap.NewFromStringMap(map[string]any{"protocols": map[string]any{
		"grpc": map[string]any{"endpoint": grpcAddr, "include_metadata": true},
		"http": map[string]any{"endpoint": httpAddr, "include_metadata": true},
	}}).Unmarshal(rcfg); err != nil {
		t.Fatal(err)
	}
	recv, err := rf.CreateTraces(ctx, receivertest.NewNopSettings(rf.Type()), rcfg, proc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []component.Component{proc, recv} {
		if err := c.Start(ctx, componenttest.NewNopHost()); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = recv.Shutdown(ctx)
		_ = proc.Shutdown(ctx)
	})

	post := func(tenant string, td ptrace.Traces) (int, http.Header, string) {
		body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+httpAddr+"/v1/traces", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set("X-Scope-OrgID", tenant)
		var resp *http.Response
		for deadline := time.Now().Add(5 * time.Second); ; {
			resp, err = http.DefaultClient.Do(req.Clone(ctx))
			if err == nil || time.Now().After(deadline) {
				break
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(msg)
	}

	if code, _, _ := post("acme", traces(res{items: 10})); code != http.StatusOK {
		t.Fatalf("first request: HTTP %d", code)
	}
	code, hdr, msg := post("acme", traces(res{items: 5}))
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") != "5" {
		t.Fatalf("rate limited: HTTP %d, Retry-After %q, want 429 and 5", code, hdr.Get("Retry-After"))
	}
	if !strings.Contains(msg, `ingestion rate limit (1 items/s, burst 10)`) {
		t.Errorf("429 body %q does not say why", msg)
	}
	if code, _, msg := post("acme", traces(res{items: 11})); code != http.StatusBadRequest || !strings.Contains(msg, "exceeds the ingestion burst") {
		t.Fatalf("over burst: HTTP %d %q, want 400", code, msg)
	}
	if code, _, msg := post("a/b", traces(res{items: 1})); code != http.StatusBadRequest || !strings.Contains(msg, `tenant id \"a/b\"`) && !strings.Contains(msg, `tenant id "a/b"`) {
		t.Fatalf("invalid tenant: HTTP %d %q, want 400", code, msg)
	}

	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := ptraceotlp.NewGRPCClient(conn)
	export := func(tenant string, n int) error {
		ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(ctx, "x-scope-orgid", tenant), 5*time.Second)
		defer cancel()
		_, err := client.Export(ctx, ptraceotlp.NewExportRequestFromTraces(traces(res{items: n})), grpc.WaitForReady(true))
		return err
	}
	st := status.Convert(export("acme", 5))
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("gRPC rate limited: %v, want RESOURCE_EXHAUSTED", st)
	}
	var delay time.Duration
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			delay = ri.GetRetryDelay().AsDuration()
		}
	}
	if delay != 5*time.Second {
		t.Errorf("gRPC RetryInfo delay %v, want 5s", delay)
	}
	if st := status.Convert(export("..", 1)); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), `tenant id ".." is not allowed`) {
		t.Fatalf("gRPC invalid tenant: %v, want INVALID_ARGUMENT naming the id", st)
	}
	if err := export("other", 10); err != nil {
		t.Fatalf("another tenant refused: %v", err)
	}
}
