// Package alertingextension is the alerting extension: it puts slopipe's
// alerting into the collector. After every SLO evaluation of the slo
// extension it runs the alert policy and the notification pipeline
// (package manager), flushes due alert groups every flush_interval,
// reloads the Alertmanager-format configuration file on change (keeping
// the last good one when a change does not validate), serves the alerts,
// silences and deploy-gate API on the slo extension's endpoint, and
// reports its own health as metrics.
package alertingextension

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/alerting"
	"github.com/slopipe/slopipe/alerting/alertapi"
	"github.com/slopipe/slopipe/alerting/amconfig"
	"github.com/slopipe/slopipe/alerting/manager"
	"github.com/slopipe/slopipe/alerting/notify"
	"github.com/slopipe/slopipe/internal/periodic"
	"github.com/slopipe/slopipe/slo/evaluator"
	"github.com/slopipe/slopipe/slo/sloextension"
	"github.com/slopipe/slopipe/store/storeextension"
)

const scopeName = "github.com/slopipe/slopipe/alerting/alertingextension"

type alertingExtension struct {
	cfg    *Config
	logger *zap.Logger
	meter  metric.Meter

	manager *manager.Manager
	loops   periodic.Loops
	ctx     context.Context
	stop    context.CancelFunc

	mu             sync.Mutex
	configHash     [sha256.Size]byte
	reloadFailures int64
	reloadOK       bool
	registration   metric.Registration
}

func newExtension(cfg *Config, set component.TelemetrySettings) *alertingExtension {
	return &alertingExtension{cfg: cfg, logger: set.Logger, meter: set.MeterProvider.Meter(scopeName)}
}

var _ extensioncapabilities.Dependent = (*alertingExtension)(nil)

// Dependencies makes the collector start the store and slo extensions
// first.
func (x *alertingExtension) Dependencies() []component.ID {
	return []component.ID{x.cfg.Store, x.cfg.SLO}
}

func (x *alertingExtension) Start(ctx context.Context, host component.Host) error {
	st, err := storeextension.FromHost(host, x.cfg.Store)
	if err != nil {
		return fmt.Errorf("alerting: store: %w", err)
	}
	engine, err := sloextension.FromHost(host, x.cfg.SLO)
	if err != nil {
		return fmt.Errorf("alerting: slo: %w", err)
	}
	m, err := manager.New(manager.Options{
		Store: st, Clock: notify.RealClock{}, Logger: x.logger,
		Policy: x.cfg.policy(), Gate: x.cfg.DeployGate,
		Retry: notify.RetryPolicy{Initial: x.cfg.Retry.InitialInterval, Max: x.cfg.Retry.MaxInterval,
			Multiplier: 2, Jitter: 0.2, MaxElapsed: x.cfg.Retry.MaxElapsedTime},
		Alertmanagers: x.cfg.Alertmanager.URLs, ResendDelay: x.cfg.Alertmanager.ResendDelay,
		UserAgent: "slopipe",
	})
	if err != nil {
		return fmt.Errorf("alerting: %w", err)
	}
	x.manager = m
	if x.cfg.ConfigFile != "" {
		// A daemon started with a broken configuration would page nobody
		// without anyone noticing: refuse to start instead.
		if err := x.loadConfig(true); err != nil {
			return fmt.Errorf("alerting: %w", err)
		}
	} else if err := m.SetConfig(manager.DefaultConfig()); err != nil {
		return fmt.Errorf("alerting: %w", err)
	}
	if err := m.Start(ctx); err != nil {
		return fmt.Errorf("alerting: %w", err)
	}
	if err := x.registerTelemetry(); err != nil {
		return fmt.Errorf("alerting: telemetry: %w", err)
	}
	x.ctx, x.stop = context.WithCancel(context.Background())
	alertapi.Register(engine.HandleAPI, m)
	engine.OnEvaluation(x.evaluated)
	// The slo extension's first cycle may have run before this one
	// started: take its results now rather than an interval later.
	if snap := engine.Snapshot(); snap != nil && snap.Cycles > 0 {
		x.evaluated(x.ctx, snap)
	}
	x.loops.Every(x.cfg.FlushInterval, func() { m.Flush(x.ctx) })
	if x.cfg.ConfigFile != "" {
		x.loops.Every(x.cfg.ReloadPeriod, func() { _ = x.loadConfig(false) })
	}
	x.logger.Info("alerting started", zap.String("config_file", x.cfg.ConfigFile),
		zap.Int("alertmanagers", len(x.cfg.Alertmanager.URLs)))
	return nil
}

func (x *alertingExtension) Shutdown(ctx context.Context) error {
	if x.stop != nil {
		x.stop()
	}
	x.loops.Stop()
	if x.manager != nil {
		done := make(chan struct{})
		go func() { x.manager.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	if x.registration != nil {
		return x.registration.Unregister()
	}
	return nil
}

// Sink is what other components get from the alerting extension: a way to
// fire alerts of their own (cost budgets and anomalies) through the same
// pipeline as burn-rate alerts.
type Sink interface {
	// SetSourceAlerts replaces what source fires now; an alert it no
	// longer lists resolves.
	SetSourceAlerts(ctx context.Context, source string, firing []*alerting.Alert) error
}

// FromHost finds the alerting extension id among the host's extensions.
func FromHost(host component.Host, id component.ID) (Sink, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("alerting extension %q is not configured", id)
	}
	x, ok := ext.(*alertingExtension)
	if !ok {
		sink, isSink := ext.(Sink)
		if !isSink {
			return nil, fmt.Errorf("extension %q is not an alerting extension", id)
		}
		return sink, nil
	}
	if x.manager == nil {
		return nil, fmt.Errorf("alerting extension %q is not started", id)
	}
	return x, nil
}

func (x *alertingExtension) SetSourceAlerts(ctx context.Context, source string, firing []*alerting.Alert) error {
	return x.manager.SetSourceAlerts(ctx, source, firing)
}

// failures are the loads of the configuration file that failed.
func (x *alertingExtension) failures() int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.reloadFailures
}

// evaluated runs after every evaluation cycle.
func (x *alertingExtension) evaluated(ctx context.Context, snap *evaluator.Snapshot) {
	if err := x.manager.ReloadSilences(ctx); err != nil {
		x.logger.Warn("silences could not be reloaded; the last ones read still apply", zap.Error(err))
	}
	if err := x.manager.Evaluated(ctx, snap); err != nil {
		x.logger.Error("alerting", zap.Error(err))
	}
}

// loadConfig reads the configuration file when it, or a file it names
// (a routing_key_file rotated), changed. At start an error is returned;
// on reload it is logged and counted, and the last good configuration
// keeps running.
func (x *alertingExtension) loadConfig(first bool) error {
	data, err := os.ReadFile(x.cfg.ConfigFile)
	if err == nil {
		sum := inputsHash(data, x.cfg.ConfigFile)
		x.mu.Lock()
		same := !first && sum == x.configHash
		x.mu.Unlock()
		if same {
			return nil
		}
		var cfg *amconfig.Config
		if cfg, err = amconfig.Parse(data, x.cfg.ConfigFile); err == nil {
			err = x.manager.SetConfig(cfg)
		}
		x.mu.Lock()
		// Not read again until something changes: a broken file is
		// reported once, not every reload period.
		x.configHash = sum
		x.mu.Unlock()
	}
	x.mu.Lock()
	x.reloadOK = err == nil
	if err != nil {
		x.reloadFailures++
	}
	x.mu.Unlock()
	if err != nil {
		if !first {
			x.logger.Error("alerting configuration changed but cannot be used; the last good one keeps running", zap.Error(err))
		}
		return err
	}
	x.logger.Info("alerting configuration loaded", zap.String("config_file", x.cfg.ConfigFile))
	return nil
}

// inputsHash fingerprints the configuration and the files it names (or
// why they cannot be read): a change to any of them is a reload.
func inputsHash(data []byte, file string) [sha256.Size]byte {
	h := sha256.New()
	h.Write(data)
	for _, f := range amconfig.ReferencedFiles(data, file) {
		content, err := os.ReadFile(f)
		if err != nil {
			content = []byte(err.Error())
		}
		sum := sha256.Sum256(content)
		fmt.Fprintf(h, "\x00%s\x00%x", f, sum)
	}
	var out [sha256.Size]byte
	copy(out[:], h.Sum(nil))
	return out
}

// registerTelemetry reports notifications, alerts and reloads.
func (x *alertingExtension) registerTelemetry() error {
	var errs [4]error
	var (
		notifications metric.Int64ObservableCounter
		firing        metric.Int64ObservableGauge
		failures      metric.Int64ObservableCounter
		lastOK        metric.Int64ObservableGauge
	)
	notifications, errs[0] = x.meter.Int64ObservableCounter("slopipe_notifications",
		metric.WithDescription("Notification attempts, by receiver, integration and status (delivered, retrying, failed)."),
		metric.WithUnit("{attempt}"))
	firing, errs[1] = x.meter.Int64ObservableGauge("slopipe_alerts",
		metric.WithDescription("Alerts by state (firing, resolved) and severity."), metric.WithUnit("{alert}"))
	failures, errs[2] = x.meter.Int64ObservableCounter("slopipe_alerting_config_reload_failures",
		metric.WithDescription("Alerting configuration loads that failed; the last good configuration kept running."),
		metric.WithUnit("{reload}"))
	lastOK, errs[3] = x.meter.Int64ObservableGauge("slopipe_alerting_config_last_reload_successful",
		metric.WithDescription("1 when the last load of the alerting configuration succeeded."))
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	reg, err := x.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for k, v := range x.manager.Counts() {
			o.ObserveInt64(notifications, int64(v), metric.WithAttributes(attribute.String("receiver", k.Receiver),
				attribute.String("integration", k.Integration), attribute.String("status", k.Status)))
		}
		counts := map[[2]string]int64{}
		for _, a := range x.manager.Alerts() {
			counts[[2]string{a.State, string(a.Labels[alerting.LabelSeverity])}]++
		}
		for k, v := range counts {
			o.ObserveInt64(firing, v, metric.WithAttributes(attribute.String("state", k[0]), attribute.String("severity", k[1])))
		}
		x.mu.Lock()
		o.ObserveInt64(failures, x.reloadFailures)
		ok := int64(0)
		if x.reloadOK || x.cfg.ConfigFile == "" {
			ok = 1
		}
		x.mu.Unlock()
		o.ObserveInt64(lastOK, ok)
		return nil
	}, notifications, firing, failures, lastOK)
	x.registration = reg
	return err
}
