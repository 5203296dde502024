package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline"
	"github.com/openchs/openchs-ai/queue"
)

// formOverhead is what a multipart body may hold besides the audio: the
// other fields and the part headers.
const formOverhead = 64 << 10

// maxField bounds each form field but the file.
const maxField = 4096

// upload is a parsed POST /audio/process form.
type upload struct {
	sub        queue.Submission
	background bool
}

// httpError is a reply decided while reading a request.
type httpError struct {
	status  int
	code    string
	msg     string
	details map[string]any
}

func (e *httpError) Error() string { return e.msg }

func (e *httpError) write(w http.ResponseWriter) {
	setRetryAfter(w, e)
	writeError(w, e.status, e.code, e.msg, e.details)
}

// setRetryAfter sets the Retry-After header an error's details ask for.
func setRetryAfter(w http.ResponseWriter, e *httpError) {
	if secs, ok := e.details["retry_after_s"].(int); ok {
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
}

func (s *Server) tooLarge() *httpError {
	return &httpError{http.StatusRequestEntityTooLarge, "upload_too_large",
		fmt.Sprintf("The upload is larger than the %d bytes this service accepts.", s.cfg.MaxUploadBytes),
		map[string]any{"max_bytes": s.cfg.MaxUploadBytes}}
}

// readUpload reads the multipart form of an upload.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (*upload, *httpError) {
	audio, fields, herr := s.readForm(w, r, "audio")
	if herr != nil {
		return nil, herr
	}
	u := &upload{sub: queue.Submission{Options: models.DefaultTaskOptions(), IdempotencyKey: r.Header.Get("Idempotency-Key")}}
	u.sub.Audio = audio
	o := &u.sub.Options
	if v := strings.TrimSpace(fields.Get("language")); v != "" {
		o.Language = strings.ToLower(v)
	}
	o.Title, o.ReporterPhone, o.ReporterEmail = fields.Get("title"), fields.Get("reporter_phone"), fields.Get("reporter_email")
	o.Channels = strings.ToLower(strings.TrimSpace(fields.Get("channels")))
	o.AgentChannel = strings.ToLower(strings.TrimSpace(fields.Get("agent_channel")))
	for name, dst := range map[string]*bool{
		"include_translation":    &o.IncludeTranslation,
		"include_classification": &o.IncludeClassification,
		"create_case":            &o.CreateCase,
		"background":             &u.background,
	} {
		v := fields.Get(name)
		if v == "" {
			continue
		}
		b, err := parseBool(v)
		if err != nil {
			return nil, &httpError{http.StatusBadRequest, "bad_field", fmt.Sprintf("The field %q must be true or false.", name),
				map[string]any{"field": name}}
		}
		*dst = b
	}
	if v := fields.Get("vad"); v != "" {
		on, err := parseBool(v)
		if err != nil {
			return nil, &httpError{http.StatusBadRequest, "bad_field", "The field \"vad\" must be on or off.",
				map[string]any{"field": "vad"}}
		}
		o.VADOff = !on
	}
	if fields.Get("priority") == "urgent" {
		u.sub.Urgent = true
	}
	if err := o.Validate(); err != nil {
		return nil, &httpError{http.StatusBadRequest, "bad_field", "A form field is invalid: " + err.Error() + ".", nil}
	}
	return u, nil
}

// readForm reads a multipart form whose file is in the field named file:
// the file and the other fields. It refuses a body declared too large
// before reading any of it, and stops reading one that turns out too large.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request, file string) ([]byte, url.Values, *httpError) {
	limit := s.cfg.MaxUploadBytes + formOverhead
	if r.ContentLength > limit {
		return nil, nil, s.tooLarge()
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, nil, &httpError{http.StatusUnsupportedMediaType, "not_multipart",
			fmt.Sprintf("Send the recording as multipart/form-data with the file in the field %q.", file), nil}
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, &httpError{http.StatusBadRequest, "bad_form", "The multipart form cannot be read: " + err.Error() + ".", nil}
	}
	var audio []byte
	fields := url.Values{}
	fieldBytes := 0
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, s.readError(err)
		}
		name := p.FormName()
		if name == file {
			var buf bytes.Buffer
			n, err := buf.ReadFrom(io.LimitReader(p, s.cfg.MaxUploadBytes+1))
			if err != nil {
				return nil, nil, s.readError(err)
			}
			if n > s.cfg.MaxUploadBytes {
				return nil, nil, s.tooLarge()
			}
			audio = buf.Bytes()
			continue
		}
		v, err := io.ReadAll(io.LimitReader(p, maxField+1))
		if err != nil {
			return nil, nil, s.readError(err)
		}
		if len(v) > maxField {
			return nil, nil, &httpError{http.StatusBadRequest, "bad_field", fmt.Sprintf("The field %q is longer than %d bytes.", name, maxField),
				map[string]any{"field": name}}
		}
		if fieldBytes += len(name) + len(v); fieldBytes > formOverhead {
			return nil, nil, &httpError{http.StatusBadRequest, "bad_form",
				fmt.Sprintf("The form's fields besides the file hold more than %d bytes.", formOverhead), nil}
		}
		fields.Add(name, string(v))
	}
	if audio == nil {
		return nil, nil, &httpError{http.StatusBadRequest, "missing_field", fmt.Sprintf("The form has no file in the field %q.", file),
			map[string]any{"field": file}}
	}
	return audio, fields, nil
}

func (s *Server) readError(err error) *httpError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return s.tooLarge()
	}
	return &httpError{http.StatusBadRequest, "bad_form", "The upload was cut short or is malformed.", nil}
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "on":
		return true, nil
	case "no", "off":
		return false, nil
	}
	return strconv.ParseBool(strings.TrimSpace(v))
}

// probe decodes the upload to refuse bad audio before it is queued and to
// learn its duration. Without a decoder it accepts everything.
// minDuration is the shortest recording worth queueing: the transcriber
// takes no less.
const minDuration = 100 * time.Millisecond

// prober checks a recording and returns its length without keeping its
// samples; audio.Decoder is one.
type prober interface {
	Probe(ctx context.Context, data []byte) (time.Duration, error)
}

func (s *Server) probe(r *http.Request, u *upload) *httpError {
	if s.decoder == nil {
		return nil
	}
	wait := time.NewTimer(s.cfg.ProbeWait)
	defer wait.Stop()
	select {
	case s.probes <- struct{}{}:
		defer func() { <-s.probes }()
	case <-wait.C:
		return &httpError{http.StatusServiceUnavailable, "busy", "Too many uploads are being checked; retry later.",
			map[string]any{"retry_after_s": int(s.cfg.ProbeWait.Seconds())}}
	case <-r.Context().Done():
		return &httpError{http.StatusServiceUnavailable, "cancelled", "The request ended.", nil}
	}
	var d time.Duration
	var err error
	if p, ok := s.decoder.(prober); ok { // checks every frame, keeps none
		d, err = p.Probe(r.Context(), u.sub.Audio)
	} else {
		var pcm []float32
		pcm, err = s.decoder.Decode(r.Context(), u.sub.Audio)
		d = time.Duration(len(pcm)) * time.Second / pipeline.SampleRate
	}
	switch {
	case err != nil:
	case d == 0:
		err = pipeline.ErrEmptyAudio
	case d < minDuration:
		err = fmt.Errorf("%v of audio: %w", d, pipeline.ErrAudioTooShort)
	}
	if err != nil {
		info := queue.ErrorInfoOf(err)
		if !pipeline.BadAudio(err) {
			return &httpError{http.StatusServiceUnavailable, "decoder_unavailable", "The upload could not be checked.", nil}
		}
		return &httpError{statusOfCode(info.Code), info.Code, info.Message, info.Details}
	}
	if d > s.cfg.MaxDuration {
		return &httpError{http.StatusRequestEntityTooLarge, "audio_too_long",
			fmt.Sprintf("The recording lasts %s; this service accepts up to %s.", d.Round(time.Second), s.cfg.MaxDuration),
			map[string]any{"duration_s": d.Seconds(), "max_duration_s": s.cfg.MaxDuration.Seconds()}}
	}
	u.sub.Duration = d
	return nil
}
