package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// scanJSON converts one value of the engine's JSON output into dest. The
// engine writes 64-bit integers and decimals as bare numbers or quoted
// strings depending on settings; both are read exactly, never through float64.
func scanJSON(raw json.RawMessage, chType string, dest any) error {
	isNull := bytes.Equal(raw, []byte("null"))
	switch d := dest.(type) {
	case *string:
		if isNull {
			*d = ""
			return nil
		}
		if len(raw) > 0 && raw[0] == '"' {
			return json.Unmarshal(raw, d)
		}
		*d = string(raw)
		return nil
	case *time.Time:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		t, err := parseTime(s)
		if err != nil {
			return err
		}
		*d = t
		return nil
	case *[]time.Time:
		var ss []string
		if err := json.Unmarshal(raw, &ss); err != nil {
			return err
		}
		out := make([]time.Time, len(ss))
		for i, s := range ss {
			t, err := parseTime(s)
			if err != nil {
				return err
			}
			out[i] = t
		}
		*d = out
		return nil
	case *float64:
		f, err := jsonFloat(raw)
		*d = f
		return err
	case *float32:
		f, err := jsonFloat(raw)
		*d = float32(f)
		return err
	case *bool:
		s := string(unquote(raw))
		*d = s == "true" || s == "1"
		return nil
	case *int:
		v, err := strconv.ParseInt(string(unquote(raw)), 10, 64)
		*d = int(v)
		return err
	case *int8:
		v, err := strconv.ParseInt(string(unquote(raw)), 10, 8)
		*d = int8(v)
		return err
	case *int16:
		v, err := strconv.ParseInt(string(unquote(raw)), 10, 16)
		*d = int16(v)
		return err
	case *int32:
		v, err := strconv.ParseInt(string(unquote(raw)), 10, 32)
		*d = int32(v)
		return err
	case *int64:
		v, err := strconv.ParseInt(string(unquote(raw)), 10, 64)
		*d = v
		return err
	case *uint8:
		v, err := strconv.ParseUint(string(unquote(raw)), 10, 8)
		*d = uint8(v)
		return err
	case *uint16:
		v, err := strconv.ParseUint(string(unquote(raw)), 10, 16)
		*d = uint16(v)
		return err
	case *uint32:
		v, err := strconv.ParseUint(string(unquote(raw)), 10, 32)
		*d = uint32(v)
		return err
	case *uint64:
		v, err := strconv.ParseUint(string(unquote(raw)), 10, 64)
		*d = v
		return err
	case *any:
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		return dec.Decode(d)
	default:
		if err := json.Unmarshal(raw, dest); err != nil {
			return fmt.Errorf("into %T: %w", dest, err)
		}
		return nil
	}
}

func unquote(raw json.RawMessage) []byte {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		return raw[1 : len(raw)-1]
	}
	return raw
}

func jsonFloat(raw json.RawMessage) (float64, error) {
	s := string(unquote(raw))
	switch s {
	case "null", "nan", "-nan":
		return math.NaN(), nil
	case "inf", "+inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// parseTime reads the engine's DateTime/DateTime64/Date text, which is in the
// session time zone: slopipe's engine runs in UTC.
func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a time", s)
}
