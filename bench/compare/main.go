// Command compare measures slopipe against the field's reference, the
// collector-contrib ClickHouse exporter (bench/reference), on the same
// embedded engine, with the same load, in the same run.
//
// For every signal, transport and run it starts fresh processes for each
// side, drives them with bench/loadgen, waits until the rows it was
// promised have landed in the store (counted, not assumed), and charges
// each side the CPU seconds its processes used from before the load to
// that moment: slopipe is one process with the engine inside; the
// reference is its collector plus bench/engineserver. The sides alternate
// within each run so that drift on the machine touches both.
//
// It writes a Markdown report (tables of medians and min–max spreads, the
// machine and the command line) to -out and prints it. It is not a
// profiler: the ingest path's profile comes from `go test -bench`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/slopipe/slopipe/bench/loadgen"
)

type options struct {
	out                string
	runs               int
	duration, settle   time.Duration
	senders, batch     int
	items              int64
	tenants            []string
	signals            []loadgen.Signal
	transports         []loadgen.Transport
	scaling            []int
	bin                binaries
	workDir            string
	drainTimeout       time.Duration
	startedAt, command string
	// memoryQueue adds slopipe with an in-memory sending queue to each
	// comparison: what its persistent queue costs.
	memoryQueue bool
}

func main() {
	var (
		o                                     options
		tenants                               int
		signals, transports, scaling, workDir string
	)
	flag.StringVar(&o.out, "out", "", "write the Markdown report to this file too")
	flag.IntVar(&o.runs, "runs", 3, "runs of each configuration (the report gives median and min–max)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "load time of a run")
	flag.DurationVar(&o.settle, "settle", 15*time.Second, "rows not growing this long after the load: the side is done (short of what it accepted)")
	flag.DurationVar(&o.drainTimeout, "drain-timeout", 2*time.Minute, "longest wait for the rows after the load")
	flag.Int64Var(&o.items, "items", 0, "items per run instead of -duration (both given: the first reached ends the load)")
	flag.IntVar(&o.senders, "senders", 4, "concurrent senders, each one request at a time")
	flag.IntVar(&o.batch, "batch", 1000, "items per request")
	flag.IntVar(&tenants, "tenants", 4, "tenants the requests are spread over (X-Scope-OrgID)")
	flag.StringVar(&signals, "signals", "traces,logs", "signals to compare")
	flag.StringVar(&transports, "transports", "grpc,http", "OTLP transports to compare")
	flag.StringVar(&scaling, "scaling", "1,2,4", "sender multiples for slopipe's load-scaling table (traces over the first transport); empty: none")
	flag.StringVar(&o.bin.slopipe, "slopipe", "bin/slopipe", "the slopipe daemon")
	flag.StringVar(&o.bin.reference, "reference", "bench/reference/reference", "the reference collector")
	flag.StringVar(&o.bin.referenceConfig, "reference-config", "bench/reference/config.yaml", "the reference collector's configuration")
	flag.StringVar(&o.bin.engineServer, "engineserver", "bin/engineserver", "the engine behind the reference (bench/engineserver)")
	flag.BoolVar(&o.memoryQueue, "memory-queue", true, "also run slopipe with its sending queue in memory, as the reference's is, to show what durability costs")
	flag.StringVar(&workDir, "work-dir", "", "where each run's data directories go (default: the system's temporary directory)")
	flag.Parse()
	o.workDir = workDir
	if o.items > 0 && !flagSet("duration") {
		o.duration = 0
	}
	o.command = strings.Join(os.Args, " ")
	o.startedAt = time.Now().UTC().Format("2006-01-02 15:04 MST")
	for i := range tenants {
		o.tenants = append(o.tenants, fmt.Sprintf("bench-tenant-%d", i+1))
	}
	for _, s := range splitList(signals) {
		o.signals = append(o.signals, loadgen.Signal(s))
	}
	for _, t := range splitList(transports) {
		o.transports = append(o.transports, loadgen.Transport(t))
	}
	for _, m := range splitList(scaling) {
		n, err := strconv.Atoi(m)
		if err != nil || n <= 0 {
			fail(fmt.Errorf("-scaling: %q is not a positive whole number", m))
		}
		o.scaling = append(o.scaling, n)
	}
	if o.runs <= 0 || len(o.tenants) == 0 || len(o.signals) == 0 || len(o.transports) == 0 {
		fail(fmt.Errorf("-runs, -tenants, -signals and -transports must each be at least one"))
	}
	// The processes run in their own work directories.
	for _, path := range []*string{&o.bin.slopipe, &o.bin.reference, &o.bin.referenceConfig, &o.bin.engineServer} {
		if _, err := os.Stat(*path); err != nil {
			fail(fmt.Errorf("%w (make bench-compare builds everything)", err))
		}
		abs, err := filepath.Abs(*path)
		if err != nil {
			fail(err)
		}
		*path = abs
	}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	rep, err := measure(ctx, o)
	if err != nil {
		fail(err)
	}
	md := rep.markdown()
	fmt.Print("\n" + md)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
			fail(err)
		}
		fmt.Fprintln(os.Stderr, "wrote", o.out)
	}
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compare:", err)
	os.Exit(1)
}
