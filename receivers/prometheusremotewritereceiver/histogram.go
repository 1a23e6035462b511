package prometheusremotewritereceiver

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

const (
	// customBucketsSchema marks a native histogram with explicit bounds
	// (NHCB); its buckets index into custom_values instead of powers of two.
	customBucketsSchema = -53
	// Exponential schemas Prometheus knows, including the ones it reserves
	// and reduces on ingestion. A Prometheus schema and an OpenTelemetry
	// scale have the same definition, base = 2^(2^-n).
	minSchema = -9
	maxSchema = 52
	// The scales an OpenTelemetry exponential histogram allows.
	minScale = -10
	maxScale = 20
	// maxBucketsPerSide bounds the dense bucket array of one side of one
	// histogram. Prometheus spans are sparse, so a few bytes can describe
	// buckets billions of indexes apart; a wider histogram is downscaled
	// (adjacent buckets merged, which keeps counts exact) until it fits.
	maxBucketsPerSide = 1 << 14
	// maxBucketIndex keeps span arithmetic far from int64 overflow.
	maxBucketIndex = 1 << 53
)

// newBucketBudget is how many dense histogram buckets one request may expand
// to: 8 per byte of decoded protobuf (64 bytes of bucket counts per input
// byte, in line with what float samples cost once in pdata), plus room for a
// few wide histograms in a tiny request.
func newBucketBudget(decodedLen int) int64 {
	return 8*int64(decodedLen) + 2*maxBucketsPerSide
}

type bucketSpan struct {
	offset int32
	length uint32
}

// histSide is the positive or negative half of a native histogram: spans of
// consecutive bucket indexes, and one value per bucket, as deltas from the
// previous bucket for integer histograms or as absolute counts for float
// histograms.
type histSide struct {
	spans  []bucketSpan
	deltas []int64
	counts []float64
}

func (s *histSide) numValues(isFloat bool) int {
	if isFloat {
		return len(s.counts)
	}
	return len(s.deltas)
}

// nativeHistogram is one native histogram sample of either protocol version.
// The span slices are the converter's scratch; the others point into the
// request.
type nativeHistogram struct {
	timestamp     int64
	start         int64
	schema        int32
	sum           float64
	zeroThreshold float64
	isFloat       bool
	countInt      uint64
	countFloat    float64
	zeroIsFloat   bool
	zeroInt       uint64
	zeroFloat     float64
	pos, neg      histSide
	custom        []float64
}

func (h *nativeHistogram) reset() {
	*h = nativeHistogram{
		pos: histSide{spans: h.pos.spans[:0]},
		neg: histSide{spans: h.neg.spans[:0]},
	}
}

func (h *nativeHistogram) fromV1(p *prompb.Histogram) {
	h.reset()
	h.timestamp = p.Timestamp
	h.schema = p.Schema
	h.sum = p.Sum
	h.zeroThreshold = p.ZeroThreshold
	switch c := p.Count.(type) {
	case *prompb.Histogram_CountInt:
		h.countInt = c.CountInt
	case *prompb.Histogram_CountFloat:
		h.isFloat, h.countFloat = true, c.CountFloat
	}
	switch c := p.ZeroCount.(type) {
	case *prompb.Histogram_ZeroCountInt:
		h.zeroInt = c.ZeroCountInt
	case *prompb.Histogram_ZeroCountFloat:
		h.zeroIsFloat, h.zeroFloat = true, c.ZeroCountFloat
	}
	for _, s := range p.PositiveSpans {
		h.pos.spans = append(h.pos.spans, bucketSpan{offset: s.Offset, length: s.Length})
	}
	for _, s := range p.NegativeSpans {
		h.neg.spans = append(h.neg.spans, bucketSpan{offset: s.Offset, length: s.Length})
	}
	h.pos.deltas, h.pos.counts = p.PositiveDeltas, p.PositiveCounts
	h.neg.deltas, h.neg.counts = p.NegativeDeltas, p.NegativeCounts
	h.custom = p.CustomValues
}

func (h *nativeHistogram) fromV2(p *writev2.Histogram) {
	h.reset()
	h.timestamp = p.Timestamp
	h.start = p.StartTimestamp
	h.schema = p.Schema
	h.sum = p.Sum
	h.zeroThreshold = p.ZeroThreshold
	switch c := p.Count.(type) {
	case *writev2.Histogram_CountInt:
		h.countInt = c.CountInt
	case *writev2.Histogram_CountFloat:
		h.isFloat, h.countFloat = true, c.CountFloat
	}
	switch c := p.ZeroCount.(type) {
	case *writev2.Histogram_ZeroCountInt:
		h.zeroInt = c.ZeroCountInt
	case *writev2.Histogram_ZeroCountFloat:
		h.zeroIsFloat, h.zeroFloat = true, c.ZeroCountFloat
	}
	for _, s := range p.PositiveSpans {
		h.pos.spans = append(h.pos.spans, bucketSpan{offset: s.Offset, length: s.Length})
	}
	for _, s := range p.NegativeSpans {
		h.neg.spans = append(h.neg.spans, bucketSpan{offset: s.Offset, length: s.Length})
	}
	h.pos.deltas, h.pos.counts = p.PositiveDeltas, p.PositiveCounts
	h.neg.deltas, h.neg.counts = p.NegativeDeltas, p.NegativeCounts
	h.custom = p.CustomValues
}

func (h *nativeHistogram) count() (uint64, error) {
	if h.isFloat {
		return floatToCount(h.countFloat)
	}
	return h.countInt, nil
}

func (h *nativeHistogram) zeroCount() (uint64, error) {
	if h.zeroIsFloat {
		return floatToCount(h.zeroFloat)
	}
	return h.zeroInt, nil
}

// floatToCount rounds a float histogram's count: OpenTelemetry counts are
// integers, and float histograms (the result of aggregation) can carry
// fractions.
func floatToCount(f float64) (uint64, error) {
	r := math.Round(f)
	if !(r >= 0) || r >= 0x1p64 {
		return 0, fmt.Errorf("count %v is not a non-negative number", f)
	}
	return uint64(r), nil
}

// spanRange walks the spans and returns the lowest and highest bucket index
// that has a value, and the number of values the spans call for.
func spanRange(spans []bucketSpan) (lo, hi, n int64, err error) {
	var idx int64
	for j, sp := range spans {
		if j == 0 {
			idx = int64(sp.offset)
		} else {
			if sp.offset < 0 {
				return 0, 0, 0, fmt.Errorf("span %d has negative offset %d", j, sp.offset)
			}
			idx += int64(sp.offset)
		}
		if sp.length > 0 {
			if n == 0 {
				lo = idx
			}
			hi = idx + int64(sp.length) - 1
			n += int64(sp.length)
		}
		idx += int64(sp.length)
		if idx > maxBucketIndex || n > maxBucketIndex {
			return 0, 0, 0, errors.New("bucket index out of range")
		}
	}
	return lo, hi, n, nil
}

// bucketsFor checks one side's spans against its values and returns its
// index range.
func bucketsFor(s *histSide, isFloat bool, name string) (lo, hi, n int64, err error) {
	lo, hi, n, err = spanRange(s.spans)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%s spans: %w", name, err)
	}
	if vals := s.numValues(isFloat); int64(vals) != n {
		return 0, 0, 0, fmt.Errorf("%s spans call for %d buckets but %d are given", name, n, vals)
	}
	return lo, hi, n, nil
}

// expIndex maps a Prometheus bucket index at the histogram's schema to an
// OpenTelemetry index at a scale shift lower. Prometheus bucket i holds
// (base^(i-1), base^i], OpenTelemetry bucket k holds (base^k, base^(k+1)],
// hence the -1; lowering the scale by one merges buckets 2k and 2k+1.
func expIndex(i int64, shift int32) int64 { return (i - 1) >> shift }

func expWidth(lo, hi, n int64, shift int32) int64 {
	if n == 0 {
		return 0
	}
	return expIndex(hi, shift) - expIndex(lo, shift) + 1
}

// fillBuckets adds each bucket's count to dst[((i-bias)>>shift)-base].
// The spans must have been checked by bucketsFor.
func fillBuckets(dst []uint64, s *histSide, isFloat bool, bias int64, shift int32, base int64) error {
	var idx, cum int64
	v := 0
	for j, sp := range s.spans {
		if j == 0 {
			idx = int64(sp.offset)
		} else {
			idx += int64(sp.offset)
		}
		for range sp.length {
			var c uint64
			if isFloat {
				var err error
				if c, err = floatToCount(s.counts[v]); err != nil {
					return fmt.Errorf("bucket %d: %w", idx, err)
				}
			} else {
				cum += s.deltas[v]
				if cum < 0 {
					return fmt.Errorf("bucket %d has negative count %d", idx, cum)
				}
				c = uint64(cum)
			}
			dst[((idx-bias)>>shift)-base] += c
			idx++
			v++
		}
	}
	return nil
}

// spend takes n buckets from the request's budget.
func (c *converter) spend(n int64) error {
	if n > c.bucketBudget {
		return errors.New("native histograms expand to more buckets than the request's size allows")
	}
	c.bucketBudget -= n
	return nil
}

// histogramPoint appends c.hist to the series' exponential (or, for custom
// buckets, explicit) histogram metric and returns the new point's exemplars.
func (c *converter) histogramPoint(series int, rb *resourceBuilder, name, help, unit string, ls *labelSet) (pmetric.ExemplarSlice, error) {
	h := &c.hist
	ts, ok := msToTimestamp(h.timestamp)
	if !ok {
		return pmetric.ExemplarSlice{}, badRequest("series %d: histogram timestamp %d ms is out of range", series, h.timestamp)
	}
	var start pcommon.Timestamp
	if h.start != 0 {
		if start, ok = msToTimestamp(h.start); !ok {
			return pmetric.ExemplarSlice{}, badRequest("series %d: histogram start timestamp %d ms is out of range", series, h.start)
		}
	}
	var (
		ex  pmetric.ExemplarSlice
		err error
	)
	switch {
	case h.schema == customBucketsSchema:
		ex, err = c.customHistogramPoint(rb.metric(name, kindHistogram, help, unit), ls, ts, start)
	case h.schema >= minSchema && h.schema <= maxSchema:
		ex, err = c.exponentialHistogramPoint(rb.metric(name, kindExponentialHistogram, help, unit), ls, ts, start)
	default:
		err = fmt.Errorf("schema %d is not supported (want %d to %d, or %d for custom buckets)", h.schema, minSchema, maxSchema, customBucketsSchema)
	}
	if err != nil {
		return pmetric.ExemplarSlice{}, badRequest("series %d: native histogram: %v", series, err)
	}
	c.stats.histograms++
	return ex, nil
}

func (c *converter) exponentialHistogramPoint(m pmetric.Metric, ls *labelSet, ts, start pcommon.Timestamp) (pmetric.ExemplarSlice, error) {
	h := &c.hist
	dp := m.ExponentialHistogram().DataPoints().AppendEmpty()
	ls.putInto(dp.Attributes())
	dp.SetTimestamp(ts)
	dp.SetStartTimestamp(start)
	// Prometheus marks a histogram series stale with a stale NaN sum and no
	// buckets.
	if value.IsStaleNaN(h.sum) {
		dp.SetFlags(staleFlags)
		return dp.Exemplars(), nil
	}
	if len(h.custom) > 0 {
		return pmetric.ExemplarSlice{}, errors.New("exponential schema with custom bounds")
	}
	posLo, posHi, posN, err := bucketsFor(&h.pos, h.isFloat, "positive")
	if err != nil {
		return pmetric.ExemplarSlice{}, err
	}
	negLo, negHi, negN, err := bucketsFor(&h.neg, h.isFloat, "negative")
	if err != nil {
		return pmetric.ExemplarSlice{}, err
	}
	var shift int32
	if h.schema > maxScale {
		shift = h.schema - maxScale
	}
	for expWidth(posLo, posHi, posN, shift) > maxBucketsPerSide || expWidth(negLo, negHi, negN, shift) > maxBucketsPerSide {
		if h.schema-shift <= minScale {
			return pmetric.ExemplarSlice{}, errors.New("buckets span too wide a range")
		}
		shift++
	}
	if err := c.spend(expWidth(posLo, posHi, posN, shift) + expWidth(negLo, negHi, negN, shift)); err != nil {
		return pmetric.ExemplarSlice{}, err
	}
	if err := c.fillExponential(dp.Positive(), &h.pos, posLo, posHi, posN, shift); err != nil {
		return pmetric.ExemplarSlice{}, fmt.Errorf("positive %w", err)
	}
	if err := c.fillExponential(dp.Negative(), &h.neg, negLo, negHi, negN, shift); err != nil {
		return pmetric.ExemplarSlice{}, fmt.Errorf("negative %w", err)
	}
	count, err := h.count()
	if err != nil {
		return pmetric.ExemplarSlice{}, err
	}
	zero, err := h.zeroCount()
	if err != nil {
		return pmetric.ExemplarSlice{}, fmt.Errorf("zero %w", err)
	}
	dp.SetScale(h.schema - shift)
	dp.SetCount(count)
	dp.SetSum(h.sum)
	dp.SetZeroCount(zero)
	dp.SetZeroThreshold(h.zeroThreshold)
	return dp.Exemplars(), nil
}

func (c *converter) fillExponential(dst pmetric.ExponentialHistogramDataPointBuckets, s *histSide, lo, hi, n int64, shift int32) error {
	if n == 0 {
		return nil
	}
	base, top := expIndex(lo, shift), expIndex(hi, shift)
	if base < math.MinInt32 || top > math.MaxInt32 {
		return fmt.Errorf("bucket index %d out of range", lo)
	}
	counts := make([]uint64, top-base+1)
	if err := fillBuckets(counts, s, c.hist.isFloat, 1, shift, base); err != nil {
		return err
	}
	dst.SetOffset(int32(base))
	dst.BucketCounts().FromRaw(counts)
	return nil
}

// customHistogramPoint converts a native histogram with custom buckets:
// bucket i counts observations up to custom_values[i], and the one past the
// last bound is the +Inf bucket, exactly an explicit-bounds histogram.
func (c *converter) customHistogramPoint(m pmetric.Metric, ls *labelSet, ts, start pcommon.Timestamp) (pmetric.ExemplarSlice, error) {
	h := &c.hist
	dp := m.Histogram().DataPoints().AppendEmpty()
	ls.putInto(dp.Attributes())
	dp.SetTimestamp(ts)
	dp.SetStartTimestamp(start)
	if value.IsStaleNaN(h.sum) {
		dp.SetFlags(staleFlags)
		return dp.Exemplars(), nil
	}
	if _, _, n, _ := spanRange(h.neg.spans); n > 0 || h.neg.numValues(h.isFloat) > 0 {
		return pmetric.ExemplarSlice{}, errors.New("custom buckets with negative buckets")
	}
	for i, b := range h.custom {
		if math.IsNaN(b) || math.IsInf(b, 0) {
			return pmetric.ExemplarSlice{}, fmt.Errorf("custom bound %d is %v", i, b)
		}
		if i > 0 && b <= h.custom[i-1] {
			return pmetric.ExemplarSlice{}, fmt.Errorf("custom bounds are not strictly increasing at %d", i)
		}
	}
	lo, hi, n, err := bucketsFor(&h.pos, h.isFloat, "positive")
	if err != nil {
		return pmetric.ExemplarSlice{}, err
	}
	if n > 0 && (lo < 0 || hi > int64(len(h.custom))) {
		return pmetric.ExemplarSlice{}, fmt.Errorf("bucket indexes %d to %d outside the %d custom bounds", lo, hi, len(h.custom))
	}
	if err := c.spend(int64(len(h.custom)) + 1); err != nil {
		return pmetric.ExemplarSlice{}, err
	}
	counts := make([]uint64, len(h.custom)+1)
	if err := fillBuckets(counts, &h.pos, h.isFloat, 0, 0, 0); err != nil {
		return pmetric.ExemplarSlice{}, err
	}
	count, err := h.count()
	if err != nil {
		return pmetric.ExemplarSlice{}, err
	}
	dp.SetCount(count)
	dp.SetSum(h.sum)
	dp.ExplicitBounds().FromRaw(slices.Clone(h.custom))
	dp.BucketCounts().FromRaw(counts)
	return dp.Exemplars(), nil
}
