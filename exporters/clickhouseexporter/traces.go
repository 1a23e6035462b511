package clickhouseexporter

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/slopipe/slopipe/store"
)

// traceRows are the columns of otel_traces and of its trace-id index,
// otel_traces_trace_id_ts, which the contrib schema fills with a
// materialized view; slopipe fills it here so that the same rows land on
// a single server, a cluster and the embedded engine alike.
type traceRows struct {
	spans    *store.Batch
	traceIDs *store.Batch
	text     textArena
	resource attributeRow

	tenant, traceID, spanID, parentSpanID, traceState, spanName, spanKind, service *store.Strings
	timestamp                                                                      *store.Times
	resourceAttrs, spanAttrs                                                       *store.Maps
	scopeName, scopeVersion, statusCode, statusMessage                             *store.Strings
	duration                                                                       *store.Numbers[uint64]
	eventTimes, eventNames, eventAttrs                                             *store.Arrays
	linkTraceIDs, linkSpanIDs, linkTraceStates, linkAttrs                          *store.Arrays

	indexTenant, indexTraceID *store.Strings
	indexStart, indexEnd      *store.Times
	traceBounds               map[traceKey]traceBounds
}

type traceKey struct {
	tenant string
	id     pcommon.TraceID
}

type traceBounds struct{ start, end pcommon.Timestamp }

func newTraceRows() *traceRows {
	r := &traceRows{
		tenant:          store.NewStrings("TenantId"),
		timestamp:       store.NewTimes("Timestamp"),
		traceID:         store.NewStrings("TraceId"),
		spanID:          store.NewStrings("SpanId"),
		parentSpanID:    store.NewStrings("ParentSpanId"),
		traceState:      store.NewStrings("TraceState"),
		spanName:        store.NewStrings("SpanName"),
		spanKind:        store.NewStrings("SpanKind"),
		service:         store.NewStrings("ServiceName"),
		resourceAttrs:   store.NewMaps("ResourceAttributes"),
		scopeName:       store.NewStrings("ScopeName"),
		scopeVersion:    store.NewStrings("ScopeVersion"),
		spanAttrs:       store.NewMaps("SpanAttributes"),
		duration:        store.NewUInt64s("Duration"),
		statusCode:      store.NewStrings("StatusCode"),
		statusMessage:   store.NewStrings("StatusMessage"),
		eventTimes:      store.NewArrays("Events.Timestamp", store.NewTimes("")),
		eventNames:      store.NewArrays("Events.Name", store.NewStrings("")),
		eventAttrs:      store.NewArrays("Events.Attributes", store.NewMaps("")),
		linkTraceIDs:    store.NewArrays("Links.TraceId", store.NewStrings("")),
		linkSpanIDs:     store.NewArrays("Links.SpanId", store.NewStrings("")),
		linkTraceStates: store.NewArrays("Links.TraceState", store.NewStrings("")),
		linkAttrs:       store.NewArrays("Links.Attributes", store.NewMaps("")),
		indexTenant:     store.NewStrings("TenantId"),
		indexTraceID:    store.NewStrings("TraceId"),
		indexStart:      store.NewDateTimes("Start"),
		indexEnd:        store.NewDateTimes("End"),
		traceBounds:     map[traceKey]traceBounds{},
	}
	r.spans = store.NewBatch("otel_traces", r.tenant, r.timestamp, r.traceID, r.spanID, r.parentSpanID,
		r.traceState, r.spanName, r.spanKind, r.service, r.resourceAttrs, r.scopeName, r.scopeVersion,
		r.spanAttrs, r.duration, r.statusCode, r.statusMessage, r.eventTimes, r.eventNames, r.eventAttrs,
		r.linkTraceIDs, r.linkSpanIDs, r.linkTraceStates, r.linkAttrs)
	r.traceIDs = store.NewBatch("otel_traces_trace_id_ts", r.indexTenant, r.indexTraceID, r.indexStart, r.indexEnd)
	return r
}

func (r *traceRows) reset() {
	r.resource.clear()
	r.spans.Reset()
	r.traceIDs.Reset()
	clear(r.traceBounds)
}

func (r *traceRows) appendTraces(td ptrace.Traces, tenantAttribute string) {
	// Trace, span and parent IDs: 32+16+16 hex bytes per span, links extra.
	r.text.reset(td.SpanCount() * 64)
	for _, rs := range td.ResourceSpans().All() {
		resource := rs.Resource()
		tenant := resourceString(resource, tenantAttribute)
		service := resourceString(resource, "service.name")
		r.resource.set(resource.Attributes(), &r.text)
		for _, ss := range rs.ScopeSpans().All() {
			scope := ss.Scope()
			for _, span := range ss.Spans().All() {
				r.appendSpan(tenant, service, scope, span)
			}
		}
	}
	for key, bounds := range r.traceBounds {
		r.indexTenant.Append(key.tenant)
		r.indexTraceID.Append(r.text.hex(key.id[:]))
		r.indexStart.Append(int64(bounds.start))
		r.indexEnd.Append(int64(bounds.end))
	}
}

func (r *traceRows) appendSpan(tenant, service string, scope pcommon.InstrumentationScope, span ptrace.Span) {
	traceID := span.TraceID()
	spanID := span.SpanID()
	parentID := span.ParentSpanID()
	start, end := span.StartTimestamp(), span.EndTimestamp()

	r.tenant.Append(tenant)
	r.timestamp.Append(int64(start))
	r.traceID.Append(r.text.hex(traceID[:]))
	r.spanID.Append(r.text.hex(spanID[:]))
	r.parentSpanID.Append(r.text.hex(parentID[:]))
	r.traceState.Append(span.TraceState().AsRaw())
	r.spanName.Append(span.Name())
	r.spanKind.Append(spanKindName(span.Kind()))
	r.service.Append(service)
	r.resource.putRow(r.resourceAttrs)
	r.scopeName.Append(scope.Name())
	r.scopeVersion.Append(scope.Version())
	putAttributes(r.spanAttrs, span.Attributes(), &r.text)
	var duration uint64
	if end > start {
		duration = uint64(end - start)
	}
	r.duration.Append(duration)
	r.statusCode.Append(statusCodeName(span.Status().Code()))
	r.statusMessage.Append(span.Status().Message())

	eventTimes := r.eventTimes.Elem.(*store.Times)
	eventNames := r.eventNames.Elem.(*store.Strings)
	eventAttrs := r.eventAttrs.Elem.(*store.Maps)
	for _, ev := range span.Events().All() {
		eventTimes.Append(int64(ev.Timestamp()))
		eventNames.Append(ev.Name())
		putAttributes(eventAttrs, ev.Attributes(), &r.text)
	}
	r.eventTimes.EndRow()
	r.eventNames.EndRow()
	r.eventAttrs.EndRow()

	linkTraceIDs := r.linkTraceIDs.Elem.(*store.Strings)
	linkSpanIDs := r.linkSpanIDs.Elem.(*store.Strings)
	linkStates := r.linkTraceStates.Elem.(*store.Strings)
	linkAttrs := r.linkAttrs.Elem.(*store.Maps)
	for _, link := range span.Links().All() {
		lt, ls := link.TraceID(), link.SpanID()
		linkTraceIDs.Append(r.text.hex(lt[:]))
		linkSpanIDs.Append(r.text.hex(ls[:]))
		linkStates.Append(link.TraceState().AsRaw())
		putAttributes(linkAttrs, link.Attributes(), &r.text)
	}
	r.linkTraceIDs.EndRow()
	r.linkSpanIDs.EndRow()
	r.linkTraceStates.EndRow()
	r.linkAttrs.EndRow()

	if traceID.IsEmpty() {
		return
	}
	key := traceKey{tenant: tenant, id: traceID}
	if b, seen := r.traceBounds[key]; seen {
		r.traceBounds[key] = traceBounds{start: min(b.start, start), end: max(b.end, end)}
	} else {
		r.traceBounds[key] = traceBounds{start: start, end: end}
	}
}

// The contrib schema stores kinds and status codes by their proto names.
func spanKindName(k ptrace.SpanKind) string {
	switch k {
	case ptrace.SpanKindInternal:
		return "SPAN_KIND_INTERNAL"
	case ptrace.SpanKindServer:
		return "SPAN_KIND_SERVER"
	case ptrace.SpanKindClient:
		return "SPAN_KIND_CLIENT"
	case ptrace.SpanKindProducer:
		return "SPAN_KIND_PRODUCER"
	case ptrace.SpanKindConsumer:
		return "SPAN_KIND_CONSUMER"
	}
	return "SPAN_KIND_UNSPECIFIED"
}

func statusCodeName(c ptrace.StatusCode) string {
	switch c {
	case ptrace.StatusCodeOk:
		return "STATUS_CODE_OK"
	case ptrace.StatusCodeError:
		return "STATUS_CODE_ERROR"
	}
	return "STATUS_CODE_UNSET"
}
