package decimal

import "math/big"

// MulDiv is d × num / den rounded half away from zero to Scale places:
// exact up to that one rounding, so prices times quantities over units
// (bytes per GB, days per month) never pass through float64. den must
// not be 0.
func (d Decimal) MulDiv(num, den *big.Int) Decimal {
	return fromBig(QuoRound(new(big.Int).Mul(d.int(), num), den))
}

// QuoRound is n / d rounded half away from zero; d must not be 0.
func QuoRound(n, d *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if new(big.Int).Lsh(new(big.Int).Abs(r), 1).CmpAbs(d) >= 0 {
		if n.Sign()*d.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}
