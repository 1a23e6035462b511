package store

import (
	"context"
	"math"
	"strconv"
	"time"
)

// MetricUsage runs totalsSQL, the TenantTotalsSQL of a PromQL expression
// compiled by store/promsql, for every tenant over [from, to), and returns
// each tenant's total: usage measured by a PromQL query, e.g. the CPU
// seconds a tenant used in a day. Totals are usage weights, so tenants
// whose total is not positive (no increase, or a gauge read as a counter
// that only fell) or not finite, and the empty tenant, are left out.
func MetricUsage(ctx context.Context, st Store, totalsSQL string, from, to time.Time) (map[string]float64, error) {
	rows, err := st.Query(ctx, totalsSQL, Params{
		"from":    strconv.FormatInt(from.Unix(), 10),
		"to":      strconv.FormatInt(to.Unix(), 10),
		"tenants": "[]",
	})
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	err = ScanAll(rows, func(r Rows) error {
		var tenant string
		var total float64
		if err := r.Scan(&tenant, &total); err != nil {
			return err
		}
		if tenant != "" && total > 0 && !math.IsInf(total, 0) {
			out[tenant] = total
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
