package allocation

import (
	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// Unallocated says whether Allocate leaves it unallocated: no shared pool
// selects it and none of the Tenant tag keys is set on it.
func (r *Rules) Unallocated(it *store.BillingLineItem) bool {
	if poolOf(r.Shared, it) >= 0 {
		return false
	}
	_, tenant := lookup(it.Tags, r.Tenant)
	return tenant == ""
}

// Cost is its cost in the column Allocate allocates (CostColumn).
func (r *Rules) Cost(it *store.BillingLineItem) decimal.Decimal {
	if r.CostColumn == EffectiveCost {
		return it.EffectiveCost
	}
	return it.BilledCost
}
