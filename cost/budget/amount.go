package budget

import (
	"fmt"
	"math"
	"reflect"
	"strconv"

	"go.opentelemetry.io/collector/confmap"

	"github.com/slopipe/slopipe/internal/decimal"
)

// Amount is a money amount in configuration: a decimal.Decimal that
// decodes from a YAML string ("5000.00") or number (5000, 1234.56).
//
// Numbers matter because that is what people write: confmap hands
// `monthly: 5000` to mapstructure as an int and `1234.56` as a float64,
// and mapstructure's TextUnmarshaler hook only fires on strings. A float
// is read through its shortest decimal form, so 1234.56 is 1234.56, not
// 1234.5599999999999454….
type Amount struct {
	decimal.Decimal
}

// AmountOf wraps d.
func AmountOf(d decimal.Decimal) Amount { return Amount{d} }

// UnmarshalText reads a decimal string; it serves YAML, environment
// variables and mapstructure's TextUnmarshaler hook alike.
func (a *Amount) UnmarshalText(b []byte) error {
	d, err := decimal.Parse(string(b))
	if err != nil {
		return err
	}
	a.Decimal = d
	return nil
}

// MarshalText writes the decimal string, so a marshalled config reads
// back to the same amount.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalScalar reads the numbers confmap decodes from YAML.
func (a *Amount) UnmarshalScalar(v confmap.ScalarValue) error {
	var s string
	switch raw := v.GetRaw().(type) {
	case Amount:
		*a = raw
		return nil
	case *Amount:
		*a = *raw
		return nil
	case string:
		s = raw
	case float32:
		return a.fromFloat(float64(raw), 32)
	case float64:
		return a.fromFloat(raw, 64)
	default:
		rv := reflect.ValueOf(raw)
		switch {
		case rv.CanInt():
			s = strconv.FormatInt(rv.Int(), 10)
		case rv.CanUint():
			s = strconv.FormatUint(rv.Uint(), 10)
		default:
			return confmap.ErrValueNotApplicable
		}
	}
	return a.UnmarshalText([]byte(s))
}

func (a *Amount) fromFloat(f float64, bits int) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%v is not an amount", f)
	}
	return a.UnmarshalText([]byte(strconv.FormatFloat(f, 'f', -1, bits)))
}
