// Package loadgen drives an OTLP endpoint with a fixed load for
// bench/compare: N senders, each sending requests of B spans or log
// records back to back, over gRPC or OTLP/HTTP protobuf, for a fixed time
// or item count, with each request carrying one of several tenants in
// X-Scope-OrgID.
//
// Every item it sends is accounted for: accepted, rejected in a partial
// success, or part of a refused or failed request. Nothing is queued or
// dropped on this side (telemetrygen's SDK batch processor drops what
// overflows its queue), so "accepted" is exactly what the target promised
// to store. It does not retry: a refused request is counted, and its
// sender waits as the target asked before sending the next one.
//
// Requests are built and marshalled once per sender and tenant, so the
// generator's own CPU cost is the transport and little else: on a small
// machine it shares the cores with what it measures.
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Signal is what the items are.
type Signal string

const (
	Traces Signal = "traces"
	Logs   Signal = "logs"
)

// Transport is how requests travel.
type Transport string

const (
	GRPC Transport = "grpc"
	HTTP Transport = "http"
)

// TenantHeader carries the tenant of a request.
const TenantHeader = "X-Scope-OrgID"

// Config is one load.
type Config struct {
	Signal    Signal
	Transport Transport
	// Endpoint is host:port of the OTLP gRPC or HTTP receiver.
	Endpoint string
	// Tenants are cycled through per request; each sender starts at a
	// different one.
	Tenants []string
	// Senders send concurrently, each one request at a time.
	Senders int
	// BatchSize is the number of items in a request.
	BatchSize int
	// Duration bounds the load in time; Items in items sent (whole
	// requests). At least one of them must be set; the first reached ends
	// the load.
	Duration time.Duration
	Items    int64
	// Timeout bounds one request (default 30s).
	Timeout time.Duration
}

// Validate names the first bad field.
func (c Config) Validate() error {
	switch {
	case c.Signal != Traces && c.Signal != Logs:
		return fmt.Errorf("signal: %q is neither traces nor logs", c.Signal)
	case c.Transport != GRPC && c.Transport != HTTP:
		return fmt.Errorf("transport: %q is neither grpc nor http", c.Transport)
	case c.Endpoint == "":
		return errors.New("endpoint: empty")
	case len(c.Tenants) == 0:
		return errors.New("tenants: none")
	case c.Senders <= 0:
		return fmt.Errorf("senders: must be > 0, got %d", c.Senders)
	case c.BatchSize <= 0:
		return fmt.Errorf("batch size: must be > 0, got %d", c.BatchSize)
	case c.Duration <= 0 && c.Items <= 0:
		return errors.New("duration and items: set at least one")
	}
	return nil
}

// Result is what one load did.
type Result struct {
	Config Config
	// Elapsed is the wall time from the first request to the last reply.
	Elapsed time.Duration
	// Sent counts the items in every request made; Accepted those the
	// target took (a request's items minus any it rejected in a partial
	// success). Sent - Accepted were refused, rejected or failed.
	Sent, Accepted int64
	// Requests made; Refused those answered with 429/503 or
	// RESOURCE_EXHAUSTED/UNAVAILABLE; Failed those with any other error.
	Requests, Refused, Failed int64
	// FirstError is the first error a request met, for the report.
	FirstError string
	// Latencies of every request, sorted.
	Latencies []time.Duration
}

// Percentile of the request latencies, p in [0, 1].
func (r Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(p * float64(len(r.Latencies)-1))
	return r.Latencies[i]
}

// AcceptedPerSecond is the rate the target took items at.
func (r Result) AcceptedPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Accepted) / r.Elapsed.Seconds()
}

// Run drives the load and returns when every sender has its last reply.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, fmt.Errorf("load: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	send, closeTransport, err := newSender(cfg)
	if err != nil {
		return Result{}, err
	}
	defer closeTransport()

	// Requests are built before the clock starts.
	bodies := make([][][]byte, cfg.Senders)
	for s := range bodies {
		bodies[s] = make([][]byte, len(cfg.Tenants))
		for t := range cfg.Tenants {
			bodies[s][t], err = buildRequest(cfg.Signal, cfg.BatchSize, cfg.Tenants[t])
			if err != nil {
				return Result{}, err
			}
		}
	}

	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	var (
		budget  atomic.Int64 // items still to send when cfg.Items is set
		mu      sync.Mutex
		res     = Result{Config: cfg}
		wg      sync.WaitGroup
		batch   = int64(cfg.BatchSize)
		started = time.Now()
	)
	budget.Store(cfg.Items)
	for s := 0; s < cfg.Senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			var mine Result
			mine.Latencies = make([]time.Duration, 0, 4096)
			for i := s; ctx.Err() == nil; i++ {
				if cfg.Items > 0 && budget.Add(-batch) < 0 {
					break
				}
				tenant := i % len(cfg.Tenants)
				reqCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Timeout)
				t0 := time.Now()
				out := send(reqCtx, cfg.Tenants[tenant], bodies[s][tenant])
				mine.Latencies = append(mine.Latencies, time.Since(t0))
				cancel()
				mine.Requests++
				mine.Sent += batch
				switch {
				case out.err == nil:
					mine.Accepted += batch - out.rejected
				case out.refused:
					mine.Refused++
				default:
					mine.Failed++
				}
				if out.err != nil && mine.FirstError == "" {
					mine.FirstError = out.err.Error()
				}
				if out.retryAfter > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(out.retryAfter):
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.Sent += mine.Sent
			res.Accepted += mine.Accepted
			res.Requests += mine.Requests
			res.Refused += mine.Refused
			res.Failed += mine.Failed
			if res.FirstError == "" {
				res.FirstError = mine.FirstError
			}
			res.Latencies = append(res.Latencies, mine.Latencies...)
		}(s)
	}
	wg.Wait()
	res.Elapsed = time.Since(started)
	slices.Sort(res.Latencies)
	return res, nil
}

// outcome is one request's reply.
type outcome struct {
	err error
	// refused: the target pushed back (429/503, RESOURCE_EXHAUSTED/
	// UNAVAILABLE) rather than failed.
	refused    bool
	retryAfter time.Duration
	// rejected items of an accepted request (partial success).
	rejected int64
}

type sendFunc func(ctx context.Context, tenant string, body []byte) outcome

// refusedBackoff is how long a sender waits after a refusal that names no
// Retry-After, so a refusing target is not spun against.
const refusedBackoff = 100 * time.Millisecond

func newSender(cfg Config) (sendFunc, func(), error) {
	switch cfg.Transport {
	case GRPC:
		return newGRPCSender(cfg)
	default:
		return newHTTPSender(cfg), func() {}, nil
	}
}

// rawCodec passes marshalled protobuf through gRPC untouched: requests are
// marshalled once, replies are decoded only for their partial success.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func grpcMethod(s Signal) string {
	if s == Logs {
		return "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
	}
	return "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
}

func newGRPCSender(cfg Config) (sendFunc, func(), error) {
	conn, err := grpc.NewClient(cfg.Endpoint,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		return nil, nil, fmt.Errorf("load: grpc %s: %w", cfg.Endpoint, err)
	}
	method := grpcMethod(cfg.Signal)
	send := func(ctx context.Context, tenant string, body []byte) outcome {
		ctx = metadata.AppendToOutgoingContext(ctx, TenantHeader, tenant)
		var reply []byte
		if err := conn.Invoke(ctx, method, &body, &reply); err != nil {
			out := outcome{err: err}
			switch status.Code(err) {
			case codes.ResourceExhausted, codes.Unavailable:
				out.refused, out.retryAfter = true, refusedBackoff
			}
			return out
		}
		rejected, err := rejectedItems(cfg.Signal, reply)
		return outcome{err: err, rejected: rejected}
	}
	return send, func() { conn.Close() }, nil
}

func newHTTPSender(cfg Config) sendFunc {
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns:        cfg.Senders,
		MaxIdleConnsPerHost: cfg.Senders,
		IdleConnTimeout:     time.Minute,
	}}
	url := "http://" + cfg.Endpoint + "/v1/" + string(cfg.Signal)
	return func(ctx context.Context, tenant string, body []byte) outcome {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return outcome{err: err}
		}
		req.Header.Set("Content-Type", "application/x-protobuf")
		req.Header.Set(TenantHeader, tenant)
		resp, err := client.Do(req)
		if err != nil {
			return outcome{err: err}
		}
		reply, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return outcome{err: err}
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			rejected, err := rejectedItems(cfg.Signal, reply)
			return outcome{err: err, rejected: rejected}
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			wait := refusedBackoff
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			}
			return outcome{err: fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, reply), refused: true, retryAfter: wait}
		default:
			return outcome{err: fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, reply)}
		}
	}
}
