package clickhouseexporter

import (
	"encoding/hex"
	"strconv"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/slopipe/slopipe/store"
)

// textArena holds text made for one batch — hex trace and span IDs, numbers
// as attribute values — so that producing the strings the schema stores does
// not allocate per row. Strings handed out stay valid until reset; the batch
// columns holding them are emptied first.
type textArena struct{ buf []byte }

func (a *textArena) reset(capacity int) {
	if cap(a.buf) < capacity {
		a.buf = make([]byte, 0, capacity)
	}
	a.buf = a.buf[:0]
}

// grow makes room for n more bytes. Growing moves the buffer; strings
// already handed out keep the old one alive, so they stay valid.
func (a *textArena) grow(n int) {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = append(make([]byte, 0, 2*cap(a.buf)+n), a.buf...)
	}
}

// since returns the text appended after start as a string.
func (a *textArena) since(start int) string {
	if len(a.buf) == start {
		return ""
	}
	return unsafe.String(&a.buf[start], len(a.buf)-start)
}

func (a *textArena) hex(id []byte) string {
	if isZero(id) {
		return "" // contrib stores an absent ID as the empty string
	}
	a.grow(2 * len(id))
	start := len(a.buf)
	a.buf = a.buf[:start+2*len(id)]
	hex.Encode(a.buf[start:], id)
	return a.since(start)
}

// value is v as text, as pcommon.Value.AsString writes it, without
// allocating for the common scalar kinds.
func (a *textArena) value(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeInt:
		a.grow(20)
		start := len(a.buf)
		a.buf = strconv.AppendInt(a.buf, v.Int(), 10)
		return a.since(start)
	case pcommon.ValueTypeDouble:
		a.grow(32)
		start := len(a.buf)
		a.buf = strconv.AppendFloat(a.buf, v.Double(), 'f', -1, 64)
		return a.since(start)
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return "true"
		}
		return "false"
	}
	return v.AsString()
}

func isZero(id []byte) bool {
	for _, b := range id {
		if b != 0 {
			return false
		}
	}
	return true
}

// putAttributes appends one row of a Map column from OTel attributes.
// Non-string values are stored as their canonical string (JSON for maps and
// slices), as the contrib exporter does.
func putAttributes(m *store.Maps, attrs pcommon.Map, text *textArena) {
	for k, v := range attrs.All() {
		m.Put(k, text.value(v))
	}
	m.EndRow()
}

// attributeRow is one map of attributes converted once and appended to
// many rows: a resource's attributes repeat on each of its spans, log
// records and data points, a scope's on each of its log records and points.
type attributeRow struct{ keys, vals []string }

func (r *attributeRow) set(attrs pcommon.Map, text *textArena) {
	r.keys, r.vals = r.keys[:0], r.vals[:0]
	for k, v := range attrs.All() {
		r.keys = append(r.keys, k)
		r.vals = append(r.vals, text.value(v))
	}
}

func (r *attributeRow) putRow(m *store.Maps) {
	m.PutAll(r.keys, r.vals)
	m.EndRow()
}

// clear drops the strings, which point into the batch's data, before the
// row is pooled with its batch.
func (r *attributeRow) clear() {
	clear(r.keys)
	clear(r.vals)
	r.keys, r.vals = r.keys[:0], r.vals[:0]
}

// resourceString is a resource attribute as text, "" when absent: the
// tenant and the service name of every row.
func resourceString(resource pcommon.Resource, key string) string {
	if v, ok := resource.Attributes().Get(key); ok {
		return v.AsString()
	}
	return ""
}
