package storeextension

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/slopipe/slopipe/store"
)

// checkStoreMetrics inserts, queries and fails through st, the store the
// extension hands out, and checks what its metrics recorded. Called by
// TestStartOpensTheStoreAndServesItsHTTPInterface: the engine is one per
// process, so the tests of the real store share its start.
func checkStoreMetrics(t *testing.T, st store.Store, reader *sdkmetric.ManualReader) {
	t.Helper()
	ctx := context.Background()
	if _, ok := store.Underlying(st).(*store.Embedded); !ok {
		t.Fatalf("store.Underlying of the handed-out store is %T, want *store.Embedded", store.Underlying(st))
	}
	if err := st.Exec(ctx, "CREATE TABLE "+store.QuoteIdent(st.Database())+".metrics_test (Name String, N UInt64) ENGINE = MergeTree ORDER BY Name", nil); err != nil {
		t.Fatal(err)
	}
	names, ns := store.NewStrings("Name"), store.NewUInt64s("N")
	names.Append("a", "b", "c")
	ns.Append(1, 2, 3)
	if err := st.Insert(ctx, store.NewBatch("metrics_test", names, ns)); err != nil {
		t.Fatal(err)
	}
	if err := st.Insert(ctx, store.NewBatch("metrics_test", names, ns)); err != nil {
		t.Fatal(err)
	}
	if err := st.Insert(ctx, store.NewBatch("no_such_table", names, ns)); err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	if _, err := st.Query(ctx, "SELECT no_such_column FROM metrics_test", nil); err == nil {
		t.Fatal("query of a missing column succeeded")
	}
	if err := st.Exec(ctx, "DROP TABLE no_such_table", nil); err == nil {
		t.Fatal("dropping a missing table succeeded")
	}
	rows, err := st.Query(ctx, "SELECT count() FROM metrics_test", nil)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()

	m := collect(t, reader)
	if got := sumOf(t, m, "slopipe_store_inserted_rows", map[string]string{"table": "metrics_test"}); got != 6 {
		t.Errorf("slopipe_store_inserted_rows{table=metrics_test} = %d, want 6", got)
	}
	if got := sumOf(t, m, "slopipe_store_inserted_rows", map[string]string{"table": "no_such_table"}); got != 0 {
		t.Errorf("slopipe_store_inserted_rows counts a failed insert: %d", got)
	}
	if got := countOf(t, m, "slopipe_store_insert_duration_seconds", map[string]string{"table": "metrics_test", "outcome": "ok"}); got != 2 {
		t.Errorf("slopipe_store_insert_duration_seconds{table=metrics_test,outcome=ok} count = %d, want 2", got)
	}
	if got := countOf(t, m, "slopipe_store_insert_duration_seconds", map[string]string{"table": "no_such_table", "outcome": "error"}); got != 1 {
		t.Errorf("slopipe_store_insert_duration_seconds{table=no_such_table,outcome=error} count = %d, want 1", got)
	}
	if got := sumOf(t, m, "slopipe_store_query_errors", map[string]string{"kind": "query"}); got != 1 {
		t.Errorf("slopipe_store_query_errors{kind=query} = %d, want 1", got)
	}
	if got := sumOf(t, m, "slopipe_store_query_errors", map[string]string{"kind": "exec"}); got != 1 {
		t.Errorf("slopipe_store_query_errors{kind=exec} = %d, want 1", got)
	}
}

// A decorator of the instrumented store (or the instrumented store of a
// decorator) still reaches the backend through store.Underlying.
func TestUnderlyingFollowsEveryUnwrap(t *testing.T) {
	base := &fakeStore{}
	in, err := instrument(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := store.Underlying(in); got != base {
		t.Errorf("Underlying(instrumented) = %v, want the store", got)
	}
	outer, err := instrument(wrapper{in}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := store.Underlying(outer); got != base {
		t.Errorf("Underlying through two decorators = %v, want the store", got)
	}
	if got := store.Underlying(base); got != base {
		t.Errorf("Underlying(store) = %v, want the store itself", got)
	}
}

func TestInstrumentedStoreCountsFailures(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	in, err := instrument(&fakeStore{err: errors.New("down")}, sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	names := store.NewStrings("Name")
	names.Append("a")
	if err := in.Insert(ctx, store.NewBatch("t", names)); err == nil {
		t.Fatal("no error from a failing store")
	}
	in.Query(ctx, "SELECT 1", nil)
	in.Query(ctx, "SELECT 1", nil)
	in.Exec(ctx, "SELECT 1", nil)
	m := collect(t, reader)
	if got := countOf(t, m, "slopipe_store_insert_duration_seconds", map[string]string{"table": "t", "outcome": "error"}); got != 1 {
		t.Errorf("insert duration count{outcome=error} = %d, want 1", got)
	}
	if got := sumOf(t, m, "slopipe_store_inserted_rows", nil); got != 0 {
		t.Errorf("inserted rows = %d after a failed insert, want 0", got)
	}
	if q, e := sumOf(t, m, "slopipe_store_query_errors", map[string]string{"kind": "query"}),
		sumOf(t, m, "slopipe_store_query_errors", map[string]string{"kind": "exec"}); q != 2 || e != 1 {
		t.Errorf("query errors: query %d, exec %d; want 2 and 1", q, e)
	}
}

type fakeStore struct {
	store.Store // nil: only the methods below are called
	err         error
}

func (f *fakeStore) Insert(context.Context, *store.Batch) error { return f.err }
func (f *fakeStore) Exec(context.Context, string, store.Params) error {
	return f.err
}
func (f *fakeStore) Query(context.Context, string, store.Params) (store.Rows, error) {
	return nil, f.err
}

// wrapper is some other decorator.
type wrapper struct{ store.Store }

func (w wrapper) Unwrap() store.Store { return w.Store }

func collect(t *testing.T, reader *sdkmetric.ManualReader) []metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var all []metricdata.Metrics
	for _, sm := range rm.ScopeMetrics {
		all = append(all, sm.Metrics...)
	}
	return all
}

func matches(attrs attribute.Set, want map[string]string) bool {
	for k, v := range want {
		got, ok := attrs.Value(attribute.Key(k))
		if !ok || got.AsString() != v {
			return false
		}
	}
	return true
}

// sumOf sums an int64 counter's points whose attributes include want.
func sumOf(t *testing.T, ms []metricdata.Metrics, name string, want map[string]string) int64 {
	t.Helper()
	var sum int64
	for _, m := range ms {
		if m.Name != name {
			continue
		}
		data, ok := m.Data.(metricdata.Sum[int64])
		if !ok {
			t.Fatalf("%s is %T, want an int64 sum", name, m.Data)
		}
		for _, dp := range data.DataPoints {
			if matches(dp.Attributes, want) {
				sum += dp.Value
			}
		}
	}
	return sum
}

// countOf counts a float64 histogram's observations whose attributes
// include want, checking each point's buckets add up.
func countOf(t *testing.T, ms []metricdata.Metrics, name string, want map[string]string) uint64 {
	t.Helper()
	var n uint64
	for _, m := range ms {
		if m.Name != name {
			continue
		}
		if m.Unit != "s" {
			t.Errorf("%s has unit %q, want s", name, m.Unit)
		}
		data, ok := m.Data.(metricdata.Histogram[float64])
		if !ok {
			t.Fatalf("%s is %T, want a float64 histogram", name, m.Data)
		}
		for _, dp := range data.DataPoints {
			if !matches(dp.Attributes, want) {
				continue
			}
			var inBuckets uint64
			for _, c := range dp.BucketCounts {
				inBuckets += c
			}
			if inBuckets != dp.Count || len(dp.Bounds) != len(insertBuckets) {
				t.Errorf("%s: %d bounds, buckets hold %d of %d", name, len(dp.Bounds), inBuckets, dp.Count)
			}
			n += dp.Count
		}
	}
	return n
}
