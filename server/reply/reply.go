// Package reply writes the service's JSON replies, and its error shape
// {"error": {"code", "message", "details"}}, for every HTTP handler.
package reply

import (
	"encoding/json"
	"net/http"

	"github.com/openchs/openchs-ai/models"
)

// errorBody is the shape of every error reply.
type errorBody struct {
	Error models.ErrorInfo `json:"error"`
}

// JSON answers with status and v encoded as JSON.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Error answers with status and the error shape: code is snake_case,
// msg a sentence for a person, details (may be nil) what a program needs.
func Error(w http.ResponseWriter, status int, code, msg string, details map[string]any) {
	JSON(w, status, errorBody{models.ErrorInfo{Code: code, Message: msg, Details: details}})
}
