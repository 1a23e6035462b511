package prometheusremotewritereceiver

import (
	"encoding/hex"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

const (
	labelMetricName = "__name__"
	labelJob        = "job"
	labelInstance   = "instance"
	labelQuantile   = "quantile"
	labelTraceID    = "trace_id"
	labelSpanID     = "span_id"

	attrServiceName       = "service.name"
	attrServiceInstanceID = "service.instance.id"

	scopeName = "github.com/slopipe/slopipe/receivers/prometheusremotewritereceiver"
)

// metricKind is the OpenTelemetry metric type a series' points go into.
type metricKind uint8

const (
	kindGauge metricKind = iota
	kindSum
	kindExponentialHistogram
	kindHistogram
)

// familyType is what the request's metadata says a metric family is;
// typeNone when the request carries no metadata for it.
type familyType uint8

const (
	typeNone familyType = iota
	typeCounter
	typeHistogram
	typeSummary
	typeOther
)

func familyTypeV1(t prompb.MetricMetadata_MetricType) familyType {
	switch t {
	case prompb.MetricMetadata_COUNTER:
		return typeCounter
	case prompb.MetricMetadata_HISTOGRAM:
		return typeHistogram
	case prompb.MetricMetadata_SUMMARY:
		return typeSummary
	default:
		return typeOther
	}
}

// familyTypeV2 maps UNSPECIFIED to typeNone: 2.0 has no separate "no
// metadata", and senders use UNSPECIFIED both for unknown-typed metrics and
// when they know nothing, so the name is the better guide.
func familyTypeV2(t writev2.Metadata_MetricType) familyType {
	switch t {
	case writev2.Metadata_METRIC_TYPE_UNSPECIFIED:
		return typeNone
	case writev2.Metadata_METRIC_TYPE_COUNTER:
		return typeCounter
	case writev2.Metadata_METRIC_TYPE_HISTOGRAM:
		return typeHistogram
	case writev2.Metadata_METRIC_TYPE_SUMMARY:
		return typeSummary
	default:
		return typeOther
	}
}

// familySuffixes are the series-name suffixes a family's series may carry.
var familySuffixes = [...]string{"_total", "_bucket", "_count", "_sum"}

func nameSuffix(name string) string {
	for _, s := range familySuffixes {
		if strings.HasSuffix(name, s) {
			return s
		}
	}
	return ""
}

// classify picks the metric type of a series' float samples. suffix is the
// part of the series name after its family name ("" when the series is named
// like its family); quantile says whether the series has a quantile label.
func classify(t familyType, suffix string, quantile bool) metricKind {
	switch t {
	case typeNone:
		if suffix == "_total" {
			return kindSum
		}
	case typeCounter:
		return kindSum
	case typeHistogram:
		if suffix == "_bucket" || suffix == "_count" || suffix == "_sum" {
			return kindSum
		}
	case typeSummary:
		if !quantile && (suffix == "_count" || suffix == "_sum") {
			return kindSum
		}
	}
	return kindGauge
}

// writeStats counts what a request turned into, for the 2.0 response
// headers and the receiver's accepted/refused point metrics.
type writeStats struct {
	samples    int
	histograms int
	exemplars  int
}

func (s writeStats) points() int { return s.samples + s.histograms }

type resourceKey struct{ job, instance string }

type metricKey struct {
	name string
	kind metricKind
}

// resourceBuilder is one (job, instance) ResourceMetrics being filled, with
// an index so that every point of one metric lands in one Metric.
type resourceBuilder struct {
	metrics pmetric.MetricSlice
	index   map[metricKey]pmetric.Metric
}

func (rb *resourceBuilder) metric(name string, kind metricKind, help, unit string) pmetric.Metric {
	key := metricKey{name: name, kind: kind}
	if m, ok := rb.index[key]; ok {
		return m
	}
	m := rb.metrics.AppendEmpty()
	m.SetName(name)
	m.SetDescription(help)
	m.SetUnit(unit)
	switch kind {
	case kindSum:
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	case kindExponentialHistogram:
		m.SetEmptyExponentialHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	case kindHistogram:
		m.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	default:
		m.SetEmptyGauge()
	}
	rb.index[key] = m
	return m
}

// Maps that grew past this are dropped rather than cleared when the
// converter goes back to the pool, so one huge request does not pin them.
const maxPooledMapLen = 1 << 12

// converter turns one decoded request into pmetric.Metrics. It is pooled
// for its maps and scratch space; the Metrics it builds belong to the caller.
type converter struct {
	md        pmetric.Metrics
	resources map[resourceKey]*resourceBuilder
	builders  []*resourceBuilder
	used      int
	meta      map[string]*prompb.MetricMetadata
	hist      nativeHistogram
	// bucketBudget is how many more histogram buckets the request may
	// expand to; see newBucketBudget.
	bucketBudget int64
	stats        writeStats
}

var converterPool = sync.Pool{New: func() any {
	return &converter{
		resources: make(map[resourceKey]*resourceBuilder),
		meta:      make(map[string]*prompb.MetricMetadata),
	}
}}

// getConverter returns a converter for a request whose decoded protobuf is
// decodedLen bytes long.
func getConverter(decodedLen int) *converter {
	c := converterPool.Get().(*converter)
	c.md = pmetric.NewMetrics()
	c.bucketBudget = newBucketBudget(decodedLen)
	return c
}

func (c *converter) release() {
	c.md = pmetric.Metrics{}
	if len(c.resources) > maxPooledMapLen {
		c.resources = make(map[resourceKey]*resourceBuilder)
	} else {
		clear(c.resources)
	}
	if len(c.meta) > maxPooledMapLen {
		c.meta = make(map[string]*prompb.MetricMetadata)
	} else {
		clear(c.meta)
	}
	for _, b := range c.builders[:c.used] {
		b.metrics = pmetric.MetricSlice{}
		if len(b.index) > maxPooledMapLen {
			b.index = make(map[metricKey]pmetric.Metric)
		} else {
			clear(b.index)
		}
	}
	if len(c.builders) > maxPooledMapLen {
		c.builders = nil
	}
	c.used = 0
	c.hist.reset()
	c.stats = writeStats{}
	converterPool.Put(c)
}

func (c *converter) resource(job, instance string) *resourceBuilder {
	key := resourceKey{job: job, instance: instance}
	if rb, ok := c.resources[key]; ok {
		return rb
	}
	rm := c.md.ResourceMetrics().AppendEmpty()
	attrs := rm.Resource().Attributes()
	if job != "" {
		attrs.PutStr(attrServiceName, job)
	}
	if instance != "" {
		attrs.PutStr(attrServiceInstanceID, instance)
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(scopeName)
	if c.used == len(c.builders) {
		c.builders = append(c.builders, &resourceBuilder{index: make(map[metricKey]pmetric.Metric)})
	}
	rb := c.builders[c.used]
	c.used++
	rb.metrics = sm.Metrics()
	c.resources[key] = rb
	return rb
}

// labelSet is one series' (or exemplar's) labels in either protocol's form.
// The first data point of a series gets its attributes from the labels;
// later points copy them from that point.
type labelSet struct {
	v1      []prompb.Label
	v2      bool
	refs    []uint32
	symbols []string
	first   pcommon.Map
	filled  bool
}

func (ls *labelSet) len() int {
	if ls.v2 {
		return len(ls.refs) / 2
	}
	return len(ls.v1)
}

// at returns the i-th label; 2.0 references must have been checked.
func (ls *labelSet) at(i int) (name, val string) {
	if ls.v2 {
		return ls.symbols[ls.refs[2*i]], ls.symbols[ls.refs[2*i+1]]
	}
	return ls.v1[i].Name, ls.v1[i].Value
}

func (ls *labelSet) putInto(dst pcommon.Map) {
	if ls.filled {
		ls.first.CopyTo(dst)
		return
	}
	putLabels(dst, ls, nil)
	ls.first = dst
	ls.filled = true
}

// Above this many labels, attributes are built through a Go map: PutStr
// looks for an existing key on every call, which is quadratic in the number
// of labels, and a request is free to send a series with a million.
const maxLinearLabels = 32

// putLabels puts the labels into dst, dropping empty ones (in Prometheus a
// label with an empty value is the same as no label) and __name__, and
// with ex set, moving trace and span IDs into the exemplar.
func putLabels(dst pcommon.Map, ls *labelSet, ex *pmetric.Exemplar) {
	n := ls.len()
	var raw map[string]any
	if n > maxLinearLabels {
		raw = make(map[string]any, n)
	} else {
		dst.EnsureCapacity(n)
	}
	for i := range n {
		name, val := ls.at(i)
		if name == "" || val == "" || name == labelMetricName {
			continue
		}
		if ex != nil && putTraceContext(*ex, name, val) {
			continue
		}
		if raw != nil {
			raw[name] = val
		} else {
			dst.PutStr(name, val)
		}
	}
	if raw != nil {
		// Only strings: FromRaw cannot fail.
		_ = dst.FromRaw(raw)
	}
}

// seriesInfo is what the labels say about a series.
type seriesInfo struct {
	name, job, instance string
	quantile            bool
}

func (si *seriesInfo) see(name, val string) {
	switch name {
	case labelMetricName:
		si.name = val
	case labelJob:
		si.job = val
	case labelInstance:
		si.instance = val
	case labelQuantile:
		si.quantile = val != ""
	}
}

const nsPerMs = int64(time.Millisecond)

// msToTimestamp converts a Prometheus millisecond timestamp; pdata
// timestamps are unsigned nanoseconds, so times before 1970 or after 2262
// cannot be represented.
func msToTimestamp(ms int64) (pcommon.Timestamp, bool) {
	if ms < 0 || ms > math.MaxInt64/nsPerMs {
		return 0, false
	}
	return pcommon.Timestamp(ms * nsPerMs), true
}

var staleFlags = pmetric.DefaultDataPointFlags.WithNoRecordedValue(true)

// numberPoint appends one float sample. Stale markers keep their NaN value
// and are flagged, which is how OpenTelemetry says "no value any more".
func (c *converter) numberPoint(series int, m pmetric.Metric, kind metricKind, ls *labelSet, v float64, tsMs, startMs int64) (pmetric.NumberDataPoint, error) {
	ts, ok := msToTimestamp(tsMs)
	if !ok {
		return pmetric.NumberDataPoint{}, badRequest("series %d: sample timestamp %d ms is out of range", series, tsMs)
	}
	var dps pmetric.NumberDataPointSlice
	if kind == kindSum {
		dps = m.Sum().DataPoints()
	} else {
		dps = m.Gauge().DataPoints()
	}
	dp := dps.AppendEmpty()
	ls.putInto(dp.Attributes())
	dp.SetTimestamp(ts)
	dp.SetDoubleValue(v)
	if value.IsStaleNaN(v) {
		dp.SetFlags(staleFlags)
	}
	if startMs != 0 && kind == kindSum {
		start, ok := msToTimestamp(startMs)
		if !ok {
			return pmetric.NumberDataPoint{}, badRequest("series %d: start timestamp %d ms is out of range", series, startMs)
		}
		dp.SetStartTimestamp(start)
	}
	c.stats.samples++
	return dp, nil
}

// convertV1 converts a 1.0 request; metadata applies by metric family name.
func (c *converter) convertV1(req *prompb.WriteRequest) error {
	for i := range req.Metadata {
		md := &req.Metadata[i]
		if md.MetricFamilyName != "" {
			c.meta[md.MetricFamilyName] = md
		}
	}
	for i := range req.Timeseries {
		if err := c.seriesV1(i, &req.Timeseries[i]); err != nil {
			return err
		}
	}
	return nil
}

// lookupV1 finds the metadata of the family a series belongs to: the series
// name itself (counters in the text format, summary quantiles) or the name
// less a suffix (OpenMetrics counters, histogram and summary parts).
func (c *converter) lookupV1(name string) (t familyType, suffix, help, unit string) {
	if len(c.meta) != 0 {
		if md, ok := c.meta[name]; ok {
			return familyTypeV1(md.Type), "", md.Help, md.Unit
		}
		for _, s := range familySuffixes {
			if strings.HasSuffix(name, s) {
				if md, ok := c.meta[name[:len(name)-len(s)]]; ok {
					return familyTypeV1(md.Type), s, md.Help, md.Unit
				}
			}
		}
	}
	return typeNone, nameSuffix(name), "", ""
}

func (c *converter) seriesV1(i int, ts *prompb.TimeSeries) error {
	var si seriesInfo
	for j := range ts.Labels {
		si.see(ts.Labels[j].Name, ts.Labels[j].Value)
	}
	if si.name == "" {
		return badRequest("series %d: no %s label", i, labelMetricName)
	}
	if len(ts.Samples) == 0 && len(ts.Histograms) == 0 {
		// Exemplars only: nothing to attach them to.
		return nil
	}
	t, suffix, help, unit := c.lookupV1(si.name)
	rb := c.resource(si.job, si.instance)
	ls := labelSet{v1: ts.Labels}
	var last pmetric.ExemplarSlice
	hasLast := false
	if len(ts.Samples) > 0 {
		kind := classify(t, suffix, si.quantile)
		m := rb.metric(si.name, kind, help, unit)
		for _, s := range ts.Samples {
			dp, err := c.numberPoint(i, m, kind, &ls, s.Value, s.Timestamp, 0)
			if err != nil {
				return err
			}
			last, hasLast = dp.Exemplars(), true
		}
	}
	for j := range ts.Histograms {
		c.hist.fromV1(&ts.Histograms[j])
		ex, err := c.histogramPoint(i, rb, si.name, help, unit, &ls)
		if err != nil {
			return err
		}
		last, hasLast = ex, true
	}
	if !hasLast {
		return nil
	}
	for j := range ts.Exemplars {
		e := &ts.Exemplars[j]
		ex, err := c.exemplar(i, last, e.Value, e.Timestamp)
		if err != nil {
			return err
		}
		putLabels(ex.FilteredAttributes(), &labelSet{v1: e.Labels}, &ex)
	}
	return nil
}

// convertV2 converts a 2.0 request; each series carries its own metadata
// and refers to its strings by index into the request's symbols table.
func (c *converter) convertV2(req *writev2.Request) error {
	for i := range req.Timeseries {
		if err := c.seriesV2(i, &req.Timeseries[i], req.Symbols); err != nil {
			return err
		}
	}
	return nil
}

func checkRefs(series int, what string, refs []uint32, symbols []string) error {
	if len(refs)%2 != 0 {
		return badRequest("series %d: %s references have odd length %d", series, what, len(refs))
	}
	for _, r := range refs {
		if int64(r) >= int64(len(symbols)) {
			return badRequest("series %d: %s reference %d is outside the symbols table (%d symbols)", series, what, r, len(symbols))
		}
	}
	return nil
}

func symbol(series int, what string, ref uint32, symbols []string) (string, error) {
	if int64(ref) >= int64(len(symbols)) {
		return "", badRequest("series %d: %s reference %d is outside the symbols table (%d symbols)", series, what, ref, len(symbols))
	}
	return symbols[ref], nil
}

func (c *converter) seriesV2(i int, ts *writev2.TimeSeries, symbols []string) error {
	if err := checkRefs(i, "label", ts.LabelsRefs, symbols); err != nil {
		return err
	}
	var si seriesInfo
	for j := 0; j < len(ts.LabelsRefs); j += 2 {
		si.see(symbols[ts.LabelsRefs[j]], symbols[ts.LabelsRefs[j+1]])
	}
	if si.name == "" {
		return badRequest("series %d: no %s label", i, labelMetricName)
	}
	help, err := symbol(i, "metadata help", ts.Metadata.HelpRef, symbols)
	if err != nil {
		return err
	}
	unit, err := symbol(i, "metadata unit", ts.Metadata.UnitRef, symbols)
	if err != nil {
		return err
	}
	if len(ts.Samples) == 0 && len(ts.Histograms) == 0 {
		// Exemplars only: nothing to attach them to.
		return nil
	}
	rb := c.resource(si.job, si.instance)
	ls := labelSet{v2: true, refs: ts.LabelsRefs, symbols: symbols}
	var last pmetric.ExemplarSlice
	hasLast := false
	if len(ts.Samples) > 0 {
		kind := classify(familyTypeV2(ts.Metadata.Type), nameSuffix(si.name), si.quantile)
		m := rb.metric(si.name, kind, help, unit)
		for _, s := range ts.Samples {
			dp, err := c.numberPoint(i, m, kind, &ls, s.Value, s.Timestamp, s.StartTimestamp)
			if err != nil {
				return err
			}
			last, hasLast = dp.Exemplars(), true
		}
	}
	for j := range ts.Histograms {
		c.hist.fromV2(&ts.Histograms[j])
		ex, err := c.histogramPoint(i, rb, si.name, help, unit, &ls)
		if err != nil {
			return err
		}
		last, hasLast = ex, true
	}
	if !hasLast {
		return nil
	}
	for j := range ts.Exemplars {
		e := &ts.Exemplars[j]
		if err := checkRefs(i, "exemplar label", e.LabelsRefs, symbols); err != nil {
			return err
		}
		ex, err := c.exemplar(i, last, e.Value, e.Timestamp)
		if err != nil {
			return err
		}
		putLabels(ex.FilteredAttributes(), &labelSet{v2: true, refs: e.LabelsRefs, symbols: symbols}, &ex)
	}
	return nil
}

// exemplar appends an exemplar to the series' last point: remote write
// sends exemplars per series, not per sample, and the last point is the one
// closest in time to what the sender saw.
func (c *converter) exemplar(series int, dst pmetric.ExemplarSlice, v float64, tsMs int64) (pmetric.Exemplar, error) {
	ts, ok := msToTimestamp(tsMs)
	if !ok {
		return pmetric.Exemplar{}, badRequest("series %d: exemplar timestamp %d ms is out of range", series, tsMs)
	}
	ex := dst.AppendEmpty()
	ex.SetTimestamp(ts)
	ex.SetDoubleValue(v)
	c.stats.exemplars++
	return ex, nil
}

// putTraceContext moves the trace_id and span_id labels that Prometheus
// client libraries set into the exemplar's trace context, where OTLP
// consumers look for them, and reports whether it did.
func putTraceContext(ex pmetric.Exemplar, name, val string) bool {
	switch name {
	case labelTraceID:
		var id pcommon.TraceID
		if len(val) == hex.EncodedLen(len(id)) {
			if _, err := hex.Decode(id[:], []byte(val)); err == nil {
				ex.SetTraceID(id)
				return true
			}
		}
	case labelSpanID:
		var id pcommon.SpanID
		if len(val) == hex.EncodedLen(len(id)) {
			if _, err := hex.Decode(id[:], []byte(val)); err == nil {
				ex.SetSpanID(id)
				return true
			}
		}
	}
	return false
}
