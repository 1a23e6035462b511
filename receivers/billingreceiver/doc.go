// Package billingreceiver is the billing receiver: cloud billing exports in
// (FOCUS 1.0–1.2 and AWS CUR 2.0 as CSV or Parquet, GCP billing export as
// CSV), normalized to FOCUS line items in slopipe_billing_line_items with
// exact decimals.
//
// Exports come two ways: dropped into an inbox directory (taken once they
// have not changed for settle; moved to imported, or to rejected with a
// .reason file), or POSTed to /api/v1/billing/import?file=NAME on the slo
// extension's API address (`slopipe billing import FILE` does that). CSV
// may come gzipped (CUR's and GCP's .csv.gz).
//
// A multi-part export — AWS delivers a month of CUR 2.0 as
// cur-00001.csv.gz, cur-00002.csv.gz, … — is one import: a directory
// dropped into the inbox (its .csv, .gz and .parquet files, in path order;
// manifests and other files are left alone), or a multipart/form-data
// upload of the files (`slopipe billing import DIR`). Imported one file at
// a time, each part would replace the part before.
//
// An import streams: rows are read, mapped and written in chunks, never
// held whole (a Parquet upload is the exception: Parquet keeps its schema
// at the end, so an upload of one is read into memory first; in the inbox
// it is read where it lies). A bad amount or date refuses the whole file (or delivery)
// with file:line (file:row N for Parquet) and column; what it had written
// is never seen by readers and is deleted. Each (provider, billing
// account, billing period) slice the import holds replaces that slice's
// earlier import once the new one is complete, so importing a file again,
// or a restated month-to-date export, leaves one copy. The parsing is
// package cost/billing, the import store.BillingImporter.
//
// It is a logs receiver: the line items are money, not telemetry, and go to
// the store directly; each import is reported as one log record down the
// logs pipeline, an audit trail beside the service's other logs.
package billingreceiver
