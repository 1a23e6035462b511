package billing

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

type totals struct{ billed, effective, list string }

// sumBy adds the three costs per key, exactly.
func sumBy(items []LineItem, key func(*LineItem) string) map[string]totals {
	type acc struct{ b, e, l decimal.Decimal }
	sums := map[string]*acc{}
	for i := range items {
		k := key(&items[i])
		if sums[k] == nil {
			sums[k] = &acc{}
		}
		s := sums[k]
		s.b, s.e, s.l = s.b.Add(items[i].BilledCost), s.e.Add(items[i].EffectiveCost), s.l.Add(items[i].ListCost)
	}
	out := map[string]totals{}
	for k, s := range sums {
		out[k] = totals{s.b.String(), s.e.String(), s.l.String()}
	}
	return out
}

func readFile(t *testing.T, name string, format Format) []LineItem {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := Read(f, name, format)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func dec(s string) decimal.Decimal { return decimal.MustParse(s) }

func TestReadFOCUS(t *testing.T) {
	items := readFile(t, "focus.csv", AutoDetect)
	if len(items) != 8 {
		t.Fatalf("got %d line items, want 8", len(items))
	}
	got := sumBy(items, func(l *LineItem) string { return l.BillingAccountId })
	want := map[string]totals{
		"A1": {"105.25", "8.3734567891", "19"},
		"A2": {"2.4000000001", "2.4000000001", "2.4000000002"},
		// ListCost 0.333333333333 rounds half-even to 0.3333333333.
		"A3": {"1000", "950.376543211", "1100.3333333333"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals per billing account:\n got %v\nwant %v", got, want)
	}

	first := items[0]
	wantFirst := LineItem{Line: 2, BillingLineItem: store.BillingLineItem{
		BillingAccountId: "A1", BillingAccountName: "Acme Prod", SubAccountId: "111111111111", SubAccountName: "web",
		BillingPeriodStart: utc("2025-03-01T00:00:00Z"), BillingPeriodEnd: utc("2025-04-01T00:00:00Z"),
		ChargePeriodStart: utc("2025-03-01T00:00:00Z"), ChargePeriodEnd: utc("2025-03-01T01:00:00Z"),
		BillingCurrency: "USD", BilledCost: dec("12.5"), EffectiveCost: dec("12.5"), ListCost: dec("14"), ContractedCost: dec("12.5"),
		ChargeCategory: "Usage", ChargeDescription: "EC2 m5.large", ChargeFrequency: "Usage-Based",
		PricingCategory: "Standard", PricingQuantity: dec("1"), PricingUnit: "Hours", ConsumedQuantity: dec("1"), ConsumedUnit: "Hours",
		ListUnitPrice: dec("14"), ContractedUnitPrice: dec("12.5"),
		ProviderName: "AWS", PublisherName: "AWS", InvoiceIssuerName: "Amazon Web Services, Inc.",
		RegionId: "us-east-1", RegionName: "US East (N. Virginia)", ResourceId: "i-0abc", ResourceName: "web-1", ResourceType: "Instance",
		ServiceCategory: "Compute", ServiceName: "Amazon EC2", SkuId: "SKU1", SkuPriceId: "P1",
		Tags: map[string]string{"team": "checkout", "env": "prod"},
	}}
	if diff := diffItems(first, wantFirst); diff != "" {
		t.Errorf("line 2: %s", diff)
	}

	committed := items[1]
	if committed.CommitmentDiscountId != "arn:aws:savingsplans::111111111111:savingsplan/sp-1" ||
		committed.CommitmentDiscountType != "Savings Plan" || committed.CommitmentDiscountCategory != "Spend" ||
		committed.CommitmentDiscountStatus != "Used" || committed.PricingCategory != "Committed" {
		t.Errorf("line 3 commitment: %+v", committed)
	}
	// "2006-01-02 15:04:05" without a zone is UTC.
	if p := items[2]; !p.ChargePeriodStart.Equal(utc("2025-03-01T00:00:00Z")) || p.ChargeCategory != "Purchase" || p.Tags != nil {
		t.Errorf("line 4: %v %s %v", p.ChargePeriodStart, p.ChargeCategory, p.Tags)
	}
	// An offset is converted to UTC.
	if c := items[3]; !c.ChargePeriodStart.Equal(utc("2025-03-14T22:00:00Z")) || c.ChargePeriodStart.Location() != time.UTC || c.Tags != nil {
		t.Errorf("line 5: %v %v", c.ChargePeriodStart, c.Tags)
	}
	if tags := items[4].Tags; !reflect.DeepEqual(tags, map[string]string{"team": "platform", "owner": ""}) {
		t.Errorf("line 6 tags: %v", tags)
	}
	// Date-only values, a quoted comma, a correction.
	g := items[6]
	if !g.ChargePeriodStart.Equal(utc("2025-03-02T00:00:00Z")) || g.ChargeDescription != "Compute, N2 cores" || g.BillingCurrency != "EUR" {
		t.Errorf("line 8: %v %q %s", g.ChargePeriodStart, g.ChargeDescription, g.BillingCurrency)
	}
	if items[7].ChargeClass != "Correction" || items[7].Line != 9 {
		t.Errorf("line 9: class %q line %d", items[7].ChargeClass, items[7].Line)
	}
}

func TestReadAWSCUR2(t *testing.T) {
	items := readFile(t, "cur2.csv", AWSCUR2)
	if len(items) != 9 {
		t.Fatalf("got %d line items, want 9", len(items))
	}
	got := sumBy(items, func(l *LineItem) string { return l.BillingAccountId })
	want := map[string]totals{"999900000001": {"47.642012", "1.4732465679", "1.322012"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals per billing account:\n got %v\nwant %v", got, want)
	}
	got = sumBy(items, func(l *LineItem) string { return l.SubAccountId })
	want = map[string]totals{
		"111100000001": {"2.642", "2.642", "1.152"},
		"111100000002": {"45.000012", "-1.1687534321", "0.170012"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals per sub account:\n got %v\nwant %v", got, want)
	}

	type view struct {
		category, billed, effective, list, pricing, commitment, status string
	}
	wantRows := []view{
		{"Usage", "0.912", "0.912", "0.96", "Standard", "", ""},                    // net unblended bills
		{"Usage", "0.192", "0.13", "0.192", "Committed", "Savings Plan", "Used"},   // SP effective cost
		{"Usage", "-0.192", "0", "0", "Committed", "Savings Plan", ""},             // negation costs nothing
		{"Purchase", "0.5", "0.37", "0", "", "Savings Plan", ""},                   // unused commitment
		{"Usage", "0", "0.0812345679", "0.17", "Committed", "Reservation", "Used"}, // rounded half-even
		{"Purchase", "50", "3.75", "0", "", "Reservation", ""},                     // unused RI fees
		{"Tax", "1.23", "1.23", "0", "", "", ""},
		{"Credit", "-5", "-5", "0", "", "", ""},
		{"Usage", "0.000012", "0.000012", "0.000012", "Standard", "", ""}, // 1.2E-5, no net cost
	}
	for i, w := range wantRows {
		it := items[i]
		g := view{it.ChargeCategory, it.BilledCost.String(), it.EffectiveCost.String(), it.ListCost.String(), it.PricingCategory, it.CommitmentDiscountType, it.CommitmentDiscountStatus}
		if g != w {
			t.Errorf("line %d:\n got %+v\nwant %+v", it.Line, g, w)
		}
	}

	u := items[0]
	if u.BillingAccountName != "Acme Payer" || u.SubAccountName != "prod" || u.ServiceName != "AmazonEC2" ||
		u.ServiceCategory != "Compute" || u.RegionId != "us-east-1" || u.RegionName != "US East (N. Virginia)" ||
		u.ProviderName != "AWS" || u.InvoiceIssuerName != "Amazon Web Services, Inc." || u.SkuId != "SKUEC2" ||
		u.SkuPriceId != "ABC.123" || u.ContractedCost.String() != "0.96" || u.ContractedUnitPrice.String() != "0.096" ||
		u.ListUnitPrice.String() != "0.096" || u.PricingQuantity.String() != "10" || u.ConsumedUnit != "Hrs" ||
		u.ChargeFrequency != "Usage-Based" || !u.ChargePeriodStart.Equal(utc("2025-03-01T00:00:00Z")) {
		t.Errorf("line 2 mapping: %+v", u)
	}
	if !reflect.DeepEqual(u.Tags, map[string]string{"user:team": "checkout", "user:env": "prod", "user:cost_center": "cc-7"}) {
		t.Errorf("line 2 tags: %v", u.Tags)
	}
	if items[3].ChargeFrequency != "Recurring" || items[3].ServiceName != "ComputeSavingsPlans" {
		t.Errorf("line 5: %q %q", items[3].ChargeFrequency, items[3].ServiceName)
	}
	if items[4].CommitmentDiscountId != "arn:aws:rds:us-east-1:999900000001:ri:db-ri-1" || items[4].CommitmentDiscountCategory != "Usage" {
		t.Errorf("line 6 commitment: %q %q", items[4].CommitmentDiscountId, items[4].CommitmentDiscountCategory)
	}
	if items[6].Tags != nil || !reflect.DeepEqual(items[8].Tags, map[string]string{"user:cost_center": "cc-9"}) {
		t.Errorf("tags of lines 8 and 10: %v %v", items[6].Tags, items[8].Tags)
	}
}

func TestReadGCP(t *testing.T) {
	items := readFile(t, "gcp.csv", AutoDetect)
	if len(items) != 5 {
		t.Fatalf("got %d line items, want 5", len(items))
	}
	got := sumBy(items, func(l *LineItem) string { return l.BillingAccountId })
	want := map[string]totals{
		"01AAAA-BBBBBB-CCCCCC": {"12.6001234568", "11.0501234568", "14.1001234568"},
		"01DDDD-EEEEEE-FFFFFF": {"4.25", "3", "5.75"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals per billing account:\n got %v\nwant %v", got, want)
	}
	c := items[0]
	if c.SubAccountId != "shop-prod" || c.SubAccountName != "Shop (prod)" || c.ServiceName != "Compute Engine" ||
		c.SkuId != "2E27-4F75-95CD" || c.ChargeDescription != "N2 Instance Core running in Americas" ||
		c.EffectiveCost.String() != "8.95" || c.ListCost.String() != "12" || c.ChargeCategory != "Usage" ||
		c.RegionId != "us-central1" || c.ProviderName != "Google Cloud" || c.PublisherName != "Google Cloud" ||
		c.ConsumedQuantity.String() != "3600" || c.ConsumedUnit != "seconds" || c.PricingQuantity.String() != "1" || c.PricingUnit != "hour" ||
		!c.ChargePeriodStart.Equal(utc("2025-03-01T00:00:00Z")) || !c.ChargePeriodEnd.Equal(utc("2025-03-01T01:00:00Z")) ||
		!c.BillingPeriodStart.Equal(utc("2025-03-01T00:00:00Z")) || !c.BillingPeriodEnd.Equal(utc("2025-04-01T00:00:00Z")) {
		t.Errorf("line 2 mapping: %+v", c)
	}
	if !reflect.DeepEqual(c.Tags, map[string]string{"team": "checkout", "env": "prod"}) {
		t.Errorf("line 2 tags: %v", c.Tags)
	}
	if items[2].ChargeCategory != "Tax" || items[4].ChargeCategory != "Adjustment" || items[1].Tags != nil {
		t.Errorf("categories %q %q, tags %v", items[2].ChargeCategory, items[4].ChargeCategory, items[1].Tags)
	}
	if b := items[3]; !b.BillingPeriodStart.Equal(utc("2025-02-01T00:00:00Z")) || !b.BillingPeriodEnd.Equal(utc("2025-03-01T00:00:00Z")) {
		t.Errorf("line 5 billing period: %v – %v", b.BillingPeriodStart, b.BillingPeriodEnd)
	}
}

func TestBOMAndCRLF(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "gcp.csv"))
	if err != nil {
		t.Fatal(err)
	}
	crlf := bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
	items, err := Read(bytes.NewReader(append([]byte(bom), crlf...)), "gcp.csv", AutoDetect)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 || items[0].BillingAccountId != "01AAAA-BBBBBB-CCCCCC" || items[4].Line != 6 {
		t.Errorf("got %d items, first account %q, last line %d", len(items), items[0].BillingAccountId, items[4].Line)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Format
		err    string
	}{
		{"BillingAccountId,BilledCost,EffectiveCost", FOCUS, ""},
		{bom + "BilledCost,ChargePeriodStart", FOCUS, ""},
		{"bill_payer_account_id,line_item_line_item_type,line_item_unblended_cost", AWSCUR2, ""},
		{"billing_account_id,service.description,cost,credits,usage_start_time", GCP, ""},
		{"identity/LineItemId,lineItem/UnblendedCost", 0, "legacy AWS CUR"},
		{"a,b,c", 0, "not a FOCUS, AWS CUR 2.0 or GCP billing export header"},
	} {
		got, err := Detect(strings.Split(tc.header, ","))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Detect(%s) error %v, want %q", tc.header, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Detect(%s) = %v, %v; want %v", tc.header, got, err, tc.want)
		}
	}
	for _, name := range []string{"focus", "aws-cur2", "gcp", "auto"} {
		f, err := ParseFormat(name)
		if err != nil || f.String() != name {
			t.Errorf("ParseFormat(%q) = %v, %v", name, f, err)
		}
	}
}

// focusHeader is the smallest header with every required FOCUS column.
const focusHeader = "BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,BilledCost,EffectiveCost,ListCost,ContractedCost,ChargeCategory,ServiceName,ProviderName,Tags\n"
const focusRow = "A1,2025-03-01,2025-04-01,2025-03-01,2025-03-02,USD,1,1,1,1,Usage,EC2,AWS,\n"

const curHeader = "bill_payer_account_id,line_item_usage_account_id,bill_billing_period_start_date,bill_billing_period_end_date,line_item_usage_start_date,line_item_usage_end_date,line_item_currency_code,line_item_line_item_type,line_item_unblended_cost\n"
const curPeriods = "2025-03-01T00:00:00Z,2025-04-01T00:00:00Z,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z"

const gcpHeader = "billing_account_id,service.description,usage_start_time,usage_end_time,invoice.month,cost,currency,credits,labels\n"
const gcpTimes = "2025-03-01 00:00:00 UTC,2025-03-01 01:00:00 UTC"

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		file, input string
		format      Format
		want        string
	}{
		{"empty.csv", "", FOCUS, "empty.csv: empty file, no header row"},
		{"header.csv", focusHeader, FOCUS, "header.csv: no data rows"},
		{"bom.csv", bom, AutoDetect, "bom.csv: empty file, no header row"},
		{"x.csv", "a,b\n1,2\n", AutoDetect, "x.csv:1: not a FOCUS, AWS CUR 2.0 or GCP billing export header"},
		{"focus.csv", "BillingAccountId,BilledCost,ChargePeriodStart\nA,1,2025-03-01\n", FOCUS,
			"focus.csv:1: focus file without required columns BillingPeriodStart, BillingPeriodEnd, ChargePeriodEnd, BillingCurrency, ChargeCategory, ServiceName, ProviderName, EffectiveCost, ListCost, ContractedCost"},
		{"focus.csv", "BilledCost,BilledCost\n1,2\n", FOCUS, "focus.csv:1: column BilledCost appears twice"},
		{"focus.csv", focusHeader + focusRow + strings.Replace(focusRow, ",1,1,1,1,", `,"12,50",1,1,1,`, 1), FOCUS,
			`focus.csv:3: column BilledCost: "12,50" is not a decimal number`},
		{"focus.csv", focusHeader + strings.Replace(focusRow, ",1,1,1,1,", ",1,,1,1,", 1), FOCUS,
			"focus.csv:2: column EffectiveCost: is empty"},
		{"focus.csv", focusHeader + strings.Replace(focusRow, ",1,1,1,1,", ",1,1,1e80,1,", 1), FOCUS,
			`focus.csv:2: column ListCost: "1e80" is too large`},
		{"focus.csv", focusHeader + strings.Replace(focusRow, "2025-03-02", "02/03/2025", 1), FOCUS,
			`focus.csv:2: column ChargePeriodEnd: "02/03/2025" is not a date or time (want RFC 3339, "2006-01-02 15:04:05" or "2006-01-02")`},
		{"focus.csv", focusHeader + strings.Replace(focusRow, "2025-03-01,2025-03-02", "2025-03-02,2025-03-01", 1), FOCUS,
			"focus.csv:2: column ChargePeriodEnd: 2025-03-01T00:00:00Z is before ChargePeriodStart 2025-03-02T00:00:00Z"},
		{"focus.csv", focusHeader + strings.Replace(focusRow, "Usage", "Refund", 1), FOCUS,
			`focus.csv:2: column ChargeCategory: "Refund" is not a FOCUS charge category (Usage, Purchase, Tax, Credit, Adjustment)`},
		{"focus.csv", focusHeader + strings.Replace(focusRow, "USD", "usd", 1), FOCUS,
			`focus.csv:2: column BillingCurrency: "usd" is not an ISO 4217 currency code`},
		{"focus.csv", focusHeader + strings.Replace(focusRow, "AWS,\n", `AWS,"{""team"":}"`+"\n", 1), FOCUS,
			"focus.csv:2: column Tags: not a JSON object: invalid character '}' looking for beginning of value at byte 9"},
		{"focus.csv", focusHeader + strings.Replace(focusRow, "A1,", ",", 1), FOCUS,
			"focus.csv:2: column BillingAccountId: is empty"},
		{"focus.csv", focusHeader + focusRow + "A1,2025-03-01\n", FOCUS, "focus.csv:3: 2 fields, the header has 14"},
		{"focus.csv", focusHeader + focusRow + "A1,\"2025-03-01\n", FOCUS, `focus.csv:3: extraneous or missing " in quoted-field`},
		{"cur.csv", curHeader + "1,2," + curPeriods + ",USD,SavingsPlanCoveredUsage,0.2\n", AWSCUR2,
			"cur.csv:2: column savings_plan_savings_plan_effective_cost: missing from the header, needed for SavingsPlanCoveredUsage lines"},
		{"cur.csv", strings.TrimSuffix(curHeader, "\n") + ",reservation_effective_cost\n" + "1,2," + curPeriods + ",USD,DiscountedUsage,0,\n", AWSCUR2,
			"cur.csv:2: column reservation_effective_cost: is empty"},
		{"cur.csv", curHeader + "1,2," + curPeriods + ",USD,Usage,0.1.2\n", AWSCUR2,
			`cur.csv:2: column line_item_unblended_cost: "0.1.2" is not a decimal number`},
		{"gcp.csv", gcpHeader + "B," + "GCE," + gcpTimes + ",2025-03,1,USD,,\n", GCP,
			`gcp.csv:2: column invoice.month: "2025-03" is not a month as YYYYMM`},
		{"gcp.csv", gcpHeader + "B," + "GCE," + gcpTimes + `,202503,1,USD,"[{""amount"":""x""}]",` + "\n", GCP,
			"gcp.csv:2: column credits: not a JSON array of credits: json: invalid number literal, trying to unmarshal \"\\\"x\\\"\" into Number"},
		{"gcp.csv", gcpHeader + "B," + "GCE," + gcpTimes + `,202503,1,USD,,"{""team"":""x""}"` + "\n", GCP,
			"gcp.csv:2: column labels: not a JSON array of {key, value}: json: cannot unmarshal object into Go value of type []billing.gcpLabel"},
	} {
		items, err := Read(strings.NewReader(tc.input), tc.file, tc.format)
		if err == nil {
			t.Errorf("%s %q: no error, %d items", tc.file, tc.input, len(items))
			continue
		}
		if items != nil {
			t.Errorf("%s: items returned with the error", tc.file)
		}
		if err.Error() != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.file, err, tc.want)
		}
		var be *Error
		if !errors.As(err, &be) {
			t.Errorf("%s: error %T is not a *billing.Error", tc.file, err)
		}
	}
}

func TestRoundHalfEven(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1.23", "1.23"},
		{"7", "7"},
		{"0.12345678904", "0.1234567890"},
		{"0.12345678905", "0.1234567890"}, // tie, 0 is even
		{"0.12345678915", "0.1234567892"}, // tie, 1 is odd
		{"0.123456789050001", "0.1234567891"},
		{"0.12345678906", "0.1234567891"},
		{"-0.12345678915", "-0.1234567892"},
		{"9.99999999995", "10.0000000000"},
		{"-9.99999999999999", "-10.0000000000"},
		{".000000000049", "0.0000000000"},
		{"1.2E-5", "0.000012"},
		{"4.5E-11", "0.0000000000"},
		{"1.5E-10", "0.0000000002"},
		{"1.25E3", "1250"},
		{"+2.000000000050", "2.0000000000"},
	} {
		got, ok := roundHalfEven(tc.in, 10)
		if !ok || got != tc.want {
			t.Errorf("roundHalfEven(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
		if _, err := parseDecimal(tc.in); err != nil {
			t.Errorf("parseDecimal(%q): %v", tc.in, err)
		}
	}
	for _, bad := range []string{"", "abc", "1.2.3", "1e", "--1", "1e999"} {
		if _, ok := roundHalfEven(bad, 10); ok {
			t.Errorf("roundHalfEven(%q) accepted", bad)
		}
	}
}

func TestWriteFOCUSSample(t *testing.T) {
	var a, b bytes.Buffer
	total, err := WriteFOCUSSample(&a, 2000, 42)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFOCUSSample(&b, 2000, 42); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed, different bytes")
	}
	items, err := Read(bytes.NewReader(a.Bytes()), "sample.csv", AutoDetect)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2000 {
		t.Fatalf("read %d rows, want 2000", len(items))
	}
	sum := decimal.Zero
	credits, committed := 0, 0
	for i := range items {
		sum = sum.Add(items[i].BilledCost)
		switch {
		case items[i].ChargeCategory == "Credit":
			credits++
		case items[i].CommitmentDiscountStatus == "Used":
			committed++
		}
	}
	if sum.Cmp(total) != 0 || total.Sign() <= 0 {
		t.Errorf("sum of BilledCost %s, WriteFOCUSSample said %s", sum, total)
	}
	if credits != 40 || committed == 0 {
		t.Errorf("%d credits, %d committed rows", credits, committed)
	}
}

func BenchmarkReadFOCUS(b *testing.B) {
	const rows = 100_000
	var buf bytes.Buffer
	if _, err := WriteFOCUSSample(&buf, rows, 1); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := Scan(bytes.NewReader(data), "bench.csv", FOCUS, func(*LineItem) error { return nil })
		if err != nil || n != rows {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// diffItems names the fields where two line items differ.
func diffItems(got, want LineItem) string {
	var diffs []string
	if got.Line != want.Line {
		diffs = append(diffs, "Line")
	}
	gv, wv := reflect.ValueOf(got.BillingLineItem), reflect.ValueOf(want.BillingLineItem)
	for i := 0; i < gv.NumField(); i++ {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if gd, ok := g.(decimal.Decimal); ok {
			if gd.Cmp(w.(decimal.Decimal)) != 0 {
				diffs = append(diffs, gv.Type().Field(i).Name+": "+gd.String()+" != "+w.(decimal.Decimal).String())
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			diffs = append(diffs, gv.Type().Field(i).Name)
		}
	}
	return strings.Join(diffs, ", ")
}

func TestFastPathsAgreeWithGeneral(t *testing.T) {
	for _, s := range []string{"0", "-0", "+0.0", "12.5", "-7.25", "0.0000000001", "00012.3400", "99999999.9999999999",
		"999999999.9999999999", "123456789012345678", "1.", ".5", "-.5", "1.23456789012", "1e3", "", ".", "-", "1-2", "1..2", " 1"} {
		fast, ok := fastDecimal(s)
		general, err := decimal.Parse(s)
		if ok && (err != nil || fast.Cmp(general) != 0) {
			t.Errorf("fastDecimal(%q) = %s, decimal.Parse = %s, %v", s, fast, general, err)
		}
	}
	for _, s := range []string{`{}`, `{"a":"b"}`, ` { "team" : "web" , "env":"prod" } `, `{"a":"b",}`, `{"a":1}`, `{"a":"\u00e9"}`,
		`{"é":"x"}`, `{"a":"b"}x`, `{"a" "b"}`, `{"a":"b"`, `{"a":null}`} {
		fast, ok := fastTags(s)
		if !ok {
			continue
		}
		var general map[string]string
		if err := json.Unmarshal([]byte(s), &general); err != nil || !reflect.DeepEqual(fast, general) {
			t.Errorf("fastTags(%s) = %v, encoding/json = %v, %v", s, fast, general, err)
		}
	}
}

// A gzipped CSV export (CUR's cur-00001.csv.gz, several gzip members
// concatenated too) reads as the CSV does, lines counted in the CSV; a
// damaged one is refused naming the file.
func TestGzippedCSV(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "cur2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var packed bytes.Buffer
	half := bytes.IndexByte(raw[len(raw)/2:], '\n') + len(raw)/2 + 1
	for _, part := range [][]byte{raw[:half], raw[half:]} { // two members
		zw := gzip.NewWriter(&packed)
		zw.Write(part)
		zw.Close()
	}
	items, err := Read(bytes.NewReader(packed.Bytes()), "cur-00001.csv.gz", AutoDetect)
	if err != nil {
		t.Fatal(err)
	}
	plain := readFile(t, "cur2.csv", AWSCUR2)
	if len(items) != len(plain) {
		t.Fatalf("%d items from gzip, %d from the CSV", len(items), len(plain))
	}
	for i := range items {
		if d := diffItems(items[i], plain[i]); d != "" {
			t.Fatalf("item %d: %s", i, d)
		}
	}

	damaged := append([]byte(nil), packed.Bytes()[:packed.Len()/2]...)
	_, err = Read(bytes.NewReader(damaged), "cur-00002.csv.gz", AutoDetect)
	var bad *Error
	if !errors.As(err, &bad) || !strings.HasPrefix(err.Error(), "cur-00002.csv.gz") {
		t.Fatalf("damaged gzip: %v", err)
	}
}
