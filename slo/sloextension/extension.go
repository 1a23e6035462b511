// Package sloextension is the slo extension: it puts slopipe's SLO engine
// into the collector. It reads the spec directory (reloading it on change
// and keeping the last good set when a change does not validate), runs the
// evaluation loop every interval against the store extension, serves the
// HTTP API and reports its own health as metrics.
//
// The loop is package evaluator, the API package sloapi; this package only
// wires them to the collector's lifecycle, clock and telemetry.
package sloextension

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/internal/periodic"
	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
	"github.com/slopipe/slopipe/slo/sloapi"
	"github.com/slopipe/slopipe/store/storeextension"
)

const scopeName = "github.com/slopipe/slopipe/slo/sloextension"

type sloExtension struct {
	cfg    *Config
	logger *zap.Logger
	meter  metric.Meter

	eval  *evaluator.Evaluator
	loops periodic.Loops
	// stop cancels evaluations in flight at shutdown; first is the one
	// run at start.
	ctx      context.Context
	stop     context.CancelFunc
	first    sync.WaitGroup
	server   *http.Server
	listener net.Listener
	served   sync.WaitGroup

	specs        slo.SpecDir // read by the reload loop only
	registration metric.Registration
	// cycleDuration is how long each evaluation cycle took, by outcome.
	cycleDuration metric.Float64Histogram

	mux       *http.ServeMux // the API: sloapi's routes, and those other components add
	observers struct {
		sync.Mutex
		list []func(context.Context, *evaluator.Snapshot)
	}
}

// Engine is what other components (alerting) get from the slo extension:
// the results of every evaluation, as they come, and a place on its API.
type Engine interface {
	// Snapshot is the latest evaluation.
	Snapshot() *evaluator.Snapshot
	// OnEvaluation calls f after every evaluation cycle, on the loop's
	// goroutine, with the cycle's snapshot: its Error says whether the
	// cycle failed.
	OnEvaluation(f func(context.Context, *evaluator.Snapshot))
	// HandleAPI serves pattern (http.ServeMux's syntax) on the API.
	HandleAPI(pattern string, h http.Handler)
}

// FromHost finds the slo extension id among the host's extensions.
func FromHost(host component.Host, id component.ID) (Engine, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("slo extension %q is not configured (add it under extensions and service.extensions)", id)
	}
	engine, ok := ext.(Engine)
	if !ok {
		return nil, fmt.Errorf("extension %q is not an slo extension", id)
	}
	if engine.Snapshot() == nil {
		return nil, fmt.Errorf("slo extension %q is not started", id)
	}
	return engine, nil
}

// Snapshot is nil until the extension started.
func (x *sloExtension) Snapshot() *evaluator.Snapshot {
	if x.eval == nil {
		return nil
	}
	return x.eval.Snapshot()
}

func (x *sloExtension) OnEvaluation(f func(context.Context, *evaluator.Snapshot)) {
	x.observers.Lock()
	defer x.observers.Unlock()
	x.observers.list = append(x.observers.list, f)
}

func (x *sloExtension) HandleAPI(pattern string, h http.Handler) { x.mux.Handle(pattern, h) }

func newExtension(cfg *Config, set component.TelemetrySettings) (*sloExtension, error) {
	return &sloExtension{cfg: cfg, logger: set.Logger, meter: set.MeterProvider.Meter(scopeName), specs: slo.SpecDir{Path: cfg.SLODir}}, nil
}

var _ extensioncapabilities.Dependent = (*sloExtension)(nil)

// Dependencies makes the collector start the store extension first.
func (x *sloExtension) Dependencies() []component.ID { return []component.ID{x.cfg.Store} }

// Addr is where the API listens once started ("" when it does not).
func (x *sloExtension) Addr() string {
	if x.listener == nil {
		return ""
	}
	return x.listener.Addr().String()
}

func (x *sloExtension) Start(_ context.Context, host component.Host) error {
	st, err := storeextension.FromHost(host, x.cfg.Store)
	if err != nil {
		return fmt.Errorf("slo: store: %w", err)
	}
	x.eval = evaluator.New(st, evaluator.Config{MaxSampleGap: x.cfg.MaxSampleGap, ArrivalMargin: x.cfg.ArrivalMargin}, time.Now)
	x.ctx, x.stop = context.WithCancel(context.Background())
	x.mux = http.NewServeMux()
	x.mux.Handle("/", sloapi.New(x.eval))
	if err := x.registerTelemetry(); err != nil {
		return fmt.Errorf("slo: telemetry: %w", err)
	}
	if x.cfg.Endpoint != "" {
		ln, err := net.Listen("tcp", x.cfg.Endpoint)
		if err != nil {
			return fmt.Errorf("slo: API endpoint %s: %w", x.cfg.Endpoint, err)
		}
		x.listener = ln
		x.server = &http.Server{Handler: x.mux, ReadHeaderTimeout: 10 * time.Second}
		x.served.Add(1)
		go func() {
			defer x.served.Done()
			if err := x.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				x.logger.Error("SLO API stopped", zap.Error(err))
			}
		}()
		x.logger.Info("SLO API listening", zap.String("endpoint", ln.Addr().String()))
	}
	x.reload()
	x.loops.Every(x.cfg.ReloadPeriod, x.reload)
	x.first.Add(1)
	go func() { // the first results without waiting an interval
		defer x.first.Done()
		x.evaluate()
	}()
	x.loops.Every(x.cfg.Interval, x.evaluate)
	return nil
}

func (x *sloExtension) Shutdown(ctx context.Context) error {
	if x.stop != nil {
		x.stop() // before the store extension closes the store
	}
	x.loops.Stop()
	x.first.Wait()
	var err error
	if x.server != nil {
		err = x.server.Shutdown(ctx)
		x.served.Wait()
	}
	if x.registration != nil {
		err = errors.Join(err, x.registration.Unregister())
	}
	return err
}

// reload reads the specs when the directory changed, with slo.SpecDir's
// policy (the sli processor follows the same, so both run the same SLOs):
// a refused change is reported (log, metric, API) and the last good set
// keeps running.
func (x *sloExtension) reload() {
	change, err := x.specs.Reload()
	if err != nil {
		x.logger.Info("no SLO specs: the directory cannot be read", zap.String("slo_dir", x.cfg.SLODir), zap.Error(err))
		return
	}
	if change == nil {
		return
	}
	for _, p := range change.Problems {
		x.logger.Error("SLO spec problem", zap.String("problem", p.Error()))
	}
	if !change.Apply {
		x.logger.Error("SLO specs changed but do not validate; the last good set keeps running", zap.Int("problems", len(change.Problems)))
		x.eval.SetProblems(change.Problems)
		return
	}
	x.eval.SetSLOs(change.Set, change.Problems)
	x.logger.Info("SLO specs loaded", zap.Int("slos", len(change.Set.SLOs)), zap.Int("problems", len(change.Problems)))
}

func (x *sloExtension) evaluate() {
	ctx, cancel := context.WithTimeout(x.ctx, max(x.cfg.Interval, time.Minute))
	defer cancel()
	started := time.Now()
	err := x.eval.Cycle(ctx)
	took := time.Since(started).Seconds()
	if x.ctx.Err() == nil { // not a cycle cut short by the shutdown
		outcome := cycleOK
		if err != nil {
			outcome = cycleError
			x.logger.Warn("SLO evaluation failed; the API keeps the last results", zap.Error(err))
		}
		x.cycleDuration.Record(x.ctx, took, outcome)
	}
	x.observers.Lock()
	observers := x.observers.list
	x.observers.Unlock()
	snap := x.eval.Snapshot()
	for _, f := range observers {
		f(x.ctx, snap)
	}
}

// cycleBuckets span 5 ms to 2 minutes, in seconds: a cycle times out
// after the larger of the interval and a minute.
var cycleBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

var (
	cycleOK    = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "ok")))
	cycleError = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", "error")))
)

// registerTelemetry reports the loop's health: from its snapshots, and
// each cycle's duration as it ends.
func (x *sloExtension) registerTelemetry() error {
	var errs [7]error
	var (
		problemGauge, slosGauge, pairsGauge metric.Int64ObservableGauge
		failed, cycles                      metric.Int64ObservableCounter
		duration                            metric.Float64ObservableGauge
	)
	problemGauge, errs[0] = x.meter.Int64ObservableGauge("slopipe_slo_spec_problems",
		metric.WithDescription("Problems in the SLO spec files; while there are any after a change, the last good set is evaluated."),
		metric.WithUnit("{problem}"))
	slosGauge, errs[1] = x.meter.Int64ObservableGauge("slopipe_slo_evaluated_slos",
		metric.WithDescription("SLOs being evaluated."), metric.WithUnit("{slo}"))
	cycles, errs[2] = x.meter.Int64ObservableCounter("slopipe_slo_evaluations",
		metric.WithDescription("Evaluation cycles run."), metric.WithUnit("{cycle}"))
	failed, errs[3] = x.meter.Int64ObservableCounter("slopipe_slo_evaluation_failures",
		metric.WithDescription("Evaluation cycles that failed (the store refused or timed out)."), metric.WithUnit("{cycle}"))
	duration, errs[4] = x.meter.Float64ObservableGauge("slopipe_slo_evaluation_duration",
		metric.WithDescription("How long the last evaluation cycle took."), metric.WithUnit("s"))
	x.cycleDuration, errs[5] = x.meter.Float64Histogram("slopipe_slo_evaluation_duration_seconds",
		metric.WithDescription("How long evaluation cycles took, by outcome (ok or error)."),
		metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(cycleBuckets...))
	pairsGauge, errs[6] = x.meter.Int64ObservableGauge("slopipe_slo_evaluated_pairs",
		metric.WithDescription("SLO and tenant pairs with results: those of the last cycle that succeeded."),
		metric.WithUnit("{pair}"))
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	reg, err := x.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		snap := x.eval.Snapshot()
		o.ObserveInt64(problemGauge, int64(len(snap.Problems)))
		o.ObserveInt64(slosGauge, int64(len(snap.SLOs)))
		o.ObserveInt64(cycles, int64(snap.Cycles))
		o.ObserveInt64(failed, int64(snap.FailedCycles))
		o.ObserveInt64(pairsGauge, int64(len(snap.Results)))
		o.ObserveFloat64(duration, snap.CycleDuration.Seconds())
		return nil
	}, problemGauge, slosGauge, pairsGauge, cycles, failed, duration)
	x.registration = reg
	return err
}
