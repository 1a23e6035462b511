package prometheusremotewritereceiver

import (
	"testing"

	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
)

// BenchmarkDecodeConvertV1 measures what the handler does for a typical
// Prometheus batch: 2,000 single-sample series, snappy-compressed.
func BenchmarkDecodeConvertV1(b *testing.B) {
	body := encodeV1(b, benchRequest(2000))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p := getPayload()
		p.compressed.Write(body)
		if err := p.decode(protoV1, defaultMaxDecompressedBodySize); err != nil {
			b.Fatal(err)
		}
		c := getConverter(len(p.decodedBytes()))
		if err := c.convertV1(&p.v1); err != nil {
			b.Fatal(err)
		}
		if c.stats.samples != 2000 {
			b.Fatal(c.stats.samples)
		}
		c.release()
		p.release()
	}
}

func benchRequestV2(n int) *writev2.Request {
	s := newSymbolizer()
	req := &writev2.Request{}
	for _, ts := range benchRequest(n).Timeseries {
		var kv []string
		for _, l := range ts.Labels {
			kv = append(kv, l.Name, l.Value)
		}
		req.Timeseries = append(req.Timeseries, writev2.TimeSeries{
			LabelsRefs: s.labels(kv...),
			Samples:    []writev2.Sample{{Value: ts.Samples[0].Value, Timestamp: ts.Samples[0].Timestamp}},
		})
	}
	req.Symbols = s.syms
	return req
}

// BenchmarkDecodeConvertV2 is the same batch in remote-write 2.0.
func BenchmarkDecodeConvertV2(b *testing.B) {
	body := encodeV2(b, benchRequestV2(2000))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p := getPayload()
		p.compressed.Write(body)
		if err := p.decode(protoV2, defaultMaxDecompressedBodySize); err != nil {
			b.Fatal(err)
		}
		c := getConverter(len(p.decodedBytes()))
		if err := c.convertV2(&p.v2); err != nil {
			b.Fatal(err)
		}
		if c.stats.samples != 2000 {
			b.Fatal(c.stats.samples)
		}
		c.release()
		p.release()
	}
}
