package allocation

import (
	"math/big"
	"strings"
	"testing"

	"github.com/slopipe/slopipe/internal/decimal"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		total   string
		minor   int
		weights []int64
		want    string
	}{
		{"100", 2, []int64{3, 1}, "75 25"},
		{"100.01", 2, []int64{3, 1}, "75.01 25"},
		{"100", 2, []int64{1, 1, 1}, "33.34 33.33 33.33"},
		{"-100", 2, []int64{1, 1, 1}, "-33.34 -33.33 -33.33"},
		{"0.02", 2, []int64{1, 1, 1}, "0.01 0.01 0"},
		// Less than a cent: all of it is residue, held by the largest.
		{"0.009", 2, []int64{1, 1, 1}, "0.009 0 0"},
		{"0.0090000001", 2, []int64{1, 5, 1}, "0 0.0090000001 0"},
		// The residue is set aside before rounding: 10.005 × 1/2 = 5.0025
		// each; the first holds 0.005 and rounds 4.9975 to 5.00.
		{"10.005", 2, []int64{1, 1}, "5.005 5"},
		{"7", 0, []int64{1, 1}, "4 3"},
		{"1", 3, []int64{2, 1}, "0.667 0.333"},
		{"1", 2, []int64{1}, "1"},
		{"0", 2, []int64{1, 2}, "0 0"},
	} {
		ws := make([]weight, len(tc.weights))
		for i, w := range tc.weights {
			ws[i] = weight{tenant: string(rune('a' + i)), w: big.NewRat(w, 1)}
		}
		shares := split(decimal.MustParse(tc.total), tc.minor, ws)
		var got []string
		for _, s := range shares {
			got = append(got, s.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("split(%s, %d, %v) = %s, want %s", tc.total, tc.minor, tc.weights, strings.Join(got, " "), tc.want)
		}
		if decimal.Sum(shares...).Cmp(decimal.MustParse(tc.total)) != 0 {
			t.Errorf("split(%s): shares sum to %s", tc.total, decimal.Sum(shares...))
		}
	}
}
