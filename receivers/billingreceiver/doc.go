// Package billingreceiver is the billing receiver: cloud billing exports in
// (FOCUS 1.0–1.2 and AWS CUR 2.0 as CSV or Parquet, GCP billing export as
// CSV), normalized to FOCUS line items in slopipe_billing_line_items with
// exact decimals.
//
// Exports come two ways: dropped into an inbox directory (taken once they
// have not changed for settle; moved to imported, or to rejected with a
// .reason file), or POSTed to /api/v1/billing/import?file=NAME on the slo
// extension's API address (`slopipe billing import FILE` does that).
//
// A file is parsed whole before anything is written: a bad amount or date
// refuses it with file:line (file:row N for Parquet) and column, and
// nothing of it lands. Each
// (provider, billing account, billing period) slice the file holds replaces
// that slice's earlier import once the new one is complete, so importing a
// file again, or a restated month-to-date export, leaves one copy. The
// parsing is package cost/billing, the import store.ImportBilling.
//
// It is a logs receiver: the line items are money, not telemetry, and go to
// the store directly; each import is reported as one log record down the
// logs pipeline, an audit trail beside the service's other logs.
package billingreceiver
