package server

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/queue"
)

// handle is the reply to a task accepted for background processing.
type handle struct {
	TaskID    string            `json:"task_id"`
	Status    models.TaskStatus `json:"status"`
	StatusURL string            `json:"status_url"`
	EventsURL string            `json:"events_url"`
}

func handleOf(t *models.Task) handle {
	return handle{TaskID: t.TaskID, Status: t.Status, StatusURL: "/audio/task/" + t.TaskID,
		EventsURL: "/audio/task/" + t.TaskID + "/events"}
}

// accept reads, checks and submits an upload of POST /audio/process.
func (s *Server) accept(w http.ResponseWriter, r *http.Request, urgent bool) (*models.Task, *upload, bool) {
	t, u, herr := s.admit(w, r, urgent, s.readUpload)
	if herr != nil {
		herr.write(w)
		return nil, nil, false
	}
	return t, u, true
}

// admit reads an upload with read, checks it and submits it; urgent puts
// it in the urgent queue unless it asks for background processing.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, urgent bool,
	read func(http.ResponseWriter, *http.Request) (*upload, *httpError)) (*models.Task, *upload, *httpError) {
	// A full service says so before reading a body it cannot take.
	if err := s.tasks.CheckCapacity(r.Context()); err != nil {
		// Closing the connection spares net/http from reading the
		// unread body before it answers.
		w.Header().Set("Connection", "close")
		return nil, nil, s.errorOf(r, err)
	}
	release, herr := s.reserve(r)
	if herr != nil {
		w.Header().Set("Connection", "close")
		return nil, nil, herr
	}
	defer release()
	u, herr := read(w, r)
	if herr == nil {
		herr = s.probe(r, u)
	}
	if herr != nil {
		return nil, nil, herr
	}
	u.sub.Urgent = u.sub.Urgent || (urgent && !u.background)
	u.sub.Owner = principal(r).ID()
	t, existing, err := s.tasks.Submit(r.Context(), u.sub)
	if err != nil {
		return nil, nil, s.errorOf(r, err)
	}
	s.log.Info("task accepted", "request_id", requestID(r), "task_id", t.TaskID, "queue", t.Queue,
		"bytes", len(u.sub.Audio), "audio_s", u.sub.Duration.Seconds(), "existing", existing)
	// The audio is in Redis now: its buffer is not held while a
	// synchronous request waits.
	u.sub.Audio = nil
	return t, u, nil
}

// handleProcess is POST /audio/process: synchronous by default, 202 with a
// task handle for background=true or when the wait times out.
func (s *Server) handleProcess(w http.ResponseWriter, r *http.Request) {
	t, u, ok := s.accept(w, r, true)
	if !ok {
		return
	}
	if u.background {
		writeJSON(w, http.StatusAccepted, handleOf(t))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.SyncTimeout)
	defer cancel()
	var last models.Event
	for ev := range s.events.Subscribe(ctx, t.TaskID, 0) {
		last = ev
	}
	switch last.Type {
	case models.EventCompleted:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(append(last.Data, '\n'))
	case models.EventFailed:
		var f models.FailureData
		if err := json.Unmarshal(last.Data, &f); err != nil {
			f.Error = models.ErrorInfo{Code: "processing_failed", Message: "The task failed."}
		}
		if f.Error.Details == nil {
			f.Error.Details = map[string]any{}
		}
		f.Error.Details["task_id"] = t.TaskID
		writeTaskError(w, f.Error)
	default:
		// The wait timed out, the client left or the service is shutting
		// down: the task goes on, and whoever is still listening gets its
		// handle (never an empty 200).
		h := handleOf(t)
		cur, err := s.tasks.Task(context.WithoutCancel(r.Context()), t.TaskID)
		if err == nil {
			h.Status = cur.Status
		}
		writeJSON(w, http.StatusAccepted, h)
	}
}

// readableTask returns task id when the request's key may see it; it
// answers 404 (as for an unknown id: a key learns nothing of others'
// tasks) or the store's error otherwise.
func (s *Server) readableTask(w http.ResponseWriter, r *http.Request, id string) (*models.Task, bool) {
	if !taskID(id) {
		writeError(w, http.StatusNotFound, "task_not_found", "No task with this id.", nil)
		return nil, false
	}
	t, err := s.tasks.Task(r.Context(), id)
	if err == nil && !mayRead(r, t) {
		err = queue.ErrNotFound
	}
	if err != nil {
		s.writeErr(w, r, err)
		return nil, false
	}
	return t, true
}

// taskID reports whether id has the form of a task id: 32 lowercase hex
// digits. Anything else is not looked up.
func taskID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// handleTask is GET /audio/task/{id}.
func (s *Server) handleTask(w http.ResponseWriter, r *http.Request) {
	if t, ok := s.readableTask(w, r, r.PathValue("id")); ok {
		writeJSON(w, http.StatusOK, t)
	}
}

// handleCancel is DELETE /audio/task/{id}: it cancels a queued or
// running task, and erases a finished one (its result, events and audio).
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cur, ok := s.readableTask(w, r, id)
	if !ok {
		return
	}
	if cur.Status.Terminal() {
		if err := s.tasks.Purge(r.Context(), id); err != nil {
			s.writeErr(w, r, err)
			return
		}
		s.log.Info("task purged", "request_id", requestID(r), "task_id", id, "key_id", principal(r).ID())
		writeJSON(w, http.StatusOK, map[string]string{"task_id": id, "status": "purged"})
		return
	}
	t, err := s.tasks.Cancel(r.Context(), id)
	if err != nil {
		if t != nil && t.Status.Terminal() {
			writeError(w, http.StatusConflict, "task_finished", "The task "+finishedVerb(t.Status)+" meanwhile; DELETE it again to erase it.",
				map[string]any{"task_id": id, "status": t.Status})
			return
		}
		s.writeErr(w, r, err)
		return
	}
	s.log.Info("task cancelled", "request_id", requestID(r), "task_id", id)
	writeJSON(w, http.StatusOK, t)
}

func finishedVerb(s models.TaskStatus) string {
	switch s {
	case models.StatusCompleted:
		return "completed"
	case models.StatusCancelled:
		return "was cancelled"
	}
	return "failed"
}

// handleQueue is GET /audio/queue.
// handleRedriveCase is POST /audio/task/{id}/case: write a task's case
// again after its write-back failed.
func (s *Server) handleRedriveCase(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.readableTask(w, r, r.PathValue("id")); !ok {
		return
	}
	t, err := s.tasks.RedriveCase(r.Context(), r.PathValue("id"))
	if errors.Is(err, queue.ErrCaseState) {
		var state any = "none"
		if t != nil && t.Result != nil && t.Result.Case != nil {
			state = t.Result.Case.Status
		}
		writeError(w, http.StatusConflict, "case_not_failed",
			"Only a case whose write-back failed can be written again.", map[string]any{"case_status": state})
		return
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, t)
}

func (s *Server) handleQueue(w http.ResponseWriter, r *http.Request) {
	st, err := s.tasks.Stats(r.Context())
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady is GET /ready: Redis answers and every readiness check passes.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.tasks.Ping(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, "redis_unavailable", "Redis does not answer.", nil)
		return
	}
	for _, check := range s.ready {
		if err := check(ctx); err != nil {
			writeError(w, http.StatusServiceUnavailable, "not_ready", "Not ready: "+err.Error()+".", nil)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
