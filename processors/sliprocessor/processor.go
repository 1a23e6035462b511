// Package sliprocessor is the collector processor `sli`: it counts the good
// and total events of slopipe's span and log SLIs in the stream, per tenant,
// SLO and minute, into slopipe_sli_events, so that span- and log-based SLOs
// are evaluated without scanning the raw tables.
//
// It reads the SLO specs of a directory (OpenSLO v1 with slopipe.spans or
// slopipe.logs sources; PromQL SLIs are not its business), reloads them when
// the directory changes, and keeps the last good set when a change does not
// validate. Events count in the minute they happened (a span's end, a log
// record's timestamp), so data resent after an outage lands in its true
// minute. It counts a request only once the rest of the pipeline has
// accepted it: a refused request will be sent again.
//
// It does not change the data and does not evaluate SLOs: it counts.
package sliprocessor

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/internal/periodic"
	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension"
)

// sliSet is the compiled SLIs of one load of the specs.
type sliSet struct {
	spans []spanSLI
	logs  []logSLI
}

func compile(slos []slo.SLO) *sliSet {
	set := &sliSet{}
	for _, s := range slos {
		switch {
		case s.Indicator.Spans != nil:
			set.spans = append(set.spans, compileSpanSLI(s.Name, s.Indicator.Spans))
		case s.Indicator.Logs != nil:
			set.logs = append(set.logs, compileLogSLI(s.Name, s.Indicator.Logs))
		}
	}
	return set
}

type countKey struct {
	tenant, slo string
	minute      int64 // Unix seconds of the minute's start
}

type counts struct{ good, total uint64 }

// counter is shared by the traces and logs processors of one
// configuration, as the specs and the pending counts are.
type counter struct {
	cfg    *Config
	logger *zap.Logger
	slis   atomic.Pointer[sliSet]

	mu      sync.Mutex
	pending map[countKey]counts

	scratch sync.Pool // map[countKey]counts, one request's counts

	st        store.Store
	specs     slo.SpecDir
	startOnce sync.Once
	startErr  error
	loops     periodic.Loops
	refs      int
}

func newCounter(cfg *Config, logger *zap.Logger) *counter {
	c := &counter{cfg: cfg, logger: logger, pending: map[countKey]counts{}, specs: slo.SpecDir{Path: cfg.SLODir}}
	c.scratch.New = func() any { return map[countKey]counts{} }
	c.slis.Store(&sliSet{})
	return c
}

func (c *counter) start(_ context.Context, host component.Host) error {
	c.startOnce.Do(func() {
		if c.cfg.Store != (component.ID{}) {
			st, err := storeextension.FromHost(host, c.cfg.Store)
			if err != nil {
				c.startErr = fmt.Errorf("store: %w", err)
				return
			}
			c.st = st
		}
		c.reload()
		c.loops.Every(c.cfg.ReloadPeriod, c.reload)
		if c.st != nil {
			c.loops.Every(c.cfg.FlushInterval, func() {
				ctx, cancel := context.WithTimeout(context.Background(), max(c.cfg.FlushInterval, 10*time.Second))
				defer cancel()
				if err := c.flush(ctx); err != nil {
					c.logger.Warn("writing SLI events failed; kept for the next flush", zap.Error(err))
				}
			})
		}
	})
	return c.startErr
}

func (c *counter) shutdown(ctx context.Context) error {
	c.loops.Stop()
	if c.st == nil {
		return nil
	}
	if err := c.flush(ctx); err != nil {
		return fmt.Errorf("sli: final flush: %w", err)
	}
	return nil
}

// reload reads the specs when the directory changed, with slo.SpecDir's
// policy (the slo extension follows the same, so both run the same SLOs).
func (c *counter) reload() {
	change, err := c.specs.Reload()
	if err != nil {
		c.logger.Info("no SLO specs: the directory cannot be read", zap.String("slo_dir", c.cfg.SLODir), zap.Error(err))
		return
	}
	if change == nil {
		return
	}
	for _, p := range change.Problems {
		c.logger.Error("SLO spec problem", zap.String("problem", p.Error()))
	}
	if !change.Apply {
		c.logger.Error("SLO specs changed but do not validate; the last good set keeps running", zap.Int("problems", len(change.Problems)))
		return
	}
	set := compile(change.Set.SLOs)
	c.slis.Store(set)
	c.logger.Info("SLO specs loaded", zap.Int("span_slis", len(set.spans)), zap.Int("log_slis", len(set.logs)))
}

// countTraces counts td's spans into a request-local map.
func (c *counter) countTraces(td ptrace.Traces) map[countKey]counts {
	set := c.slis.Load()
	if len(set.spans) == 0 {
		return nil
	}
	local := c.scratch.Get().(map[countKey]counts)
	for _, rs := range td.ResourceSpans().All() {
		res := rs.Resource().Attributes()
		tenant, service := stringAttr(res, c.cfg.TenantAttribute), stringAttr(res, "service.name")
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				for i := range set.spans {
					sli := &set.spans[i]
					if !sli.matches(service, res, span) {
						continue
					}
					tally(local, countKey{tenant: tenant, slo: sli.name, minute: minuteOf(int64(span.EndTimestamp()))}, sli.good(span))
				}
			}
		}
	}
	return local
}

// countLogs counts ld's log records into a request-local map.
func (c *counter) countLogs(ld plog.Logs) map[countKey]counts {
	set := c.slis.Load()
	if len(set.logs) == 0 {
		return nil
	}
	local := c.scratch.Get().(map[countKey]counts)
	for _, rl := range ld.ResourceLogs().All() {
		res := rl.Resource().Attributes()
		tenant, service := stringAttr(res, c.cfg.TenantAttribute), stringAttr(res, "service.name")
		for _, sl := range rl.ScopeLogs().All() {
			for _, rec := range sl.LogRecords().All() {
				ts := rec.Timestamp()
				if ts == 0 {
					ts = rec.ObservedTimestamp()
				}
				for i := range set.logs {
					sli := &set.logs[i]
					if !sli.matches(service, res, rec) {
						continue
					}
					tally(local, countKey{tenant: tenant, slo: sli.name, minute: minuteOf(int64(ts))}, sli.good(rec))
				}
			}
		}
	}
	return local
}

// tally counts one event under k.
func tally(local map[countKey]counts, k countKey, good bool) {
	n := local[k]
	n.total++
	if good {
		n.good++
	}
	local[k] = n
}

func minuteOf(unixNanos int64) int64 {
	s := unixNanos / 1e9
	return s - ((s%60)+60)%60
}

// settle adds a request's counts once the pipeline accepted it, and
// returns the scratch map either way.
func (c *counter) settle(local map[countKey]counts, accepted bool) {
	if local == nil {
		return
	}
	if accepted {
		c.mu.Lock()
		for k, n := range local {
			// The tenant string points into the request; the pending map
			// outlives it.
			if _, ok := c.pending[k]; !ok {
				k.tenant = strings.Clone(k.tenant)
			}
			p := c.pending[k]
			c.pending[k] = counts{good: p.good + n.good, total: p.total + n.total}
		}
		c.mu.Unlock()
	}
	clear(local)
	c.scratch.Put(local)
}

// flush writes the pending counts; what fails to write is put back.
func (c *counter) flush(ctx context.Context) error {
	c.mu.Lock()
	taken := c.pending
	c.pending = map[countKey]counts{}
	c.mu.Unlock()
	if len(taken) == 0 {
		return nil
	}
	batch := store.NewSLIEvents()
	for k, n := range taken {
		batch.Add(k.tenant, k.slo, k.minute, n.good, n.total)
	}
	if err := batch.Insert(ctx, c.st, time.Now()); err != nil {
		c.mu.Lock()
		for k, n := range taken {
			p := c.pending[k]
			c.pending[k] = counts{good: p.good + n.good, total: p.total + n.total}
		}
		c.mu.Unlock()
		return err
	}
	return nil
}

// tracesProcessor and logsProcessor hand the data on and count it once the
// rest of the pipeline has taken it.
type tracesProcessor struct {
	c    *counter
	next consumer.Traces
}

func (p *tracesProcessor) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	local := p.c.countTraces(td)
	err := p.next.ConsumeTraces(ctx, td)
	p.c.settle(local, err == nil)
	return err
}

type logsProcessor struct {
	c    *counter
	next consumer.Logs
}

func (p *logsProcessor) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	local := p.c.countLogs(ld)
	err := p.next.ConsumeLogs(ctx, ld)
	p.c.settle(local, err == nil)
	return err
}
