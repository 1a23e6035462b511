// Package storeextension makes slopipe's store a collector extension: it
// opens the store once at start-up (the embedded ClickHouse engine or a
// server), brings its schema up to date, serves ClickHouse's HTTP interface
// over the embedded engine, and hands the one open store to every component
// that names it (exporters, processors, the SLO engine).
//
// It exists because the embedded engine is one per process: components must
// share a store, not open their own.
package storeextension

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/chhttp"
)

// Extension holds the open store.
type Extension struct {
	cfg    *Config
	logger *zap.Logger
	meters metric.MeterProvider
	// store is the open store, instrumented: what every component gets.
	store store.Store
	http  *chhttp.Server
}

// Store is the open store, instrumented with slopipe's own metrics of it
// (store.Underlying is the store itself); nil before Start and after
// Shutdown.
func (e *Extension) Store() store.Store { return e.store }

// Start opens the store; the collector starts extensions before pipelines,
// so the store is ready when the first component asks for it.
func (e *Extension) Start(ctx context.Context, _ component.Host) error {
	st, err := store.Open(ctx, e.cfg.Config)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	in, err := instrument(st, e.meters)
	if err != nil {
		return errors.Join(fmt.Errorf("store: telemetry: %w", err), st.Close())
	}
	e.store = in
	e.logger.Info("store ready", zap.String("backend", st.Backend()), zap.String("database", st.Database()))
	emb, embedded := st.(*store.Embedded)
	if e.cfg.ClickHouseHTTP.Endpoint == "" {
		return nil
	}
	if !embedded {
		e.logger.Info("not serving the ClickHouse HTTP interface: the store is a ClickHouse server; point clients at it",
			zap.String("clickhouse_http.endpoint", e.cfg.ClickHouseHTTP.Endpoint))
		return nil
	}
	srv, err := chhttp.New(chhttp.Config{Addr: e.cfg.ClickHouseHTTP.Endpoint, Users: e.cfg.ClickHouseHTTP.Users}, emb,
		slog.New(zapslog.NewHandler(e.logger.Core())))
	if err == nil {
		err = srv.Start()
	}
	if err != nil {
		e.store = nil
		return errors.Join(err, st.Close())
	}
	e.http = srv
	e.logger.Info("ClickHouse HTTP interface listening", zap.String("endpoint", srv.Addr()))
	return nil
}

// Shutdown stops the HTTP interface, then closes the store; the collector
// shuts extensions down after every pipeline has drained.
func (e *Extension) Shutdown(ctx context.Context) error {
	var errs []error
	if e.http != nil {
		errs = append(errs, e.http.Shutdown(ctx))
		e.http = nil
	}
	if e.store != nil {
		errs = append(errs, e.store.Close())
		e.store = nil
	}
	return errors.Join(errs...)
}

// FromHost returns the store of the extension id among the host's
// extensions, for components to call in their Start.
func FromHost(host component.Host, id component.ID) (store.Store, error) {
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return nil, fmt.Errorf("store extension %q is not configured (add it under extensions and service.extensions)", id)
	}
	provider, ok := ext.(interface{ Store() store.Store })
	if !ok {
		return nil, fmt.Errorf("extension %q is not a store extension", id)
	}
	st := provider.Store()
	if st == nil {
		return nil, fmt.Errorf("store extension %q is not started", id)
	}
	return st, nil
}
