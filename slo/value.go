package slo

import (
	"encoding/json"
	"math"
)

// Value is a number that may be unknown: the SLI or burn rate of a window
// without traffic. It encodes as JSON null when unknown.
type Value struct {
	V     float64
	Known bool
}

// Known returns a known value.
func known(v float64) Value { return Value{V: v, Known: true} }

// unknown is the value of a window without data.
var unknown = Value{}

func (v Value) MarshalJSON() ([]byte, error) {
	if !v.Known || math.IsNaN(v.V) || math.IsInf(v.V, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v.V)
}

func (v *Value) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = unknown
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*v = known(f)
	return nil
}
