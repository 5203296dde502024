package helpline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/reply"
)

// Prefix is where the API lives.
const Prefix = "/helpline/api"

type route struct {
	method, path string
	auth         bool
	handler      http.HandlerFunc
}

func (h *Helpline) routes() []route {
	return []route{
		{"POST", "/cases", true, h.handleCreate},
		{"GET", "/cases", true, h.handleList},
		{"POST", "/cases/import", true, h.handleImport},
		{"GET", "/cases/export", true, h.handleExport},
		{"GET", "/cases/{id}", true, h.handleGet},
		{"PUT", "/cases/{id}", true, h.handleUpdate},
		{"PATCH", "/cases/{id}", true, h.handleUpdate},
		{"GET", "/cases/{id}/activity", true, h.handleActivity},
		{"GET", "/stats/daily", true, h.handleDaily},
		{"GET", "/health", true, h.handleHealth},
		{"POST", "/sendOTP", false, handleOTP},
		{"POST", "/verifyOTP", false, handleOTP},
	}
}

// Handler serves the API under /helpline/api. auth guards every route but
// sendOTP and verifyOTP (which only say that session sign-in is not
// offered); pass the server's API-key middleware.
func (h *Helpline) Handler(auth func(http.Handler) http.Handler) http.Handler {
	mux := http.NewServeMux()
	routes := h.routes()
	for _, rt := range routes {
		var hd http.Handler = rt.handler
		if rt.auth {
			hd = auth(hd)
		}
		mux.Handle(rt.method+" "+Prefix+rt.path, hd)
	}
	patterns := make([]string, len(routes))
	for i, rt := range routes {
		patterns[i] = rt.method + " " + Prefix + rt.path
	}
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) { reply.Unrouted(w, r, patterns) })
	return mux
}

// createRequest is the body of POST /cases: the guide's fields and the
// optional ones of models.Case. Other fields are ignored.
type createRequest struct {
	Title         string            `json:"title"`
	Description   string            `json:"description"`
	Category      string            `json:"category"`
	SubCategory   string            `json:"sub_category"`
	Priority      models.Priority   `json:"priority"`
	ReporterPhone string            `json:"reporter_phone"`
	ReporterEmail string            `json:"reporter_email"`
	ExternalRef   string            `json:"external_ref"`
	Source        string            `json:"source"`
	Language      string            `json:"language"`
	DurationS     *float64          `json:"duration_s"`
	AIModels      map[string]string `json:"ai_models"`
	AssignedTo    string            `json:"assigned_to"`
}

func (h *Helpline) handleCreate(w http.ResponseWriter, r *http.Request) {
	var in createRequest
	if !h.decode(w, r, &in) {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		reply.Error(w, http.StatusBadRequest, "invalid_idempotency_key", "The Idempotency-Key header is longer than 255 characters.", nil)
		return
	}
	c, existed, err := h.CreateCase(r.Context(), models.Case{
		Title: in.Title, Description: in.Description, Category: in.Category, SubCategory: in.SubCategory,
		Priority: in.Priority, ReporterPhone: in.ReporterPhone, ReporterEmail: in.ReporterEmail,
		ExternalRef: in.ExternalRef, Source: in.Source, Language: in.Language, DurationS: in.DurationS,
		AIModels: in.AIModels, AssignedTo: in.AssignedTo,
	}, CreateOptions{IdempotencyKey: key, Actor: actor(r)})
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	status := http.StatusCreated
	if existed {
		status = http.StatusOK
	}
	w.Header().Set("Location", Prefix+"/cases/"+c.ID)
	reply.JSON(w, status, c)
}

func (h *Helpline) handleGet(w http.ResponseWriter, r *http.Request) {
	c, err := h.GetCase(r.Context(), r.PathValue("id"))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, c)
}

// handleUpdate serves PUT and PATCH alike: the fields sent change, the
// others stay (the guide's updateCase PUTs only its changes).
func (h *Helpline) handleUpdate(w http.ResponseWriter, r *http.Request) {
	var u Update
	if !h.decode(w, r, &u) {
		return
	}
	c, err := h.UpdateCase(r.Context(), r.PathValue("id"), u, actor(r))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, c)
}

func (h *Helpline) handleActivity(w http.ResponseWriter, r *http.Request) {
	as, err := h.Activity(r.Context(), r.PathValue("id"))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, as)
}

// handleList answers a JSON array of cases (the guide's sync client
// iterates over the reply itself); the next page's cursor comes in
// headers.
func (h *Helpline) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f Filter
	bad := func(field, msg string) {
		reply.Error(w, http.StatusBadRequest, "invalid_parameter", msg, map[string]any{"field": field})
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"updated_since", &f.UpdatedSince}, {"created_after", &f.CreatedAfter}} {
		if v := q.Get(t.name); v != "" {
			at, err := ParseTime(v)
			if err != nil {
				bad(t.name, fmt.Sprintf("%s %q is not an ISO 8601 time (2026-11-28T15:04:05.123456, with or without a zone; no zone means UTC).", t.name, v))
				return
			}
			*t.dst = at
		}
	}
	if v := q.Get("status"); v != "" {
		f.Status = models.CaseStatus(v)
		if f.Status.Validate() != nil {
			bad("status", fmt.Sprintf("status %q is not one of open, in_progress, resolved, closed.", v))
			return
		}
	}
	if v := q.Get("priority"); v != "" {
		f.Priority = models.Priority(v)
		if f.Priority.Validate() != nil {
			bad("priority", fmt.Sprintf("priority %q is not one of low, medium, high, critical.", v))
			return
		}
	}
	f.Category, f.ExternalRef, f.Cursor = q.Get("category"), q.Get("external_ref"), q.Get("cursor")
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			bad("limit", fmt.Sprintf("limit %q is not a whole number of 1 or more (the most is %d).", v, MaxLimit))
			return
		}
		f.Limit = n
	}
	cases, next, err := h.ListCases(r.Context(), f)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if next != "" {
		q.Set("cursor", next)
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		w.Header().Set("Link", "<"+u.String()+`>; rel="next"`)
		w.Header().Set("X-Next-Cursor", next)
	}
	reply.JSON(w, http.StatusOK, cases)
}

func (h *Helpline) handleHealth(w http.ResponseWriter, r *http.Request) {
	if err := h.db.PingContext(r.Context()); err != nil {
		h.log.Error("helpline database unreachable", "err", err)
		reply.Error(w, http.StatusServiceUnavailable, "unavailable", "The case database is unreachable; retry later.", nil)
		return
	}
	reply.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func handleOTP(w http.ResponseWriter, r *http.Request) {
	reply.Error(w, http.StatusNotImplemented, "not_implemented",
		"Session sign-in by one-time password is not offered by this helpline; send an API key in the X-API-Key header instead.", nil)
}

// decode reads a JSON body into v, answering the error itself when it
// cannot.
func (h *Helpline) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body := http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	dec := json.NewDecoder(body)
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("data after the JSON object")
		}
	}
	if err == nil {
		return true
	}
	var (
		tooBig  *http.MaxBytesError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		reply.Error(w, http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("The request body is over %d bytes.", tooBig.Limit), map[string]any{"limit": tooBig.Limit})
	case errors.As(err, &typeErr) && typeErr.Field != "":
		reply.Error(w, http.StatusBadRequest, "invalid_field",
			fmt.Sprintf("%s must be a JSON %s.", typeErr.Field, jsonKind(typeErr.Type.Kind().String())), map[string]any{"field": typeErr.Field})
	case errors.Is(err, io.EOF):
		reply.Error(w, http.StatusBadRequest, "invalid_json", "The request body is empty; send a JSON object.", nil)
	default:
		reply.Error(w, http.StatusBadRequest, "invalid_json", "The request body is not a JSON object: "+err.Error()+".", nil)
	}
	return false
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "float64", "int", "int64":
		return "number"
	case "map", "struct":
		return "object"
	case "ptr":
		return "number"
	}
	return "value of another type"
}

// writeErr maps a store error onto a reply.
func (h *Helpline) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var (
		fe *FieldError
		te *TransitionError
	)
	switch {
	case errors.As(err, &fe):
		reply.Error(w, http.StatusBadRequest, "invalid_field", fe.Message, map[string]any{"field": fe.Field})
	case errors.As(err, &te):
		reply.Error(w, http.StatusConflict, "illegal_transition", te.Error(),
			map[string]any{"from": te.From, "to": te.To})
	case errors.Is(err, ErrNotFound):
		reply.Error(w, http.StatusNotFound, "case_not_found", "No case with this id.", map[string]any{"id": r.PathValue("id")})
	case errors.Is(err, ErrIdempotencyConflict):
		reply.Error(w, http.StatusConflict, "idempotency_conflict",
			"This Idempotency-Key was already used to create a different case.", nil)
	case errors.Is(err, ErrExternalRefConflict):
		reply.Error(w, http.StatusConflict, "external_ref_conflict",
			"A different case already has this external_ref.", map[string]any{"field": "external_ref"})
	case errors.Is(err, ErrBadCursor):
		reply.Error(w, http.StatusBadRequest, "invalid_parameter", "The cursor is not one this API gave out.", map[string]any{"field": "cursor"})
	case r.Context().Err() != nil:
		// The client went away; nobody reads the reply.
		reply.Error(w, http.StatusServiceUnavailable, "cancelled", "The request was cancelled.", nil)
	default:
		h.log.Error("helpline request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		reply.Error(w, http.StatusServiceUnavailable, "unavailable", "The case database is unavailable; retry later.", nil)
	}
}

// actor names who made a request in the activity: a short hash of its API
// key (never the key), or "anonymous".
func actor(r *http.Request) string {
	key := r.Header.Get("X-API-Key")
	if key == "" {
		if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
			key = strings.TrimSpace(a[7:])
		}
	}
	if key == "" {
		return "anonymous"
	}
	sum := sha256.Sum256([]byte(key))
	return "key:" + hex.EncodeToString(sum[:6])
}

var (
	spacedZone  = regexp.MustCompile(`(:\d\d(?:\.\d+)?) (\d\d:?\d\d)$`)
	timeLayouts = []string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02",
	}
)

// ParseTime reads an ISO 8601 time as clients send it: RFC 3339, or
// Python's isoformat() without a zone (taken as UTC), or a date (its
// midnight, UTC). A "+" zone that arrived as a space (an unencoded '+' in a
// query string) is read as "+".
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	s = spacedZone.ReplaceAllString(s, "$1+$2")
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not ISO 8601", s)
}
