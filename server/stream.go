package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/openchs/openchs-ai/models"
)

// handleProcessStream is POST /audio/process-stream: the upload's events as
// NDJSON, one per line, flushed as they happen, ending with completed or
// failed.
func (s *Server) handleProcessStream(w http.ResponseWriter, r *http.Request) {
	t, _, ok := s.accept(w, r, true)
	if !ok {
		return
	}
	s.streamNDJSON(w, r, t.TaskID, 0)
}

// handleEvents is GET /audio/task/{id}/events: the task's events from the
// start (or after ?after=SEQ), then the live ones until the task ends.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "bad_field", "The parameter \"after\" must be a non-negative event number.",
				map[string]any{"field": "after"})
			return
		}
		after = n
	}
	if _, ok := s.readableTask(w, r, id); !ok {
		return
	}
	s.streamNDJSON(w, r, id, after)
}

func (s *Server) streamNDJSON(w http.ResponseWriter, r *http.Request, id string, after int64) {
	ctx := r.Context()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// The write deadlines must not outlive the stream on a kept-alive
	// connection.
	defer rc.SetWriteDeadline(time.Time{})
	enc := json.NewEncoder(w)
	write := func(ev models.Event) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if err := enc.Encode(ev); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	hb := time.NewTicker(s.cfg.Heartbeat)
	defer hb.Stop()
	last := after
	events := s.events.Subscribe(ctx, id, after)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			if !write(ev) {
				return
			}
			last = ev.Seq
			hb.Reset(s.cfg.Heartbeat)
		case <-hb.C:
			if !write(models.Event{Type: models.EventHeartbeat, TaskID: id, Seq: last, TS: time.Now().UTC()}) {
				return
			}
		}
	}
}
