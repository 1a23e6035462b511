package billingreceiver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/cost/billing"
	"github.com/slopipe/slopipe/internal/apijson"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/internal/periodic"
	"github.com/slopipe/slopipe/slo/sloextension"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension"
)

type billingReceiver struct {
	cfg    *Config
	inbox  string
	logger *zap.Logger
	tel    *telemetry
	next   consumer.Logs
	st     store.Store
	loops  periodic.Loops
	// importing serializes the completion of imports: the inbox scan and
	// uploads may run at once, and two imports of the same slice must
	// complete in order.
	importing sync.Mutex
	ctx       context.Context
	stop      context.CancelFunc
}

func newReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*billingReceiver, error) {
	tel, err := newTelemetry(set.MeterProvider)
	if err != nil {
		return nil, fmt.Errorf("billing: telemetry: %w", err)
	}
	return &billingReceiver{cfg: cfg, inbox: cfg.inbox(), logger: set.Logger, tel: tel, next: next}, nil
}

// Sub-directories of the inbox.
const (
	importedDir = "imported"
	rejectedDir = "rejected"
)

func (r *billingReceiver) Start(_ context.Context, host component.Host) error {
	st, err := storeextension.FromHost(host, r.cfg.Store)
	if err != nil {
		return fmt.Errorf("billing: store: %w", err)
	}
	r.st = st
	for _, dir := range []string{r.inbox, filepath.Join(r.inbox, importedDir), filepath.Join(r.inbox, rejectedDir)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("billing: inbox: %w", err)
		}
	}
	if r.cfg.API != (component.ID{}) {
		engine, err := sloextension.FromHost(host, r.cfg.API)
		if err != nil {
			return fmt.Errorf("billing: api: %w", err)
		}
		engine.HandleAPI("POST /api/v1/billing/import", http.HandlerFunc(r.upload))
	}
	r.ctx, r.stop = context.WithCancel(context.Background())
	r.loops.Every(r.cfg.PollInterval, r.scan)
	return nil
}

func (r *billingReceiver) Shutdown(context.Context) error {
	if r.stop != nil {
		r.stop()
	}
	r.loops.Stop()
	return nil
}

// Result is what one import wrote; its JSON is the upload API's answer.
type Result struct {
	ImportID string `json:"import_id"`
	File     string `json:"file"`
	// Files are the files of a multi-part export (a directory dropped in
	// the inbox, a multipart upload) in the order read; empty for one file.
	Files  []string       `json:"files,omitempty"`
	Format string         `json:"format"` // of every file; "aws-cur2, focus" when they differ
	Rows   int            `json:"rows"`
	Billed []CurrencySum  `json:"billed_cost"`
	Slices []SliceSummary `json:"slices"`
}

// CurrencySum is a total in one currency.
type CurrencySum struct {
	Currency string          `json:"currency"`
	Total    decimal.Decimal `json:"total"`
}

// SliceSummary is one (provider, account, billing period) slice the
// import replaced.
type SliceSummary struct {
	Provider           string          `json:"provider"`
	BillingAccountID   string          `json:"billing_account_id"`
	BillingPeriodStart time.Time       `json:"billing_period_start"`
	Rows               uint64          `json:"rows"`
	BilledCost         decimal.Decimal `json:"billed_cost"`
}

// ImportError is a file refused for its content: 400 to an upload, the
// rejected folder for the inbox.
type ImportError struct{ Err error }

func (e *ImportError) Error() string { return e.Err.Error() }
func (e *ImportError) Unwrap() error { return e.Err }

// parts hands out the files of one import in order, and io.EOF after the
// last.
type parts func() (name string, data io.ReadCloser, err error)

// partList hands out files opened by open.
func partList(names []string, open func(name string) (io.ReadCloser, error)) parts {
	i := 0
	return func() (string, io.ReadCloser, error) {
		if i == len(names) {
			return "", nil, io.EOF
		}
		name := names[i]
		i++
		data, err := open(name)
		return name, data, err
	}
}

// importFile imports one billing export.
func (r *billingReceiver) importFile(ctx context.Context, name string, data io.Reader) (*Result, error) {
	return r.importParts(ctx, name, partList([]string{name}, func(string) (io.ReadCloser, error) { return io.NopCloser(data), nil }))
}

// importParts streams the files of one billing export (a month of CUR 2.0
// comes as cur-00001.csv.gz, cur-00002.csv.gz, …) into the store as one
// import per provider in them, writing chunks as rows are read: the parts
// of a billing period together replace that period, where one at a time
// each would replace the one before. A bad row in any part completes none
// of the imports, and their chunks are deleted. Every call is counted in
// slopipe_billing_imports by its outcome.
func (r *billingReceiver) importParts(ctx context.Context, name string, next parts) (_ *Result, err error) {
	res := &Result{ImportID: newImportID(), File: name}
	now := time.Now().UTC()
	importers := map[string]*store.BillingImporter{}
	sums := map[string]decimal.Decimal{}
	var formats []string
	defer func() {
		f := res.Format
		if err != nil {
			slices.Sort(formats)
			f = strings.Join(formats, ", ")
		}
		r.tel.imported(ctx, f, err)
	}()
	add := func(partName string) func(it *billing.LineItem) error {
		return func(it *billing.LineItem) error {
			p := provider(it)
			w := importers[p]
			if w == nil {
				var err error
				imp := store.BillingImport{ID: fmt.Sprintf("%s-%d", res.ImportID, len(importers)), Provider: p, SourceFile: name, ImportedAt: now}
				if w, err = store.BeginBillingImport(ctx, r.st, imp); err != nil {
					return err
				}
				importers[p] = w
			}
			if err := w.Add(ctx, &it.BillingLineItem); err != nil {
				var invalid *store.InvalidItemError
				if errors.As(err, &invalid) {
					// file:line, or file:row N of Parquet
					return &ImportError{fmt.Errorf("%s: %w", it.Position(partName), invalid.Err)}
				}
				return err
			}
			sums[it.BillingCurrency] = sums[it.BillingCurrency].Add(it.BilledCost)
			return nil
		}
	}
	var files []string
	for {
		partName, data, nextErr := next()
		if nextErr == io.EOF {
			break
		}
		if err = nextErr; err != nil {
			break
		}
		var format billing.Format
		var rows int
		format, rows, err = billing.ScanDetect(data, partName, add(partName))
		data.Close()
		if format != billing.AutoDetect && !slices.Contains(formats, format.String()) {
			formats = append(formats, format.String())
		}
		if err != nil {
			break
		}
		res.Rows += rows
		files = append(files, partName)
	}
	if err == nil && len(files) == 0 {
		err = &ImportError{fmt.Errorf("%s: no billing files in it", name)}
	}
	if len(files) > 1 {
		res.Files = files
	}
	if err != nil {
		for p, w := range importers {
			if err := w.Abort(ctx); err != nil {
				r.logger.Warn("billing import abandoned; deleting its rows failed (readers never see them)", zap.String("provider", p), zap.Error(err))
			}
		}
		var bad *billing.Error
		var refused *ImportError
		switch {
		case errors.As(err, &refused):
			return nil, refused
		case errors.As(err, &bad):
			return nil, &ImportError{err}
		}
		return nil, fmt.Errorf("importing %s: %w", name, err) // I/O or store: tried again
	}
	slices.Sort(formats)
	res.Format = strings.Join(formats, ", ")
	// Imports stream side by side, each under its own ID that no reader
	// looks at; completions go one at a time, so that two imports of one
	// slice complete in order.
	r.importing.Lock()
	defer r.importing.Unlock()
	providers := make([]string, 0, len(importers))
	for p := range importers {
		providers = append(providers, p)
	}
	sort.Strings(providers)
	// Each provider's import completes on its own (a FOCUS file may hold
	// several): a bad row has refused the file before any of them, but a
	// store failure after the first leaves the providers before it
	// imported.
	for i, p := range providers {
		slices, err := importers[p].Commit(ctx)
		switch {
		case err != nil && slices != nil:
			// Imported and visible; only the superseded rows stay for the
			// next import of these slices to delete.
			r.logger.Warn("billing import done; its superseded rows were not deleted yet", zap.String("file", name), zap.Error(err))
		case err != nil:
			for _, later := range providers[i+1:] {
				importers[later].Abort(ctx)
			}
			return nil, fmt.Errorf("importing %s (%s): %w", name, p, err)
		}
		var rows uint64
		for _, s := range slices {
			rows += s.Rows
			res.Slices = append(res.Slices, SliceSummary{Provider: s.Provider, BillingAccountID: s.BillingAccountId,
				BillingPeriodStart: s.BillingPeriodStart, Rows: s.Rows, BilledCost: s.BilledCost})
		}
		r.tel.rows(ctx, p, rows)
	}
	currencies := make([]string, 0, len(sums))
	for c := range sums {
		currencies = append(currencies, c)
	}
	sort.Strings(currencies)
	for _, c := range currencies {
		res.Billed = append(res.Billed, CurrencySum{Currency: c, Total: sums[c]})
	}
	r.report(ctx, res)
	return res, nil
}

// provider names the slices an item replaces: FOCUS says it per row, the
// providers' own exports are mapped with theirs ("AWS", "Google Cloud").
func provider(it *billing.LineItem) string {
	if it.ProviderName != "" {
		return it.ProviderName
	}
	return "FOCUS"
}

// report sends one log record per import down the logs pipeline: who
// imported what, for audit, beside the service's other logs.
func (r *billingReceiver) report(ctx context.Context, res *Result) {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "slopipe-billing")
	rec := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	rec.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	rec.SetSeverityNumber(plog.SeverityNumberInfo)
	rec.SetSeverityText("INFO")
	rec.Body().SetStr(fmt.Sprintf("billing import %s of %s: %d rows", res.ImportID, res.File, res.Rows))
	attrs := rec.Attributes()
	attrs.PutStr("billing.import_id", res.ImportID)
	attrs.PutStr("billing.file", res.File)
	attrs.PutStr("billing.format", res.Format)
	attrs.PutInt("billing.rows", int64(res.Rows))
	for _, s := range res.Billed {
		attrs.PutStr("billing.billed_cost."+s.Currency, s.Total.String())
	}
	if err := r.next.ConsumeLogs(ctx, logs); err != nil {
		r.logger.Warn("the billing import's log record was refused; the import itself is done", zap.Error(err))
	}
}

// scan imports every settled file in the inbox, oldest first. A
// directory is one multi-part export: its billing files are imported
// together once none of them has changed for settle.
func (r *billingReceiver) scan() {
	entries, err := os.ReadDir(r.inbox)
	if err != nil {
		r.logger.Error("billing inbox cannot be read", zap.String("inbox", r.inbox), zap.Error(err))
		return
	}
	type candidate struct {
		name string
		mod  time.Time
	}
	var files []candidate
	for _, e := range entries {
		name := e.Name()
		if skipped(name) || e.IsDir() && (name == importedDir || name == rejectedDir) {
			continue
		}
		mod, err := lastChange(filepath.Join(r.inbox, name))
		if err != nil || time.Since(mod) < r.cfg.Settle {
			continue
		}
		files = append(files, candidate{name, mod})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.Before(files[j].mod) })
	for _, f := range files {
		if r.ctx.Err() != nil {
			return
		}
		r.importInbox(f.name)
	}
}

// skipped are names the inbox leaves alone: hidden files and copies in
// progress.
func skipped(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".tmp")
}

// lastChange is the modification time of path, or for a directory the
// latest of it and everything in it.
func lastChange(path string) (time.Time, error) {
	var latest time.Time
	err := filepath.WalkDir(path, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.ModTime().After(latest) {
			latest = info.ModTime()
		}
		return nil
	})
	return latest, err
}

// billingExtensions are the files a directory's import reads; the rest
// (AWS's Manifest.json, a README) are not billing data.
var billingExtensions = []string{".csv", ".gz", ".parquet"}

// IsBillingFile says whether a directory's import reads the file name.
func IsBillingFile(name string) bool {
	return !skipped(name) && slices.Contains(billingExtensions, strings.ToLower(filepath.Ext(name)))
}

// inboxParts are the files of inbox entry name: the file itself, or a
// directory's billing files (BillingFiles), named by their path in the
// inbox.
func (r *billingReceiver) inboxParts(name string) ([]string, error) {
	root := filepath.Join(r.inbox, name)
	info, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{name}, nil
	}
	files, err := BillingFiles(root)
	for i, f := range files {
		rel, _ := filepath.Rel(r.inbox, f)
		files[i] = filepath.ToSlash(rel)
	}
	return files, err
}

// BillingFiles are the files of a multi-part export in directory dir
// that one import reads: its billing files (IsBillingFile), in path order,
// leaving hidden files and directories and copies in progress alone.
func BillingFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && skipped(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && IsBillingFile(d.Name()) {
			files = append(files, path)
		}
		return nil
	})
	return files, err
}

// importInbox imports one inbox file or directory and moves it: to
// imported, or to rejected with the reason beside it. A store failure
// leaves it in the inbox for the next scan.
func (r *billingReceiver) importInbox(name string) {
	path := filepath.Join(r.inbox, name)
	parts, err := r.inboxParts(name)
	if err != nil {
		r.logger.Error("billing file cannot be read", zap.String("file", path), zap.Error(err))
		r.tel.imported(r.ctx, "", err)
		return
	}
	var res *Result
	if len(parts) == 0 {
		err = &ImportError{fmt.Errorf("%s: no billing files in the directory (%s)", name, strings.Join(billingExtensions, ", "))}
		r.tel.imported(r.ctx, "", err)
	} else {
		res, err = r.importParts(r.ctx, name, partList(parts, func(part string) (io.ReadCloser, error) {
			return os.Open(filepath.Join(r.inbox, filepath.FromSlash(part)))
		}))
	}
	var bad *ImportError
	switch {
	case errors.As(err, &bad):
		r.logger.Error("billing file refused", zap.String("file", path), zap.Error(err))
		dst := filepath.Join(r.inbox, rejectedDir, stamped(name))
		if err := os.Rename(path, dst); err != nil {
			r.logger.Error("refused billing file cannot be moved to rejected; it will be read again", zap.Error(err))
		} else if err := os.WriteFile(dst+".reason", []byte(bad.Error()+"\n"), 0o644); err != nil {
			r.logger.Error("the reason of a refused billing file cannot be written", zap.Error(err))
		}
	case err != nil:
		r.logger.Warn("billing file not imported yet; tried again at the next scan", zap.String("file", path), zap.Error(err))
	default:
		r.logger.Info("billing file imported", zap.String("file", path), zap.String("import_id", res.ImportID), zap.Int("rows", res.Rows))
		if err := os.Rename(path, filepath.Join(r.inbox, importedDir, stamped(name))); err != nil {
			r.logger.Error("imported billing file cannot be moved out of the inbox; it would be imported again", zap.Error(err))
		}
	}
}

// stamped prefixes name with the time, so a second file of that name does
// not replace the first in imported or rejected.
func stamped(name string) string {
	return time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + name
}

// upload is POST /api/v1/billing/import?file=NAME with the export as the
// body, or a multipart/form-data body whose file parts are the files of
// one multi-part export (NAME then names the export, e.g. its directory).
func (r *billingReceiver) upload(w http.ResponseWriter, req *http.Request) {
	name := filepath.Base(req.URL.Query().Get("file"))
	if name == "." || name == "/" || name == "" {
		apijson.Error(w, http.StatusBadRequest, "file: the query parameter names the export, e.g. ?file=focus-2026-11.csv")
		return
	}
	body := http.MaxBytesReader(w, req.Body, r.cfg.MaxUploadBytes)
	var res *Result
	var err error
	if mediaType, params, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mediaType == "multipart/form-data" {
		res, err = r.importParts(req.Context(), name, multipartParts(multipart.NewReader(body, params["boundary"])))
	} else {
		res, err = r.importFile(req.Context(), name, body)
	}
	var bad *ImportError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		apijson.Error(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%s: larger than max_upload_bytes (%d); drop it in the inbox instead", name, r.cfg.MaxUploadBytes))
	case errors.As(err, &bad):
		apijson.Error(w, http.StatusBadRequest, bad.Error())
	case err != nil:
		w.Header().Set("Retry-After", "30")
		apijson.Error(w, http.StatusServiceUnavailable, err.Error())
	default:
		apijson.Data(w, res)
	}
}

// readFault says whether err is the request body failing to arrive (cut
// short, too large, the connection gone) rather than a malformed body.
func readFault(err error) bool {
	var tooBig *http.MaxBytesError
	var netErr net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &tooBig) || errors.As(err, &netErr) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// multipartParts are the file parts of a multipart body, in the order
// they arrive; other form fields are skipped.
func multipartParts(mr *multipart.Reader) parts {
	return func() (string, io.ReadCloser, error) {
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return "", nil, err
			}
			if err != nil {
				if readFault(err) {
					return "", nil, err // the connection, not the body: tried again
				}
				return "", nil, &ImportError{fmt.Errorf("multipart body: %w", err)}
			}
			if p.FileName() != "" {
				return filepath.Base(p.FileName()), p, nil
			}
			p.Close()
		}
	}
}

func newImportID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
