package prometheusremotewritereceiver

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// wantType is a metric's expected type; monotonic only matters for sums.
type wantType struct {
	typ  pmetric.MetricType
	desc string
	unit string
}

var (
	gauge = wantType{typ: pmetric.MetricTypeGauge}
	sum   = wantType{typ: pmetric.MetricTypeSum}
)

func TestConvertTypes(t *testing.T) {
	const ts = 1_700_000_000_000
	job := func(kv ...string) []prompb.Label {
		return labels(append([]string{"job", "api", "instance", "host:9090"}, kv...)...)
	}
	tests := []struct {
		name string
		req  prompb.WriteRequest
		want map[string]wantType
	}{
		{
			name: "counter by suffix",
			req: prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
				{Labels: job("__name__", "http_requests_total", "code", "200"), Samples: sample(12, ts)},
			}},
			want: map[string]wantType{"http_requests_total": sum},
		},
		{
			name: "counter by metadata, text-format family name",
			req: prompb.WriteRequest{
				Timeseries: []prompb.TimeSeries{{Labels: job("__name__", "requests"), Samples: sample(3, ts)}},
				Metadata: []prompb.MetricMetadata{{
					Type: prompb.MetricMetadata_COUNTER, MetricFamilyName: "requests", Help: "Requests served.", Unit: "requests",
				}},
			},
			want: map[string]wantType{"requests": {typ: pmetric.MetricTypeSum, desc: "Requests served.", unit: "requests"}},
		},
		{
			name: "counter by metadata, OpenMetrics family name",
			req: prompb.WriteRequest{
				Timeseries: []prompb.TimeSeries{{Labels: job("__name__", "jobs_total"), Samples: sample(3, ts)}},
				Metadata:   []prompb.MetricMetadata{{Type: prompb.MetricMetadata_COUNTER, MetricFamilyName: "jobs", Help: "Jobs."}},
			},
			want: map[string]wantType{"jobs_total": {typ: pmetric.MetricTypeSum, desc: "Jobs."}},
		},
		{
			name: "gauge without metadata",
			req: prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
				{Labels: job("__name__", "temperature_celsius"), Samples: sample(21.5, ts)},
			}},
			want: map[string]wantType{"temperature_celsius": gauge},
		},
		{
			name: "metadata wins over the _total suffix",
			req: prompb.WriteRequest{
				Timeseries: []prompb.TimeSeries{{Labels: job("__name__", "odd_total"), Samples: sample(1, ts)}},
				Metadata:   []prompb.MetricMetadata{{Type: prompb.MetricMetadata_GAUGE, MetricFamilyName: "odd_total", Help: "A gauge."}},
			},
			want: map[string]wantType{"odd_total": {typ: pmetric.MetricTypeGauge, desc: "A gauge."}},
		},
		{
			name: "unknown metadata is a gauge",
			req: prompb.WriteRequest{
				Timeseries: []prompb.TimeSeries{{Labels: job("__name__", "untyped_total"), Samples: sample(1, ts)}},
				Metadata:   []prompb.MetricMetadata{{Type: prompb.MetricMetadata_UNKNOWN, MetricFamilyName: "untyped_total"}},
			},
			want: map[string]wantType{"untyped_total": gauge},
		},
		{
			name: "classic histogram without metadata",
			req: prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
				{Labels: job("__name__", "latency_seconds_bucket", "le", "0.1"), Samples: sample(4, ts)},
				{Labels: job("__name__", "latency_seconds_bucket", "le", "+Inf"), Samples: sample(5, ts)},
				{Labels: job("__name__", "latency_seconds_sum"), Samples: sample(0.4, ts)},
				{Labels: job("__name__", "latency_seconds_count"), Samples: sample(5, ts)},
			}},
			want: map[string]wantType{
				"latency_seconds_bucket": gauge,
				"latency_seconds_sum":    gauge,
				"latency_seconds_count":  gauge,
			},
		},
		{
			name: "classic histogram with metadata",
			req: prompb.WriteRequest{
				Timeseries: []prompb.TimeSeries{
					{Labels: job("__name__", "latency_seconds_bucket", "le", "0.1"), Samples: sample(4, ts)},
					{Labels: job("__name__", "latency_seconds_bucket", "le", "+Inf"), Samples: sample(5, ts)},
					{Labels: job("__name__", "latency_seconds_sum"), Samples: sample(0.4, ts)},
					{Labels: job("__name__", "latency_seconds_count"), Samples: sample(5, ts)},
				},
				Metadata: []prompb.MetricMetadata{{
					Type: prompb.MetricMetadata_HISTOGRAM, MetricFamilyName: "latency_seconds", Help: "Latency.", Unit: "seconds",
				}},
			},
			want: map[string]wantType{
				"latency_seconds_bucket": {typ: pmetric.MetricTypeSum, desc: "Latency.", unit: "seconds"},
				"latency_seconds_sum":    {typ: pmetric.MetricTypeSum, desc: "Latency.", unit: "seconds"},
				"latency_seconds_count":  {typ: pmetric.MetricTypeSum, desc: "Latency.", unit: "seconds"},
			},
		},
		{
			name: "summary with metadata",
			req: prompb.WriteRequest{
				Timeseries: []prompb.TimeSeries{
					{Labels: job("__name__", "rpc_seconds", "quantile", "0.5"), Samples: sample(0.02, ts)},
					{Labels: job("__name__", "rpc_seconds", "quantile", "0.99"), Samples: sample(0.3, ts)},
					{Labels: job("__name__", "rpc_seconds_sum"), Samples: sample(12, ts)},
					{Labels: job("__name__", "rpc_seconds_count"), Samples: sample(400, ts)},
				},
				Metadata: []prompb.MetricMetadata{{Type: prompb.MetricMetadata_SUMMARY, MetricFamilyName: "rpc_seconds"}},
			},
			want: map[string]wantType{
				"rpc_seconds":       gauge,
				"rpc_seconds_sum":   sum,
				"rpc_seconds_count": sum,
			},
		},
		{
			name: "metadata for other families leaves the suffix rule",
			req: prompb.WriteRequest{
				Timeseries: []prompb.TimeSeries{
					{Labels: job("__name__", "a_total"), Samples: sample(1, ts)},
					{Labels: job("__name__", "b"), Samples: sample(1, ts)},
				},
				Metadata: []prompb.MetricMetadata{{Type: prompb.MetricMetadata_GAUGE, MetricFamilyName: "c"}},
			},
			want: map[string]wantType{"a_total": sum, "b": gauge},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md, stats, err := convertV1(&tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if stats.samples != len(tt.req.Timeseries) {
				t.Errorf("samples = %d, want %d", stats.samples, len(tt.req.Timeseries))
			}
			if md.MetricCount() != len(tt.want) {
				t.Errorf("metric count = %d, want %d", md.MetricCount(), len(tt.want))
			}
			for name, want := range tt.want {
				checkMetric(t, onlyMetric(t, md, name), want)
			}
		})
	}
}

func checkMetric(t *testing.T, m pmetric.Metric, want wantType) {
	t.Helper()
	if m.Type() != want.typ {
		t.Fatalf("%s: type %v, want %v", m.Name(), m.Type(), want.typ)
	}
	if m.Description() != want.desc || m.Unit() != want.unit {
		t.Errorf("%s: description %q unit %q, want %q %q", m.Name(), m.Description(), m.Unit(), want.desc, want.unit)
	}
	if m.Type() == pmetric.MetricTypeSum {
		if !m.Sum().IsMonotonic() || m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
			t.Errorf("%s: sum is not a monotonic cumulative sum", m.Name())
		}
	}
}

func numberPoints(m pmetric.Metric) pmetric.NumberDataPointSlice {
	if m.Type() == pmetric.MetricTypeSum {
		return m.Sum().DataPoints()
	}
	return m.Gauge().DataPoints()
}

func TestConvertSampleValues(t *testing.T) {
	req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels: labels("__name__", "up", "job", "node", "instance", "a:9100"),
		Samples: []prompb.Sample{
			{Value: 1, Timestamp: 1_700_000_000_123},
			{Value: math.Float64frombits(value.StaleNaN), Timestamp: 1_700_000_015_000},
			{Value: math.NaN(), Timestamp: 1_700_000_030_000},
		},
	}}}
	md, _, err := convertV1(&req)
	if err != nil {
		t.Fatal(err)
	}
	dps := onlyMetric(t, md, "up").Gauge().DataPoints()
	if dps.Len() != 3 {
		t.Fatalf("points = %d, want 3", dps.Len())
	}
	first := dps.At(0)
	if first.Timestamp() != pcommon.Timestamp(1_700_000_000_123_000_000) || first.DoubleValue() != 1 {
		t.Errorf("first point %v %v", first.Timestamp(), first.DoubleValue())
	}
	if first.Flags().NoRecordedValue() {
		t.Error("first point flagged as no recorded value")
	}
	stale := dps.At(1)
	if !stale.Flags().NoRecordedValue() {
		t.Error("stale marker not flagged NoRecordedValue")
	}
	if !value.IsStaleNaN(stale.DoubleValue()) {
		t.Errorf("stale marker value %x, want the stale NaN kept", math.Float64bits(stale.DoubleValue()))
	}
	// An ordinary NaN is a value (a 0/0 in a recording rule), not staleness.
	if nan := dps.At(2); nan.Flags().NoRecordedValue() || !math.IsNaN(nan.DoubleValue()) {
		t.Error("plain NaN treated as stale")
	}
}

func TestConvertResourcesAndAttributes(t *testing.T) {
	const ts = 1_700_000_000_000
	req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
		{Labels: labels("__name__", "up", "job", "node", "instance", "a:9100", "zone", "eu"), Samples: sample(1, ts)},
		{Labels: labels("__name__", "up", "job", "node", "instance", "b:9100", "zone", "us"), Samples: sample(0, ts)},
		{Labels: labels("__name__", "load1", "job", "node", "instance", "a:9100", "empty", ""), Samples: sample(0.5, ts)},
		// Same name and type in the same resource: one Metric, two points.
		{Labels: labels("__name__", "up", "job", "node", "instance", "a:9100", "zone", "eu-2"), Samples: sample(1, ts)},
		{Labels: labels("__name__", "up", "job", "db", "instance", "a:9100"), Samples: sample(1, ts)},
		// No job or instance: a resource without service attributes.
		{Labels: labels("__name__", "up"), Samples: sample(1, ts)},
	}}
	md, stats, err := convertV1(&req)
	if err != nil {
		t.Fatal(err)
	}
	if got := md.ResourceMetrics().Len(); got != 4 {
		t.Fatalf("resources = %d, want 4", got)
	}
	if stats.samples != 6 || md.DataPointCount() != 6 {
		t.Fatalf("samples %d points %d, want 6", stats.samples, md.DataPointCount())
	}
	a := resourceFor(t, md, "node", "a:9100")
	if a.ScopeMetrics().Len() != 1 || a.ScopeMetrics().At(0).Scope().Name() != scopeName {
		t.Errorf("scope: %v", a.ScopeMetrics().At(0).Scope().Name())
	}
	ms := a.ScopeMetrics().At(0).Metrics()
	if ms.Len() != 2 {
		t.Fatalf("metrics in node/a = %d, want 2 (up, load1)", ms.Len())
	}
	up := ms.At(0)
	if up.Name() != "up" || up.Gauge().DataPoints().Len() != 2 {
		t.Fatalf("up in node/a: %s with %d points, want 2", up.Name(), up.Gauge().DataPoints().Len())
	}
	got := attrsOf(up.Gauge().DataPoints().At(0).Attributes())
	want := map[string]string{"job": "node", "instance": "a:9100", "zone": "eu"}
	if len(got) != len(want) {
		t.Errorf("attributes %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, got[k], v)
		}
	}
	if z := str(up.Gauge().DataPoints().At(1).Attributes(), "zone"); z != "eu-2" {
		t.Errorf("second point zone %q", z)
	}
	load := ms.At(1).Gauge().DataPoints().At(0).Attributes()
	if _, ok := load.Get("empty"); ok {
		t.Error("empty label kept as an attribute")
	}
	if _, ok := load.Get("__name__"); ok {
		t.Error("__name__ kept as an attribute")
	}
	bare := resourceFor(t, md, "", "")
	if bare.Resource().Attributes().Len() != 0 {
		t.Errorf("resource of a series without job/instance has attributes %v", attrsOf(bare.Resource().Attributes()))
	}
}

func TestConvertSeriesAttributesCopied(t *testing.T) {
	req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:  labels("__name__", "x_total", "job", "j", "a", "1"),
		Samples: []prompb.Sample{{Value: 1, Timestamp: 1000}, {Value: 2, Timestamp: 2000}, {Value: 3, Timestamp: 3000}},
	}}}
	md, _, err := convertV1(&req)
	if err != nil {
		t.Fatal(err)
	}
	dps := onlyMetric(t, md, "x_total").Sum().DataPoints()
	for i := range dps.Len() {
		if a := attrsOf(dps.At(i).Attributes()); len(a) != 2 || a["a"] != "1" || a["job"] != "j" {
			t.Errorf("point %d attributes %v", i, a)
		}
		if dps.At(i).DoubleValue() != float64(i+1) {
			t.Errorf("point %d value %v", i, dps.At(i).DoubleValue())
		}
	}
}

func TestConvertExemplars(t *testing.T) {
	req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:  labels("__name__", "req_total", "job", "j"),
		Samples: []prompb.Sample{{Value: 1, Timestamp: 1000}, {Value: 2, Timestamp: 2000}},
		Exemplars: []prompb.Exemplar{{
			Labels:    labels("trace_id", "0102030405060708090a0b0c0d0e0f10", "span_id", "0102030405060708", "user", "u1"),
			Value:     0.5,
			Timestamp: 1500,
		}},
	}}}
	md, stats, err := convertV1(&req)
	if err != nil {
		t.Fatal(err)
	}
	if stats.exemplars != 1 {
		t.Fatalf("exemplars %d", stats.exemplars)
	}
	dps := onlyMetric(t, md, "req_total").Sum().DataPoints()
	if dps.At(0).Exemplars().Len() != 0 || dps.At(1).Exemplars().Len() != 1 {
		t.Fatal("exemplar not on the last point")
	}
	ex := dps.At(1).Exemplars().At(0)
	if ex.TraceID() != (pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}) || ex.SpanID() != (pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("trace %v span %v", ex.TraceID(), ex.SpanID())
	}
	if ex.DoubleValue() != 0.5 || ex.Timestamp() != pcommon.Timestamp(1500*nsPerMs) {
		t.Errorf("exemplar %v at %v", ex.DoubleValue(), ex.Timestamp())
	}
	if a := attrsOf(ex.FilteredAttributes()); len(a) != 1 || a["user"] != "u1" {
		t.Errorf("filtered attributes %v", a)
	}
}

func TestConvertV1Errors(t *testing.T) {
	tests := []struct {
		name string
		req  prompb.WriteRequest
		want string
	}{
		{
			name: "no name",
			req: prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
				{Labels: labels("__name__", "ok"), Samples: sample(1, 1)},
				{Labels: labels("job", "x"), Samples: sample(1, 1)},
			}},
			want: "series 1: no __name__ label",
		},
		{
			name: "empty name",
			req:  prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: labels("__name__", ""), Samples: sample(1, 1)}}},
			want: "series 0: no __name__ label",
		},
		{
			name: "negative timestamp",
			req:  prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: labels("__name__", "a"), Samples: sample(1, -1)}}},
			want: "series 0: sample timestamp -1 ms is out of range",
		},
		{
			name: "timestamp past 2262",
			req:  prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{Labels: labels("__name__", "a"), Samples: sample(1, math.MaxInt64)}}},
			want: "out of range",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := convertV1(&tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if re, ok := err.(*requestError); !ok || re.status != 400 {
				t.Errorf("error %T %v is not a 400", err, err)
			}
		})
	}
}

func TestConvertV2(t *testing.T) {
	s := newSymbolizer()
	const ts = 1_700_000_000_000
	req := writev2.Request{}
	req.Timeseries = []writev2.TimeSeries{
		{
			LabelsRefs: s.labels("__name__", "http_requests", "job", "api", "instance", "h:1", "code", "200"),
			Samples:    []writev2.Sample{{Value: 10, Timestamp: ts, StartTimestamp: ts - 60_000}},
			Metadata:   writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_COUNTER, HelpRef: s.ref("Requests."), UnitRef: s.ref("requests")},
		},
		{
			LabelsRefs: s.labels("__name__", "queue_length", "job", "api", "instance", "h:1"),
			Samples:    []writev2.Sample{{Value: 3, Timestamp: ts}},
			Metadata:   writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_GAUGE},
		},
		{
			// UNSPECIFIED: the _total suffix decides.
			LabelsRefs: s.labels("__name__", "errors_total", "job", "api", "instance", "h:2", "empty", ""),
			Samples:    []writev2.Sample{{Value: 1, Timestamp: ts}},
		},
		{
			LabelsRefs: s.labels("__name__", "lat_bucket", "job", "api", "instance", "h:1", "le", "1"),
			Samples:    []writev2.Sample{{Value: 7, Timestamp: ts}},
			Metadata:   writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_HISTOGRAM},
		},
		{
			LabelsRefs: s.labels("__name__", "rpc", "job", "api", "instance", "h:1", "quantile", "0.9"),
			Samples:    []writev2.Sample{{Value: 0.2, Timestamp: ts}},
			Metadata:   writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_SUMMARY},
		},
		{
			LabelsRefs: s.labels("__name__", "rpc_count", "job", "api", "instance", "h:1"),
			Samples:    []writev2.Sample{{Value: 9, Timestamp: ts}},
			Metadata:   writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_SUMMARY},
		},
	}
	req.Symbols = s.syms
	md, stats, err := convertV2(&req)
	if err != nil {
		t.Fatal(err)
	}
	if stats.samples != 6 || md.ResourceMetrics().Len() != 2 {
		t.Fatalf("samples %d resources %d", stats.samples, md.ResourceMetrics().Len())
	}
	reqs := onlyMetric(t, md, "http_requests")
	checkMetric(t, reqs, wantType{typ: pmetric.MetricTypeSum, desc: "Requests.", unit: "requests"})
	dp := reqs.Sum().DataPoints().At(0)
	if dp.StartTimestamp() != pcommon.Timestamp((ts-60_000)*nsPerMs) || dp.Timestamp() != pcommon.Timestamp(ts*nsPerMs) {
		t.Errorf("timestamps %v %v", dp.StartTimestamp(), dp.Timestamp())
	}
	if a := attrsOf(dp.Attributes()); len(a) != 3 || a["code"] != "200" || a["job"] != "api" || a["instance"] != "h:1" {
		t.Errorf("attributes %v", a)
	}
	checkMetric(t, onlyMetric(t, md, "queue_length"), gauge)
	checkMetric(t, onlyMetric(t, md, "errors_total"), sum)
	checkMetric(t, onlyMetric(t, md, "lat_bucket"), sum)
	checkMetric(t, onlyMetric(t, md, "rpc"), gauge)
	checkMetric(t, onlyMetric(t, md, "rpc_count"), sum)
	if _, ok := onlyMetric(t, md, "errors_total").Sum().DataPoints().At(0).Attributes().Get("empty"); ok {
		t.Error("empty label kept")
	}
	if r := resourceFor(t, md, "api", "h:2"); r.ScopeMetrics().At(0).Metrics().Len() != 1 {
		t.Error("h:2 resource")
	}
}

func TestConvertV2Errors(t *testing.T) {
	tests := []struct {
		name string
		ts   writev2.TimeSeries
		want string
	}{
		{
			name: "odd label refs",
			ts:   writev2.TimeSeries{LabelsRefs: []uint32{1, 2, 1}, Samples: []writev2.Sample{{Value: 1, Timestamp: 1}}},
			want: "series 1: label references have odd length 3",
		},
		{
			name: "label ref outside table",
			ts:   writev2.TimeSeries{LabelsRefs: []uint32{1, 99}, Samples: []writev2.Sample{{Value: 1, Timestamp: 1}}},
			want: "series 1: label reference 99 is outside the symbols table (3 symbols)",
		},
		{
			name: "help ref outside table",
			ts: writev2.TimeSeries{
				LabelsRefs: []uint32{1, 2}, Samples: []writev2.Sample{{Value: 1, Timestamp: 1}},
				Metadata: writev2.Metadata{HelpRef: 7},
			},
			want: "series 1: metadata help reference 7",
		},
		{
			name: "no name",
			ts:   writev2.TimeSeries{LabelsRefs: []uint32{2, 2}, Samples: []writev2.Sample{{Value: 1, Timestamp: 1}}},
			want: "series 1: no __name__ label",
		},
		{
			name: "exemplar ref outside table",
			ts: writev2.TimeSeries{
				LabelsRefs: []uint32{1, 2}, Samples: []writev2.Sample{{Value: 1, Timestamp: 1}},
				Exemplars: []writev2.Exemplar{{LabelsRefs: []uint32{5, 5}}},
			},
			want: "series 1: exemplar label reference 5",
		},
		{
			name: "negative start timestamp on a counter",
			ts: writev2.TimeSeries{
				LabelsRefs: []uint32{1, 2}, Samples: []writev2.Sample{{Value: 1, Timestamp: 1, StartTimestamp: -5}},
				Metadata: writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_COUNTER},
			},
			want: "series 1: start timestamp -5 ms is out of range",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := writev2.Request{
				Symbols: []string{"", "__name__", "x"},
				Timeseries: []writev2.TimeSeries{
					{LabelsRefs: []uint32{1, 2}, Samples: []writev2.Sample{{Value: 1, Timestamp: 1}}},
					tt.ts,
				},
			}
			_, _, err := convertV2(&req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestConverterReuse(t *testing.T) {
	// A pooled converter must not leak one request's resources or metrics
	// into the next.
	for i := range 3 {
		req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
			{Labels: labels("__name__", "a", "job", "j"), Samples: sample(float64(i), 1)},
		}}
		md, _, err := convertV1(&req)
		if err != nil {
			t.Fatal(err)
		}
		if md.ResourceMetrics().Len() != 1 || md.DataPointCount() != 1 {
			t.Fatalf("round %d: %d resources %d points", i, md.ResourceMetrics().Len(), md.DataPointCount())
		}
	}
}

func TestConvertManyLabels(t *testing.T) {
	// Attributes must not cost time quadratic in the number of labels.
	const n = 200_000
	kv := []string{"__name__", "wide", "job", "j"}
	for i := range n {
		kv = append(kv, fmt.Sprintf("l%06d", i), "v")
	}
	kv = append(kv, "dup", "first", "dup", "last", "empty", "")
	req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:  labels(kv...),
		Samples: []prompb.Sample{{Value: 1, Timestamp: 1}, {Value: 2, Timestamp: 2}},
	}}}
	start := time.Now()
	md, _, err := convertV1(&req)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	dps := onlyMetric(t, md, "wide").Gauge().DataPoints()
	for i := range dps.Len() {
		a := dps.At(i).Attributes()
		if a.Len() != n+2 || str(a, "dup") != "last" || str(a, "l000007") != "v" || str(a, "job") != "j" {
			t.Fatalf("point %d: %d attributes, dup=%q", i, a.Len(), str(a, "dup"))
		}
		if _, ok := a.Get("empty"); ok {
			t.Fatal("empty label kept")
		}
	}
}
