package prometheusremotewritereceiver

import (
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// labels builds 1.0 labels from name, value pairs.
func labels(kv ...string) []prompb.Label {
	ls := make([]prompb.Label, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, prompb.Label{Name: kv[i], Value: kv[i+1]})
	}
	return ls
}

func sample(v float64, tsMs int64) []prompb.Sample {
	return []prompb.Sample{{Value: v, Timestamp: tsMs}}
}

// symbolizer builds a 2.0 symbols table; ref 0 is the empty string, as the
// specification requires.
type symbolizer struct {
	syms []string
	refs map[string]uint32
}

func newSymbolizer() *symbolizer {
	return &symbolizer{syms: []string{""}, refs: map[string]uint32{"": 0}}
}

func (s *symbolizer) ref(str string) uint32 {
	if r, ok := s.refs[str]; ok {
		return r
	}
	r := uint32(len(s.syms))
	s.syms = append(s.syms, str)
	s.refs[str] = r
	return r
}

func (s *symbolizer) labels(kv ...string) []uint32 {
	refs := make([]uint32, 0, len(kv))
	for _, str := range kv {
		refs = append(refs, s.ref(str))
	}
	return refs
}

func encodeV1(t testing.TB, req *prompb.WriteRequest) []byte {
	t.Helper()
	raw, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

func encodeV2(t testing.TB, req *writev2.Request) []byte {
	t.Helper()
	raw, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

// convertV1 runs a 1.0 request through the converter and returns a copy of
// the result, so the converter can go back to its pool.
func convertV1(req *prompb.WriteRequest) (pmetric.Metrics, writeStats, error) {
	c := getConverter(req.Size())
	defer c.release()
	err := c.convertV1(req)
	return c.md, c.stats, err
}

func convertV2(req *writev2.Request) (pmetric.Metrics, writeStats, error) {
	c := getConverter(req.Size())
	defer c.release()
	err := c.convertV2(req)
	return c.md, c.stats, err
}

// resourceFor finds the ResourceMetrics of a (job, instance) pair.
func resourceFor(t *testing.T, md pmetric.Metrics, job, instance string) pmetric.ResourceMetrics {
	t.Helper()
	for _, rm := range md.ResourceMetrics().All() {
		attrs := rm.Resource().Attributes()
		if str(attrs, attrServiceName) == job && str(attrs, attrServiceInstanceID) == instance {
			return rm
		}
	}
	t.Fatalf("no resource for job %q instance %q", job, instance)
	return pmetric.ResourceMetrics{}
}

// metricsNamed returns the metrics of one name across all resources.
func metricsNamed(md pmetric.Metrics, name string) []pmetric.Metric {
	var out []pmetric.Metric
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if m.Name() == name {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

func onlyMetric(t *testing.T, md pmetric.Metrics, name string) pmetric.Metric {
	t.Helper()
	ms := metricsNamed(md, name)
	if len(ms) != 1 {
		t.Fatalf("want one metric %q, got %d", name, len(ms))
	}
	return ms[0]
}

func str(m pcommon.Map, key string) string {
	v, ok := m.Get(key)
	if !ok {
		return ""
	}
	return v.Str()
}

func attrsOf(m pcommon.Map) map[string]string {
	out := map[string]string{}
	for k, v := range m.All() {
		out[k] = v.AsString()
	}
	return out
}
