package billingreceiver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// focusParquetRow is the smallest FOCUS Parquet row: the required
// columns, money as DECIMAL, and Tags.
type focusParquetRow struct {
	BillingAccountId   string            `parquet:"BillingAccountId"`
	BillingPeriodStart time.Time         `parquet:"BillingPeriodStart,timestamp"`
	BillingPeriodEnd   time.Time         `parquet:"BillingPeriodEnd,timestamp"`
	ChargePeriodStart  time.Time         `parquet:"ChargePeriodStart,timestamp(microsecond)"`
	ChargePeriodEnd    time.Time         `parquet:"ChargePeriodEnd,timestamp(microsecond)"`
	BillingCurrency    string            `parquet:"BillingCurrency"`
	BilledCost         int64             `parquet:"BilledCost,decimal(4:18)"`
	EffectiveCost      int64             `parquet:"EffectiveCost,decimal(4:18)"`
	ListCost           int64             `parquet:"ListCost,decimal(4:18)"`
	ContractedCost     int64             `parquet:"ContractedCost,decimal(4:18)"`
	ChargeCategory     string            `parquet:"ChargeCategory"`
	ServiceName        string            `parquet:"ServiceName"`
	ProviderName       string            `parquet:"ProviderName"`
	Tags               map[string]string `parquet:"Tags,optional"`
}

func focusParquet(t *testing.T, charges ...time.Time) []byte {
	t.Helper()
	var rows []focusParquetRow
	for i, start := range charges {
		month := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
		cost := int64(12_5000 + i) // 12.5000, 12.5001, …
		rows = append(rows, focusParquetRow{
			BillingAccountId: "A1", BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0),
			ChargePeriodStart: start, ChargePeriodEnd: start.Add(time.Hour), BillingCurrency: "USD",
			BilledCost: cost, EffectiveCost: cost, ListCost: cost, ContractedCost: cost,
			ChargeCategory: "Usage", ServiceName: "EC2", ProviderName: "AWS", Tags: map[string]string{"team": "web"},
		})
	}
	var b bytes.Buffer
	if err := parquet.Write(&b, rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A Parquet export lands from the inbox (read in place) and from an
// upload (read into memory) as a CSV one does; a row the store refuses is
// named by its row.
func TestParquetInboxAndUpload(t *testing.T) {
	h := start(t)
	nov := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	good := focusParquet(t, nov, nov.Add(time.Hour), nov.Add(2*time.Hour))
	h.drop("focus-2026-11.parquet", string(good))
	h.waitGone("focus-2026-11.parquet")
	if got, want := h.total(), fileTotal(t, "focus-2026-11.parquet", string(good)); got != want || got != "USD 37.5003" {
		t.Fatalf("stored BilledCost %q, want the file's %q", got, want)
	}

	srv := httptest.NewServer(h.api.Handler())
	defer srv.Close()
	post := func(name string, body []byte) (int, map[string]any) {
		resp, err := http.Post(srv.URL+"/api/v1/billing/import?file="+name, "application/vnd.apache.parquet", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	code, out := post("focus-2026-11.parquet", good)
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	if data := out["data"].(map[string]any); data["format"] != "focus" || data["rows"].(float64) != 3 {
		t.Errorf("answer %v", data)
	}

	code, out = post("future.parquet", focusParquet(t, nov, time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)))
	if msg, _ := out["error"].(string); code != 400 || !strings.HasPrefix(msg, "future.parquet:row 2: ") {
		t.Errorf("unstorable row: %d %v", code, out)
	}
	code, out = post("cut.parquet", good[:len(good)/2])
	if msg, _ := out["error"].(string); code != 400 || !strings.HasPrefix(msg, "cut.parquet: not a valid Parquet file: ") {
		t.Errorf("truncated file: %d %v", code, out)
	}
	if got := h.total(); got != "USD 37.5003" {
		t.Errorf("after the uploads: %s", got)
	}
}
