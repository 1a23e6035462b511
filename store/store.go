// Package store owns slopipe's ClickHouse: the connection, every line of SQL,
// and the schema. Everything slopipe computes lands here and Grafana reads it
// from here.
//
// Two backends sit behind one narrow interface, Store:
//   - embedded (the default): the ClickHouse engine inside the process
//     (store/chdb), data in a local directory;
//   - server: clickhouse-go/v2 to a ClickHouse server or cluster, chosen by a DSN.
//
// The rest of slopipe inserts columnar batches whose row count is verified,
// queries typed rows and runs DDL through Store; it never builds a connection
// of its own. Schema migrations live in store/schema as embedded SQL.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/slopipe/slopipe/store/chdb"
)

// Store is the one way slopipe talks to ClickHouse.
type Store interface {
	// Exec runs a statement that returns no rows: DDL, INSERT … SELECT, ALTER.
	Exec(ctx context.Context, sql string, params Params) error
	// Query runs a statement and returns its rows. {name:Type} placeholders
	// in sql are bound by the engine from params, never spliced into the text.
	Query(ctx context.Context, sql string, params Params) (Rows, error)
	// Insert writes a batch into b.Table and fails unless exactly every row
	// of the batch was written.
	Insert(ctx context.Context, b *Batch) error
	// Database is the database slopipe's tables live in.
	Database() string
	// Backend names the backend: "embedded" or "server".
	Backend() string
	Close() error
}

// Underlying is the store st decorates, following Unwrap() Store through
// every decorator (storeextension's instrumentation is one), or st itself.
// Code that needs a backend's own type asserts on Underlying(st), never st.
func Underlying(st Store) Store {
	for {
		w, ok := st.(interface{ Unwrap() Store })
		if !ok {
			return st
		}
		inner := w.Unwrap()
		if inner == nil {
			return st
		}
		st = inner
	}
}

// Rows is a query result read row by row, like database/sql's.
type Rows interface {
	Next() bool
	// Scan copies the current row into dest, one pointer per column.
	Scan(dest ...any) error
	Columns() []string
	Err() error
	Close() error
}

// Params binds {name:Type} placeholders. Values are in ClickHouse's text
// form for the placeholder's type; Param formats Go values that way.
type Params map[string]string

// Param formats v for a {name:Type} placeholder.
func Param(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999999")
	case []string:
		quoted := make([]string, len(x))
		for i, s := range x {
			quoted[i] = QuoteString(s)
		}
		return "[" + strings.Join(quoted, ",") + "]"
	case []int64:
		parts := make([]string, len(x))
		for i, n := range x {
			parts[i] = strconv.FormatInt(n, 10)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case [][2]string: // Array(Tuple(String, String))
		parts := make([]string, len(x))
		for i, pair := range x {
			parts[i] = "(" + QuoteString(pair[0]) + "," + QuoteString(pair[1]) + ")"
		}
		return "[" + strings.Join(parts, ",") + "]"
	default:
		return fmt.Sprint(v)
	}
}

// QuoteString quotes s as a ClickHouse string literal.
func QuoteString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// QuoteIdent quotes name as a ClickHouse identifier.
func QuoteIdent(name string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), "`", "\\`") + "`"
}

// ShortWriteError reports an insert that wrote fewer (or more) rows than it
// was given: the engine accepted the statement but not all of the data.
type ShortWriteError struct {
	Table         string
	Sent, Written uint64
}

func (e *ShortWriteError) Error() string {
	return fmt.Sprintf("insert into %s: %d rows sent, %d written", e.Table, e.Sent, e.Written)
}

// ScanAll reads every row of a query with scan and closes the rows.
func ScanAll(rows Rows, scan func(Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ErrorCode is the ClickHouse error code err carries, from either backend
// (the engine's exception or a server's), and whether it carries one.
func ErrorCode(err error) (int, bool) {
	var engineErr *chdb.Error
	if errors.As(err, &engineErr) && engineErr.Code != 0 {
		return engineErr.Code, true
	}
	var serverErr *clickhouse.Exception
	if errors.As(err, &serverErr) {
		return int(serverErr.Code), true
	}
	return 0, false
}
