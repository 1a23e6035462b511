// Package decimal is exact decimal arithmetic for money: a Decimal is an
// integer count of 10⁻¹⁰ units, as ClickHouse's Decimal(38, 10) stores it,
// so a bill's total is the sum of its lines to the last digit and never
// passes through float64.
//
// It is not a general arbitrary-precision library: the scale is fixed,
// and what does not fit 38 digits is refused where it is stored.
package decimal

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Scale is the number of fractional digits every Decimal has.
const Scale = 10

var (
	ten       = big.NewInt(10)
	scaleUnit = new(big.Int).Exp(ten, big.NewInt(Scale), nil)
	// maxUnscaled is the largest magnitude Decimal(38, 10) holds.
	maxUnscaled = new(big.Int).Sub(new(big.Int).Exp(ten, big.NewInt(38), nil), big.NewInt(1))
)

// Decimal is an exact number with Scale fractional digits; the zero value
// is 0. It is immutable: operations return new values.
//
// The unscaled value (value × 10^Scale) is held in an int64 when it fits,
// which every amount below 922 million does, and in a big.Int only when
// it does not: a billing file is millions of amounts, and a big.Int each
// was most of an import's allocations. The form is canonical (big is nil
// exactly when the value fits an int64). Compare with Cmp: == and
// reflect.DeepEqual agree with it only for values that fit an int64.
type Decimal struct {
	small int64    // the unscaled value, when big is nil
	big   *big.Int // the unscaled value, when it does not fit an int64
}

// Zero is 0.
var Zero = Decimal{}

// int is the unscaled value as a big.Int, not to be modified.
func (d Decimal) int() *big.Int {
	if d.big != nil {
		return d.big
	}
	return big.NewInt(d.small)
}

// fromBig is the Decimal of unscaled value v, which it may keep.
func fromBig(v *big.Int) Decimal {
	if v.IsInt64() {
		return Decimal{small: v.Int64()}
	}
	return Decimal{big: v}
}

// FromUnscaled is the Decimal v × 10⁻¹⁰.
func FromUnscaled(v *big.Int) Decimal {
	if v.IsInt64() {
		return Decimal{small: v.Int64()}
	}
	return Decimal{big: new(big.Int).Set(v)}
}

// FromUnscaledInt64 is the Decimal v × 10⁻¹⁰.
func FromUnscaledInt64(v int64) Decimal { return Decimal{small: v} }

// FromInt is the whole number v.
func FromInt(v int64) Decimal { return fromBig(new(big.Int).Mul(big.NewInt(v), scaleUnit)) }

// Unscaled is d × 10^10, an integer.
func (d Decimal) Unscaled() *big.Int { return new(big.Int).Set(d.int()) }

// ErrSyntax is wrapped by Parse's errors.
var ErrSyntax = errors.New("not a decimal number")

// Parse reads a number as billing exports write it: "12.5", "-0.0000001",
// "+3", "1.2E-5", " 7 " (spaces trimmed). Digits beyond the tenth
// fractional one must be zeros: a value Decimal(38, 10) cannot hold
// exactly is an error, not a rounding.
func Parse(s string) (Decimal, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Decimal{}, fmt.Errorf("%w: empty", ErrSyntax)
	}
	mantissa, exp := t, 0
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		mantissa = t[:i]
		e, err := strconv.Atoi(t[i+1:])
		// Beyond ±100 no number of 38 digits with 10 places is written;
		// bounding it first keeps 10^exp from growing without end.
		if err != nil || e > 100 || e < -100 {
			return Decimal{}, fmt.Errorf("%w: %q", ErrSyntax, s)
		}
		exp = e
	}
	neg := false
	switch {
	case strings.HasPrefix(mantissa, "-"):
		neg, mantissa = true, mantissa[1:]
	case strings.HasPrefix(mantissa, "+"):
		mantissa = mantissa[1:]
	}
	intPart, frac, _ := strings.Cut(mantissa, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return Decimal{}, fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	digits := intPart + frac
	exp -= len(frac)
	// value = digits × 10^exp; unscaled = digits × 10^(exp+Scale).
	shift := exp + Scale
	v, ok := new(big.Int).SetString(strings.TrimLeft(digits, "0")+"0", 10)
	if !ok {
		return Decimal{}, fmt.Errorf("%w: %q", ErrSyntax, s)
	}
	v.Div(v, ten) // the "0" appended keeps SetString happy on all-zero digits
	if shift >= 0 {
		if shift > 60 {
			return Decimal{}, fmt.Errorf("%q is too large", s)
		}
		v.Mul(v, new(big.Int).Exp(ten, big.NewInt(int64(shift)), nil))
	} else {
		div := new(big.Int).Exp(ten, big.NewInt(int64(-shift)), nil)
		q, r := new(big.Int).QuoRem(v, div, new(big.Int))
		if r.Sign() != 0 {
			return Decimal{}, fmt.Errorf("%q has more than %d decimal places", s, Scale)
		}
		v = q
	}
	if neg {
		v.Neg(v)
	}
	if v.CmpAbs(maxUnscaled) > 0 {
		return Decimal{}, fmt.Errorf("%q is too large for 38 digits", s)
	}
	return fromBig(v), nil
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// MustParse is Parse for constants in code and tests.
func MustParse(s string) Decimal {
	d, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String is the number with as few fractional digits as it needs: "12.5",
// "-0.0000000001", "3".
func (d Decimal) String() string {
	if d.big == nil && d.small == 0 {
		return "0"
	}
	v := d.int()
	neg := v.Sign() < 0
	digits := new(big.Int).Abs(v).String()
	if len(digits) <= Scale {
		digits = strings.Repeat("0", Scale-len(digits)+1) + digits
	}
	intPart, frac := digits[:len(digits)-Scale], strings.TrimRight(digits[len(digits)-Scale:], "0")
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// MarshalJSON writes the number as a JSON string: JSON numbers are read
// as float64 by most clients, which would lose cents on large totals.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads a string or a number.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	v, err := Parse(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func (d Decimal) Add(e Decimal) Decimal {
	if d.big == nil && e.big == nil {
		if s, ok := addInt64(d.small, e.small); ok {
			return Decimal{small: s}
		}
	}
	return fromBig(new(big.Int).Add(d.int(), e.int()))
}

func (d Decimal) Sub(e Decimal) Decimal { return d.Add(e.Neg()) }

func (d Decimal) Neg() Decimal {
	if d.big == nil && d.small != math.MinInt64 {
		return Decimal{small: -d.small}
	}
	return fromBig(new(big.Int).Neg(d.int()))
}

func (d Decimal) Cmp(e Decimal) int {
	if d.big == nil && e.big == nil {
		return cmp.Compare(d.small, e.small)
	}
	return d.int().Cmp(e.int())
}

func (d Decimal) Sign() int {
	if d.big == nil {
		return cmp.Compare(d.small, 0)
	}
	return d.big.Sign()
}

func (d Decimal) IsZero() bool { return d.big == nil && d.small == 0 }

// addInt64 is a + b, ok false when it overflows.
func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (s > a) == (b > 0)
}

// Float64 is an approximation, for display and statistics only.
func (d Decimal) Float64() float64 {
	f, _ := new(big.Rat).SetFrac(d.int(), scaleUnit).Float64()
	return f
}

// Sum adds them all.
func Sum(ds ...Decimal) Decimal {
	var s Decimal
	for _, d := range ds {
		s = s.Add(d)
	}
	return s
}

// Int128 is d's unscaled value as ClickHouse's Decimal128 stores it: two's
// complement, low and high 64-bit words. ok is false when it does not fit
// 38 digits.
func (d Decimal) Int128() (lo, hi uint64, ok bool) {
	if d.big == nil {
		// Sign extension: the high word is all ones for a negative value.
		return uint64(d.small), uint64(d.small >> 63), true
	}
	v := d.big
	if v.CmpAbs(maxUnscaled) > 0 {
		return 0, 0, false
	}
	u := new(big.Int).Set(v)
	if u.Sign() < 0 {
		u.Add(u, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	mask := new(big.Int).SetUint64(^uint64(0))
	lo = new(big.Int).And(u, mask).Uint64()
	hi = new(big.Int).Rsh(u, 64).Uint64()
	return lo, hi, true
}

// FromInt128 is the Decimal whose unscaled two's complement value is hi:lo.
func FromInt128(lo, hi uint64) Decimal {
	if uint64(int64(lo)>>63) == hi {
		return Decimal{small: int64(lo)} // hi only extends lo's sign
	}
	u := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
	u.Or(u, new(big.Int).SetUint64(lo))
	if hi>>63 == 1 {
		u.Sub(u, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	return fromBig(u)
}
