package billingreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.uber.org/zap/zaptest"

	"github.com/slopipe/slopipe/cost/billing"
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/slo/sloextension/sloextensiontest"
	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension/storeextensiontest"
	"github.com/slopipe/slopipe/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m, "billingreceiver")) }

type harness struct {
	t     *testing.T
	st    store.Store
	cfg   *Config
	logs  *consumertest.LogsSink
	api   *sloextensiontest.Engine
	inbox string
	// metrics reads the receiver's own metrics.
	metrics *sdkmetric.ManualReader
}

func start(t *testing.T) *harness {
	h := &harness{t: t, st: storetest.Open(t), logs: new(consumertest.LogsSink), api: sloextensiontest.NewEngine(), inbox: t.TempDir(),
		metrics: sdkmetric.NewManualReader()}
	h.cfg = createDefaultConfig().(*Config)
	h.cfg.Inbox, h.cfg.PollInterval, h.cfg.Settle = h.inbox, 50*time.Millisecond, 0
	set := receivertest.NewNopSettings(Type)
	set.Logger = zaptest.NewLogger(t)
	set.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.metrics))
	r, err := NewFactory().CreateLogs(context.Background(), set, h.cfg, h.logs)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background(), storeextensiontest.NewHostWith(h.cfg.Store, h.st, map[component.ID]component.Component{h.cfg.API: h.api})); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	return h
}

// drop writes a file into the inbox as a copy does: under a temporary
// name, then renamed.
func (h *harness) drop(name, content string) {
	h.t.Helper()
	tmp := filepath.Join(h.inbox, name+".part")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(h.inbox, name)); err != nil {
		h.t.Fatal(err)
	}
}

// waitGone waits for the inbox to take the file away.
func (h *harness) waitGone(name string) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(h.inbox, name)); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s still in the inbox", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) total() string {
	h.t.Helper()
	totals, err := store.BillingTotals(context.Background(), h.st, time.Time{}, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), "")
	if err != nil {
		h.t.Fatal(err)
	}
	var parts []string
	for _, tt := range totals {
		parts = append(parts, tt.Currency+" "+tt.BilledCost.String())
	}
	return strings.Join(parts, ", ")
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "cost", "billing", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fileTotal is the file's BilledCost per currency as the parser reads
// it (cost/billing's tests check those sums by hand), in total()'s form.
func fileTotal(t *testing.T, name, csvText string) string {
	t.Helper()
	items, err := billing.Read(strings.NewReader(csvText), name, billing.AutoDetect)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]decimal.Decimal{}
	for _, it := range items {
		sums[it.BillingCurrency] = sums[it.BillingCurrency].Add(it.BilledCost)
	}
	currencies := make([]string, 0, len(sums))
	for c := range sums {
		currencies = append(currencies, c)
	}
	sort.Strings(currencies)
	var parts []string
	for _, c := range currencies {
		parts = append(parts, c+" "+sums[c].String())
	}
	return strings.Join(parts, ", ")
}

// A FOCUS export dropped in the inbox lands whole; dropped again it leaves
// one copy; the file moves to imported and an audit log record is sent.
func TestInboxImportsOnceAndReimportReplaces(t *testing.T) {
	h := start(t)
	focus := testdata(t, "focus.csv")
	h.drop("focus-2025-03.csv", focus)
	h.waitGone("focus-2025-03.csv")
	first := h.total()
	if want := fileTotal(t, "focus.csv", focus); first != want || first == "" {
		t.Fatalf("stored BilledCost %q, want the file's %q exactly", first, want)
	}
	h.drop("focus-2025-03.csv", focus)
	h.waitGone("focus-2025-03.csv")
	if again := h.total(); again != first {
		t.Fatalf("after importing the same file again: %s, was %s", again, first)
	}
	imported, _ := os.ReadDir(filepath.Join(h.inbox, importedDir))
	if len(imported) != 2 {
		t.Errorf("%d files in imported, want both imports", len(imported))
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.logs.LogRecordCount() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if h.logs.LogRecordCount() != 2 {
		t.Errorf("%d audit log records, want one per import", h.logs.LogRecordCount())
	}
}

// A corrupt file is refused whole, moved to rejected with file:line and
// column in its reason; what was imported before is untouched.
func TestCorruptFileIsRejectedWhole(t *testing.T) {
	h := start(t)
	focus := testdata(t, "focus.csv")
	h.drop("march.csv", focus)
	h.waitGone("march.csv")
	before := h.total()
	lines := strings.Split(focus, "\n")
	// The same slices, restated, with one amount unreadable on line 4.
	cols := strings.Split(lines[0], ",")
	billed := -1
	for i, c := range cols {
		if strings.TrimSpace(c) == "BilledCost" {
			billed = i
		}
	}
	row := strings.Split(lines[3], ",")
	row[billed] = "12,50x"
	lines[3] = strings.Join(row, ",")
	h.drop("march-restated.csv", strings.Join(lines, "\n"))
	h.waitGone("march-restated.csv")
	if after := h.total(); after != before {
		t.Fatalf("a refused file changed the totals: %s, was %s", after, before)
	}
	rejected, _ := filepath.Glob(filepath.Join(h.inbox, rejectedDir, "*-march-restated.csv.reason"))
	if len(rejected) != 1 {
		t.Fatalf("no reason in rejected: %v", rejected)
	}
	reason, _ := os.ReadFile(rejected[0])
	if !strings.Contains(string(reason), "march-restated.csv:4:") {
		t.Errorf("reason %q does not name file:line", reason)
	}
}

// The upload API imports a body and answers what it wrote, or 400 with
// file:line.
func TestUploadAPI(t *testing.T) {
	h := start(t)
	srv := httptest.NewServer(h.api.Handler())
	defer srv.Close()
	post := func(name, body string) (int, map[string]any) {
		resp, err := http.Post(srv.URL+"/api/v1/billing/import?file="+name, "text/csv", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	code, out := post("cur.csv", testdata(t, "cur2.csv"))
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	data := out["data"].(map[string]any)
	if data["format"] != "aws-cur2" || data["rows"].(float64) != 9 || len(data["slices"].([]any)) == 0 {
		t.Errorf("answer %v", data)
	}
	code, out = post("broken.csv", "BillingAccountId,BilledCost\nA1,abc\n")
	if code != 400 || !strings.Contains(out["error"].(string), "broken.csv:1:") && !strings.Contains(out["error"].(string), "broken.csv:2:") {
		t.Errorf("broken file: %d %v", code, out)
	}
	if code, out = post("", "x"); code != 400 {
		t.Errorf("no name: %d %v", code, out)
	}
}

// A row the parser reads but the store cannot hold (a charge in 2200) is
// the file's fault: 400 with its file:line, nothing imported.
func TestUploadOfAnUnstorableRowIsRefusedWithItsLine(t *testing.T) {
	h := start(t)
	srv := httptest.NewServer(h.api.Handler())
	defer srv.Close()
	header := "BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,BilledCost,EffectiveCost,ListCost,ContractedCost,ChargeCategory,ServiceName,ProviderName\n"
	row := func(start, end string) string {
		return "A1,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z," + start + "," + end + ",USD,1,1,1,1,Usage,EC2,AWS\n"
	}
	body := header + row("2026-11-02T00:00:00Z", "2026-11-02T01:00:00Z") + row("2200-01-01T00:00:00Z", "2200-01-01T01:00:00Z")
	resp, err := http.Post(srv.URL+"/api/v1/billing/import?file=future.csv", "text/csv", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 400 || !strings.HasPrefix(out.Error, "future.csv:3: ") {
		t.Fatalf("%d %q: want 400 naming future.csv:3", resp.StatusCode, out.Error)
	}
	if got := h.total(); got != "" {
		t.Errorf("something was imported: %s", got)
	}
}

// A bad row after the first chunks were written (an import streams into
// the store) still refuses the file whole: readers see the earlier import
// only, and the abandoned import's rows are deleted.
func TestBadRowAfterWrittenChunksLeavesNothing(t *testing.T) {
	h := start(t)
	h.drop("march.csv", testdata(t, "focus.csv"))
	h.waitGone("march.csv")
	before := h.total()

	var big bytes.Buffer
	if _, err := billing.WriteFOCUSSample(&big, 120_000, 7); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(big.String(), "\n"), "\n")
	last := strings.Split(lines[len(lines)-1], ",")
	for i, c := range strings.Split(lines[0], ",") {
		if c == "BilledCost" {
			last[i] = "1.2.3"
		}
	}
	lines[len(lines)-1] = strings.Join(last, ",")
	h.drop("big.csv", strings.Join(lines, "\n")+"\n")
	h.waitGone("big.csv")
	if after := h.total(); after != before {
		t.Fatalf("a refused file changed the totals: %s, was %s", after, before)
	}
	reason, _ := filepath.Glob(filepath.Join(h.inbox, rejectedDir, "*-big.csv.reason"))
	if len(reason) != 1 {
		t.Fatalf("not rejected: %v", reason)
	}
	text, _ := os.ReadFile(reason[0])
	if want := "big.csv:120001: column BilledCost"; !strings.Contains(string(text), want) {
		t.Errorf("reason %q does not say %q", text, want)
	}
	// The abandoned import's rows are deleted (a mutation: wait for it).
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows, err := h.st.Query(context.Background(), "SELECT count() FROM "+h.st.Database()+".slopipe_billing_line_items WHERE SourceFile = 'big.csv'", nil)
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		if err := store.ScanAll(rows, func(r store.Rows) error { return r.Scan(&n) }); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows of the abandoned import are left", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
