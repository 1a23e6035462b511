// Package sloextensiontest gives tests of components that use the slo
// extension (its API server, its evaluations) a stand-in they drive
// themselves.
package sloextensiontest

import (
	"context"
	"net/http"
	"sync"

	"go.opentelemetry.io/collector/component"

	"github.com/slopipe/slopipe/slo/evaluator"
)

// Engine stands in for the slo extension: routes handed to HandleAPI are
// served by Handler, and Evaluate hands a snapshot to the observers.
type Engine struct {
	mux       *http.ServeMux
	mu        sync.Mutex
	observers []func(context.Context, *evaluator.Snapshot)
}

// NewEngine returns an engine with no routes and no observers.
func NewEngine() *Engine { return &Engine{mux: http.NewServeMux()} }

func (*Engine) Start(context.Context, component.Host) error { return nil }
func (*Engine) Shutdown(context.Context) error              { return nil }

// Snapshot is an empty evaluation: the engine counts as started.
func (*Engine) Snapshot() *evaluator.Snapshot { return &evaluator.Snapshot{} }

func (e *Engine) HandleAPI(pattern string, h http.Handler) { e.mux.Handle(pattern, h) }

func (e *Engine) OnEvaluation(f func(context.Context, *evaluator.Snapshot)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.observers = append(e.observers, f)
}

// Evaluate calls every observer with snap, as a cycle's end does.
func (e *Engine) Evaluate(snap *evaluator.Snapshot) {
	e.mu.Lock()
	observers := e.observers
	e.mu.Unlock()
	for _, f := range observers {
		f(context.Background(), snap)
	}
}

// Handler serves the routes components registered.
func (e *Engine) Handler() http.Handler { return e.mux }
