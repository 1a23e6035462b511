package healthextension

import (
	"context"
	"encoding/json"
	"net/http"
)

// report is the body of every health answer: the verdict, and each check
// with "ok" or why it failed.
type report struct {
	Status string            `json:"status"` // "ok" or "unavailable"
	Checks map[string]string `json:"checks"`
}

// checks are the decisions behind the endpoints.
type checks struct {
	pipelines *pipelines
	store     *storeCheck
}

// live: the pipelines run and no component failed for good. Restarting
// the process is the remedy for a failed liveness check, so a store outage
// or a full queue, which a restart does not cure, is not part of it.
func (c *checks) live() report {
	r := report{Checks: map[string]string{"pipelines": okOr(c.pipelines.liveProblem())}}
	return r.verdict()
}

// ready: live, the store answers and no sending queue refuses data. A
// balancer or an agent in front should send elsewhere until it is.
func (c *checks) ready(ctx context.Context) report {
	r := report{Checks: map[string]string{
		"pipelines": okOr(c.pipelines.liveProblem()),
		"queue":     okOr(c.pipelines.queueProblem()),
	}}
	if err := c.store.check(ctx); err != nil {
		r.Checks["store"] = err.Error()
	} else {
		r.Checks["store"] = "ok"
	}
	return r.verdict()
}

func okOr(problem string) string {
	if problem == "" {
		return "ok"
	}
	return problem
}

func (r report) verdict() report {
	r.Status = "ok"
	for _, v := range r.Checks {
		if v != "ok" {
			r.Status = "unavailable"
		}
	}
	return r
}

// handler serves /livez, /readyz, and / as /readyz for probes and scripts
// written for the contrib health_check extension, which answered there.
func (c *checks) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) { write(w, c.live()) })
	ready := func(w http.ResponseWriter, r *http.Request) { write(w, c.ready(r.Context())) }
	mux.HandleFunc("GET /readyz", ready)
	mux.HandleFunc("GET /{$}", ready)
	return mux
}

func write(w http.ResponseWriter, r report) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if r.Status == "ok" {
		w.WriteHeader(http.StatusOK)
	} else {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(r)
}
