// Package billing reads cloud billing exports into FOCUS line items, the
// rows of slopipe_billing_line_items that cost allocation works from.
//
// It parses and maps; it does not fetch files, store rows or allocate
// cost. The caller adds the import's own columns (Provider, ImportId,
// SourceFile, ImportedAt).
//
// # Formats
//
//	Format   File                                        Detected by (header or Parquet columns)
//	FOCUS    FinOps FOCUS 1.0–1.2, CSV or Parquet        BilledCost + BillingAccountId or ChargePeriodStart
//	AWSCUR2  AWS Data Exports, CUR 2.0, CSV or Parquet   line_item_line_item_type + line_item_unblended_cost
//	GCP      Cloud Billing BigQuery export (standard or  billing_account_id + cost + usage_start_time
//	         detailed) saved as CSV: nested fields as
//	         dotted columns, credits and labels as JSON
//
// FOCUS 1.3's ServiceProviderName is read where ProviderName is absent.
//
// Read(r, file, format) returns every line item or an error; Scan streams
// them to a callback. With AutoDetect the header decides (Detect). A file
// that starts with "PAR1" is Parquet (see Parquet); a gzip file (CUR's and
// GCP's .csv.gz) is decompressed, then read the same way; anything else is
// CSV with a header row; a UTF-8 byte order mark, CRLF line ends, quoted fields
// with commas, quotes and newlines are fine; extra columns are ignored.
// Legacy CUR (lineItem/UnblendedCost) is refused by name.
//
// # Parquet
//
// AWS Data Exports writes CUR 2.0 and FOCUS as Parquet by default. A
// Parquet file is read as the CSV file of the same data would be: its
// top-level column names are the header (CUR 2.0's snake_case names,
// FOCUS's BilledCost, …), each row becomes a record of text, and the same
// mapping as for CSV reads it, so the two give the same line items. Row
// groups are decoded 256 rows at a time; only the columns the mapping
// reads are turned into text. The values become text as
//
//	Parquet type                         Text
//	null                                 "" (as an empty CSV field)
//	DECIMAL (INT32, INT64, byte array)   exact decimal text, "-12.3456" (never through float64)
//	INT32, INT64, UINT_*                 the integer
//	FLOAT, DOUBLE                        shortest text of the value, "0.1", "1.2e-05"
//	                                     (float32 as float32); then rounded as in Numbers
//	TIMESTAMP (millis, micros, nanos),   RFC 3339 in UTC, "2025-03-01T00:00:00.5Z"; a
//	INT96 (legacy timestamp)             timestamp not adjusted to UTC reads as UTC
//	DATE                                 "2006-01-02"
//	STRING, ENUM, JSON, BYTE_ARRAY       the bytes as text
//	BOOLEAN                              "true" or "false"
//	MAP                                  a JSON object: CUR 2.0's resource_tags, FOCUS's Tags
//	                                     read as their CSV JSON; a null value is JSON null
//	LIST, repeated, other groups         JSON arrays and objects (no mapping reads them)
//
// Parquet keeps its schema at the end of the file, so it needs random
// access: Scan reads it in place from an io.ReaderAt of known size (an
// *os.File, *bytes.Reader, *io.SectionReader), and reads any other reader
// (an HTTP body) into memory first. Errors name rows counted from 1
// instead of lines. A file that is not valid Parquet, or whose pages are
// damaged, is refused with an *Error naming the file; a read error of the
// underlying reader is returned as it is. GCP exports are read from CSV
// only: a GCP Parquet file is refused.
//
// # FOCUS
//
// Columns are read by name. Required columns: BillingAccountId,
// BillingCurrency, BillingPeriodStart/End, ChargePeriodStart/End,
// ChargeCategory, BilledCost, EffectiveCost, ListCost, ContractedCost,
// ServiceName, ProviderName; all but the last two must also be non-empty
// on every row. ChargeCategory must be Usage, Purchase, Tax, Credit or
// Adjustment; BillingCurrency an ISO 4217 code; a period's end not before
// its start. Tags is a JSON object; null becomes "", numbers keep their
// JSON text. Other number columns may be empty (0).
//
// # AWS CUR 2.0
//
// As the FinOps FOCUS converters (focus_converters, aws-cur) define it:
//
//	FOCUS                  CUR 2.0
//	BillingAccountId/Name  bill_payer_account_id / bill_payer_account_name
//	SubAccountId/Name      line_item_usage_account_id / line_item_usage_account_name
//	BillingPeriod*         bill_billing_period_start_date / _end_date
//	ChargePeriod*          line_item_usage_start_date / _end_date
//	BillingCurrency        line_item_currency_code
//	BilledCost             line_item_net_unblended_cost when not empty, else line_item_unblended_cost
//	EffectiveCost          by line_item_line_item_type:
//	                         SavingsPlanCoveredUsage  savings_plan_savings_plan_effective_cost
//	                         SavingsPlanRecurringFee  savings_plan_total_commitment_to_date − savings_plan_used_commitment
//	                         SavingsPlanNegation, SavingsPlanUpfrontFee  0
//	                         DiscountedUsage          reservation_effective_cost
//	                         RIFee                    reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
//	                         Fee of a reservation     0 (amortized into DiscountedUsage)
//	                         anything else            BilledCost
//	ListCost / ListUnitPrice          pricing_public_on_demand_cost / _rate (empty: 0)
//	ContractedCost / ContractedUnitPrice  line_item_unblended_cost / line_item_unblended_rate
//	ChargeCategory         Usage, SavingsPlanCoveredUsage, SavingsPlanNegation, DiscountedUsage → Usage;
//	                       Fee, RIFee, SavingsPlanRecurringFee, SavingsPlanUpfrontFee → Purchase; Tax → Tax;
//	                       Credit, Refund, *Discount → Credit; unknown types → Adjustment
//	ChargeFrequency        Usage-Based for usage; else bill_bill_type Anniversary → Recurring, Purchase/Refund → One-Time
//	PricingCategory        covered, negation and discounted usage → Committed; pricing_term Spot → Dynamic; other usage → Standard
//	CommitmentDiscount*    savings_plan_savings_plan_a_r_n (Savings Plan, Spend) else reservation_reservation_a_r_n
//	                       (Reservation, Usage); Status Used on covered and discounted usage
//	PricingQuantity/Unit   line_item_usage_amount / pricing_unit (also Consumed* on usage)
//	ServiceName            product_servicecode, else line_item_product_code; ServiceCategory for common codes
//	RegionId / RegionName  product_region_code / product_location
//	ResourceId, SkuId, SkuPriceId  line_item_resource_id, product_sku, pricing_rate_code else pricing_rate_id
//	ProviderName, PublisherName, InvoiceIssuerName  "AWS", line_item_legal_entity, bill_invoicing_entity
//	Tags                   resource_tags (JSON map) and resource_tags_* columns; "user_team" → "user:team", "aws_x" → "aws:x"
//
// A line whose type needs a column the header lacks (a covered usage line
// without savings_plan_savings_plan_effective_cost) is an error naming it.
//
// # GCP
//
//	FOCUS               GCP export
//	BillingAccountId    billing_account_id
//	SubAccountId/Name   project.id / project.name
//	ServiceName         service.description
//	SkuId, ChargeDescription  sku.id, sku.description
//	ChargePeriod*       usage_start_time / usage_end_time ("… UTC" as BigQuery writes it)
//	BillingPeriod*      invoice.month YYYYMM → [first of month, first of next month) UTC
//	BillingCurrency     currency
//	BilledCost, ContractedCost  cost
//	EffectiveCost       cost + Σ credits[].amount (credits: JSON array, amounts negative)
//	ListCost            cost_at_list when not empty, else cost
//	ChargeCategory      cost_type: regular or empty → Usage, tax → Tax, others → Adjustment
//	Consumed*, Pricing* usage.amount/unit, usage.amount_in_pricing_units/pricing_unit
//	RegionId            location.region, else location.location
//	ResourceId/Name     resource.global_name / resource.name
//	Tags                labels, a JSON array of {key, value}
//	Provider/Invoice issuer  "Google Cloud"; PublisherName seller_name else "Google Cloud"
//
// GCP invoices by Pacific-time month; the month bounds in UTC are a
// label for the period, not a cut of the charges.
//
// # Numbers and rounding
//
// Money is internal/decimal: exact, 10 fractional digits, as the store's
// Decimal(38, 10). Exports may carry more (CUR writes 12 and more,
// GCP's costs come from doubles, and scientific notation like 1.2E-5
// appears). Such values are rounded to 10 places half to
// even (banker's rounding, symmetric around zero: 0.12345678905 →
// 0.1234567890, 0.12345678915 → 0.1234567892) on the digits as written,
// before decimal.Parse, never through float64. Rounding each line rather
// than the total is deliberate: a line is what the store keeps. The
// difference per line is at most 5×10⁻¹¹.
//
// Dates are RFC 3339, "2006-01-02 15:04:05" (optionally with fractional
// seconds and an offset, or " UTC") or "2006-01-02"; without a zone they
// are UTC; all results are in UTC.
//
// # Errors
//
// The first problem refuses the whole file; Read returns no line items.
// Errors are *Error and read
//
//	focus.csv:17: column BilledCost: "12,50" is not a decimal number
//	focus.csv:1: focus file without required columns BillingCurrency, ChargeCategory
//	cur.csv:9: column savings_plan_savings_plan_effective_cost: missing from the header, needed for SavingsPlanCoveredUsage lines
//	gcp.csv:4: 12 fields, the header has 13
//	gcp.csv: no data rows
//	cur.parquet:row 17: column line_item_unblended_cost: "NaN" is not a decimal number
//	cur.parquet: not a valid Parquet file: invalid magic footer of parquet file: "\x00PAR"
//
// Line numbers are the file's lines (header is 1), counting lines inside
// quoted fields; Parquet rows are counted from 1. LineItem.Line and Row
// say the same of each line item, and Position formats them.
//
// WriteFOCUSSample writes a deterministic FOCUS file of any size for
// tests and import benchmarks.
package billing
