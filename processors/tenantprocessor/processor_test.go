package tenantprocessor

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestResourceAttributeWritten(t *testing.T) {
	tp := newTestProcessor(t, nil)
	td := traces(
		res{attrs: map[string]string{"tenant.id": "from-attr", "service.name": "a"}, items: 1},
		res{attrs: map[string]string{"service.name": "b"}, items: 1},
	)
	if _, err := tp.processTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	rss := td.ResourceSpans()
	if got := attr(rss.At(0).Resource().Attributes(), "tenant.id"); got != "from-attr" {
		t.Errorf("resource 0 tenant %q, want from-attr", got)
	}
	if got := attr(rss.At(1).Resource().Attributes(), "tenant.id"); got != "default" {
		t.Errorf("resource 1 tenant %q, want default", got)
	}

	// The header overwrites whatever the resources claim.
	td = traces(res{attrs: map[string]string{"tenant.id": "claimed"}, items: 1})
	if _, err := tp.processTraces(orgID("acme"), td); err != nil {
		t.Fatal(err)
	}
	if got := attr(td.ResourceSpans().At(0).Resource().Attributes(), "tenant.id"); got != "acme" {
		t.Errorf("tenant %q, want the header's acme", got)
	}

	// A configured attribute name is the one written, for every signal.
	tp = newTestProcessor(t, func(c *Config) { c.ResourceAttribute = "org" })
	ld := logs(res{items: 1})
	if _, err := tp.processLogs(orgID("acme"), ld); err != nil {
		t.Fatal(err)
	}
	if got := attr(ld.ResourceLogs().At(0).Resource().Attributes(), "org"); got != "acme" {
		t.Errorf("logs: org %q, want acme", got)
	}
	md := gauge(nil, "x")
	if _, err := tp.processMetrics(orgID("acme"), md); err != nil {
		t.Fatal(err)
	}
	if got := attr(md.ResourceMetrics().At(0).Resource().Attributes(), "org"); got != "acme" {
		t.Errorf("metrics: org %q, want acme", got)
	}
}

func TestMissingTenantRefusedWithoutDefault(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.DefaultTenant = "" })
	_, err := tp.processTraces(context.Background(), traces(res{items: 3}))
	wantPermanent(t, err)
	if !strings.Contains(err.Error(), "X-Scope-OrgID") || !strings.Contains(err.Error(), "tenant.id") {
		t.Errorf("error %q should name the header and the attribute", err)
	}
	if got := tp.counter(t, "slopipe_tenant_refused_items", map[string]string{"reason": "missing_tenant", "tenant": "", "signal": "traces"}); got != 3 {
		t.Errorf("refused items %d, want 3", got)
	}
}

func TestRateLimitPerTenant(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.Limits = Limits{Rate: 1000, Burst: 2000} })
	send := func(tenant string, n int) error {
		_, err := tp.processTraces(orgID(tenant), traces(res{items: n}))
		return err
	}
	// noisy drains its bucket: 4 × 500 = the burst.
	for i := range 4 {
		if err := send("noisy", 500); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	err := send("noisy", 500)
	if d := wantRetry(t, err); d != time.Second {
		t.Errorf("retry delay %v, want 1s (500 tokens at 1000/s)", d)
	}
	want := `tenant "noisy": ingestion rate limit (1000 items/s, burst 2000) exceeded by a request of 500 items; retry in 1s`
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message %q, want it to contain %q", err, want)
	}
	// calm has its own bucket.
	for i := range 4 {
		if err := send("calm", 500); err != nil {
			t.Fatalf("calm request %d refused while noisy is limited: %v", i, err)
		}
	}
	// A refused request consumed nothing: after 0.5s noisy has exactly 500.
	tp.clock.advance(500 * time.Millisecond)
	if err := send("noisy", 500); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	// The delay is rounded up to whole seconds: 1500 missing at 1000/s.
	if d := wantRetry(t, send("noisy", 1500)); d != 2*time.Second {
		t.Errorf("retry delay %v, want 2s", d)
	}
	tp.clock.advance(2 * time.Second)
	if err := send("noisy", 2000); err != nil {
		t.Fatalf("after a full refill: %v", err)
	}

	if got := tp.counter(t, "slopipe_tenant_refused_requests", map[string]string{"tenant": "noisy", "reason": "rate_limited", "signal": "traces"}); got != 2 {
		t.Errorf("refused requests %d, want 2", got)
	}
	if got := tp.counter(t, "slopipe_tenant_refused_items", map[string]string{"tenant": "noisy", "reason": "rate_limited"}); got != 2000 {
		t.Errorf("refused items %d, want 2000", got)
	}
	if got := tp.counter(t, "slopipe_tenant_refused_requests", map[string]string{"tenant": "calm"}); got != 0 {
		t.Errorf("calm refused %d requests", got)
	}
	if got := tp.counter(t, "slopipe_tenant_accepted_items", map[string]string{"tenant": "calm", "signal": "traces"}); got != 2000 {
		t.Errorf("calm accepted %d items, want 2000", got)
	}
	if got := tp.counter(t, "slopipe_tenant_accepted_items", map[string]string{"tenant": "noisy", "signal": "traces"}); got != 4500 {
		t.Errorf("noisy accepted %d items, want 4500", got)
	}
}

func TestRateLimitSpansSignals(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.Limits = Limits{Rate: 10, Burst: 10} })
	if _, err := tp.processTraces(orgID("t"), traces(res{items: 4})); err != nil {
		t.Fatal(err)
	}
	if _, err := tp.processLogs(orgID("t"), logs(res{items: 4})); err != nil {
		t.Fatal(err)
	}
	_, err := tp.processMetrics(orgID("t"), gauge(nil, "a", "b", "c"))
	wantRetry(t, err)
	if got := tp.counter(t, "slopipe_tenant_refused_items", map[string]string{"reason": "rate_limited", "signal": "metrics"}); got != 3 {
		t.Errorf("refused metric items %d, want 3", got)
	}
}

func TestRequestOverBurstIsPermanent(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.Limits = Limits{Rate: 100, Burst: 50} })
	_, err := tp.processLogs(orgID("acme"), logs(res{items: 51}))
	wantPermanent(t, err)
	if want := `tenant "acme": request of 51 items exceeds the ingestion burst (50 items) and can never be accepted`; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q, want %q", err, want)
	}
	// And it took no tokens.
	if _, err := tp.processLogs(orgID("acme"), logs(res{items: 50})); err != nil {
		t.Fatal(err)
	}
}

func TestWholeRequestRefusedWhenOneTenantIsOver(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.Limits = Limits{Rate: 10, Burst: 10} })
	if _, err := tp.processTraces(orgID("noisy"), traces(res{items: 10})); err != nil {
		t.Fatal(err)
	}
	mixed := traces(
		res{attrs: map[string]string{"tenant.id": "calm"}, items: 5},
		res{attrs: map[string]string{"tenant.id": "noisy"}, items: 1},
	)
	wantRetry(t, func() error { _, err := tp.processTraces(context.Background(), mixed); return err }())
	// calm was checked but not charged: it still has its full burst.
	if _, err := tp.processTraces(orgID("calm"), traces(res{items: 10})); err != nil {
		t.Fatalf("calm was charged for a refused request: %v", err)
	}
	// Limits apply per tenant within a request: a (5+5) and b (5) each fit
	// a burst of 10, though the request's 15 items together would not.
	two := traces(
		res{attrs: map[string]string{"tenant.id": "a"}, items: 5},
		res{attrs: map[string]string{"tenant.id": "b"}, items: 5},
		res{attrs: map[string]string{"tenant.id": "a"}, items: 5},
	)
	if _, err := tp.processTraces(context.Background(), two); err != nil {
		t.Fatalf("a: 10, b: 5 should pass: %v", err)
	}
	if got := tp.counter(t, "slopipe_tenant_accepted_items", map[string]string{"tenant": "a"}); got != 10 {
		t.Errorf("a accepted %d, want 10", got)
	}
}

func TestMaxRequestBytes(t *testing.T) {
	small := traces(res{items: 1})
	size := (&ptrace.ProtoMarshaler{}).TracesSize(small)
	tp := newTestProcessor(t, func(c *Config) { c.Limits.MaxRequestBytes = 2000 })
	// The limit applies to the request as it leaves the processor, with
	// the tenant attribute written, which is what the store is charged.
	if _, err := tp.processTraces(orgID("acme"), small); err != nil {
		t.Fatal(err)
	}
	if after := (&ptrace.ProtoMarshaler{}).TracesSize(small); after <= size {
		t.Fatalf("size %d after writing the tenant, want more than %d", after, size)
	}
	big := traces(res{items: 100, itemAttrs: 5})
	_, err := tp.processTraces(orgID("acme"), big)
	wantPermanent(t, err)
	if want := "exceeds max_request_bytes (2000)"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q, want %q", err, want)
	}
	if got := tp.counter(t, "slopipe_tenant_refused_requests", map[string]string{"tenant": "acme", "reason": "request_too_large"}); got != 1 {
		t.Errorf("refused %d, want 1", got)
	}
}

// The per-tenant byte count must equal the whole request's protobuf size
// for a single-tenant request, and split it exactly for several.
func TestPortionBytesSumToRequestSize(t *testing.T) {
	tp := newTestProcessor(t, nil)
	td := traces(
		res{attrs: map[string]string{"tenant.id": "a"}, items: 3, itemAttrs: 4},
		res{attrs: map[string]string{"tenant.id": "b"}, items: 200, itemAttrs: 2},
		res{attrs: map[string]string{"tenant.id": "a"}, items: 1},
	)
	if _, err := tp.processTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	if err := tp.flusher.flush(context.Background(), tp.tenants); err != nil {
		t.Fatal(err)
	}
	var sum uint64
	for _, r := range tp.sink.take() {
		sum += r.bytes
	}
	if want := uint64((&ptrace.ProtoMarshaler{}).TracesSize(td)); sum != want {
		t.Fatalf("usage bytes %d, request size %d", sum, want)
	}
}

func TestMaxAttributesPerItem(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.Limits.MaxAttributesPerItem = 3 })
	ok := traces(res{items: 2, itemAttrs: 3})
	if _, err := tp.processTraces(orgID("acme"), ok); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		run  func() error
		want string
	}{
		"span": {func() error {
			_, err := tp.processTraces(orgID("acme"), traces(res{items: 2, itemAttrs: 4}))
			return err
		},
			`tenant "acme": span "op" has 4 attributes, more than max_attributes_per_item (3)`},
		"span event": {func() error {
			td := traces(res{items: 1})
			ev := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Events().AppendEmpty()
			ev.SetName("exception")
			for _, k := range []string{"a", "b", "c", "d", "e"} {
				ev.Attributes().PutStr(k, k)
			}
			_, err := tp.processTraces(orgID("acme"), td)
			return err
		}, `event "exception" of span "op" has 5 attributes`},
		"span link": {func() error {
			td := traces(res{items: 1})
			l := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Links().AppendEmpty()
			for _, k := range []string{"a", "b", "c", "d"} {
				l.Attributes().PutStr(k, k)
			}
			_, err := tp.processTraces(orgID("acme"), td)
			return err
		}, `link 0 of span "op" has 4 attributes`},
		"log record": {func() error { _, err := tp.processLogs(orgID("acme"), logs(res{items: 2, itemAttrs: 4})); return err },
			`log record 0 of scope 0 of resource 0 has 4 attributes`},
		"data point": {func() error {
			md := gauge(nil, "x")
			dp := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().At(0)
			for _, k := range []string{"a", "b", "c"} {
				dp.Attributes().PutStr(k, k)
			}
			_, err := tp.processMetrics(orgID("acme"), md)
			return err
		}, `data point 0 of metric "up" has 4 attributes`},
	} {
		err := tc.run()
		wantPermanent(t, err)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: message %q, want %q", name, err, tc.want)
		}
	}
	// Resource attributes are not item attributes.
	many := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
	if _, err := tp.processTraces(orgID("acme"), traces(res{attrs: many, items: 1})); err != nil {
		t.Fatalf("resource attributes counted against the item limit: %v", err)
	}
}

func TestSeriesLimitWithWindowExpiry(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) {
		c.Limits.MaxActiveSeries = 3
		c.ActiveSeriesWindow = 10 * time.Minute
	})
	send := func(tenant string, series ...string) error {
		_, err := tp.processMetrics(orgID(tenant), gauge(map[string]string{"service.name": "api"}, series...))
		return err
	}
	if err := send("acme", "a", "b", "a"); err != nil { // a twice: 2 series
		t.Fatal(err)
	}
	if err := send("acme", "c"); err != nil {
		t.Fatal(err)
	}
	// Existing series keep flowing at the limit.
	if err := send("acme", "a", "b", "c"); err != nil {
		t.Fatalf("existing series refused: %v", err)
	}
	// One new series among existing ones refuses the whole request.
	err := send("acme", "a", "d")
	d := wantRetry(t, err)
	if want := `tenant "acme": active series limit (max_active_series 3) exceeded: 3 series active, the request adds 1 new`; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q, want %q", err, want)
	}
	if d != time.Minute {
		t.Errorf("retry delay %v, want the 1m cap (oldest series expires in 10m)", d)
	}
	// Another tenant is unaffected.
	if err := send("other", "a", "b", "c"); err != nil {
		t.Fatal(err)
	}
	// a and b stay active; c stops being sent.
	tp.clock.advance(6 * time.Minute)
	if err := send("acme", "a", "b"); err != nil {
		t.Fatal(err)
	}
	// c was last seen 6m ago: d still does not fit, and the delay says when
	// c expires (in 4m, capped to 1m).
	if d := wantRetry(t, send("acme", "d")); d != time.Minute {
		t.Errorf("retry delay %v, want 1m", d)
	}
	tp.clock.advance(3*time.Minute + 30*time.Second)
	// c expires in 30s: the delay says so.
	if d := wantRetry(t, send("acme", "d")); d != 30*time.Second {
		t.Errorf("retry delay %v, want 30s", d)
	}
	tp.clock.advance(31 * time.Second)
	// c left the window: d fits, and the request with the refused d was
	// never charged.
	if err := send("acme", "d"); err != nil {
		t.Fatalf("after c expired: %v", err)
	}
	if err := send("acme", "e"); err == nil {
		t.Fatal("a fourth series passed the limit of 3")
	}
	if got := tp.counter(t, "slopipe_tenant_refused_requests", map[string]string{"tenant": "acme", "reason": "series_limit", "signal": "metrics"}); got != 4 {
		t.Errorf("series refusals %d, want 4", got)
	}
}

func TestSeriesIdentity(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.Limits.MaxActiveSeries = 1 })
	base := func() pmetric.Metrics {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "api")
		rm.Resource().Attributes().PutStr("host", "h1")
		sm := rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName("scope")
		m := sm.Metrics().AppendEmpty()
		m.SetName("requests")
		dp := m.SetEmptySum().DataPoints().AppendEmpty()
		dp.Attributes().PutStr("method", "GET")
		dp.Attributes().PutInt("code", 200)
		dp.Attributes().PutEmptySlice("list").AppendEmpty().SetStr("x")
		dp.Attributes().PutEmptyMap("nested").PutBool("b", true)
		dp.Attributes().PutEmptyBytes("raw").FromRaw([]byte{1, 2})
		return md
	}
	if _, err := tp.processMetrics(orgID("acme"), base()); err != nil {
		t.Fatal(err)
	}
	// The same series with attributes in another order is not new.
	reordered := base()
	rm := reordered.ResourceMetrics().At(0)
	rm.Resource().Attributes().Clear()
	rm.Resource().Attributes().PutStr("host", "h1")
	rm.Resource().Attributes().PutStr("service.name", "api")
	dp := rm.ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0)
	dp.Attributes().Remove("method")
	dp.Attributes().PutStr("method", "GET")
	if _, err := tp.processMetrics(orgID("acme"), reordered); err != nil {
		t.Fatalf("reordered attributes made a new series: %v", err)
	}
	for name, change := range map[string]func(pmetric.Metrics){
		"resource attribute": func(md pmetric.Metrics) {
			md.ResourceMetrics().At(0).Resource().Attributes().PutStr("host", "h2")
		},
		"scope name": func(md pmetric.Metrics) { md.ResourceMetrics().At(0).ScopeMetrics().At(0).Scope().SetName("other") },
		"metric name": func(md pmetric.Metrics) {
			md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).SetName("errors")
		},
		"point attribute": func(md pmetric.Metrics) {
			md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0).Attributes().PutInt("code", 500)
		},
		"nested value": func(md pmetric.Metrics) {
			v, _ := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0).Attributes().Get("nested")
			v.Map().PutBool("b", false)
		},
		"bytes value": func(md pmetric.Metrics) {
			v, _ := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0).Attributes().Get("raw")
			v.Bytes().FromRaw([]byte{1, 3})
		},
	} {
		md := base()
		change(md)
		if _, err := tp.processMetrics(orgID("acme"), md); err == nil {
			t.Errorf("changing the %s did not make a new series", name)
		}
	}
}

func TestSweepForgetsExpiredSeriesAndIdleTenants(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) {
		c.Limits = Limits{Rate: 100, Burst: 100, MaxActiveSeries: 10}
		c.ActiveSeriesWindow = time.Minute
	})
	if _, err := tp.processMetrics(orgID("gone"), gauge(nil, "a", "b")); err != nil {
		t.Fatal(err)
	}
	tp.sweep()
	if n := len(tp.tenants.snapshot(nil)); n != 1 {
		t.Fatalf("%d tenants after an early sweep, want 1", n)
	}
	tp.clock.advance(2 * time.Minute)
	// Usage is pending (a sink is configured): the tenant must stay until
	// it is flushed.
	tp.sweep()
	if n := len(tp.tenants.snapshot(nil)); n != 1 {
		t.Fatalf("%d tenants with unflushed usage, want 1", n)
	}
	if err := tp.flusher.flush(context.Background(), tp.tenants); err != nil {
		t.Fatal(err)
	}
	tp.sweep()
	if n := len(tp.tenants.snapshot(nil)); n != 0 {
		t.Fatalf("%d tenants after the window, want 0", n)
	}
	// A returning tenant starts afresh with a full bucket.
	if _, err := tp.processMetrics(orgID("gone"), gauge(nil, "c")); err != nil {
		t.Fatal(err)
	}
}

// Evicting a tenant whose bucket is still refilling would hand it a free
// burst: the sweeper must keep it.
func TestSweepKeepsRefillingBucket(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) {
		c.Limits = Limits{Rate: 1, Burst: 1000}
		c.ActiveSeriesWindow = time.Minute
	})
	tp.sink = nil
	tp.usageOn.Store(false)
	if _, err := tp.processLogs(orgID("slow"), logs(res{items: 1000})); err != nil {
		t.Fatal(err)
	}
	tp.clock.advance(2 * time.Minute)
	tp.sweep()
	if _, err := tp.processLogs(orgID("slow"), logs(res{items: 1000})); err == nil {
		t.Fatal("the bucket was reset by the sweeper")
	}
}

// Tenants, multi-tenant requests, the sweeper (evicting idle tenants under
// requests' feet) and usage flushes all at once: run with -race. Every
// accepted item must be counted in usage exactly once.
func TestConcurrentTenants(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) {
		c.Limits = Limits{Rate: 1e9, Burst: 1e6, MaxActiveSeries: 1000}
		c.ActiveSeriesWindow = time.Second
	})
	ctx := context.Background()
	stop := make(chan struct{})
	var background sync.WaitGroup
	background.Add(1)
	go func() {
		defer background.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			tp.clock.advance(300 * time.Millisecond) // tenants keep going idle
			tp.sweep()
			if err := tp.flusher.flush(ctx, tp.tenants); err != nil {
				t.Error(err)
			}
		}
	}()
	tenants := []string{"a", "b", "c", "d", "e"}
	var accepted atomic.Int64
	var workers sync.WaitGroup
	for w := range 8 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := range 300 {
				x, y := tenants[(w+i)%len(tenants)], tenants[(w+2*i+1)%len(tenants)]
				var err error
				switch i % 3 {
				case 0:
					_, err = tp.processTraces(orgID(x), traces(res{items: 2}))
				case 1: // two tenants in one request, locked in either order
					_, err = tp.processLogs(ctx, logs(
						res{attrs: map[string]string{"tenant.id": y}, items: 1},
						res{attrs: map[string]string{"tenant.id": x}, items: 1}))
				default:
					_, err = tp.processMetrics(orgID(y), gauge(nil, "s"+strconv.Itoa(i%7)))
				}
				if err != nil {
					t.Error(err)
					return
				}
				accepted.Add(2 - int64(i%3/2))
			}
		}()
	}
	workers.Wait()
	close(stop)
	background.Wait()
	if err := tp.flusher.flush(ctx, tp.tenants); err != nil {
		t.Fatal(err)
	}
	var usage int64
	for _, r := range tp.sink.take() {
		usage += int64(r.items)
	}
	if usage != accepted.Load() {
		t.Fatalf("usage counts %d items, %d were accepted", usage, accepted.Load())
	}
}

// When the rest of the pipeline refuses an admitted request (memory
// pressure, a full queue), the client will resend it: it is not usage, the
// tenant gets its tokens back, and the answer tells the client to retry.
func TestRefusedDownstreamIsRetryableAndNotCharged(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.Limits = Limits{Rate: 10, Burst: 10} })
	refuse := consumertest.NewErr(errors.New("data refused due to high memory usage"))

	err := tp.consumeTraces(orgID("acme"), traces(res{items: 10}), refuse)
	if !strings.Contains(err.Error(), "high memory usage") {
		t.Errorf("message %q does not say why", err)
	}
	if d := wantRetryCode(t, err, codes.Unavailable); d != downstreamRetryAfter {
		t.Errorf("RetryInfo delay %v, want %v", d, downstreamRetryAfter)
	}
	// The full burst is there again: the refused request took nothing.
	if _, err := tp.processTraces(orgID("acme"), traces(res{items: 10})); err != nil {
		t.Fatalf("tokens were not given back: %v", err)
	}
	if err := tp.flusher.flush(context.Background(), tp.tenants); err != nil {
		t.Fatal(err)
	}
	var items uint64
	for _, row := range tp.sink.take() {
		items += row.items
	}
	if items != 10 {
		t.Errorf("usage counts %d items, want only the 10 accepted", items)
	}

	// An answer that already says what to do goes back unchanged.
	full := status.New(codes.Unavailable, "the sending queue to the store is full").Err()
	if got := tp.consumeTraces(orgID("other"), traces(res{items: 1}), consumertest.NewErr(full)); got != full {
		t.Errorf("a status from downstream became %v", got)
	}
	permanent := consumererror.NewPermanent(errors.New("bad rows"))
	if got := tp.consumeTraces(orgID("other"), traces(res{items: 1}), consumertest.NewErr(permanent)); got != permanent {
		t.Errorf("a permanent error from downstream became %v", got)
	}
}

// A request with more distinct series than the tenant may have active can
// never pass: it is refused as bad data, not told to retry.
func TestRequestOverTheSeriesLimitOnItsOwnIsPermanent(t *testing.T) {
	tp := newTestProcessor(t, func(c *Config) { c.Limits = Limits{MaxActiveSeries: 2} })
	_, err := tp.processMetrics(orgID("acme"), gauge(nil, "a", "b", "c"))
	wantPermanent(t, err)
	if want := `tenant "acme": request of 3 distinct series exceeds max_active_series (2)`; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q, want %q", err, want)
	}
	// Repeated points of the same series are one series: this fits.
	if _, err := tp.processMetrics(orgID("acme"), gauge(nil, "a", "b", "a", "b")); err != nil {
		t.Fatalf("two distinct series in four points refused: %v", err)
	}
	// And a request that fits on its own but not beside the active ones
	// is still told to retry.
	_, err = tp.processMetrics(orgID("acme"), gauge(nil, "c"))
	wantRetry(t, err)
}
