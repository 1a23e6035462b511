package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/slopipe/slopipe/bench/loadgen"
)

// run is one measurement of one side.
type run struct {
	load loadgen.Result
	// rows counted in the store once they stopped arriving.
	rows int64
	// cpu seconds of the side's processes from before the load until the
	// rows had landed; wall is that same span.
	cpu  float64
	wall time.Duration
	// engineCPU is the part of cpu used by a process that only runs the
	// engine (the reference's engine server); -1 when the engine shares
	// the collector's process.
	engineCPU float64
	// landed is the time from the end of the load to the last row.
	landed time.Duration
	// rss is the sum of the side's processes' peak resident sets.
	rss int64
	// loadCPU is this process's CPU seconds over the same span: the load
	// generator's share of the machine, taken from both sides alike.
	loadCPU float64
	// startup is the time the side took to take OTLP, not measured else.
	startup time.Duration
	// otherCPU is the machine's busy CPU over the same span beyond the
	// side's and the load generator's: other work on the machine that
	// competed with the measurement.
	otherCPU float64
}

// delivered is what the side both accepted and stored: rows beyond what
// it accepted are duplicates (an insert retried after it had succeeded),
// work done but not credited.
func (r run) delivered() int64 { return min(r.rows, r.load.Accepted) }

func (r run) itemsPerCPUSecond() float64 {
	if r.cpu <= 0 {
		return 0
	}
	return float64(r.delivered()) / r.cpu
}

// itemsPerCollectorCPUSecond leaves the engine-only process's CPU out: what
// the collector alone costs per row stored. For a side with the engine
// inside, the same as itemsPerCPUSecond.
func (r run) itemsPerCollectorCPUSecond() float64 {
	collector := r.cpu - max(r.engineCPU, 0)
	if collector <= 0 {
		return 0
	}
	return float64(r.delivered()) / collector
}

// storedPerSecond is the rate rows landed at, from the start of the load
// to the last row: below the accepted rate when a side queues.
func (r run) storedPerSecond() float64 {
	span := r.load.Elapsed + r.landed
	if span <= 0 {
		return 0
	}
	return float64(r.delivered()) / span.Seconds()
}

// configuration is what a table row describes.
type configuration struct {
	side      string
	signal    loadgen.Signal
	transport loadgen.Transport
	senders   int
}

type report struct {
	opts options
	// comparison holds both sides over every signal and transport;
	// scaling slopipe's traces at growing load.
	comparison, scaling map[configuration][]run
	// order is the order configurations were first measured in.
	order, scalingOrder []configuration
}

func measure(ctx context.Context, o options) (*report, error) {
	rep := &report{opts: o, comparison: map[configuration][]run{}, scaling: map[configuration][]run{}}
	for i := 1; i <= o.runs; i++ {
		for _, sig := range o.signals {
			for _, tr := range o.transports {
				sides := []side{&slopipeSide{bin: o.bin.slopipe, tenants: o.tenants}, &referenceSide{bin: o.bin}}
				if o.memoryQueue {
					sides = append(sides, &slopipeSide{bin: o.bin.slopipe, tenants: o.tenants, memoryQueue: true})
				}
				for _, sd := range sides {
					c := configuration{side: sd.name(), signal: sig, transport: tr, senders: o.senders}
					r, err := measureOne(ctx, o, sd, c, fmt.Sprintf("run %d/%d", i, o.runs))
					if err != nil {
						return nil, err
					}
					if _, seen := rep.comparison[c]; !seen {
						rep.order = append(rep.order, c)
					}
					rep.comparison[c] = append(rep.comparison[c], r)
					if len(o.scaling) > 0 && c.side == slopipeName && sig == loadgen.Traces && tr == o.transports[0] {
						// The 1x point of the scaling table is this very run.
						for _, m := range o.scaling {
							if m == 1 {
								rep.addScaling(c, r)
							}
						}
					}
				}
			}
		}
		for _, m := range o.scaling {
			if m == 1 {
				continue
			}
			c := configuration{side: slopipeName, signal: loadgen.Traces, transport: o.transports[0], senders: o.senders * m}
			r, err := measureOne(ctx, o, &slopipeSide{bin: o.bin.slopipe, tenants: o.tenants}, c, fmt.Sprintf("run %d/%d, %dx load", i, o.runs, m))
			if err != nil {
				return nil, err
			}
			rep.addScaling(c, r)
		}
	}
	return rep, nil
}

func (rep *report) addScaling(c configuration, r run) {
	if _, seen := rep.scaling[c]; !seen {
		rep.scalingOrder = append(rep.scalingOrder, c)
	}
	rep.scaling[c] = append(rep.scaling[c], r)
}

// measureOne starts the side fresh, drives the load, waits for the rows
// and stops the side.
func measureOne(ctx context.Context, o options, sd side, c configuration, label string) (run, error) {
	workDir, err := os.MkdirTemp(o.workDir, "slopipe-compare-")
	if err != nil {
		return run{}, err
	}
	defer os.RemoveAll(workDir)
	fmt.Fprintf(os.Stderr, "%s: %s %s over %s, %d senders × %d items, %s … ", label, c.side, c.signal, c.transport, c.senders, o.batch, o.loadBound())
	fail := func(err error) (run, error) {
		fmt.Fprintln(os.Stderr, "failed")
		return run{}, fmt.Errorf("%s %s %s (%s; logs in %s): %w", c.side, c.signal, c.transport, label, workDir, err)
	}

	startedAt := time.Now()
	if err := sd.start(ctx, workDir); err != nil {
		sd.stop()
		return fail(err)
	}
	defer sd.stop()
	startup := time.Since(startedAt)
	before, err := readClocks(sd)
	if err != nil {
		return fail(err)
	}
	t0 := time.Now()
	res, err := loadgen.Run(ctx, loadgen.Config{
		Signal:    c.signal,
		Transport: c.transport,
		Endpoint:  sd.otlpEndpoint(c.transport),
		Tenants:   o.tenants,
		Senders:   c.senders,
		BatchSize: o.batch,
		Duration:  o.duration,
		Items:     o.items,
	})
	if err != nil {
		return fail(err)
	}
	loadEnd := time.Now()
	rows, lastRow, err := waitForRows(ctx, sd, c.signal, res.Accepted, o.settle, o.drainTimeout)
	if err != nil {
		return fail(err)
	}
	after, err := readClocks(sd)
	if err != nil {
		return fail(err)
	}
	r := run{load: res, rows: rows, cpu: after.side - before.side, wall: time.Since(t0), landed: max(lastRow.Sub(loadEnd), 0), rss: after.rss,
		loadCPU: after.load - before.load, startup: startup, engineCPU: after.engine - before.engine}
	if sd.enginePid() == 0 {
		r.engineCPU = -1
	}
	r.otherCPU = max(after.busy-before.busy-r.cpu-r.loadCPU, 0)
	mark := ""
	if rows != res.Accepted {
		mark = fmt.Sprintf(" ≠ accepted %d (logs kept in %s)", res.Accepted, keepLogs(o.workDir, workDir))
	}
	fmt.Fprintf(os.Stderr, "%d rows%s, %.0f items/s, %.0f items/CPU-s, CPU %.1fs (load generator %.1fs, others on the machine %.1fs), p99 %s, started in %s, last row %s after the load\n",
		rows, mark, res.AcceptedPerSecond(), r.itemsPerCPUSecond(), r.cpu, r.loadCPU, r.otherCPU, res.Percentile(0.99).Round(time.Millisecond),
		startup.Round(100*time.Millisecond), r.landed.Round(100*time.Millisecond))
	if res.FirstError != "" {
		fmt.Fprintf(os.Stderr, "  %d refused, %d failed requests; first error: %.300s\n", res.Refused, res.Failed, res.FirstError)
	}
	return r, nil
}

// clocks are the CPU seconds used so far that a run is charged from, read
// just before the load and once the rows have landed: the side's processes
// (side), its engine-only process if it has one (engine, else 0), this
// process, which is the load generator (load), and the whole machine
// (busy); rss is the side's peak resident set.
type clocks struct {
	side, engine, load, busy float64
	rss                      int64
}

func readClocks(sd side) (clocks, error) {
	var c clocks
	var err error
	if c.side, c.rss, err = usage(sd.pids()); err != nil {
		return c, err
	}
	if pid := sd.enginePid(); pid != 0 {
		if c.engine, err = cpuSeconds(pid); err != nil {
			return c, err
		}
	}
	if c.load, err = cpuSeconds(os.Getpid()); err != nil {
		return c, err
	}
	c.busy, err = machineBusySeconds()
	return c, err
}

// waitForRows polls the side's row count until it reaches want, or has
// not grown for settle, or drainTimeout has passed; it returns the count
// and when it last grew. CPU is read right after, so a side that lands
// everything is not charged for the wait.
func waitForRows(ctx context.Context, sd side, sig loadgen.Signal, want int64, settle, drainTimeout time.Duration) (int64, time.Time, error) {
	var (
		last     int64 = -1
		lastGrew       = time.Now()
		deadline       = time.Now().Add(drainTimeout)
	)
	for {
		n, err := sd.count(ctx, sig)
		if err != nil {
			return 0, lastGrew, fmt.Errorf("counting rows: %w", err)
		}
		now := time.Now()
		if n != last {
			last, lastGrew = n, now
		}
		if n >= want || now.Sub(lastGrew) >= settle || now.After(deadline) {
			return n, lastGrew, nil
		}
		select {
		case <-ctx.Done():
			return n, lastGrew, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// keepLogs copies the processes' logs of a run out of its work directory,
// which is removed, and returns where they went.
func keepLogs(parent, workDir string) string {
	dir, err := os.MkdirTemp(parent, "slopipe-compare-logs-")
	if err != nil {
		return err.Error()
	}
	logs, _ := filepath.Glob(filepath.Join(workDir, "*.log"))
	for _, path := range logs {
		if data, err := os.ReadFile(path); err == nil {
			os.WriteFile(filepath.Join(dir, filepath.Base(path)), data, 0o644)
		}
	}
	return dir
}
