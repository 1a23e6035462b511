package storeextension

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/slopipe/slopipe/store"
)

const scopeName = "github.com/slopipe/slopipe/store/storeextension"

// insertBuckets span 1 ms to 60 s, in seconds: a small embedded insert
// takes about a millisecond, a server insert against a slow cluster up to
// the client's timeout.
var insertBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// instrumented is the open store as every component gets it: the store
// plus slopipe's own metrics of it. Names have no dots, so the collector's
// Prometheus endpoint shows them as written (plus _total, or _bucket, _sum
// and _count).
type instrumented struct {
	store.Store
	insertDuration metric.Float64Histogram
	insertedRows   metric.Int64Counter
	queryErrors    metric.Int64Counter

	// Attribute sets of the fixed label values, built once.
	queryKind, execKind metric.MeasurementOption
}

func instrument(st store.Store, mp metric.MeterProvider) (*instrumented, error) {
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	m := mp.Meter(scopeName)
	in := &instrumented{
		Store:     st,
		queryKind: metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "query"))),
		execKind:  metric.WithAttributeSet(attribute.NewSet(attribute.String("kind", "exec"))),
	}
	var errs [3]error
	in.insertDuration, errs[0] = m.Float64Histogram("slopipe_store_insert_duration_seconds",
		metric.WithDescription("How long inserts into the store took, by table and outcome (ok or error)."),
		metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(insertBuckets...))
	in.insertedRows, errs[1] = m.Int64Counter("slopipe_store_inserted_rows",
		metric.WithDescription("Rows of successful inserts into the store, by table."),
		metric.WithUnit("{row}"))
	in.queryErrors, errs[2] = m.Int64Counter("slopipe_store_query_errors",
		metric.WithDescription("Queries (kind query) and statements (kind exec) the store returned an error for."),
		metric.WithUnit("{query}"))
	return in, errors.Join(errs[:]...)
}

// Unwrap is the store itself, for code that needs its backend's type:
// see store.Underlying.
func (in *instrumented) Unwrap() store.Store { return in.Store }

func (in *instrumented) Insert(ctx context.Context, b *store.Batch) error {
	rows, _ := b.Rows() // the store reports disagreeing columns itself
	started := time.Now()
	err := in.Store.Insert(ctx, b)
	took := time.Since(started).Seconds()
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	in.insertDuration.Record(ctx, took, metric.WithAttributeSet(attribute.NewSet(
		attribute.String("table", b.Table), attribute.String("outcome", outcome))))
	if err == nil {
		in.insertedRows.Add(ctx, int64(rows), metric.WithAttributeSet(attribute.NewSet(attribute.String("table", b.Table))))
	}
	return err
}

func (in *instrumented) Query(ctx context.Context, sql string, params store.Params) (store.Rows, error) {
	rows, err := in.Store.Query(ctx, sql, params)
	if err != nil {
		in.queryErrors.Add(ctx, 1, in.queryKind)
	}
	return rows, err
}

func (in *instrumented) Exec(ctx context.Context, sql string, params store.Params) error {
	err := in.Store.Exec(ctx, sql, params)
	if err != nil {
		in.queryErrors.Add(ctx, 1, in.execKind)
	}
	return err
}
