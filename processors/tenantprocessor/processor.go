package tenantprocessor

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/internal/periodic"
	"github.com/slopipe/slopipe/store/storeextension"
)

// tenantProcessor is shared by the traces, metrics and logs processors built
// from one configuration, because a tenant's rate limit spans all signals.
type tenantProcessor struct {
	cfg      *Config
	logger   *zap.Logger
	tel      *telemetry
	resolver resolver
	window   int64 // active series window, nanoseconds
	hash     seriesHasher
	limits   atomic.Pointer[overrides]
	tenants  *tenantShards
	requests sync.Pool

	// now is the clock; tests replace it before Start.
	now func() time.Time
	// sink receives usage; Start sets it from the store extension unless a
	// test already has.
	sink    usageSink
	flusher *usageFlusher
	usageOn atomic.Bool

	startOnce sync.Once
	startErr  error
	loops     periodic.Loops
	swept     []*tenantState // the sweeper's scratch
}

func newTenantProcessor(set processor.Settings, cfg *Config) (*tenantProcessor, error) {
	ts := sharedTelemetry(set.TelemetrySettings)
	tel, err := newTelemetry(ts.MeterProvider)
	if err != nil {
		return nil, err
	}
	p := &tenantProcessor{
		cfg:      cfg,
		logger:   ts.Logger,
		tel:      tel,
		resolver: newResolver(cfg),
		window:   int64(cfg.ActiveSeriesWindow),
		hash:     newSeriesHasher(),
		tenants:  newTenantShards(),
		now:      time.Now,
	}
	p.requests.New = func() any { return &request{} }
	p.limits.Store(newOverrides(cfg.Limits))
	return p, nil
}

// Start loads the overrides, finds the store and starts the background
// loops. The first of the signal processors to start does it.
func (p *tenantProcessor) Start(ctx context.Context, host component.Host) error {
	p.startOnce.Do(func() { p.startErr = p.start(ctx, host) })
	return p.startErr
}

func (p *tenantProcessor) start(_ context.Context, host component.Host) error {
	if p.cfg.OverridesFile != "" {
		w := &overridesWatcher{path: p.cfg.OverridesFile, defaults: p.cfg.Limits, logger: p.logger, apply: p.limits.Store}
		if err := w.load(); err != nil {
			return err
		}
		p.loops.Every(p.cfg.OverridesReloadPeriod, w.check)
	}
	if p.sink == nil && p.cfg.Store != (component.ID{}) {
		st, err := storeextension.FromHost(host, p.cfg.Store)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		p.sink = newStoreSink(st)
	}
	if p.sink != nil {
		p.flusher = &usageFlusher{sink: p.sink, maxPending: p.cfg.UsageMaxPendingRows, logger: p.logger, tel: p.tel}
		p.usageOn.Store(true)
		interval := p.cfg.UsageFlushInterval
		p.loops.Every(interval, func() {
			ctx, cancel := context.WithTimeout(context.Background(), max(interval, 10*time.Second))
			defer cancel()
			_ = p.flusher.flush(ctx, p.tenants) // logged by flush; rows kept
		})
	}
	// Sweeping every tenth of the window (1s to 1m) keeps memory close to
	// what is actually active without rescanning every tenant's series
	// needlessly often; admission never waits for it, since a tenant at its
	// limit sweeps its own series first.
	p.loops.Every(min(max(p.cfg.ActiveSeriesWindow/10, time.Second), time.Minute), p.sweep)
	return nil
}

// shutdown stops the loops and writes the usage still in memory; no data
// arrives any more, since the collector stops receivers first.
func (p *tenantProcessor) shutdown(ctx context.Context) error {
	p.loops.Stop()
	if p.flusher != nil {
		if err := p.flusher.flush(ctx, p.tenants); err != nil {
			return fmt.Errorf("tenant usage: final flush: %w", err)
		}
	}
	return nil
}

// sweep forgets expired series and idle tenants, which bounds memory by
// what was active within the window.
func (p *tenantProcessor) sweep() {
	now := p.now().UnixNano()
	p.swept = p.tenants.snapshot(p.swept[:0])
	for _, st := range p.swept {
		st.mu.Lock()
		st.sweepSeries(now, p.window)
		st.mu.Unlock()
	}
	clear(p.swept)
	ov := p.limits.Load()
	p.tenants.each(func(st *tenantState) bool { return st.idle(now, p.window, ov.limits(st.name)) })
}

// The processors of one configuration share one tenantProcessor, keyed by
// the configuration as the collector's own shared components are.
var shared = struct {
	sync.Mutex
	m map[*Config]*sharedEntry
}{m: map[*Config]*sharedEntry{}}

type sharedEntry struct {
	p    *tenantProcessor
	refs int
}

func acquire(set processor.Settings, cfg *Config) (*tenantProcessor, error) {
	shared.Lock()
	defer shared.Unlock()
	e := shared.m[cfg]
	if e == nil {
		p, err := newTenantProcessor(set, cfg)
		if err != nil {
			return nil, err
		}
		e = &sharedEntry{p: p}
		shared.m[cfg] = e
	}
	e.refs++
	return e.p, nil
}

// release is each signal processor's Shutdown; the last one shuts the
// shared state down.
func (p *tenantProcessor) release(ctx context.Context) error {
	shared.Lock()
	e := shared.m[p.cfg]
	last := false
	if e != nil && e.p == p {
		e.refs--
		if e.refs <= 0 {
			delete(shared.m, p.cfg)
			last = true
		}
	}
	shared.Unlock()
	if !last {
		return nil
	}
	return p.shutdown(ctx)
}

// portion is the part of a request that belongs to one tenant.
type portion struct {
	tenant string
	lim    *Limits
	items  int
	bytes  int
	hashes []uint64 // metric series, only while the tenant has a series limit
	st     *tenantState
}

// request is per-request scratch, pooled so that the hot path reuses it.
type request struct {
	portions []portion
	scratch  []uint64
}

// portion returns the tenant's portion, adding it on first sight. The
// pointer is valid until the next call.
func (r *request) portion(tenant string, ov *overrides) *portion {
	for i := range r.portions {
		if r.portions[i].tenant == tenant {
			return &r.portions[i]
		}
	}
	n := len(r.portions)
	if n < cap(r.portions) {
		r.portions = r.portions[:n+1]
	} else {
		r.portions = append(r.portions, portion{})
	}
	po := &r.portions[n]
	*po = portion{tenant: tenant, lim: ov.limits(tenant), hashes: po.hashes[:0]}
	return po
}

const maxPooledHashes = 1 << 16

func (p *tenantProcessor) getRequest() *request { return p.requests.Get().(*request) }

func (p *tenantProcessor) putRequest(r *request) {
	// Tenant strings point into the request's data; drop them before the
	// scratch outlives it.
	for i := range r.portions {
		po := &r.portions[i]
		po.tenant, po.lim, po.st = "", nil, nil
		// One huge metrics request must not pin its hashes in the pool.
		if cap(po.hashes) > maxPooledHashes {
			po.hashes = nil
		}
	}
	if cap(r.scratch) > maxPooledHashes {
		r.scratch = nil
	}
	r.portions = r.portions[:0]
	p.requests.Put(r)
}

// fieldSize is what a message of size n adds as one element of the
// request's repeated top-level field: tag, length, payload. Summed over a
// tenant's resources it is that tenant's share of the request's size, and
// for a single-tenant request exactly TracesSize/MetricsSize/LogsSize.
func fieldSize(n int) int {
	size := 2 + n // tag, at least one length byte, payload
	for v := uint64(n); v >= 0x80; v >>= 7 {
		size++
	}
	return size
}

// refusePut refuses a request still being admitted and returns its scratch.
func (p *tenantProcessor) refusePut(req *request, ctx context.Context, r *refusal, sig signal, items int) error {
	p.putRequest(req)
	return p.refuse(ctx, r, sig, items)
}

func (p *tenantProcessor) refuse(ctx context.Context, r *refusal, sig signal, items int) error {
	p.tel.refused(ctx, r, sig, items)
	if ce := p.logger.Check(zap.DebugLevel, "request refused"); ce != nil {
		ce.Write(zap.String("tenant", r.tenant), zap.String("reason", r.reason), zap.String("signal", sig.String()), zap.Error(r.err))
	}
	return r.err
}

var (
	tracesSizer  ptrace.ProtoMarshaler
	metricsSizer pmetric.ProtoMarshaler
	logsSizer    plog.ProtoMarshaler
)

// admitTraces resolves the tenants of td, applies their limits and charges
// them; the request it returns is settled once the pipeline has answered.
func (p *tenantProcessor) admitTraces(ctx context.Context, td ptrace.Traces) (*request, error) {
	req := p.getRequest()
	hdr, hdrOK := p.resolver.headerTenant(ctx)
	ov := p.limits.Load()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		attrs := rs.Resource().Attributes()
		tenant, ref := p.resolver.resolve(hdr, hdrOK, attrs, i)
		if ref != nil {
			return nil, p.refusePut(req, ctx, ref, sigTraces, td.SpanCount())
		}
		setTenant(attrs, p.cfg.ResourceAttribute, tenant)
		po := req.portion(tenant, ov)
		maxAttrs := po.lim.MaxAttributesPerItem
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			po.items += spans.Len()
			if maxAttrs > 0 {
				if ref := checkSpans(spans, maxAttrs, tenant); ref != nil {
					return nil, p.refusePut(req, ctx, ref, sigTraces, td.SpanCount())
				}
			}
		}
		po.bytes += fieldSize(tracesSizer.ResourceSpansSize(rs))
	}
	if ref := p.admit(ctx, req, sigTraces); ref != nil {
		return nil, p.refusePut(req, ctx, ref, sigTraces, td.SpanCount())
	}
	return req, nil
}

// consumeTraces admits td, hands it on, and settles the request with the
// pipeline's answer.
func (p *tenantProcessor) consumeTraces(ctx context.Context, td ptrace.Traces, next consumer.Traces) error {
	req, err := p.admitTraces(ctx, td)
	if err != nil {
		return err
	}
	return p.settle(ctx, req, sigTraces, next.ConsumeTraces(ctx, td))
}

// admitLogs resolves the tenants of ld, applies their limits and charges
// them; the request it returns is settled once the pipeline has answered.
func (p *tenantProcessor) admitLogs(ctx context.Context, ld plog.Logs) (*request, error) {
	req := p.getRequest()
	hdr, hdrOK := p.resolver.headerTenant(ctx)
	ov := p.limits.Load()
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		attrs := rl.Resource().Attributes()
		tenant, ref := p.resolver.resolve(hdr, hdrOK, attrs, i)
		if ref != nil {
			return nil, p.refusePut(req, ctx, ref, sigLogs, ld.LogRecordCount())
		}
		setTenant(attrs, p.cfg.ResourceAttribute, tenant)
		po := req.portion(tenant, ov)
		maxAttrs := po.lim.MaxAttributesPerItem
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			records := sls.At(j).LogRecords()
			po.items += records.Len()
			if maxAttrs <= 0 {
				continue
			}
			for k := 0; k < records.Len(); k++ {
				if n := records.At(k).Attributes().Len(); n > maxAttrs {
					what := "log record " + strconv.Itoa(k) + " of scope " + strconv.Itoa(j) + " of resource " + strconv.Itoa(i)
					return nil, p.refusePut(req, ctx, tooManyAttributes(tenant, what, n, maxAttrs), sigLogs, ld.LogRecordCount())
				}
			}
		}
		po.bytes += fieldSize(logsSizer.ResourceLogsSize(rl))
	}
	if ref := p.admit(ctx, req, sigLogs); ref != nil {
		return nil, p.refusePut(req, ctx, ref, sigLogs, ld.LogRecordCount())
	}
	return req, nil
}

// consumeLogs admits ld, hands it on, and settles the request with the
// pipeline's answer.
func (p *tenantProcessor) consumeLogs(ctx context.Context, ld plog.Logs, next consumer.Logs) error {
	req, err := p.admitLogs(ctx, ld)
	if err != nil {
		return err
	}
	return p.settle(ctx, req, sigLogs, next.ConsumeLogs(ctx, ld))
}

// admitMetrics resolves the tenants of md, applies their limits and charges
// them; the request it returns is settled once the pipeline has answered.
func (p *tenantProcessor) admitMetrics(ctx context.Context, md pmetric.Metrics) (*request, error) {
	req := p.getRequest()
	hdr, hdrOK := p.resolver.headerTenant(ctx)
	ov := p.limits.Load()
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		attrs := rm.Resource().Attributes()
		tenant, ref := p.resolver.resolve(hdr, hdrOK, attrs, i)
		if ref != nil {
			return nil, p.refusePut(req, ctx, ref, sigMetrics, md.DataPointCount())
		}
		setTenant(attrs, p.cfg.ResourceAttribute, tenant)
		po := req.portion(tenant, ov)
		sc := pointScan{hash: &p.hash, po: po, track: po.lim.MaxActiveSeries > 0, maxAttrs: po.lim.MaxAttributesPerItem, bad: -1}
		var resourceHash uint64
		if sc.track {
			// Computed after setTenant, so it is the same whichever source
			// named the tenant.
			resourceHash = p.hash.attrs(attrs)
		}
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			sm := sms.At(j)
			ms := sm.Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				if sc.track {
					sc.base = p.hash.base(resourceHash, sm.Scope().Name(), m.Name())
				}
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					scanPoints(&sc, m.Gauge().DataPoints())
				case pmetric.MetricTypeSum:
					scanPoints(&sc, m.Sum().DataPoints())
				case pmetric.MetricTypeHistogram:
					scanPoints(&sc, m.Histogram().DataPoints())
				case pmetric.MetricTypeExponentialHistogram:
					scanPoints(&sc, m.ExponentialHistogram().DataPoints())
				case pmetric.MetricTypeSummary:
					scanPoints(&sc, m.Summary().DataPoints())
				}
				if sc.bad >= 0 {
					what := "data point " + strconv.Itoa(sc.bad) + " of metric " + strconv.Quote(m.Name())
					return nil, p.refusePut(req, ctx, tooManyAttributes(tenant, what, sc.badLen, sc.maxAttrs), sigMetrics, md.DataPointCount())
				}
			}
		}
		po.bytes += fieldSize(metricsSizer.ResourceMetricsSize(rm))
	}
	if ref := p.admit(ctx, req, sigMetrics); ref != nil {
		return nil, p.refusePut(req, ctx, ref, sigMetrics, md.DataPointCount())
	}
	return req, nil
}

// consumeMetrics admits md, hands it on, and settles the request with the
// pipeline's answer.
func (p *tenantProcessor) consumeMetrics(ctx context.Context, md pmetric.Metrics, next consumer.Metrics) error {
	req, err := p.admitMetrics(ctx, md)
	if err != nil {
		return err
	}
	return p.settle(ctx, req, sigMetrics, next.ConsumeMetrics(ctx, md))
}

func checkSpans(spans ptrace.SpanSlice, maxAttrs int, tenant string) *refusal {
	for k := 0; k < spans.Len(); k++ {
		span := spans.At(k)
		if n := span.Attributes().Len(); n > maxAttrs {
			return tooManyAttributes(tenant, "span "+strconv.Quote(span.Name()), n, maxAttrs)
		}
		events := span.Events()
		for e := 0; e < events.Len(); e++ {
			if n := events.At(e).Attributes().Len(); n > maxAttrs {
				return tooManyAttributes(tenant, "event "+strconv.Quote(events.At(e).Name())+" of span "+strconv.Quote(span.Name()), n, maxAttrs)
			}
		}
		links := span.Links()
		for l := 0; l < links.Len(); l++ {
			if n := links.At(l).Attributes().Len(); n > maxAttrs {
				return tooManyAttributes(tenant, "link "+strconv.Itoa(l)+" of span "+strconv.Quote(span.Name()), n, maxAttrs)
			}
		}
	}
	return nil
}

func tooManyAttributes(tenant, what string, n, limit int) *refusal {
	return newPermanent(reasonTooManyAttributes, tenant,
		fmt.Sprintf("tenant %q: %s has %d attributes, more than max_attributes_per_item (%d)", tenant, what, n, limit))
}

// admit applies the limits to every tenant of the request and, only if all
// pass, charges them all: a request is accepted or refused as a whole.
func (p *tenantProcessor) admit(ctx context.Context, req *request, sig signal) *refusal {
	// What can never pass is refused before what could pass later, so that
	// a client is never told to retry a request that cannot succeed.
	for i := range req.portions {
		po := &req.portions[i]
		if l := po.lim.MaxRequestBytes; l > 0 && po.bytes > l {
			return newPermanent(reasonRequestTooLarge, po.tenant,
				fmt.Sprintf("tenant %q: request of %d bytes exceeds max_request_bytes (%d); split it into smaller requests", po.tenant, po.bytes, l))
		}
		if po.lim.Rate > 0 && po.items > po.lim.Burst {
			return newPermanent(reasonRequestTooLarge, po.tenant,
				fmt.Sprintf("tenant %q: request of %d items exceeds the ingestion burst (%d items) and can never be accepted; split it into smaller requests", po.tenant, po.items, po.lim.Burst))
		}
		if l := po.lim.MaxActiveSeries; sig == sigMetrics && l > 0 && len(po.hashes) > l {
			req.scratch = append(req.scratch[:0], po.hashes...)
			slices.Sort(req.scratch)
			if distinct := len(slices.Compact(req.scratch)); distinct > l {
				return newPermanent(reasonSeriesLimit, po.tenant,
					fmt.Sprintf("tenant %q: request of %d distinct series exceeds max_active_series (%d) and can never be accepted; split it into smaller requests", po.tenant, distinct, l))
			}
		}
	}
	if len(req.portions) > 1 {
		// One lock order for everyone: no two requests deadlock.
		slices.SortFunc(req.portions, func(a, b portion) int { return strings.Compare(a.tenant, b.tenant) })
	}
	now := p.now()
	nowNs := now.UnixNano()
	for i := range req.portions {
		req.portions[i].st = p.tenants.lock(req.portions[i].tenant)
	}
	for i := range req.portions {
		po := &req.portions[i]
		st, l := po.st, po.lim
		if l.Rate > 0 && po.items > 0 {
			if wait := st.rateWait(nowNs, l, po.items); wait > 0 {
				unlockAll(req)
				d := retryDelay(wait)
				return newRetryable(reasonRateLimited, po.tenant, fmt.Sprintf(
					"tenant %q: ingestion rate limit (%s items/s, burst %d) exceeded by a request of %d items; retry in %s",
					po.tenant, strconv.FormatFloat(l.Rate, 'f', -1, 64), l.Burst, po.items, d), d)
			}
		}
		if sig == sigMetrics && l.MaxActiveSeries > 0 && len(po.hashes) > 0 {
			var added int
			added, req.scratch = st.newSeries(nowNs, p.window, po.hashes, req.scratch)
			if added > 0 && len(st.series)+added > l.MaxActiveSeries {
				// The map may still hold expired series; only refuse on an
				// exact count.
				st.sweepSeries(nowNs, p.window)
				added, req.scratch = st.newSeries(nowNs, p.window, po.hashes, req.scratch)
				if active := len(st.series); active+added > l.MaxActiveSeries {
					d := seriesRetryDelay(st.oldestSeen+p.window-nowNs, active)
					unlockAll(req)
					return newRetryable(reasonSeriesLimit, po.tenant, fmt.Sprintf(
						"tenant %q: active series limit (max_active_series %d) exceeded: %d series active, the request adds %d new; retry in %s",
						po.tenant, l.MaxActiveSeries, active, added, d), d)
				}
			}
		}
	}
	for i := range req.portions {
		po := &req.portions[i]
		st := po.st
		if po.lim.Rate > 0 {
			st.tokens -= float64(po.items)
		}
		if sig == sigMetrics && po.lim.MaxActiveSeries > 0 {
			st.touchSeries(nowNs, po.hashes)
		}
		st.lastSeen = nowNs
	}
	unlockAll(req)
	return nil
}

// settle completes an admitted request with the answer of the rest of the
// pipeline. Accepted, it counts as the tenants' usage. Refused downstream
// (memory pressure, a full sending queue), the client will send it again:
// the tokens go back, no usage is counted, and the answer is one OTLP
// clients retry after a pause.
func (p *tenantProcessor) settle(ctx context.Context, req *request, sig signal, downstream error) error {
	defer p.putRequest(req)
	// The states admit locked may have been swept away since (a slow
	// pipeline, an idle window passing): lock the live ones, or the usage
	// would land in a state no flush reads.
	if downstream != nil {
		for i := range req.portions {
			po := &req.portions[i]
			if po.lim.Rate > 0 {
				st := p.tenants.lock(po.tenant)
				st.tokens = min(st.tokens+float64(po.items), float64(po.lim.Burst))
				st.mu.Unlock()
			}
		}
		return retryLater(downstream)
	}
	usageOn := p.usageOn.Load()
	minute := p.now().Unix() / 60 * 60
	for i := range req.portions {
		po := &req.portions[i]
		st := p.tenants.lock(po.tenant)
		if usageOn {
			st.addUsage(sig, minute, uint64(po.items), uint64(po.bytes))
		}
		accepted := st.accepted[sig]
		st.mu.Unlock()
		p.tel.acceptedItems.Add(ctx, int64(po.items), accepted...)
	}
	return nil
}

func unlockAll(req *request) {
	for i := range req.portions {
		req.portions[i].st.mu.Unlock()
	}
}

// seriesRetryDelay is how long a client refused for series should wait. A
// new series fits only once an active one expires, and the earliest that
// can happen is when the least recently seen series leaves the window —
// unless it is seen again. So: that time, but at least 1s and at most 1
// minute. The cap keeps retries inside OTLP exporters' default 5-minute
// retry budget, so data survives series churn (pods replaced) rather than
// being given up on; the floor avoids hot retry loops.
func seriesRetryDelay(untilOldestExpires int64, active int) time.Duration {
	d := time.Duration(untilOldestExpires)
	if active == 0 || d > time.Minute {
		d = time.Minute
	}
	return retryDelay(d)
}
