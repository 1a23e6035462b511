// Package sloapi is slopipe's SLO status API: the evaluator's last results
// — SLI, error budget and burn rates per SLO and tenant — as JSON over HTTP,
// for a Grafana JSON datasource, a deploy gate that asks "is this SLO
// burning?" and `slopipe slo status`.
//
// It is read-only and serves what the evaluator already holds: a request
// never queries the store or triggers an evaluation. It is not the
// evaluation (package evaluator), the server it runs in (the daemon's
// extension) nor a query API over the SLI history (that is the store's
// slopipe_slo_status table, through ClickHouse).
//
// The handler answers paths under /api/v1/; mount it at its server's root.
// Its answers follow the Prometheus HTTP API's envelope:
// {"status":"success","data":…} or {"status":"error","error":"…"}, with
// "warnings" when the data is stale or absent. docs/API.md is the reference.
package sloapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slopipe/slopipe/slo"
	"github.com/slopipe/slopipe/slo/evaluator"
)

// DefaultAddr is where the daemon serves the API unless configured
// otherwise, and where `slopipe slo status` looks for it.
const DefaultAddr = "127.0.0.1:8088"

// Source is what the API serves: the evaluator.
type Source interface {
	// Snapshot is the last evaluation; never nil.
	Snapshot() *evaluator.Snapshot
	// SLONames are the SLOs currently evaluated, sorted: an SLO among them
	// without results yet is "no data", not "unknown".
	SLONames() []string
}

// Response is the body of every 200 answer.
type Response struct {
	Status string             `json:"status"` // "success"
	Data   []evaluator.Result `json:"data"`   // never null: [] when none
	// EvaluatedAt is when the results were computed; null before the first
	// successful evaluation.
	EvaluatedAt *time.Time `json:"evaluated_at"`
	Problems    []Problem  `json:"problems"` // never null: [] when none
	Warnings    []string   `json:"warnings,omitempty"`
}

// Problem is a problem of an SLO spec file. Every field is always present:
// line 0 is an unknown line, slo "" a problem not in one SLO, field "" a
// problem not at one field.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	SLO     string `json:"slo"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// SpecProblem is the problem as package slo reports it; its Error() is the
// line `slopipe slo validate` prints.
func (p Problem) SpecProblem() slo.Problem {
	return slo.Problem{File: p.File, Line: p.Line, SLO: p.SLO, Field: p.Field, Msg: p.Message}
}

// ErrorResponse is the body of every other answer.
type ErrorResponse struct {
	Status string `json:"status"` // "error"
	Error  string `json:"error"`
}

// New returns the API's handler over source.
func New(source Source) http.Handler {
	a := &api{source: source}
	mux := http.NewServeMux()
	// GET patterns also answer HEAD. The method-less patterns catch the
	// other methods on the same paths, so they get a JSON 405 rather than
	// the catch-all's 404 or the mux's plain-text one.
	mux.HandleFunc("GET /api/v1/slos", a.list)
	mux.HandleFunc("GET /api/v1/slos/{name...}", a.one)
	mux.HandleFunc("/api/v1/slos", methodNotAllowed)
	mux.HandleFunc("/api/v1/slos/{name...}", methodNotAllowed)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no API endpoint at %s; see /api/v1/slos", r.URL.Path))
	})
	return mux
}

type api struct{ source Source }

// list is GET /api/v1/slos[?tenant=T]: every result, or one tenant's.
func (a *api) list(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantParam(w, r)
	if !ok {
		return
	}
	snap := a.source.Snapshot()
	resp := newResponse(snap, snap.Problems)
	for _, res := range snap.Results {
		if tenant == "" || res.Tenant == tenant {
			resp.Data = append(resp.Data, res)
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// one is GET /api/v1/slos/{name}[?tenant=T]: one SLO's results and
// problems. The name is the rest of the path: OpenSLO objectives are SLOs
// named "<slo>/<objective>".
func (a *api) one(w http.ResponseWriter, r *http.Request) {
	tenant, ok := tenantParam(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	if name == "" {
		writeError(w, http.StatusNotFound, "no SLO name in the path: /api/v1/slos/{name}, or /api/v1/slos for all")
		return
	}
	snap := a.source.Snapshot()
	var problems slo.Problems
	for _, p := range snap.Problems {
		if p.SLO == name {
			problems = append(problems, p)
		}
	}
	resp := newResponse(snap, problems)
	known := false
	for _, res := range snap.Results {
		if res.SLO != name {
			continue
		}
		// Results of an SLO just removed from the specs are served until
		// the next evaluation replaces them: the snapshot stays whole.
		known = true
		if tenant == "" || res.Tenant == tenant {
			resp.Data = append(resp.Data, res)
		}
	}
	if !known {
		_, known = slices.BinarySearch(a.source.SLONames(), name)
	}
	if !known {
		msg := fmt.Sprintf("no SLO named %q", name)
		if len(problems) > 0 {
			// Its spec has problems, so it is not evaluated: say why.
			lines := make([]string, len(problems))
			for i, p := range problems {
				lines[i] = p.Error()
			}
			msg = fmt.Sprintf("SLO %q is not evaluated: %s", name, strings.Join(lines, "; "))
		}
		writeError(w, http.StatusNotFound, msg)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// newResponse is a success with no data yet, the snapshot's time, the
// problems given and the warnings the snapshot calls for.
func newResponse(snap *evaluator.Snapshot, problems slo.Problems) *Response {
	resp := &Response{Status: "success", Data: []evaluator.Result{}, Problems: make([]Problem, len(problems))}
	for i, p := range problems {
		resp.Problems[i] = Problem{File: p.File, Line: p.Line, SLO: p.SLO, Field: p.Field, Message: p.Msg}
	}
	if !snap.EvaluatedAt.IsZero() {
		at := snap.EvaluatedAt
		resp.EvaluatedAt = &at
	}
	switch {
	case snap.Error != "" && snap.EvaluatedAt.IsZero():
		resp.Warnings = []string{"last evaluation failed: " + snap.Error + "; no evaluation has succeeded yet"}
	case snap.Error != "":
		resp.Warnings = []string{"last evaluation failed: " + snap.Error + "; results are from " + snap.EvaluatedAt.UTC().Format(time.RFC3339)}
	case snap.EvaluatedAt.IsZero():
		resp.Warnings = []string{"no evaluation yet"}
	}
	return resp
}

// tenantParam is the request's tenant filter, "" for none. Any other
// parameter is refused: a misspelt filter must not silently return every
// tenant to a deploy gate.
func tenantParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed query: "+err.Error())
		return "", false
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if k != "tenant" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q; the only one is \"tenant\"", k))
			return "", false
		}
	}
	v, ok := q["tenant"]
	switch {
	case !ok:
		return "", true
	case len(v) > 1:
		writeError(w, http.StatusBadRequest, "query parameter \"tenant\" given "+strconv.Itoa(len(v))+" times; give it once")
		return "", false
	case v[0] == "":
		writeError(w, http.StatusBadRequest, "query parameter \"tenant\" is empty; leave it out for every tenant")
		return "", false
	}
	return v[0], true
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed: the API is read-only (GET)", r.Method))
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, ErrorResponse{Status: "error", Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		code = http.StatusInternalServerError
		buf.Reset()
		msg, _ := json.Marshal(ErrorResponse{Status: "error", Error: "encoding the answer: " + err.Error()})
		buf.Write(append(msg, '\n'))
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}
