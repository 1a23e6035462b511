package budget

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

var judged = day(2025, time.June, 20)

// history is one point a day for the len(costs) days before judged, the
// oldest first, then cost on judged itself ("" for none).
func history(cost string, costs ...string) []Point {
	var s []Point
	for i, c := range costs {
		s = append(s, Point{Day: judged.AddDate(0, 0, i-len(costs)), Cost: decimal.MustParse(c)})
	}
	if cost != "" {
		s = append(s, Point{Day: judged, Cost: decimal.MustParse(cost)})
	}
	return s
}

func flat(n int, c string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = c
	}
	return out
}

// Around 100 ± 25: median 100, MAD 10, scaled 14.826.
var noisy = []string{"80", "120", "95", "110", "85", "105", "90", "115", "100", "125", "75", "100", "110", "90"}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    AnomalyConfig
		series []Point
		want   bool
		median string
		score  float64
	}{
		// Flat: MAD 0, floor 5 % of 100 = 5.
		{"flat series, spike", AnomalyConfig{}, history("200", flat(14, "100")...), true, "100", 20},
		{"flat series, 20 % rise reaches the floor", AnomalyConfig{}, history("120", flat(14, "100")...), true, "100", 4},
		{"flat series, 15 % rise", AnomalyConfig{}, history("115", flat(14, "100")...), false, "", 0},
		{"noisy but normal", AnomalyConfig{}, history("130", noisy...), false, "", 0},
		{"noisy, surge", AnomalyConfig{}, history("170", noisy...), true, "100", 70 / 14.826},
		{"drop is no anomaly", AnomalyConfig{}, history("0", flat(14, "100")...), false, "", 0},
		{"no cost on the day", AnomalyConfig{}, history("", flat(14, "100")...), false, "", 0},
		{"six days of history", AnomalyConfig{}, history("1000", flat(6, "10")...), false, "", 0},
		{"seven days of history", AnomalyConfig{}, history("1000", flat(7, "10")...), true, "10", 990 / 2.5},
		{"min_days 3", AnomalyConfig{MinDays: 3}, history("1000", flat(3, "10")...), true, "10", 990 / 2.5},
		// 8× the usual cost, but 7 currency units.
		{"min_jump guard", AnomalyConfig{}, history("8", flat(14, "1")...), false, "", 0},
		{"min_jump lowered", AnomalyConfig{MinJump: AmountOf(decimal.FromInt(5))}, history("8", flat(14, "1")...), true, "1", 7 / 1.25},
		// Median 0, MAD 0: floor min_jump / threshold = 2.5.
		{"zero-median series, surge", AnomalyConfig{}, history("50", flat(14, "0")...), true, "0", 20},
		{"zero-median series, small cost", AnomalyConfig{}, history("9.99", flat(14, "0")...), false, "", 0},
		{"zero-median series, min_jump exactly", AnomalyConfig{}, history("10", flat(14, "0")...), true, "0", 4},
		{"threshold 8", AnomalyConfig{Threshold: 8}, history("170", noisy...), false, "", 0},
		// Only the 14 days before count: a costly past is out of the window.
		{"window", AnomalyConfig{}, history("200", append(flat(20, "1000"), flat(14, "100")...)...), true, "100", 20},
		{"window 30 days", AnomalyConfig{TrailingDays: 30}, history("200", append(flat(20, "1000"), flat(14, "100")...)...), false, "", 0},
		{"even count median", AnomalyConfig{}, history("200", "10", "10", "10", "20", "20", "20", "20", "10"), true, "15", 185 / 7.413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, ok := Detect(tc.cfg, tc.series, judged)
			if ok != tc.want {
				t.Fatalf("Detect = %+v %v, want %v", a, ok, tc.want)
			}
			if !ok {
				return
			}
			if a.Median.String() != tc.median || a.Jump.Cmp(a.Cost.Sub(a.Median)) != 0 || !a.Day.Equal(judged) {
				t.Errorf("anomaly %+v, want median %s", a, tc.median)
			}
			if math.Abs(a.Score-tc.score) > 1e-9 {
				t.Errorf("score %v, want %v", a.Score, tc.score)
			}
		})
	}
}

// A date without a point after the series began cost 0; before, it is
// not history.
func TestDetectMissingDays(t *testing.T) {
	pt := func(daysBefore int, c string) Point {
		return Point{Day: judged.AddDate(0, 0, -daysBefore), Cost: decimal.MustParse(c)}
	}
	// Began 14 days ago, billed on 7 of the 14: median (0, 100) = 50.
	var sparse []Point
	for k := 14; k >= 1; k -= 2 {
		sparse = append(sparse, pt(k, "100"))
	}
	a, ok := Detect(AnomalyConfig{}, append(sparse, pt(0, "150")), judged)
	if ok || a != (Anomaly{}) {
		t.Fatalf("sparse series: %+v", a)
	}
	a, ok = Detect(AnomalyConfig{}, append(sparse, pt(0, "400")), judged)
	if !ok || a.Median.String() != "50" {
		t.Fatalf("sparse series surge: %+v %v", a, ok)
	}

	// Began 20 days ago but billed only then and yesterday: the days
	// between cost nothing, so yesterday's 100 is the outlier, not the norm.
	a, ok = Detect(AnomalyConfig{}, []Point{pt(20, "100"), pt(1, "100"), pt(0, "100")}, judged)
	if !ok || a.Median.String() != "0" {
		t.Fatalf("mostly idle series: %+v %v", a, ok)
	}

	// A new service, 3 days old: no verdict.
	if _, ok := Detect(AnomalyConfig{}, []Point{pt(3, "1"), pt(2, "1"), pt(1, "1"), pt(0, "1000")}, judged); ok {
		t.Fatal("new series judged")
	}
	// Nothing before the day at all.
	if _, ok := Detect(AnomalyConfig{}, []Point{pt(0, "1000")}, judged); ok {
		t.Fatal("series of one day judged")
	}
}

// Points on a date are added whatever their time or location; later
// points are ignored.
func TestDetectDates(t *testing.T) {
	var s []Point
	for k := 1; k <= 14; k++ {
		d := judged.AddDate(0, 0, -k)
		s = append(s, Point{Day: d.Add(3 * time.Hour), Cost: decimal.FromInt(60)}, Point{Day: d.Add(20 * time.Hour), Cost: decimal.FromInt(40)})
	}
	tokyo := time.FixedZone("JST", 9*3600)
	s = append(s,
		Point{Day: time.Date(2025, time.June, 20, 8, 0, 0, 0, tokyo), Cost: decimal.FromInt(150)}, // June 19th 23:00 UTC
		Point{Day: judged.Add(time.Hour), Cost: decimal.FromInt(100)},
		Point{Day: judged.Add(23 * time.Hour), Cost: decimal.FromInt(100)},
		Point{Day: judged.AddDate(0, 0, 1), Cost: decimal.FromInt(1_000_000)},
	)
	a, ok := Detect(AnomalyConfig{}, s, judged.Add(12*time.Hour))
	if !ok || a.Cost.String() != "200" || a.Median.String() != "100" {
		t.Fatalf("%+v %v", a, ok)
	}
}

func TestAnomalyConfigValidate(t *testing.T) {
	for _, ok := range []AnomalyConfig{{}, DefaultAnomalyConfig(), {TrailingDays: 28, MinDays: 28, Threshold: 3.5}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	for _, tc := range []struct {
		cfg  AnomalyConfig
		want string
	}{
		{AnomalyConfig{TrailingDays: -1}, "trailing_days:"},
		{AnomalyConfig{TrailingDays: 400}, "trailing_days:"},
		{AnomalyConfig{MinDays: -1}, "min_days:"},
		{AnomalyConfig{MinDays: 15}, "min_days: 15 is more than trailing_days 14"},
		{AnomalyConfig{TrailingDays: 5}, "min_days: 7 is more than trailing_days 5"},
		{AnomalyConfig{Threshold: math.NaN()}, "threshold:"},
		{AnomalyConfig{Threshold: -1}, "threshold:"},
		{AnomalyConfig{MinJump: AmountOf(decimal.FromInt(-1))}, "min_jump:"},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q…", tc.cfg, err, tc.want)
		}
	}
}
