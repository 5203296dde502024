package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/queue"
	"github.com/openchs/openchs-ai/server/reply"
)

// The OpenAI-compatible audio API: POST /v1/audio/transcriptions and
// /v1/audio/translations take OpenAI's form and answer in OpenAI's shapes,
// errors included. A request is an urgent task of the same queue and
// workers as POST /audio/process, with translation only for translations
// and neither classification nor a case.

// whisper1 is the model name OpenAI's clients send; it stands for the
// model the workers run.
const whisper1 = "whisper-1"

// openAIPath reports whether path belongs to the OpenAI-compatible API.
func openAIPath(path string) bool { return path == "/v1" || strings.HasPrefix(path, "/v1/") }

// openAIError is OpenAI's error shape.
type openAIError struct {
	Error openAIErrorInfo `json:"error"`
}

type openAIErrorInfo struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// openAIErrorOf is e in OpenAI's shape: the type follows the status, the
// param is the form field at fault (when there is one), the code is the
// service's.
func openAIErrorOf(e *httpError) openAIError {
	typ := "invalid_request_error"
	switch {
	case e.status >= 500:
		typ = "server_error"
	case e.status == http.StatusTooManyRequests:
		typ = "rate_limit_error"
	}
	var param *string
	if f, ok := e.details["field"].(string); ok {
		param = &f
	}
	return openAIError{openAIErrorInfo{Message: e.msg, Type: typ, Param: param, Code: e.code}}
}

// writeOpenAI answers with e in OpenAI's error shape.
func (e *httpError) writeOpenAI(w http.ResponseWriter) {
	setRetryAfter(w, e)
	writeJSON(w, e.status, openAIErrorOf(e))
}

func (s *Server) unroutedOpenAI(w http.ResponseWriter, r *http.Request) {
	if allowed := reply.Allowed(r.URL.Path, s.Routes()); len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		(&httpError{http.StatusMethodNotAllowed, "method_not_allowed",
			fmt.Sprintf("%s is not allowed here; use %s.", r.Method, strings.Join(allowed, " or ")), nil}).writeOpenAI(w)
		return
	}
	(&httpError{http.StatusNotFound, "not_found", fmt.Sprintf("Unknown request URL: %s %s.", r.Method, r.URL.Path), nil}).writeOpenAI(w)
}

// openAIModel is an entry of GET /v1/models.
type openAIModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

func (s *Server) servedModels() []openAIModel {
	names := []string{whisper1}
	if s.cfg.Model != "" && s.cfg.Model != whisper1 {
		names = append(names, s.cfg.Model)
	}
	out := make([]openAIModel, len(names))
	for i, n := range names {
		out[i] = openAIModel{ID: n, Object: "model", OwnedBy: "openchs-ai"}
	}
	return out
}

// handleModels is GET /v1/models: whisper-1 and the model it stands for.
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": s.servedModels()})
}

// handleModel is GET /v1/models/{model}.
func (s *Server) handleModel(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("model")
	for _, m := range s.servedModels() {
		if m.ID == name {
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	(&httpError{http.StatusNotFound, "model_not_found", fmt.Sprintf("The model %q does not exist here.", name),
		map[string]any{"field": "model"}}).writeOpenAI(w)
}

// checkModel accepts whisper-1 and the model the workers run. A catalog
// model the workers do not run is refused as model_not_available: the
// queue has one kind of worker, and a request cannot pick another model.
func (s *Server) checkModel(name string) *httpError {
	field := map[string]any{"field": "model"}
	switch {
	case name == "":
		return &httpError{http.StatusBadRequest, "missing_field", "The form has no \"model\": send whisper-1 or a model GET /v1/models lists.", field}
	case name == whisper1 || name == s.cfg.Model:
		return nil
	case slices.Contains(s.cfg.KnownModels, name):
		served := s.cfg.Model
		if served == "" {
			served = "another model"
		} else {
			served = strconv.Quote(served)
		}
		return &httpError{http.StatusBadRequest, "model_not_available",
			fmt.Sprintf("The model %q is not run by this service's workers, which run %s; send whisper-1 for it.", name, served), field}
	}
	return &httpError{http.StatusBadRequest, "model_not_found",
		fmt.Sprintf("The model %q does not exist; GET /v1/models lists the models served here.", name), field}
}

// Response formats.
const (
	formatJSON        = "json"
	formatText        = "text"
	formatSRT         = "srt"
	formatVTT         = "vtt"
	formatVerboseJSON = "verbose_json"
)

// openAIRequest is what a /v1/audio request asks for besides its audio.
type openAIRequest struct {
	translate   bool
	format      string
	words       bool // timestamp_granularities includes word
	segments    bool // verbose_json lists segments
	stream      bool
	temperature float64
}

func badField(field, msg string) *httpError {
	return &httpError{http.StatusBadRequest, "bad_field", msg, map[string]any{"field": field}}
}

// readOpenAI reads the form of a /v1/audio request into an upload and req.
func (s *Server) readOpenAI(w http.ResponseWriter, r *http.Request, req *openAIRequest) (*upload, *httpError) {
	audio, f, herr := s.readForm(w, r, "file")
	if herr != nil {
		return nil, herr
	}
	if herr := s.checkModel(strings.TrimSpace(f.Get("model"))); herr != nil {
		return nil, herr
	}
	req.format = strings.TrimSpace(f.Get("response_format"))
	switch req.format {
	case "":
		req.format = formatJSON
	case formatJSON, formatText, formatSRT, formatVTT, formatVerboseJSON:
	default:
		return nil, badField("response_format", fmt.Sprintf("The response_format %q is not one of json, text, srt, verbose_json, vtt.", req.format))
	}
	granularities := append(f["timestamp_granularities[]"], f["timestamp_granularities"]...)
	req.segments = len(granularities) == 0
	for _, g := range granularities {
		switch g {
		case "word":
			req.words = true
		case "segment":
			req.segments = true
		default:
			return nil, badField("timestamp_granularities", fmt.Sprintf("The timestamp granularity %q is neither word nor segment.", g))
		}
	}
	if len(granularities) > 0 && req.format != formatVerboseJSON {
		return nil, badField("timestamp_granularities", "timestamp_granularities needs response_format verbose_json.")
	}
	if v := f.Get("stream"); v != "" {
		b, err := parseBool(v)
		if err != nil {
			return nil, badField("stream", "The field \"stream\" must be true or false.")
		}
		req.stream = b
	}
	if req.stream && req.translate {
		return nil, badField("stream", "Translations are not streamed; leave out stream.")
	}
	if req.stream && req.format != formatJSON && req.format != formatText {
		return nil, badField("stream", "A streamed transcription is sent as transcript.text events: use response_format json or text.")
	}
	if v := strings.TrimSpace(f.Get("temperature")); v != "" {
		t, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(t) || t < 0 || t > 1 {
			return nil, badField("temperature", "The temperature must be a number from 0 to 1.")
		}
		req.temperature = t
	}
	opts := models.TaskOptions{Language: "auto", IncludeTranslation: req.translate,
		Prompt: f.Get("prompt"), Temperature: req.temperature, Words: req.words && !req.translate}
	if v := strings.ToLower(strings.TrimSpace(f.Get("language"))); v != "" && !req.translate {
		opts.Language = v
	}
	// The form bounds the prompt and the temperature is checked above:
	// what is left to refuse is the language.
	if err := opts.Validate(); err != nil {
		return nil, badField("language", "A form field is invalid: "+err.Error()+".")
	}
	return &upload{sub: queue.Submission{Audio: audio, Options: opts, IdempotencyKey: r.Header.Get("Idempotency-Key")}}, nil
}

// handleTranscriptions is POST /v1/audio/transcriptions.
func (s *Server) handleTranscriptions(w http.ResponseWriter, r *http.Request) {
	s.serveOpenAI(w, r, &openAIRequest{})
}

// handleTranslations is POST /v1/audio/translations: English text.
func (s *Server) handleTranslations(w http.ResponseWriter, r *http.Request) {
	s.serveOpenAI(w, r, &openAIRequest{translate: true})
}

func (s *Server) serveOpenAI(w http.ResponseWriter, r *http.Request, req *openAIRequest) {
	read := func(w http.ResponseWriter, r *http.Request) (*upload, *httpError) { return s.readOpenAI(w, r, req) }
	t, _, herr := s.admit(w, r, true, read)
	if herr != nil {
		herr.writeOpenAI(w)
		return
	}
	// The task can be followed, fetched or erased like any other.
	w.Header().Set("X-Task-ID", t.TaskID)
	if req.stream {
		s.streamTranscript(w, r, t.TaskID)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.SyncTimeout)
	defer cancel()
	o := s.follow(ctx, t.TaskID, nil, nil)
	tr, herr := o.transcript(t.TaskID, req.translate)
	if herr != nil {
		herr.writeOpenAI(w)
		return
	}
	writeTranscript(w, tr, req)
}

// outcome is what a task's events tell of its end.
type outcome struct {
	result      *models.Result
	translation *models.Translation
	failure     *models.ErrorInfo
}

// follow reads task id's events until it ends or ctx does, handing each
// new segment to segment (once, though a re-run task decodes it again) and calling beat when the task has been quiet for
// the heartbeat interval; either returning false stops it. Both may be nil.
func (s *Server) follow(ctx context.Context, id string, segment func(models.Segment) bool, beat func() bool) outcome {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var o outcome
	decoded, handed := 0, 0 // segments of this attempt, segments handed to segment
	var quiet <-chan time.Time
	var hb *time.Ticker
	if beat != nil {
		hb = time.NewTicker(s.cfg.Heartbeat)
		defer hb.Stop()
		quiet = hb.C
	}
	events := s.events.Subscribe(ctx, id, 0)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return o
			}
			if hb != nil {
				hb.Reset(s.cfg.Heartbeat)
			}
			switch ev.Type {
			case models.EventStarted:
				// A task run again after its worker died decodes its
				// segments again: only those past the ones handed on count.
				decoded = 0
			case models.EventTranscriptionSegment:
				if decoded++; decoded <= handed {
					break
				}
				handed++
				var sg models.Segment
				if segment != nil && json.Unmarshal(ev.Data, &sg) == nil && !segment(sg) {
					return o
				}
			case models.EventTranslationComplete:
				o.translation = &models.Translation{}
				if json.Unmarshal(ev.Data, o.translation) != nil {
					o.translation = nil
				}
			case models.EventCompleted:
				o.result = &models.Result{}
				if json.Unmarshal(ev.Data, o.result) != nil {
					o.result = nil
					o.failure = &models.ErrorInfo{Code: "processing_failed", Message: "The task's result cannot be read."}
				}
			case models.EventFailed:
				var f models.FailureData
				if err := json.Unmarshal(ev.Data, &f); err != nil || f.Error.Code == "" {
					f.Error = models.ErrorInfo{Code: "processing_failed", Message: "The task failed."}
				}
				o.failure = &f.Error
			}
		case <-quiet:
			if !beat() {
				return o
			}
		}
	}
}

// transcript is the text a /v1/audio request answers with.
type transcript struct {
	text     string
	language string // ISO 639-1
	duration models.Seconds
	segments []models.Segment
}

// transcript picks the transcript (or, with translate, the English
// translation) out of o, or the error to answer with.
func (o outcome) transcript(taskID string, translate bool) (*transcript, *httpError) {
	switch {
	case o.failure != nil:
		details := map[string]any{"task_id": taskID}
		return nil, &httpError{statusOfCode(o.failure.Code), o.failure.Code, o.failure.Message, details}
	case o.result == nil:
		// The wait timed out, the client left or the service is shutting
		// down; the task goes on.
		return nil, &httpError{http.StatusGatewayTimeout, "timeout",
			"The recording was not transcribed in time; the task goes on as " + taskID + ".", map[string]any{"task_id": taskID}}
	}
	res := o.result
	tr := &transcript{text: res.Transcript, language: res.Language, duration: res.Duration, segments: res.Segments}
	if !translate {
		return tr, nil
	}
	t := o.translation
	switch {
	case t == nil || t.Status == models.TranslationFailed:
		return nil, &httpError{http.StatusBadGateway, "translation_failed",
			"The recording was transcribed but its translation failed.", map[string]any{"task_id": taskID}}
	case t.Status == models.TranslationSkipped: // already in the target language
		return tr, nil
	}
	tr.text, tr.language, tr.segments = t.Text, t.TargetLanguage, t.Segments
	if len(tr.segments) == 0 && tr.text != "" {
		tr.segments = []models.Segment{{Start: 0, End: res.Duration, Text: tr.text}}
	}
	return tr, nil
}
