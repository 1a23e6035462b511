// Package chargeback prices what tenants take of the observability
// platform, pure: no store, no clock, no I/O.
//
// # Telemetry chargeback
//
//	chargeback:
//	  currency: USD                      # ISO 4217; default USD
//	  price_per_gb_ingested: 0.25        # a number or a string: "0.25"
//	  price_per_gb_month_retained: 0.03
//	  retention_days: 30                 # default 30: the store's retention
//
// A GB is 10⁹ bytes, as clouds bill. For a day d and a tenant:
//
//	IngestedBytes = bytes the tenant sent on d
//	RetainedBytes = bytes it sent in the retention_days days ending with d,
//	                what the store still holds of it on d
//	IngestCost    = IngestedBytes / 10⁹ × price_per_gb_ingested
//	RetentionCost = RetainedBytes / 10⁹ × price_per_gb_month_retained / days in d's month
//
// so a month of days adds up to the GB-month price for what was kept all
// month. Each cost is computed exactly and rounded once, half away from
// zero, to 10 decimal places: 3 GB at 0.25 is 0.75; 3 GB kept one day of
// November at 0.03 per GB-month is 0.003. Both prices zero (the default)
// turns chargeback off.
//
// # Unit economics
//
// UnitCosts puts a day's allocated cost of each tenant's service next to
// the requests and good events the service's SLIs counted for the tenant
// that day. A service with several SLOs (availability and latency count
// the same requests) counts the events of its SLO with the most events
// that day, not their sum. A tenant's service with requests but no
// allocated cost has no row: its ratio would read "free" where the cost
// is only not attributed. Ratios (PerThousand) are taken of sums, never
// averaged: cost per 1 000 requests over a month is the month's cost over
// the month's requests.
package chargeback
