package clickhouseexporter

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/slopipe/slopipe/store"
)

// metricRows are the columns of the five otel_metrics_* tables, one batch
// per metric type as in the contrib schema.
type metricRows struct {
	text textArena
	m    metricContext // reused: its attribute rows keep their memory

	gauge, sum, histogram, expHistogram, summary *store.Batch

	gaugeCols      numberPointColumns
	sumCols        numberPointColumns
	sumTemporality *store.Numbers[int32]
	sumMonotonic   *store.Numbers[uint8]
	histCols       histogramColumns
	expCols        expHistogramColumns
	summaryCols    summaryColumns
}

// pointColumns are the columns every metrics table starts with.
type pointColumns struct {
	tenant, resourceSchemaURL, scopeName, scopeVersion, scopeSchemaURL *store.Strings
	service, metricName, metricDescription, metricUnit                 *store.Strings
	resourceAttrs, scopeAttrs, attrs                                   *store.Maps
	scopeDropped                                                       *store.Numbers[uint32]
	startTime, time                                                    *store.Times
}

func newPointColumns() pointColumns {
	return pointColumns{
		tenant:            store.NewStrings("TenantId"),
		resourceAttrs:     store.NewMaps("ResourceAttributes"),
		resourceSchemaURL: store.NewStrings("ResourceSchemaUrl"),
		scopeName:         store.NewStrings("ScopeName"),
		scopeVersion:      store.NewStrings("ScopeVersion"),
		scopeAttrs:        store.NewMaps("ScopeAttributes"),
		scopeDropped:      store.NewUInt32s("ScopeDroppedAttrCount"),
		scopeSchemaURL:    store.NewStrings("ScopeSchemaUrl"),
		service:           store.NewStrings("ServiceName"),
		metricName:        store.NewStrings("MetricName"),
		metricDescription: store.NewStrings("MetricDescription"),
		metricUnit:        store.NewStrings("MetricUnit"),
		attrs:             store.NewMaps("Attributes"),
		startTime:         store.NewDateTimes("StartTimeUnix"),
		time:              store.NewDateTimes("TimeUnix"),
	}
}

func (c *pointColumns) columns() []store.Column {
	return []store.Column{c.tenant, c.resourceAttrs, c.resourceSchemaURL, c.scopeName, c.scopeVersion,
		c.scopeAttrs, c.scopeDropped, c.scopeSchemaURL, c.service, c.metricName, c.metricDescription,
		c.metricUnit, c.attrs, c.startTime, c.time}
}

// metricContext is what every point of one metric shares.
type metricContext struct {
	tenant, service string
	resource        pcommon.Resource
	resourceSchema  string
	scope           pcommon.InstrumentationScope
	scopeSchema     string
	metric          pmetric.Metric
	text            *textArena
	resourceAttrs   attributeRow
	scopeAttrs      attributeRow
}

func (c *pointColumns) append(m *metricContext, attrs pcommon.Map, start, ts pcommon.Timestamp) {
	c.tenant.Append(m.tenant)
	m.resourceAttrs.putRow(c.resourceAttrs)
	c.resourceSchemaURL.Append(m.resourceSchema)
	c.scopeName.Append(m.scope.Name())
	c.scopeVersion.Append(m.scope.Version())
	m.scopeAttrs.putRow(c.scopeAttrs)
	c.scopeDropped.Append(m.scope.DroppedAttributesCount())
	c.scopeSchemaURL.Append(m.scopeSchema)
	c.service.Append(m.service)
	c.metricName.Append(m.metric.Name())
	c.metricDescription.Append(m.metric.Description())
	c.metricUnit.Append(m.metric.Unit())
	putAttributes(c.attrs, attrs, m.text)
	c.startTime.Append(int64(start))
	c.time.Append(int64(ts))
}

// exemplarColumns are the Exemplars nested columns of every table but summary.
type exemplarColumns struct {
	filteredAttrs, time, value, spanID, traceID *store.Arrays
}

func newExemplarColumns() exemplarColumns {
	return exemplarColumns{
		filteredAttrs: store.NewArrays("Exemplars.FilteredAttributes", store.NewMaps("")),
		time:          store.NewArrays("Exemplars.TimeUnix", store.NewDateTimes("")),
		value:         store.NewArrays("Exemplars.Value", store.NewFloat64s("")),
		spanID:        store.NewArrays("Exemplars.SpanId", store.NewStrings("")),
		traceID:       store.NewArrays("Exemplars.TraceId", store.NewStrings("")),
	}
}

func (c *exemplarColumns) columns() []store.Column {
	return []store.Column{c.filteredAttrs, c.time, c.value, c.spanID, c.traceID}
}

func (c *exemplarColumns) append(exemplars pmetric.ExemplarSlice, text *textArena) {
	attrs := c.filteredAttrs.Elem.(*store.Maps)
	times := c.time.Elem.(*store.Times)
	values := c.value.Elem.(*store.Numbers[float64])
	spans := c.spanID.Elem.(*store.Strings)
	traces := c.traceID.Elem.(*store.Strings)
	for _, ex := range exemplars.All() {
		putAttributes(attrs, ex.FilteredAttributes(), text)
		times.Append(int64(ex.Timestamp()))
		values.Append(exemplarValue(ex))
		spanID, traceID := ex.SpanID(), ex.TraceID()
		spans.Append(text.hex(spanID[:]))
		traces.Append(text.hex(traceID[:]))
	}
	c.filteredAttrs.EndRow()
	c.time.EndRow()
	c.value.EndRow()
	c.spanID.EndRow()
	c.traceID.EndRow()
}

func exemplarValue(ex pmetric.Exemplar) float64 {
	if ex.ValueType() == pmetric.ExemplarValueTypeInt {
		return float64(ex.IntValue())
	}
	return ex.DoubleValue()
}

// numberPointColumns serve gauge and sum.
type numberPointColumns struct {
	pointColumns
	value     *store.Numbers[float64]
	flags     *store.Numbers[uint32]
	exemplars exemplarColumns
}

func newNumberPointColumns() numberPointColumns {
	return numberPointColumns{
		pointColumns: newPointColumns(),
		value:        store.NewFloat64s("Value"),
		flags:        store.NewUInt32s("Flags"),
		exemplars:    newExemplarColumns(),
	}
}

func (c *numberPointColumns) columns() []store.Column {
	cols := append(c.pointColumns.columns(), c.value, c.flags)
	return append(cols, c.exemplars.columns()...)
}

func (c *numberPointColumns) append(m *metricContext, p pmetric.NumberDataPoint) {
	c.pointColumns.append(m, p.Attributes(), p.StartTimestamp(), p.Timestamp())
	if p.ValueType() == pmetric.NumberDataPointValueTypeInt {
		c.value.Append(float64(p.IntValue()))
	} else {
		c.value.Append(p.DoubleValue())
	}
	c.flags.Append(uint32(p.Flags()))
	c.exemplars.append(p.Exemplars(), m.text)
}

// histogramTail are the columns both histogram tables end with.
type histogramTail struct {
	exemplars   exemplarColumns
	flags       *store.Numbers[uint32]
	min, max    *store.Numbers[float64]
	temporality *store.Numbers[int32]
}

func newHistogramTail() histogramTail {
	return histogramTail{
		exemplars:   newExemplarColumns(),
		flags:       store.NewUInt32s("Flags"),
		min:         store.NewFloat64s("Min"),
		max:         store.NewFloat64s("Max"),
		temporality: store.NewInt32s("AggregationTemporality"),
	}
}

func (c *histogramTail) columns() []store.Column {
	return append(c.exemplars.columns(), c.flags, c.min, c.max, c.temporality)
}

// append takes the two point types' common fields as values: passing the
// point as an interface would allocate per point.
func (c *histogramTail) append(exemplars pmetric.ExemplarSlice, flags pmetric.DataPointFlags, minimum, maximum float64,
	temporality pmetric.AggregationTemporality, text *textArena) {
	c.exemplars.append(exemplars, text)
	c.flags.Append(uint32(flags))
	c.min.Append(minimum)
	c.max.Append(maximum)
	c.temporality.Append(int32(temporality))
}

type histogramColumns struct {
	pointColumns
	count          *store.Numbers[uint64]
	sum            *store.Numbers[float64]
	bucketCounts   *store.Arrays
	explicitBounds *store.Arrays
	histogramTail
}

func newHistogramColumns() histogramColumns {
	return histogramColumns{
		pointColumns:   newPointColumns(),
		count:          store.NewUInt64s("Count"),
		sum:            store.NewFloat64s("Sum"),
		bucketCounts:   store.NewArrays("BucketCounts", store.NewUInt64s("")),
		explicitBounds: store.NewArrays("ExplicitBounds", store.NewFloat64s("")),
		histogramTail:  newHistogramTail(),
	}
}

func (c *histogramColumns) columns() []store.Column {
	cols := append(c.pointColumns.columns(), c.count, c.sum, c.bucketCounts, c.explicitBounds)
	return append(cols, c.histogramTail.columns()...)
}

func (c *histogramColumns) append(m *metricContext, p pmetric.HistogramDataPoint, temporality pmetric.AggregationTemporality) {
	c.pointColumns.append(m, p.Attributes(), p.StartTimestamp(), p.Timestamp())
	c.count.Append(p.Count())
	c.sum.Append(p.Sum())
	appendUInt64s(c.bucketCounts, p.BucketCounts())
	appendFloat64s(c.explicitBounds, p.ExplicitBounds())
	c.histogramTail.append(p.Exemplars(), p.Flags(), p.Min(), p.Max(), temporality, m.text)
}

type expHistogramColumns struct {
	pointColumns
	count                          *store.Numbers[uint64]
	sum                            *store.Numbers[float64]
	scale                          *store.Numbers[int32]
	zeroCount                      *store.Numbers[uint64]
	positiveOffset, negativeOffset *store.Numbers[int32]
	positiveCounts, negativeCounts *store.Arrays
	histogramTail
}

func newExpHistogramColumns() expHistogramColumns {
	return expHistogramColumns{
		pointColumns:   newPointColumns(),
		count:          store.NewUInt64s("Count"),
		sum:            store.NewFloat64s("Sum"),
		scale:          store.NewInt32s("Scale"),
		zeroCount:      store.NewUInt64s("ZeroCount"),
		positiveOffset: store.NewInt32s("PositiveOffset"),
		positiveCounts: store.NewArrays("PositiveBucketCounts", store.NewUInt64s("")),
		negativeOffset: store.NewInt32s("NegativeOffset"),
		negativeCounts: store.NewArrays("NegativeBucketCounts", store.NewUInt64s("")),
		histogramTail:  newHistogramTail(),
	}
}

func (c *expHistogramColumns) columns() []store.Column {
	cols := append(c.pointColumns.columns(), c.count, c.sum, c.scale, c.zeroCount,
		c.positiveOffset, c.positiveCounts, c.negativeOffset, c.negativeCounts)
	return append(cols, c.histogramTail.columns()...)
}

func (c *expHistogramColumns) append(m *metricContext, p pmetric.ExponentialHistogramDataPoint, temporality pmetric.AggregationTemporality) {
	c.pointColumns.append(m, p.Attributes(), p.StartTimestamp(), p.Timestamp())
	c.count.Append(p.Count())
	c.sum.Append(p.Sum())
	c.scale.Append(p.Scale())
	c.zeroCount.Append(p.ZeroCount())
	c.positiveOffset.Append(p.Positive().Offset())
	appendUInt64s(c.positiveCounts, p.Positive().BucketCounts())
	c.negativeOffset.Append(p.Negative().Offset())
	appendUInt64s(c.negativeCounts, p.Negative().BucketCounts())
	c.histogramTail.append(p.Exemplars(), p.Flags(), p.Min(), p.Max(), temporality, m.text)
}

type summaryColumns struct {
	pointColumns
	count            *store.Numbers[uint64]
	sum              *store.Numbers[float64]
	quantiles, value *store.Arrays
	flags            *store.Numbers[uint32]
}

func newSummaryColumns() summaryColumns {
	return summaryColumns{
		pointColumns: newPointColumns(),
		count:        store.NewUInt64s("Count"),
		sum:          store.NewFloat64s("Sum"),
		quantiles:    store.NewArrays("ValueAtQuantiles.Quantile", store.NewFloat64s("")),
		value:        store.NewArrays("ValueAtQuantiles.Value", store.NewFloat64s("")),
		flags:        store.NewUInt32s("Flags"),
	}
}

func (c *summaryColumns) columns() []store.Column {
	return append(c.pointColumns.columns(), c.count, c.sum, c.quantiles, c.value, c.flags)
}

func (c *summaryColumns) append(m *metricContext, p pmetric.SummaryDataPoint) {
	c.pointColumns.append(m, p.Attributes(), p.StartTimestamp(), p.Timestamp())
	c.count.Append(p.Count())
	c.sum.Append(p.Sum())
	quantiles := c.quantiles.Elem.(*store.Numbers[float64])
	values := c.value.Elem.(*store.Numbers[float64])
	for _, q := range p.QuantileValues().All() {
		quantiles.Append(q.Quantile())
		values.Append(q.Value())
	}
	c.quantiles.EndRow()
	c.value.EndRow()
	c.flags.Append(uint32(p.Flags()))
}

func newMetricRows() *metricRows {
	r := &metricRows{
		gaugeCols:      newNumberPointColumns(),
		sumCols:        newNumberPointColumns(),
		sumTemporality: store.NewInt32s("AggregationTemporality"),
		sumMonotonic:   store.NewUInt8s("IsMonotonic"),
		histCols:       newHistogramColumns(),
		expCols:        newExpHistogramColumns(),
		summaryCols:    newSummaryColumns(),
	}
	r.gauge = store.NewBatch("otel_metrics_gauge", r.gaugeCols.columns()...)
	r.sum = store.NewBatch("otel_metrics_sum", append(r.sumCols.columns(), r.sumTemporality, r.sumMonotonic)...)
	r.histogram = store.NewBatch("otel_metrics_histogram", r.histCols.columns()...)
	r.expHistogram = store.NewBatch("otel_metrics_exponential_histogram", r.expCols.columns()...)
	r.summary = store.NewBatch("otel_metrics_summary", r.summaryCols.columns()...)
	return r
}

// batches are in metricTypeOrder.
func (r *metricRows) batches() []*store.Batch {
	return []*store.Batch{r.gauge, r.sum, r.histogram, r.expHistogram, r.summary}
}

var metricTypeOrder = []pmetric.MetricType{
	pmetric.MetricTypeGauge, pmetric.MetricTypeSum, pmetric.MetricTypeHistogram,
	pmetric.MetricTypeExponentialHistogram, pmetric.MetricTypeSummary,
}

// metricsOfTypes copies the metrics of md whose type is in types, with
// their resources and scopes.
func metricsOfTypes(md pmetric.Metrics, types []pmetric.MetricType) pmetric.Metrics {
	out := pmetric.NewMetrics()
	for _, rm := range md.ResourceMetrics().All() {
		outRM := out.ResourceMetrics().AppendEmpty()
		rm.Resource().CopyTo(outRM.Resource())
		outRM.SetSchemaUrl(rm.SchemaUrl())
		for _, sm := range rm.ScopeMetrics().All() {
			outSM := outRM.ScopeMetrics().AppendEmpty()
			sm.Scope().CopyTo(outSM.Scope())
			outSM.SetSchemaUrl(sm.SchemaUrl())
			for _, m := range sm.Metrics().All() {
				if slices.Contains(types, m.Type()) {
					m.CopyTo(outSM.Metrics().AppendEmpty())
				}
			}
		}
	}
	return out
}

func (r *metricRows) reset() {
	r.m.resourceAttrs.clear()
	r.m.scopeAttrs.clear()
	// Let go of the last request's resource, scope and metric; only the
	// attribute rows' memory is kept.
	r.m = metricContext{resourceAttrs: r.m.resourceAttrs, scopeAttrs: r.m.scopeAttrs}
	for _, b := range r.batches() {
		b.Reset()
	}
}

func (r *metricRows) appendMetrics(md pmetric.Metrics, tenantAttribute string) {
	r.text.reset(0)
	m := &r.m
	m.text = &r.text
	for _, rm := range md.ResourceMetrics().All() {
		m.resource = rm.Resource()
		m.resourceSchema = rm.SchemaUrl()
		m.tenant = resourceString(m.resource, tenantAttribute)
		m.service = resourceString(m.resource, "service.name")
		m.resourceAttrs.set(m.resource.Attributes(), m.text)
		for _, sm := range rm.ScopeMetrics().All() {
			m.scope = sm.Scope()
			m.scopeSchema = sm.SchemaUrl()
			m.scopeAttrs.set(m.scope.Attributes(), m.text)
			for _, metric := range sm.Metrics().All() {
				m.metric = metric
				r.appendMetric(m)
			}
		}
	}
}

func (r *metricRows) appendMetric(m *metricContext) {
	switch m.metric.Type() {
	case pmetric.MetricTypeGauge:
		for _, p := range m.metric.Gauge().DataPoints().All() {
			r.gaugeCols.append(m, p)
		}
	case pmetric.MetricTypeSum:
		sum := m.metric.Sum()
		monotonic := uint8(0)
		if sum.IsMonotonic() {
			monotonic = 1
		}
		for _, p := range sum.DataPoints().All() {
			r.sumCols.append(m, p)
			r.sumTemporality.Append(int32(sum.AggregationTemporality()))
			r.sumMonotonic.Append(monotonic)
		}
	case pmetric.MetricTypeHistogram:
		h := m.metric.Histogram()
		for _, p := range h.DataPoints().All() {
			r.histCols.append(m, p, h.AggregationTemporality())
		}
	case pmetric.MetricTypeExponentialHistogram:
		h := m.metric.ExponentialHistogram()
		for _, p := range h.DataPoints().All() {
			r.expCols.append(m, p, h.AggregationTemporality())
		}
	case pmetric.MetricTypeSummary:
		for _, p := range m.metric.Summary().DataPoints().All() {
			r.summaryCols.append(m, p)
		}
	}
}

// appendUInt64s and appendFloat64s add one array row without the copy
// AsRaw would make.
func appendUInt64s(dst *store.Arrays, src pcommon.UInt64Slice) {
	elem := dst.Elem.(*store.Numbers[uint64])
	for _, v := range src.All() {
		elem.Append(v)
	}
	dst.EndRow()
}

func appendFloat64s(dst *store.Arrays, src pcommon.Float64Slice) {
	elem := dst.Elem.(*store.Numbers[float64])
	for _, v := range src.All() {
		elem.Append(v)
	}
	dst.EndRow()
}
