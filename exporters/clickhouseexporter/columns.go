package clickhouseexporter

import (
	"encoding/hex"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/slopipe/slopipe/store"
)

// hexArena holds the hex text of trace and span IDs for one batch, so that
// turning an ID into the string the schema stores does not allocate per row.
// Strings handed out stay valid until reset; the batch columns holding them
// are emptied first.
type hexArena struct{ buf []byte }

func (a *hexArena) reset(capacity int) {
	if cap(a.buf) < capacity {
		a.buf = make([]byte, 0, capacity)
	}
	a.buf = a.buf[:0]
}

func (a *hexArena) hex(id []byte) string {
	if isZero(id) {
		return "" // contrib stores an absent ID as the empty string
	}
	start := len(a.buf)
	if cap(a.buf)-start < 2*len(id) {
		// Growing moves the buffer; strings already handed out keep the old
		// one alive, so they stay valid.
		a.buf = append(make([]byte, 0, 2*cap(a.buf)+2*len(id)), a.buf...)
	}
	a.buf = a.buf[:start+2*len(id)]
	hex.Encode(a.buf[start:], id)
	return unsafe.String(&a.buf[start], 2*len(id))
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
func putAttributes(m *store.Maps, attrs pcommon.Map) {
	for k, v := range attrs.All() {
		m.Put(k, v.AsString())
	}
	m.EndRow()
}

func serviceName(resource pcommon.Resource) string {
	if v, ok := resource.Attributes().Get("service.name"); ok {
		return v.AsString()
	}
	return ""
}

func tenantOf(resource pcommon.Resource, attribute string) string {
	if v, ok := resource.Attributes().Get(attribute); ok {
		return v.AsString()
	}
	return ""
}
