package store

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"time"
)

// Batch is a set of rows for one table, held column by column as ClickHouse
// stores them. Columns are reused across batches (Reset keeps their memory),
// so a steady ingest path appends without allocating per row.
type Batch struct {
	Table   string // unqualified; the store adds its database
	Columns []Column
}

// NewBatch returns a batch for table with the given columns.
func NewBatch(table string, columns ...Column) *Batch {
	return &Batch{Table: table, Columns: columns}
}

// Rows is the number of rows in the batch, or an error if the columns
// disagree (a bug in the code that filled them).
func (b *Batch) Rows() (int, error) {
	if len(b.Columns) == 0 {
		return 0, fmt.Errorf("batch for %s has no columns", b.Table)
	}
	n := b.Columns[0].Len()
	for _, c := range b.Columns[1:] {
		if c.Len() != n {
			return 0, fmt.Errorf("batch for %s: column %s has %d rows, column %s has %d",
				b.Table, b.Columns[0].Name(), n, c.Name(), c.Len())
		}
	}
	return n, nil
}

// Reset empties every column, keeping its memory.
func (b *Batch) Reset() {
	for _, c := range b.Columns {
		c.Reset()
	}
}

// ColumnNames lists the batch's columns in order.
func (b *Batch) ColumnNames() []string {
	names := make([]string, len(b.Columns))
	for i, c := range b.Columns {
		names[i] = c.Name()
	}
	return names
}

// quotedColumnList is the batch's column list for an INSERT: `a`, `b`.
func (b *Batch) quotedColumnList() string {
	quoted := make([]string, len(b.Columns))
	for i, c := range b.Columns {
		quoted[i] = QuoteIdent(c.Name())
	}
	return strings.Join(quoted, ", ")
}

// WriteNative writes the batch to w as one block of ClickHouse's Native
// format, one column at a time through scratch, so a large batch needs the memory of
// its largest column, not of all of them. It returns scratch for reuse.
func (b *Batch) WriteNative(w io.Writer, scratch []byte) ([]byte, error) {
	n, err := b.Rows()
	if err != nil {
		return scratch, err
	}
	scratch = binary.AppendUvarint(scratch[:0], uint64(len(b.Columns)))
	scratch = binary.AppendUvarint(scratch, uint64(n))
	for _, c := range b.Columns {
		scratch = appendString(scratch, c.Name())
		scratch = appendString(scratch, c.Type())
		scratch = c.AppendNative(scratch)
		if _, err := w.Write(scratch); err != nil {
			return scratch, err
		}
		scratch = scratch[:0]
	}
	return scratch, nil
}

// Column is one column of a Batch.
type Column interface {
	Name() string
	// Type is the ClickHouse type the data is sent as. The engine converts it
	// to the table's type on insert (String into LowCardinality(String)).
	Type() string
	Len() int
	Reset()
	// AppendNative appends the column's data in Native format.
	AppendNative(dst []byte) []byte
	// Values returns the data as a slice clickhouse-go's batch Append accepts.
	Values() any
}

// elementColumn is a column that can also be the element of an Array: it can
// hand out the rows [from, to) as one Go slice.
type elementColumn interface {
	Column
	slice(from, to int) any
	sliceType() reflect.Type
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// Strings is a String (or LowCardinality(String)) column.
type Strings struct {
	name string
	Data []string
}

func NewStrings(name string) *Strings      { return &Strings{name: name} }
func (c *Strings) Name() string            { return c.name }
func (c *Strings) Type() string            { return "String" }
func (c *Strings) Len() int                { return len(c.Data) }
func (c *Strings) Reset()                  { clear(c.Data); c.Data = c.Data[:0] }
func (c *Strings) Append(v ...string)      { c.Data = append(c.Data, v...) }
func (c *Strings) Values() any             { return c.Data }
func (c *Strings) slice(from, to int) any  { return c.Data[from:to:to] }
func (c *Strings) sliceType() reflect.Type { return reflect.TypeFor[[]string]() }
func (c *Strings) AppendNative(dst []byte) []byte {
	for _, s := range c.Data {
		dst = appendString(dst, s)
	}
	return dst
}

// Number is the Go type of a fixed-width ClickHouse number.
type Number interface {
	~uint8 | ~uint16 | ~uint32 | ~uint64 | ~int8 | ~int16 | ~int32 | ~int64 | ~float32 | ~float64
}

// Numbers is a column of fixed-width numbers; its ClickHouse type is named
// at construction (UInt8, Int32, Float64, …) and must match T's width.
type Numbers[T Number] struct {
	name, chType string
	Data         []T
}

func NewUInt8s(name string) *Numbers[uint8]   { return &Numbers[uint8]{name: name, chType: "UInt8"} }
func NewUInt32s(name string) *Numbers[uint32] { return &Numbers[uint32]{name: name, chType: "UInt32"} }
func NewUInt64s(name string) *Numbers[uint64] { return &Numbers[uint64]{name: name, chType: "UInt64"} }
func NewInt32s(name string) *Numbers[int32]   { return &Numbers[int32]{name: name, chType: "Int32"} }
func NewInt64s(name string) *Numbers[int64]   { return &Numbers[int64]{name: name, chType: "Int64"} }
func NewFloat64s(name string) *Numbers[float64] {
	return &Numbers[float64]{name: name, chType: "Float64"}
}

func (c *Numbers[T]) Name() string            { return c.name }
func (c *Numbers[T]) Type() string            { return c.chType }
func (c *Numbers[T]) Len() int                { return len(c.Data) }
func (c *Numbers[T]) Reset()                  { c.Data = c.Data[:0] }
func (c *Numbers[T]) Append(v ...T)           { c.Data = append(c.Data, v...) }
func (c *Numbers[T]) Values() any             { return c.Data }
func (c *Numbers[T]) slice(from, to int) any  { return c.Data[from:to:to] }
func (c *Numbers[T]) sliceType() reflect.Type { return reflect.TypeFor[[]T]() }
func (c *Numbers[T]) AppendNative(dst []byte) []byte {
	for _, v := range c.Data {
		dst = appendNumber(dst, v)
	}
	return dst
}

func appendNumber[T Number](dst []byte, v T) []byte {
	switch x := any(v).(type) {
	case uint8:
		return append(dst, x)
	case int8:
		return append(dst, byte(x))
	case uint16:
		return binary.LittleEndian.AppendUint16(dst, x)
	case int16:
		return binary.LittleEndian.AppendUint16(dst, uint16(x))
	case uint32:
		return binary.LittleEndian.AppendUint32(dst, x)
	case int32:
		return binary.LittleEndian.AppendUint32(dst, uint32(x))
	case uint64:
		return binary.LittleEndian.AppendUint64(dst, x)
	case int64:
		return binary.LittleEndian.AppendUint64(dst, uint64(x))
	case float32:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(x))
	case float64:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(x))
	}
	// Named types (~T) land here; convert through their underlying kind.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return appendUnsigned(dst, rv.Uint(), rv.Type().Size())
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return appendUnsigned(dst, uint64(rv.Int()), rv.Type().Size())
	case reflect.Float32:
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(rv.Float())))
	default:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(rv.Float()))
	}
}

func appendUnsigned(dst []byte, v uint64, size uintptr) []byte {
	for i := uintptr(0); i < size; i++ {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// Times is a DateTime64(9) or DateTime column, held as Unix nanoseconds.
type Times struct {
	name    string
	seconds bool // DateTime: whole seconds on the wire
	Data    []int64
}

// NewTimes returns a DateTime64(9) column.
func NewTimes(name string) *Times { return &Times{name: name} }

// NewDateTimes returns a DateTime column: sub-second parts are dropped.
func NewDateTimes(name string) *Times { return &Times{name: name, seconds: true} }

func (c *Times) Name() string { return c.name }
func (c *Times) Type() string {
	if c.seconds {
		return "DateTime"
	}
	return "DateTime64(9)"
}
func (c *Times) Len() int                  { return len(c.Data) }
func (c *Times) Reset()                    { c.Data = c.Data[:0] }
func (c *Times) Append(unixNanos ...int64) { c.Data = append(c.Data, unixNanos...) }
func (c *Times) AppendTime(t time.Time)    { c.Data = append(c.Data, t.UnixNano()) }
func (c *Times) Values() any               { return c.slice(0, len(c.Data)) }
func (c *Times) sliceType() reflect.Type   { return reflect.TypeFor[[]time.Time]() }
func (c *Times) AppendNative(dst []byte) []byte {
	for _, ns := range c.Data {
		if c.seconds {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(floorDiv(ns, 1e9)))
		} else {
			dst = binary.LittleEndian.AppendUint64(dst, uint64(ns))
		}
	}
	return dst
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// slice converts to time.Time, because clickhouse-go reads []int64 for a
// DateTime64 as milliseconds.
func (c *Times) slice(from, to int) any {
	out := make([]time.Time, to-from)
	for i, ns := range c.Data[from:to] {
		if c.seconds {
			ns = floorDiv(ns, 1e9) * 1e9
		}
		out[i] = time.Unix(0, ns).UTC()
	}
	return out
}

// Maps is a Map(String, String) column (or Map(LowCardinality(String), String)).
type Maps struct {
	name    string
	Offsets []uint64 // cumulative end of each row's entries
	Keys    []string
	Vals    []string
}

func NewMaps(name string) *Maps { return &Maps{name: name} }
func (c *Maps) Name() string    { return c.name }
func (c *Maps) Type() string    { return "Map(String, String)" }
func (c *Maps) Len() int        { return len(c.Offsets) }
func (c *Maps) Reset() {
	c.Offsets = c.Offsets[:0]
	clear(c.Keys)
	c.Keys = c.Keys[:0]
	clear(c.Vals)
	c.Vals = c.Vals[:0]
}
func (c *Maps) Put(key, value string) { c.Keys = append(c.Keys, key); c.Vals = append(c.Vals, value) }

// PutAll adds entries keys[i] → vals[i] to the current row, for a map that
// repeats on many rows (a resource's attributes on each of its spans).
func (c *Maps) PutAll(keys, vals []string) {
	c.Keys = append(c.Keys, keys...)
	c.Vals = append(c.Vals, vals...)
}

// EndRow closes the row whose entries were added with Put since the last EndRow.
func (c *Maps) EndRow() { c.Offsets = append(c.Offsets, uint64(len(c.Keys))) }

// AppendMap adds one row from a Go map (convenient, not for hot paths).
func (c *Maps) AppendMap(m map[string]string) {
	for k, v := range m {
		c.Put(k, v)
	}
	c.EndRow()
}

func (c *Maps) Values() any             { return c.slice(0, len(c.Offsets)) }
func (c *Maps) sliceType() reflect.Type { return reflect.TypeFor[[]map[string]string]() }
func (c *Maps) slice(from, to int) any {
	out := make([]map[string]string, to-from)
	for i := from; i < to; i++ {
		start := uint64(0)
		if i > 0 {
			start = c.Offsets[i-1]
		}
		m := make(map[string]string, c.Offsets[i]-start)
		for j := start; j < c.Offsets[i]; j++ {
			m[c.Keys[j]] = c.Vals[j]
		}
		out[i-from] = m
	}
	return out
}

func (c *Maps) AppendNative(dst []byte) []byte {
	for _, o := range c.Offsets {
		dst = binary.LittleEndian.AppendUint64(dst, o)
	}
	for _, k := range c.Keys {
		dst = appendString(dst, k)
	}
	for _, v := range c.Vals {
		dst = appendString(dst, v)
	}
	return dst
}

// Arrays is an Array(T) column whose elements live in Elem, a column of T
// with no name of its own.
type Arrays struct {
	name    string
	Offsets []uint64 // cumulative end of each row's elements in Elem
	Elem    elementColumn
}

// NewArrays returns an Array column over elem, e.g.
// NewArrays("Events.Timestamp", NewTimes("")).
func NewArrays(name string, elem Column) *Arrays {
	e, ok := elem.(elementColumn)
	if !ok {
		panic(fmt.Sprintf("store: %T cannot be an array element", elem))
	}
	return &Arrays{name: name, Elem: e}
}

func (c *Arrays) Name() string { return c.name }
func (c *Arrays) Type() string { return "Array(" + c.Elem.Type() + ")" }
func (c *Arrays) Len() int     { return len(c.Offsets) }
func (c *Arrays) Reset()       { c.Offsets = c.Offsets[:0]; c.Elem.Reset() }

// EndRow closes the row whose elements were appended to Elem since the last EndRow.
func (c *Arrays) EndRow() { c.Offsets = append(c.Offsets, uint64(c.Elem.Len())) }

func (c *Arrays) AppendNative(dst []byte) []byte {
	for _, o := range c.Offsets {
		dst = binary.LittleEndian.AppendUint64(dst, o)
	}
	return c.Elem.AppendNative(dst)
}

func (c *Arrays) Values() any {
	out := reflect.MakeSlice(reflect.SliceOf(c.Elem.sliceType()), len(c.Offsets), len(c.Offsets))
	start := 0
	for i, end := range c.Offsets {
		out.Index(i).Set(reflect.ValueOf(c.Elem.slice(start, int(end))))
		start = int(end)
	}
	return out.Interface()
}

// NullableFloat64s is a Nullable(Float64) column: NULL where a value is
// unknown (an SLI over a window without events), never a made-up number.
type NullableFloat64s struct {
	name string
	Data []float64
	Null []bool
}

func NewNullableFloat64s(name string) *NullableFloat64s { return &NullableFloat64s{name: name} }
func (c *NullableFloat64s) Name() string                { return c.name }
func (c *NullableFloat64s) Type() string                { return "Nullable(Float64)" }
func (c *NullableFloat64s) Len() int                    { return len(c.Data) }
func (c *NullableFloat64s) Reset()                      { c.Data, c.Null = c.Data[:0], c.Null[:0] }

// Append adds a value, NULL when known is false.
func (c *NullableFloat64s) Append(v float64, known bool) {
	if !known {
		v = 0
	}
	c.Data = append(c.Data, v)
	c.Null = append(c.Null, !known)
}

func (c *NullableFloat64s) Values() any {
	out := make([]*float64, len(c.Data))
	for i := range c.Data {
		if !c.Null[i] {
			out[i] = &c.Data[i]
		}
	}
	return out
}

// AppendNative writes the null map, then every value (zero under NULL).
func (c *NullableFloat64s) AppendNative(dst []byte) []byte {
	for _, null := range c.Null {
		if null {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
	}
	for _, v := range c.Data {
		dst = appendNumber(dst, v)
	}
	return dst
}
