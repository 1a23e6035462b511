package chargeback

import (
	"cmp"
	"math/big"
	"slices"

	"github.com/slopipe/slopipe/internal/decimal"
)

// ServiceCost is a tenant's allocated cost of a service on a day, in one
// currency.
type ServiceCost struct {
	Tenant, Service, Currency string
	Cost                      decimal.Decimal
}

// SLOEvents are the events a tenant's SLO counted on a day; Service is
// the SLO's.
type SLOEvents struct {
	Tenant, SLO, Service string
	Good, Total          uint64
}

// UnitCost is a tenant's cost of a service on a day next to the requests
// and good events of the service's SLIs for the tenant.
type UnitCost struct {
	Tenant, Service, Currency string
	Cost                      decimal.Decimal
	Requests, GoodEvents      uint64
}

// UnitCosts are one row per tenant, service and currency of costs (those
// without a tenant left out), with the requests (Total) and good events of
// the tenant's SLO of that service with the most events: availability
// and latency SLOs count the same requests, so their sum would count them
// twice. A tie goes to the SLO first by name. Rows are sorted by
// tenant, service and currency.
func UnitCosts(costs []ServiceCost, events []SLOEvents) []UnitCost {
	type pair struct{ tenant, service string }
	type sloKey struct{ tenant, service, slo string }
	perSLO := map[sloKey]SLOEvents{}
	for _, e := range events {
		k := sloKey{e.Tenant, e.Service, e.SLO}
		s := perSLO[k]
		s.SLO, s.Good, s.Total = e.SLO, s.Good+e.Good, s.Total+e.Total
		perSLO[k] = s
	}
	chosen := map[pair]SLOEvents{}
	for k, e := range perSLO {
		p := pair{k.tenant, k.service}
		if have, ok := chosen[p]; !ok || e.Total > have.Total || e.Total == have.Total && e.SLO < have.SLO {
			chosen[p] = e
		}
	}
	type rowKey struct{ tenant, service, currency string }
	sums := map[rowKey]decimal.Decimal{}
	for _, c := range costs {
		if c.Tenant == "" {
			continue
		}
		k := rowKey{c.Tenant, c.Service, c.Currency}
		sums[k] = sums[k].Add(c.Cost)
	}
	out := make([]UnitCost, 0, len(sums))
	for k, cost := range sums {
		e := chosen[pair{k.tenant, k.service}]
		out = append(out, UnitCost{Tenant: k.tenant, Service: k.service, Currency: k.currency, Cost: cost, Requests: e.Total, GoodEvents: e.Good})
	}
	slices.SortFunc(out, func(a, b UnitCost) int {
		return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.Service, b.Service), cmp.Compare(a.Currency, b.Currency))
	})
	return out
}

// PerThousand is cost per 1 000 of n (requests, good events), rounded half
// away from zero to 10 places; ok is false when n is 0.
func PerThousand(cost decimal.Decimal, n uint64) (perK decimal.Decimal, ok bool) {
	if n == 0 {
		return decimal.Zero, false
	}
	return cost.MulDiv(big.NewInt(1000), new(big.Int).SetUint64(n)), true
}
