// Package chdb runs the ClickHouse engine inside the slopipe process.
//
// The engine ships as libchdb.so (npm package @chdb/lib-linux-x64-gnu). It is
// loaded with dlopen when the embedded store is opened, never linked, so a
// binary that only talks to a ClickHouse server runs without the library.
//
// The engine is one per process and bound to one data directory: Open returns
// the same *Engine for the same directory and refuses a second one. Every
// statement runs under one lock, because the engine's C API is not safe for
// concurrent statements on a connection.
//
// This package knows nothing of slopipe's schema or SQL; store/ owns those.
package chdb

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// The subset of libchdb's C API slopipe uses. Handles are opaque pointers.
typedef void *chdb_conn_t;
typedef void *chdb_res_t;

static void *slopipe_lib;
static chdb_conn_t *(*p_connect)(int, char **);
static void (*p_close)(chdb_conn_t *);
static chdb_res_t (*p_query_n)(chdb_conn_t, const char *, size_t, const char *, size_t);
static chdb_res_t (*p_query_params_n)(chdb_conn_t, const char *, size_t, const char *, size_t,
	const char *const *, const size_t *, const char *const *, const size_t *, size_t);
static char *(*p_buffer)(chdb_res_t);
static size_t (*p_length)(chdb_res_t);
static uint64_t (*p_rows_read)(chdb_res_t);
static uint64_t (*p_rows_written)(chdb_res_t);
static uint64_t (*p_bytes_written)(chdb_res_t);
static double (*p_elapsed)(chdb_res_t);
static const char *(*p_error)(chdb_res_t);
static void (*p_destroy)(chdb_res_t);
static void (*p_signal_handlers)(int);

#define SLOPIPE_NSIG 65
static struct sigaction slopipe_host_actions[SLOPIPE_NSIG];

// The engine installs process-wide handlers for crash signals (SIGSEGV and
// friends) when it connects. The Go runtime needs its own there, or a nil
// dereference in Go kills the process instead of panicking. Remember the
// host's handlers before the engine loads and put back those the host had.
static void slopipe_save_signals(void) {
	for (int i = 1; i < SLOPIPE_NSIG; i++) sigaction(i, NULL, &slopipe_host_actions[i]);
}

static int slopipe_restore_signals(void) {
	int restored = 0;
	for (int i = 1; i < SLOPIPE_NSIG; i++) {
		if (i == SIGKILL || i == SIGSTOP) continue;
		struct sigaction host = slopipe_host_actions[i];
		// Signals the host left at their default belong to whoever wants them:
		// the engine uses a real-time signal of its own.
		if (host.sa_handler == SIG_DFL) continue;
		struct sigaction now;
		sigaction(i, NULL, &now);
		if (now.sa_handler != host.sa_handler || now.sa_flags != host.sa_flags) {
			sigaction(i, &host, NULL);
			restored++;
		}
	}
	return restored;
}

static const char *slopipe_load(const char *path) {
	if (slopipe_lib) return NULL;
	slopipe_save_signals();
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) return dlerror();
#define SYM(var, name) if (!(*(void **)(&var) = dlsym(h, name))) { dlclose(h); return "missing symbol " name; }
	SYM(p_connect, "chdb_connect");
	SYM(p_close, "chdb_close_conn");
	SYM(p_query_n, "chdb_query_n");
	SYM(p_query_params_n, "chdb_query_with_params_n");
	SYM(p_buffer, "chdb_result_buffer");
	SYM(p_length, "chdb_result_length");
	SYM(p_rows_read, "chdb_result_rows_read");
	SYM(p_rows_written, "chdb_result_rows_written");
	SYM(p_bytes_written, "chdb_result_bytes_written");
	SYM(p_elapsed, "chdb_result_elapsed");
	SYM(p_error, "chdb_result_error");
	SYM(p_destroy, "chdb_destroy_query_result");
	SYM(p_signal_handlers, "chdb_set_signal_handlers_enabled");
#undef SYM
	slopipe_lib = h;
	return NULL;
}

static chdb_conn_t *slopipe_connect(int argc, char **argv) {
	p_signal_handlers(0);
	chdb_conn_t *c = p_connect(argc, argv);
	slopipe_restore_signals();
	return c;
}

static void slopipe_close(chdb_conn_t *c) { p_close(c); }

static chdb_res_t slopipe_query(chdb_conn_t *c, const char *q, size_t ql, const char *f, size_t fl) {
	return p_query_n(*c, q, ql, f, fl);
}

static chdb_res_t slopipe_query_params(chdb_conn_t *c, const char *q, size_t ql, const char *f, size_t fl,
	const char *const *names, const size_t *name_lens, const char *const *values, const size_t *value_lens, size_t n) {
	return p_query_params_n(*c, q, ql, f, fl, names, name_lens, values, value_lens, n);
}

static char *slopipe_buffer(chdb_res_t r) { return p_buffer(r); }
static size_t slopipe_length(chdb_res_t r) { return p_length(r); }
static uint64_t slopipe_rows_read(chdb_res_t r) { return p_rows_read(r); }
static uint64_t slopipe_rows_written(chdb_res_t r) { return p_rows_written(r); }
static uint64_t slopipe_bytes_written(chdb_res_t r) { return p_bytes_written(r); }
static double slopipe_elapsed(chdb_res_t r) { return p_elapsed(r); }
static const char *slopipe_error(chdb_res_t r) { return p_error(r); }
static void slopipe_destroy(chdb_res_t r) { p_destroy(r); }
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// ErrClosed is returned by statements on an engine that was closed.
var ErrClosed = errors.New("chdb: engine closed")

// Result is what one statement produced.
type Result struct {
	Data         []byte // the output, in the requested format
	RowsRead     uint64 // rows in the result set
	RowsWritten  uint64 // rows written by an INSERT, including materialized views
	BytesWritten uint64
	Elapsed      time.Duration
}

// Engine is the process's ClickHouse engine, bound to one data directory.
type Engine struct {
	mu              sync.Mutex
	conn            *C.chdb_conn_t
	dataDir         string
	currentDatabase string // "" when unknown
	// SpoolDir is where callers put files the engine reads with FROM INFILE.
	SpoolDir string
}

var (
	processMu     sync.Mutex
	processEngine *Engine
	loadedLibrary string
)

// Open loads libchdb from libraryPath (once per process) and connects the
// engine to dataDir, creating it if needed. A second Open of the same
// directory returns the running engine; another directory is an error until
// the running engine is closed, because the engine has one data path per process.
func Open(libraryPath, dataDir string) (*Engine, error) {
	absData, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("chdb: data directory %q: %w", dataDir, err)
	}
	processMu.Lock()
	defer processMu.Unlock()
	if processEngine != nil {
		if processEngine.dataDir == absData {
			return processEngine, nil
		}
		return nil, fmt.Errorf("chdb: engine already open on %s; one data directory per process (asked for %s)", processEngine.dataDir, absData)
	}
	if err := load(libraryPath); err != nil {
		return nil, err
	}
	spool := filepath.Join(absData, "spool")
	if err := os.MkdirAll(spool, 0o750); err != nil {
		return nil, fmt.Errorf("chdb: data directory: %w", err)
	}
	args := []string{"slopipe", "--path=" + absData}
	cargs := make([]*C.char, len(args))
	for i, a := range args {
		cargs[i] = C.CString(a)
		defer C.free(unsafe.Pointer(cargs[i]))
	}
	conn := C.slopipe_connect(C.int(len(args)), &cargs[0])
	if conn == nil {
		return nil, fmt.Errorf("chdb: cannot open the engine on %s (is another process using it?)", absData)
	}
	processEngine = &Engine{conn: conn, dataDir: absData, SpoolDir: spool}
	return processEngine, nil
}

func load(libraryPath string) error {
	if loadedLibrary != "" {
		return nil
	}
	if _, err := os.Stat(libraryPath); err != nil {
		return &MissingLibraryError{Path: libraryPath, Err: err}
	}
	cpath := C.CString(libraryPath)
	defer C.free(unsafe.Pointer(cpath))
	if msg := C.slopipe_load(cpath); msg != nil {
		return &MissingLibraryError{Path: libraryPath, Err: errors.New(C.GoString(msg))}
	}
	loadedLibrary = libraryPath
	return nil
}

// MissingLibraryError says libchdb could not be loaded and how to get it.
type MissingLibraryError struct {
	Path string
	Err  error
}

func (e *MissingLibraryError) Error() string {
	return fmt.Sprintf("embedded ClickHouse engine not available (%s: %v); "+
		"fetch it with `make engine` (npm package @chdb/lib-linux-x64-gnu), point --libchdb or SLOPIPE_LIBCHDB at libchdb.so, "+
		"or use a ClickHouse server by setting a DSN (SLOPIPE_CLICKHOUSE_DSN, e.g. clickhouse://user:pass@host:9000/db)", e.Path, e.Err)
}

func (e *MissingLibraryError) Unwrap() error { return e.Err }

// DataDir is the directory the engine keeps its data in.
func (e *Engine) DataDir() string { return e.dataDir }

// Query runs one statement and returns its output in format (e.g.
// "TabSeparated", "JSONEachRow", "Native"; a FORMAT clause in the statement
// wins). The engine's error text is returned as an *Error.
func (e *Engine) Query(sql, format string) (*Result, error) {
	return e.QueryWithParams(sql, format, nil)
}

// QueryWithParams runs a statement whose {name:Type} placeholders the engine
// binds from params: values are never spliced into the SQL text.
func (e *Engine) QueryWithParams(sql, format string, params map[string]string) (*Result, error) {
	return e.QueryIn("", sql, format, params)
}

// QueryIn runs a statement with database as the current database (empty:
// whichever is current). The engine has one session, so the switch is made
// under the same lock as the statement.
func (e *Engine) QueryIn(database, sql, format string, params map[string]string) (*Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn == nil {
		return nil, ErrClosed
	}
	if database != "" && database != e.currentDatabase {
		use := "USE `" + strings.ReplaceAll(strings.ReplaceAll(database, `\`, `\\`), "`", "\\`") + "`"
		if _, err := e.run(use, "TabSeparated", nil); err != nil {
			return nil, err
		}
		e.currentDatabase = database
	}
	res, err := e.run(sql, format, params)
	if isUse(sql) {
		// The statement itself may have switched databases.
		e.currentDatabase = ""
	}
	return res, err
}

func isUse(sql string) bool {
	trimmed := strings.TrimLeft(sql, " \t\r\n(")
	return len(trimmed) >= 4 && strings.EqualFold(trimmed[:3], "use") && strings.ContainsRune(" \t\r\n`", rune(trimmed[3]))
}

func (e *Engine) run(sql, format string, params map[string]string) (*Result, error) {
	csql := C.CBytes([]byte(sql))
	defer C.free(csql)
	cformat := C.CString(format)
	defer C.free(unsafe.Pointer(cformat))

	var res C.chdb_res_t
	if len(params) == 0 {
		res = C.slopipe_query(e.conn, (*C.char)(csql), C.size_t(len(sql)), cformat, C.size_t(len(format)))
	} else {
		n := len(params)
		// C arrays, because cgo forbids passing Go memory that holds Go pointers.
		names := (*[1 << 28]*C.char)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0)))))[:n:n]
		values := (*[1 << 28]*C.char)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0)))))[:n:n]
		nameLens := (*[1 << 28]C.size_t)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.size_t(0)))))[:n:n]
		valueLens := (*[1 << 28]C.size_t)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.size_t(0)))))[:n:n]
		i := 0
		for k, v := range params {
			names[i], nameLens[i] = (*C.char)(C.CBytes([]byte(k))), C.size_t(len(k))
			values[i], valueLens[i] = (*C.char)(C.CBytes([]byte(v))), C.size_t(len(v))
			i++
		}
		res = C.slopipe_query_params(e.conn, (*C.char)(csql), C.size_t(len(sql)), cformat, C.size_t(len(format)),
			&names[0], &nameLens[0], &values[0], &valueLens[0], C.size_t(n))
		for j := 0; j < n; j++ {
			C.free(unsafe.Pointer(names[j]))
			C.free(unsafe.Pointer(values[j]))
		}
		C.free(unsafe.Pointer(&names[0]))
		C.free(unsafe.Pointer(&values[0]))
		C.free(unsafe.Pointer(&nameLens[0]))
		C.free(unsafe.Pointer(&valueLens[0]))
	}
	if res == nil {
		return nil, &Error{Message: "the engine returned no result"}
	}
	defer C.slopipe_destroy(res)
	if msg := C.slopipe_error(res); msg != nil {
		return nil, parseError(C.GoString(msg))
	}
	out := &Result{
		RowsRead:     uint64(C.slopipe_rows_read(res)),
		RowsWritten:  uint64(C.slopipe_rows_written(res)),
		BytesWritten: uint64(C.slopipe_bytes_written(res)),
		Elapsed:      time.Duration(float64(C.slopipe_elapsed(res)) * float64(time.Second)),
	}
	if n := C.slopipe_length(res); n > 0 {
		out.Data = C.GoBytes(unsafe.Pointer(C.slopipe_buffer(res)), C.int(n))
	}
	return out, nil
}

// Close disconnects the engine. The library stays loaded: the engine can be
// opened again on the same directory, as a restart would.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn == nil {
		return nil
	}
	C.slopipe_close(e.conn)
	e.conn = nil
	processMu.Lock()
	if processEngine == e {
		processEngine = nil
	}
	processMu.Unlock()
	return nil
}

// Version is the libchdb release slopipe is built and tested against.
const Version = "26.5.3"

// LibraryPath says where to load libchdb from: the explicit path if given,
// else $SLOPIPE_LIBCHDB, else the per-user cache `make engine` fills.
func LibraryPath(explicit string) string {
	if explicit != "" {
		return explicit
	}
	if env := os.Getenv("SLOPIPE_LIBCHDB"); env != "" {
		return env
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return filepath.Join(cache, "slopipe", "chdb-"+Version, "libchdb.so")
}
