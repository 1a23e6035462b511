package store

import (
	"encoding/binary"
	"fmt"
	"reflect"

	"github.com/slopipe/slopipe/internal/decimal"
)

// Decimals is a Decimal(38, 10) column, slopipe's type for money and
// billed quantities. Values are held as ClickHouse stores them, two's
// complement 128-bit integers of 10⁻¹⁰ units, so nothing is rounded on
// the way in.
type Decimals struct {
	name   string
	Lo, Hi []uint64 // low and high 64-bit words of each value
}

func NewDecimals(name string) *Decimals     { return &Decimals{name: name} }
func (c *Decimals) Name() string            { return c.name }
func (c *Decimals) Type() string            { return "Decimal(38, 10)" }
func (c *Decimals) Len() int                { return len(c.Lo) }
func (c *Decimals) Reset()                  { c.Lo, c.Hi = c.Lo[:0], c.Hi[:0] }
func (c *Decimals) sliceType() reflect.Type { return reflect.TypeFor[[]string]() }

// Append adds d, or fails (adding nothing) when it has more than 38 digits.
func (c *Decimals) Append(d decimal.Decimal) error {
	lo, hi, ok := d.Int128()
	if !ok {
		return fmt.Errorf("%s does not fit Decimal(38, 10)", d)
	}
	c.Lo = append(c.Lo, lo)
	c.Hi = append(c.Hi, hi)
	return nil
}

// AppendNative writes each value as 16 bytes, little-endian.
func (c *Decimals) AppendNative(dst []byte) []byte {
	for i, lo := range c.Lo {
		dst = binary.LittleEndian.AppendUint64(dst, lo)
		dst = binary.LittleEndian.AppendUint64(dst, c.Hi[i])
	}
	return dst
}

// Values are decimal strings: clickhouse-go parses them exactly.
func (c *Decimals) Values() any { return c.slice(0, len(c.Lo)) }

func (c *Decimals) slice(from, to int) any {
	out := make([]string, to-from)
	for i := from; i < to; i++ {
		out[i-from] = decimal.FromInt128(c.Lo[i], c.Hi[i]).String()
	}
	return out
}
