// Package chhttp serves ClickHouse's HTTP interface over the embedded engine,
// so that Grafana's ClickHouse data source, curl and clickhouse-go/v2 with the
// HTTP protocol work against slopipe's embedded store unchanged.
//
// It speaks the part of the interface those clients use: the query from the
// `query` parameter and/or the body, `database`, `default_format`, FORMAT
// clauses, settings and `param_*` parameters, compressed bodies both as HTTP
// content encodings and as ClickHouse's own compressed frames, Native blocks
// in the layout clickhouse-go expects, and errors in ClickHouse's words.
// INSERT data is streamed to a file and read by the engine with FROM INFILE,
// never inlined into the statement (the engine drops rows of large inline data).
//
// It is not a ClickHouse server: there are no sessions, no users beyond the
// configured name/password pairs, and statements run one at a time, because
// the embedded engine does.
package chhttp

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/ch-go/compress"
	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/chdb"
)

// Config configures the HTTP interface.
type Config struct {
	// Addr to listen on; "" turns the interface off. Default 127.0.0.1:8123.
	Addr string
	// Users maps user names to passwords. Empty: no authentication, which is
	// only allowed on a loopback address.
	Users map[string]string
	// MaxQueryBytes bounds the SQL text read from a request (default 16 MiB).
	MaxQueryBytes int64
	// MaxInsertBytes bounds the data of one INSERT after decompression
	// (default 4 GiB).
	MaxInsertBytes int64
}

// Server is the HTTP interface over one embedded store.
type Server struct {
	cfg     Config
	store   *store.Embedded
	engine  *chdb.Engine
	log     *slog.Logger
	version string
	seq     atomic.Uint64
	http    *http.Server
	ln      net.Listener
}

// New returns the interface for st. It does not listen yet.
func New(cfg Config, st *store.Embedded, log *slog.Logger) (*Server, error) {
	if cfg.MaxQueryBytes <= 0 {
		cfg.MaxQueryBytes = 16 << 20
	}
	if cfg.MaxInsertBytes <= 0 {
		cfg.MaxInsertBytes = 4 << 30
	}
	if log == nil {
		log = slog.Default()
	}
	if len(cfg.Users) == 0 && cfg.Addr != "" && !isLoopback(cfg.Addr) {
		return nil, fmt.Errorf("clickhouse http interface: refusing to listen on %s without users configured: set a user and password, or bind to 127.0.0.1", cfg.Addr)
	}
	s := &Server{cfg: cfg, store: st, engine: st.Engine(), log: log}
	res, err := s.engine.Query("SELECT version()", "TabSeparated")
	if err != nil {
		return nil, err
	}
	s.version = strings.TrimSpace(string(res.Data))
	return s, nil
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Start listens on the configured address and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("clickhouse http interface: %w", err)
	}
	s.ln = ln
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("clickhouse http interface stopped", "err", err)
		}
	}()
	return nil
}

// Addr is the address the interface listens on, once started.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.http == nil {
		return nil
	}
	return s.http.Shutdown(ctx)
}

// ClickHouse error codes the interface raises itself.
const (
	codeUnknownFormat        = 73
	codeReadonly             = 164
	codeSyntaxError          = 62
	codeTooLarge             = 241 // MEMORY_LIMIT_EXCEEDED-like refusal of a body over the limit
	codeAuthenticationFailed = 516
	codeCannotDecompress     = 271
	codeUnknownTable         = 60
	codeUnknownDatabase      = 81
	codeAccessDenied         = 497
)

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/ping", "/replicas_status":
		io.WriteString(w, "Ok.\n")
		return
	case "/":
	default:
		http.NotFound(w, r)
		return
	}
	params := r.URL.Query()
	if r.Method == http.MethodGet && params.Get("query") == "" {
		io.WriteString(w, "Ok.\n")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !s.authenticate(r, params) {
		// ClickHouse refuses the credentials before it sets up the
		// (compressed) output, so this answer is plain text whatever the
		// request asked for.
		s.fail(w, nil, &chdb.Error{Code: codeAuthenticationFailed, Name: "AUTHENTICATION_FAILED",
			Message: "Code: 516. DB::Exception: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)"})
		return
	}
	if err := s.handle(w, r, params); err != nil {
		s.fail(w, params, err)
	}
}

func (s *Server) authenticate(r *http.Request, params map[string][]string) bool {
	if len(s.cfg.Users) == 0 {
		return true
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		user, pass = r.Header.Get("X-ClickHouse-User"), r.Header.Get("X-ClickHouse-Key")
	}
	if user == "" {
		if u := params["user"]; len(u) > 0 {
			user = u[0]
			if p := params["password"]; len(p) > 0 {
				pass = p[0]
			}
		}
	}
	want, known := s.cfg.Users[user]
	if !known {
		// Compare anyway, so timing does not tell which users exist.
		want = "\x00"
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(pass)) == 1 && known
}

// lastParam is a URL parameter's value; given twice, the last one wins, as in ClickHouse.
func lastParam(params map[string][]string, k string) string {
	if v := params[k]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// reservedParams are URL parameters that are not settings.
var reservedParams = map[string]bool{
	"query": true, "database": true, "default_format": true, "user": true, "password": true,
	"query_id": true, "session_id": true, "session_timeout": true, "session_check": true,
	"compress": true, "decompress": true, "enable_http_compression": true, "quota_key": true,
	"client_protocol_version": true, "buffer_size": true, "wait_end_of_query": true,
	"network_compression_method": true, "network_zstd_compression_level": true,
	"http_zlib_compression_level": true, "send_progress_in_http_headers": true,
	"http_headers_progress_interval_ms": true, "stacktrace": true, "role": true,
	// The embedded engine writes synchronously; asynchronous inserts are a
	// server's buffering and have nothing to buffer here.
	"async_insert": true, "wait_for_async_insert": true, "async_insert_busy_timeout_ms": true,
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request, params map[string][]string) error {
	body, err := s.decodedBody(r, params)
	if err != nil {
		return err
	}
	defer body.Close()

	get := func(k string) string { return lastParam(params, k) }
	queryParam := get("query")
	reader := bufio.NewReaderSize(body, 64<<10)

	// The statement is the query parameter followed by the body; for an
	// INSERT, whatever follows its FORMAT clause is data.
	text, st, data, err := s.readStatement(queryParam, reader)
	if err != nil {
		return err
	}
	if st.syncAt >= 0 {
		// DROP … SYNC (and DETACH … SYNC) waits for the engine to release
		// the table, which the embedded engine never reports: the statement
		// hangs it for good. A single node has nobody to wait for, and the
		// name is free again as soon as a plain DROP returns.
		st = st.withoutSync()
		text = st.text
	}
	if r.Method == http.MethodGet && writes(st.kind) {
		return &chdb.Error{Code: codeReadonly, Name: "READONLY",
			Message: fmt.Sprintf("Code: 164. DB::Exception: Cannot execute %s in readonly mode: a GET request is readonly, use POST. (READONLY)", st.kind)}
	}

	engineParams := map[string]string{}
	var settings []string
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "param_"):
			engineParams[strings.TrimPrefix(k, "param_")] = get(k)
		case reservedParams[k]:
		default:
			if !validSettingName(k) {
				return &chdb.Error{Code: 115, Name: "UNKNOWN_SETTING",
					Message: fmt.Sprintf("Code: 115. DB::Exception: Unknown setting '%s'. (UNKNOWN_SETTING)", k)}
			}
			settings = append(settings, k+" = "+settingValue(get(k)))
		}
	}
	database := get("database")
	if database == "" {
		database = s.store.Database()
	}
	queryID := get("query_id")
	if queryID == "" {
		queryID = fmt.Sprintf("slopipe-%d-%d", time.Now().UnixNano(), s.seq.Add(1))
	}
	w.Header().Set("X-ClickHouse-Query-Id", queryID)
	w.Header().Set("X-ClickHouse-Server-Display-Name", "slopipe")
	w.Header().Set("X-ClickHouse-Timezone", "UTC")

	if st.kind == "INSERT" && st.dataAt >= 0 {
		return s.insert(w, text, st, data, database, settings, engineParams)
	}

	format := st.format
	if format == "" {
		format = get("default_format")
	}
	if format == "" {
		format = "TabSeparated"
	}
	revision, _ := strconv.Atoi(get("client_protocol_version"))
	native := strings.EqualFold(format, "Native")
	if native && st.acceptsSettings() {
		// LowCardinality columns go out as their plain type, the layout every
		// Native reader handles.
		settings = append(settings, "low_cardinality_allow_in_native_format = 0")
	}
	sql := st.withSettings(strings.Join(settings, ", "))
	res, err := s.engine.QueryIn(database, sql, format, engineParams)
	if err != nil {
		return err
	}
	out := res.Data
	if native && revision > 0 {
		if out, err = nativeForClient(out, revision); err != nil {
			return &chdb.Error{Code: 1, Name: "UNSUPPORTED_METHOD", Message: "Code: 1. DB::Exception: " + err.Error() + ". (UNSUPPORTED_METHOD)"}
		}
	}
	w.Header().Set("X-ClickHouse-Format", format)
	w.Header().Set("Content-Type", contentType(format))
	s.summary(w, res)
	return s.writeBody(w, r, params, out)
}

// writes says whether a statement of this kind changes anything: a GET
// request is read-only, as in ClickHouse.
func writes(kind string) bool {
	switch kind {
	case "INSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "RENAME", "OPTIMIZE", "DELETE", "UPDATE",
		"SYSTEM", "ATTACH", "DETACH", "GRANT", "REVOKE", "KILL", "SET", "USE", "BACKUP", "RESTORE",
		"EXCHANGE", "UNDROP", "MOVE", "REPLACE":
		return true
	}
	return false
}

func validSettingName(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// settingValue renders a setting's value as a literal: numbers as they are,
// anything else as a quoted string.
func settingValue(v string) string {
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return v
	}
	return store.QuoteString(v)
}

// readStatement reads the statement text: the query parameter, then as much
// of the body as belongs to the statement. For an INSERT whose data follows
// its FORMAT clause, data reads the INSERT's data.
func (s *Server) readStatement(queryParam string, body *bufio.Reader) (text string, st statement, data io.Reader, err error) {
	if queryParam != "" {
		st := parseStatement(queryParam)
		if st.kind == "INSERT" && (st.dataAt >= 0 || st.insertSelect) {
			if st.dataAt >= 0 && strings.TrimSpace(queryParam[st.dataAt:]) != "" {
				// Data inline in the parameter comes before the body.
				rest := strings.TrimLeft(queryParam[st.dataAt:], " \t")
				rest = strings.TrimPrefix(strings.TrimPrefix(rest, "\r"), "\n")
				st.text = queryParam[:st.dataAt]
				return st.text, st, io.MultiReader(strings.NewReader(rest), body), nil
			}
			return st.text, st, body, nil
		}
	}
	// The statement continues in the body; read it up to its data, if any.
	limit := s.cfg.MaxQueryBytes
	var buf bytes.Buffer
	buf.WriteString(queryParam)
	if queryParam != "" {
		buf.WriteByte('\n')
	}
	for {
		chunk, err := body.ReadSlice('\n')
		buf.Write(chunk)
		if int64(buf.Len()) > limit {
			return "", statement{}, nil, &chdb.Error{Code: 62, Name: "SYNTAX_ERROR",
				Message: fmt.Sprintf("Code: 62. DB::Exception: Max query size exceeded: the statement is longer than %d bytes. (SYNTAX_ERROR)", limit)}
		}
		st := parseStatement(buf.String())
		if st.kind == "INSERT" && st.dataAt >= 0 && st.dataAt < buf.Len() {
			// Everything after the format name (but one separator) is data.
			head := buf.Bytes()[st.dataAt:]
			head = bytes.TrimLeft(head, " \t")
			head = bytes.TrimPrefix(bytes.TrimPrefix(head, []byte("\r")), []byte("\n"))
			st.text = buf.String()[:st.dataAt]
			return st.text, st, io.MultiReader(bytes.NewReader(head), body), nil
		}
		if err == io.EOF {
			text := strings.TrimSpace(buf.String())
			if text == "" {
				return "", statement{}, nil, &chdb.Error{Code: 62, Name: "SYNTAX_ERROR", Message: "Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)"}
			}
			return text, parseStatement(text), nil, nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return "", statement{}, nil, err
		}
	}
}

// insert spools the INSERT's data to a file and has the engine read it.
func (s *Server) insert(w http.ResponseWriter, text string, st statement, data io.Reader, database string, settings []string, params map[string]string) error {
	format := st.format
	path := filepath.Join(s.engine.SpoolDir, fmt.Sprintf("http-%d-%d.data", os.Getpid(), s.seq.Add(1)))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	n, err := io.Copy(f, io.LimitReader(data, s.cfg.MaxInsertBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &chdb.Error{Code: 33, Name: "CANNOT_READ_ALL_DATA", Message: "Code: 33. DB::Exception: Cannot read the INSERT data: " + err.Error() + ". (CANNOT_READ_ALL_DATA)"}
	}
	if n > s.cfg.MaxInsertBytes {
		return &chdb.Error{Code: codeTooLarge, Name: "LIMIT_EXCEEDED",
			Message: fmt.Sprintf("Code: 241. DB::Exception: INSERT data is larger than the configured limit of %d bytes. (LIMIT_EXCEEDED)", s.cfg.MaxInsertBytes)}
	}

	head := strings.TrimSpace(text[:st.formatAt])
	var clauseSettings string
	if st.settingsAt >= 0 && st.settingsAt < st.formatAt {
		head = strings.TrimSpace(text[:st.settingsAt])
		clauseSettings = strings.TrimSpace(text[st.settingsAt+len("SETTINGS") : st.formatAt])
	}
	all := settings
	if clauseSettings != "" {
		all = append([]string{clauseSettings}, settings...)
	}
	sql := head + " FROM INFILE " + store.QuoteString(path)
	if len(all) > 0 {
		sql += " SETTINGS " + strings.Join(all, ", ")
	}
	sql += " FORMAT " + format

	// What the file holds, counted by the engine before it is inserted, so a
	// short write is an error and not a silent loss.
	expected, countErr := s.countRows(path, format, all)
	res, err := s.engine.QueryIn(database, sql, "TabSeparated", params)
	if err != nil {
		return err
	}
	if countErr == nil && res.RowsWritten < expected {
		return &chdb.Error{Code: 1002, Name: "SHORT_WRITE",
			Message: fmt.Sprintf("Code: 1002. DB::Exception: INSERT wrote %d of the %d rows sent. (SHORT_WRITE)", res.RowsWritten, expected)}
	}
	if countErr != nil {
		s.log.Debug("insert row count not verified", "format", format, "err", countErr)
	}
	s.summary(w, res)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) countRows(path, format string, settings []string) (uint64, error) {
	sql := "SELECT count() FROM file(" + store.QuoteString(path) + ", " + store.QuoteString(format) + ")"
	if len(settings) > 0 {
		sql += " SETTINGS " + strings.Join(settings, ", ")
	}
	res, err := s.engine.Query(sql, "TabSeparated")
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(res.Data)), 10, 64)
}

func (s *Server) summary(w http.ResponseWriter, res *chdb.Result) {
	sum, _ := json.Marshal(map[string]string{
		"read_rows":     strconv.FormatUint(res.RowsRead, 10),
		"written_rows":  strconv.FormatUint(res.RowsWritten, 10),
		"written_bytes": strconv.FormatUint(res.BytesWritten, 10),
		"elapsed_ns":    strconv.FormatInt(res.Elapsed.Nanoseconds(), 10),
	})
	w.Header().Set("X-ClickHouse-Summary", string(sum))
}

func contentType(format string) string {
	f := strings.ToLower(format)
	switch {
	case strings.HasPrefix(f, "json"):
		return "application/json; charset=UTF-8"
	case strings.HasPrefix(f, "csv"):
		return "text/csv; charset=UTF-8; header=absent"
	case strings.HasPrefix(f, "tabseparated"), strings.HasPrefix(f, "tsv"):
		return "text/tab-separated-values; charset=UTF-8"
	case strings.HasPrefix(f, "pretty"), f == "vertical", f == "markdown":
		return "text/plain; charset=UTF-8"
	}
	return "application/octet-stream"
}

// decodedBody undoes the body's content encoding and ClickHouse framing.
func (s *Server) decodedBody(r *http.Request, params map[string][]string) (io.ReadCloser, error) {
	var body io.Reader = r.Body
	closers := []io.Closer{r.Body}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity", "none":
	case "gzip":
		gz, err := gzip.NewReader(body)
		if err != nil {
			return nil, decompressError(enc, err)
		}
		body, closers = gz, append(closers, gz)
	case "deflate":
		zr, err := zlib.NewReader(body)
		if err != nil {
			return nil, decompressError(enc, err)
		}
		body, closers = zr, append(closers, zr)
	case "br":
		body = brotli.NewReader(body)
	case "zstd":
		zr, err := zstd.NewReader(body)
		if err != nil {
			return nil, decompressError(enc, err)
		}
		body = zr.IOReadCloser()
		closers = append(closers, zr.IOReadCloser())
	default:
		return nil, &chdb.Error{Code: codeUnknownFormat, Name: "UNKNOWN_COMPRESSION_METHOD",
			Message: fmt.Sprintf("Code: 638. DB::Exception: Unknown Content-Encoding %q: use gzip, deflate, br or zstd. (UNKNOWN_COMPRESSION_METHOD)", enc)}
	}
	if lastParam(params, "decompress") == "1" {
		body = framedReader{compress.NewReader(body)}
	}
	return &multiCloser{Reader: &errorWrapping{body}, closers: closers}, nil
}

func decompressError(enc string, err error) error {
	return &chdb.Error{Code: codeCannotDecompress, Name: "CANNOT_DECOMPRESS",
		Message: fmt.Sprintf("Code: 271. DB::Exception: Cannot decompress %s body: %v. (CANNOT_DECOMPRESS)", enc, err)}
}

// framedReader reads ClickHouse's compressed frames; the end of the body
// between two frames is the end of the data, not an error.
type framedReader struct{ r *compress.Reader }

func (f framedReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && errors.Is(err, io.EOF) {
		err = io.EOF
	}
	return n, err
}

type multiCloser struct {
	io.Reader
	closers []io.Closer
}

func (m *multiCloser) Close() error {
	for i := len(m.closers) - 1; i >= 0; i-- {
		m.closers[i].Close()
	}
	return nil
}

// errorWrapping turns a decoding failure inside the body into a ClickHouse error.
type errorWrapping struct{ r io.Reader }

func (e *errorWrapping) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		var ch *chdb.Error
		if !errors.As(err, &ch) {
			err = decompressError("request", err)
		}
	}
	return n, err
}

// writeBody sends the result, compressed the way the client asked.
func (s *Server) writeBody(w http.ResponseWriter, r *http.Request, params map[string][]string, data []byte) error {
	last := func(k string) string { return lastParam(params, k) }
	if framed(params) {
		var err error
		if data, err = frame(params, data); err != nil {
			return err
		}
	} else if last("enable_http_compression") == "1" {
		accept := r.Header.Get("Accept-Encoding")
		for _, enc := range responseEncodings {
			if strings.Contains(accept, enc.name) {
				var buf bytes.Buffer
				zw := enc.writer(&buf)
				zw.Write(data)
				zw.Close()
				w.Header().Set("Content-Encoding", enc.name)
				data = buf.Bytes()
				break
			}
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(data)
	return err
}

// framed says whether the client asked for the answer in ClickHouse's
// compressed frames (compress=1).
func framed(params map[string][]string) bool { return lastParam(params, "compress") == "1" }

// frame puts data in ClickHouse's compressed frames, with the method the
// client named (LZ4 unless network_compression_method is zstd).
func frame(params map[string][]string, data []byte) ([]byte, error) {
	method := compress.LZ4
	if strings.EqualFold(lastParam(params, "network_compression_method"), "zstd") {
		method = compress.ZSTD
	}
	cw := compress.NewWriter(compress.LevelZero, method)
	var out []byte
	// Frames of at most 1 MiB, as a server sends them.
	for off := 0; off < len(data) || off == 0; off += 1 << 20 {
		end := min(off+1<<20, len(data))
		if err := cw.Compress(data[off:end]); err != nil {
			return nil, err
		}
		out = append(out, cw.Data...)
		if end == len(data) {
			break
		}
	}
	return out, nil
}

// responseEncodings are the HTTP content encodings a result can be sent in,
// in order of preference.
var responseEncodings = []struct {
	name   string
	writer func(io.Writer) io.WriteCloser
}{
	{"gzip", func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) }},
	{"zstd", func(w io.Writer) io.WriteCloser { zw, _ := zstd.NewWriter(w); return zw }},
	{"br", func(w io.Writer) io.WriteCloser { return brotli.NewWriter(w) }},
	{"deflate", func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) }},
}

// fail answers with ClickHouse's error text and an HTTP status that tells
// the kind of failure, as ClickHouse's own HTTP handler does. The text goes
// out in compressed frames when the request's params ask for them (nil
// params: plain), because ClickHouse writes an exception through the same
// output as a result, and clients read an error body through their frame
// reader. HTTP content encodings are left off: a client reads a body without
// Content-Encoding as it is.
func (s *Server) fail(w http.ResponseWriter, params map[string][]string, err error) {
	var ch *chdb.Error
	if !errors.As(err, &ch) {
		ch = &chdb.Error{Code: 1001, Name: "STD_EXCEPTION", Message: "Code: 1001. DB::Exception: " + err.Error() + ". (STD_EXCEPTION)"}
	}
	status := http.StatusInternalServerError
	switch ch.Code {
	case codeAuthenticationFailed:
		status = http.StatusUnauthorized
	case codeAccessDenied, codeReadonly:
		status = http.StatusForbidden
	case codeUnknownTable, codeUnknownDatabase:
		status = http.StatusNotFound
	case codeSyntaxError, codeUnknownFormat, 6, 16, 27, 36, 41, 42, 43, 44, 46, 47, 53, 70, 115, 117, 190, 271, 638, 1002, 33:
		status = http.StatusBadRequest
	case codeTooLarge:
		status = http.StatusRequestEntityTooLarge
	}
	w.Header().Set("X-ClickHouse-Exception-Code", strconv.Itoa(ch.Code))
	if ch.Name != "" {
		w.Header().Set("X-ClickHouse-Exception-Name", ch.Name)
	}
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	msg := ch.Message
	if !strings.Contains(msg, "(version ") {
		msg += " (version " + s.version + ")"
	}
	body := []byte(msg + "\n")
	if framed(params) {
		if b, ferr := frame(params, body); ferr == nil {
			body = b
		} else {
			s.log.Warn("clickhouse http interface: cannot compress an error reply, sending it plain", "err", ferr)
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
