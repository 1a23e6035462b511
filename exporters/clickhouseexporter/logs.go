package clickhouseexporter

import (
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/slopipe/slopipe/store"
)

// logRows are the columns of otel_logs.
type logRows struct {
	batch *store.Batch
	text  textArena

	resource, scope attributeRow

	tenant, traceID, spanID, severityText, service, body       *store.Strings
	resourceSchemaURL, scopeSchemaURL, scopeName, scopeVersion *store.Strings
	eventName                                                  *store.Strings
	timestamp                                                  *store.Times
	traceFlags, severityNumber                                 *store.Numbers[uint8]
	resourceAttrs, scopeAttrs, logAttrs                        *store.Maps
}

func newLogRows() *logRows {
	r := &logRows{
		tenant:            store.NewStrings("TenantId"),
		timestamp:         store.NewTimes("Timestamp"),
		traceID:           store.NewStrings("TraceId"),
		spanID:            store.NewStrings("SpanId"),
		traceFlags:        store.NewUInt8s("TraceFlags"),
		severityText:      store.NewStrings("SeverityText"),
		severityNumber:    store.NewUInt8s("SeverityNumber"),
		service:           store.NewStrings("ServiceName"),
		body:              store.NewStrings("Body"),
		resourceSchemaURL: store.NewStrings("ResourceSchemaUrl"),
		resourceAttrs:     store.NewMaps("ResourceAttributes"),
		scopeSchemaURL:    store.NewStrings("ScopeSchemaUrl"),
		scopeName:         store.NewStrings("ScopeName"),
		scopeVersion:      store.NewStrings("ScopeVersion"),
		scopeAttrs:        store.NewMaps("ScopeAttributes"),
		logAttrs:          store.NewMaps("LogAttributes"),
		eventName:         store.NewStrings("EventName"),
	}
	r.batch = store.NewBatch("otel_logs", r.tenant, r.timestamp, r.traceID, r.spanID, r.traceFlags,
		r.severityText, r.severityNumber, r.service, r.body, r.resourceSchemaURL, r.resourceAttrs,
		r.scopeSchemaURL, r.scopeName, r.scopeVersion, r.scopeAttrs, r.logAttrs, r.eventName)
	return r
}

func (r *logRows) reset() {
	r.resource.clear()
	r.scope.clear()
	r.batch.Reset()
}

func (r *logRows) appendLogs(ld plog.Logs, tenantAttribute string) {
	r.text.reset(ld.LogRecordCount() * 48)
	for _, rl := range ld.ResourceLogs().All() {
		resource := rl.Resource()
		tenant := resourceString(resource, tenantAttribute)
		service := resourceString(resource, "service.name")
		r.resource.set(resource.Attributes(), &r.text)
		for _, sl := range rl.ScopeLogs().All() {
			scope := sl.Scope()
			r.scope.set(scope.Attributes(), &r.text)
			for _, rec := range sl.LogRecords().All() {
				ts := rec.Timestamp()
				if ts == 0 {
					// Many agents set only the observed time; contrib stores that.
					ts = rec.ObservedTimestamp()
				}
				traceID, spanID := rec.TraceID(), rec.SpanID()
				r.tenant.Append(tenant)
				r.timestamp.Append(int64(ts))
				r.traceID.Append(r.text.hex(traceID[:]))
				r.spanID.Append(r.text.hex(spanID[:]))
				r.traceFlags.Append(uint8(rec.Flags()))
				r.severityText.Append(rec.SeverityText())
				r.severityNumber.Append(uint8(rec.SeverityNumber()))
				r.service.Append(service)
				r.body.Append(rec.Body().AsString())
				r.resourceSchemaURL.Append(rl.SchemaUrl())
				r.resource.putRow(r.resourceAttrs)
				r.scopeSchemaURL.Append(sl.SchemaUrl())
				r.scopeName.Append(scope.Name())
				r.scopeVersion.Append(scope.Version())
				r.scope.putRow(r.scopeAttrs)
				putAttributes(r.logAttrs, rec.Attributes(), &r.text)
				r.eventName.Append(rec.EventName())
			}
		}
	}
}
