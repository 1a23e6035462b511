// Package clickhouseexporter writes traces, metrics and logs into slopipe's
// store, in the tables of the collector-contrib clickhouseexporter (so
// Grafana's ClickHouse plugin views work), with a TenantId column first.
//
// Rows are built column by column into reusable store batches and inserted
// through the store extension, whose insert checks the row count the engine
// reports. Durability comes from exporterhelper's sending queue: with a
// storage extension it is on disk, so a request is acknowledged once it is in
// the queue, retried until the store takes it, and a full queue refuses new
// data with a retryable answer (gRPC UNAVAILABLE with RetryInfo, HTTP 503 with
// Retry-After) instead of dropping it. The queue filling up and taking data
// again are reported as the exporter's component status, which the health
// extension turns into readiness.
//
// It does not connect to ClickHouse itself and does not create tables: the
// store extension owns the connection and the schema.
package clickhouseexporter

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"

	"github.com/slopipe/slopipe/internal/retryinfo"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension"
)

type chExporter struct {
	cfg    *Config
	logger *zap.Logger
	store  store.Store

	traces  *spareRows[*traceRows]
	logs    *spareRows[*logRows]
	metrics *spareRows[*metricRows]
}

func newExporter(cfg *Config, set exporter.Settings) *chExporter {
	return &chExporter{cfg: cfg, logger: set.Logger,
		traces:  newSpareRows(newTraceRows),
		logs:    newSpareRows(newLogRows),
		metrics: newSpareRows(newMetricRows),
	}
}

// spareRows keeps the column buffers of finished inserts for the next ones.
// A sync.Pool would not do: it empties at every other garbage collection,
// which under load comes many times per insert, and the columns of a
// 100 000-row batch were then grown from nothing again, allocation by
// allocation (growing slices took a tenth of a loaded daemon's CPU).
type spareRows[T resetter] struct {
	spare  chan T
	create func() T
}

// maxSpareRows bounds the buffers kept: as many as inserts run at once
// with the built-in configuration's two queue consumers, and two more. They
// are kept while idle too: after a load, up to four batches' worth of
// empty columns (tens of megabytes at 100 000 rows) stay allocated. With
// more consumers, the inserts beyond four build their columns afresh.
const maxSpareRows = 4

// resetter empties rows for reuse, letting go of the strings they hold.
type resetter interface{ reset() }

func newSpareRows[T resetter](create func() T) *spareRows[T] {
	return &spareRows[T]{spare: make(chan T, maxSpareRows), create: create}
}

func (p *spareRows[T]) Get() T {
	select {
	case rows := <-p.spare:
		return rows
	default:
		return p.create()
	}
}

// Put keeps rows for a later Get, emptied so that the request they were
// built from can be collected, or lets them go when enough are kept.
func (p *spareRows[T]) Put(rows T) {
	rows.reset()
	select {
	case p.spare <- rows:
	default:
	}
}

func (e *chExporter) start(_ context.Context, host component.Host) error {
	st, err := storeextension.FromHost(host, e.cfg.Store)
	if err != nil {
		return err
	}
	e.store = st
	return nil
}

func (e *chExporter) pushTraces(ctx context.Context, td ptrace.Traces) error {
	rows := e.traces.Get()
	defer e.traces.Put(rows)
	rows.appendTraces(td, e.cfg.TenantAttribute)
	// The trace-id index goes first: if the spans then fail, the retry
	// writes the index rows again, and a duplicate (trace, start, end) row
	// changes no lookup; the other order would duplicate spans.
	if err := e.insert(ctx, rows.traceIDs); err != nil {
		return err
	}
	return e.insert(ctx, rows.spans)
}

func (e *chExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	rows := e.logs.Get()
	defer e.logs.Put(rows)
	rows.appendLogs(ld, e.cfg.TenantAttribute)
	return e.insert(ctx, rows.batch)
}

func (e *chExporter) pushMetrics(ctx context.Context, md pmetric.Metrics) error {
	rows := e.metrics.Get()
	defer e.metrics.Put(rows)
	rows.appendMetrics(md, e.cfg.TenantAttribute)
	var rejected []error
	for i, b := range rows.batches() {
		err := e.insert(ctx, b)
		switch {
		case err == nil:
		case consumererror.IsPermanent(err):
			// Rows this table will never take do not hold back the others.
			rejected = append(rejected, err)
		default:
			// The tables before this one have their rows: the retry gets
			// only the metric types not yet stored, so nothing is stored twice.
			return consumererror.NewMetrics(err, metricsOfTypes(md, metricTypeOrder[i:]))
		}
	}
	return errors.Join(rejected...)
}

// insert writes one batch; an error the store will never accept (the rows
// do not fit the table) is permanent so the queue does not retry it forever.
func (e *chExporter) insert(ctx context.Context, b *store.Batch) error {
	n, err := b.Rows()
	if err != nil {
		return consumererror.NewPermanent(err)
	}
	if n == 0 {
		return nil
	}
	// The store's errors name the table already.
	err = e.store.Insert(ctx, b)
	if err != nil && permanentStoreError(err) {
		return consumererror.NewPermanent(err)
	}
	return err
}

// permanentStoreError tells errors in the data (retrying the same rows
// cannot help) from everything else. A missing table or column is not
// among them: on a cluster it is a replica not yet migrated, or a table an
// operator will put back, and the queue must keep what it acknowledged
// until then.
func permanentStoreError(err error) bool {
	code, ok := store.ErrorCode(err)
	if !ok {
		return false
	}
	switch code {
	case 6, // CANNOT_PARSE_TEXT
		27,  // CANNOT_PARSE_INPUT_ASSERTION_FAILED
		38,  // CANNOT_PARSE_DATE
		41,  // CANNOT_PARSE_DATETIME
		53,  // TYPE_MISMATCH
		70,  // CANNOT_CONVERT_TYPE
		72,  // CANNOT_PARSE_NUMBER
		117: // INCORRECT_DATA
		return true
	}
	return false
}

// refuseWhenFull turns the sending queue's "full" into the answer OTLP
// clients retry after a pause: gRPC UNAVAILABLE with RetryInfo, which the
// OTLP receiver sends over HTTP as 503 with Retry-After.
func refuseWhenFull(err error, retryAfter time.Duration) error {
	if !errors.Is(err, exporterhelper.ErrQueueIsFull) {
		return err
	}
	return retryinfo.Error(codes.Unavailable, "the sending queue to the store is full; retry later", retryAfter)
}

// queueStatus reports the sending queue refusing data as the exporter's
// component status: a recoverable error wrapping
// exporterhelper.ErrQueueIsFull at the first refusal and again at most every
// refusalReportEvery while refusals go on, and OK at the next request the
// queue takes. The health extension watches these events. It also forgets a
// refusal that is not repeated: with no traffic (a balancer stopped sending
// because slopipe was not ready) no request would ever show that the queue
// drained. Only changes and the periodic reminder are reported, so the hot
// path costs one atomic load.
type queueStatus struct {
	host component.Host
	full atomic.Bool
	// lastReport is when the last refusal was reported, in Unix nanoseconds.
	lastReport atomic.Int64
	// mu orders the reports as the changes they describe: a refusal and an
	// acceptance racing each other must not leave the last word to the stale one.
	mu sync.Mutex
	// now is the clock of the periodic reminder; nil is time.Now. Tests
	// set it before start.
	now func() time.Time
}

// refusalReportEvery is how often refusals of a full queue are reported
// again; the health extension's queue_full_expiry must be longer.
const refusalReportEvery = time.Second

func (q *queueStatus) start(host component.Host) {
	q.host = host
	if q.now == nil {
		q.now = time.Now
	}
}

// observe takes what the queue answered to one request and passes it on.
func (q *queueStatus) observe(err error) error {
	switch {
	case errors.Is(err, exporterhelper.ErrQueueIsFull):
		q.mu.Lock()
		if now := q.now().UnixNano(); !q.full.Load() || now-q.lastReport.Load() >= int64(refusalReportEvery) {
			q.full.Store(true)
			q.lastReport.Store(now)
			componentstatus.ReportStatus(q.host, componentstatus.NewRecoverableErrorEvent(err))
		}
		q.mu.Unlock()
	case err == nil && q.full.Load():
		q.mu.Lock()
		if q.full.Load() {
			q.full.Store(false)
			componentstatus.ReportStatus(q.host, componentstatus.NewEvent(componentstatus.StatusOK))
		}
		q.mu.Unlock()
	}
	return err
}

type tracesRefusingWhenFull struct {
	exporter.Traces
	retryAfter time.Duration
	queue      queueStatus
}

func (e *tracesRefusingWhenFull) Start(ctx context.Context, host component.Host) error {
	e.queue.start(host)
	return e.Traces.Start(ctx, host)
}

func (e *tracesRefusingWhenFull) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	return refuseWhenFull(e.queue.observe(e.Traces.ConsumeTraces(ctx, td)), e.retryAfter)
}

type metricsRefusingWhenFull struct {
	exporter.Metrics
	retryAfter time.Duration
	queue      queueStatus
}

func (e *metricsRefusingWhenFull) Start(ctx context.Context, host component.Host) error {
	e.queue.start(host)
	return e.Metrics.Start(ctx, host)
}

func (e *metricsRefusingWhenFull) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	return refuseWhenFull(e.queue.observe(e.Metrics.ConsumeMetrics(ctx, md)), e.retryAfter)
}

type logsRefusingWhenFull struct {
	exporter.Logs
	retryAfter time.Duration
	queue      queueStatus
}

func (e *logsRefusingWhenFull) Start(ctx context.Context, host component.Host) error {
	e.queue.start(host)
	return e.Logs.Start(ctx, host)
}

func (e *logsRefusingWhenFull) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	return refuseWhenFull(e.queue.observe(e.Logs.ConsumeLogs(ctx, ld)), e.retryAfter)
}
