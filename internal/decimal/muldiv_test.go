package decimal

import (
	"math/big"
	"testing"
)

func TestMulDivRoundsHalfAwayFromZero(t *testing.T) {
	for _, c := range []struct {
		d        string
		num, den int64
		want     string
	}{
		{"0.25", 3_000_000_000, 1_000_000_000, "0.75"},
		{"0.03", 4_000_000_000, 30_000_000_000, "0.004"},
		{"1", 1, 3, "0.3333333333"},
		{"2", 1, 3, "0.6666666667"},
		{"0.0000000001", 1, 2, "0.0000000001"},   // half: away from zero
		{"-0.0000000001", 1, 2, "-0.0000000001"}, // likewise below zero
		{"0.0000000001", 1, -2, "-0.0000000001"},
		{"0.0000000001", 1, 3, "0"},
		{"12.34", 1000, 1000, "12.34"},
		{"0", 5, 7, "0"},
	} {
		if got := MustParse(c.d).MulDiv(big.NewInt(c.num), big.NewInt(c.den)); got.String() != c.want {
			t.Errorf("%s × %d / %d = %s, want %s", c.d, c.num, c.den, got, c.want)
		}
	}
}
