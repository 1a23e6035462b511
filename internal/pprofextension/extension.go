// Package pprofextension is the pprof extension: Go's runtime profiles
// (net/http/pprof: CPU, heap, allocations, goroutines, threads, execution
// traces) over HTTP, for finding where a running slopipe spends its time,
// as the contrib pprof extension serves them for other collectors. The
// mutex and block profiles stay empty: their sampling is not turned on.
//
// It serves nothing unless an endpoint is configured: profiles show the
// process's internals and cost CPU while taken, so they are for the
// operator who asks, on an address they chose (loopback, in the built-in
// configuration, from SLOPIPE_PPROF_ENDPOINT). The embedded engine's own
// threads appear in a CPU profile as external code, and its calls as the
// cgo calls into it.
//
//	go tool pprof 'http://127.0.0.1:1777/debug/pprof/profile?seconds=20'
package pprofextension

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"
)

type pprofExtension struct {
	cfg    *Config
	logger *zap.Logger

	server   *http.Server
	listener net.Listener
	served   sync.WaitGroup
}

func (x *pprofExtension) Start(_ context.Context, _ component.Host) error {
	if x.cfg.Endpoint == "" {
		return nil
	}
	ln, err := net.Listen("tcp", x.cfg.Endpoint)
	if err != nil {
		return fmt.Errorf("pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No write timeout: a CPU profile or trace answers after the seconds
	// it was asked to record.
	x.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	x.listener = ln
	x.served.Add(1)
	go func() {
		defer x.served.Done()
		if err := x.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			x.logger.Error("pprof server stopped", zap.Error(err))
		}
	}()
	x.logger.Info("serving Go profiles", zap.String("url", "http://"+ln.Addr().String()+"/debug/pprof/"))
	return nil
}

// Shutdown closes the server at once: a profile being recorded is cut
// short rather than holding up the collector's stop.
func (x *pprofExtension) Shutdown(context.Context) error {
	if x.server == nil {
		return nil
	}
	err := x.server.Close()
	x.served.Wait()
	return err
}
