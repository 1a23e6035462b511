package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/cost/billing"
	"github.com/slopipe/slopipe/internal/decimal"
)

// A FOCUS export dropped in SLOPIPE_BILLING_DIR and a CUR 2.0 export
// imported with `slopipe billing import` land in the store with their
// files' totals, to the last digit; the same file imported again leaves
// one copy; a broken file is refused with file:line.
func TestDaemonImportsBillingExports(t *testing.T) {
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep, []string{"SLOPIPE_BILLING_DIR=" + inbox})
	defer d.stop()

	focus, err := os.ReadFile(filepath.Join("..", "..", "cost", "billing", "testdata", "focus.csv"))
	if err != nil {
		t.Fatal(err)
	}
	items, err := billing.Read(strings.NewReader(string(focus)), "focus.csv", billing.FOCUS)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]decimal.Decimal{}
	for _, it := range items {
		want[it.BillingCurrency] = want[it.BillingCurrency].Add(it.BilledCost)
	}
	if err := os.WriteFile(filepath.Join(inbox, "focus.csv"), focus, 0o644); err != nil {
		t.Fatal(err)
	}
	const sql = "SELECT BillingCurrency, toString(sum(BilledCost)) FROM otel.slopipe_billing_line_items_current GROUP BY BillingCurrency ORDER BY BillingCurrency FORMAT TSV"
	expect := func() string {
		var b strings.Builder
		for _, c := range []string{"EUR", "USD"} {
			if v, ok := want[c]; ok {
				b.WriteString(c + "\t" + v.String() + "\n")
			}
		}
		return strings.TrimSpace(b.String())
	}()
	deadline := time.Now().Add(60 * time.Second)
	for query(t, ep.clickhouseHTTP, sql) != expect {
		if time.Now().After(deadline) {
			t.Fatalf("stored totals %q, want the file's %q:\n%s", query(t, ep.clickhouseHTTP, sql), expect, d.out)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The CLI, twice: one copy.
	cur := filepath.Join("..", "..", "cost", "billing", "testdata", "cur2.csv")
	for range 2 {
		if out, code := cli(t, ep.api, "billing", "import", cur); code != 0 || !strings.Contains(out, "aws-cur2, 9 rows") {
			t.Fatalf("billing import exited %d:\n%s", code, out)
		}
	}
	if got := query(t, ep.clickhouseHTTP, "SELECT count() FROM otel.slopipe_billing_line_items_current WHERE Provider = 'AWS' AND BillingAccountId = '999900000001'"); got != "9" {
		t.Errorf("%s CUR rows visible after importing twice, want 9", got)
	}

	// The same month as a multi-part delivery, a directory of two gzipped
	// parts and a manifest: one import of both parts, still one copy.
	curText, err := os.ReadFile(cur)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimRight(string(curText), "\n")+"\n", "\n")
	delivery := filepath.Join(dir, "cur-2026-11")
	for i, rows := range [][]string{lines[1:5], lines[5:]} {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(lines[0] + strings.Join(rows, "")))
		zw.Close()
		part := filepath.Join(delivery, "data", fmt.Sprintf("cur-%05d.csv.gz", i+1))
		if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(part, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(delivery, "cur-Manifest.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := cli(t, ep.api, "billing", "import", delivery); code != 0 || !strings.Contains(out, "aws-cur2, 9 rows") || !strings.Contains(out, "2 files: cur-00001.csv.gz, cur-00002.csv.gz") {
		t.Fatalf("billing import of a directory exited %d:\n%s", code, out)
	}
	if got := query(t, ep.clickhouseHTTP, "SELECT count() FROM otel.slopipe_billing_line_items_current WHERE Provider = 'AWS' AND BillingAccountId = '999900000001'"); got != "9" {
		t.Errorf("%s CUR rows visible after the multi-part import, want 9", got)
	}

	before := query(t, ep.clickhouseHTTP, sql)
	broken := filepath.Join(dir, "broken.csv")
	if err := os.WriteFile(broken, []byte(strings.Replace(string(focus), "12.5", "12..5", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := cli(t, ep.api, "billing", "import", broken); code == 0 || !strings.Contains(out, "broken.csv:2: column") {
		t.Errorf("a broken file: exit %d:\n%s", code, out)
	}
	if got := query(t, ep.clickhouseHTTP, sql); got != before {
		t.Errorf("after a refused file the totals are %q, want still %q", got, before)
	}
}

// This month's bill, allocated: `slopipe cost report` shows each tenant's
// tagged cost and the untagged rest as unallocated, summing to the bill.
func TestDaemonAllocatesCostByTenant(t *testing.T) {
	dir := t.TempDir()
	ep := newEndpoints(t)
	d := startDaemon(t, filepath.Join(dir, "data"), ep, []string{"SLOPIPE_COST_INTERVAL=1s"})
	defer d.stop()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	at := today.Add(time.Hour).Format(time.RFC3339)
	end := today.Add(2 * time.Hour).Format(time.RFC3339)
	csv := "BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,BilledCost,EffectiveCost,ListCost,ContractedCost,ChargeCategory,ServiceName,ProviderName,Tags\n" +
		strings.Join([]string{"A1", month.Format(time.RFC3339), month.AddDate(0, 1, 0).Format(time.RFC3339), at, end, "USD", "12.345", "12.345", "13", "12.345", "Usage", "EC2", "AWS", `"{""tenant"":""acme""}"`}, ",") + "\n" +
		strings.Join([]string{"A1", month.Format(time.RFC3339), month.AddDate(0, 1, 0).Format(time.RFC3339), at, end, "USD", "0.655", "0.655", "1", "0.655", "Usage", "S3", "AWS", "{}"}, ",") + "\n"
	file := filepath.Join(dir, "this-month.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := cli(t, ep.api, "billing", "import", file); code != 0 {
		t.Fatalf("billing import exited %d:\n%s", code, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, code := cli(t, ep.api, "cost", "report", "--group-by", "tenant")
		if code == 0 && strings.Contains(out, "acme") && strings.Contains(out, "12.345") && strings.Contains(out, "unallocated") && strings.Contains(out, "0.655") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cost report exited %d:\n%s\n%s", code, out, d.out)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
