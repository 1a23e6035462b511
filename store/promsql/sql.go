package promsql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/slopipe/slopipe/store"
)

// Options shape the SQL.
type Options struct {
	// Database holds the otel_metrics_* tables; empty leaves the names
	// unqualified.
	Database string
	// MaxSampleGap is G of the package doc: the longest time between two
	// samples of a series that still makes them consecutive. 0 means 15m.
	MaxSampleGap time.Duration
	// ParamSuffix is appended to the names of the query parameters
	// ({from_3:DateTime} for "_3"), so that several SLOs' queries can share
	// one statement.
	ParamSuffix string
}

// param is the placeholder of the query parameter name.
func (o Options) param(name, typ string) string { return "{" + name + o.ParamSuffix + ":" + typ + "}" }

// DefaultMaxSampleGap is the MaxSampleGap of zero Options.
const DefaultMaxSampleGap = 15 * time.Minute

// MinutesSQL returns one SELECT of the events per tenant and minute:
//
//	TenantId String, Minute DateTime, Good Float64, Total Float64
//
// ordered by TenantId and Minute, one row for each minute in
// [{from:DateTime}, {to:DateTime}) with a sample of either side, for the
// tenants in {tenants:Array(String)} (all tenants when it is empty).
func (e *Events) MinutesSQL(o Options) string {
	if e.Threshold != nil {
		return e.Threshold.minutesSQL(o)
	}
	gap := o.MaxSampleGap
	if gap <= 0 {
		gap = DefaultMaxSampleGap
	}
	g := strconv.FormatInt(int64((gap+time.Second-1)/time.Second), 10)

	var b strings.Builder
	counted, side := e.Bad, "bad"
	if counted == nil {
		counted, side = e.Good, "good"
	}
	fmt.Fprintf(&b, "-- %s: %s\n", side, oneLine(counted.query))
	fmt.Fprintf(&b, "-- total: %s\n", oneLine(e.Total.query))
	b.WriteString("WITH\n")
	b.WriteString("-- Every sample selected; Source numbers the (selector, table) reads, so it\n")
	b.WriteString("-- is part of the series.\n")
	b.WriteString("samples AS (\n")
	source := 0
	for _, part := range []struct {
		inc   *Increase
		total bool
	}{{counted, false}, {e.Total, true}} {
		for _, s := range part.inc.selectors {
			for _, r := range s.reads() {
				source++
				if source > 1 {
					b.WriteString("    UNION ALL\n")
				}
				r.write(&b, source, part.total, s, o, g)
			}
		}
	}
	b.WriteString("),\n")
	b.WriteString(`-- Each sample with the one before it in its series.
ordered AS (
    SELECT
        IsTotal, TenantId, IsDelta, StartTimeUnix, TimeUnix, Value,
        lagInFrame(TimeUnix, 1, toDateTime(0)) OVER series AS PrevTime,
        lagInFrame(StartTimeUnix) OVER series AS PrevStart,
        lagInFrame(Value) OVER series AS PrevValue
    FROM samples
    WINDOW series AS (
        PARTITION BY Source, TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes
        ORDER BY TimeUnix, Value
        ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
),
-- What each sample adds to its counter (see the promsql package doc).
deltas AS (
    SELECT
        IsTotal, TenantId, toStartOfMinute(TimeUnix) AS Minute,
        multiIf(
            IsDelta, if(PrevTime = TimeUnix, 0, Value),
            PrevTime >= TimeUnix - INTERVAL ` + g + ` SECOND,
                if(Value < PrevValue OR (StartTimeUnix > PrevStart AND PrevStart > toDateTime(0)), Value, Value - PrevValue),
            StartTimeUnix > toDateTime(0) AND StartTimeUnix >= TimeUnix - INTERVAL ` + g + ` SECOND, Value,
            0) AS Delta
    FROM ordered
)
SELECT
    CAST(TenantId AS String) AS TenantId,
    Minute,
`)
	if side == "bad" {
		b.WriteString("    sumIf(Delta, IsTotal = 1) - sumIf(Delta, IsTotal = 0) AS Good,\n")
	} else {
		b.WriteString("    sumIf(Delta, IsTotal = 0) AS Good,\n")
	}
	b.WriteString(`    sumIf(Delta, IsTotal = 1) AS Total
FROM deltas
`)
	fmt.Fprintf(&b, "WHERE Minute >= %s AND Minute < %s\n", o.param("from", "DateTime"), o.param("to", "DateTime"))
	b.WriteString(`GROUP BY TenantId, Minute
ORDER BY TenantId, Minute
`)
	return b.String()
}

// minutesSQL is MinutesSQL of a threshold metric: each sample is an event,
// good when it passes the threshold. Samples are not differenced, so they
// are read from {from:DateTime} on and MaxSampleGap does not apply.
func (t *Threshold) minutesSQL(o Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- threshold: %s\n", oneLine(t.String()))
	b.WriteString("WITH\n")
	b.WriteString("-- Every sample selected; Source numbers the table reads, so it is part of\n")
	b.WriteString("-- the series.\n")
	b.WriteString("samples AS (\n")
	for i, r := range t.selector.reads() {
		if i > 0 {
			b.WriteString("    UNION ALL\n")
		}
		fmt.Fprintf(&b, "    -- %d: samples %s from %s\n", i+1, oneLine(t.selector.text), r.table)
		fmt.Fprintf(&b, "    SELECT\n        %d AS Source,\n", i+1)
		b.WriteString("        TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, TimeUnix,\n")
		fmt.Fprintf(&b, "        %s\n", r.valueColumn())
		r.writeFrom(&b, t.selector, o, o.param("from", "DateTime"))
	}
	b.WriteString(`),
-- One sample per series and TimeUnix: a retried write counts once; of
-- differing values, the least.
points AS (
    SELECT TenantId, toStartOfMinute(TimeUnix) AS Minute, min(Value) AS Value
    FROM samples
    GROUP BY Source, TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, TimeUnix
)
SELECT
    CAST(TenantId AS String) AS TenantId,
    Minute,
`)
	fmt.Fprintf(&b, "    toFloat64(countIf(Value %s %s)) AS Good,\n", thresholdOps[t.op], sqlFloat(t.value))
	b.WriteString(`    toFloat64(count()) AS Total
FROM points
`)
	fmt.Fprintf(&b, "WHERE Minute >= %s AND Minute < %s\n", o.param("from", "DateTime"), o.param("to", "DateTime"))
	b.WriteString(`GROUP BY TenantId, Minute
ORDER BY TenantId, Minute
`)
	return b.String()
}

// read is one table a selector reads.
type read struct {
	table   string
	value   string // SQL of the sample value
	isDelta string // SQL: whether the row has delta temporality
	valid   string // SQL: the row has a value (not NaN, not flagged missing)
	name    string // normalized MetricName to match
	skipLe  bool   // le is not a label here but picks the value
	extra   string // one more condition, or ""
}

const validValue = "NOT isNaN(Value) AND bitAnd(Flags, 1) = 0"

func (s *selector) reads() []read {
	reads := []read{
		{table: "otel_metrics_sum", value: "Value", isDelta: "AggregationTemporality = 1", valid: validValue, name: s.name},
		{table: "otel_metrics_gauge", value: "Value", isDelta: "0", valid: validValue, name: s.name},
	}
	h := read{table: "otel_metrics_histogram", isDelta: "AggregationTemporality = 1", valid: "bitAnd(Flags, 1) = 0", name: s.base}
	switch s.histogram {
	case "count":
		h.value = "toFloat64(Count)"
	case "sum":
		h.value = "Sum"
		h.valid = "NOT isNaN(Sum) AND " + h.valid
	case "bucket":
		h.skipLe = true
		if math.IsInf(s.le, 1) {
			h.value = "toFloat64(Count)"
		} else {
			bound := sqlFloat(s.le)
			h.value = "toFloat64(arraySum(arraySlice(BucketCounts, 1, indexOf(ExplicitBounds, " + bound + "))))"
			h.extra = "has(ExplicitBounds, " + bound + ")"
		}
	default:
		return reads
	}
	return append(reads, h)
}

func (r read) write(b *strings.Builder, source int, total bool, s *selector, o Options, gap string) {
	isTotal, side := 0, "events"
	if total {
		isTotal, side = 1, "total"
	}
	fmt.Fprintf(b, "    -- %d: %s %s from %s\n", source, side, oneLine(s.text), r.table)
	fmt.Fprintf(b, "    SELECT\n        %d AS Source, %d AS IsTotal,\n", source, isTotal)
	b.WriteString("        TenantId, MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, StartTimeUnix, TimeUnix,\n")
	fmt.Fprintf(b, "        %s, %s AS IsDelta\n", r.valueColumn(), r.isDelta)
	r.writeFrom(b, s, o, o.param("from", "DateTime")+" - INTERVAL "+gap+" SECOND")
}

// valueColumn is the SELECT item of the sample value, named Value.
func (r read) valueColumn() string {
	if r.value == "Value" {
		return r.value
	}
	return r.value + " AS Value"
}

// writeFrom writes the FROM and WHERE of one read: the rows of the
// selector's series with a value, their TimeUnix in [since, {to:DateTime}).
func (r read) writeFrom(b *strings.Builder, s *selector, o Options, since string) {
	table := store.QuoteIdent(r.table)
	if o.Database != "" {
		table = store.QuoteIdent(o.Database) + "." + table
	}
	fmt.Fprintf(b, "    FROM %s\n", table)
	fmt.Fprintf(b, "    WHERE TimeUnix >= %s AND TimeUnix < %s\n", since, o.param("to", "DateTime"))
	tenants := o.param("tenants", "Array(String)")
	fmt.Fprintf(b, "        AND (empty(%s) OR TenantId IN %s)\n", tenants, tenants)
	if prefix, _, _ := strings.Cut(r.name, "_"); prefix != "" {
		// Normalization keeps the characters before the first "_", so this
		// prefix narrows MetricName in the primary key.
		fmt.Fprintf(b, "        AND startsWith(MetricName, %s)\n", store.QuoteString(prefix))
	}
	fmt.Fprintf(b, "        AND %s = %s\n", store.NormalizedMetricName, store.QuoteString(r.name))
	for _, cond := range r.matchers(s.groups) {
		fmt.Fprintf(b, "        AND %s\n", cond)
	}
	if r.extra != "" {
		fmt.Fprintf(b, "        AND %s\n", r.extra)
	}
	fmt.Fprintf(b, "        AND %s\n", r.valid)
}

// matchers are the SQL conditions of a selector's matcher groups, to be
// joined with AND.
func (r read) matchers(groups [][]matcher) []string {
	var ors []string
	for _, g := range groups {
		var ands []string
		for _, m := range g {
			if r.skipLe && m.label == "le" {
				continue
			}
			ands = append(ands, m.sql())
		}
		switch {
		case len(groups) == 1:
			return ands
		case len(ands) == 0:
			return nil // this group selects every series of the name
		case len(ands) == 1:
			ors = append(ors, ands[0])
		default:
			ors = append(ors, "("+strings.Join(ands, " AND ")+")")
		}
	}
	return []string{"(" + strings.Join(ors, " OR ") + ")"}
}

func (m matcher) sql() string {
	v := labelSQL(m.label)
	switch m.op {
	case "=":
		return v + " = " + store.QuoteString(m.value)
	case "!=":
		return v + " != " + store.QuoteString(m.value)
	case "=~":
		return "match(" + v + ", " + store.QuoteString("^(?:"+m.value+")$") + ")"
	default:
		return "NOT match(" + v + ", " + store.QuoteString("^(?:"+m.value+")$") + ")"
	}
}

// labelSQL is the SQL of a Prometheus label's value on a row.
func labelSQL(label string) string {
	switch label {
	case "job":
		return "ServiceName"
	case "instance":
		return "ResourceAttributes['service.instance.id']"
	}
	l := store.QuoteString(label)
	return "if(mapContains(Attributes, " + l + "), Attributes[" + l + "], ResourceAttributes[" + l + "])"
}

// sqlFloat writes a finite number (a bucket bound, a threshold) as a Float64
// literal.
func sqlFloat(f float64) string {
	return "toFloat64(" + strconv.FormatFloat(f, 'g', -1, 64) + ")"
}

// oneLine keeps a PromQL text on one comment line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
