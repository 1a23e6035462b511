package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

// DayCharges are a day's visible billing line items summed by what
// allocation reads of them (service, sub-account, tags, currency): far
// fewer rows than the line items, the same money.
func DayCharges(ctx context.Context, st Store, day time.Time) ([]BillingLineItem, error) {
	from := day.UTC().Truncate(24 * time.Hour)
	sql := fmt.Sprintf(`SELECT toString(ServiceName), SubAccountId, CAST(Tags, 'Map(String, String)'), toString(BillingCurrency),
    toString(sum(CAST(BilledCost, 'Decimal(76, 10)'))), toString(sum(CAST(EffectiveCost, 'Decimal(76, 10)')))
FROM %s.%s
WHERE toInt64(toUnixTimestamp(ChargePeriodStart)) >= {from:Int64}
  AND toInt64(toUnixTimestamp(ChargePeriodStart)) < {to:Int64}
GROUP BY ServiceName, SubAccountId, Tags, BillingCurrency
ORDER BY ServiceName, SubAccountId, BillingCurrency`, QuoteIdent(st.Database()), QuoteIdent(billingCurrentView))
	rows, err := st.Query(ctx, sql, Params{
		"from": strconv.FormatInt(from.Unix(), 10),
		"to":   strconv.FormatInt(from.Add(24*time.Hour).Unix(), 10),
	})
	if err != nil {
		return nil, fmt.Errorf("day charges: %w", err)
	}
	out, err := scanCharges(rows, from)
	if err != nil {
		return nil, fmt.Errorf("day charges: %w", err)
	}
	return out, nil
}

// scanCharges reads the rows of a query of summed charges (ServiceName,
// SubAccountId, Tags, BillingCurrency, billed and effective cost), each
// dated day.
func scanCharges(rows Rows, day time.Time) ([]BillingLineItem, error) {
	var out []BillingLineItem
	err := ScanAll(rows, func(r Rows) error {
		var it BillingLineItem
		var billed, effective string
		if err := r.Scan(&it.ServiceName, &it.SubAccountId, &it.Tags, &it.BillingCurrency, &billed, &effective); err != nil {
			return err
		}
		var err error
		if it.BilledCost, err = decimal.Parse(billed); err != nil {
			return err
		}
		if it.EffectiveCost, err = decimal.Parse(effective); err != nil {
			return err
		}
		it.ChargePeriodStart = day
		out = append(out, it)
		return nil
	})
	return out, err
}

// TenantUsage is what each tenant used in [from, to): telemetry bytes
// ingested (slopipe_ingest_usage) and requests counted by SLIs (the
// events of slopipe_sli_events), the drivers shared costs are split by.
func TenantUsage(ctx context.Context, st Store, from, to time.Time) (ingestBytes, requests map[string]float64, err error) {
	db := QuoteIdent(st.Database())
	params := Params{"from": strconv.FormatInt(from.Unix(), 10), "to": strconv.FormatInt(to.Unix(), 10)}
	read := func(sql string) (map[string]float64, error) {
		rows, err := st.Query(ctx, sql, params)
		if err != nil {
			return nil, err
		}
		out := map[string]float64{}
		err = ScanAll(rows, func(r Rows) error {
			var tenant string
			var v float64
			if err := r.Scan(&tenant, &v); err != nil {
				return err
			}
			out[tenant] = v
			return nil
		})
		return out, err
	}
	if ingestBytes, err = read(fmt.Sprintf(`SELECT toString(TenantId), toFloat64(sum(Bytes)) FROM %s.slopipe_ingest_usage
WHERE toInt64(toUnixTimestamp(Minute)) >= {from:Int64} AND toInt64(toUnixTimestamp(Minute)) < {to:Int64} AND TenantId != ''
GROUP BY TenantId`, db)); err != nil {
		return nil, nil, fmt.Errorf("ingest usage: %w", err)
	}
	if requests, err = read(fmt.Sprintf(`SELECT toString(TenantId), toFloat64(sum(Total)) FROM %s.slopipe_sli_events
WHERE toInt64(toUnixTimestamp(Minute)) >= {from:Int64} AND toInt64(toUnixTimestamp(Minute)) < {to:Int64} AND TenantId != ''
GROUP BY TenantId`, db)); err != nil {
		return nil, nil, fmt.Errorf("request usage: %w", err)
	}
	return ingestBytes, requests, nil
}

// CostAllocation is one row of slopipe_cost_allocations.
type CostAllocation struct {
	Day                                   time.Time
	Tenant, Team, Service, Category, Rule string
	Currency                              string
	Cost                                  decimal.Decimal
}

// SaveCostAllocations writes a day's allocations, computed at
// computedAt. Readers take each day's latest computation whole, so a
// recomputation (rules changed, a bill restated) replaces the day.
func SaveCostAllocations(ctx context.Context, st Store, day time.Time, rows []CostAllocation, computedAt time.Time) error {
	day = day.UTC().Truncate(24 * time.Hour)
	// The day as text: a Date from a DateTime would depend on the server's
	// time zone.
	dayCol, computed := NewStrings("Day"), NewTimes("ComputedAt")
	tenant, team, service, category, rule, currency := NewStrings("TenantId"), NewStrings("Team"), NewStrings("Service"),
		NewStrings("Category"), NewStrings("Rule"), NewStrings("BillingCurrency")
	cost := NewDecimals("Cost")
	for _, r := range rows {
		if !r.Day.UTC().Truncate(24 * time.Hour).Equal(day) {
			return fmt.Errorf("cost allocations: a row of %s among %s's", r.Day.Format(time.DateOnly), day.Format(time.DateOnly))
		}
		dayCol.Append(day.Format(time.DateOnly))
		computed.Append(computedAt.UnixNano())
		tenant.Append(r.Tenant)
		team.Append(r.Team)
		service.Append(r.Service)
		category.Append(r.Category)
		rule.Append(r.Rule)
		currency.Append(r.Currency)
		if err := cost.Append(r.Cost); err != nil {
			return fmt.Errorf("cost allocations: %w", err)
		}
	}
	if len(rows) == 0 {
		// An empty computation still replaces the day: a marker row of
		// nothing, so the day's earlier rows stop counting.
		dayCol.Append(day.Format(time.DateOnly))
		computed.Append(computedAt.UnixNano())
		for _, c := range []*Strings{tenant, team, service, category, rule, currency} {
			c.Append("")
		}
		_ = cost.Append(decimal.Zero)
		category.Data[0] = "none"
	}
	b := NewBatch("slopipe_cost_allocations", dayCol, tenant, team, service, category, rule, currency, cost, computed)
	// In place on every shard before returning: unit costs read them back.
	if err := st.Insert(foregroundInserts(ctx, st), b); err != nil {
		return fmt.Errorf("cost allocations: %w", err)
	}
	return nil
}

// currentAllocations is the WHERE of every read of table: the days in
// [{from}, {to}), each from its latest computation, without the marker row
// of an empty one.
func currentAllocations(table string) string {
	return fmt.Sprintf(`WHERE Category != 'none'
  AND Day >= toDate(toDateTime({from:Int64}, 'UTC')) AND Day < toDate(toDateTime({to:Int64}, 'UTC'))
  AND (Day, ComputedAt) GLOBAL IN (SELECT Day, max(ComputedAt) FROM %s GROUP BY Day)`, table)
}

// CostGroupBy are the groupings CostTotals accepts.
var CostGroupBy = []string{"tenant", "team", "service", "category"}

var costGroupColumns = map[string]string{
	"tenant": "toString(TenantId)", "team": "toString(Team)", "service": "toString(Service)", "category": "toString(Category)",
}

// CostTotal is the allocated cost of one group in one period.
type CostTotal struct {
	Period   time.Time // the day or the month's first day
	Group    string
	Currency string
	Cost     decimal.Decimal
}

// CostTotals sums the allocations of the days in [from, to) by group and
// day or month, from each day's latest computation.
func CostTotals(ctx context.Context, st Store, from, to time.Time, groupBy, granularity string) ([]CostTotal, error) {
	column, ok := costGroupColumns[groupBy]
	if !ok {
		return nil, fmt.Errorf("cost: cannot group by %q: use one of %s", groupBy, strings.Join(CostGroupBy, ", "))
	}
	period := "Day"
	switch granularity {
	case "day":
	case "month":
		period = "toStartOfMonth(Day)"
	default:
		return nil, fmt.Errorf("cost: granularity %q: use day or month", granularity)
	}
	table := QuoteIdent(st.Database()) + ".slopipe_cost_allocations"
	sql := fmt.Sprintf(`SELECT toInt64(toUnixTimestamp(toDateTime(%s, 'UTC'))) AS P, %s AS Grp, toString(BillingCurrency) AS Currency,
    toString(sum(CAST(Cost, 'Decimal(76, 10)')))
FROM %s
%s
GROUP BY P, Grp, Currency
ORDER BY P, Grp, Currency`, period, column, table, currentAllocations(table))
	rows, err := st.Query(ctx, sql, Params{"from": strconv.FormatInt(from.Unix(), 10), "to": strconv.FormatInt(to.Unix(), 10)})
	if err != nil {
		return nil, fmt.Errorf("cost: %w", err)
	}
	var out []CostTotal
	err = ScanAll(rows, func(r Rows) error {
		var t CostTotal
		var p int64
		var cost string
		if err := r.Scan(&p, &t.Group, &t.Currency, &cost); err != nil {
			return err
		}
		v, err := decimal.Parse(cost)
		if err != nil {
			return err
		}
		t.Period, t.Cost = time.Unix(p, 0).UTC(), v
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost: %w", err)
	}
	return out, nil
}

// CostSeries are the allocations of the days in [from, to) by day, tenant,
// team, service and currency, from each day's latest computation: what
// budgets and anomaly detection read.
func CostSeries(ctx context.Context, st Store, from, to time.Time) ([]CostAllocation, error) {
	table := QuoteIdent(st.Database()) + ".slopipe_cost_allocations"
	sql := fmt.Sprintf(`SELECT toInt64(toUnixTimestamp(toDateTime(Day, 'UTC'))), toString(TenantId), toString(Team), toString(Service),
    toString(BillingCurrency), toString(sum(CAST(Cost, 'Decimal(76, 10)')))
FROM %s
%s
GROUP BY Day, TenantId, Team, Service, BillingCurrency
ORDER BY Day, TenantId, Team, Service, BillingCurrency`, table, currentAllocations(table))
	rows, err := st.Query(ctx, sql, Params{"from": strconv.FormatInt(from.Unix(), 10), "to": strconv.FormatInt(to.Unix(), 10)})
	if err != nil {
		return nil, fmt.Errorf("cost series: %w", err)
	}
	var out []CostAllocation
	err = ScanAll(rows, func(r Rows) error {
		var a CostAllocation
		var day int64
		var cost string
		if err := r.Scan(&day, &a.Tenant, &a.Team, &a.Service, &a.Currency, &cost); err != nil {
			return err
		}
		v, err := decimal.Parse(cost)
		if err != nil {
			return err
		}
		a.Day, a.Cost = time.Unix(day, 0).UTC(), v
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost series: %w", err)
	}
	return out, nil
}
