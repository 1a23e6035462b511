package allocation

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
	"github.com/slopipe/slopipe/store"
)

// TestAllocateProperties checks random days against a model written
// independently of Allocate: per currency the allocations sum to the
// items exactly; direct, unallocated and idle cost is what the model
// sums; every shared allocation is within one minor unit of its exact
// proportional value; and the output does not depend on item order.
func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(20250314, 1))
	currencies := []string{"USD", "EUR", "JPY", "KWD", "CLF"}
	services := []string{"AmazonEC2", "AmazonS3", "AmazonCloudWatch", "AmazonEKS", "AWSSupportBusiness"}
	accounts := []string{"", "111", "222", "shared"}
	tenants := []string{"acme", "beta", "gamma", "delta", "eps"}
	drivers := []string{DriverIngestBytes, DriverRequests, DriverEven, "metric:cpu_seconds"}
	pick := func(list []string) string { return list[rng.IntN(len(list))] }

	for c := range 2000 {
		rules := DefaultRules()
		rules.ServiceFromServiceName = rng.IntN(4) != 0
		if rng.IntN(2) == 0 {
			rules.CostColumn = EffectiveCost
		}
		for p := range rng.IntN(4) {
			pool := SharedPool{Name: string(rune('A' + p)), Driver: pick(drivers)}
			switch rng.IntN(3) {
			case 0:
				pool.Services = []string{pick(services)}
			case 1:
				pool.Accounts = []string{pick(accounts[1:])}
			default:
				pool.Tags = map[string]string{"cost": pick([]string{"shared", "platform"})}
			}
			if pool.Driver == DriverEven && rng.IntN(2) == 0 {
				pool.Tenants = slices.Compact(slices.Sorted(slices.Values([]string{pick(tenants), pick(tenants)})))
			}
			rules.Shared = append(rules.Shared, pool)
		}

		usage := Usage{}
		for _, series := range []string{"ingest_bytes", "requests", "cpu_seconds"} {
			if rng.IntN(4) == 0 {
				continue // nobody used it: idle
			}
			usage[series] = map[string]float64{}
			for _, tn := range tenants {
				switch rng.IntN(6) {
				case 0:
				case 1:
					usage[series][tn] = 0
				case 2:
					usage[series][tn] = float64(rng.IntN(3) + 1) // ties
				case 3:
					usage[series][tn] = rng.Float64() * 1e-300
				default:
					usage[series][tn] = rng.ExpFloat64() * 1e9
				}
			}
		}

		items := make([]store.BillingLineItem, rng.IntN(30))
		for i := range items {
			it := &items[i]
			it.ChargePeriodStart = testDay.Add(time.Duration(rng.Int64N(24 * 3600e9)))
			it.BillingCurrency = pick(currencies)
			it.ServiceName = pick(services)
			it.SubAccountId = pick(accounts)
			it.BilledCost = randomAmount(rng)
			it.EffectiveCost = randomAmount(rng)
			it.Tags = map[string]string{}
			for _, k := range []string{"tenant", "user:tenant", "k8s-namespace", "team", "app", "cost"} {
				if rng.IntN(3) == 0 {
					it.Tags[k] = pick(append([]string{""}, tenants...))
				}
			}
			if rng.IntN(3) == 0 {
				it.Tags["cost"] = pick([]string{"shared", "platform"})
			}
		}

		got, err := Allocate(rules, testDay, items, usage)
		if err != nil {
			t.Fatalf("case %d: %v", c, err)
		}
		checkConservation(t, rules, items, got)
		checkModel(t, c, rules, items, usage, got)

		shuffled := slices.Clone(items)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again, err := Allocate(rules, testDay, shuffled, usage)
		if err != nil {
			t.Fatalf("case %d shuffled: %v", c, err)
		}
		if !slices.EqualFunc(got, again, func(a, b Allocation) bool { return format(a) == format(b) }) {
			t.Fatalf("case %d: output depends on item order", c)
		}
		if t.Failed() {
			t.Fatalf("case %d failed", c)
		}
	}
}

// randomAmount has up to 10 decimal places and either sign, sometimes
// whole cents.
func randomAmount(rng *rand.Rand) decimal.Decimal {
	v := big.NewInt(rng.Int64N(1e15))
	if rng.IntN(3) == 0 {
		v.Mul(big.NewInt(rng.Int64N(1e6)), big.NewInt(1e8))
	}
	if rng.IntN(4) == 0 {
		v.Neg(v)
	}
	return decimal.FromUnscaled(v)
}

func checkModel(t *testing.T, c int, rules Rules, items []store.BillingLineItem, usage Usage, got []Allocation) {
	t.Helper()
	first := func(tags map[string]string, keys []string) (string, string) {
		for _, k := range keys {
			if tags[k] != "" {
				return k, tags[k]
			}
		}
		return "", ""
	}
	exact := map[allocationKey]decimal.Decimal{} // direct, unallocated, idle
	pools := map[poolGroup]decimal.Decimal{}
	for _, it := range items {
		cost := it.BilledCost
		if rules.CostColumn == EffectiveCost {
			cost = it.EffectiveCost
		}
		_, team := first(it.Tags, rules.Team)
		_, service := first(it.Tags, rules.Service)
		if service == "" && rules.ServiceFromServiceName {
			service = it.ServiceName
		}
		pool := -1
		for i, p := range rules.Shared {
			if slices.Contains(p.Services, it.ServiceName) || slices.Contains(p.Accounts, it.SubAccountId) ||
				p.Tags != nil && it.Tags["cost"] == p.Tags["cost"] {
				pool = i
				break
			}
		}
		if pool >= 0 {
			g := poolGroup{pool, it.BillingCurrency, team, service}
			pools[g] = pools[g].Add(cost)
			continue
		}
		k := allocationKey{tenant: UnallocatedTenant, team: team, service: service, category: CategoryUnallocated, currency: it.BillingCurrency}
		if key, tenant := first(it.Tags, rules.Tenant); tenant != "" {
			k.tenant, k.category, k.rule = tenant, CategoryDirect, "tag:"+key
		}
		exact[k] = exact[k].Add(cost)
	}

	byKey := map[allocationKey]decimal.Decimal{}
	for _, a := range got {
		byKey[allocationKey{a.Tenant, a.Team, a.Service, a.Category, a.Rule, a.Currency}] = a.Cost
	}
	for g, total := range pools {
		p := rules.Shared[g.pool]
		weights := map[string]float64{}
		if p.Driver == DriverEven {
			list := p.Tenants
			if len(list) == 0 {
				for _, byTenant := range usage {
					for tn, v := range byTenant {
						if v > 0 {
							list = append(list, tn)
						}
					}
				}
			}
			for _, tn := range list {
				weights[tn] = 1
			}
		} else {
			for tn, v := range usage[usageSeries(p.Driver)] {
				if v > 0 {
					weights[tn] = v
				}
			}
		}
		if len(weights) == 0 {
			k := allocationKey{team: g.team, service: g.service, category: CategoryIdle, rule: p.Name, currency: g.currency}
			exact[k] = exact[k].Add(total)
			continue
		}
		sum := new(big.Rat)
		for _, w := range weights {
			sum.Add(sum, new(big.Rat).SetFloat64(w))
		}
		unit := new(big.Rat).SetFrac(big.NewInt(1), big.NewInt(1))
		for range MinorUnits(g.currency) {
			unit.Quo(unit, big.NewRat(10, 1))
		}
		for tn, w := range weights {
			k := allocationKey{tn, g.team, g.service, CategoryShared, p.Name, g.currency}
			share := byKey[k]
			delete(byKey, k)
			want := new(big.Rat).Mul(new(big.Rat).SetFrac(total.Unscaled(), big.NewInt(1e10)), new(big.Rat).SetFloat64(w))
			want.Quo(want, sum)
			diff := want.Sub(new(big.Rat).SetFrac(share.Unscaled(), big.NewInt(1e10)), want)
			if diff.Abs(diff).Cmp(unit) >= 0 {
				t.Errorf("case %d: pool %s %+v: %s gets %s, exact share %s", c, p.Name, g, tn, share,
					new(big.Rat).Mul(new(big.Rat).SetFrac(total.Unscaled(), big.NewInt(1e10)), new(big.Rat).Quo(new(big.Rat).SetFloat64(w), sum)).FloatString(12))
			}
		}
	}
	for k, want := range exact {
		if gotCost := byKey[k]; gotCost.Cmp(want) != 0 {
			t.Errorf("case %d: %+v = %s, want %s", c, k, gotCost, want)
		}
		delete(byKey, k)
	}
	for k, v := range byKey {
		if !v.IsZero() {
			t.Errorf("case %d: unexpected allocation %+v = %s", c, k, v)
		}
	}
}
