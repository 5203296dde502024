package server

import (
	"encoding/json"
	"fmt"
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
	t, ok := s.readableTask(w, r, id)
	if !ok {
		return
	}
	last, err := s.tasks.LastSeq(r.Context(), id)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if after > last {
		writeError(w, http.StatusBadRequest, "bad_field", fmt.Sprintf("The parameter \"after\" is past the task's last event (%d).", last),
			map[string]any{"field": "after", "last_seq": last})
		return
	}
	if settled(t) { // nothing more will happen: the rest of the history, and the end
		var evs []models.Event
		if last > after {
			evs, err = s.tasks.Events(r.Context(), id, after, last-after)
		}
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		ch := make(chan models.Event, len(evs))
		for _, ev := range evs {
			ch <- ev
		}
		close(ch)
		s.writeStream(w, r, id, after, ch)
		return
	}
	s.streamNDJSON(w, r, id, after)
}

// settled reports whether nothing more happens to task t: it is finished,
// and a completed task's case write-back is final (or there is none).
func settled(t *models.Task) bool {
	if !t.Status.Terminal() {
		return false
	}
	return t.Status != models.StatusCompleted || t.Result == nil || t.Result.Case == nil || t.Result.Case.Status.Final()
}

// streamNDJSON writes task id's events above after, then the live ones,
// until the task ends.
func (s *Server) streamNDJSON(w http.ResponseWriter, r *http.Request, id string, after int64) {
	s.writeStream(w, r, id, after, s.events.Subscribe(r.Context(), id, after))
}

// writeStream writes events as NDJSON until the channel closes, with
// heartbeats while it is quiet.
func (s *Server) writeStream(w http.ResponseWriter, r *http.Request, id string, after int64, events <-chan models.Event) {
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
