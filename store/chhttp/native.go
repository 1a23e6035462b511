package chhttp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// revisionWithCustomSerialization is the client protocol revision from which
// Native blocks carry a per-column "custom serialization" byte; block info
// comes with any revision above 0. clickhouse-go sends client_protocol_version
// on every request and decodes what it gets with those fields.
const revisionWithCustomSerialization = 54454

// serverRevision is what revision() reports to clients: high enough that they
// expect the layout nativeForClient writes.
const serverRevision = 54460

// nativeForClient rewrites the engine's plain Native output (revision 0) into
// the layout a client of the given protocol revision reads: block info before
// each block and, from 54454 on, a zero serialization byte after each column
// type. Column data is copied as is; only its extent has to be known.
func nativeForClient(plain []byte, revision int) ([]byte, error) {
	if revision <= 0 {
		return plain, nil
	}
	out := make([]byte, 0, len(plain)+64)
	r := &reader{buf: plain}
	for !r.done() {
		// Block info: field 1 is_overflows=false, field 2 bucket_num=-1, end.
		out = append(out, 1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0)
		ncols, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		nrows, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		out = binary.AppendUvarint(out, ncols)
		out = binary.AppendUvarint(out, nrows)
		for c := uint64(0); c < ncols; c++ {
			name, err := r.str()
			if err != nil {
				return nil, err
			}
			typ, err := r.str()
			if err != nil {
				return nil, err
			}
			out = binary.AppendUvarint(out, uint64(len(name)))
			out = append(out, name...)
			out = binary.AppendUvarint(out, uint64(len(typ)))
			out = append(out, typ...)
			if revision >= revisionWithCustomSerialization {
				out = append(out, 0)
			}
			start := r.pos
			if err := skipPrefix(r, typ); err != nil {
				return nil, fmt.Errorf("native column %s %s: %w", name, typ, err)
			}
			if err := skipColumn(r, typ, nrows); err != nil {
				return nil, fmt.Errorf("native column %s %s: %w", name, typ, err)
			}
			out = append(out, plain[start:r.pos]...)
		}
	}
	return out, nil
}

type reader struct {
	buf []byte
	pos int
}

var errShort = errors.New("truncated Native data")

func (r *reader) done() bool { return r.pos >= len(r.buf) }

func (r *reader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.buf[r.pos:])
	if n <= 0 {
		return 0, errShort
	}
	r.pos += n
	return v, nil
}

func (r *reader) skip(n uint64) error {
	if uint64(len(r.buf)-r.pos) < n {
		return errShort
	}
	r.pos += int(n)
	return nil
}

func (r *reader) str() (string, error) {
	n, err := r.uvarint()
	if err != nil {
		return "", err
	}
	start := r.pos
	if err := r.skip(n); err != nil {
		return "", err
	}
	return string(r.buf[start:r.pos]), nil
}

func (r *reader) uint64LE() (uint64, error) {
	if len(r.buf)-r.pos < 8 {
		return 0, errShort
	}
	v := binary.LittleEndian.Uint64(r.buf[r.pos:])
	r.pos += 8
	return v, nil
}

var fixedWidths = map[string]uint64{
	"UInt8": 1, "Int8": 1, "Bool": 1, "Enum8": 1,
	"UInt16": 2, "Int16": 2, "Date": 2, "Enum16": 2,
	"UInt32": 4, "Int32": 4, "Float32": 4, "Date32": 4, "DateTime": 4, "IPv4": 4, "Decimal32": 4,
	"UInt64": 8, "Int64": 8, "Float64": 8, "DateTime64": 8, "Decimal64": 8,
	"UInt128": 16, "Int128": 16, "UUID": 16, "IPv6": 16, "Decimal128": 16,
	"UInt256": 32, "Int256": 32, "Decimal256": 32,
	"Nothing": 1,
}

// skipPrefix advances r past the state a column writes before its data:
// for every LowCardinality in the type tree, its dictionary key version.
func skipPrefix(r *reader, typ string) error {
	name, args := splitType(typ)
	switch name {
	case "LowCardinality":
		_, err := r.uint64LE()
		return err
	case "Nullable", "Array", "Map", "Tuple":
		for _, a := range args {
			if err := skipPrefix(r, tupleElementType(a)); err != nil {
				return err
			}
		}
	}
	return nil
}

func tupleElementType(a string) string {
	a = strings.TrimSpace(a)
	if sp := strings.IndexByte(a, ' '); sp > 0 && !strings.Contains(a[:sp], "(") {
		return strings.TrimSpace(a[sp+1:])
	}
	return a
}

// LowCardinality index serialization flags.
const lowCardinalityHasAdditionalKeys = 1 << 9

// skipColumn advances r past rows values of a column of type typ (its
// prefix already skipped).
func skipColumn(r *reader, typ string, rows uint64) error {
	name, args := splitType(typ)
	if w, ok := fixedWidths[name]; ok {
		return r.skip(w * rows)
	}
	switch name {
	case "Decimal":
		if len(args) == 0 {
			return fmt.Errorf("decimal without precision")
		}
		p, err := strconv.Atoi(strings.TrimSpace(args[0]))
		if err != nil {
			return err
		}
		switch {
		case p <= 9:
			return r.skip(4 * rows)
		case p <= 18:
			return r.skip(8 * rows)
		case p <= 38:
			return r.skip(16 * rows)
		default:
			return r.skip(32 * rows)
		}
	case "String":
		for i := uint64(0); i < rows; i++ {
			n, err := r.uvarint()
			if err != nil {
				return err
			}
			if err := r.skip(n); err != nil {
				return err
			}
		}
		return nil
	case "FixedString":
		n, err := strconv.ParseUint(strings.TrimSpace(args[0]), 10, 64)
		if err != nil {
			return err
		}
		return r.skip(n * rows)
	case "Nullable":
		if err := r.skip(rows); err != nil {
			return err
		}
		return skipColumn(r, args[0], rows)
	case "Array", "Map":
		var last uint64
		for i := uint64(0); i < rows; i++ {
			v, err := r.uint64LE()
			if err != nil {
				return err
			}
			last = v
		}
		if name == "Array" {
			return skipColumn(r, args[0], last)
		}
		if err := skipColumn(r, args[0], last); err != nil {
			return err
		}
		return skipColumn(r, args[1], last)
	case "Tuple":
		for _, a := range args {
			if err := skipColumn(r, tupleElementType(a), rows); err != nil {
				return err
			}
		}
		return nil
	case "LowCardinality":
		dictType := args[0]
		if inner, innerArgs := splitType(dictType); inner == "Nullable" {
			dictType = innerArgs[0]
		}
		for done := uint64(0); done < rows; {
			flags, err := r.uint64LE()
			if err != nil {
				return err
			}
			if flags&lowCardinalityHasAdditionalKeys != 0 {
				keys, err := r.uint64LE()
				if err != nil {
					return err
				}
				if err := skipColumn(r, dictType, keys); err != nil {
					return err
				}
			}
			n, err := r.uint64LE()
			if err != nil {
				return err
			}
			if n == 0 {
				return errors.New("empty LowCardinality granule")
			}
			if err := r.skip(n * (1 << (flags & 0xff))); err != nil {
				return err
			}
			done += n
		}
		return nil
	case "SimpleAggregateFunction":
		return skipColumn(r, args[len(args)-1], rows)
	}
	return fmt.Errorf("type %s is not supported by this HTTP interface's Native output", typ)
}

// splitType splits "Map(String, Array(UInt8))" into "Map" and its top-level
// arguments. Enum arguments ('a' = 1) are returned but not needed.
func splitType(typ string) (string, []string) {
	typ = strings.TrimSpace(typ)
	open := strings.IndexByte(typ, '(')
	if open < 0 || !strings.HasSuffix(typ, ")") {
		return typ, nil
	}
	name := typ[:open]
	inner := typ[open+1 : len(typ)-1]
	var args []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(inner); i++ {
		switch c := inner[i]; {
		case c == '\'' && (i == 0 || inner[i-1] != '\\'):
			inQuote = !inQuote
		case inQuote:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			args = append(args, strings.TrimSpace(inner[start:i]))
			start = i + 1
		}
	}
	args = append(args, strings.TrimSpace(inner[start:]))
	return name, args
}
