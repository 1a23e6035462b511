// Package healthextension is the health extension: slopipe's liveness and
// readiness over HTTP, for Kubernetes probes, load balancers and scripts.
//
//   - /livez answers 200 while the collector's pipelines run and no
//     component reported a permanent or fatal error; 503 while starting,
//     shutting down, or broken for good.
//   - /readyz (and /) answers 200 when live, the store answers a ping
//     within store_timeout, and no exporter's sending queue refused data
//     within queue_full_expiry.
//
// Like kube-apiserver's, each endpoint takes ?exclude=<check> (repeatable)
// to skip a check: /readyz?exclude=store for replicas sharing one store,
// where a store outage would otherwise take every replica out of the
// balancer at once while each one's sending queue could ride it out. A
// check the endpoint does not have is a 400 naming it.
//
// Every answer is a small JSON naming each check and why it failed, or
// "excluded". The
// extension learns of components from the collector's status events
// (componentstatus.Watcher) and of the pipelines from its lifecycle
// (extensioncapabilities.PipelineWatcher); clickhouseexporter reports its
// queue filling up and draining as such events. It replaces the contrib
// health_check extension, which knew of neither the store nor the queue.
package healthextension

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/extension/extensioncapabilities"
	"go.uber.org/zap"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension"
)

type healthExtension struct {
	cfg    *Config
	logger *zap.Logger
	checks checks

	server   *http.Server
	listener net.Listener
	served   sync.WaitGroup
}

var (
	_ extensioncapabilities.Dependent       = (*healthExtension)(nil)
	_ extensioncapabilities.PipelineWatcher = (*healthExtension)(nil)
	_ componentstatus.Watcher               = (*healthExtension)(nil)
)

func newExtension(cfg *Config, logger *zap.Logger) *healthExtension {
	return &healthExtension{
		cfg:    cfg,
		logger: logger,
		checks: checks{
			// Status events arrive from the first component started on,
			// before this extension's Start: the record exists from here.
			pipelines: newPipelines(cfg.QueueFullExpiry, time.Now),
			store: &storeCheck{
				timeout:  cfg.StoreTimeout,
				cacheFor: cfg.StoreCacheFor,
				now:      time.Now,
				ping:     func(context.Context) error { return errors.New("the store extension is not started") },
			},
		},
	}
}

// Dependencies makes the collector start the store extension first and
// shut it down after this one.
func (x *healthExtension) Dependencies() []component.ID { return []component.ID{x.cfg.Store} }

// Addr is where the endpoints listen once started ("" before).
func (x *healthExtension) Addr() string {
	if x.listener == nil {
		return ""
	}
	return x.listener.Addr().String()
}

func (x *healthExtension) Start(_ context.Context, host component.Host) error {
	st, err := storeextension.FromHost(host, x.cfg.Store)
	if err != nil {
		return fmt.Errorf("health: store: %w", err)
	}
	x.checks.store.ping = func(ctx context.Context) error { return store.Ping(ctx, st) }
	ln, err := net.Listen("tcp", x.cfg.Endpoint)
	if err != nil {
		return fmt.Errorf("health: endpoint %s: %w", x.cfg.Endpoint, err)
	}
	x.listener = ln
	x.server = &http.Server{Handler: x.checks.handler(), ReadHeaderTimeout: 10 * time.Second}
	x.served.Add(1)
	go func() {
		defer x.served.Done()
		if err := x.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			x.logger.Error("health endpoints stopped", zap.Error(err))
		}
	}()
	x.logger.Info("health endpoints listening", zap.String("endpoint", ln.Addr().String()),
		zap.Strings("paths", []string{"/livez", "/readyz", "/"}))
	return nil
}

// Shutdown stops serving and waits for a ping under way, which uses the
// store the store extension closes next.
func (x *healthExtension) Shutdown(ctx context.Context) error {
	var err error
	if x.server != nil {
		err = x.server.Shutdown(ctx)
		x.served.Wait()
	}
	return errors.Join(err, x.checks.store.wait(ctx))
}

// Ready: every pipeline started.
func (x *healthExtension) Ready() error {
	x.checks.pipelines.setRunning(true)
	return nil
}

// NotReady: the collector begins to shut the pipelines down.
func (x *healthExtension) NotReady() error {
	x.checks.pipelines.setRunning(false)
	return nil
}

func (x *healthExtension) ComponentStatusChanged(source *componentstatus.InstanceID, event *componentstatus.Event) {
	x.checks.pipelines.record(source, event)
}
