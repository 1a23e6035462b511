// Package alertapi is the HTTP API of slopipe's alerting: the current
// alerts, silences (create, list, expire) and the error-budget deploy
// gate. docs/API.md is the reference.
//
// Alerts and silences answer in the Prometheus API's envelope,
// {"status":"success","data":…} or {"status":"error","error":"…"}. The
// deploy gate answers its decision itself, 200 {"allowed":true,…} or
// 423 {"allowed":false,"reasons":[…]}, so a pipeline step needs only the
// status code.
//
// It holds no state: the alerting manager does.
package alertapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/slopipe/slopipe/alerting/manager"
	"github.com/slopipe/slopipe/alerting/pipeline"
	"github.com/slopipe/slopipe/internal/apijson"
)

// maxBody bounds a silence request.
const maxBody = 1 << 20

// Register adds the API's routes with handle (an http.ServeMux's Handle).
func Register(handle func(pattern string, h http.Handler), m *manager.Manager) {
	a := &api{m: m}
	handle("GET /api/v1/alerts", http.HandlerFunc(a.alerts))
	handle("GET /api/v1/silences", http.HandlerFunc(a.listSilences))
	handle("POST /api/v1/silences", http.HandlerFunc(a.addSilence))
	handle("GET /api/v1/silences/{id}", http.HandlerFunc(a.getSilence))
	handle("DELETE /api/v1/silences/{id}", http.HandlerFunc(a.expireSilence))
	handle("GET /api/v1/deploy-gate", http.HandlerFunc(a.deployGate))
}

type api struct{ m *manager.Manager }

// SilenceStatus is a silence as the API lists it.
type SilenceStatus struct {
	pipeline.Silence
	Status struct {
		State string `json:"state"` // pending, active or expired
	} `json:"status"`
}

// AddedSilence is the answer to a created or updated silence.
type AddedSilence struct {
	SilenceID string `json:"silenceID"`
}

func (a *api) alerts(w http.ResponseWriter, _ *http.Request) {
	apijson.Data(w, a.m.Alerts())
}

func (a *api) listSilences(w http.ResponseWriter, _ *http.Request) {
	now := a.m.Now()
	list := a.m.Silences().List()
	out := make([]SilenceStatus, len(list))
	for i, s := range list {
		out[i].Silence = s
		out[i].Status.State = s.State(now)
	}
	apijson.Data(w, out)
}

func (a *api) getSilence(w http.ResponseWriter, r *http.Request) {
	s := a.m.Silences().Get(r.PathValue("id"))
	if s == nil {
		apijson.Error(w, http.StatusNotFound, fmt.Sprintf("no silence %q", r.PathValue("id")))
		return
	}
	out := SilenceStatus{Silence: *s}
	out.Status.State = s.State(a.m.Now())
	apijson.Data(w, out)
}

func (a *api) addSilence(w http.ResponseWriter, r *http.Request) {
	s, err := decodeSilence(r.Body)
	if err != nil {
		apijson.Error(w, http.StatusBadRequest, "silence: "+err.Error())
		return
	}
	id, err := a.m.Silences().Add(r.Context(), s, a.m.Now())
	if err != nil {
		if errors.Is(err, pipeline.ErrStore) {
			apijson.Error(w, http.StatusServiceUnavailable, err.Error())
			return
		}
		apijson.Error(w, http.StatusBadRequest, "silence: "+err.Error())
		return
	}
	apijson.Data(w, AddedSilence{SilenceID: id})
}

// decodeSilence reads the one silence a request body holds, refusing
// fields it does not know: a misspelt one would otherwise be dropped
// silently.
func decodeSilence(body io.Reader) (pipeline.Silence, error) {
	var s pipeline.Silence
	dec := json.NewDecoder(io.LimitReader(body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(&s)
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return s, errors.New("the request body is empty")
	case errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF):
		return s, fmt.Errorf("the request body is not valid JSON: %w", err)
	case err != nil:
		return s, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return s, errors.New("the request body holds more after the silence")
	}
	return s, nil
}

func (a *api) expireSilence(w http.ResponseWriter, r *http.Request) {
	found, err := a.m.Silences().Expire(r.Context(), r.PathValue("id"), a.m.Now())
	switch {
	case err != nil:
		apijson.Error(w, http.StatusServiceUnavailable, err.Error())
	case !found:
		apijson.Error(w, http.StatusNotFound, fmt.Sprintf("no silence %q", r.PathValue("id")))
	default:
		apijson.Data(w, AddedSilence{SilenceID: r.PathValue("id")})
	}
}

func (a *api) deployGate(w http.ResponseWriter, r *http.Request) {
	service := strings.TrimSpace(r.URL.Query().Get("service"))
	if service == "" {
		apijson.Error(w, http.StatusBadRequest, "service: the query parameter is required, e.g. /api/v1/deploy-gate?service=checkout")
		return
	}
	d, err := a.m.Gate(service, r.URL.Query().Get("tenant"))
	if errors.Is(err, manager.ErrNoEvaluation) {
		w.Header().Set("Retry-After", "30")
		apijson.Error(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	if err != nil {
		apijson.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	status := http.StatusOK
	if !d.Allowed {
		status = http.StatusLocked
	}
	apijson.Write(w, status, d)
}
