package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
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
			// Grouped by the stored name first: the name is normalized
			// once per metric, not once per sample.
			parts = append(parts, fmt.Sprintf(`SELECT 1 AS Metric, TenantId, %s AS Key, Earliest
FROM (SELECT TenantId, MetricName, min(TimeUnix) AS Earliest FROM %s.%s
      WHERE InsertedAt >= toDateTime({since:Int64}) GROUP BY TenantId, MetricName)
WHERE Key IN {names:Array(String)}`, NormalizedMetricName, db, QuoteIdent(t)))
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
// Tenants (all when empty). MinutesSQL gives the SELECT of TenantId, Minute,
// Good and Total (store/promsql compiles it) with the query parameters
// {from<suffix>:DateTime}, {to<suffix>:DateTime} and
// {tenants<suffix>:Array(String)}, so that several jobs share a statement.
type MetricMinutesJob struct {
	SLO, SpecHash string
	MinutesSQL    func(paramSuffix string) string
	From, To      time.Time
	Tenants       []string
}

// maxStatementBytes keeps an INSERT … SELECT of many jobs under the
// engine's max_query_size (256 KiB): a statement per SLO would cost a
// round trip per SLO, one for thousands would be refused.
const maxStatementBytes = 192 << 10

// RecomputeMetricMinutes writes the jobs' minutes into
// slopipe_sli_metric_minutes, replacing earlier answers for them. On a
// cluster the rows reach every shard before it returns: the same cycle's
// hours are summed from them next.
func RecomputeMetricMinutes(ctx context.Context, s Store, jobs []MetricMinutesJob, computedAt time.Time) error {
	ctx = foregroundInserts(ctx, s)
	head := "INSERT INTO " + QuoteIdent(s.Database()) + ".slopipe_sli_metric_minutes (TenantId, Slo, SpecHash, Minute, Good, Total, ComputedAt)\n"
	params := Params{}
	var selects []string
	size := 0
	flush := func() error {
		if len(selects) == 0 {
			return nil
		}
		params["computed_at"] = strconv.FormatInt(computedAt.UnixMilli(), 10)
		if err := s.Exec(ctx, head+strings.Join(selects, "\nUNION ALL\n"), params); err != nil {
			return fmt.Errorf("recompute PromQL SLI minutes: %w", err)
		}
		params, selects, size = Params{}, nil, 0
		return nil
	}
	selectOf := func(j MetricMinutesJob, suffix string) string {
		return fmt.Sprintf("SELECT TenantId, {slo%[1]s:String}, {hash%[1]s:String}, Minute, Good, Total, fromUnixTimestamp64Milli({computed_at:Int64})\nFROM (\n%[2]s\n)",
			suffix, j.MinutesSQL(suffix))
	}
	for _, j := range jobs {
		suffix := "_" + strconv.Itoa(len(selects))
		sel := selectOf(j, suffix)
		if size > 0 && size+len(sel) > maxStatementBytes {
			if err := flush(); err != nil {
				return err
			}
			suffix = "_0"
			sel = selectOf(j, suffix)
		}
		params["from"+suffix] = strconv.FormatInt(j.From.Unix(), 10)
		params["to"+suffix] = strconv.FormatInt(j.To.Unix(), 10)
		params["tenants"+suffix] = Param(j.Tenants)
		params["slo"+suffix] = j.SLO
		params["hash"+suffix] = j.SpecHash
		selects = append(selects, sel)
		size += len(sel)
	}
	return flush()
}

// SLIRef names one SLO's rows: span and log SLIs by name (Metric false,
// SpecHash empty), PromQL SLIs by name and SpecHash.
type SLIRef struct {
	SLO      string
	SpecHash string
	Metric   bool
}

// HoursJob recomputes one SLI's hours from the hour holding From on, for
// Tenants (all when empty): late data of one tenant rereads that tenant's
// minutes only.
type HoursJob struct {
	SLIRef
	From    time.Time
	Tenants []string
}

// RecomputeSLIHours rewrites slopipe_sli_hours from the minutes, for each
// job's hours from From up to to. An SLO appears in one job at most. On a
// cluster the rows reach every shard before it returns: the same cycle's
// evaluation reads them.
func RecomputeSLIHours(ctx context.Context, s Store, jobs []HoursJob, to, computedAt time.Time) error {
	ctx = foregroundInserts(ctx, s)
	if len(jobs) == 0 {
		return nil
	}
	var events, metrics refArrays
	var restricted []string
	var sloTenants [][2]string
	for _, j := range jobs {
		if j.Metric {
			metrics.add(j.SLIRef, j.From)
		} else {
			events.add(j.SLIRef, j.From)
		}
		if len(j.Tenants) > 0 {
			restricted = append(restricted, j.SLO)
			for _, t := range j.Tenants {
				sloTenants = append(sloTenants, [2]string{j.SLO, t})
			}
		}
	}
	db := QuoteIdent(s.Database())
	sql := fmt.Sprintf(`INSERT INTO %[1]s.slopipe_sli_hours (TenantId, Slo, SpecHash, Hour, Good, Total, ComputedAt)
SELECT TenantId, Slo, SpecHash, toStartOfHour(Minute) AS Hour, sum(Good), sum(Total), fromUnixTimestamp64Milli({computed_at:Int64})
FROM (
    SELECT TenantId, Slo, '' AS SpecHash, Minute, toFloat64(Good) AS Good, toFloat64(Total) AS Total
    FROM %[1]s.slopipe_sli_events
    WHERE Slo IN {event_slos:Array(String)}
      AND Minute >= toStartOfHour(toDateTime({event_earliest:Int64}))
      AND Minute >= toStartOfHour(toDateTime(transform(toString(Slo), {event_slos:Array(String)}, {event_froms:Array(Int64)}, toInt64(0))))
      AND Minute < toDateTime({to:Int64})
      AND (NOT has({restricted:Array(String)}, toString(Slo)) OR (toString(Slo), toString(TenantId)) IN {slo_tenants:Array(Tuple(String, String))})
    UNION ALL
    SELECT TenantId, Slo, SpecHash, Minute, Good, Total
    FROM %[1]s.slopipe_sli_metric_minutes FINAL
    WHERE Slo IN {metric_slos:Array(String)}
      AND SpecHash = transform(toString(Slo), {metric_slos:Array(String)}, {metric_hashes:Array(String)}, '')
      AND Minute >= toStartOfHour(toDateTime({metric_earliest:Int64}))
      AND Minute >= toStartOfHour(toDateTime(transform(toString(Slo), {metric_slos:Array(String)}, {metric_froms:Array(Int64)}, toInt64(0))))
      AND Minute < toDateTime({to:Int64})
      AND (NOT has({restricted:Array(String)}, toString(Slo)) OR (toString(Slo), toString(TenantId)) IN {slo_tenants:Array(Tuple(String, String))})
)
GROUP BY TenantId, Slo, SpecHash, Hour`, db)
	params := sliParams(events, metrics)
	params["computed_at"] = strconv.FormatInt(computedAt.UnixMilli(), 10)
	params["to"] = strconv.FormatInt(to.Unix(), 10)
	params["restricted"] = Param(restricted)
	params["slo_tenants"] = Param(sloTenants)
	err := s.Exec(ctx, sql, params)
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

// sliParams binds span/log SLIs (events) and PromQL SLIs (metrics) with
// their starts: {event_slos}, {event_froms}, {metric_slos},
// {metric_hashes}, {metric_froms}, and the earliest start of each as a
// plain bound the sorting key can use.
func sliParams(events, metrics refArrays) Params {
	return Params{
		"event_slos":      Param(events.slos),
		"event_froms":     Param(events.froms),
		"metric_slos":     Param(metrics.slos),
		"metric_hashes":   Param(metrics.hashes),
		"metric_froms":    Param(metrics.froms),
		"event_earliest":  strconv.FormatInt(events.earliest(), 10),
		"metric_earliest": strconv.FormatInt(metrics.earliest(), 10),
	}
}

// earliest is the earliest from, 0 when there is none.
func (a *refArrays) earliest() int64 {
	if len(a.froms) == 0 {
		return 0
	}
	return slices.Min(a.froms)
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
	var events refArrays
	earliest := nowUnix
	periods := map[int64][]string{} // SLOs by period start
	for _, w := range slis {
		if !w.Metric {
			events.add(w.SLIRef, w.PeriodFrom)
		}
		from := w.PeriodFrom.Unix()
		earliest = min(earliest, from)
		periods[from] = append(periods[from], w.SLO)
	}
	// Each window's conditions on hour rows and on minute rows, and the
	// minutes any window needs.
	var splits []windowSplit
	var minuteRanges [][2]int64
	for _, l := range lengths {
		from := nowUnix - int64(l/time.Second)
		earliest = min(earliest, from)
		splits = append(splits, splitWindow(from, nowUnix))
	}
	periodStarts := slices.Sorted(maps.Keys(periods))
	periodSplits := make([]windowSplit, len(periodStarts))
	for i, from := range periodStarts {
		periodSplits[i] = splitWindow(from, nowUnix)
	}
	for _, w := range append(slices.Clone(splits), periodSplits...) {
		minuteRanges = append(append(minuteRanges, w.plus...), w.minus...)
	}
	// sums is the select list of one branch of the union: hour rows or
	// minute rows, each summed per tenant and SLO before the branches are
	// added up, so that a branch's conditions are a few integer comparisons.
	sums := func(hourRows bool) string {
		var out []string
		for i, w := range splits {
			out = append(out, fmt.Sprintf("toFloat64(%s) AS Good%d, toFloat64(%s) AS Total%d",
				w.condition("Good", hourRows), i, w.condition("Total", hourRows), i))
		}
		var goods, totals []string
		for i, w := range periodSplits {
			good, total := w.condition("Good", hourRows), w.condition("Total", hourRows)
			if len(periods) > 1 {
				in := fmt.Sprintf("transform(toString(Slo), {period_slos:Array(String)}, {period_of:Array(Int64)}, toInt64(-1)) = %d", i)
				good = fmt.Sprintf("if(%s, %s, 0)", in, good)
				total = fmt.Sprintf("if(%s, %s, 0)", in, total)
			}
			goods, totals = append(goods, good), append(totals, total)
		}
		out = append(out, fmt.Sprintf("toFloat64(%s) AS GoodPeriod, toFloat64(%s) AS TotalPeriod", strings.Join(goods, " + "), strings.Join(totals, " + ")))
		return strings.Join(out, ",\n        ")
	}
	var totals []string
	for i := range lengths {
		totals = append(totals, fmt.Sprintf("sum(Good%[1]d) AS Good%[1]d, sum(Total%[1]d) AS Total%[1]d", i))
	}
	totals = append(totals, "sum(GoodPeriod) AS GoodPeriod, sum(TotalPeriod) AS TotalPeriod")
	edgeMinutes := minutesIn(minuteRanges)

	db := QuoteIdent(s.Database())
	sql := fmt.Sprintf(`SELECT TenantId, toString(Slo) AS Slo,
    %[2]s
FROM (
    SELECT TenantId, Slo,
        %[5]s
    FROM %[1]s.slopipe_sli_hours FINAL
    WHERE (Slo, SpecHash) IN {slo_hashes:Array(Tuple(String, String))}
      AND Hour >= toStartOfHour(toDateTime({earliest:Int64})) AND Hour < toDateTime({now:Int64})
    GROUP BY TenantId, Slo
    UNION ALL
    -- Rows of a minute not merged yet add up like merged ones.
    SELECT TenantId, Slo,
        %[6]s
    FROM (SELECT TenantId, Slo, toUnixTimestamp(Minute) AS T, Good, Total FROM %[1]s.slopipe_sli_events
          WHERE Slo IN {event_slos:Array(String)} AND (%[4]s))
    GROUP BY TenantId, Slo
    UNION ALL
    SELECT TenantId, Slo,
        %[6]s
    FROM (SELECT TenantId, Slo, toUnixTimestamp(Minute) AS T, Good, Total FROM %[1]s.slopipe_sli_metric_minutes FINAL
          WHERE (Slo, SpecHash) IN {slo_hashes:Array(Tuple(String, String))} AND (%[4]s))
    GROUP BY TenantId, Slo
)
GROUP BY TenantId, Slo
HAVING TotalPeriod != 0 OR %[3]s
ORDER BY TenantId, Slo`, db, strings.Join(totals, ",\n    "), anyWindowTotal(len(lengths)), edgeMinutes, sums(true), sums(false))
	pairs := make([][2]string, 0, len(slis))
	for _, w := range slis {
		pairs = append(pairs, [2]string{w.SLO, w.SpecHash})
	}
	// Which period each SLO's is, by index into periodStarts.
	var periodSLOs []string
	var periodOf []int64
	for i, from := range periodStarts {
		for _, name := range periods[from] {
			periodSLOs, periodOf = append(periodSLOs, name), append(periodOf, int64(i))
		}
	}
	rows, err := s.Query(ctx, sql, Params{
		"now":         strconv.FormatInt(nowUnix, 10),
		"period_slos": Param(periodSLOs),
		"period_of":   Param(periodOf),
		"earliest":    strconv.FormatInt(earliest, 10),
		"slo_hashes":  Param(pairs),
		"event_slos":  Param(events.slos),
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

// windowSplit is how a window [from, now) is summed from slopipe_sli_hours
// and the minute tables: the hour rows in hours, plus the minutes in plus,
// less the minutes in minus (Unix seconds, [from, to) ranges). The current
// hour's row holds exactly the minutes before now: the evaluator recomputes
// it up to now just before summing.
type windowSplit struct {
	hours       [][2]int64
	plus, minus [][2]int64
}

// splitWindow reads as few minutes as it can: an edge of the window inside
// an hour is either the minutes from the edge to the hour's end, or the
// hour's row less the minutes before the edge, whichever is fewer.
func splitWindow(from, now int64) windowSplit {
	if from >= now {
		return windowSplit{}
	}
	current := floorTo(now, 3600)
	var w windowSplit
	start := floorTo(from, 3600)
	if start < from {
		end := min(start+3600, now)
		if end-from <= from-start {
			w.plus = append(w.plus, [2]int64{from, end})
			start += 3600
		} else {
			w.minus = append(w.minus, [2]int64{start, from})
		}
	}
	if start <= current && start < now {
		w.hours = append(w.hours, [2]int64{start, current + 3600})
	}
	return w
}

// condition is the window's sum over the rows of one branch of the query:
// hour rows (Hour) or minute rows (T, Unix seconds) — integer comparisons
// with constants, cheap per row.
func (w windowSplit) condition(value string, hourRows bool) string {
	ranges := func(column string, rs [][2]int64) string {
		if len(rs) == 0 {
			return "false"
		}
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = fmt.Sprintf("(%[1]s >= %[2]d AND %[1]s < %[3]d)", column, r[0], r[1])
		}
		return strings.Join(parts, " OR ")
	}
	if hourRows {
		return fmt.Sprintf("sumIf(%s, %s)", value, ranges("toUnixTimestamp(Hour)", w.hours))
	}
	if len(w.minus) == 0 {
		return fmt.Sprintf("sumIf(%s, %s)", value, ranges("T", w.plus))
	}
	return fmt.Sprintf("sumIf(%[1]s, %[2]s) - sumIf(%[1]s, %[3]s)", value, ranges("T", w.plus), ranges("T", w.minus))
}

// minutesIn is a condition on Minute selecting the minutes that start in any
// of the ranges (Unix seconds, [from, to)), merged where they overlap: plain
// ranges, so the table's sorting key narrows what is read.
func minutesIn(ranges [][2]int64) string {
	slices.SortFunc(ranges, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
	var merged [][2]int64
	for _, r := range ranges {
		if n := len(merged); n > 0 && r[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], r[1])
			continue
		}
		merged = append(merged, r)
	}
	if len(merged) == 0 {
		return "false"
	}
	parts := make([]string, len(merged))
	for i, r := range merged {
		parts[i] = fmt.Sprintf("Minute >= toDateTime(%d) AND Minute < toDateTime(%d)", r[0], r[1])
	}
	return "(" + strings.Join(parts, ") OR (") + ")"
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
      AND Minute >= toDateTime({event_earliest:Int64})
      AND Minute >= toDateTime(transform(toString(Slo), {event_slos:Array(String)}, {event_froms:Array(Int64)}, toInt64(0)))
      AND Minute < toDateTime({now:Int64})
    UNION ALL
    SELECT TenantId, toString(Slo) AS Slo, Minute, Good, Total
    FROM %[1]s.slopipe_sli_metric_minutes FINAL
    WHERE Slo IN {metric_slos:Array(String)}
      AND SpecHash = transform(toString(Slo), {metric_slos:Array(String)}, {metric_hashes:Array(String)}, '\x00')
      AND Minute >= toDateTime({metric_earliest:Int64})
      AND Minute >= toDateTime(transform(toString(Slo), {metric_slos:Array(String)}, {metric_froms:Array(Int64)}, toInt64(0)))
      AND Minute < toDateTime({now:Int64})
)
GROUP BY TenantId, Slo, M
ORDER BY TenantId, Slo, M`, db)
	params := sliParams(events, metrics)
	params["now"] = strconv.FormatInt(now.Unix(), 10)
	rows, err := s.Query(ctx, sql, params)
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
