package decimal

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseAndString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"12.5", "12.5"}, {"-0.0000000001", "-0.0000000001"}, {"+3", "3"}, {" 7 ", "7"},
		{"1.2E-5", "0.000012"}, {"1.5e2", "150"}, {"0", "0"}, {"-0", "0"}, {".5", "0.5"}, {"5.", "5"},
		{"0.12345678900000", "0.123456789"}, {"12345678901234567890123456.7", "12345678901234567890123456.7"},
	} {
		d, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := d.String(); got != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"", "abc", "1.2.3", "1e", "--1", "0.00000000001", "1e-11", "1,5", "1e99", "NaN", ".", "0e-10000000", "0e-99999999999", "1e5abc", "1e0x10", "1e+", "1e 5"} {
		if d, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %s, want an error", bad, d)
		}
	}
	if _, err := Parse("0.00000000001"); err == nil || !strings.Contains(err.Error(), "more than 10 decimal places") {
		t.Errorf("11 places: %v", err)
	}
}

// Sums are exact where float64 is not.
func TestSumIsExact(t *testing.T) {
	var sum Decimal
	for range 10 {
		sum = sum.Add(MustParse("0.1"))
	}
	if sum.Cmp(FromInt(1)) != 0 {
		t.Fatalf("ten times 0.1 is %s", sum)
	}
	if got := Sum(MustParse("1.25"), MustParse("-0.25"), MustParse("0.0000000001")).String(); got != "1.0000000001" {
		t.Fatalf("Sum = %s", got)
	}
}

// Int128 and back, at random and at the edges.
func TestInt128RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []Decimal{Zero, FromInt(-1), MustParse("-0.0000000001"), MustParse(strings.Repeat("9", 28) + "." + strings.Repeat("9", 10)),
		MustParse("-" + strings.Repeat("9", 28) + "." + strings.Repeat("9", 10))}
	for range 1000 {
		v, _ := new(big.Int).SetString(randomDigits(rng, 1+rng.IntN(38)), 10)
		if rng.IntN(2) == 0 {
			v.Neg(v)
		}
		values = append(values, FromUnscaled(v))
	}
	for _, d := range values {
		lo, hi, ok := d.Int128()
		if !ok {
			t.Fatalf("%s does not fit", d)
		}
		if back := FromInt128(lo, hi); back.Cmp(d) != 0 {
			t.Fatalf("%s → %x:%x → %s", d, hi, lo, back)
		}
	}
	if _, _, ok := FromUnscaled(new(big.Int).Add(maxUnscaled, big.NewInt(1))).Int128(); ok {
		t.Error("39 digits fit")
	}
}

func randomDigits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

func TestJSON(t *testing.T) {
	b, _ := MustParse("-12.30").MarshalJSON()
	if string(b) != `"-12.3"` {
		t.Fatalf("%s", b)
	}
	var d Decimal
	if err := d.UnmarshalJSON([]byte(`4.25`)); err != nil || d.String() != "4.25" {
		t.Fatalf("%s %v", d, err)
	}
}

// Values held in an int64 and in a big.Int behave alike: arithmetic
// across the int64 boundary agrees with big.Int's, and results are in
// canonical form whichever way they were made.
func TestSmallAndBigFormsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	edges := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 1 << 62, -(1 << 62)}
	pick := func() *big.Int {
		switch r.IntN(3) {
		case 0:
			return big.NewInt(edges[r.IntN(len(edges))])
		case 1:
			return big.NewInt(r.Int64() - r.Int64())
		default: // past an int64, within 38 digits
			v := new(big.Int).Lsh(big.NewInt(r.Int64()), uint(r.IntN(60)))
			if r.IntN(2) == 0 {
				v.Neg(v)
			}
			return v
		}
	}
	for range 20000 {
		a, b := pick(), pick()
		x, y := FromUnscaled(a), FromUnscaled(b)
		for _, c := range []struct {
			op        string
			got, want Decimal
		}{
			{"+", x.Add(y), Decimal{big: new(big.Int).Add(a, b)}},
			{"-", x.Sub(y), Decimal{big: new(big.Int).Sub(a, b)}},
			{"neg", x.Neg(), Decimal{big: new(big.Int).Neg(a)}},
		} {
			if c.got.int().Cmp(c.want.big) != 0 {
				t.Fatalf("%s %s %s = %s, want %s", a, c.op, b, c.got.int(), c.want.big)
			}
			if (c.got.big == nil) != c.want.big.IsInt64() {
				t.Fatalf("%s %s %s: not canonical: %#v", a, c.op, b, c.got)
			}
		}
		if got, want := x.Cmp(y), a.Cmp(b); got != want {
			t.Fatalf("cmp(%s, %s) = %d, want %d", a, b, got, want)
		}
		if x.Sign() != a.Sign() || x.IsZero() != (a.Sign() == 0) {
			t.Fatalf("sign of %s", a)
		}
		lo, hi, ok := x.Int128()
		if !ok || FromInt128(lo, hi) != x && FromInt128(lo, hi).Cmp(x) != 0 {
			t.Fatalf("Int128 round trip of %s", a)
		}
		if back := FromInt128(lo, hi); (back.big == nil) != a.IsInt64() {
			t.Fatalf("FromInt128 of %s not canonical", a)
		}
	}
}
