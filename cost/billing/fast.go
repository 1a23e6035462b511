package billing

import "github.com/slopipe/slopipe/internal/decimal"

// Fast paths for the shapes nearly every billing value has. Each one
// answers ok=false for anything unusual, and the general parser decides;
// they exist because a month of line items is millions of rows and
// decimal.Parse and encoding/json dominate the import otherwise.

// maxFastDigits keeps value × 10^Scale inside an int64.
const maxFastDigits = 18

// fastDecimal reads "-123.45" (optional sign, digits, at most Scale
// fractional digits, at most 18 digits once scaled).
func fastDecimal(s string) (decimal.Decimal, bool) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, i = s[0] == '-', 1
	}
	var v int64
	digits, frac, point := 0, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if v == 0 && c == '0' && !point {
				continue // leading zeros do not count against the limit
			}
			v = v*10 + int64(c-'0')
			digits++
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			return decimal.Zero, false
		}
	}
	if frac > decimal.Scale || digits+decimal.Scale-frac > maxFastDigits {
		return decimal.Zero, false
	}
	if len(s) == 0 || s == "." || s == "-" || s == "+" || s == "-." || s == "+." {
		return decimal.Zero, false
	}
	if v == 0 {
		return decimal.Zero, true
	}
	for ; frac < decimal.Scale; frac++ {
		v *= 10
	}
	if neg {
		v = -v
	}
	return decimal.FromUnscaledInt64(v), true
}

// fastTags reads a flat JSON object whose keys and values are strings
// without escapes: {"team":"web","env":"prod"}.
func fastTags(s string) (map[string]string, bool) {
	p := jsonScanner{s: s}
	if !p.consume('{') {
		return nil, false
	}
	tags := make(map[string]string, 4)
	if p.consume('}') {
		return tags, p.end()
	}
	for {
		k, ok := p.str()
		if !ok || !p.consume(':') {
			return nil, false
		}
		v, ok := p.str()
		if !ok {
			return nil, false
		}
		tags[k] = v
		if p.consume(',') {
			continue
		}
		if p.consume('}') {
			return tags, p.end()
		}
		return nil, false
	}
}

type jsonScanner struct {
	s string
	i int
}

func (p *jsonScanner) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonScanner) consume(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonScanner) end() bool {
	p.space()
	return p.i == len(p.s)
}

// str reads a string without escapes or control characters; multi-byte
// UTF-8 is taken as it is, which is what encoding/json would keep for
// valid UTF-8 (invalid UTF-8 goes to the slow path).
func (p *jsonScanner) str() (string, bool) {
	if !p.consume('"') {
		return "", false
	}
	start := p.i
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '"':
			out := p.s[start:p.i]
			p.i++
			return out, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", false
		}
	}
	return "", false
}
