package billing

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slopipe/slopipe/store"
)

// LineItem is one row of slopipe_billing_line_items in FOCUS terms: the
// store's row, and where it came from. The columns that describe the
// import (Provider, ImportId, SourceFile, ImportedAt) are not in it: the
// importer adds them once per file. Times are UTC, periods half-open
// [Start, End), Tags nil when the row has none.
type LineItem struct {
	// Line is the line of a CSV file the row started on, so that a later
	// check (a store limit, an allocation rule) can point at it; 0 for a
	// Parquet file.
	Line int
	// Row is the row of a Parquet file, counted from 1; 0 for CSV.
	Row int
	store.BillingLineItem
}

// Position is where the item came from in file, as an *Error names it:
// "file:17" for line 17 of a CSV file, "file:row 17" for row 17 of a
// Parquet file.
func (it *LineItem) Position(file string) string {
	switch {
	case it.Line > 0:
		return file + ":" + strconv.Itoa(it.Line)
	case it.Row > 0:
		return file + ":row " + strconv.Itoa(it.Row)
	}
	return file
}

// Format is the layout of a billing export file.
type Format int

const (
	// AutoDetect asks Read and Scan to recognise the format from the
	// header row of a CSV file or the column names of a Parquet file (see
	// Detect).
	AutoDetect Format = iota
	// FOCUS is a FinOps FOCUS 1.0, 1.1 or 1.2 file, CSV or Parquet.
	FOCUS
	// AWSCUR2 is an AWS Cost and Usage Report 2.0 (Data Exports) file, CSV
	// or Parquet.
	AWSCUR2
	// GCP is a Google Cloud billing export to BigQuery (standard or
	// detailed usage cost) written out as CSV, nested records flattened to
	// dotted column names and repeated records (credits, labels) as JSON.
	GCP
)

var formatNames = [...]string{AutoDetect: "auto", FOCUS: "focus", AWSCUR2: "aws-cur2", GCP: "gcp"}

// String is the name ParseFormat reads: "focus", "aws-cur2", "gcp", "auto".
func (f Format) String() string {
	if f < 0 || int(f) >= len(formatNames) {
		return fmt.Sprintf("Format(%d)", int(f))
	}
	return formatNames[f]
}

// ParseFormat reads a format name as written in configuration.
func ParseFormat(s string) (Format, error) {
	for f, name := range formatNames {
		if strings.EqualFold(s, name) {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("unknown billing format %q (want focus, aws-cur2, gcp or auto)", s)
}

// Detect recognises a billing export by its header row.
func Detect(header []string) (Format, error) {
	has := make(map[string]bool, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, bom)
		}
		has[strings.TrimSpace(h)] = true
	}
	switch {
	case has["BilledCost"] && (has["BillingAccountId"] || has["ChargePeriodStart"]):
		return FOCUS, nil
	case has["line_item_line_item_type"] && has["line_item_unblended_cost"]:
		return AWSCUR2, nil
	case has["billing_account_id"] && has["cost"] && has["usage_start_time"]:
		return GCP, nil
	case has["lineItem/UnblendedCost"] || has["lineItem/LineItemType"]:
		return 0, fmt.Errorf("legacy AWS CUR (lineItem/… columns) is not supported: export CUR 2.0 or FOCUS from AWS Data Exports")
	}
	return 0, fmt.Errorf("not a FOCUS, AWS CUR 2.0 or GCP billing export header")
}
