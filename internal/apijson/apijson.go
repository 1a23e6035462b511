// Package apijson writes the answers of slopipe's HTTP API in the envelope
// of the Prometheus HTTP API, {"status":"success","data":…} and
// {"status":"error","error":"…"}, so every endpoint answers alike.
package apijson

import (
	"encoding/json"
	"net/http"
)

// Write writes v as JSON with status.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Data writes a 200 success envelope around data.
func Data(w http.ResponseWriter, data any) {
	Write(w, http.StatusOK, struct {
		Status string `json:"status"`
		Data   any    `json:"data"`
	}{"success", data})
}

// Error writes an error envelope with status.
func Error(w http.ResponseWriter, status int, msg string) {
	Write(w, status, struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}{"error", msg})
}
