package budget

import (
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// spread puts total on days first..last of June 2025, evenly but for the
// remainder, which goes on the first day so the total stays exact.
func spread(total string, first, last int) map[time.Time]decimal.Decimal {
	sum := decimal.MustParse(total).Unscaled()
	q, r := new(big.Int).QuoRem(sum, big.NewInt(int64(last-first+1)), new(big.Int))
	out := map[time.Time]decimal.Decimal{}
	for d := first; d <= last; d++ {
		out[day(2025, time.June, d)] = decimal.FromUnscaled(q)
	}
	out[day(2025, time.June, first)] = decimal.FromUnscaled(q.Add(q, r))
	return out
}

func TestEvaluateForecast(t *testing.T) {
	b := Budget{Name: "b", Team: "t", Monthly: AmountOf(decimal.FromInt(100000))}
	for _, tc := range []struct {
		name             string
		now              time.Time
		daily            map[time.Time]decimal.Decimal
		actual, forecast string
	}{
		// 9.5 days of a 30-day month: 300 × 30 / 9.5.
		{"noon on the 10th", time.Date(2025, time.June, 10, 12, 0, 0, 0, time.UTC), spread("300", 1, 10), "300", "947.3684210526"},
		{"half a month", day(2025, time.June, 16), spread("150", 1, 15), "150", "300"},
		{"leap February", day(2024, time.February, 15), map[time.Time]decimal.Decimal{day(2024, time.February, 3): decimal.FromInt(140)}, "140", "290"},
		{"exactly one day", day(2025, time.June, 2), spread("10", 1, 1), "10", "300"},
		{"first day: no extrapolation", time.Date(2025, time.June, 1, 6, 0, 0, 0, time.UTC), spread("10", 1, 1), "10", "10"},
		{"month start", day(2025, time.June, 1), spread("10", 1, 1), "0", "0"},
		{"outside the month and the future ignored", day(2025, time.June, 16), map[time.Time]decimal.Decimal{
			day(2025, time.May, 31): decimal.FromInt(999), day(2025, time.June, 5): decimal.FromInt(75),
			day(2025, time.June, 16): decimal.FromInt(999), day(2025, time.July, 1): decimal.FromInt(999),
		}, "75", "150"},
		{"a third", day(2025, time.June, 10), spread("1", 1, 9), "1", "3.3333333333"},
		{"credits", day(2025, time.June, 16), spread("-15", 1, 15), "-15", "-30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Evaluate(b, tc.now, tc.daily)
			if s.Actual.String() != tc.actual || s.Forecast.String() != tc.forecast {
				t.Errorf("actual %s forecast %s, want %s %s", s.Actual, s.Forecast, tc.actual, tc.forecast)
			}
			y, m, _ := tc.now.Date()
			if !s.Month.Equal(day(y, m, 1)) || s.Budget != "b" || s.Currency != "USD" || s.Limit.String() != "100000" {
				t.Errorf("status %+v", s)
			}
		})
	}
}

func TestEvaluateThresholds(t *testing.T) {
	d := decimal.MustParse
	for _, tc := range []struct {
		name   string
		alerts []Threshold
		now    time.Time
		actual string // spent on June 1st, of a 1000 budget
		want   []Crossing
	}{
		{"actual exactly at 80 %", []Threshold{{Actual, 80}}, day(2025, time.June, 21), "800",
			[]Crossing{{Actual, 80, d("800")}}},
		{"actual just under 80 %", []Threshold{{Actual, 80}}, day(2025, time.June, 21), "799.9999999999", nil},
		// 500 over 15 of 30 days forecasts exactly 1000.
		{"forecast exactly at 100 %", nil, day(2025, time.June, 16), "500",
			[]Crossing{{Forecast, 100, d("1000")}}},
		{"nothing crossed", nil, day(2025, time.June, 16), "499.9999999999", nil},
		{"both, in the budget's order", nil, day(2025, time.June, 21), "800",
			[]Crossing{{Actual, 80, d("800")}, {Forecast, 100, d("1200")}}},
		{"percent exact in decimal", []Threshold{{Actual, 33.3}}, day(2025, time.June, 2), "333",
			[]Crossing{{Actual, 33.3, d("333")}}},
		{"over 100 %", []Threshold{{Actual, 100}, {Actual, 120}, {Forecast, 110}}, day(2025, time.June, 29), "1100",
			[]Crossing{{Actual, 100, d("1100")}, {Forecast, 110, d("1178.5714285714")}}},
		{"overspent on the first day", nil, time.Date(2025, time.June, 1, 3, 0, 0, 0, time.UTC), "1000",
			[]Crossing{{Actual, 80, d("1000")}, {Forecast, 100, d("1000")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := Budget{Name: "b", Tenant: "acme", Currency: "EUR", Monthly: AmountOf(decimal.FromInt(1000)), Alerts: tc.alerts}
			s := Evaluate(b, tc.now, map[time.Time]decimal.Decimal{day(2025, time.June, 1): d(tc.actual)})
			if len(s.Crossed) != len(tc.want) {
				t.Fatalf("crossed %v, want %v", s.Crossed, tc.want)
			}
			for i, c := range s.Crossed {
				w := tc.want[i]
				if c.Kind != w.Kind || c.Percent != w.Percent || c.Value.Cmp(w.Value) != 0 {
					t.Errorf("crossed[%d] = %v %v %s, want %v %v %s", i, c.Kind, c.Percent, c.Value, w.Kind, w.Percent, w.Value)
				}
			}
			if s.Currency != "EUR" {
				t.Errorf("currency %s", s.Currency)
			}
		})
	}
}

// The month is now's month in now's location.
func TestEvaluateLocation(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	now := time.Date(2025, time.July, 1, 3, 0, 0, 0, tokyo) // still June 30th in UTC
	b := Budget{Name: "b", Team: "t", Monthly: AmountOf(decimal.FromInt(1))}
	s := Evaluate(b, now, map[time.Time]decimal.Decimal{time.Date(2025, time.July, 1, 0, 0, 0, 0, tokyo): decimal.FromInt(5)})
	if !s.Month.Equal(time.Date(2025, time.July, 1, 0, 0, 0, 0, tokyo)) || s.Actual.String() != "5" {
		t.Fatalf("%+v", s)
	}
	if s = Evaluate(b, now.UTC(), nil); s.Month.Month() != time.June {
		t.Fatalf("UTC month %v", s.Month)
	}
}

func TestBudgetValidate(t *testing.T) {
	ok := Budget{Name: "b", Team: "payments", Monthly: AmountOf(decimal.FromInt(5000))}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tenant := Budget{Name: "b", Tenant: "acme", Currency: "EUR", Monthly: AmountOf(decimal.MustParse("0.01")), Alerts: DefaultAlerts()}
	if err := tenant.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Budget)
		want string
	}{
		{"no name", func(b *Budget) { b.Name = " " }, "name:"},
		{"team and tenant", func(b *Budget) { b.Tenant = "acme" }, `tenant: budget "b" sets both team "payments" and tenant "acme"`},
		{"neither team nor tenant", func(b *Budget) { b.Team = "" }, `tenant: budget "b" sets neither team nor tenant`},
		{"lower-case currency", func(b *Budget) { b.Currency = "usd" }, "currency:"},
		{"long currency", func(b *Budget) { b.Currency = "EURO" }, "currency:"},
		{"zero monthly", func(b *Budget) { b.Monthly = Amount{} }, "monthly: must be positive, got 0"},
		{"negative monthly", func(b *Budget) { b.Monthly = AmountOf(decimal.FromInt(-1)) }, "monthly:"},
		{"unknown kind", func(b *Budget) { b.Alerts = []Threshold{{Actual, 50}, {"spent", 80}} }, `alerts[1].kind: "spent"`},
		{"zero percent", func(b *Budget) { b.Alerts = []Threshold{{Forecast, 0}} }, "alerts[0].percent:"},
		{"repeated alert", func(b *Budget) { b.Alerts = []Threshold{{Actual, 50}, {Forecast, 50}, {Actual, 50}} }, "alerts[2]: repeats alerts[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := ok
			tc.edit(&b)
			err := b.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want %q…", err, tc.want)
			}
		})
	}
}

func TestDefaultAlerts(t *testing.T) {
	want := []Threshold{{Actual, 80}, {Forecast, 100}}
	if got := DefaultAlerts(); !reflect.DeepEqual(got, want) {
		t.Fatalf("%v", got)
	}
}
