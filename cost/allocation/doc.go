// Package allocation turns a day's billing line items and the tenants'
// measured usage that day into cost allocations: who owes what, by
// tenant, team and service, for FinOps chargeback and showback.
//
// It is pure: no store, no clock, no I/O. The caller reads the day's line
// items (store.BillingLineItem, FOCUS columns) and usage, calls Allocate,
// and writes the result. It does not amortize cost that spans days
// (every item's ChargePeriodStart must be on the day allocated), convert
// currencies, or decide what a tenant is beyond reading tags.
//
// # Rules
//
//	tenant:  [tenant, user:tenant, k8s-namespace]   # tag keys, first non-empty value wins
//	team:    [team, user:team]
//	service: [service, app, user:service]
//	service_from_service_name: true                 # no service tag: the item's ServiceName
//	cost_column: BilledCost                         # or EffectiveCost (amortized)
//	shared:
//	  - name: observability
//	    services: [AmazonCloudWatch]                # or accounts: [...], tags: {cost: shared}
//	    driver: ingest_bytes                        # requests, even, metric:<name>
//	  - name: platform
//	    accounts: ["123456789012"]
//	    driver: even
//	    tenants: [acme, beta]                       # empty: every tenant with usage that day
//
// A line item is in a shared pool when its ServiceName is one of the
// pool's services, or its SubAccountId one of its accounts, or any one of
// its tags has the value the pool names. Pools are tried in order and the
// first that selects an item takes it, whatever the item's tenant tag
// says: a pool is configuration about what is shared, and wins over data.
//
// A pool's driver weighs tenants by Usage[driver] (Usage["cpu_seconds"]
// for metric:cpu_seconds); only ratios matter, and tenants without
// positive usage get nothing. even weighs its listed tenants alike.
// The cost extension measures the usage: ingest_bytes from the ingest
// usage table, requests from the SLI event totals, and each
// metric:<name> from the PromQL of its usage_metrics entry (the query's
// increase per tenant over the day, see store/promsql).
//
// # Categories
//
//	direct       tagged to a tenant;         Rule "tag:<key>", the tenant key that matched
//	shared       a tenant's share of a pool; Rule the pool name
//	idle         a pool nobody used that day (no positive weight): Tenant "", Rule the
//	             pool name; reported as its own line, as OpenCost reports idle cost,
//	             rather than spread over tenants that did not use it
//	unallocated  neither tagged nor shared:  Tenant "unallocated", Rule ""; kept visible,
//	             never dropped, so untagged spend shows up in every report
//
// Team and Service are read from the line item in every category; for a
// shared share they are those of the pooled cost (who runs it, what it
// is), not of the tenant.
//
// # Rounding
//
// A pool's cost is split once per (pool, currency, team, service): the
// sum of its items, credits included, so a credit lowers every share
// rather than landing on one tenant. Shares are rounded to the
// currency's ISO 4217 minor unit (2 places for USD and EUR, 0 for JPY and
// KRW, 3 for BHD and KWD; 2 when not listed) by the largest-remainder
// method:
//
//  1. The residue, the part of the total below one minor unit (amounts
//     have 10 decimal places), is set aside for the largest share (the
//     largest weight; first tenant by name on ties).
//  2. Each tenant's exact share, total × weight / Σweight, less the
//     residue for the largest, is floored to minor units.
//  3. The minor units left over go one each to the largest fractional
//     remainders, first tenant by name on ties.
//  4. The largest share gets the residue back.
//
// So 100.00 split 3:1 is 75.00 / 25.00, 100.01 split 3:1 is 75.01 /
// 25.00, and 100.00 split evenly among a, b, c is 33.34 / 33.33 / 33.33.
// Every share is within one minor unit of its exact proportional value,
// the residue included, since it is set aside before rounding. A negative
// total (a pool of credits) splits as the mirror image of its magnitude.
// Weights are float64 usage converted to exact rationals, so the split is
// exact and deterministic.
//
// # What is conserved
//
// For every currency, the allocations sum to the selected cost column of
// the line items exactly, to the tenth decimal place: nothing is lost to
// rounding, dropped, or converted. Allocations with equal keys are
// merged, those that come to zero left out, and the rest ordered by
// Tenant, Team, Service, Category, Rule and Currency: the same input
// gives the same output.
package allocation
