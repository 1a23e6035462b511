package prometheusremotewritereceiver

import (
	"bytes"
	"errors"
	"math"
	"net/http"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

func seedRequestsV1() []*prompb.WriteRequest {
	return []*prompb.WriteRequest{
		benchRequest(4),
		{
			Timeseries: []prompb.TimeSeries{
				{
					Labels:    labels("__name__", "x_total", "job", "j", "instance", "i", "e", ""),
					Samples:   []prompb.Sample{{Value: 1, Timestamp: 1}, {Value: math.Float64frombits(value.StaleNaN), Timestamp: 2}},
					Exemplars: []prompb.Exemplar{{Labels: labels("trace_id", "0102030405060708090a0b0c0d0e0f10", "span_id", "zz"), Value: 1, Timestamp: 1}},
				},
				{
					Labels: labels("__name__", "h", "job", "j"),
					Histograms: []prompb.Histogram{
						{
							Count: &prompb.Histogram_CountInt{CountInt: 5}, Schema: 3, ZeroCount: &prompb.Histogram_ZeroCountInt{ZeroCountInt: 1},
							PositiveSpans: []prompb.BucketSpan{{Offset: -2, Length: 2}, {Offset: 3, Length: 1}}, PositiveDeltas: []int64{1, 1, -1},
							NegativeSpans: []prompb.BucketSpan{{Offset: 1, Length: 1}}, NegativeDeltas: []int64{1}, Timestamp: 3,
						},
						{
							Count: &prompb.Histogram_CountFloat{CountFloat: 2.5}, Schema: 30,
							PositiveSpans: []prompb.BucketSpan{{Offset: 1000, Length: 1}}, PositiveCounts: []float64{2.5}, Timestamp: 4,
						},
						{
							Count: &prompb.Histogram_CountInt{CountInt: 3}, Schema: customBucketsSchema, CustomValues: []float64{0.5, 1},
							PositiveSpans: []prompb.BucketSpan{{Offset: 0, Length: 3}}, PositiveDeltas: []int64{1, 0, 0}, Timestamp: 5,
						},
						{Sum: math.Float64frombits(value.StaleNaN), Schema: 0, Timestamp: 6},
					},
				},
				{Labels: labels("__name__", "s", "quantile", "0.5"), Samples: sample(1, 7)},
				{Labels: labels("__name__", "s_count"), Samples: sample(1, 7)},
			},
			Metadata: []prompb.MetricMetadata{
				{Type: prompb.MetricMetadata_SUMMARY, MetricFamilyName: "s", Help: "h", Unit: "u"},
				{Type: prompb.MetricMetadata_COUNTER, MetricFamilyName: "x"},
			},
		},
	}
}

func seedRequestsV2() []*writev2.Request {
	s := newSymbolizer()
	req := &writev2.Request{Timeseries: []writev2.TimeSeries{
		{
			LabelsRefs: s.labels("__name__", "a_total", "job", "j", "instance", "i"),
			Samples:    []writev2.Sample{{Value: 1, Timestamp: 1000, StartTimestamp: 10}},
			Exemplars:  []writev2.Exemplar{{LabelsRefs: s.labels("trace_id", "00000000000000000000000000000001"), Value: 1, Timestamp: 1500}},
			Metadata:   writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_COUNTER, HelpRef: s.ref("help"), UnitRef: s.ref("unit")},
		},
		{
			LabelsRefs: s.labels("__name__", "h", "job", "j"),
			Histograms: []writev2.Histogram{{
				Count: &writev2.Histogram_CountInt{CountInt: 2}, Schema: -2, ZeroThreshold: 0.001,
				PositiveSpans: []writev2.BucketSpan{{Offset: 1, Length: 2}}, PositiveDeltas: []int64{1, 0}, Timestamp: 1000, StartTimestamp: 5,
			}},
			Metadata: writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_HISTOGRAM},
		},
		{
			LabelsRefs: s.labels("__name__", "q", "quantile", "0.9"),
			Samples:    []writev2.Sample{{Value: 2, Timestamp: 1000}},
			Metadata:   writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_SUMMARY},
		},
	}}
	req.Symbols = s.syms
	return []*writev2.Request{req, {Symbols: []string{""}}}
}

// checkDecodeConvert runs a body through what the handler does and checks
// that it either fails with a client error or yields consistent metrics.
func checkDecodeConvert(t *testing.T, version protoVersion, body []byte) {
	p := getPayload()
	defer p.release()
	p.compressed.Write(body)
	err := p.decode(version, 1<<20)
	if err == nil {
		c := getConverter(len(p.decodedBytes()))
		defer c.release()
		if version == protoV2 {
			err = c.convertV2(&p.v2)
		} else {
			err = c.convertV1(&p.v1)
		}
		if err == nil {
			if got := c.md.DataPointCount(); got != c.stats.points() {
				t.Fatalf("%d data points, stats say %d", got, c.stats.points())
			}
			if _, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(c.md); err != nil {
				t.Fatalf("result does not marshal: %v", err)
			}
			return
		}
	}
	re, ok := errors.AsType[*requestError](err)
	if !ok {
		t.Fatalf("error %T %v is not a request error", err, err)
	}
	if re.status != http.StatusBadRequest && re.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d for %v", re.status, err)
	}
}

func FuzzDecodeWriteRequest(f *testing.F) {
	for _, req := range seedRequestsV1() {
		raw, err := req.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		// The input as a protobuf message, which is where the interesting
		// structure is, and as a raw body, which exercises snappy.
		checkDecodeConvert(t, protoV1, snappy.Encode(nil, data))
		checkDecodeConvert(t, protoV1, data)
		checkUnmarshalMatchesGenerated(t, data)
	})
}

// checkUnmarshalMatchesGenerated holds unmarshalWriteRequest to the
// generated Unmarshal: whatever both accept must decode the same, also into
// a reused request.
func checkUnmarshalMatchesGenerated(t *testing.T, data []byte) {
	var want prompb.WriteRequest
	wantErr := want.Unmarshal(data)
	p := getPayload()
	defer p.release()
	// Decode something else first so that reuse is exercised.
	if err := unmarshalWriteRequest(mustMarshal(t, seedRequestsV1()[1]), &p.v1, &p.strings); err != nil {
		t.Fatal(err)
	}
	p.resetMessages()
	gotErr := unmarshalWriteRequest(data, &p.v1, &p.strings)
	// Ours is stricter than the generated code about malformed input it
	// has no use for (unbalanced group markers, overlong varints), and may
	// refuse what it accepts; never the other way round.
	if gotErr == nil && wantErr != nil {
		t.Fatalf("accepted input the generated Unmarshal refuses: %v", wantErr)
	}
	if wantErr != nil || gotErr != nil {
		return
	}
	got := &p.v1
	if len(got.Timeseries) != len(want.Timeseries) || len(got.Metadata) != len(want.Metadata) {
		t.Fatalf("%d series %d metadata, want %d %d", len(got.Timeseries), len(got.Metadata), len(want.Timeseries), len(want.Metadata))
	}
	for i := range want.Timeseries {
		g, w := &got.Timeseries[i], &want.Timeseries[i]
		if len(g.Labels) != len(w.Labels) || len(g.Samples) != len(w.Samples) || len(g.Exemplars) != len(w.Exemplars) || len(g.Histograms) != len(w.Histograms) {
			t.Fatalf("series %d: shapes differ: %+v vs %+v", i, g, w)
		}
		for j := range w.Labels {
			if g.Labels[j].Name != w.Labels[j].Name || g.Labels[j].Value != w.Labels[j].Value {
				t.Fatalf("series %d label %d: %+v, want %+v", i, j, g.Labels[j], w.Labels[j])
			}
		}
		for j := range w.Samples {
			if math.Float64bits(g.Samples[j].Value) != math.Float64bits(w.Samples[j].Value) || g.Samples[j].Timestamp != w.Samples[j].Timestamp {
				t.Fatalf("series %d sample %d: %+v, want %+v", i, j, g.Samples[j], w.Samples[j])
			}
		}
		for j := range w.Exemplars {
			if !bytes.Equal(mustMarshal(t, &g.Exemplars[j]), mustMarshal(t, &w.Exemplars[j])) {
				t.Fatalf("series %d exemplar %d differs", i, j)
			}
		}
		for j := range w.Histograms {
			if !bytes.Equal(mustMarshal(t, &g.Histograms[j]), mustMarshal(t, &w.Histograms[j])) {
				t.Fatalf("series %d histogram %d differs", i, j)
			}
		}
	}
	for i := range want.Metadata {
		if !bytes.Equal(mustMarshal(t, &got.Metadata[i]), mustMarshal(t, &want.Metadata[i])) {
			t.Fatalf("metadata %d differs", i)
		}
	}
}

func mustMarshal(t *testing.T, m interface{ Marshal() ([]byte, error) }) []byte {
	t.Helper()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzDecodeWriteRequestV2(f *testing.F) {
	for _, req := range seedRequestsV2() {
		raw, err := req.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte{0x22, 0x00, 0x2a, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeConvert(t, protoV2, snappy.Encode(nil, data))
		checkDecodeConvert(t, protoV2, data)
	})
}

func FuzzParseContentType(f *testing.F) {
	for _, s := range []string{"", contentTypeV1, contentTypeV2, "application/x-protobuf; proto=prometheus.WriteRequest", "text/plain", "a/b;;c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		v, err := parseContentType(ct)
		if err == nil && v != protoV1 && v != protoV2 {
			t.Fatalf("version %d without error", v)
		}
		if err != nil {
			if re, ok := errors.AsType[*requestError](err); !ok || re.status != http.StatusUnsupportedMediaType {
				t.Fatalf("error %v", err)
			}
		}
	})
}
