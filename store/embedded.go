package store

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/slopipe/slopipe/store/chdb"
)

// Embedded is the store backed by the ClickHouse engine in this process.
type Embedded struct {
	engine   *chdb.Engine
	database string
	spoolSeq atomic.Uint64
	bufs     sync.Pool
}

// OpenEmbedded loads the engine from libraryPath (see chdb.LibraryPath),
// opens dataDir and makes sure database exists.
func OpenEmbedded(libraryPath, dataDir, database string) (*Embedded, error) {
	engine, err := chdb.Open(chdb.LibraryPath(libraryPath), dataDir)
	if err != nil {
		return nil, err
	}
	e := &Embedded{engine: engine, database: database}
	e.bufs.New = func() any { b := make([]byte, 0, 1<<20); return &b }
	if _, err := engine.Query("CREATE DATABASE IF NOT EXISTS "+QuoteIdent(database), "TabSeparated"); err != nil {
		return nil, fmt.Errorf("create database %s: %w", database, err)
	}
	return e, nil
}

// Engine is the engine behind the store, for the ClickHouse HTTP interface.
func (e *Embedded) Engine() *chdb.Engine { return e.engine }

func (e *Embedded) Database() string { return e.database }
func (e *Embedded) Backend() string  { return "embedded" }

// Close disconnects the engine.
func (e *Embedded) Close() error { return e.engine.Close() }

func (e *Embedded) Exec(ctx context.Context, sql string, params Params) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := e.engine.QueryIn(e.database, sql, "TabSeparated", params)
	return err
}

func (e *Embedded) Query(ctx context.Context, sql string, params Params) (Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := e.engine.QueryIn(e.database, sql, "JSONCompactEachRowWithNamesAndTypes", params)
	if err != nil {
		return nil, err
	}
	return newJSONRows(res.Data)
}

// Insert spools the batch to a Native file and has the engine read it with
// FROM INFILE. Inline data in the statement is not used: past about a
// megabyte the engine silently drops rows of it.
func (e *Embedded) Insert(ctx context.Context, b *Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rows, err := b.Rows()
	if err != nil {
		return err
	}
	if rows == 0 {
		return nil
	}
	sql := fmt.Sprintf("INSERT INTO %s.%s (%s)", QuoteIdent(e.database), QuoteIdent(b.Table), b.quotedColumnList())
	return e.InsertFile(b.Table, sql, "Native", func(w io.Writer) error {
		bufp := e.bufs.Get().(*[]byte)
		defer e.bufs.Put(bufp)
		var err error
		*bufp, err = b.WriteNative(w, *bufp)
		return err
	}, uint64(rows))
}

// InsertFile writes a spool file with write and runs `insert FROM INFILE …
// FORMAT format`, where insert is an INSERT statement without data or
// FORMAT clause. The rows the engine reports written must equal
// expectedRows.
func (e *Embedded) InsertFile(table, insert, format string, write func(io.Writer) error, expectedRows uint64) error {
	path := filepath.Join(e.engine.SpoolDir, fmt.Sprintf("insert-%d-%d.%s", os.Getpid(), e.spoolSeq.Add(1), format))
	defer os.Remove(path)
	if err := writeSpool(path, write); err != nil {
		return fmt.Errorf("insert into %s: spool: %w", table, err)
	}
	res, err := e.engine.Query(insert+" FROM INFILE "+QuoteString(path)+" FORMAT "+format, "TabSeparated")
	if err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	if res.RowsWritten != expectedRows {
		return &ShortWriteError{Table: table, Sent: expectedRows, Written: res.RowsWritten}
	}
	return nil
}

func writeSpool(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// jsonRows reads the engine's JSONCompactEachRowWithNamesAndTypes output.
type jsonRows struct {
	names, types []string
	lines        [][]byte
	current      []json.RawMessage
	pos          int
	err          error
}

func newJSONRows(data []byte) (*jsonRows, error) {
	lines := splitLines(data)
	r := &jsonRows{}
	if len(lines) < 2 {
		// A statement with no result set (e.g. DDL run through Query).
		return r, nil
	}
	if err := json.Unmarshal(lines[0], &r.names); err != nil {
		return nil, fmt.Errorf("result header: %w", err)
	}
	if err := json.Unmarshal(lines[1], &r.types); err != nil {
		return nil, fmt.Errorf("result types: %w", err)
	}
	r.lines = lines[2:]
	return r, nil
}

func splitLines(data []byte) [][]byte {
	var lines [][]byte
	start := 0
	for i, c := range data {
		if c == '\n' {
			if i > start {
				lines = append(lines, data[start:i])
			}
			start = i + 1
		}
	}
	if start < len(data) {
		lines = append(lines, data[start:])
	}
	return lines
}

func (r *jsonRows) Columns() []string { return r.names }
func (r *jsonRows) Err() error        { return r.err }
func (r *jsonRows) Close() error      { return nil }

func (r *jsonRows) Next() bool {
	if r.err != nil || r.pos >= len(r.lines) {
		return false
	}
	r.current = r.current[:0]
	if err := json.Unmarshal(r.lines[r.pos], &r.current); err != nil {
		r.err = fmt.Errorf("result row %d: %w", r.pos+1, err)
		return false
	}
	r.pos++
	return true
}

func (r *jsonRows) Scan(dest ...any) error {
	if len(dest) != len(r.current) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(r.current))
	}
	for i, d := range dest {
		if err := scanJSON(r.current[i], r.types[i], d); err != nil {
			return fmt.Errorf("scan column %s (%s): %w", r.names[i], r.types[i], err)
		}
	}
	return nil
}
