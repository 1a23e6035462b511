package budget

import (
	"testing"

	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"
)

// Amounts decode from numbers and strings, through the collector's
// confmap as through YAML.
func TestAmountDecodes(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{5000, "5000"}, {int64(-3), "-3"}, {uint8(7), "7"}, {1234.56, "1234.56"}, {0.1, "0.1"},
		{"25000.00", "25000"}, {" 1.5e3 ", "1500"}, {"0.0000000001", "0.0000000001"},
	} {
		var b Budget
		conf := confmap.NewFromStringMap(map[string]any{"name": "b", "team": "t", "monthly": tc.in})
		if err := conf.Unmarshal(&b); err != nil {
			t.Errorf("confmap %#v: %v", tc.in, err)
			continue
		}
		if b.Monthly.String() != tc.want {
			t.Errorf("confmap %#v = %s, want %s", tc.in, b.Monthly, tc.want)
		}
	}
	for _, bad := range []any{"lots", "0.00000000001", true} {
		var b Budget
		if err := confmap.NewFromStringMap(map[string]any{"monthly": bad}).Unmarshal(&b); err == nil {
			t.Errorf("confmap %#v = %s, want an error", bad, b.Monthly)
		}
	}

	var b Budget
	doc := "name: b\ntenant: acme\nmonthly: 1234.56\nalerts:\n  - {kind: forecast, percent: 90}\n"
	if err := yaml.Unmarshal([]byte(doc), &b); err != nil {
		t.Fatal(err)
	}
	if b.Monthly.String() != "1234.56" || b.Tenant != "acme" || len(b.Alerts) != 1 || b.Alerts[0] != (Threshold{Forecast, 90}) {
		t.Fatalf("yaml: %+v", b)
	}
	out, err := yaml.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var back Budget
	if err := yaml.Unmarshal(out, &back); err != nil || back.Monthly.Cmp(b.Monthly.Decimal) != 0 {
		t.Fatalf("round trip %s: %+v %v", out, back, err)
	}

	// And a confmap round trip, as the collector prints its config.
	conf := confmap.New()
	if err := conf.Marshal(Budget{Name: "b", Team: "t", Monthly: b.Monthly}); err != nil {
		t.Fatal(err)
	}
	if got := conf.Get("monthly"); got != "1234.56" {
		t.Fatalf("marshalled monthly %#v", got)
	}
}
