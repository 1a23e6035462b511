// Package promsql compiles the PromQL of SLO specs into ClickHouse SQL that
// counts SLI events per tenant and minute.
//
// SLO specs describe their events in PromQL: Sloth's error_query and
// total_query (or sli.raw.error_ratio_query), OpenSLO's Prometheus metric
// sources. slopipe has no Prometheus; the samples those queries select sit in
// the OpenTelemetry metric tables (otel_metrics_sum, otel_metrics_gauge,
// otel_metrics_histogram). This package turns such a query into one SELECT
// that returns, for every tenant and minute, how much the selected counters
// increased in that minute — or, for an OpenSLO threshold metric, how many
// samples the selected gauges had in that minute and how many of them passed
// the threshold. The SLO evaluator stores those increments and sums
// windows out of them, so the windows written in the PromQL are ignored:
// rate(x[5m]), rate(x[1h]), increase(x[30d]) and a bare counter x all mean
// "the per-minute increase of counter x".
//
// It is not a PromQL engine. It accepts the few forms that count events and
// refuses everything else with an *UnsupportedError naming the construct:
//
//	events    := sum(inner) | sum by (…) (inner) | sum without (…) (inner) | inner
//	inner     := rate(sel[…]) | increase(sel[…]) | sel | events + events | (events)
//	ratio     := events / events | 1 - (events / events)   (error ratio queries only)
//	threshold := sel                                       (threshold metrics only)
//
// Grouping labels are accepted and do not change the result: the evaluator
// needs one value per tenant, the sum over all groups. "+" adds both sides
// whether or not their label sets match, and a side with no series counts 0.
// All the counters of one SLO must be read the same way (all rate, all
// increase, or all bare counters): a ratio that mixes them would depend on the
// window.
//
// # Series
//
// A selector needs an exact metric name. Names match after Prometheus
// normalization: every character of MetricName outside [a-zA-Z0-9_:] becomes
// "_", so http_server_requests (or {"http.server.requests"}) selects the OTLP
// metric http.server.requests. A name is read from otel_metrics_sum and
// otel_metrics_gauge (Prometheus remote write puts counters without metadata in
// the gauge table), and from otel_metrics_histogram when it ends in
// _bucket (the cumulative count of the buckets up to the selector's le="…",
// Count for le="+Inf"; rows whose bounds lack that le are skipped), _count
// (Count) or _sum (Sum). A _bucket selector needs exactly one le matcher, and
// it must be "="; against OTLP bounds it compares as a number, against the
// le label of a remote-written classic histogram as the string written.
//
// Labels: job is ServiceName, instance is ResourceAttributes['service.instance.id'],
// __name__ is the metric name, and any other label l is Attributes[l] when the
// key exists, else ResourceAttributes[l]. An absent label is the empty string,
// as in Prometheus; regular expressions are fully anchored.
//
// # Increase
//
// A series is one (TenantId, table, MetricName, ServiceName,
// ResourceAttributes, ScopeName, Attributes), and for histogram reads the
// derived value. Its samples are taken in TimeUnix order, skipping NaN values
// (Prometheus staleness markers) and points flagged "no recorded value". Each
// sample gets a delta, counted in the minute toStartOfMinute(TimeUnix):
//
//   - delta temporality (AggregationTemporality = 1): the value itself;
//     a second sample at the same TimeUnix (a retried write) counts 0;
//   - otherwise, when the previous sample is at most G (Options.MaxSampleGap,
//     default 15m) older: value − previous, unless the counter reset (value
//     below the previous one, or a later StartTimeUnix, both non-zero), in
//     which case the value (it restarted from 0);
//   - otherwise, when StartTimeUnix is non-zero and at most G before TimeUnix:
//     the value (a counter that started recently);
//   - otherwise 0: there is nothing to take a difference from, as in
//     Prometheus, where an increase needs two samples.
//
// Duplicate cumulative samples (same series and TimeUnix) differ by 0 and so
// count nothing. Because a delta needs at most the samples of the G before it,
// the query reads samples from [from − G, to) and returns the minutes in
// [from, to): computing a range in pieces gives the same minutes as computing
// it at once. from and to are meant to be whole minutes.
//
// Good = Total − Bad when the SLO counts bad events; a minute may then have a
// negative Good (bad events counted before their totals), which evens out over
// any window.
//
// # Threshold metrics
//
// An OpenSLO thresholdMetric (CompileThreshold) is one plain selector of
// gauge samples and a threshold: op (lt, lte, gt or gte) and value from the
// SLO's objective. Every sample of the selected series is an event, counted
// in the minute toStartOfMinute(TimeUnix): Total is the number of samples in
// the minute, Good those whose value satisfies value <op> threshold (with
// op lte and threshold 0.3, a sample of 0.25 is good, one of 0.31 bad). The
// budgeting methods then apply unchanged: Occurrences compares good samples
// with samples, Timeslices counts the slices whose ratio of good samples
// reaches the timeslice target. Functions, aggregations, operators, ranges
// and modifiers are refused: the query must select the samples themselves.
//
// The series, tables and labels are those above: an OTLP gauge or
// UpDownCounter (otel_metrics_gauge, otel_metrics_sum), a remote-written
// gauge, or a histogram's _bucket, _count or _sum as the cumulative value it
// exports. Values are taken as they are, with no delta: NaN samples and
// points flagged "no recorded value" are skipped, and samples of one series
// at one TimeUnix (retried writes) count once, with the least of their
// values. A minute needs only its own samples, so the query reads
// [from, to) and MaxSampleGap does not apply.
//
// # Usage totals
//
// The cost extension weighs tenants' shares of a shared cost by usage
// measured the same way: an events expression (CompileIncrease), e.g.
// sum(rate(container_cpu_usage_seconds_total[5m])), whose
// TenantTotalsSQL sums the per-minute increases above over the minutes
// of [from, to) into one Total per tenant — for a counter of CPU seconds
// and a day, the CPU seconds each tenant used that day. The samples are
// read once and the rules are those of MinutesSQL's Total, so totals of
// adjacent ranges add up to the total of both; store.MetricUsage runs it.
package promsql
