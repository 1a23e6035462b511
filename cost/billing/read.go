package billing

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

const bom = "\ufeff"

// Error is a problem in a billing file. Its text is
// "file:line: column X: what", "file:line: what" when no single column is
// at fault, or "file: what" when no line is. A Parquet file has rows, not
// lines: "file:row N: column X: what".
type Error struct {
	File string
	// Line is the line of a CSV file, the header being 1; 0 for none.
	Line int
	// Row is the row of a Parquet file, counted from 1; 0 for none, and
	// always 0 when Line is set.
	Row    int
	Column string
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	switch {
	case e.Line > 0:
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	case e.Row > 0:
		b.WriteString(":row ")
		b.WriteString(strconv.Itoa(e.Row))
	}
	b.WriteString(": ")
	if e.Column != "" {
		b.WriteString("column ")
		b.WriteString(e.Column)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Read reads a whole billing export, CSV (gzipped or not) or Parquet (see
// Scan). file names
// it in errors. On any error it returns no line items: an import is all of
// a file or none of it.
func Read(r io.Reader, file string, format Format) ([]LineItem, error) {
	var items []LineItem
	_, err := Scan(r, file, format, func(it *LineItem) error {
		items = append(items, *it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// Scan reads a billing export row by row and calls fn with each line item
// in file order; it returns how many it passed. It stops at the first bad
// row or the first error from fn, so fn may already have seen earlier rows
// of a file that is then refused: a caller that writes them somewhere must
// be able to drop what it wrote (the store tags each import with its id).
// The LineItem is fn's to keep.
//
// A file that starts with Parquet's magic bytes "PAR1" is read as Parquet,
// a gzip file is decompressed first, anything else is CSV. Parquet keeps its schema at the end of the file,
// so it is read in place when r is an io.ReaderAt whose size is known (an
// *os.File of a regular file, *bytes.Reader, *strings.Reader,
// *io.SectionReader), from r's current offset; from any other reader (an
// HTTP body) a Parquet file is first read whole into memory.
func Scan(r io.Reader, file string, format Format, fn func(*LineItem) error) (int, error) {
	_, n, err := scan(r, file, format, fn)
	return n, err
}

// ScanDetect is Scan of a file whose format its header (CSV) or schema
// (Parquet) says; it returns that format too.
func ScanDetect(r io.Reader, file string, fn func(*LineItem) error) (Format, int, error) {
	return scan(r, file, AutoDetect, fn)
}

// gzipMagic starts every gzip file.
const gzipMagic = "\x1f\x8b"

// sourceReader remembers the error of the reader under a decompressor, so
// that a failing disk or connection (tried again) is told apart from a
// damaged file (refused).
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// gzipContent reads a gzip stream, reporting a damaged one (truncated, a
// bad checksum) as an *Error of the file.
type gzipContent struct {
	gz   *gzip.Reader
	src  *sourceReader
	file string
}

func (g *gzipContent) Read(p []byte) (int, error) {
	n, err := g.gz.Read(p)
	if err != nil && err != io.EOF && g.src.err == nil {
		err = &Error{File: g.file, Msg: "damaged gzip data: " + err.Error()}
	}
	return n, err
}

// scan is Scan, also returning the format read.
func scan(r io.Reader, file string, format Format, fn func(*LineItem) error) (Format, int, error) {
	if ra, size, ok := sizedReaderAt(r); ok {
		var magic [len(parquetMagic)]byte
		if n, _ := ra.ReadAt(magic[:], 0); n == len(magic) && string(magic[:]) == parquetMagic {
			return scanParquet(ra, size, file, format, fn)
		}
	}
	br := bufio.NewReaderSize(r, 256<<10)
	if b, err := br.Peek(len(gzipMagic)); err == nil && string(b) == gzipMagic {
		// AWS and GCP deliver CSV exports gzipped (cur-00001.csv.gz).
		src := &sourceReader{r: br}
		gz, err := gzip.NewReader(src)
		if err != nil {
			if src.err != nil {
				return format, 0, fmt.Errorf("%s: %w", file, src.err)
			}
			return format, 0, &Error{File: file, Msg: "not a readable gzip file: " + err.Error()}
		}
		defer gz.Close()
		br = bufio.NewReaderSize(&gzipContent{gz: gz, src: src, file: file}, 256<<10)
	}
	if b, err := br.Peek(len(parquetMagic)); err == nil && string(b) == parquetMagic {
		data, err := io.ReadAll(br)
		if err != nil {
			return format, 0, fmt.Errorf("%s: %w", file, err)
		}
		return scanParquet(bytes.NewReader(data), int64(len(data)), file, format, fn)
	}
	if b, err := br.Peek(len(bom)); err == nil && string(b) == bom {
		_, _ = br.Discard(len(bom))
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true

	rec, err := cr.Read()
	if err == io.EOF {
		return format, 0, &Error{File: file, Msg: "empty file, no header row"}
	}
	if err != nil {
		return format, 0, csvError(file, err, nil, 0)
	}
	header := make([]string, len(rec))
	for i, h := range rec {
		header[i] = strings.TrimSpace(h)
	}
	format, m, _, err := newMapper(file, 1, header, format)
	if err != nil {
		return format, 0, err
	}

	n := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return format, n, csvError(file, err, rec, len(header))
		}
		line, _ := cr.FieldPos(0)
		it := &LineItem{Line: line}
		rw := row{file: file, line: line, rec: rec, names: header}
		m.mapRow(&rw, it)
		if rw.err != nil {
			return format, n, rw.err
		}
		if err := fn(it); err != nil {
			return format, n, err
		}
		n++
	}
	if n == 0 {
		return format, 0, &Error{File: file, Msg: "no data rows"}
	}
	return format, n, nil
}

// newMapper detects the format when asked to and builds its mapper for a
// header, refusing a header without the format's required columns. line
// is the header's line in errors, 0 for none (Parquet).
func newMapper(file string, line int, header []string, format Format) (Format, mapper, *columns, error) {
	if format == AutoDetect {
		var err error
		if format, err = Detect(header); err != nil {
			return format, nil, nil, &Error{File: file, Line: line, Msg: err.Error()}
		}
	}
	cols, err := newColumns(header)
	if err != nil {
		return format, nil, nil, &Error{File: file, Line: line, Msg: err.Error()}
	}
	var m mapper
	switch format {
	case FOCUS:
		m = newFOCUSMapper(cols)
	case AWSCUR2:
		m = newCURMapper(cols)
	case GCP:
		m = newGCPMapper(cols)
	default:
		return format, nil, nil, fmt.Errorf("%s: unknown billing format %v", file, format)
	}
	if len(cols.missing) > 0 {
		return format, nil, nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("%v file without required columns %s", format, strings.Join(cols.missing, ", "))}
	}
	return format, m, cols, nil
}

type mapper interface {
	mapRow(r *row, it *LineItem)
}

func csvError(file string, err error, rec []string, want int) error {
	var pe *csv.ParseError
	var content *Error
	if errors.As(err, &content) {
		return content // a damaged gzip stream
	}
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", file, err)
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return &Error{File: file, Line: pe.StartLine, Msg: fmt.Sprintf("%d fields, the header has %d", len(rec), want)}
	}
	msg := pe.Err.Error()
	if pe.Line != pe.StartLine {
		// A quoted field can run over many lines; the record's first
		// line is where a reader starts looking.
		msg += fmt.Sprintf(" (at line %d)", pe.Line)
	}
	return &Error{File: file, Line: pe.StartLine, Msg: msg}
}

// columns finds a file's columns by name and collects the required ones
// it lacks, so that one error can name them all. It notes the columns a
// mapper looks up, so that a Parquet file's other columns need not be
// decoded.
type columns struct {
	index   map[string]int
	missing []string
	used    []bool
}

func newColumns(header []string) (*columns, error) {
	c := &columns{index: make(map[string]int, len(header)), used: make([]bool, len(header))}
	for i, h := range header {
		if h == "" {
			continue
		}
		if _, dup := c.index[h]; dup {
			return nil, fmt.Errorf("column %s appears twice", h)
		}
		c.index[h] = i
	}
	return c, nil
}

// opt is the index of the first of names present, or -1.
func (c *columns) opt(names ...string) int {
	for _, n := range names {
		if i, ok := c.index[n]; ok {
			c.used[i] = true
			return i
		}
	}
	return -1
}

// withPrefix is the columns whose names start with prefix, by name.
func (c *columns) withPrefix(prefix string) map[string]int {
	found := map[string]int{}
	for name, i := range c.index {
		if strings.HasPrefix(name, prefix) {
			c.used[i] = true
			found[name] = i
		}
	}
	return found
}

// req is opt, noting the first name as missing when none is present.
func (c *columns) req(names ...string) int {
	i := c.opt(names...)
	if i < 0 {
		c.missing = append(c.missing, names[0])
	}
	return i
}

// row is one record being mapped. The first problem is kept in err and
// later ones are ignored, so mapping code reads as a list of assignments.
type row struct {
	file       string
	line       int // CSV
	parquetRow int // Parquet
	rec        []string
	names      []string
	err        error
}

func (r *row) fail(col int, format string, args ...any) {
	if r.err == nil {
		r.err = &Error{File: r.file, Line: r.line, Row: r.parquetRow, Column: r.names[col], Msg: fmt.Sprintf(format, args...)}
	}
}

// failMissing reports a column the header lacks but this row needs.
func (r *row) failMissing(name, why string) {
	if r.err == nil {
		r.err = &Error{File: r.file, Line: r.line, Row: r.parquetRow, Column: name, Msg: "missing from the header, needed " + why}
	}
}

func (r *row) str(col int) string {
	if col < 0 {
		return ""
	}
	return strings.TrimSpace(r.rec[col])
}

func (r *row) reqStr(col int) string {
	s := r.str(col)
	if s == "" && col >= 0 {
		r.fail(col, "is empty")
	}
	return s
}

// dec is an optional number: empty or absent is 0.
func (r *row) dec(col int) decimal.Decimal {
	s := r.str(col)
	if s == "" {
		return decimal.Zero
	}
	return r.parseDec(col, s)
}

// reqDec is a number that must be there.
func (r *row) reqDec(col int) decimal.Decimal {
	s := r.str(col)
	if s == "" {
		r.fail(col, "is empty")
		return decimal.Zero
	}
	return r.parseDec(col, s)
}

func (r *row) parseDec(col int, s string) decimal.Decimal {
	d, err := parseDecimal(s)
	if err != nil {
		if errors.Is(err, decimal.ErrSyntax) {
			r.fail(col, "%q is not a decimal number", s)
		} else {
			r.fail(col, "%s", err)
		}
	}
	return d
}

func (r *row) reqTime(col int) time.Time {
	s := r.str(col)
	if s == "" {
		r.fail(col, "is empty")
		return time.Time{}
	}
	t, ok := parseTime(s)
	if !ok {
		r.fail(col, "%q is not a date or time (want RFC 3339, \"2006-01-02 15:04:05\" or \"2006-01-02\")", s)
	}
	return t
}

// period reads a start and end and checks their order.
func (r *row) period(startCol, endCol int) (time.Time, time.Time) {
	start, end := r.reqTime(startCol), r.reqTime(endCol)
	if r.err == nil && end.Before(start) {
		r.fail(endCol, "%s is before %s %s", end.Format(time.RFC3339), r.names[startCol], start.Format(time.RFC3339))
	}
	return start, end
}

// currency checks an ISO 4217 code.
func (r *row) currency(col int) string {
	s := r.reqStr(col)
	if s == "" {
		return s
	}
	ok := len(s) == 3
	for i := 0; ok && i < 3; i++ {
		ok = s[i] >= 'A' && s[i] <= 'Z'
	}
	if !ok {
		r.fail(col, "%q is not an ISO 4217 currency code", s)
	}
	return s
}

// jsonObject reads a JSON object of tag keys to values. FOCUS and CUR 2.0
// want string values; numbers and booleans are kept as their JSON text
// and null as "" rather than refusing a bill over a tag.
func (r *row) jsonObject(col int) map[string]string {
	s := r.str(col)
	if s == "" || s == "{}" || s == "null" {
		return nil
	}
	if tags, ok := fastTags(s); ok {
		if len(tags) == 0 {
			return nil
		}
		return tags
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		r.fail(col, "not a JSON object: %v", jsonProblem(err))
		return nil
	}
	tags := make(map[string]string, len(raw))
	for k, v := range raw {
		tags[k] = jsonText(v)
	}
	return tags
}

func jsonText(v json.RawMessage) string {
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	if string(v) == "null" {
		return ""
	}
	return string(v)
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", se, se.Offset)
	}
	return err.Error()
}

// timeLayouts are tried in order. Values without a zone are UTC; GCP's
// BigQuery CSV writes a trailing " UTC", which parseTime strips.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSuffix(s, " UTC")
	if len(s) == len(time.DateOnly) {
		// Only the last layout fits; skip the failures of the others.
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, true
		}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseDecimal reads a number, rounding it half-even to decimal.Scale
// fractional digits when it has more.
func parseDecimal(s string) (decimal.Decimal, error) {
	if d, ok := fastDecimal(s); ok {
		return d, nil
	}
	if !needsRounding(s) {
		return decimal.Parse(s)
	}
	rounded, ok := roundHalfEven(s, decimal.Scale)
	if !ok {
		return decimal.Parse(s)
	}
	d, err := decimal.Parse(rounded)
	if err != nil {
		// Say what is wrong with the number as the file wrote it.
		if _, orig := decimal.Parse(s); orig != nil {
			return d, orig
		}
	}
	return d, err
}

func needsRounding(s string) bool {
	if strings.ContainsAny(s, "eE") {
		return true
	}
	i := strings.IndexByte(s, '.')
	return i >= 0 && len(strings.TrimSpace(s[i+1:])) > decimal.Scale
}

// roundHalfEven rewrites a number ("-1.23456789012345", "4.5E-11") in
// plain notation with at most places fractional digits, rounding to the
// nearest and ties to an even last digit, symmetrically around zero. ok
// is false when s is not a number it understands; decimal.Parse then says
// why.
func roundHalfEven(s string, places int) (string, bool) {
	t := strings.TrimSpace(s)
	sign := ""
	if t != "" && (t[0] == '-' || t[0] == '+') {
		if t[0] == '-' {
			sign = "-"
		}
		t = t[1:]
	}
	mant, exp := t, 0
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		e, err := strconv.Atoi(t[i+1:])
		if err != nil || e > 100 || e < -100 {
			return "", false
		}
		mant, exp = t[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return "", false
	}
	digits := intPart + frac
	point := len(intPart) + exp
	if point <= 0 {
		digits = strings.Repeat("0", 1-point) + digits
		point = 1
	}
	if point > len(digits) {
		digits += strings.Repeat("0", point-len(digits))
	}
	if len(digits)-point <= places {
		if point == len(digits) {
			return sign + digits, true
		}
		return sign + digits[:point] + "." + digits[point:], true
	}
	keep, rest := digits[:point+places], digits[point+places:]
	up := false
	switch {
	case rest[0] > '5':
		up = true
	case rest[0] == '5':
		up = strings.Trim(rest[1:], "0") != "" || (keep[len(keep)-1]-'0')%2 == 1
	}
	if up {
		keep = incrementDigits(keep)
	}
	whole := len(keep) - places
	return sign + keep[:whole] + "." + keep[whole:], true
}

// incrementDigits adds one to a string of decimal digits.
func incrementDigits(d string) string {
	b := []byte(d)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
