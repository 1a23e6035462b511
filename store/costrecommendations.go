package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slopipe/slopipe/internal/decimal"
)

// CostRecommendation is one row of slopipe_cost_recommendations: something
// found as of Day that would save money or make the bill attributable.
type CostRecommendation struct {
	Day                   time.Time
	Kind                  string
	Tenant, Team, Service string
	Subject, Detail       string
	Currency              string
	Cost                  decimal.Decimal
	Value                 float64
}

// SaveCostRecommendations writes the recommendations found on day
// (possibly none), replacing the day's earlier computation.
func SaveCostRecommendations(ctx context.Context, st Store, day time.Time, rows []CostRecommendation, computedAt time.Time) error {
	dayCol, kind, tenant, team, service := NewStrings("Day"), NewStrings("Kind"), NewStrings("TenantId"), NewStrings("Team"), NewStrings("Service")
	subject, detail, currency := NewStrings("Subject"), NewStrings("Detail"), NewStrings("BillingCurrency")
	cost, value, computed := NewDecimals("Cost"), NewFloat64s("Value"), NewTimes("ComputedAt")
	for _, r := range rows {
		if reportDay(r.Day) != reportDay(day) {
			return fmt.Errorf("cost recommendations: a row of %s among %s's", reportDay(r.Day), reportDay(day))
		}
		dayCol.Append(reportDay(day))
		kind.Append(r.Kind)
		tenant.Append(r.Tenant)
		team.Append(r.Team)
		service.Append(r.Service)
		subject.Append(r.Subject)
		detail.Append(r.Detail)
		currency.Append(r.Currency)
		if err := cost.Append(r.Cost); err != nil {
			return fmt.Errorf("cost recommendations: %s %s: %w", r.Kind, r.Subject, err)
		}
		value.Append(r.Value)
		computed.Append(computedAt.UnixNano())
	}
	b := NewBatch(ReportRecommendations, dayCol, kind, tenant, team, service, subject, detail, currency, cost, value, computed)
	return saveCostReport(ctx, st, ReportRecommendations, day, b, computedAt)
}

// CostRecommendations are the recommendations of the days in [from, to),
// each day from its latest computation, by day and kind, the most money
// (then the largest value) first.
func CostRecommendations(ctx context.Context, st Store, from, to time.Time) ([]CostRecommendation, error) {
	sql := `SELECT toInt64(toUnixTimestamp(toDateTime(Day, 'UTC'))), toString(Kind), toString(TenantId), toString(Team), toString(Service),
    Subject, Detail, toString(BillingCurrency), toString(Cost), Value
` + currentReport(st, ReportRecommendations) + `
ORDER BY Day, Kind, Cost DESC, Value DESC, TenantId, Service, Subject`
	rows, err := st.Query(ctx, sql, dayRange(from, to))
	if err != nil {
		return nil, fmt.Errorf("cost recommendations: %w", err)
	}
	var out []CostRecommendation
	err = ScanAll(rows, func(r Rows) error {
		var c CostRecommendation
		var day int64
		var cost string
		if err := r.Scan(&day, &c.Kind, &c.Tenant, &c.Team, &c.Service, &c.Subject, &c.Detail, &c.Currency, &cost, &c.Value); err != nil {
			return err
		}
		c.Day = time.Unix(day, 0).UTC()
		var err error
		if c.Cost, err = decimal.Parse(cost); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cost recommendations: %w", err)
	}
	return out, nil
}

// CostRecommendationsLatestDay is the latest day, up to and including
// until's, that recommendations were computed for; false when there is
// none.
func CostRecommendationsLatestDay(ctx context.Context, st Store, until time.Time) (time.Time, bool, error) {
	sql := fmt.Sprintf(`SELECT toInt64(toUnixTimestamp(toDateTime(max(Day), 'UTC'))), count()
FROM %s.slopipe_cost_runs
WHERE Report = {report:String} AND Day <= toDate({until:String})`, QuoteIdent(st.Database()))
	rows, err := st.Query(ctx, sql, Params{"report": ReportRecommendations, "until": reportDay(until)})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("cost recommendations: %w", err)
	}
	var day int64
	var n uint64
	if err := ScanAll(rows, func(r Rows) error { return r.Scan(&day, &n) }); err != nil {
		return time.Time{}, false, fmt.Errorf("cost recommendations: %w", err)
	}
	return time.Unix(day, 0).UTC(), n > 0, nil
}

// TenantCost is a tenant's money in one currency.
type TenantCost struct {
	Tenant, Currency string
	Cost             decimal.Decimal
}

// TenantTelemetryCost is each tenant's telemetry chargeback (ingest and
// retention cost, slopipe_cost_chargeback's current rows) of the days in
// [from, to), per currency; none when no chargeback was computed.
func TenantTelemetryCost(ctx context.Context, st Store, from, to time.Time) ([]TenantCost, error) {
	sql := `SELECT toString(TenantId) AS Tenant, toString(BillingCurrency) AS Currency,
    toString(sum(CAST(IngestCost, 'Decimal(76, 10)') + CAST(RetentionCost, 'Decimal(76, 10)')))
` + currentReport(st, ReportChargeback) + `
GROUP BY Tenant, Currency
ORDER BY Tenant, Currency`
	rows, err := st.Query(ctx, sql, dayRange(from, to))
	if err != nil {
		return nil, fmt.Errorf("telemetry cost: %w", err)
	}
	var out []TenantCost
	err = ScanAll(rows, func(r Rows) error {
		var c TenantCost
		var cost string
		if err := r.Scan(&c.Tenant, &c.Currency, &cost); err != nil {
			return err
		}
		var err error
		if c.Cost, err = decimal.Parse(cost); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("telemetry cost: %w", err)
	}
	return out, nil
}

// MetricSeries is how many series a tenant's metric had.
type MetricSeries struct {
	Tenant, Metric string
	Series         uint64
}

// metricSeriesKey is a series of the metric tables: the contrib
// exporter's series identity within a tenant.
const metricSeriesKey = "cityHash64(ServiceName, MetricName, Attributes, ResourceAttributes)"

// MetricSeriesCounts are, per tenant, the top metric names by active
// series (data points in [from, to)) across every metric table, those with
// at least minSeries series, most series first. A series is a distinct
// (ServiceName, MetricName, Attributes, ResourceAttributes); counts are
// exact up to 65 536 series and approximate (uniq) beyond.
func MetricSeriesCounts(ctx context.Context, st Store, from, to time.Time, top int, minSeries uint64) ([]MetricSeries, error) {
	db := QuoteIdent(st.Database())
	parts := make([]string, len(metricKinds))
	for i, k := range metricKinds {
		// Each table aggregates to states where it lives (every shard of a
		// Distributed table); only the states travel.
		parts[i] = fmt.Sprintf(`SELECT toString(TenantId) AS Tenant, toString(MetricName) AS Metric, uniqState(%s) AS S
    FROM %s.%s
    WHERE TimeUnix >= toDateTime({from:Int64}, 'UTC') AND TimeUnix < toDateTime({to:Int64}, 'UTC')
    GROUP BY Tenant, Metric`, metricSeriesKey, db, QuoteIdent(k.Table))
	}
	sql := `SELECT Tenant, Metric, toUInt64(uniqMerge(S)) AS Series
FROM (
    ` + strings.Join(parts, "\n    UNION ALL\n    ") + `
)
GROUP BY Tenant, Metric
HAVING Series >= {min:UInt64}
ORDER BY Tenant, Series DESC, Metric
LIMIT {top:UInt64} BY Tenant`
	params := dayRange(from, to)
	params["min"] = strconv.FormatUint(minSeries, 10)
	params["top"] = strconv.Itoa(top)
	rows, err := st.Query(ctx, sql, params)
	if err != nil {
		return nil, fmt.Errorf("metric series: %w", err)
	}
	var out []MetricSeries
	err = ScanAll(rows, func(r Rows) error {
		var m MetricSeries
		if err := r.Scan(&m.Tenant, &m.Metric, &m.Series); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metric series: %w", err)
	}
	return out, nil
}

// LabelValues is how many distinct values a label of a metric had.
// Resource attributes are named "resource.<key>".
type LabelValues struct {
	Label  string
	Values uint64
}

// MetricLabelValues are, for each of metrics' (tenant, metric) pairs, its
// top labels by distinct values among data points in [from, to), at most
// perMetric of them, most values first; keyed by tenant, then metric.
func MetricLabelValues(ctx context.Context, st Store, from, to time.Time, metrics []MetricSeries, perMetric int) (map[string]map[string][]LabelValues, error) {
	out := map[string]map[string][]LabelValues{}
	if len(metrics) == 0 || perMetric <= 0 {
		return out, nil
	}
	pairs := make([][2]string, len(metrics))
	for i, m := range metrics {
		pairs[i] = [2]string{m.Tenant, m.Metric}
	}
	db := QuoteIdent(st.Database())
	parts := make([]string, len(metricKinds))
	for i, k := range metricKinds {
		parts[i] = fmt.Sprintf(`SELECT toString(TenantId) AS Tenant, toString(MetricName) AS Metric, L.1 AS Label, uniqState(L.2) AS S
    FROM %s.%s
    ARRAY JOIN arrayConcat(
        arrayZip(arrayMap(k -> toString(k), mapKeys(Attributes)), mapValues(Attributes)),
        arrayZip(arrayMap(k -> concat('resource.', toString(k)), mapKeys(ResourceAttributes)), mapValues(ResourceAttributes))) AS L
    WHERE TimeUnix >= toDateTime({from:Int64}, 'UTC') AND TimeUnix < toDateTime({to:Int64}, 'UTC')
      AND (toString(TenantId), toString(MetricName)) IN {pairs:Array(Tuple(String, String))}
    GROUP BY Tenant, Metric, Label`, db, QuoteIdent(k.Table))
	}
	sql := `SELECT Tenant, Metric, Label, toUInt64(uniqMerge(S)) AS N
FROM (
    ` + strings.Join(parts, "\n    UNION ALL\n    ") + `
)
GROUP BY Tenant, Metric, Label
ORDER BY Tenant, Metric, N DESC, Label
LIMIT {per:UInt64} BY Tenant, Metric`
	params := dayRange(from, to)
	params["pairs"] = Param(pairs)
	params["per"] = strconv.Itoa(perMetric)
	rows, err := st.Query(ctx, sql, params)
	if err != nil {
		return nil, fmt.Errorf("metric labels: %w", err)
	}
	err = ScanAll(rows, func(r Rows) error {
		var tenant, metric string
		var l LabelValues
		if err := r.Scan(&tenant, &metric, &l.Label, &l.Values); err != nil {
			return err
		}
		if out[tenant] == nil {
			out[tenant] = map[string][]LabelValues{}
		}
		out[tenant][metric] = append(out[tenant][metric], l)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metric labels: %w", err)
	}
	return out, nil
}

// IdleResource is a billed resource that looks unused in a window.
type IdleResource struct {
	ResourceId, Service, Currency string
	// Tenant and Team are the first of the tag keys asked for set on the
	// resource's line items (its latest line's, for Team).
	Tenant, Team string
	// Billed is the resource's billed cost in the window, every charge
	// category.
	Billed decimal.Decimal
	// Unconsumed: its Usage lines were billed (more than 0), all report a
	// ConsumedUnit, and their ConsumedQuantity sums to 0.
	Unconsumed bool
	// TenantIdle: it is tagged with a tenant that sent no telemetry
	// (slopipe_ingest_usage) and had no SLI events in the window.
	TenantIdle bool
}

// tagLookup is the SQL of allocation's tag lookup over the line item's
// Tags: the value of the first key of {param:Array(String)} set to a
// non-empty value, else ”.
func tagLookup(param string) string {
	return fmt.Sprintf("arrayFirst(v -> v != '', arrayMap(k -> Tags[k], {%s:Array(String)}))", param)
}

// IdleResources are the resources (ResourceId set) billed more than 0 in
// the visible line items charged in [from, to) that are Unconsumed or
// TenantIdle there, by resource, service, currency and tenant, the most
// billed first. tenantKeys and teamKeys are the tag keys a line's tenant
// and team are read from, first set wins.
func IdleResources(ctx context.Context, st Store, from, to time.Time, tenantKeys, teamKeys []string) ([]IdleResource, error) {
	db := QuoteIdent(st.Database())
	window := `toInt64(toUnixTimestamp(%s)) >= {from:Int64} AND toInt64(toUnixTimestamp(%s)) < {to:Int64}`
	sql := fmt.Sprintf(`SELECT ResourceId, Service, Currency, Tenant, Team, toString(Billed),
    toUInt8(UsageLines > 0 AND Unreported = 0 AND Consumed = 0 AND UsageBilled > 0) AS Unconsumed,
    toUInt8(Tenant != ''
        AND Tenant GLOBAL NOT IN (SELECT toString(TenantId) FROM %[1]s.slopipe_ingest_usage WHERE %[2]s GROUP BY TenantId HAVING sum(Bytes) > 0)
        AND Tenant GLOBAL NOT IN (SELECT toString(TenantId) FROM %[1]s.slopipe_sli_events WHERE %[2]s GROUP BY TenantId HAVING sum(Total) > 0)) AS TenantIdle
FROM (
    SELECT ResourceId, toString(ServiceName) AS Service, toString(BillingCurrency) AS Currency, %[4]s AS Tenant,
        argMax(%[5]s, ChargePeriodStart) AS Team,
        sum(CAST(BilledCost, 'Decimal(76, 10)')) AS Billed,
        countIf(ChargeCategory = 'Usage') AS UsageLines,
        countIf(ChargeCategory = 'Usage' AND ConsumedUnit = '') AS Unreported,
        sumIf(CAST(ConsumedQuantity, 'Decimal(76, 10)'), ChargeCategory = 'Usage') AS Consumed,
        sumIf(CAST(BilledCost, 'Decimal(76, 10)'), ChargeCategory = 'Usage') AS UsageBilled
    FROM %[1]s.%[3]s
    WHERE ResourceId != '' AND %[6]s
    GROUP BY ResourceId, Service, Currency, Tenant
)
WHERE Billed > 0 AND (Unconsumed OR TenantIdle)
ORDER BY Billed DESC, ResourceId, Service, Currency, Tenant`,
		db, fmt.Sprintf(window, "Minute", "Minute"), QuoteIdent(billingCurrentView), tagLookup("tenant_keys"), tagLookup("team_keys"),
		fmt.Sprintf(window, "ChargePeriodStart", "ChargePeriodStart"))
	params := dayRange(from, to)
	params["tenant_keys"] = Param(nonNil(tenantKeys))
	params["team_keys"] = Param(nonNil(teamKeys))
	rows, err := st.Query(ctx, sql, params)
	if err != nil {
		return nil, fmt.Errorf("idle resources: %w", err)
	}
	var out []IdleResource
	err = ScanAll(rows, func(r Rows) error {
		var x IdleResource
		var billed string
		var unconsumed, tenantIdle uint8
		if err := r.Scan(&x.ResourceId, &x.Service, &x.Currency, &x.Tenant, &x.Team, &billed, &unconsumed, &tenantIdle); err != nil {
			return err
		}
		var err error
		if x.Billed, err = decimal.Parse(billed); err != nil {
			return err
		}
		x.Unconsumed, x.TenantIdle = unconsumed != 0, tenantIdle != 0
		out = append(out, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("idle resources: %w", err)
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UntaggedCharges are the visible line items charged in [from, to) that
// carry none of tenantKeys (set to a non-empty value), on the days and in
// the currencies the current allocations leave cost unallocated, summed
// by service, sub-account, tags and currency, as DayCharges sums them:
// the line items behind the unallocated spend. Which of them a shared pool
// takes is for the allocation rules to say.
func UntaggedCharges(ctx context.Context, st Store, from, to time.Time, tenantKeys []string) ([]BillingLineItem, error) {
	db := QuoteIdent(st.Database())
	allocations := db + ".slopipe_cost_allocations"
	sql := fmt.Sprintf(`SELECT toString(ServiceName), SubAccountId, CAST(Tags, 'Map(String, String)'), toString(BillingCurrency),
    toString(sum(CAST(BilledCost, 'Decimal(76, 10)'))), toString(sum(CAST(EffectiveCost, 'Decimal(76, 10)')))
FROM %s.%s
WHERE toInt64(toUnixTimestamp(ChargePeriodStart)) >= {from:Int64}
  AND toInt64(toUnixTimestamp(ChargePeriodStart)) < {to:Int64}
  AND %s = ''
  AND (toDate(ChargePeriodStart, 'UTC'), toString(BillingCurrency)) GLOBAL IN (
      SELECT Day, toString(BillingCurrency) FROM %s
      %s
        AND Category = 'unallocated')
GROUP BY ServiceName, SubAccountId, Tags, BillingCurrency
ORDER BY ServiceName, SubAccountId, BillingCurrency`,
		db, QuoteIdent(billingCurrentView), tagLookup("tenant_keys"), allocations, currentAllocations(allocations))
	params := dayRange(from, to)
	params["tenant_keys"] = Param(nonNil(tenantKeys))
	rows, err := st.Query(ctx, sql, params)
	if err != nil {
		return nil, fmt.Errorf("untagged charges: %w", err)
	}
	// The items span days: they carry no ChargePeriodStart.
	out, err := scanCharges(rows, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("untagged charges: %w", err)
	}
	return out, nil
}
