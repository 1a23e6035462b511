package billing

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

// curParquet is testdata/cur2.csv as AWS Data Exports would write it as
// Parquet, with a few columns typed otherwise to cover the conversions:
// costs as DECIMAL (INT64 and FIXED_LEN_BYTE_ARRAY), timestamps in each
// unit, adjusted to UTC or not, empty values as nulls.
type curParquet struct {
	BillType           string            `parquet:"bill_bill_type,optional"`
	BillingPeriodStart time.Time         `parquet:"bill_billing_period_start_date,timestamp(millisecond)"`
	BillingPeriodEnd   time.Time         `parquet:"bill_billing_period_end_date,timestamp(microsecond:local)"`
	InvoicingEntity    string            `parquet:"bill_invoicing_entity,optional"`
	PayerAccountID     string            `parquet:"bill_payer_account_id"`
	PayerAccountName   string            `parquet:"bill_payer_account_name,optional"`
	UsageAccountID     string            `parquet:"line_item_usage_account_id"`
	UsageAccountName   string            `parquet:"line_item_usage_account_name,optional"`
	LineItemType       string            `parquet:"line_item_line_item_type"`
	UsageStart         time.Time         `parquet:"line_item_usage_start_date,timestamp(nanosecond)"`
	UsageEnd           *time.Time        `parquet:"line_item_usage_end_date,timestamp(millisecond)"`
	ProductCode        string            `parquet:"line_item_product_code,optional"`
	UsageAmount        *float64          `parquet:"line_item_usage_amount"`
	CurrencyCode       string            `parquet:"line_item_currency_code"`
	UnblendedRate      *float64          `parquet:"line_item_unblended_rate"`
	UnblendedCost      int64             `parquet:"line_item_unblended_cost,decimal(6:18)"`
	NetUnblendedCost   *int64            `parquet:"line_item_net_unblended_cost,decimal(6:18)"`
	Description        string            `parquet:"line_item_line_item_description,optional"`
	LegalEntity        string            `parquet:"line_item_legal_entity,optional"`
	ResourceID         string            `parquet:"line_item_resource_id,optional"`
	PublicOnDemandCost []byte            `parquet:"pricing_public_on_demand_cost,decimal(15:38),optional"`
	PublicOnDemandRate *float64          `parquet:"pricing_public_on_demand_rate"`
	PricingTerm        string            `parquet:"pricing_term,optional"`
	PricingUnit        string            `parquet:"pricing_unit,optional"`
	RateCode           string            `parquet:"pricing_rate_code,optional"`
	RegionCode         string            `parquet:"product_region_code,optional"`
	Location           string            `parquet:"product_location,optional"`
	ServiceCode        string            `parquet:"product_servicecode,optional"`
	SKU                string            `parquet:"product_sku,optional"`
	RIARN              string            `parquet:"reservation_reservation_a_r_n,optional"`
	RIEffectiveCost    []byte            `parquet:"reservation_effective_cost,decimal(15:38),optional"`
	RIUnusedUpfront    *float64          `parquet:"reservation_unused_amortized_upfront_fee_for_billing_period"`
	RIUnusedRecurring  *float64          `parquet:"reservation_unused_recurring_fee"`
	SPARN              string            `parquet:"savings_plan_savings_plan_a_r_n,optional"`
	SPEffectiveCost    *float64          `parquet:"savings_plan_savings_plan_effective_cost"`
	SPTotalCommitment  *float64          `parquet:"savings_plan_total_commitment_to_date"`
	SPUsedCommitment   *float64          `parquet:"savings_plan_used_commitment"`
	ResourceTags       map[string]string `parquet:"resource_tags,optional"`
	TagUserCostCenter  string            `parquet:"resource_tags_user_cost_center,optional"`
	// Columns no mapper reads, as CUR 2.0 has them.
	Product      map[string]string `parquet:"product,optional"`
	CostCategory map[string]string `parquet:"cost_category,optional"`
}

// focusParquet is testdata/focus.csv as FOCUS Parquet. BillingPeriod* are
// DATEs, money DECIMAL or DOUBLE, Tags a map whose values may be null.
type focusParquet struct {
	BillingAccountId           string             `parquet:"BillingAccountId"`
	BillingAccountName         string             `parquet:"BillingAccountName,optional"`
	SubAccountId               string             `parquet:"SubAccountId,optional"`
	SubAccountName             string             `parquet:"SubAccountName,optional"`
	BillingPeriodStart         int32              `parquet:"BillingPeriodStart,date"` // days since 1970-01-01
	BillingPeriodEnd           int32              `parquet:"BillingPeriodEnd,date"`
	ChargePeriodStart          time.Time          `parquet:"ChargePeriodStart,timestamp(microsecond)"`
	ChargePeriodEnd            time.Time          `parquet:"ChargePeriodEnd,timestamp(microsecond)"`
	BillingCurrency            string             `parquet:"BillingCurrency"`
	BilledCost                 int64              `parquet:"BilledCost,decimal(10:18)"`
	EffectiveCost              int64              `parquet:"EffectiveCost,decimal(10:18)"`
	ListCost                   []byte             `parquet:"ListCost,decimal(12:38)"`
	ContractedCost             float64            `parquet:"ContractedCost"`
	ChargeCategory             string             `parquet:"ChargeCategory"`
	ChargeClass                string             `parquet:"ChargeClass,optional"`
	ChargeDescription          string             `parquet:"ChargeDescription,optional"`
	ChargeFrequency            string             `parquet:"ChargeFrequency,optional"`
	CommitmentDiscountId       string             `parquet:"CommitmentDiscountId,optional"`
	CommitmentDiscountType     string             `parquet:"CommitmentDiscountType,optional"`
	CommitmentDiscountCategory string             `parquet:"CommitmentDiscountCategory,optional"`
	CommitmentDiscountStatus   string             `parquet:"CommitmentDiscountStatus,optional"`
	PricingCategory            string             `parquet:"PricingCategory,optional"`
	PricingQuantity            *float64           `parquet:"PricingQuantity"`
	PricingUnit                string             `parquet:"PricingUnit,optional"`
	ConsumedQuantity           *float64           `parquet:"ConsumedQuantity"`
	ConsumedUnit               string             `parquet:"ConsumedUnit,optional"`
	ListUnitPrice              *float64           `parquet:"ListUnitPrice"`
	ContractedUnitPrice        *float64           `parquet:"ContractedUnitPrice"`
	ProviderName               string             `parquet:"ProviderName,optional"`
	PublisherName              string             `parquet:"PublisherName,optional"`
	InvoiceIssuerName          string             `parquet:"InvoiceIssuerName,optional"`
	RegionId                   string             `parquet:"RegionId,optional"`
	RegionName                 string             `parquet:"RegionName,optional"`
	ResourceId                 string             `parquet:"ResourceId,optional"`
	ResourceName               string             `parquet:"ResourceName,optional"`
	ResourceType               string             `parquet:"ResourceType,optional"`
	ServiceCategory            string             `parquet:"ServiceCategory,optional"`
	ServiceName                string             `parquet:"ServiceName,optional"`
	SkuId                      string             `parquet:"SkuId,optional"`
	SkuPriceId                 string             `parquet:"SkuPriceId,optional"`
	Tags                       map[string]*string `parquet:"Tags,optional"`
	XCostCenter                string             `parquet:"x_CostCenter,optional"`
}

// csvToParquet writes the rows of a CSV file as Parquet rows of T, each
// field filled from the column its parquet tag names: empty text is a nil
// pointer, map or slice (null, or the zero of a required column), and so
// is an optional column the CSV lacks.
func csvToParquet[T any](t testing.TB, csvData []byte, opts ...parquet.WriterOption) []byte {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(csvData))
	records, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := map[string]int{}
	for i, h := range records[0] {
		header[h] = i
	}
	var rows []T
	for _, rec := range records[1:] {
		var row T
		v := reflect.ValueOf(&row).Elem()
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			name, opts, _ := strings.Cut(sf.Tag.Get("parquet"), ",")
			col, ok := header[name]
			if !ok && (strings.Contains(opts, "optional") || sf.Type.Kind() == reflect.Pointer) {
				continue // null
			}
			if !ok {
				t.Fatalf("%s: no column %s in the CSV", sf.Name, name)
			}
			if err := setField(v.Field(i), opts, rec[col]); err != nil {
				t.Fatalf("column %s: %v", name, err)
			}
		}
		rows = append(rows, row)
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func setField(f reflect.Value, opts, s string) error {
	if s == "" && f.Kind() != reflect.String {
		return nil
	}
	scale := 0
	if i := strings.Index(opts, "decimal("); i >= 0 {
		fmt.Sscanf(opts[i:], "decimal(%d:", &scale)
	}
	switch p := f.Addr().Interface().(type) {
	case *string:
		*p = s
	case *int32: // a DATE
		tm, ok := parseTime(s)
		if !ok || tm.Truncate(24*time.Hour) != tm {
			return fmt.Errorf("%q is not a date", s)
		}
		*p = int32(tm.Unix() / 86400)
	case *time.Time:
		tm, ok := parseTime(s)
		if !ok {
			return fmt.Errorf("%q is not a time", s)
		}
		*p = tm
	case **time.Time:
		tm, ok := parseTime(s)
		if !ok {
			return fmt.Errorf("%q is not a time", s)
		}
		*p = &tm
	case *float64:
		_, err := fmt.Sscan(s, p)
		return err
	case **float64:
		*p = new(float64)
		_, err := fmt.Sscan(s, *p)
		return err
	case *int64, **int64, *[]byte:
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return fmt.Errorf("%q is not a number", s)
		}
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
		if !r.IsInt() {
			return fmt.Errorf("%q has more than %d decimals", s, scale)
		}
		unscaled := r.Num()
		switch p := p.(type) {
		case *int64:
			*p = unscaled.Int64()
		case **int64:
			u := unscaled.Int64()
			*p = &u
		case *[]byte:
			*p = fixed16(unscaled)
		}
	case *map[string]string:
		return json.Unmarshal([]byte(s), p)
	case *map[string]*string:
		return json.Unmarshal([]byte(s), p)
	default:
		return fmt.Errorf("cannot set %T", p)
	}
	return nil
}

// fixed16 is v as the 16-byte big-endian two's complement of DECIMAL(_, 38).
func fixed16(v *big.Int) []byte {
	b := make([]byte, 16)
	if v.Sign() >= 0 {
		return v.FillBytes(b)
	}
	m := new(big.Int).Lsh(big.NewInt(1), 128)
	return m.Add(m, v).FillBytes(b)
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameItems checks that items read from Parquet are those read from CSV:
// every field alike, and each CSV line (header 1, no multi-line fields)
// the row after it.
func sameItems(t *testing.T, parquetItems, csvItems []LineItem) {
	t.Helper()
	if len(parquetItems) != len(csvItems) {
		t.Fatalf("%d items from Parquet, %d from CSV", len(parquetItems), len(csvItems))
	}
	for i := range csvItems {
		p, c := parquetItems[i], csvItems[i]
		if p.Row != i+1 || p.Line != 0 || c.Line != i+2 || c.Row != 0 {
			t.Errorf("item %d: Parquet row %d line %d, CSV line %d row %d", i, p.Row, p.Line, c.Line, c.Row)
		}
		p.Row, p.Line = c.Row, c.Line
		if diff := diffItems(p, c); diff != "" {
			t.Errorf("row %d differs from CSV line %d in %s", i+1, c.Line, diff)
		}
	}
}

func TestReadParquetAWSCUR2(t *testing.T) {
	csvData := testdata(t, "cur2.csv")
	data := csvToParquet[curParquet](t, csvData)
	if !bytes.HasPrefix(data, []byte("PAR1")) {
		t.Fatal("not Parquet")
	}
	var items []LineItem
	format, _, err := ScanDetect(bytes.NewReader(data), "cur2.parquet", func(it *LineItem) error {
		items = append(items, *it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if format != AWSCUR2 {
		t.Errorf("format %v", format)
	}
	csvItems := readFile(t, "cur2.csv", AWSCUR2)
	sameItems(t, items, csvItems)

	// The hand-computed totals of TestReadAWSCUR2.
	got := sumBy(items, func(l *LineItem) string { return l.SubAccountId })
	want := map[string]totals{
		"111100000001": {"2.642", "2.642", "1.152"},
		"111100000002": {"45.000012", "-1.1687534321", "0.170012"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals per sub account:\n got %v\nwant %v", got, want)
	}
	if !reflect.DeepEqual(items[0].Tags, map[string]string{"user:team": "checkout", "user:env": "prod", "user:cost_center": "cc-7"}) {
		t.Errorf("row 1 tags: %v", items[0].Tags)
	}
}

func TestReadParquetFOCUS(t *testing.T) {
	data := csvToParquet[focusParquet](t, testdata(t, "focus.csv"))
	items, err := Read(bytes.NewReader(data), "focus.parquet", AutoDetect)
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, items, readFile(t, "focus.csv", AutoDetect))

	// The hand-computed totals of TestReadFOCUS; ListCost 0.333333333333
	// comes from a DECIMAL(38, 12) and rounds half-even as text does.
	got := sumBy(items, func(l *LineItem) string { return l.BillingAccountId })
	want := map[string]totals{
		"A1": {"105.25", "8.3734567891", "19"},
		"A2": {"2.4000000001", "2.4000000001", "2.4000000002"},
		"A3": {"1000", "950.376543211", "1100.3333333333"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals per billing account:\n got %v\nwant %v", got, want)
	}
	if tags := items[4].Tags; !reflect.DeepEqual(tags, map[string]string{"team": "platform", "owner": ""}) {
		t.Errorf("row 5 tags (a null value): %v", tags)
	}
	if items[2].Tags != nil || items[3].Tags != nil {
		t.Errorf("null and empty maps: %v %v", items[2].Tags, items[3].Tags)
	}
}

// A large file in many row groups reads as its CSV does, from an *os.File
// read in place and from a plain io.Reader read into memory.
func TestReadParquetRowGroups(t *testing.T) {
	var sample bytes.Buffer
	if _, err := WriteFOCUSSample(&sample, 2000, 7); err != nil {
		t.Fatal(err)
	}
	csvItems, err := Read(bytes.NewReader(sample.Bytes()), "sample.csv", FOCUS)
	if err != nil {
		t.Fatal(err)
	}
	data := csvToParquet[focusParquet](t, sample.Bytes(), parquet.MaxRowsPerRowGroup(300))
	path := filepath.Join(t.TempDir(), "sample.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := f.Stat(); ok != nil {
		t.Fatal(ok)
	}
	if ra, _, ok := sizedReaderAt(f); !ok || ra == nil {
		t.Fatal("an *os.File is not read in place")
	}
	items, err := Read(f, "sample.parquet", AutoDetect)
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, items, csvItems)

	streamed, err := Read(io.MultiReader(bytes.NewReader(data)), "sample.parquet", FOCUS)
	if err != nil {
		t.Fatal(err)
	}
	sameItems(t, streamed, csvItems)
}

func TestParquetErrors(t *testing.T) {
	cur := csvToParquet[curParquet](t, testdata(t, "cur2.csv"))
	damaged := bytes.Clone(cur)
	for i := 100; i < 150; i++ {
		damaged[i] ^= 0x5a // in the first column's first page
	}

	type focusMinimal struct {
		BillingAccountId  string  `parquet:"BillingAccountId"`
		ChargePeriodStart string  `parquet:"ChargePeriodStart"`
		BilledCost        float64 `parquet:"BilledCost"`
	}
	var missing bytes.Buffer
	if err := parquet.Write(&missing, []focusMinimal{{"A", "2025-03-01", 1}}); err != nil {
		t.Fatal(err)
	}

	// line_item_unblended_cost as text, the third row's not a number.
	type curText struct {
		PayerAccountID string    `parquet:"bill_payer_account_id"`
		UsageAccountID string    `parquet:"line_item_usage_account_id"`
		BillingStart   time.Time `parquet:"bill_billing_period_start_date,timestamp"`
		BillingEnd     time.Time `parquet:"bill_billing_period_end_date,timestamp"`
		UsageStart     time.Time `parquet:"line_item_usage_start_date,timestamp"`
		UsageEnd       time.Time `parquet:"line_item_usage_end_date,timestamp"`
		Currency       string    `parquet:"line_item_currency_code"`
		Type           string    `parquet:"line_item_line_item_type"`
		UnblendedCost  string    `parquet:"line_item_unblended_cost"`
		UnblendedRate  float64   `parquet:"line_item_unblended_rate"`
	}
	start, end := utc("2025-03-01T00:00:00Z"), utc("2025-04-01T00:00:00Z")
	good := curText{"1", "2", start, end, start, start.Add(time.Hour), "USD", "Usage", "0.1", 0.1}
	badCost, nanRate, covered := good, good, good
	badCost.UnblendedCost = "0.1.2"
	nanRate.UnblendedRate = math.NaN()
	covered.Type = "SavingsPlanCoveredUsage"
	write := func(rows ...curText) []byte {
		var b bytes.Buffer
		if err := parquet.Write(&b, rows, parquet.MaxRowsPerRowGroup(2)); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}

	type gcpMinimal struct {
		BillingAccountID string  `parquet:"billing_account_id"`
		Cost             float64 `parquet:"cost"`
		UsageStartTime   string  `parquet:"usage_start_time"`
	}
	var gcp bytes.Buffer
	if err := parquet.Write(&gcp, []gcpMinimal{{"B", 1, "2025-03-01 00:00:00 UTC"}}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		file   string
		data   []byte
		format Format
		want   string
	}{
		{"cur.parquet", cur[:len(cur)/2], AutoDetect, `cur.parquet: not a valid Parquet file: invalid magic footer of parquet file: …`},
		{"cur.parquet", cur[:len(cur)-1], AWSCUR2, `cur.parquet: not a valid Parquet file: invalid magic footer of parquet file: …`},
		{"cur.parquet", []byte("PAR1"), AWSCUR2, `cur.parquet: not a valid Parquet file: …`},
		{"cur.parquet", append([]byte("PAR1\x00\x00\x00\x00"), cur[len(cur)-8:]...), AWSCUR2, `cur.parquet: not a valid Parquet file: …`},
		{"cur.parquet", damaged, AWSCUR2, `cur.parquet: damaged Parquet data in row group 1, after row 0: …`},
		{"focus.parquet", missing.Bytes(), FOCUS,
			"focus.parquet: focus file without required columns BillingPeriodStart, BillingPeriodEnd, ChargePeriodEnd, BillingCurrency, ChargeCategory, ServiceName, ProviderName, EffectiveCost, ListCost, ContractedCost"},
		{"focus.parquet", missing.Bytes(), AWSCUR2,
			"focus.parquet: aws-cur2 file without required columns bill_payer_account_id, line_item_usage_account_id, bill_billing_period_start_date, bill_billing_period_end_date, line_item_usage_start_date, line_item_usage_end_date, line_item_currency_code, line_item_line_item_type, line_item_unblended_cost"},
		{"x.parquet", cur, GCP, "x.parquet: a GCP billing export is read as CSV; Parquet is read for FOCUS and AWS CUR 2.0"},
		{"gcp.parquet", gcp.Bytes(), AutoDetect, "gcp.parquet: a GCP billing export is read as CSV; Parquet is read for FOCUS and AWS CUR 2.0"},
		{"cur.parquet", write(good, good, badCost, good), AutoDetect,
			`cur.parquet:row 3: column line_item_unblended_cost: "0.1.2" is not a decimal number`},
		{"cur.parquet", write(good, good, good, good, nanRate), AWSCUR2,
			`cur.parquet:row 5: column line_item_unblended_rate: "NaN" is not a decimal number`},
		{"cur.parquet", write(good, covered), AWSCUR2,
			"cur.parquet:row 2: column savings_plan_savings_plan_effective_cost: missing from the header, needed for SavingsPlanCoveredUsage lines"},
		{"cur.parquet", write(), AWSCUR2, "cur.parquet: no data rows"},
	} {
		items, err := Read(bytes.NewReader(tc.data), tc.file, tc.format)
		if err == nil {
			t.Errorf("%s: no error, %d items", tc.want, len(items))
			continue
		}
		if items != nil {
			t.Errorf("%s: items returned with the error", tc.file)
		}
		if got := err.Error(); got != tc.want && !(strings.HasSuffix(tc.want, "…") && strings.HasPrefix(got, strings.TrimSuffix(tc.want, "…"))) {
			t.Errorf("%s:\n got %s\nwant %s", tc.file, got, tc.want)
		}
		var be *Error
		if !errors.As(err, &be) {
			t.Errorf("%s: error %T is not a *billing.Error", tc.want, err)
		}
	}

	// A read failure is not the file's fault: it is returned as it is, not
	// as an *Error that would refuse the file for good.
	broken := errors.New("disk on fire")
	_, err := Read(io.NewSectionReader(failingReaderAt{cur, broken}, 0, int64(len(cur))), "cur.parquet", AWSCUR2)
	var be *Error
	if !errors.Is(err, broken) || errors.As(err, &be) {
		t.Errorf("read failure: %v", err)
	}
}

// failingReaderAt reads data's first 4 bytes and fails after them.
type failingReaderAt struct {
	data []byte
	err  error
}

func (f failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) <= 4 {
		return copy(p, f.data[off:]), nil
	}
	return 0, f.err
}

// Every Parquet type as the text the mappers see.
func TestParquetValueText(t *testing.T) {
	type point struct {
		X float64 `parquet:"x"`
		Y *int32  `parquet:"y"`
	}
	type allTypes struct {
		Bool       bool               `parquet:"bool"`
		Int32      int32              `parquet:"int32"`
		Int64      int64              `parquet:"int64"`
		Uint64     uint64             `parquet:"uint64"`
		Float      float32            `parquet:"float"`
		Double     float64            `parquet:"double"`
		Tiny       float64            `parquet:"tiny"`
		Str        string             `parquet:"str"`
		Null       *string            `parquet:"null"`
		Dec32      int32              `parquet:"dec32,decimal(2:9)"`
		Dec64      int64              `parquet:"dec64,decimal(4:18)"`
		DecNeg     int64              `parquet:"decneg,decimal(4:18)"`
		DecBytes   []byte             `parquet:"decbytes,decimal(20:38)"`
		DecZero    int64              `parquet:"deczero,decimal(0:18)"`
		Millis     time.Time          `parquet:"millis,timestamp(millisecond)"`
		Micros     time.Time          `parquet:"micros,timestamp(microsecond:local)"`
		Nanos      time.Time          `parquet:"nanos,timestamp(nanosecond)"`
		Date       int32              `parquet:"date,date"`
		Int96      deprecated.Int96   `parquet:"int96"`
		Tags       map[string]string  `parquet:"tags"`
		NullTags   map[string]string  `parquet:"nulltags,optional"`
		EmptyTags  map[string]string  `parquet:"emptytags,optional"`
		NumTags    map[string]int64   `parquet:"numtags"`
		NullValues map[string]*string `parquet:"nullvalues"`
		List       []string           `parquet:"list,list"`
		EmptyList  []string           `parquet:"emptylist,list"`
		Repeated   []int64            `parquet:"repeated"`
		Struct     point              `parquet:"struct"`
		Points     []point            `parquet:"points,list"`
		NullStruct *point             `parquet:"nullstruct,optional"`
		StrMap     map[string]string  `parquet:"strmap"`
	}
	three := int32(3)
	big20 := new(big.Int)
	big20.SetString("-123456789012345678901234567", 10) // 27 digits, 20 after the point
	x := "x"
	// 2025-03-01T12:00:00.5Z as INT96: nanoseconds of the day, Julian day.
	nanosOfDay := uint64(12*time.Hour + 500*time.Millisecond)
	julian := uint32(2440588 + utc("2025-03-01T00:00:00Z").Unix()/86400)
	in := allTypes{
		Bool: true, Int32: -7, Int64: 1 << 40, Uint64: math.MaxUint64, Float: 0.1, Double: 0.1, Tiny: 1.2e-5, Str: `a "quoted", text`,
		Dec32: 12345, Dec64: 5, DecNeg: -123456, DecBytes: fixed16(big20), DecZero: 42,
		Millis: utc("2025-03-01T00:00:00.123Z"), Micros: utc("2025-03-01T00:00:00.000456Z"), Nanos: utc("2025-03-01T00:00:00.000000789Z"),
		Date: int32(utc("2025-03-01T00:00:00Z").Unix() / 86400), Int96: deprecated.Int96{uint32(nanosOfDay), uint32(nanosOfDay >> 32), julian},
		Tags: map[string]string{"team": "web", "a<b": "x&y"}, EmptyTags: map[string]string{}, NumTags: map[string]int64{"n": 3},
		NullValues: map[string]*string{"k": nil, "l": &x},
		List:       []string{"a", "b"}, EmptyList: []string{}, Repeated: []int64{1, 2},
		Struct: point{X: 1.5, Y: &three}, Points: []point{{X: 1}, {X: 2, Y: &three}},
		StrMap: map[string]string{`q"`: "tab\there, nl\n, nul\x00, é, bad \xff"},
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []allTypes{in, in}); err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	fields := newParquetFields(pf.Schema())
	for i := range fields {
		fields[i].used = true
	}
	rows := make([]parquet.Row, 2)
	rr := pf.RowGroups()[0].Rows()
	defer rr.Close()
	if n, err := rr.ReadRows(rows); n != 2 || (err != nil && err != io.EOF) {
		t.Fatal(n, err)
	}
	rec := make([]string, len(fields))
	(&parquetRecords{fields: fields}).fill(rows[1], rec)
	got := map[string]string{}
	for i, f := range fields {
		got[f.name] = rec[i]
	}
	want := map[string]string{
		"bool": "true", "int32": "-7", "int64": "1099511627776", "uint64": "18446744073709551615",
		"float": "0.1", "double": "0.1", "tiny": "1.2e-05", "str": `a "quoted", text`, "null": "",
		"dec32": "123.45", "dec64": "0.0005", "decneg": "-12.3456", "decbytes": "-1234567.89012345678901234567", "deczero": "42",
		"millis": "2025-03-01T00:00:00.123Z", "micros": "2025-03-01T00:00:00.000456Z", "nanos": "2025-03-01T00:00:00.000000789Z",
		"date": "2025-03-01", "int96": "2025-03-01T12:00:00.5Z",
		"tags": `{"team":"web","a<b":"x&y"}`, "nulltags": "", "emptytags": "{}", "numtags": `{"n":3}`,
		"nullvalues": `{"k":null,"l":"x"}`,
		"strmap":     `{"q\"":"tab\there, nl\n, nul\u0000, é, bad \ufffd"}`,
		"list":       `["a","b"]`, "emptylist": `[]`, "repeated": `[1,2]`,
		"struct": `{"x":1.5,"y":3}`, "points": `[{"x":1,"y":null},{"x":2,"y":3}]`, "nullstruct": "",
	}
	for k, w := range want {
		if got[k] == w {
			continue
		}
		// Maps come in the order the writer chose: compare as JSON.
		var g, wv any
		if w != "" && (w[0] == '{' || w[0] == '[') && json.Unmarshal([]byte(got[k]), &g) == nil &&
			json.Unmarshal([]byte(w), &wv) == nil && reflect.DeepEqual(g, wv) {
			continue
		}
		t.Errorf("%s: got %s, want %s", k, got[k], w)
	}
	if len(got) != len(want) {
		t.Errorf("columns %v", got)
	}
	// Map text is what the mappers' JSON reading takes.
	r := &row{rec: rec, names: make([]string, len(rec))}
	for i, f := range fields {
		if f.name == "tags" {
			if tags := r.jsonObject(i); !reflect.DeepEqual(tags, map[string]string{"team": "web", "a<b": "x&y"}) || r.err != nil {
				t.Errorf("tags read back as %v, %v", tags, r.err)
			}
		}
	}
}

func TestDecimalText(t *testing.T) {
	for _, tc := range []struct {
		unscaled int64
		scale    int
		want     string
	}{
		{0, 2, "0.00"}, {5, 3, "0.005"}, {-5, 3, "-0.005"}, {12345, 2, "123.45"}, {-12345, 5, "-0.12345"},
		{7, 0, "7"}, {7, -2, "700"}, {0, -2, "0"}, {math.MinInt64, 10, "-922337203.6854775808"},
	} {
		if got := string(appendDecimal(nil, tc.unscaled, tc.scale)); got != tc.want {
			t.Errorf("appendDecimal(%d, %d) = %s, want %s", tc.unscaled, tc.scale, got, tc.want)
		}
	}
	for _, tc := range []struct {
		b    []byte
		want string
	}{
		{nil, "0"}, {[]byte{0x80}, "-128"}, {[]byte{0x7f}, "127"}, {[]byte{0xff, 0xfe}, "-2"}, {[]byte{0x00, 0x80}, "128"},
		{[]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, "-9223372036854775808"},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "-1"},
		{[]byte{0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "-9223372036854775809"},
		{[]byte{0x01, 0, 0, 0, 0, 0, 0, 0, 0}, "18446744073709551616"},
		{fixed16(big.NewInt(-125)), "-125"},
	} {
		if got := string(appendDecimalBytes(nil, tc.b, 0)); got != tc.want {
			t.Errorf("appendDecimalBytes(%x) = %s, want %s", tc.b, got, tc.want)
		}
	}
}

func BenchmarkReadParquetFOCUS(b *testing.B) {
	const rows = 100_000
	var sample bytes.Buffer
	if _, err := WriteFOCUSSample(&sample, rows, 1); err != nil {
		b.Fatal(err)
	}
	data := csvToParquet[focusParquet](b, sample.Bytes())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := Scan(bytes.NewReader(data), "bench.parquet", FOCUS, func(*LineItem) error { return nil })
		if err != nil || n != rows {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
