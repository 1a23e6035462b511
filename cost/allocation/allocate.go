package allocation

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// Categories of an allocation.
const (
	// CategoryDirect is cost tagged to a tenant.
	CategoryDirect = "direct"
	// CategoryShared is a tenant's share of a shared pool.
	CategoryShared = "shared"
	// CategoryIdle is a shared pool's cost on a day no tenant used its
	// driver; Tenant is "".
	CategoryIdle = "idle"
	// CategoryUnallocated is cost neither tagged to a tenant nor in a
	// shared pool; Tenant is UnallocatedTenant.
	CategoryUnallocated = "unallocated"
)

// UnallocatedTenant is the tenant of unallocated cost, so that it shows in
// every per-tenant report instead of vanishing from the total.
const UnallocatedTenant = "unallocated"

// Usage is measured usage by driver then tenant, e.g.
// Usage["ingest_bytes"]["acme"] = 3e9. Values are weights: only their
// ratios matter; they must be finite and not negative.
type Usage map[string]map[string]float64

// Allocation is the cost of one tenant, team and service in one category,
// rule and currency on one day.
type Allocation struct {
	Day      time.Time // midnight UTC
	Tenant   string
	Team     string
	Service  string
	Category string
	// Rule says why: "tag:<key>" for direct cost (the tenant tag key that
	// matched), the pool name for shared and idle cost, "" for
	// unallocated cost.
	Rule     string
	Currency string
	Cost     decimal.Decimal
}

type allocationKey struct {
	tenant, team, service, category, rule, currency string
}

// poolGroup is the part of one shared pool's cost that is split at once:
// shares are exact per group, and a tenant's allocation of a group is one
// share, never a sum of rounded shares.
type poolGroup struct {
	pool                    int
	currency, team, service string
}

// Allocate turns the line items of the UTC day holding day, and the
// tenants' usage that day, into allocations. For every currency the
// allocations sum to the items' cost column exactly. Allocations with a
// cost of zero are left out; the rest are ordered by tenant, team,
// service, category, rule and currency, one per key.
//
// Every item's ChargePeriodStart must be on that day: cost that spans
// days (monthly fees, commitments) is spread over days before it comes
// here.
func Allocate(rules Rules, day time.Time, items []store.BillingLineItem, usage Usage) ([]Allocation, error) {
	if err := rules.Validate(); err != nil {
		return nil, fmt.Errorf("allocation rules: %w", err)
	}
	if err := validateUsage(usage); err != nil {
		return nil, err
	}
	d := day.UTC()
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 1)

	sums := map[allocationKey]decimal.Decimal{}
	add := func(k allocationKey, v decimal.Decimal) { sums[k] = sums[k].Add(v) }
	groups := map[poolGroup]decimal.Decimal{}

	for i := range items {
		it := &items[i]
		if it.ChargePeriodStart.Before(start) || !it.ChargePeriodStart.Before(end) {
			return nil, fmt.Errorf("line item %d: ChargePeriodStart %s is not on %s",
				i, it.ChargePeriodStart.UTC().Format(time.RFC3339), start.Format(time.DateOnly))
		}
		if it.BillingCurrency == "" {
			return nil, fmt.Errorf("line item %d: no BillingCurrency", i)
		}
		cost := rules.Cost(it)
		_, team := lookup(it.Tags, rules.Team)
		_, service := lookup(it.Tags, rules.Service)
		if service == "" && rules.ServiceFromServiceName {
			service = it.ServiceName
		}
		if p := poolOf(rules.Shared, it); p >= 0 {
			g := poolGroup{pool: p, currency: it.BillingCurrency, team: team, service: service}
			groups[g] = groups[g].Add(cost)
			continue
		}
		k := allocationKey{team: team, service: service, currency: it.BillingCurrency}
		if key, tenant := lookup(it.Tags, rules.Tenant); tenant != "" {
			k.tenant, k.category, k.rule = tenant, CategoryDirect, "tag:"+key
		} else {
			k.tenant, k.category = UnallocatedTenant, CategoryUnallocated
		}
		add(k, cost)
	}

	weights := make([][]weight, len(rules.Shared))
	for i := range rules.Shared {
		weights[i] = poolWeights(&rules.Shared[i], usage)
	}
	for g, total := range groups {
		pool := rules.Shared[g.pool].Name
		ws := weights[g.pool]
		if len(ws) == 0 {
			add(allocationKey{team: g.team, service: g.service, category: CategoryIdle, rule: pool, currency: g.currency}, total)
			continue
		}
		for i, share := range split(total, MinorUnits(g.currency), ws) {
			add(allocationKey{tenant: ws[i].tenant, team: g.team, service: g.service, category: CategoryShared, rule: pool, currency: g.currency}, share)
		}
	}

	out := make([]Allocation, 0, len(sums))
	for k, v := range sums {
		if v.IsZero() {
			continue
		}
		out = append(out, Allocation{Day: start, Tenant: k.tenant, Team: k.team, Service: k.service,
			Category: k.category, Rule: k.rule, Currency: k.currency, Cost: v})
	}
	slices.SortFunc(out, func(a, b Allocation) int {
		return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.Team, b.Team), cmp.Compare(a.Service, b.Service),
			cmp.Compare(a.Category, b.Category), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Currency, b.Currency))
	})
	return out, nil
}

// lookup is the first of keys set to a non-empty value in tags.
func lookup(tags map[string]string, keys []string) (key, value string) {
	for _, k := range keys {
		if v := tags[k]; v != "" {
			return k, v
		}
	}
	return "", ""
}

// poolOf is the index of the first pool selecting it, -1 for none.
func poolOf(pools []SharedPool, it *store.BillingLineItem) int {
	for i := range pools {
		p := &pools[i]
		if slices.Contains(p.Services, it.ServiceName) || slices.Contains(p.Accounts, it.SubAccountId) {
			return i
		}
		for k, v := range p.Tags {
			if tv, ok := it.Tags[k]; ok && tv == v {
				return i
			}
		}
	}
	return -1
}

// poolWeights are the tenants a pool is split among, by tenant; none
// means the pool is idle.
func poolWeights(p *SharedPool, usage Usage) []weight {
	var ws []weight
	one := big.NewRat(1, 1)
	if p.Driver == DriverEven {
		tenants := p.Tenants
		if len(tenants) == 0 {
			tenants = activeTenants(usage)
		}
		for _, t := range tenants {
			ws = append(ws, weight{tenant: t, w: one})
		}
	} else {
		for t, v := range usage[usageSeries(p.Driver)] {
			if v > 0 {
				ws = append(ws, weight{tenant: t, w: new(big.Rat).SetFloat64(v)})
			}
		}
	}
	slices.SortFunc(ws, func(a, b weight) int { return cmp.Compare(a.tenant, b.tenant) })
	return ws
}

// activeTenants are the tenants with usage of any driver.
func activeTenants(usage Usage) []string {
	seen := map[string]bool{}
	var out []string
	for _, byTenant := range usage {
		for t, v := range byTenant {
			if v > 0 && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

func validateUsage(usage Usage) error {
	for _, driver := range slices.Sorted(maps.Keys(usage)) {
		for _, t := range slices.Sorted(maps.Keys(usage[driver])) {
			v := usage[driver][t]
			switch {
			case t == "":
				return fmt.Errorf("usage %q: empty tenant", driver)
			case math.IsNaN(v) || math.IsInf(v, 0) || v < 0:
				return fmt.Errorf("usage %q of tenant %q: %v is not a finite non-negative quantity", driver, t, v)
			}
		}
	}
	return nil
}
