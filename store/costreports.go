package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

// Cost reports, the tables of migration 006 a computation writes per day
// and readers see through their *_current views.
const (
	ReportChargeback      = "slopipe_cost_chargeback"
	ReportUnitCosts       = "slopipe_cost_unit_costs"
	ReportBudgets         = "slopipe_cost_budgets"
	ReportAnomalies       = "slopipe_cost_anomalies"
	ReportRecommendations = "slopipe_cost_recommendations"
)

// saveCostReport writes one computation of report for day: b's rows (all
// of that day, possibly none), then the run that makes them the day's
// current rows. A failure before the run leaves the day as it was.
func saveCostReport(ctx context.Context, st Store, report string, day time.Time, b *Batch, computedAt time.Time) error {
	ctx = foregroundInserts(ctx, st)
	n, err := b.Rows()
	if err != nil {
		return fmt.Errorf("%s: %w", report, err)
	}
	if n > 0 {
		if err := st.Insert(ctx, b); err != nil {
			return fmt.Errorf("%s: %w", report, err)
		}
	}
	reportCol, dayCol, computed, rows := NewStrings("Report"), NewStrings("Day"), NewTimes("ComputedAt"), NewUInt64s("Rows")
	reportCol.Append(report)
	dayCol.Append(reportDay(day))
	computed.Append(computedAt.UnixNano())
	rows.Append(uint64(n))
	if err := st.Insert(ctx, NewBatch("slopipe_cost_runs", reportCol, dayCol, computed, rows)); err != nil {
		return fmt.Errorf("%s: recording the run: %w", report, err)
	}
	return nil
}

// reportDay is a day as the text of a Date: a Date from a DateTime would
// depend on the server's time zone.
func reportDay(day time.Time) string { return day.UTC().Format(time.DateOnly) }

// currentReport is the FROM and WHERE of a read of report over the days in
// [{from:Int64}, {to:Int64}): the rows of each day's latest computation.
func currentReport(st Store, report string) string {
	return fmt.Sprintf(`FROM %s.%s
WHERE Day >= toDate(toDateTime({from:Int64}, 'UTC')) AND Day < toDate(toDateTime({to:Int64}, 'UTC'))`,
		QuoteIdent(st.Database()), QuoteIdent(report+"_current"))
}

// dayRange are the parameters of currentReport.
func dayRange(from, to time.Time) Params {
	return Params{"from": strconv.FormatInt(from.Unix(), 10), "to": strconv.FormatInt(to.Unix(), 10)}
}

// CostBudgetStatus is one row of slopipe_cost_budgets: a budget as of Day.
type CostBudgetStatus struct {
	Day                      time.Time
	Budget, Team, Tenant     string
	Month                    time.Time
	Currency                 string
	Amount, Actual, Forecast decimal.Decimal
	// Crossed are the thresholds reached, as "forecast 100%".
	Crossed []string
}

// SaveCostBudgets writes every budget's status as of day, replacing the
// day's earlier computation.
func SaveCostBudgets(ctx context.Context, st Store, day time.Time, rows []CostBudgetStatus, computedAt time.Time) error {
	dayCol, name, team, tenant, month, currency := NewStrings("Day"), NewStrings("Budget"), NewStrings("Team"),
		NewStrings("TenantId"), NewStrings("Month"), NewStrings("BillingCurrency")
	amount, actual, forecast := NewDecimals("Amount"), NewDecimals("Actual"), NewDecimals("Forecast")
	crossed, computed := NewArrays("Crossed", NewStrings("")), NewTimes("ComputedAt")
	for _, r := range rows {
		dayCol.Append(reportDay(day))
		name.Append(r.Budget)
		team.Append(r.Team)
		tenant.Append(r.Tenant)
		month.Append(reportDay(r.Month))
		currency.Append(r.Currency)
		for col, v := range map[*Decimals]decimal.Decimal{amount: r.Amount, actual: r.Actual, forecast: r.Forecast} {
			if err := col.Append(v); err != nil {
				return fmt.Errorf("budget %s: %s: %w", r.Budget, col.Name(), err)
			}
		}
		crossed.Elem.(*Strings).Append(r.Crossed...)
		crossed.EndRow()
		computed.Append(computedAt.UnixNano())
	}
	b := NewBatch(ReportBudgets, dayCol, name, team, tenant, month, currency, amount, actual, forecast, crossed, computed)
	return saveCostReport(ctx, st, ReportBudgets, day, b, computedAt)
}

// CostBudgets are the budgets' statuses of the days in [from, to), each
// from its day's latest computation, by day and budget.
func CostBudgets(ctx context.Context, st Store, from, to time.Time) ([]CostBudgetStatus, error) {
	sql := `SELECT toInt64(toUnixTimestamp(toDateTime(Day, 'UTC'))), toString(Budget), toString(Team), toString(TenantId),
    toInt64(toUnixTimestamp(toDateTime(Month, 'UTC'))), toString(BillingCurrency),
    toString(Amount), toString(Actual), toString(Forecast), Crossed
` + currentReport(st, ReportBudgets) + `
ORDER BY Day, Budget`
	rows, err := st.Query(ctx, sql, dayRange(from, to))
	if err != nil {
		return nil, fmt.Errorf("cost budgets: %w", err)
	}
	var out []CostBudgetStatus
	err = ScanAll(rows, func(r Rows) error {
		var s CostBudgetStatus
		var day, month int64
		var amount, actual, forecast string
		if err := r.Scan(&day, &s.Budget, &s.Team, &s.Tenant, &month, &s.Currency, &amount, &actual, &forecast, &s.Crossed); err != nil {
			return err
		}
		s.Day, s.Month = time.Unix(day, 0).UTC(), time.Unix(month, 0).UTC()
		var err error
		for _, d := range []struct {
			dst  *decimal.Decimal
			text string
		}{{&s.Amount, amount}, {&s.Actual, actual}, {&s.Forecast, forecast}} {
			if *d.dst, err = decimal.Parse(d.text); err != nil {
				return err
			}
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost budgets: %w", err)
	}
	return out, nil
}

// CostAnomaly is one row of slopipe_cost_anomalies.
type CostAnomaly struct {
	Day                   time.Time
	Tenant, Team, Service string
	Currency              string
	Cost, Baseline        decimal.Decimal
	Score                 float64
}

// SaveCostAnomalies writes the anomalies found on day (possibly none),
// replacing the day's earlier computation.
func SaveCostAnomalies(ctx context.Context, st Store, day time.Time, rows []CostAnomaly, computedAt time.Time) error {
	dayCol, tenant, team, service, currency := NewStrings("Day"), NewStrings("TenantId"), NewStrings("Team"),
		NewStrings("Service"), NewStrings("BillingCurrency")
	cost, baseline, score, computed := NewDecimals("Cost"), NewDecimals("Baseline"), NewFloat64s("Score"), NewTimes("ComputedAt")
	for _, r := range rows {
		if reportDay(r.Day) != reportDay(day) {
			return fmt.Errorf("cost anomalies: a row of %s among %s's", reportDay(r.Day), reportDay(day))
		}
		dayCol.Append(reportDay(day))
		tenant.Append(r.Tenant)
		team.Append(r.Team)
		service.Append(r.Service)
		currency.Append(r.Currency)
		if err := cost.Append(r.Cost); err != nil {
			return fmt.Errorf("cost anomalies: %w", err)
		}
		if err := baseline.Append(r.Baseline); err != nil {
			return fmt.Errorf("cost anomalies: %w", err)
		}
		score.Append(r.Score)
		computed.Append(computedAt.UnixNano())
	}
	b := NewBatch(ReportAnomalies, dayCol, tenant, team, service, currency, cost, baseline, score, computed)
	return saveCostReport(ctx, st, ReportAnomalies, day, b, computedAt)
}

// CostAnomalies are the anomalies of the days in [from, to), each day from
// its latest computation.
func CostAnomalies(ctx context.Context, st Store, from, to time.Time) ([]CostAnomaly, error) {
	sql := `SELECT toInt64(toUnixTimestamp(toDateTime(Day, 'UTC'))), toString(TenantId), toString(Team), toString(Service),
    toString(BillingCurrency), toString(Cost), toString(Baseline), Score
` + currentReport(st, ReportAnomalies) + `
ORDER BY Day, TenantId, Service, BillingCurrency`
	rows, err := st.Query(ctx, sql, dayRange(from, to))
	if err != nil {
		return nil, fmt.Errorf("cost anomalies: %w", err)
	}
	var out []CostAnomaly
	err = ScanAll(rows, func(r Rows) error {
		var a CostAnomaly
		var day int64
		var cost, baseline string
		if err := r.Scan(&day, &a.Tenant, &a.Team, &a.Service, &a.Currency, &cost, &baseline, &a.Score); err != nil {
			return err
		}
		a.Day = time.Unix(day, 0).UTC()
		var err error
		if a.Cost, err = decimal.Parse(cost); err != nil {
			return err
		}
		if a.Baseline, err = decimal.Parse(baseline); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost anomalies: %w", err)
	}
	return out, nil
}
