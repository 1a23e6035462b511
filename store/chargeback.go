package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

// TelemetryVolume is a tenant's telemetry as of a day, what chargeback
// prices.
type TelemetryVolume struct {
	Tenant string
	// IngestedBytes were sent on the day; RetainedBytes in the
	// retentionDays days ending with it, what the store still holds.
	IngestedBytes, RetainedBytes uint64
}

// TelemetryVolumes are, for each day in [from, to), the bytes each tenant
// sent on the day and in the retentionDays days ending with it
// (slopipe_ingest_usage), for every tenant with bytes retained, by day
// and tenant. One read of the daily sums serves every day: the windows
// are summed here. Usage without a tenant is left out, as TenantUsage
// leaves it.
func TelemetryVolumes(ctx context.Context, st Store, from, to time.Time, retentionDays int) (map[time.Time][]TelemetryVolume, error) {
	from, to = from.UTC().Truncate(24*time.Hour), to.UTC().Truncate(24*time.Hour)
	if retentionDays < 1 {
		return nil, fmt.Errorf("telemetry volumes: retention of %d days", retentionDays)
	}
	sql := fmt.Sprintf(`SELECT toString(TenantId), toInt64(toUnixTimestamp(toStartOfDay(Minute, 'UTC'))) AS Day, toUInt64(sum(Bytes))
FROM %s.slopipe_ingest_usage
WHERE toInt64(toUnixTimestamp(Minute)) >= {from:Int64} AND toInt64(toUnixTimestamp(Minute)) < {to:Int64} AND TenantId != ''
GROUP BY TenantId, Day`, QuoteIdent(st.Database()))
	rows, err := st.Query(ctx, sql, Params{
		"from": strconv.FormatInt(from.AddDate(0, 0, 1-retentionDays).Unix(), 10),
		"to":   strconv.FormatInt(to.Unix(), 10),
	})
	if err != nil {
		return nil, fmt.Errorf("telemetry volumes: %w", err)
	}
	daily := map[string]map[int64]uint64{} // tenant, day (Unix) → bytes
	err = ScanAll(rows, func(r Rows) error {
		var tenant string
		var day int64
		var bytes uint64
		if err := r.Scan(&tenant, &day, &bytes); err != nil {
			return err
		}
		if daily[tenant] == nil {
			daily[tenant] = map[int64]uint64{}
		}
		daily[tenant][day] = bytes
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("telemetry volumes: %w", err)
	}
	tenants := make([]string, 0, len(daily))
	for t := range daily {
		tenants = append(tenants, t)
	}
	slices.Sort(tenants)
	out := map[time.Time][]TelemetryVolume{}
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		for _, t := range tenants {
			v := TelemetryVolume{Tenant: t, IngestedBytes: daily[t][day.Unix()]}
			for k := range retentionDays {
				v.RetainedBytes += daily[t][day.AddDate(0, 0, -k).Unix()]
			}
			if v.RetainedBytes > 0 {
				out[day] = append(out[day], v)
			}
		}
	}
	return out, nil
}

// SLOEventCount is what a tenant's SLO counted in a range of time.
type SLOEventCount struct {
	Tenant, SLO string
	// Service is the SLO's service, from its latest status.
	Service     string
	Good, Total uint64
}

// SLOServices maps each SLO to the service of its latest row of
// slopipe_slo_status.
func SLOServices(ctx context.Context, st Store) (map[string]string, error) {
	rows, err := st.Query(ctx, fmt.Sprintf(`SELECT toString(Slo), toString(argMax(Service, EvaluatedAt))
FROM %s.slopipe_slo_status
GROUP BY Slo`, QuoteIdent(st.Database())), nil)
	if err != nil {
		return nil, fmt.Errorf("slo services: %w", err)
	}
	services := map[string]string{}
	err = ScanAll(rows, func(r Rows) error {
		var slo, service string
		if err := r.Scan(&slo, &service); err != nil {
			return err
		}
		services[slo] = service
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("slo services: %w", err)
	}
	return services, nil
}

// SLOEventCounts are the good and total events of each tenant's SLO in
// [from, to), each with its service from services
// (SLOServices); an SLO without a known service (never evaluated) is left
// out, as are events without a tenant. By tenant and SLO. The two are
// read apart rather than joined: on a cluster both tables are
// distributed, and a recomputation reads the services once for all days.
// Events are those counted at ingest (slopipe_sli_events, span and log
// SLIs) and those computed from stored metrics (slopipe_sli_metric_minutes,
// PromQL SLIs: each minute's latest computation, rounded to whole events).
func SLOEventCounts(ctx context.Context, st Store, from, to time.Time, services map[string]string) ([]SLOEventCount, error) {
	db := QuoteIdent(st.Database())
	rows, err := st.Query(ctx, fmt.Sprintf(`SELECT toString(TenantId), toString(Slo), toUInt64(round(sum(Good))), toUInt64(round(sum(Total)))
FROM (
    SELECT TenantId, Slo, toFloat64(sum(Good)) AS Good, toFloat64(sum(Total)) AS Total
    FROM %[1]s.slopipe_sli_events
    WHERE toInt64(toUnixTimestamp(Minute)) >= {from:Int64} AND toInt64(toUnixTimestamp(Minute)) < {to:Int64} AND TenantId != ''
    GROUP BY TenantId, Slo
    UNION ALL
    SELECT TenantId, Slo, sum(Good), sum(Total)
    FROM (
        SELECT TenantId, Slo, argMax(Good, ComputedAt) AS Good, argMax(Total, ComputedAt) AS Total
        FROM %[1]s.slopipe_sli_metric_minutes
        WHERE toInt64(toUnixTimestamp(Minute)) >= {from:Int64} AND toInt64(toUnixTimestamp(Minute)) < {to:Int64} AND TenantId != ''
        GROUP BY TenantId, Slo, Minute
    )
    GROUP BY TenantId, Slo
)
GROUP BY TenantId, Slo
ORDER BY TenantId, Slo`, db), dayRange(from, to))
	if err != nil {
		return nil, fmt.Errorf("slo events: %w", err)
	}
	var out []SLOEventCount
	err = ScanAll(rows, func(r Rows) error {
		var c SLOEventCount
		if err := r.Scan(&c.Tenant, &c.SLO, &c.Good, &c.Total); err != nil {
			return err
		}
		var ok bool
		if c.Service, ok = services[c.SLO]; ok && c.Service != "" {
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("slo events: %w", err)
	}
	return out, nil
}

// TenantChargeback is one row of slopipe_cost_chargeback: a tenant's
// telemetry of Day priced.
type TenantChargeback struct {
	Day      time.Time
	Tenant   string
	Currency string
	// IngestedBytes were sent on Day; RetainedBytes are what the store
	// held of the tenant on Day. Summed over days, RetainedBytes are
	// byte-days.
	IngestedBytes, RetainedBytes uint64
	IngestCost, RetentionCost    decimal.Decimal
}

// SaveCostChargeback writes the chargeback of day (possibly none),
// replacing the day's earlier computation.
func SaveCostChargeback(ctx context.Context, st Store, day time.Time, rows []TenantChargeback, computedAt time.Time) error {
	dayCol, tenant, ingested, retained, currency := NewStrings("Day"), NewStrings("TenantId"), NewUInt64s("IngestedBytes"),
		NewUInt64s("RetainedBytes"), NewStrings("BillingCurrency")
	ingestCost, retentionCost, computed := NewDecimals("IngestCost"), NewDecimals("RetentionCost"), NewTimes("ComputedAt")
	for _, r := range rows {
		if reportDay(r.Day) != reportDay(day) {
			return fmt.Errorf("cost chargeback: a row of %s among %s's", reportDay(r.Day), reportDay(day))
		}
		dayCol.Append(reportDay(day))
		tenant.Append(r.Tenant)
		ingested.Append(r.IngestedBytes)
		retained.Append(r.RetainedBytes)
		currency.Append(r.Currency)
		if err := ingestCost.Append(r.IngestCost); err != nil {
			return fmt.Errorf("cost chargeback: %w", err)
		}
		if err := retentionCost.Append(r.RetentionCost); err != nil {
			return fmt.Errorf("cost chargeback: %w", err)
		}
		computed.Append(computedAt.UnixNano())
	}
	b := NewBatch(ReportChargeback, dayCol, tenant, ingested, retained, currency, ingestCost, retentionCost, computed)
	return saveCostReport(ctx, st, ReportChargeback, day, b, computedAt)
}

// CostChargeback is the chargeback of the days in [from, to), each day
// from its latest computation, by day, tenant and currency.
func CostChargeback(ctx context.Context, st Store, from, to time.Time) ([]TenantChargeback, error) {
	sql := `SELECT toInt64(toUnixTimestamp(toDateTime(Day, 'UTC'))), toString(TenantId), toString(BillingCurrency),
    IngestedBytes, RetainedBytes, toString(IngestCost), toString(RetentionCost)
` + currentReport(st, ReportChargeback) + `
ORDER BY Day, TenantId, BillingCurrency`
	rows, err := st.Query(ctx, sql, dayRange(from, to))
	if err != nil {
		return nil, fmt.Errorf("cost chargeback: %w", err)
	}
	var out []TenantChargeback
	err = ScanAll(rows, func(r Rows) error {
		var c TenantChargeback
		var day int64
		var ingest, retention string
		if err := r.Scan(&day, &c.Tenant, &c.Currency, &c.IngestedBytes, &c.RetainedBytes, &ingest, &retention); err != nil {
			return err
		}
		c.Day = time.Unix(day, 0).UTC()
		var err error
		if c.IngestCost, err = decimal.Parse(ingest); err != nil {
			return err
		}
		if c.RetentionCost, err = decimal.Parse(retention); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost chargeback: %w", err)
	}
	return out, nil
}

// CostUnitCost is one row of slopipe_cost_unit_costs: a tenant's
// allocated cost of a service on Day next to the requests and good events
// the service's SLIs counted for the tenant.
type CostUnitCost struct {
	Day                       time.Time
	Tenant, Service, Currency string
	Cost                      decimal.Decimal
	Requests, GoodEvents      uint64
}

// SaveCostUnitCosts writes the unit costs of day (possibly none),
// replacing the day's earlier computation.
func SaveCostUnitCosts(ctx context.Context, st Store, day time.Time, rows []CostUnitCost, computedAt time.Time) error {
	dayCol, tenant, service, currency := NewStrings("Day"), NewStrings("TenantId"), NewStrings("Service"), NewStrings("BillingCurrency")
	cost, requests, good, computed := NewDecimals("Cost"), NewUInt64s("Requests"), NewUInt64s("GoodEvents"), NewTimes("ComputedAt")
	for _, r := range rows {
		if reportDay(r.Day) != reportDay(day) {
			return fmt.Errorf("cost unit costs: a row of %s among %s's", reportDay(r.Day), reportDay(day))
		}
		dayCol.Append(reportDay(day))
		tenant.Append(r.Tenant)
		service.Append(r.Service)
		currency.Append(r.Currency)
		if err := cost.Append(r.Cost); err != nil {
			return fmt.Errorf("cost unit costs: %w", err)
		}
		requests.Append(r.Requests)
		good.Append(r.GoodEvents)
		computed.Append(computedAt.UnixNano())
	}
	b := NewBatch(ReportUnitCosts, dayCol, tenant, service, currency, cost, requests, good, computed)
	return saveCostReport(ctx, st, ReportUnitCosts, day, b, computedAt)
}

// UnitCostGroupBy are the groupings CostUnitCosts accepts.
var UnitCostGroupBy = []string{"tenant", "service"}

// UnitCostTotal is a group's cost, requests and good events over a range
// of days, in one currency.
type UnitCostTotal struct {
	Group, Currency      string
	Cost                 decimal.Decimal
	Requests, GoodEvents uint64
}

// CostUnitCosts sums the unit costs of the days in [from, to), each day
// from its latest computation, by tenant or service and currency: ratios
// are to be taken of these sums, never averaged over days.
func CostUnitCosts(ctx context.Context, st Store, from, to time.Time, groupBy string) ([]UnitCostTotal, error) {
	column, ok := map[string]string{"tenant": "toString(TenantId)", "service": "toString(Service)"}[groupBy]
	if !ok {
		return nil, fmt.Errorf("cost unit costs: cannot group by %q: use one of %s", groupBy, strings.Join(UnitCostGroupBy, ", "))
	}
	sql := `SELECT ` + column + ` AS Grp, toString(BillingCurrency) AS Currency, toString(sum(CAST(Cost, 'Decimal(76, 10)'))),
    toUInt64(sum(Requests)), toUInt64(sum(GoodEvents))
` + currentReport(st, ReportUnitCosts) + `
GROUP BY Grp, Currency
ORDER BY Grp, Currency`
	rows, err := st.Query(ctx, sql, dayRange(from, to))
	if err != nil {
		return nil, fmt.Errorf("cost unit costs: %w", err)
	}
	var out []UnitCostTotal
	err = ScanAll(rows, func(r Rows) error {
		var u UnitCostTotal
		var cost string
		if err := r.Scan(&u.Group, &u.Currency, &cost, &u.Requests, &u.GoodEvents); err != nil {
			return err
		}
		var err error
		if u.Cost, err = decimal.Parse(cost); err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost unit costs: %w", err)
	}
	return out, nil
}
