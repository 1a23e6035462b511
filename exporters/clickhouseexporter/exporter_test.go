package clickhouseexporter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/testdata"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
)

// One engine per process: every test shares the store TestMain opens and
// keeps its rows apart by tenant.
var testStore store.Store

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slopipe-exporter-test")
	if err != nil {
		panic(err)
	}
	testStore, err = store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "exporter tests need the embedded engine:", err)
		os.Exit(1)
	}
	code := m.Run()
	testStore.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// synchronousConfig has no sending queue, so Consume returns once the rows
// are in the store.
func synchronousConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.BackOffConfig.Enabled = false
	return cfg
}

func setTenant(resources int, at func(int) pcommon.Resource, tenant string) {
	for i := range resources {
		at(i).Attributes().PutStr("tenant.id", tenant)
	}
}

func queryRow(t *testing.T, sql string, params store.Params, dest ...any) {
	t.Helper()
	rows, err := testStore.Query(context.Background(), sql, params)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("%s: no row (%v)", sql, rows.Err())
	}
	if err := rows.Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func count(t *testing.T, table, tenant string) uint64 {
	t.Helper()
	var n uint64
	queryRow(t, "SELECT count() FROM "+store.QuoteIdent(table)+" WHERE TenantId = {tenant:String}",
		store.Params{"tenant": tenant}, &n)
	return n
}

func TestTracesLandInContribColumns(t *testing.T) {
	ctx := context.Background()
	exp, err := NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(Type), synchronousConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(ctx, storeextensiontest.NewHost(testStore)); err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx)

	td := testdata.GenerateTraces(3)
	setTenant(td.ResourceSpans().Len(), func(i int) pcommon.Resource { return td.ResourceSpans().At(i).Resource() }, "traces-acme")
	span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	span.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	span.SetSpanID(pcommon.SpanID{0xa, 0xb, 0xc, 0xd, 1, 2, 3, 4})
	span.SetKind(ptrace.SpanKindServer)
	span.Status().SetCode(ptrace.StatusCodeError)
	span.Attributes().PutStr("http.route", "/checkout")
	span.Attributes().PutInt("http.status_code", 503)
	td.ResourceSpans().At(0).Resource().Attributes().PutStr("service.name", "checkout")
	if err := exp.ConsumeTraces(ctx, td); err != nil {
		t.Fatal(err)
	}

	if n := count(t, "otel_traces", "traces-acme"); n != 3 {
		t.Fatalf("otel_traces has %d rows for the tenant, want 3", n)
	}
	var (
		spanID, kind, statusCode, service, route, code string
		events                                         uint64
		duration                                       uint64
	)
	queryRow(t, `SELECT SpanId, SpanKind, StatusCode, ServiceName, SpanAttributes['http.route'],
			SpanAttributes['http.status_code'], length(Events.Name), Duration
		FROM otel_traces WHERE TenantId = 'traces-acme' AND TraceId = '0102030405060708090a0b0c0d0e0f10'`, nil,
		&spanID, &kind, &statusCode, &service, &route, &code, &events, &duration)
	want := []string{"0a0b0c0d01020304", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR", "checkout", "/checkout", "503"}
	for i, got := range []string{spanID, kind, statusCode, service, route, code} {
		if got != want[i] {
			t.Errorf("column %d = %q, want %q", i, got, want[i])
		}
	}
	if wantEvents := uint64(span.Events().Len()); events != wantEvents {
		t.Errorf("Events has %d entries, want %d", events, wantEvents)
	}
	if wantDuration := uint64(span.EndTimestamp() - span.StartTimestamp()); duration != wantDuration {
		t.Errorf("Duration = %d, want %d", duration, wantDuration)
	}

	// The trace-id index has one row per trace with its time bounds.
	var traces uint64
	queryRow(t, `SELECT uniqExact(TraceId) FROM otel_traces WHERE TenantId = 'traces-acme' AND TraceId != ''`, nil, &traces)
	if n := count(t, "otel_traces_trace_id_ts", "traces-acme"); n != traces {
		t.Errorf("otel_traces_trace_id_ts has %d rows, want one per trace (%d)", n, traces)
	}
	var start, end uint64
	queryRow(t, `SELECT toUnixTimestamp(Start), toUnixTimestamp(End) FROM otel_traces_trace_id_ts
		WHERE TenantId = 'traces-acme' AND TraceId = '0102030405060708090a0b0c0d0e0f10'`, nil, &start, &end)
	if start != uint64(span.StartTimestamp().AsTime().Unix()) || end != uint64(span.EndTimestamp().AsTime().Unix()) {
		t.Errorf("trace bounds [%d, %d], want [%d, %d]", start, end, span.StartTimestamp().AsTime().Unix(), span.EndTimestamp().AsTime().Unix())
	}
}

func TestLogsLandInContribColumns(t *testing.T) {
	ctx := context.Background()
	exp, err := NewFactory().CreateLogs(ctx, exportertest.NewNopSettings(Type), synchronousConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(ctx, storeextensiontest.NewHost(testStore)); err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx)

	ld := testdata.GenerateLogs(5)
	setTenant(ld.ResourceLogs().Len(), func(i int) pcommon.Resource { return ld.ResourceLogs().At(i).Resource() }, "logs-acme")
	rec := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	rec.Body().SetStr("payment declined")
	rec.SetSeverityNumber(plog.SeverityNumberError)
	rec.SetTimestamp(0)
	rec.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.UTC)))
	if err := exp.ConsumeLogs(ctx, ld); err != nil {
		t.Fatal(err)
	}
	if n := count(t, "otel_logs", "logs-acme"); n != 5 {
		t.Fatalf("otel_logs has %d rows for the tenant, want 5", n)
	}
	var (
		severity uint8
		ts       string
	)
	queryRow(t, `SELECT SeverityNumber, toString(Timestamp) FROM otel_logs WHERE TenantId = 'logs-acme' AND Body = 'payment declined'`,
		nil, &severity, &ts)
	if severity != uint8(plog.SeverityNumberError) || ts != "2026-11-23 10:00:00.123456789" {
		t.Errorf("got severity %d at %s; want %d at the observed time 2026-11-23 10:00:00.123456789", severity, ts, plog.SeverityNumberError)
	}
}

func TestMetricsOfEveryTypeLandInTheirTables(t *testing.T) {
	ctx := context.Background()
	exp, err := NewFactory().CreateMetrics(ctx, exportertest.NewNopSettings(Type), synchronousConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(ctx, storeextensiontest.NewHost(testStore)); err != nil {
		t.Fatal(err)
	}
	defer exp.Shutdown(ctx)

	md := testdata.GenerateMetricsAllTypes()
	setTenant(md.ResourceMetrics().Len(), func(i int) pcommon.Resource { return md.ResourceMetrics().At(i).Resource() }, "metrics-acme")
	wantRows := rowsPerTable(md)
	if len(wantRows) != 5 {
		t.Fatalf("test data covers %d metric types, want all 5", len(wantRows))
	}
	if err := exp.ConsumeMetrics(ctx, md); err != nil {
		t.Fatal(err)
	}
	for table, want := range wantRows {
		if n := count(t, table, "metrics-acme"); n != want {
			t.Errorf("%s has %d rows for the tenant, want %d", table, n, want)
		}
	}

	h := findMetric(md, pmetric.MetricTypeHistogram).Histogram().DataPoints().At(0)
	var buckets, bounds string
	queryRow(t, `SELECT toString(BucketCounts), toString(ExplicitBounds) FROM otel_metrics_histogram
		WHERE TenantId = 'metrics-acme' AND Count = {count:UInt64} LIMIT 1`, store.Params{"count": store.Param(h.Count())}, &buckets, &bounds)
	if want := arrayText(h.BucketCounts().AsRaw()); buckets != want {
		t.Errorf("BucketCounts = %s, want %s", buckets, want)
	}
	if want := arrayText(h.ExplicitBounds().AsRaw()); bounds != want {
		t.Errorf("ExplicitBounds = %s, want %s", bounds, want)
	}
	var monotonic bool
	var temporality int32
	queryRow(t, `SELECT IsMonotonic, AggregationTemporality FROM otel_metrics_sum WHERE TenantId = 'metrics-acme' LIMIT 1`, nil, &monotonic, &temporality)
	sum := findMetric(md, pmetric.MetricTypeSum).Sum()
	if monotonic != sum.IsMonotonic() || temporality != int32(sum.AggregationTemporality()) {
		t.Errorf("sum stored as monotonic=%v temporality=%d, want %v %d", monotonic, temporality, sum.IsMonotonic(), sum.AggregationTemporality())
	}
}

// rowsPerTable is how many rows each metrics table should get for md.
func rowsPerTable(md pmetric.Metrics) map[string]uint64 {
	rows := map[string]uint64{}
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				table := map[pmetric.MetricType]string{
					pmetric.MetricTypeGauge:                "otel_metrics_gauge",
					pmetric.MetricTypeSum:                  "otel_metrics_sum",
					pmetric.MetricTypeHistogram:            "otel_metrics_histogram",
					pmetric.MetricTypeExponentialHistogram: "otel_metrics_exponential_histogram",
					pmetric.MetricTypeSummary:              "otel_metrics_summary",
				}[m.Type()]
				rows[table] += uint64(dataPointCount(m))
			}
		}
	}
	return rows
}

func dataPointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}

func findMetric(md pmetric.Metrics, typ pmetric.MetricType) pmetric.Metric {
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if m.Type() == typ {
					return m
				}
			}
		}
	}
	panic("no metric of type " + typ.String())
}

func arrayText[T any](v []T) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestFullQueueRefusesWithRetryInfo(t *testing.T) {
	err := refuseWhenFull(fmt.Errorf("enqueue: %w", exporterhelper.ErrQueueIsFull), 5*time.Second)
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.Unavailable {
		t.Fatalf("got %v, want gRPC UNAVAILABLE", err)
	}
	var delay time.Duration
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			delay = ri.GetRetryDelay().AsDuration()
		}
	}
	if delay != 5*time.Second {
		t.Errorf("RetryInfo delay = %v, want 5s", delay)
	}
	other := errors.New("boom")
	if refuseWhenFull(other, time.Second) != other {
		t.Error("errors other than a full queue must pass through unchanged")
	}
}

func TestRowsThatCannotFitTheTableAreNotRetried(t *testing.T) {
	e := &chExporter{store: testStore}
	bad := store.NewBatch("otel_logs", store.NewStrings("Timestamp"))
	bad.Columns[0].(*store.Strings).Append("not a time")
	err := e.insert(context.Background(), bad)
	if err == nil || !consumererror.IsPermanent(err) {
		t.Fatalf("insert of text into a DateTime64 column: got %v, want a permanent error", err)
	}
	// A missing column or table may be a replica not migrated yet: retried.
	missing := store.NewBatch("otel_logs", store.NewStrings("NoSuchColumn"))
	missing.Columns[0].(*store.Strings).Append("x")
	if err := e.insert(context.Background(), missing); err == nil || consumererror.IsPermanent(err) {
		t.Fatalf("insert into a missing column: got %v, want a retryable error", err)
	}
}

// flakyStore fails the first insert into one table, as a store outage in
// the middle of a request would.
type flakyStore struct {
	store.Store
	failTable string
	failed    bool
}

func (f *flakyStore) Insert(ctx context.Context, b *store.Batch) error {
	if b.Table == f.failTable && !f.failed {
		f.failed = true
		return errors.New("connection reset by peer")
	}
	return f.Store.Insert(ctx, b)
}

// A request that fails half-way is retried for what is not stored yet, so
// no row is stored twice.
func TestRetryAfterAPartialFailureStoresEachRowOnce(t *testing.T) {
	ctx := context.Background()
	cfg := synchronousConfig()
	cfg.BackOffConfig.Enabled = true
	cfg.BackOffConfig.InitialInterval = 10 * time.Millisecond

	for _, tc := range []struct{ table, tenant string }{
		{"otel_metrics_histogram", "retry-metrics"},
		{"otel_traces", "retry-traces"},
	} {
		flaky := &flakyStore{Store: testStore, failTable: tc.table}
		if strings.HasPrefix(tc.table, "otel_metrics") {
			exp, err := NewFactory().CreateMetrics(ctx, exportertest.NewNopSettings(Type), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := exp.Start(ctx, storeextensiontest.NewHost(flaky)); err != nil {
				t.Fatal(err)
			}
			md := testdata.GenerateMetricsAllTypes()
			setTenant(md.ResourceMetrics().Len(), func(i int) pcommon.Resource { return md.ResourceMetrics().At(i).Resource() }, tc.tenant)
			if err := exp.ConsumeMetrics(ctx, md); err != nil {
				t.Fatal(err)
			}
			exp.Shutdown(ctx)
			for table, want := range rowsPerTable(md) {
				if n := count(t, table, tc.tenant); n != want {
					t.Errorf("%s: %d rows after a retry, want %d", table, n, want)
				}
			}
		} else {
			exp, err := NewFactory().CreateTraces(ctx, exportertest.NewNopSettings(Type), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := exp.Start(ctx, storeextensiontest.NewHost(flaky)); err != nil {
				t.Fatal(err)
			}
			td := testdata.GenerateTraces(4)
			setTenant(td.ResourceSpans().Len(), func(i int) pcommon.Resource { return td.ResourceSpans().At(i).Resource() }, tc.tenant)
			if err := exp.ConsumeTraces(ctx, td); err != nil {
				t.Fatal(err)
			}
			exp.Shutdown(ctx)
			if n := count(t, "otel_traces", tc.tenant); n != 4 {
				t.Errorf("otel_traces: %d rows after a retry, want 4", n)
			}
		}
		if !flaky.failed {
			t.Errorf("%s: the injected failure never happened", tc.table)
		}
	}
}
