package healthextension

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// report is the body of every health answer: the verdict, and each check
// with "ok", "excluded" (the request's ?exclude= named it) or why it failed.
type report struct {
	Status string            `json:"status"` // "ok" or "unavailable"
	Checks map[string]string `json:"checks"`
}

// excluded is what an answer says of a check the request excluded.
const excluded = "excluded"

// checks are the decisions behind the endpoints.
type checks struct {
	pipelines *pipelines
	store     *storeCheck
}

// check is one named decision: "ok" or why not.
type check struct {
	name string
	run  func(context.Context) string
}

// liveness: the pipelines run and no component failed for good. Restarting
// the process is the remedy for a failed liveness check, so a store outage
// or a full queue, which a restart does not cure, is not part of it.
func (c *checks) liveness() []check {
	return []check{
		{"pipelines", func(context.Context) string { return okOr(c.pipelines.liveProblem()) }},
	}
}

// readiness: live, no sending queue refuses data, and the store answers. A
// balancer or an agent in front should send elsewhere until it is.
func (c *checks) readiness() []check {
	return []check{
		{"pipelines", func(context.Context) string { return okOr(c.pipelines.liveProblem()) }},
		{"queue", func(context.Context) string { return okOr(c.pipelines.queueProblem()) }},
		{"store", func(ctx context.Context) string {
			if err := c.store.check(ctx); err != nil {
				return err.Error()
			}
			return "ok"
		}},
	}
}

// run runs every check but the excluded ones, which the report lists as
// excluded: a probe that skips the store shows so in its answer.
func run(ctx context.Context, cs []check, exclude map[string]bool) report {
	r := report{Status: "ok", Checks: make(map[string]string, len(cs))}
	for _, c := range cs {
		if exclude[c.name] {
			r.Checks[c.name] = excluded
			continue
		}
		r.Checks[c.name] = c.run(ctx)
		if r.Checks[c.name] != "ok" {
			r.Status = "unavailable"
		}
	}
	return r
}

func okOr(problem string) string {
	if problem == "" {
		return "ok"
	}
	return problem
}

// exclusions reads kube-apiserver's ?exclude=<check> (repeatable) against
// the endpoint's checks. A name the endpoint does not have is an error
// rather than ignored: a misspelt exclusion would otherwise leave the check
// in without anyone noticing.
func exclusions(names []string, cs []check) (map[string]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	known := make(map[string]bool, len(cs))
	var list []string
	for _, c := range cs {
		known[c.name] = true
		list = append(list, c.name)
	}
	exclude := make(map[string]bool, len(names))
	for _, name := range names {
		if !known[name] {
			return nil, fmt.Errorf("exclude: no check named %q (the checks are %s)", name, strings.Join(list, ", "))
		}
		exclude[name] = true
	}
	return exclude, nil
}

// handler serves /livez, /readyz, and / as /readyz for probes and scripts
// written for the contrib health_check extension, which answered there.
// Each takes ?exclude=<check>, e.g. /readyz?exclude=store where every
// replica shares one store and each one's sending queue rides out its
// outages.
func (c *checks) handler() http.Handler {
	serve := func(cs func() []check) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			list := cs()
			exclude, err := exclusions(r.URL.Query()["exclude"], list)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, struct {
					Error string `json:"error"`
				}{err.Error()})
				return
			}
			rep := run(r.Context(), list, exclude)
			code := http.StatusOK
			if rep.Status != "ok" {
				code = http.StatusServiceUnavailable
			}
			writeJSON(w, code, rep)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", serve(c.liveness))
	mux.HandleFunc("GET /readyz", serve(c.readiness))
	mux.HandleFunc("GET /{$}", serve(c.readiness))
	return mux
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}
