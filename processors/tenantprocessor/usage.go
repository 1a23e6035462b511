package tenantprocessor

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"go.uber.org/zap"

	"github.com/slopipe/slopipe/store"
)

type signal uint8

const (
	sigTraces signal = iota
	sigMetrics
	sigLogs
	numSignals
)

// String is the Signal column's and the signal attribute's value.
func (s signal) String() string {
	switch s {
	case sigTraces:
		return "traces"
	case sigMetrics:
		return "metrics"
	case sigLogs:
		return "logs"
	}
	return "unknown"
}

// usageAcc accumulates one tenant's current minute of one signal.
type usageAcc struct {
	minute       int64
	items, bytes uint64
}

// usageRow is one slopipe_ingest_usage increment.
type usageRow struct {
	tenant       string
	signal       signal
	minute       int64 // unix seconds of the minute's start
	items, bytes uint64
}

// addUsage runs under st.mu. Accumulating in the tenant's own state keeps
// usage off any lock shared between tenants.
func (st *tenantState) addUsage(sig signal, minute int64, items, bytes uint64) {
	acc := &st.usage[sig]
	if acc.minute != minute && (acc.items != 0 || acc.bytes != 0) {
		st.usageDone = append(st.usageDone, usageRow{st.name, sig, acc.minute, acc.items, acc.bytes})
		acc.items, acc.bytes = 0, 0
	}
	acc.minute = minute
	acc.items += items
	acc.bytes += bytes
}

// takeUsage runs under st.mu and moves everything accumulated to dst. The
// current minute goes too: the table sums increments, so a minute written
// in several flushes adds up.
func (st *tenantState) takeUsage(dst []usageRow) []usageRow {
	dst = append(dst, st.usageDone...)
	st.usageDone = st.usageDone[:0]
	for s := range st.usage {
		acc := &st.usage[s]
		if acc.items != 0 || acc.bytes != 0 {
			dst = append(dst, usageRow{st.name, signal(s), acc.minute, acc.items, acc.bytes})
			acc.items, acc.bytes = 0, 0
		}
	}
	return dst
}

// usageSink is where flushed usage goes: the store in production, a slice
// in unit tests.
type usageSink interface {
	insertUsage(ctx context.Context, rows []usageRow) error
}

type storeSink struct {
	st    store.Store
	batch *store.IngestUsage
}

func newStoreSink(st store.Store) *storeSink {
	return &storeSink{st: st, batch: store.NewIngestUsage()}
}

func (s *storeSink) insertUsage(ctx context.Context, rows []usageRow) error {
	s.batch.Reset()
	for _, r := range rows {
		s.batch.Add(r.tenant, r.signal.String(), r.minute, r.items, r.bytes)
	}
	return s.batch.Insert(ctx, s.st)
}

type usageKey struct {
	tenant string
	signal signal
	minute int64
}

type usageCounts struct{ items, bytes uint64 }

// usageFlusher moves usage from the tenants to the sink. Rows a failed
// flush could not write stay pending, merged by key, up to maxPending keys.
type usageFlusher struct {
	sink       usageSink
	maxPending int
	logger     *zap.Logger
	tel        *telemetry

	mu      sync.Mutex // one flush at a time
	pending map[usageKey]usageCounts
	states  []*tenantState
	rows    []usageRow
}

func (f *usageFlusher) flush(ctx context.Context, tenants *tenantShards) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states = tenants.snapshot(f.states[:0])
	f.rows = f.rows[:0]
	for _, st := range f.states {
		st.mu.Lock()
		f.rows = st.takeUsage(f.rows)
		st.mu.Unlock()
	}
	clear(f.states)
	if f.pending == nil {
		f.pending = map[usageKey]usageCounts{}
	}
	var dropped int64
	for _, r := range f.rows {
		k := usageKey{r.tenant, r.signal, r.minute}
		c, ok := f.pending[k]
		if !ok && len(f.pending) >= f.maxPending {
			dropped++
			continue
		}
		c.items += r.items
		c.bytes += r.bytes
		f.pending[k] = c
	}
	if dropped > 0 {
		f.tel.usageDropped.Add(ctx, dropped)
		f.logger.Error("tenant usage rows dropped: the store has been failing and usage_max_pending_rows is reached",
			zap.Int64("rows", dropped), zap.Int("usage_max_pending_rows", f.maxPending))
	}
	if len(f.pending) == 0 {
		return nil
	}
	f.rows = f.rows[:0]
	for k, c := range f.pending {
		f.rows = append(f.rows, usageRow{k.tenant, k.signal, k.minute, c.items, c.bytes})
	}
	// Sorted rows insert in the table's order and make tests deterministic.
	slices.SortFunc(f.rows, func(a, b usageRow) int {
		return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.signal, b.signal), cmp.Compare(a.minute, b.minute))
	})
	if err := f.sink.insertUsage(ctx, f.rows); err != nil {
		f.logger.Error("tenant usage flush failed; keeping the rows for the next flush",
			zap.Int("pending_rows", len(f.pending)), zap.Error(err))
		return err
	}
	clear(f.pending)
	return nil
}
