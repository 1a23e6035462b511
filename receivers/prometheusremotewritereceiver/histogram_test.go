package prometheusremotewritereceiver

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// wantBuckets turns Prometheus's own view of a histogram's buckets (its
// bucket iterator) into OpenTelemetry bucket counts at a scale lowered by
// shift, checking on the way that every Prometheus bucket's bounds lie
// within the OpenTelemetry bucket it lands in.
func wantBuckets(t *testing.T, it histogram.BucketIterator[float64], negative bool, scale int32, shift int32) map[int64]uint64 {
	t.Helper()
	want := map[int64]uint64{}
	for it.Next() {
		b := it.At()
		if b.Count == 0 {
			continue
		}
		k := (int64(b.Index) - 1) >> shift
		want[k] += uint64(b.Count)
		lo, hi := math.Abs(b.Lower), math.Abs(b.Upper)
		if negative {
			lo, hi = hi, lo
		}
		otelLo := math.Exp2(float64(k) * math.Exp2(-float64(scale)))
		otelHi := math.Exp2(float64(k+1) * math.Exp2(-float64(scale)))
		const eps = 1e-9
		if lo < otelLo*(1-eps) || hi > otelHi*(1+eps) {
			t.Errorf("prometheus bucket %d (%g, %g] not inside otel bucket %d (%g, %g] at scale %d", b.Index, lo, hi, k, otelLo, otelHi, scale)
		}
	}
	return want
}

func gotBuckets(b pmetric.ExponentialHistogramDataPointBuckets) map[int64]uint64 {
	got := map[int64]uint64{}
	for j, c := range b.BucketCounts().All() {
		if c != 0 {
			got[int64(b.Offset())+int64(j)] = c
		}
	}
	return got
}

func sameBuckets(t *testing.T, side string, got, want map[int64]uint64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s buckets %v, want %v", side, got, want)
		return
	}
	for k, c := range want {
		if got[k] != c {
			t.Errorf("%s bucket %d = %d, want %d (got %v)", side, k, got[k], c, got)
		}
	}
}

func expPoint(t *testing.T, md pmetric.Metrics, name string) pmetric.ExponentialHistogramDataPoint {
	t.Helper()
	m := onlyMetric(t, md, name)
	if m.Type() != pmetric.MetricTypeExponentialHistogram {
		t.Fatalf("%s is %v", name, m.Type())
	}
	if m.ExponentialHistogram().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
		t.Error("not cumulative")
	}
	return m.ExponentialHistogram().DataPoints().At(0)
}

// checkAgainstPrometheus converts one 1.0 histogram and compares every
// bucket with Prometheus's interpretation of the same message.
func checkAgainstPrometheus(t *testing.T, h prompb.Histogram, wantShift int32) pmetric.ExponentialHistogramDataPoint {
	t.Helper()
	req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels:     labels("__name__", "lat", "job", "j", "instance", "i"),
		Histograms: []prompb.Histogram{h},
	}}}
	md, stats, err := convertV1(&req)
	if err != nil {
		t.Fatal(err)
	}
	if stats.histograms != 1 || stats.samples != 0 {
		t.Errorf("stats %+v", stats)
	}
	dp := expPoint(t, md, "lat")
	if dp.Scale() != h.Schema-wantShift {
		t.Fatalf("scale %d, want %d", dp.Scale(), h.Schema-wantShift)
	}
	fh := h.ToFloatHistogram()
	sameBuckets(t, "positive", gotBuckets(dp.Positive()), wantBuckets(t, fh.PositiveBucketIterator(), false, dp.Scale(), wantShift))
	sameBuckets(t, "negative", gotBuckets(dp.Negative()), wantBuckets(t, fh.NegativeBucketIterator(), true, dp.Scale(), wantShift))
	if dp.Count() != uint64(math.Round(fh.Count)) || dp.ZeroCount() != uint64(math.Round(fh.ZeroCount)) {
		t.Errorf("count %d zero %d, want %v %v", dp.Count(), dp.ZeroCount(), fh.Count, fh.ZeroCount)
	}
	if dp.Sum() != h.Sum || dp.ZeroThreshold() != h.ZeroThreshold {
		t.Errorf("sum %v threshold %v", dp.Sum(), dp.ZeroThreshold())
	}
	if dp.Timestamp() != pcommon.Timestamp(h.Timestamp*nsPerMs) {
		t.Errorf("timestamp %v", dp.Timestamp())
	}
	return dp
}

func TestNativeHistogramInteger(t *testing.T) {
	checkAgainstPrometheus(t, prompb.Histogram{
		Count:          &prompb.Histogram_CountInt{CountInt: 19},
		Sum:            42.5,
		Schema:         3,
		ZeroThreshold:  1e-128,
		ZeroCount:      &prompb.Histogram_ZeroCountInt{ZeroCountInt: 3},
		PositiveSpans:  []prompb.BucketSpan{{Offset: -2, Length: 3}, {Offset: 5, Length: 2}},
		PositiveDeltas: []int64{1, 2, -1, 4, -3},
		NegativeSpans:  []prompb.BucketSpan{{Offset: 0, Length: 2}},
		NegativeDeltas: []int64{2, 1},
		Timestamp:      1_700_000_000_000,
	}, 0)
}

func TestNativeHistogramFloat(t *testing.T) {
	checkAgainstPrometheus(t, prompb.Histogram{
		Count:          &prompb.Histogram_CountFloat{CountFloat: 10.5},
		Sum:            3,
		Schema:         -2,
		ZeroCount:      &prompb.Histogram_ZeroCountFloat{ZeroCountFloat: 1},
		PositiveSpans:  []prompb.BucketSpan{{Offset: 1, Length: 2}, {Offset: 0, Length: 0}, {Offset: 3, Length: 1}},
		PositiveCounts: []float64{2, 4, 3},
		Timestamp:      1000,
	}, 0)
}

func TestNativeHistogramEmpty(t *testing.T) {
	dp := checkAgainstPrometheus(t, prompb.Histogram{Schema: 0, Timestamp: 1}, 0)
	if dp.Positive().BucketCounts().Len() != 0 || dp.Negative().BucketCounts().Len() != 0 {
		t.Error("empty histogram has buckets")
	}
}

func TestNativeHistogramRandomAgainstPrometheus(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		h := prompb.Histogram{Schema: int32(r.IntN(13)) - 4, Sum: r.Float64(), Timestamp: 5}
		var total uint64
		side := func() ([]prompb.BucketSpan, []int64) {
			var spans []prompb.BucketSpan
			var deltas []int64
			var prev int64
			for i := range r.IntN(4) {
				off := int32(r.IntN(20))
				if i == 0 {
					off -= 10
				}
				sp := prompb.BucketSpan{Offset: off, Length: uint32(r.IntN(5))}
				for range sp.Length {
					c := int64(r.IntN(50))
					deltas = append(deltas, c-prev)
					prev = c
					total += uint64(c)
				}
				spans = append(spans, sp)
			}
			return spans, deltas
		}
		h.PositiveSpans, h.PositiveDeltas = side()
		h.NegativeSpans, h.NegativeDeltas = side()
		h.Count = &prompb.Histogram_CountInt{CountInt: total}
		checkAgainstPrometheus(t, h, 0)
		if t.Failed() {
			t.Fatalf("histogram %+v", h)
		}
	}
}

func TestNativeHistogramDownscale(t *testing.T) {
	t.Run("too wide at schema 8", func(t *testing.T) {
		// Two buckets 100,000 indexes apart: at most 16,384 fit, so the
		// scale drops by 3 (100,000/8 = 12,500).
		checkAgainstPrometheus(t, prompb.Histogram{
			Count:          &prompb.Histogram_CountInt{CountInt: 5},
			Schema:         8,
			PositiveSpans:  []prompb.BucketSpan{{Offset: -50_000, Length: 1}, {Offset: 99_999, Length: 1}},
			PositiveDeltas: []int64{2, 1},
			Timestamp:      1,
		}, 3)
	})
	t.Run("reserved schema above the otel maximum", func(t *testing.T) {
		// Prometheus's own bucket iterator only knows schemas up to 8, so
		// the expectation is worked out by hand: buckets 5000..5002 at
		// schema 30 are OpenTelemetry buckets 4999..5001, which at scale 20
		// (10 lower) all fall in bucket 4999>>10 = 4.
		req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
			Labels: labels("__name__", "lat"),
			Histograms: []prompb.Histogram{{
				Count:          &prompb.Histogram_CountInt{CountInt: 6},
				Schema:         30,
				PositiveSpans:  []prompb.BucketSpan{{Offset: 5000, Length: 3}},
				PositiveDeltas: []int64{1, 1, 1},
				Timestamp:      1,
			}},
		}}}
		md, _, err := convertV1(&req)
		if err != nil {
			t.Fatal(err)
		}
		dp := expPoint(t, md, "lat")
		if dp.Scale() != maxScale {
			t.Fatalf("scale %d", dp.Scale())
		}
		sameBuckets(t, "positive", gotBuckets(dp.Positive()), map[int64]uint64{4: 6})
	})
}

func TestNativeHistogramCustomBuckets(t *testing.T) {
	req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
		Labels: labels("__name__", "rt", "job", "j"),
		Histograms: []prompb.Histogram{{
			Count:          &prompb.Histogram_CountInt{CountInt: 10},
			Sum:            4.2,
			Schema:         customBucketsSchema,
			PositiveSpans:  []prompb.BucketSpan{{Offset: 0, Length: 2}, {Offset: 1, Length: 1}},
			PositiveDeltas: []int64{3, 2, -4},
			CustomValues:   []float64{0.1, 0.5, 1},
			Timestamp:      1000,
		}},
	}}}
	md, _, err := convertV1(&req)
	if err != nil {
		t.Fatal(err)
	}
	m := onlyMetric(t, md, "rt")
	if m.Type() != pmetric.MetricTypeHistogram {
		t.Fatalf("type %v", m.Type())
	}
	dp := m.Histogram().DataPoints().At(0)
	if got := dp.ExplicitBounds().AsRaw(); len(got) != 3 || got[0] != 0.1 || got[2] != 1 {
		t.Errorf("bounds %v", got)
	}
	want := []uint64{3, 5, 0, 1}
	got := dp.BucketCounts().AsRaw()
	if len(got) != len(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("counts %v, want %v", got, want)
		}
	}
	if dp.Count() != 10 || dp.Sum() != 4.2 {
		t.Errorf("count %d sum %v", dp.Count(), dp.Sum())
	}
}

func TestNativeHistogramStale(t *testing.T) {
	for _, schema := range []int32{3, customBucketsSchema} {
		req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{{
			Labels:     labels("__name__", "h", "job", "j"),
			Histograms: []prompb.Histogram{{Sum: math.Float64frombits(value.StaleNaN), Schema: schema, Timestamp: 1000}},
		}}}
		md, _, err := convertV1(&req)
		if err != nil {
			t.Fatal(err)
		}
		m := onlyMetric(t, md, "h")
		var flags pmetric.DataPointFlags
		if schema == customBucketsSchema {
			flags = m.Histogram().DataPoints().At(0).Flags()
		} else {
			flags = m.ExponentialHistogram().DataPoints().At(0).Flags()
		}
		if !flags.NoRecordedValue() {
			t.Errorf("schema %d: stale histogram not flagged", schema)
		}
	}
}

func TestNativeHistogramV2(t *testing.T) {
	s := newSymbolizer()
	req := writev2.Request{Timeseries: []writev2.TimeSeries{{
		LabelsRefs: s.labels("__name__", "rpc_duration_seconds", "job", "api", "instance", "h:1"),
		Histograms: []writev2.Histogram{{
			Count:          &writev2.Histogram_CountFloat{CountFloat: 6},
			Sum:            1.5,
			Schema:         1,
			ZeroCount:      &writev2.Histogram_ZeroCountFloat{ZeroCountFloat: 1},
			PositiveSpans:  []writev2.BucketSpan{{Offset: -3, Length: 2}},
			PositiveCounts: []float64{2, 3},
			Timestamp:      2000,
			StartTimestamp: 1000,
		}},
		Metadata: writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_HISTOGRAM, HelpRef: s.ref("RPC latency."), UnitRef: s.ref("seconds")},
	}}}
	req.Symbols = s.syms
	md, stats, err := convertV2(&req)
	if err != nil {
		t.Fatal(err)
	}
	if stats.histograms != 1 {
		t.Fatalf("stats %+v", stats)
	}
	m := onlyMetric(t, md, "rpc_duration_seconds")
	if m.Description() != "RPC latency." || m.Unit() != "seconds" {
		t.Errorf("description %q unit %q", m.Description(), m.Unit())
	}
	dp := expPoint(t, md, "rpc_duration_seconds")
	if dp.Scale() != 1 || dp.Count() != 6 || dp.ZeroCount() != 1 || dp.StartTimestamp() != pcommon.Timestamp(1000*nsPerMs) {
		t.Errorf("scale %d count %d zero %d start %v", dp.Scale(), dp.Count(), dp.ZeroCount(), dp.StartTimestamp())
	}
	// Prometheus buckets -3 and -2 are OpenTelemetry buckets -4 and -3.
	sameBuckets(t, "positive", gotBuckets(dp.Positive()), map[int64]uint64{-4: 2, -3: 3})
}

func TestNativeHistogramErrors(t *testing.T) {
	tests := []struct {
		name string
		h    prompb.Histogram
		want string
	}{
		{
			name: "spans and deltas disagree",
			h:    prompb.Histogram{Schema: 0, PositiveSpans: []prompb.BucketSpan{{Offset: 0, Length: 3}}, PositiveDeltas: []int64{1}},
			want: "positive spans call for 3 buckets but 1 are given",
		},
		{
			name: "negative offset after the first span",
			h:    prompb.Histogram{Schema: 0, NegativeSpans: []prompb.BucketSpan{{Offset: 0, Length: 1}, {Offset: -1, Length: 1}}, NegativeDeltas: []int64{1, 1}},
			want: "negative spans: span 1 has negative offset -1",
		},
		{
			name: "negative bucket count",
			h:    prompb.Histogram{Schema: 0, PositiveSpans: []prompb.BucketSpan{{Offset: 0, Length: 2}}, PositiveDeltas: []int64{1, -2}},
			want: "negative count",
		},
		{
			name: "negative float count",
			h:    prompb.Histogram{Schema: 0, Count: &prompb.Histogram_CountFloat{CountFloat: 1}, PositiveSpans: []prompb.BucketSpan{{Offset: 0, Length: 1}}, PositiveCounts: []float64{-1}},
			want: "not a non-negative number",
		},
		{
			name: "NaN count",
			h:    prompb.Histogram{Schema: 0, Count: &prompb.Histogram_CountFloat{CountFloat: math.NaN()}},
			want: "not a non-negative number",
		},
		{
			name: "unknown schema",
			h:    prompb.Histogram{Schema: 60},
			want: "schema 60 is not supported",
		},
		{
			name: "custom bounds not increasing",
			h:    prompb.Histogram{Schema: customBucketsSchema, CustomValues: []float64{1, 1}},
			want: "not strictly increasing",
		},
		{
			name: "custom bound infinite",
			h:    prompb.Histogram{Schema: customBucketsSchema, CustomValues: []float64{1, math.Inf(1)}},
			want: "custom bound 1 is +Inf",
		},
		{
			name: "custom bucket index out of range",
			h: prompb.Histogram{
				Schema: customBucketsSchema, CustomValues: []float64{1},
				PositiveSpans: []prompb.BucketSpan{{Offset: 0, Length: 3}}, PositiveDeltas: []int64{1, 0, 0},
			},
			want: "outside the 1 custom bounds",
		},
		{
			name: "custom buckets with negative buckets",
			h: prompb.Histogram{
				Schema: customBucketsSchema, CustomValues: []float64{1},
				NegativeSpans: []prompb.BucketSpan{{Offset: 0, Length: 1}}, NegativeDeltas: []int64{1},
			},
			want: "custom buckets with negative buckets",
		},
		{
			name: "exponential schema with custom bounds",
			h:    prompb.Histogram{Schema: 1, CustomValues: []float64{1}},
			want: "exponential schema with custom bounds",
		},
		{
			name: "buckets wider than any scale",
			h: prompb.Histogram{
				Schema:         8,
				PositiveSpans:  []prompb.BucketSpan{{Offset: math.MinInt32, Length: 1}, {Offset: math.MaxInt32, Length: 1}, {Offset: math.MaxInt32, Length: 1}},
				PositiveDeltas: []int64{1, 0, 0},
			},
			want: "too wide",
		},
		{
			name: "timestamp out of range",
			h:    prompb.Histogram{Schema: 0, Timestamp: -1},
			want: "histogram timestamp -1 ms is out of range",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := prompb.WriteRequest{Timeseries: []prompb.TimeSeries{
				{Labels: labels("__name__", "ok"), Samples: sample(1, 1)},
				{Labels: labels("__name__", "h"), Histograms: []prompb.Histogram{tt.h}},
			}}
			_, _, err := convertV1(&req)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "series 1") {
				t.Fatalf("error %v, want %q for series 1", err, tt.want)
			}
		})
	}
}

func TestNativeHistogramBucketBudget(t *testing.T) {
	// Each histogram is a few bytes on the wire but two buckets 16,000
	// indexes apart; the request may not expand to 8 GiB of buckets.
	var series []prompb.TimeSeries
	for i := range 2000 {
		series = append(series, prompb.TimeSeries{
			Labels: labels("__name__", "h", "i", string(rune('a'+i%26))),
			Histograms: []prompb.Histogram{{
				Schema:         8,
				PositiveSpans:  []prompb.BucketSpan{{Offset: 0, Length: 1}, {Offset: 16_000, Length: 1}},
				PositiveDeltas: []int64{1, 0},
				Timestamp:      1,
			}},
		})
	}
	req := prompb.WriteRequest{Timeseries: series}
	_, _, err := convertV1(&req)
	if err == nil || !strings.Contains(err.Error(), "more buckets than the request's size allows") {
		t.Fatalf("error %v", err)
	}
}
