package billing

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquetMagic opens (and closes) every Parquet file.
const parquetMagic = "PAR1"

// parquetBatch is how many rows are decoded at a time.
const parquetBatch = 256

// sizedReaderAt is r as an io.ReaderAt from r's current offset, when r is
// one and its size is known.
func sizedReaderAt(r io.Reader) (io.ReaderAt, int64, bool) {
	ra, ok := r.(io.ReaderAt)
	if !ok {
		return nil, 0, false
	}
	var size int64
	switch v := r.(type) {
	case interface{ Size() int64 }:
		size = v.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		fi, err := v.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return nil, 0, false
		}
		size = fi.Size()
	default:
		return nil, 0, false
	}
	var off int64
	if s, ok := r.(io.Seeker); ok {
		o, err := s.Seek(0, io.SeekCurrent)
		if err != nil || o > size {
			return nil, 0, false
		}
		off = o
	}
	return io.NewSectionReader(ra, off, size-off), size - off, true
}

// ioErrReaderAt remembers the first error of the underlying reader other
// than io.EOF, to tell a disk or network failure (worth retrying) from a
// damaged file (refused): parquet-go wraps both alike.
type ioErrReaderAt struct {
	r   io.ReaderAt
	mu  sync.Mutex
	err error
}

func (r *ioErrReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.r.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) {
		r.mu.Lock()
		if r.err == nil {
			r.err = err
		}
		r.mu.Unlock()
	}
	return n, err
}

func (r *ioErrReaderAt) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// scanParquet is scan of a Parquet file: each row becomes the record a
// CSV file with the top-level columns as its header would have, and the
// format's mapper reads it.
func scanParquet(ra io.ReaderAt, size int64, file string, format Format, fn func(*LineItem) error) (Format, int, error) {
	src := &ioErrReaderAt{r: ra}
	bad := func(what string, err error) error {
		if ioErr := src.failed(); ioErr != nil {
			return fmt.Errorf("%s: %w", file, ioErr)
		}
		return &Error{File: file, Msg: what + ": " + err.Error()}
	}
	var pf *parquet.File
	err := guard(func() (err error) {
		pf, err = parquet.OpenFile(src, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		return err
	})
	if err != nil {
		return format, 0, bad("not a valid Parquet file", err)
	}

	fields := newParquetFields(pf.Schema())
	header := make([]string, len(fields))
	for i, f := range fields {
		header[i] = f.name
	}
	if format == AutoDetect {
		if format, err = Detect(header); err != nil {
			return format, 0, &Error{File: file, Msg: err.Error()}
		}
	}
	if format == GCP {
		return format, 0, &Error{File: file, Msg: "a GCP billing export is read as CSV; Parquet is read for FOCUS and AWS CUR 2.0"}
	}
	format, m, cols, err := newMapper(file, 0, header, format)
	if err != nil {
		return format, 0, err
	}
	for i := range fields {
		fields[i].used = cols.used[i]
	}

	rows := make([]parquet.Row, parquetBatch)
	records := &parquetRecords{fields: fields}
	rec := make([]string, len(header))
	n := 0
	for g, rg := range pf.RowGroups() {
		var rr parquet.Rows
		if err := guard(func() error { rr = rg.Rows(); return nil }); err != nil {
			return format, n, bad(fmt.Sprintf("damaged Parquet data in row group %d", g+1), err)
		}
		for {
			k, err := readRows(rr, rows)
			if k == 0 && err == nil {
				err = io.ErrNoProgress
			}
			for _, pr := range rows[:k] {
				records.fill(pr, rec)
				it := &LineItem{Row: n + 1}
				rw := row{file: file, parquetRow: n + 1, rec: rec, names: header}
				m.mapRow(&rw, it)
				if rw.err != nil {
					rr.Close()
					return format, n, rw.err
				}
				if err := fn(it); err != nil {
					rr.Close()
					return format, n, err
				}
				n++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				rr.Close()
				return format, n, bad(fmt.Sprintf("damaged Parquet data in row group %d, after row %d", g+1, n), err)
			}
		}
		if err := rr.Close(); err != nil {
			return format, n, bad(fmt.Sprintf("damaged Parquet data in row group %d", g+1), err)
		}
	}
	if n == 0 {
		return format, 0, &Error{File: file, Msg: "no data rows"}
	}
	return format, n, nil
}

// readRows is rr.ReadRows, with a panic of parquet-go (it panics on some
// damaged files) as an error.
func readRows(rr parquet.Rows, rows []parquet.Row) (n int, err error) {
	err = guard(func() error {
		var e error
		n, e = rr.ReadRows(rows)
		return e
	})
	return n, err
}

func guard(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return f()
}

// parquetField is a top-level column of a Parquet file: a value (a leaf),
// or a group of leaves (a map, a list, a struct) read as JSON text.
type parquetField struct {
	*parquetNode
	first, end int  // its leaf columns
	used       bool // by the mapper; the others are left empty
}

func newParquetFields(schema *parquet.Schema) []parquetField {
	fields := make([]parquetField, 0, len(schema.Fields()))
	col := 0
	for _, f := range schema.Fields() {
		n := newParquetNode(f.Name(), f)
		fields = append(fields, parquetField{parquetNode: n, first: col, end: col + n.leaves})
		col += n.leaves
	}
	return fields
}

// parquetRecords turns rows into records: the text of each used
// top-level column, empty for the others. The texts of a record share one
// string, as encoding/csv's fields do: one allocation a row rather than
// one a column.
type parquetRecords struct {
	fields []parquetField
	buf    []byte
	ends   []int
	cols   [][]parquet.Value
}

func (p *parquetRecords) fill(pr parquet.Row, rec []string) {
	b := p.buf[:0]
	p.ends = p.ends[:0]
	i := 0
	for fi := range p.fields {
		f := &p.fields[fi]
		j := i
		for j < len(pr) && pr[j].Column() < f.end {
			j++
		}
		values := pr[i:j]
		i = j
		switch {
		case !f.used || len(values) == 0:
		case f.kind == parquetLeaf && !f.repeated:
			if !values[0].IsNull() {
				b = f.text(b, values[0])
			}
		default:
			start := len(b)
			p.cols = splitColumns(p.cols[:0], values, f.first, f.end)
			b = f.appendJSON(b, 0, 0, p.cols)
			if string(b[start:]) == "null" {
				b = b[:start]
			}
		}
		p.ends = append(p.ends, len(b))
	}
	p.buf = b
	text := string(b)
	start := 0
	for fi, end := range p.ends {
		rec[fi] = text[start:end]
		start = end
	}
}

// splitColumns cuts a field's values, in column order, into one slice per
// leaf column first to end-1.
func splitColumns(cols [][]parquet.Value, values []parquet.Value, first, end int) [][]parquet.Value {
	i := 0
	for c := first; c < end; c++ {
		j := i
		for j < len(values) && values[j].Column() == c {
			j++
		}
		cols = append(cols, values[i:j])
		i = j
	}
	return cols
}

type parquetKind int

const (
	parquetLeaf parquetKind = iota
	parquetGroup
	parquetMap
	parquetList
)

// parquetNode is a node of a Parquet schema, ready to turn values into
// text.
type parquetNode struct {
	name               string
	optional, repeated bool
	kind               parquetKind
	leaves             int
	fields             []*parquetNode // of a group

	// leaves
	text    func([]byte, parquet.Value) []byte // appends the value's text
	raw     bool                               // text is a JSON number or boolean
	scratch []byte
}

func newParquetNode(name string, n parquet.Node) *parquetNode {
	p := &parquetNode{name: name, optional: n.Optional(), repeated: n.Repeated()}
	if n.Leaf() {
		p.kind, p.leaves = parquetLeaf, 1
		p.text, p.raw = leafText(n.Type())
		return p
	}
	p.kind = parquetGroup
	if lt := n.Type().LogicalType(); lt != nil {
		switch lt.Value.(type) {
		case *format.MapType:
			p.kind = parquetMap
		case *format.ListType:
			p.kind = parquetList
		}
	}
	for _, f := range n.Fields() {
		c := newParquetNode(f.Name(), f)
		p.fields = append(p.fields, c)
		p.leaves += c.leaves
	}
	// A map is a repeated group of a key and maybe a value; a list a
	// repeated field. Anything else is read as the group it is.
	if len(p.fields) != 1 || !p.fields[0].repeated ||
		p.kind == parquetMap && (p.fields[0].kind == parquetLeaf || len(p.fields[0].fields) == 0 || len(p.fields[0].fields) > 2) {
		p.kind = parquetGroup
	}
	return p
}

// appendJSON appends the node's value as JSON. def and rep are the
// definition and repetition levels of its parent; cols hold the values of
// each of its leaf columns that belong to this one value.
func (p *parquetNode) appendJSON(b []byte, def, rep int, cols [][]parquet.Value) []byte {
	if len(cols) == 0 || len(cols[0]) == 0 {
		return append(b, "null"...)
	}
	if p.repeated {
		def, rep = def+1, rep+1
		b = append(b, '[')
		first := true
		eachElement(cols, def, rep, func(elem [][]parquet.Value) {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = p.appendRequired(b, def, rep, elem)
		})
		return append(b, ']')
	}
	if p.optional {
		def++
		if cols[0][0].DefinitionLevel() < def {
			return append(b, "null"...)
		}
	}
	return p.appendRequired(b, def, rep, cols)
}

// appendRequired is appendJSON of a value known to be there.
func (p *parquetNode) appendRequired(b []byte, def, rep int, cols [][]parquet.Value) []byte {
	switch p.kind {
	case parquetLeaf:
		v := cols[0][0]
		if v.IsNull() {
			return append(b, "null"...)
		}
		p.scratch = p.text(p.scratch[:0], v)
		if s := string(p.scratch); p.raw && s != "NaN" && s != "+Inf" && s != "-Inf" {
			return append(b, p.scratch...)
		}
		return appendJSONString(b, p.scratch)

	case parquetMap:
		kv := p.fields[0]
		key := kv.fields[0]
		b = append(b, '{')
		first := true
		eachElement(cols, def+1, rep+1, func(elem [][]parquet.Value) {
			if !first {
				b = append(b, ',')
			}
			first = false
			if key.kind == parquetLeaf && len(elem[0]) > 0 && !elem[0][0].IsNull() {
				key.scratch = key.text(key.scratch[:0], elem[0][0])
				b = appendJSONString(b, key.scratch)
			} else {
				b = appendJSONString(b, key.appendJSON(nil, def+1, rep+1, elem[:key.leaves]))
			}
			b = append(b, ':')
			if len(kv.fields) == 2 {
				b = kv.fields[1].appendJSON(b, def+1, rep+1, elem[key.leaves:])
			} else {
				b = append(b, "null"...)
			}
		})
		return append(b, '}')

	case parquetList:
		// A list is its repeated field's elements; in the standard form
		// the repeated field is a group of one field, the element.
		inner := p.fields[0]
		if inner.kind != parquetGroup || len(inner.fields) != 1 {
			return inner.appendJSON(b, def, rep, cols)
		}
		elem := inner.fields[0]
		b = append(b, '[')
		first := true
		eachElement(cols, def+1, rep+1, func(cols [][]parquet.Value) {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = elem.appendJSON(b, def+1, rep+1, cols)
		})
		return append(b, ']')
	}

	b = append(b, '{')
	off := 0
	for i, f := range p.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, []byte(f.name))
		b = append(b, ':')
		b = f.appendJSON(b, def, rep, cols[off:off+f.leaves])
		off += f.leaves
	}
	return append(b, '}')
}

// eachElement calls f with each element of a repeated field, given the
// field's definition and repetition levels: the values of each leaf column
// that belong to it. A single value defined below def is an empty list.
func eachElement(cols [][]parquet.Value, def, rep int, f func([][]parquet.Value)) {
	if len(cols) == 0 || len(cols[0]) == 0 || len(cols[0]) == 1 && cols[0][0].DefinitionLevel() < def {
		return
	}
	elem := make([][]parquet.Value, len(cols))
	rest := make([][]parquet.Value, len(cols))
	copy(rest, cols)
	for len(rest[0]) > 0 {
		for j, c := range rest {
			k := min(1, len(c))
			for k < len(c) && c[k].RepetitionLevel() > rep {
				k++
			}
			elem[j], rest[j] = c[:k], c[k:]
		}
		f(elem)
	}
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json has it.
func appendJSONString(b []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\\ufffd"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}

// leafText is how a Parquet type's values read as text: what a CSV export
// of the same data would hold. text appends it; raw says it is a JSON
// number or boolean.
func leafText(t parquet.Type) (text func([]byte, parquet.Value) []byte, raw bool) {
	kind := t.Kind()
	if lt := t.LogicalType(); lt != nil {
		switch l := lt.Value.(type) {
		case *format.DecimalType:
			scale := int(l.Scale)
			switch kind {
			case parquet.Int32:
				return func(b []byte, v parquet.Value) []byte { return appendDecimal(b, int64(v.Int32()), scale) }, true
			case parquet.Int64:
				return func(b []byte, v parquet.Value) []byte { return appendDecimal(b, v.Int64(), scale) }, true
			case parquet.ByteArray, parquet.FixedLenByteArray:
				return func(b []byte, v parquet.Value) []byte { return appendDecimalBytes(b, v.ByteArray(), scale) }, true
			}
		case *format.TimestampType:
			if kind == parquet.Int64 {
				unit := timeUnit(&l.Unit)
				return func(b []byte, v parquet.Value) []byte {
					return unixTime(v.Int64(), unit).AppendFormat(b, time.RFC3339Nano)
				}, false
			}
		case *format.DateType:
			if kind == parquet.Int32 {
				return func(b []byte, v parquet.Value) []byte {
					return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(b, time.DateOnly)
				}, false
			}
		case *format.TimeType:
			unit := timeUnit(&l.Unit)
			switch kind {
			case parquet.Int32:
				return func(b []byte, v parquet.Value) []byte { return appendTimeOfDay(b, int64(v.Int32()), unit) }, false
			case parquet.Int64:
				return func(b []byte, v parquet.Value) []byte { return appendTimeOfDay(b, v.Int64(), unit) }, false
			}
		case *format.IntType:
			switch {
			case !l.IsSigned && kind == parquet.Int32:
				return func(b []byte, v parquet.Value) []byte { return strconv.AppendUint(b, uint64(v.Uint32()), 10) }, true
			case !l.IsSigned && kind == parquet.Int64:
				return func(b []byte, v parquet.Value) []byte { return strconv.AppendUint(b, v.Uint64(), 10) }, true
			}
		case *format.UUIDType:
			if kind == parquet.FixedLenByteArray {
				return func(b []byte, v parquet.Value) []byte { return appendUUID(b, v.ByteArray()) }, false
			}
		}
	}
	switch kind {
	case parquet.Boolean:
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendBool(b, v.Boolean()) }, true
	case parquet.Int32:
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendInt(b, int64(v.Int32()), 10) }, true
	case parquet.Int64:
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendInt(b, v.Int64(), 10) }, true
	case parquet.Int96:
		// The legacy timestamp of Hive, Impala and Spark: nanoseconds of
		// the day, then the Julian day.
		return func(b []byte, v parquet.Value) []byte {
			i := v.Int96()
			nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
			return time.Unix((int64(i[2])-2440588)*86400, nanos).UTC().AppendFormat(b, time.RFC3339Nano)
		}, false
	case parquet.Float:
		// The shortest text that reads back as the same float32: 0.1 stays
		// 0.1 rather than becoming 0.10000000149011612.
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendFloat(b, float64(v.Float()), 'g', -1, 32) }, true
	case parquet.Double:
		return func(b []byte, v parquet.Value) []byte { return strconv.AppendFloat(b, v.Double(), 'g', -1, 64) }, true
	}
	return func(b []byte, v parquet.Value) []byte { return append(b, v.ByteArray()...) }, false
}

func timeUnit(u *format.TimeUnit) time.Duration {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return time.Millisecond
	case *format.NanoSeconds:
		return time.Nanosecond
	}
	return time.Microsecond
}

// unixTime is v units since the epoch, in UTC. A timestamp not adjusted to
// UTC is a wall-clock time in no zone, which reads as UTC like a CSV time
// without an offset.
func unixTime(v int64, unit time.Duration) time.Time {
	switch unit {
	case time.Millisecond:
		return time.UnixMilli(v).UTC()
	case time.Microsecond:
		return time.UnixMicro(v).UTC()
	}
	return time.Unix(0, v).UTC()
}

func appendTimeOfDay(b []byte, v int64, unit time.Duration) []byte {
	d := time.Duration(v) * unit
	return time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).AppendFormat(b, "15:04:05.999999999")
}

// appendDecimal appends unscaled × 10^-scale exactly.
func appendDecimal(b []byte, unscaled int64, scale int) []byte {
	var digits [24]byte
	return appendPoint(b, strconv.AppendInt(digits[:0], unscaled, 10), scale)
}

// appendDecimalBytes is appendDecimal of a big-endian two's complement
// integer of any length, as DECIMAL stores it in a byte array.
func appendDecimalBytes(b []byte, unscaled []byte, scale int) []byte {
	// Drop the bytes that only extend the sign: a DECIMAL(38, _) is 16
	// bytes even when it holds 12.5.
	for len(unscaled) > 1 && (unscaled[0] == 0 && unscaled[1] < 0x80 || unscaled[0] == 0xff && unscaled[1] >= 0x80) {
		unscaled = unscaled[1:]
	}
	switch {
	case len(unscaled) == 0:
		return appendDecimal(b, 0, scale)
	case len(unscaled) <= 8:
		var v int64
		if unscaled[0] >= 0x80 {
			v = -1
		}
		for _, c := range unscaled {
			v = v<<8 | int64(c)
		}
		return appendDecimal(b, v, scale)
	}
	v := new(big.Int).SetBytes(unscaled)
	if unscaled[0] >= 0x80 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(unscaled))))
	}
	return appendPoint(b, v.Append(nil, 10), scale)
}

// appendPoint appends an integer written in decimal with the point placed
// scale digits from the right: "-1234", 3 → "-1.234".
func appendPoint(b, digits []byte, scale int) []byte {
	if digits[0] == '-' {
		b = append(b, '-')
		digits = digits[1:]
	}
	switch {
	case scale <= 0:
		b = append(b, digits...)
		if string(digits) != "0" {
			for ; scale < 0; scale++ {
				b = append(b, '0')
			}
		}
		return b
	case len(digits) <= scale:
		b = append(b, '0', '.')
		for i := len(digits); i < scale; i++ {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	point := len(digits) - scale
	b = append(b, digits[:point]...)
	b = append(b, '.')
	return append(b, digits[point:]...)
}

func appendUUID(b, u []byte) []byte {
	if len(u) != 16 {
		return append(b, u...)
	}
	const hex = "0123456789abcdef"
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hex[c>>4], hex[c&15])
	}
	return b
}
