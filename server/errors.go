package server

import (
	"errors"
	"math"
	"net/http"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server/reply"
)

// errorBody is the shape of every error reply.
type errorBody struct {
	Error models.ErrorInfo `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) { reply.JSON(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string, details map[string]any) {
	reply.Error(w, status, code, msg, details)
}

// statusOfCode is the HTTP status that goes with a task error code.
func statusOfCode(code string) int {
	switch code {
	case "unsupported_audio":
		return http.StatusUnsupportedMediaType
	case "undecodable_audio", "empty_audio", "audio_too_short":
		return http.StatusUnprocessableEntity
	case "audio_too_long", "upload_too_large":
		return http.StatusRequestEntityTooLarge
	case "cancelled":
		return http.StatusConflict
	case "timeout":
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// writeTaskError answers with a failed task's error.
func writeTaskError(w http.ResponseWriter, info models.ErrorInfo) {
	writeJSON(w, statusOfCode(info.Code), errorBody{info})
}

// writeErr maps an error from the queue or the decoder onto a reply.
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	s.errorOf(r, err).write(w)
}

// errorOf is the reply to an error from the queue or the decoder.
func (s *Server) errorOf(r *http.Request, err error) *httpError {
	var full *queue.QueueFullError
	switch {
	case errors.As(err, &full):
		return &httpError{http.StatusTooManyRequests, "queue_full", "Too many recordings are waiting; retry later.",
			map[string]any{"waiting": full.Pending, "limit": full.Limit, "retry_after_s": int(math.Ceil(full.RetryAfter.Seconds()))}}
	case errors.Is(err, queue.ErrNotFinished):
		return &httpError{http.StatusConflict, "task_running", "The task is still queued or running; cancel it first.", nil}
	case errors.Is(err, queue.ErrNotFound):
		return &httpError{http.StatusNotFound, "task_not_found", "No task with this id.", nil}
	case errors.Is(err, queue.ErrIdempotencyConflict):
		return &httpError{http.StatusConflict, "idempotency_conflict",
			"This Idempotency-Key was already used for a different upload.", nil}
	case pipeline.BadAudio(err):
		info := queue.ErrorInfoOf(err)
		return &httpError{statusOfCode(info.Code), info.Code, info.Message, info.Details}
	default:
		s.log.Error("request failed", "request_id", requestID(r), "err", err)
		return &httpError{http.StatusServiceUnavailable, "unavailable", "The task store is unavailable; retry later.",
			map[string]any{"retry_after_s": 5}}
	}
}
