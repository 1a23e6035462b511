package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The SLO evaluator's SQL. Every SLI is kept as good and total events per
// tenant, SLO and minute — slopipe_sli_events for span and log SLIs (counted
// in the stream), slopipe_sli_metric_minutes for PromQL SLIs (computed here
// from the metric tables) — and per hour in slopipe_sli_hours, which the
// evaluator keeps current. A window is summed from whole hours plus the
// minutes at its edges, for every SLO and tenant in one query.

// NormalizedMetricName is MetricName spelled as Prometheus would: every
// character outside [a-zA-Z0-9_:] becomes _, so the OTLP metric
// http.server.requests answers to http_server_requests.
const NormalizedMetricName = "replaceRegexpAll(MetricName, '[^a-zA-Z0-9_:]', '_')"

// metricSampleTables are the tables PromQL SLIs read samples from.
var metricSampleTables = []string{"otel_metrics_sum", "otel_metrics_gauge", "otel_metrics_histogram"}

// SLIArrival says rows of an SLI's input arrived since a point in time: the
// earliest minute they touch, per tenant. Key is a normalized metric name
// for PromQL SLIs, or an SLO name for span and log SLIs.
type SLIArrival struct {
	Metric   bool
	Tenant   string
	Key      string
	Earliest time.Time
}

// SLIArrivals finds the metric samples (of metricNames) and the late SLI
// events (of eventSLOs, see SLIEvents.Insert) inserted at or after since, and returns, with them, the store's
// clock at the start of the search: the next search starts from it, less the
// longest an insert can take to become visible.
func SLIArrivals(ctx context.Context, s Store, since time.Time, metricNames, eventSLOs []string) ([]SLIArrival, time.Time, error) {
	serverNow, err := storeNow(ctx, s)
	if err != nil {
		return nil, time.Time{}, err
	}
	db := QuoteIdent(s.Database())
	var parts []string
	if len(metricNames) > 0 {
		for _, t := range metricSampleTables {
			parts = append(parts, fmt.Sprintf(`SELECT 1 AS Metric, TenantId, %s AS Key, min(TimeUnix) AS Earliest
FROM %s.%s
WHERE InsertedAt >= toDateTime({since:Int64}) AND Key IN {names:Array(String)}
GROUP BY TenantId, Key`, NormalizedMetricName, db, QuoteIdent(t)))
		}
	}
	if len(eventSLOs) > 0 {
		parts = append(parts, fmt.Sprintf(`SELECT 0 AS Metric, TenantId, toString(Slo) AS Key, min(Earliest) AS Earliest
FROM %s.slopipe_sli_late_events
WHERE InsertedAt >= toDateTime({since:Int64}) AND Slo IN {slos:Array(String)}
GROUP BY TenantId, Key`, db))
	}
	if len(parts) == 0 {
		return nil, serverNow, nil
	}
	sql := "SELECT Metric, TenantId, Key, toInt64(toUnixTimestamp(min(Earliest))) FROM (\n" + strings.Join(parts, "\nUNION ALL\n") +
		"\n) GROUP BY Metric, TenantId, Key ORDER BY Metric, TenantId, Key"
	rows, err := s.Query(ctx, sql, Params{
		"since": strconv.FormatInt(since.Unix(), 10),
		"names": Param(metricNames),
		"slos":  Param(eventSLOs),
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("SLI arrivals: %w", err)
	}
	var out []SLIArrival
	err = ScanAll(rows, func(r Rows) error {
		var a SLIArrival
		var metric uint8
		var earliest int64
		if err := r.Scan(&metric, &a.Tenant, &a.Key, &earliest); err != nil {
			return err
		}
		a.Metric, a.Earliest = metric == 1, time.Unix(earliest, 0).UTC()
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("SLI arrivals: %w", err)
	}
	return out, serverNow, nil
}

func storeNow(ctx context.Context, s Store) (time.Time, error) {
	rows, err := s.Query(ctx, "SELECT toInt64(toUnixTimestamp(now()))", nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("store clock: %w", err)
	}
	var now int64
	if err := ScanAll(rows, func(r Rows) error { return r.Scan(&now) }); err != nil {
		return time.Time{}, fmt.Errorf("store clock: %w", err)
	}
	return time.Unix(now, 0).UTC(), nil
}

// MetricMinutesJob recomputes one PromQL SLI's minutes in [From, To) for
// Tenants (all when empty). MinutesSQL selects TenantId, Minute, Good and
// Total and takes the parameters {from:DateTime}, {to:DateTime} and
// {tenants:Array(String)} (store/promsql compiles it).
type MetricMinutesJob struct {
	SLO, SpecHash string
	MinutesSQL    string
	From, To      time.Time
	Tenants       []string
}

// metricJobsPerStatement bounds one INSERT … SELECT: a statement per SLO
// would make a cycle cost a round trip per SLO, one for all of thousands
// would be a query the engine plans slowly.
const metricJobsPerStatement = 50

// RecomputeMetricMinutes writes the jobs' minutes into
// slopipe_sli_metric_minutes, replacing earlier answers for them.
func RecomputeMetricMinutes(ctx context.Context, s Store, jobs []MetricMinutesJob, computedAt time.Time) error {
	db := QuoteIdent(s.Database())
	for start := 0; start < len(jobs); start += metricJobsPerStatement {
		chunk := jobs[start:min(start+metricJobsPerStatement, len(jobs))]
		params := Params{"computed_at": strconv.FormatInt(computedAt.UnixMilli(), 10)}
		selects := make([]string, len(chunk))
		for i, j := range chunk {
			suffix := "_" + strconv.Itoa(i)
			sql := strings.NewReplacer(
				"{from:DateTime}", "{from"+suffix+":DateTime}",
				"{to:DateTime}", "{to"+suffix+":DateTime}",
				"{tenants:Array(String)}", "{tenants"+suffix+":Array(String)}",
			).Replace(j.MinutesSQL)
			params["from"+suffix] = strconv.FormatInt(j.From.Unix(), 10)
			params["to"+suffix] = strconv.FormatInt(j.To.Unix(), 10)
			params["tenants"+suffix] = Param(nonNil(j.Tenants))
			params["slo"+suffix] = j.SLO
			params["hash"+suffix] = j.SpecHash
			selects[i] = fmt.Sprintf("SELECT TenantId, {slo%[1]s:String}, {hash%[1]s:String}, Minute, Good, Total, fromUnixTimestamp64Milli({computed_at:Int64})\nFROM (\n%[2]s\n)", suffix, sql)
		}
		stmt := "INSERT INTO " + db + ".slopipe_sli_metric_minutes (TenantId, Slo, SpecHash, Minute, Good, Total, ComputedAt)\n" +
			strings.Join(selects, "\nUNION ALL\n")
		if err := s.Exec(ctx, stmt, params); err != nil {
			return fmt.Errorf("recompute PromQL SLI minutes: %w", err)
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SLIRef names one SLO's rows: span and log SLIs by name (Metric false,
// SpecHash empty), PromQL SLIs by name and SpecHash.
type SLIRef struct {
	SLO      string
	SpecHash string
	Metric   bool
}

// HoursJob recomputes one SLI's hours from the hour holding From on.
type HoursJob struct {
	SLIRef
	From time.Time
}

// RecomputeSLIHours rewrites slopipe_sli_hours from the minutes, for each
// job's hours from From up to to, every tenant.
func RecomputeSLIHours(ctx context.Context, s Store, jobs []HoursJob, to, computedAt time.Time) error {
	if len(jobs) == 0 {
		return nil
	}
	var events, metrics refArrays
	for _, j := range jobs {
		if j.Metric {
			metrics.add(j.SLIRef, j.From)
		} else {
			events.add(j.SLIRef, j.From)
		}
	}
	db := QuoteIdent(s.Database())
	sql := fmt.Sprintf(`INSERT INTO %[1]s.slopipe_sli_hours (TenantId, Slo, SpecHash, Hour, Good, Total, ComputedAt)
SELECT TenantId, Slo, SpecHash, toStartOfHour(Minute) AS Hour, sum(Good), sum(Total), fromUnixTimestamp64Milli({computed_at:Int64})
FROM (
    SELECT TenantId, Slo, '' AS SpecHash, Minute, toFloat64(Good) AS Good, toFloat64(Total) AS Total
    FROM %[1]s.slopipe_sli_events
    WHERE Slo IN {event_slos:Array(String)}
      AND Minute >= toStartOfHour(toDateTime(transform(toString(Slo), {event_slos:Array(String)}, {event_froms:Array(Int64)}, toInt64(0))))
      AND Minute < toDateTime({to:Int64})
    UNION ALL
    SELECT TenantId, Slo, SpecHash, Minute, Good, Total
    FROM %[1]s.slopipe_sli_metric_minutes FINAL
    WHERE Slo IN {metric_slos:Array(String)}
      AND SpecHash = transform(toString(Slo), {metric_slos:Array(String)}, {metric_hashes:Array(String)}, '')
      AND Minute >= toStartOfHour(toDateTime(transform(toString(Slo), {metric_slos:Array(String)}, {metric_froms:Array(Int64)}, toInt64(0))))
      AND Minute < toDateTime({to:Int64})
)
GROUP BY TenantId, Slo, SpecHash, Hour`, db)
	err := s.Exec(ctx, sql, Params{
		"computed_at":   strconv.FormatInt(computedAt.UnixMilli(), 10),
		"to":            strconv.FormatInt(to.Unix(), 10),
		"event_slos":    Param(nonNil(events.slos)),
		"event_froms":   int64Array(events.froms),
		"metric_slos":   Param(nonNil(metrics.slos)),
		"metric_hashes": Param(nonNil(metrics.hashes)),
		"metric_froms":  int64Array(metrics.froms),
	})
	if err != nil {
		return fmt.Errorf("recompute SLI hours: %w", err)
	}
	return nil
}

// refArrays are SLIs as parallel arrays, for transform() and IN in SQL.
type refArrays struct {
	slos, hashes []string
	froms        []int64
}

func (a *refArrays) add(r SLIRef, from time.Time) {
	a.slos = append(a.slos, r.SLO)
	a.hashes = append(a.hashes, r.SpecHash)
	a.froms = append(a.froms, from.Unix())
}

func int64Array(v []int64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// WindowSLI is one SLO whose windows are summed, with the start of its
// period (budget window).
type WindowSLI struct {
	SLIRef
	PeriodFrom time.Time
}

// GoodTotal is one window's events.
type GoodTotal struct{ Good, Total float64 }

// SLIWindowSums are one SLO's events for one tenant: Windows[i] over
// [now − lengths[i], now), Period over [PeriodFrom, now).
type SLIWindowSums struct {
	Tenant, SLO string
	Windows     []GoodTotal
	Period      GoodTotal
}

// SumSLIWindows sums every SLO's good and total events per tenant over the
// windows ending at now — each of lengths, and the SLO's period — in one
// query: whole hours from slopipe_sli_hours, the minutes at the windows'
// edges from the minute tables. A minute counts when it starts before now.
// Tenants with no events in any window are left out.
func SumSLIWindows(ctx context.Context, s Store, slis []WindowSLI, lengths []time.Duration, now time.Time) ([]SLIWindowSums, error) {
	if len(slis) == 0 {
		return nil, nil
	}
	nowUnix := now.Unix()
	var all, events, metrics refArrays
	earliest := nowUnix
	edgeHours := map[int64]bool{floorTo(nowUnix, 3600): true}
	for _, w := range slis {
		all.add(w.SLIRef, w.PeriodFrom)
		if w.Metric {
			metrics.add(w.SLIRef, w.PeriodFrom)
		} else {
			events.add(w.SLIRef, w.PeriodFrom)
		}
		earliest = min(earliest, w.PeriodFrom.Unix())
		edgeHours[floorTo(w.PeriodFrom.Unix(), 3600)] = true
	}
	for _, l := range lengths {
		from := nowUnix - int64(l/time.Second)
		earliest = min(earliest, from)
		edgeHours[floorTo(from, 3600)] = true
	}
	hours := make([]int64, 0, len(edgeHours))
	for h := range edgeHours {
		hours = append(hours, h)
	}

	// A row counts for a window starting at s when it is an hour wholly in
	// [s, now), or a minute in [s, now) whose hour is not.
	inWindow := func(start string) string {
		whole := fmt.Sprintf("(toStartOfHour(T) >= %[1]s AND toStartOfHour(T) + 3600 <= Now)", start)
		return fmt.Sprintf("(IsHour AND %[2]s) OR (NOT IsHour AND T >= %[1]s AND T < Now AND NOT %[2]s)", start, whole)
	}
	var sums []string
	for i, l := range lengths {
		cond := inWindow(fmt.Sprintf("(Now - %d)", int64(l/time.Second)))
		sums = append(sums, fmt.Sprintf("sumIf(Good, %[2]s) AS Good%[1]d, sumIf(Total, %[2]s) AS Total%[1]d", i, cond))
	}
	period := inWindow("toDateTime(transform(toString(Slo), {slos:Array(String)}, {period_froms:Array(Int64)}, toInt64(0)))")
	sums = append(sums, fmt.Sprintf("sumIf(Good, %[1]s) AS GoodPeriod, sumIf(Total, %[1]s) AS TotalPeriod", period))

	db := QuoteIdent(s.Database())
	sql := fmt.Sprintf(`WITH toDateTime({now:Int64}) AS Now
SELECT TenantId, toString(Slo) AS Slo,
    %[2]s
FROM (
    SELECT TenantId, Slo, Hour AS T, true AS IsHour, Good, Total
    FROM %[1]s.slopipe_sli_hours FINAL
    WHERE Slo IN {slos:Array(String)}
      AND SpecHash = transform(toString(Slo), {slos:Array(String)}, {hashes:Array(String)}, '\x00')
      AND Hour >= toStartOfHour(toDateTime({earliest:Int64})) AND Hour < Now
    UNION ALL
    SELECT TenantId, Slo, Minute AS T, false AS IsHour, toFloat64(sum(Good)) AS Good, toFloat64(sum(Total)) AS Total
    FROM %[1]s.slopipe_sli_events
    WHERE Slo IN {event_slos:Array(String)}
      AND Minute < Now AND toStartOfHour(Minute) IN arrayMap(h -> toDateTime(h), {edge_hours:Array(Int64)})
    GROUP BY TenantId, Slo, Minute
    UNION ALL
    SELECT TenantId, Slo, Minute AS T, false AS IsHour, Good, Total
    FROM %[1]s.slopipe_sli_metric_minutes FINAL
    WHERE Slo IN {metric_slos:Array(String)}
      AND SpecHash = transform(toString(Slo), {metric_slos:Array(String)}, {metric_hashes:Array(String)}, '\x00')
      AND Minute < Now AND toStartOfHour(Minute) IN arrayMap(h -> toDateTime(h), {edge_hours:Array(Int64)})
)
GROUP BY TenantId, Slo
HAVING TotalPeriod != 0 OR %[3]s
ORDER BY TenantId, Slo`, db, strings.Join(sums, ",\n    "), anyWindowTotal(len(lengths)))
	rows, err := s.Query(ctx, sql, Params{
		"now":           strconv.FormatInt(nowUnix, 10),
		"earliest":      strconv.FormatInt(earliest, 10),
		"edge_hours":    int64Array(hours),
		"slos":          Param(all.slos),
		"hashes":        Param(all.hashes),
		"period_froms":  int64Array(all.froms),
		"event_slos":    Param(nonNil(events.slos)),
		"metric_slos":   Param(nonNil(metrics.slos)),
		"metric_hashes": Param(nonNil(metrics.hashes)),
	})
	if err != nil {
		return nil, fmt.Errorf("sum SLI windows: %w", err)
	}
	var out []SLIWindowSums
	dest := make([]any, 0, 4+2*len(lengths))
	err = ScanAll(rows, func(r Rows) error {
		w := SLIWindowSums{Windows: make([]GoodTotal, len(lengths))}
		dest = append(dest[:0], &w.Tenant, &w.SLO)
		for i := range w.Windows {
			dest = append(dest, &w.Windows[i].Good, &w.Windows[i].Total)
		}
		dest = append(dest, &w.Period.Good, &w.Period.Total)
		if err := r.Scan(dest...); err != nil {
			return err
		}
		out = append(out, w)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sum SLI windows: %w", err)
	}
	return out, nil
}

func anyWindowTotal(n int) string {
	if n == 0 {
		return "false"
	}
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("Total%d != 0", i)
	}
	return strings.Join(parts, " OR ")
}

func floorTo(unix, step int64) int64 {
	q := unix / step
	if unix%step != 0 && unix < 0 {
		q--
	}
	return q * step
}

// SLIMinute is one minute's events of one SLO and tenant.
type SLIMinute struct {
	Tenant, SLO string
	Minute      int64 // Unix seconds of the minute's start
	GoodTotal
}

// SLIMinutes reads every minute of the SLOs from each one's From (a
// WindowSLI's PeriodFrom) up to now, sorted by tenant, SLO and minute: the
// input of timeslice budgeting and of SLOs with excluded intervals, whose
// windows cannot be summed from hours.
func SLIMinutes(ctx context.Context, s Store, slis []WindowSLI, now time.Time) ([]SLIMinute, error) {
	if len(slis) == 0 {
		return nil, nil
	}
	var events, metrics refArrays
	for _, w := range slis {
		if w.Metric {
			metrics.add(w.SLIRef, w.PeriodFrom)
		} else {
			events.add(w.SLIRef, w.PeriodFrom)
		}
	}
	db := QuoteIdent(s.Database())
	sql := fmt.Sprintf(`SELECT TenantId, Slo, toInt64(toUnixTimestamp(Minute)) AS M, sum(Good) AS Good, sum(Total) AS Total
FROM (
    SELECT TenantId, toString(Slo) AS Slo, Minute, toFloat64(Good) AS Good, toFloat64(Total) AS Total
    FROM %[1]s.slopipe_sli_events
    WHERE Slo IN {event_slos:Array(String)}
      AND Minute >= toDateTime(transform(toString(Slo), {event_slos:Array(String)}, {event_froms:Array(Int64)}, toInt64(0)))
      AND Minute < toDateTime({now:Int64})
    UNION ALL
    SELECT TenantId, toString(Slo) AS Slo, Minute, Good, Total
    FROM %[1]s.slopipe_sli_metric_minutes FINAL
    WHERE Slo IN {metric_slos:Array(String)}
      AND SpecHash = transform(toString(Slo), {metric_slos:Array(String)}, {metric_hashes:Array(String)}, '\x00')
      AND Minute >= toDateTime(transform(toString(Slo), {metric_slos:Array(String)}, {metric_froms:Array(Int64)}, toInt64(0)))
      AND Minute < toDateTime({now:Int64})
)
GROUP BY TenantId, Slo, M
ORDER BY TenantId, Slo, M`, db)
	rows, err := s.Query(ctx, sql, Params{
		"now":           strconv.FormatInt(now.Unix(), 10),
		"event_slos":    Param(nonNil(events.slos)),
		"event_froms":   int64Array(events.froms),
		"metric_slos":   Param(nonNil(metrics.slos)),
		"metric_hashes": Param(nonNil(metrics.hashes)),
		"metric_froms":  int64Array(metrics.froms),
	})
	if err != nil {
		return nil, fmt.Errorf("read SLI minutes: %w", err)
	}
	var out []SLIMinute
	err = ScanAll(rows, func(r Rows) error {
		var m SLIMinute
		if err := r.Scan(&m.Tenant, &m.SLO, &m.Minute, &m.Good, &m.Total); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read SLI minutes: %w", err)
	}
	return out, nil
}
