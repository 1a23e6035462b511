package sliprocessor

import (
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/slopipe/slopipe/slo"
)

// spanSLI is a span SLO compiled for matching: filters decide whether a
// span counts, the good checks whether it is good.
type spanSLI struct {
	name     string
	service  string
	spanName string
	route    string
	kind     ptrace.SpanKind // SpanKindUnspecified: any
	attrs    map[string]string

	notError    bool
	classes     [6]bool // classes[n]: status codes n00–n99 are good
	anyClass    bool
	maxDuration time.Duration
}

func compileSpanSLI(name string, src *slo.SpanSource) spanSLI {
	s := spanSLI{name: name, service: src.Service, spanName: src.SpanName, route: src.Route,
		kind: spanKind(src.Kind), attrs: src.Attributes, notError: src.Good.NotError,
		maxDuration: time.Duration(src.Good.MaxDuration)}
	for _, c := range src.Good.HTTPStatusClasses {
		if len(c) == 3 && c[0] >= '1' && c[0] <= '5' && strings.EqualFold(c[1:], "xx") {
			s.classes[c[0]-'0'] = true
			s.anyClass = true
		}
	}
	return s
}

// spanKind reads a kind as OpenSLO users write it: the proto name
// (SPAN_KIND_SERVER, as stored) or the short one (server).
func spanKind(text string) ptrace.SpanKind {
	switch strings.ToLower(strings.TrimPrefix(strings.ToUpper(text), "SPAN_KIND_")) {
	case "internal":
		return ptrace.SpanKindInternal
	case "server":
		return ptrace.SpanKindServer
	case "client":
		return ptrace.SpanKindClient
	case "producer":
		return ptrace.SpanKindProducer
	case "consumer":
		return ptrace.SpanKindConsumer
	}
	return ptrace.SpanKindUnspecified
}

// matches tells whether the span counts for this SLI; service is the
// resource's service.name.
func (s *spanSLI) matches(service string, resource pcommon.Map, span ptrace.Span) bool {
	if s.service != "" && s.service != service {
		return false
	}
	if s.spanName != "" && s.spanName != span.Name() {
		return false
	}
	if s.kind != ptrace.SpanKindUnspecified && s.kind != span.Kind() {
		return false
	}
	if s.route != "" && stringAttr(span.Attributes(), "http.route") != s.route {
		return false
	}
	return attributesMatch(s.attrs, span.Attributes(), resource)
}

// good tells whether a matching span is good: every check given passes.
func (s *spanSLI) good(span ptrace.Span) bool {
	if s.notError && span.Status().Code() == ptrace.StatusCodeError {
		return false
	}
	if s.anyClass {
		code, ok := statusCode(span.Attributes())
		if !ok || code < 100 || code > 599 || !s.classes[code/100] {
			return false
		}
	}
	if s.maxDuration > 0 && time.Duration(span.EndTimestamp()-span.StartTimestamp()) > s.maxDuration {
		return false
	}
	return true
}

// statusCode reads the HTTP response status from the current semantic
// convention's attribute or the older one.
func statusCode(attrs pcommon.Map) (int64, bool) {
	for _, key := range [...]string{"http.response.status_code", "http.status_code"} {
		if v, ok := attrs.Get(key); ok {
			switch v.Type() {
			case pcommon.ValueTypeInt:
				return v.Int(), true
			case pcommon.ValueTypeDouble:
				return int64(v.Double()), true
			case pcommon.ValueTypeStr:
				var n int64
				for _, c := range v.Str() {
					if c < '0' || c > '9' {
						return 0, false
					}
					n = n*10 + int64(c-'0')
				}
				return n, v.Str() != ""
			}
		}
	}
	return 0, false
}

// logSLI is a log SLO compiled for matching.
type logSLI struct {
	name        string
	service     string
	attrs       map[string]string
	maxSeverity plog.SeverityNumber // 0: not checked
	goodAttrs   map[string]string
}

func compileLogSLI(name string, src *slo.LogSource) logSLI {
	return logSLI{name: name, service: src.Service, attrs: src.Attributes,
		maxSeverity: plog.SeverityNumber(src.Good.MaxSeverityNumber), goodAttrs: src.Good.Attributes}
}

func (l *logSLI) matches(service string, resource pcommon.Map, rec plog.LogRecord) bool {
	if l.service != "" && l.service != service {
		return false
	}
	return attributesMatch(l.attrs, rec.Attributes(), resource)
}

func (l *logSLI) good(rec plog.LogRecord) bool {
	if l.maxSeverity > 0 && rec.SeverityNumber() > l.maxSeverity {
		return false
	}
	return attributesMatch(l.goodAttrs, rec.Attributes(), noAttributes)
}

// attributesMatch: every wanted attribute has its value on the item, or
// else on its resource.
func attributesMatch(want map[string]string, item, resource pcommon.Map) bool {
	for k, v := range want {
		got, ok := item.Get(k)
		if !ok {
			got, ok = resource.Get(k)
		}
		if !ok || got.AsString() != v {
			return false
		}
	}
	return true
}

func stringAttr(m pcommon.Map, key string) string {
	if v, ok := m.Get(key); ok {
		return v.AsString()
	}
	return ""
}

// noAttributes stands for a resource when only the item's own attributes
// may decide; it is only ever read.
var noAttributes = pcommon.NewMap()
