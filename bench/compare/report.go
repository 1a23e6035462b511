package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// stat is the median and spread of one quantity over a configuration's runs.
type stat struct{ median, min, max float64 }

func statOf(runs []run, f func(run) float64) stat {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	slices.Sort(v)
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return stat{median: m, min: v[0], max: v[len(v)-1]}
}

// format prints the median and, over several runs, the min–max spread.
func (s stat) format(unit func(float64) string) string {
	if s.min == s.max {
		return unit(s.median)
	}
	return fmt.Sprintf("%s (%s–%s)", unit(s.median), unit(s.min), unit(s.max))
}

// count groups thousands: 1 234 567.
func count(v float64) string {
	s := fmt.Sprintf("%.0f", math.Round(v))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(" ")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func millis(v float64) string { return fmt.Sprintf("%.1f ms", v) }
func mebibytes(v float64) string {
	return fmt.Sprintf("%.0f MiB", v/(1<<20))
}
func cores(v float64) string   { return fmt.Sprintf("%.2f", v) }
func seconds(v float64) string { return fmt.Sprintf("%.1f s", v) }

func latency(p float64) func(run) float64 {
	return func(r run) float64 { return float64(r.load.Percentile(p)) / float64(time.Millisecond) }
}

// rowsCheck says whether every run's rows equal what the target accepted.
func rowsCheck(runs []run) string {
	bad := 0
	for _, r := range runs {
		if r.rows != r.load.Accepted {
			bad++
		}
	}
	if bad == 0 {
		return fmt.Sprintf("= accepted (%d/%d)", len(runs), len(runs))
	}
	return fmt.Sprintf("**≠ accepted in %d/%d**", bad, len(runs))
}

func (rep *report) markdown() string {
	o := rep.opts
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	p("## slopipe vs the collector-contrib ClickHouse exporter\n\n")
	p("Produced by `bench/compare`, run as:\n\n    %s\n\n", o.command)
	p("Date: %s. Machine: %s.\n\n", o.startedAt, machine())
	p("Load: %d senders per run, each sending requests of %d items back to back, %s, over %d tenants (`X-Scope-OrgID`); "+
		"every item carries the same 10 HTTP-server attributes and 6 resource attributes. Runs of each configuration: %d, "+
		"each with fresh processes and an empty store; the table gives the median and the min–max spread. "+
		"The load generator, the collectors and the engine share all %s's cores, so the load generator's own CPU (a column below) is not available to either side; other CPU is what else kept the machine busy during a run (from /proc/stat): "+
		"a run with much of it competed with work outside the benchmark, and its numbers are lower for it.\n\n",
		o.senders, o.batch, o.loadBound(), len(o.tenants), o.runs, "the machine")
	p("Sides: **slopipe** is `bin/slopipe` with its built-in configuration (tenant processor, memory limiter, SLI counting, " +
		"persistent sending queue, the engine embedded in the same process; its self-telemetry export moved out of the run). " +
		"**reference** is `bench/reference` (OTLP receiver → batch processor → contrib `clickhouseexporter` with its defaults but for slopipe's insert timeout and batch sizes, since the engine, unlike a server, writes a part per insert: bench/reference/README.md) " +
		"exporting over ClickHouse's HTTP interface to `bench/engineserver`, the same embedded engine (libchdb) served by `store/chhttp`. " +
		"**slopipe, in-memory queue** (unless `-memory-queue=false`) is `bin/slopipe` with `--set exporters::clickhouse::sending_queue::storage=null`: " +
		"what it accepted waits in memory until stored, as in the reference, instead of in its persistent queue; the difference is what that durability costs. " +
		"CPU seconds (utime+stime from /proc) are those of every process of a side — slopipe's one process; the reference collector plus its engine server — " +
		"from just before the load until the rows it accepted had landed; rows are counted in the store. " +
		"Items per CPU-second (per core) credits the rows stored, but never more than the side accepted: rows beyond that are duplicates of a retried insert. " +
		"Accepted items/s is what the side answered OK to over the load; stored items/s is the rows over the time from the start of the load to the last row, " +
		"lower when a side queues what it accepted.\n\n")

	p("### Items stored per CPU-second (per core)\n\n")
	p("slopipe as shipped keeps what it accepted in a persistent queue on disk; %s keeps it in memory, as the reference does. "+
		"The last two columns leave the reference's engine server out: its collector alone against the whole of slopipe, engine included.\n\n", slopipeMemoryQueueName)
	p("| signal | transport | slopipe | reference | slopipe / reference | %s | its ratio to reference | reference's collector alone | slopipe / reference's collector alone |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n", slopipeMemoryQueueName)
	for _, c := range rep.order {
		if c.side != slopipeName {
			continue
		}
		ref, memq := c, c
		ref.side, memq.side = referenceName, slopipeMemoryQueueName
		sp, rr := rep.comparison[c], rep.comparison[ref]
		if len(rr) == 0 {
			continue
		}
		s := statOf(sp, run.itemsPerCPUSecond)
		r := statOf(rr, run.itemsPerCPUSecond)
		rc := statOf(rr, run.itemsPerCollectorCPUSecond)
		memqPerCPU, memqRatio := "—", "—"
		if mq := rep.comparison[memq]; len(mq) > 0 {
			m := statOf(mq, run.itemsPerCPUSecond)
			memqPerCPU, memqRatio = m.format(count), ratio(m, r)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.signal, c.transport, s.format(count), r.format(count), ratio(s, r),
			memqPerCPU, memqRatio, rc.format(count), ratio(s, rc))
	}

	p("\n### Every configuration\n\n")
	p("| signal | transport | side | items sent | items accepted | rows counted | accepted items/s | stored items/s | items/CPU-s | CPU s | of which the engine server | load generator CPU s | other CPU s on the machine | rows landed after load | p50 latency | p99 latency | peak RSS | refused / failed requests |\n")
	p("|---|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range rep.order {
		rs := rep.comparison[c]
		p("| %s | %s | %s | %s | %s | %s %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			c.signal, c.transport, c.side,
			statOf(rs, func(r run) float64 { return float64(r.load.Sent) }).format(count),
			statOf(rs, func(r run) float64 { return float64(r.load.Accepted) }).format(count),
			statOf(rs, func(r run) float64 { return float64(r.rows) }).format(count), rowsCheck(rs),
			statOf(rs, func(r run) float64 { return r.load.AcceptedPerSecond() }).format(count),
			statOf(rs, run.storedPerSecond).format(count),
			statOf(rs, run.itemsPerCPUSecond).format(count),
			statOf(rs, func(r run) float64 { return r.cpu }).format(cores),
			engineCPU(rs),
			statOf(rs, func(r run) float64 { return r.loadCPU }).format(cores),
			statOf(rs, func(r run) float64 { return r.otherCPU }).format(cores),
			statOf(rs, func(r run) float64 { return r.landed.Seconds() }).format(seconds),
			statOf(rs, latency(0.50)).format(millis),
			statOf(rs, latency(0.99)).format(millis),
			statOf(rs, func(r run) float64 { return float64(r.rss) }).format(mebibytes),
			refusals(rs))
	}
	if firstErr := firstError(rep); firstErr != "" {
		p("\nFirst request error seen: `%s`\n", firstErr)
	}

	if len(rep.scalingOrder) > 0 {
		c0 := rep.scalingOrder[0]
		p("\n### Load scaling: slopipe, %s over %s\n\n", c0.signal, c0.transport)
		p("Cores busy is slopipe's CPU seconds over the wall time from the start of the load to the last row.\n\n")
		p("| senders | accepted items/s | stored items/s | items/CPU-s | cores busy | p50 latency | p99 latency | peak RSS | rows counted |\n")
		p("|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for _, c := range rep.scalingOrder {
			rs := rep.scaling[c]
			p("| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.senders,
				statOf(rs, func(r run) float64 { return r.load.AcceptedPerSecond() }).format(count),
				statOf(rs, run.storedPerSecond).format(count),
				statOf(rs, run.itemsPerCPUSecond).format(count),
				statOf(rs, func(r run) float64 { return r.cpu / r.wall.Seconds() }).format(cores),
				statOf(rs, latency(0.50)).format(millis),
				statOf(rs, latency(0.99)).format(millis),
				statOf(rs, func(r run) float64 { return float64(r.rss) }).format(mebibytes),
				rowsCheck(rs))
		}
	}
	return b.String()
}

// ratio is a over b's medians, "—" without b.
func ratio(a, b stat) string {
	if b.median <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.2fx", a.median/b.median)
}

// engineCPU is the engine server's CPU seconds, or says the engine ran in
// the side's one process.
func engineCPU(runs []run) string {
	if runs[0].engineCPU < 0 {
		return "in process"
	}
	return statOf(runs, func(r run) float64 { return r.engineCPU }).format(cores)
}

func refusals(runs []run) string {
	var refused, failed int64
	for _, r := range runs {
		refused += r.load.Refused
		failed += r.load.Failed
	}
	return fmt.Sprintf("%d / %d", refused, failed)
}

func firstError(rep *report) string {
	for _, c := range rep.order {
		for _, r := range rep.comparison[c] {
			if r.load.FirstError != "" {
				return fmt.Sprintf("%s %s %s: %.200s", c.side, c.signal, c.transport, r.load.FirstError)
			}
		}
	}
	return ""
}

// loadBound says what ends a run's load.
func (o options) loadBound() string {
	switch {
	case o.items > 0 && o.duration > 0:
		return fmt.Sprintf("%s items or %s, whichever comes first", count(float64(o.items)), o.duration)
	case o.items > 0:
		return fmt.Sprintf("%s items in all", count(float64(o.items)))
	}
	return "for " + o.duration.String()
}
