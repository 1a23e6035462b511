package allocation

import (
	"math/big"
	"sort"

	"github.com/slopipe/slopipe/internal/decimal"
)

// weight is one tenant's part of a split; w > 0.
type weight struct {
	tenant string
	w      *big.Rat
}

// split divides total among weights (sorted by tenant, all positive) by
// the largest-remainder method on the minor unit of a currency with
// minor decimal places. It returns one share per weight, in the same
// order, that sum to total exactly and each lie within one minor unit of
// total × w / Σw.
//
// The part of total below the minor unit (the residue: amounts have 10
// decimal places, currencies 0 to 4) goes to the largest weight, first by
// tenant on ties. It is set aside from that share's exact value before
// rounding, so that share too stays within one minor unit. The rest, a
// whole number of minor units, is handed out as each share's floor in
// minor units, then one more minor unit to each of the largest fractional
// remainders until none is left (ties first by tenant). Negative totals
// (credits) are split as their magnitude and negated, so −100 splits as
// the mirror of 100.
func split(total decimal.Decimal, minor int, weights []weight) []decimal.Decimal {
	n := len(weights)
	a := total.Unscaled()
	neg := a.Sign() < 0
	a.Abs(a)

	unit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimal.Scale-minor)), nil)
	units, residue := new(big.Int).QuoRem(a, unit, new(big.Int))

	sum := new(big.Rat)
	largest := 0
	for i, w := range weights {
		sum.Add(sum, w.w)
		if w.w.Cmp(weights[largest].w) > 0 {
			largest = i
		}
	}

	// target is each share's exact value in minor units, the residue taken
	// off the largest; floor and frac split it.
	floor := make([]*big.Int, n)
	frac := make([]*big.Rat, n)
	unitRat := new(big.Rat).SetInt(unit)
	left := new(big.Int).Set(units)
	for i, w := range weights {
		t := new(big.Rat).Mul(new(big.Rat).SetInt(a), w.w)
		t.Quo(t, sum)
		if i == largest {
			t.Sub(t, new(big.Rat).SetInt(residue))
		}
		t.Quo(t, unitRat)
		// Euclidean division is the floor: a Rat's denominator is positive.
		floor[i] = new(big.Int).Div(t.Num(), t.Denom())
		frac[i] = t.Sub(t, new(big.Rat).SetInt(floor[i]))
		left.Sub(left, floor[i])
	}

	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool { return frac[order[x]].Cmp(frac[order[y]]) > 0 })
	// left is in [0, n): the fractions sum to it.
	for _, i := range order[:left.Int64()] {
		floor[i].Add(floor[i], big.NewInt(1))
	}

	shares := make([]decimal.Decimal, n)
	for i := range weights {
		v := new(big.Int).Mul(floor[i], unit)
		if i == largest {
			v.Add(v, residue)
		}
		if neg {
			v.Neg(v)
		}
		shares[i] = decimal.FromUnscaled(v)
	}
	return shares
}
