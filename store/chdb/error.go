package chdb

import (
	"regexp"
	"strconv"
	"strings"
)

// Error is an exception raised by the engine, kept in ClickHouse's own words
// so that clients show users the real message.
type Error struct {
	Code    int    // ClickHouse error code, e.g. 62 for SYNTAX_ERROR; 0 when unknown
	Name    string // symbolic name, e.g. "SYNTAX_ERROR"
	Message string // the full text, "Code: 62. DB::Exception: …"
}

func (e *Error) Error() string { return e.Message }

var (
	errorCode = regexp.MustCompile(`^Code: (\d+)\.`)
	errorName = regexp.MustCompile(`\(([A-Z][A-Z0-9_]+)\)(?: \(version [^)]*\))?\s*$`)
)

func parseError(text string) *Error {
	text = strings.TrimSpace(text)
	e := &Error{Message: text}
	if m := errorCode.FindStringSubmatch(text); m != nil {
		e.Code, _ = strconv.Atoi(m[1])
	}
	if m := errorName.FindStringSubmatch(text); m != nil {
		e.Name = m[1]
	}
	return e
}
