// Package caseapitest runs a stand-in for an external OpenCHS helpline in
// tests: the case API of the integration guide (POST/GET/PUT
// /helpline/api/cases, GET /helpline/api/health with X-API-Key), with
// idempotency and external references like a careful helpline, and faults
// injected on demand (error statuses with Retry-After, replies slower than
// the client waits, the server down).
package caseapitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
)

// Fault is what the server does with one POST /helpline/api/cases.
type Fault struct {
	// Status, when set, answers with it and an error body instead of
	// creating the case.
	Status     int
	RetryAfter string
	Message    string
	// Delay, when set, creates the case and then waits this long before
	// answering (a client with a shorter timeout never hears of it).
	Delay time.Duration
}

// Server is a test helpline.
type Server struct {
	// Key is the API key it takes.
	Key string
	// URL is its base address (without /helpline/api).
	URL string
	// Faults, when set, decides the fault for a case POST: n counts the
	// POSTs with the same external reference (1 for the first).
	Faults func(ref string, n int) Fault
	// NoLookup makes GET /helpline/api/cases ignore external_ref, like a
	// helpline that cannot filter by it.
	NoLookup bool

	addr string
	srv  *http.Server
	t    testing.TB

	mu       sync.Mutex
	cases    []models.Case
	byIdem   map[string]int
	posts    map[string]int
	requests []*http.Request
}

// New starts a helpline taking key; it stops when the test ends.
func New(t testing.TB, key string) *Server {
	t.Helper()
	s := &Server{Key: key, t: t, byIdem: map[string]int{}, posts: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.URL = "http://" + s.addr
	s.serve(ln)
	t.Cleanup(func() { s.Stop() })
	return s
}

func (s *Server) serve(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /helpline/api/cases", s.create)
	mux.HandleFunc("GET /helpline/api/cases", s.list)
	mux.HandleFunc("GET /helpline/api/cases/{id}", s.get)
	mux.HandleFunc("PUT /helpline/api/cases/{id}", s.update)
	mux.HandleFunc("GET /helpline/api/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"status": "ok"})
	})
	s.srv = &http.Server{Handler: s.auth(mux)}
	go s.srv.Serve(ln)
}

// Stop closes the server: connections are refused until Start.
func (s *Server) Stop() {
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = s.srv.Shutdown(ctx)
		s.srv.Close()
		s.srv = nil
	}
}

// Start serves again on the same address after Stop.
func (s *Server) Start() {
	var ln net.Listener
	var err error
	for range 100 { // the old socket may linger for a moment
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Errorf("restart test helpline: %v", err)
		return
	}
	s.serve(ln)
}

func (s *Server) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != s.Key {
			writeError(w, http.StatusUnauthorized, "The API key is not valid.")
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(context.Background()))
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "Send the case as application/json.")
		return
	}
	var c models.Case
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		writeError(w, http.StatusBadRequest, "The body is not a JSON case: "+err.Error())
		return
	}
	for _, f := range []struct{ name, v string }{{"title", c.Title}, {"category", c.Category}, {"priority", string(c.Priority)}} {
		if strings.TrimSpace(f.v) == "" {
			writeError(w, http.StatusBadRequest, "Missing required field: "+f.name)
			return
		}
	}
	if c.Priority.Validate() != nil {
		writeError(w, http.StatusBadRequest, "Invalid priority: "+string(c.Priority))
		return
	}
	s.mu.Lock()
	s.posts[c.ExternalRef]++
	n := s.posts[c.ExternalRef]
	s.mu.Unlock()
	var f Fault
	if s.Faults != nil {
		f = s.Faults(c.ExternalRef, n)
	}
	if f.Status != 0 {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		writeError(w, f.Status, msg)
		return
	}
	got, existed := s.store(c, r.Header.Get("Idempotency-Key"))
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	status := http.StatusCreated
	if existed {
		status = http.StatusOK
	}
	writeJSON(w, status, got)
}

// store keeps c unless its idempotency key or external reference is
// known; it returns the case and whether it existed.
func (s *Server) store(c models.Case, idem string) (models.Case, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.byIdem[idem]; ok && idem != "" {
		return s.cases[i], true
	}
	if c.ExternalRef != "" {
		for _, k := range s.cases {
			if k.ExternalRef == c.ExternalRef {
				return k, true
			}
		}
	}
	n := len(s.cases) + 1
	c.ID = strconv.Itoa(n)
	c.CaseNumber = fmt.Sprintf("TEST-%06d", n)
	c.Status = models.CaseOpen
	now := time.Now().UTC()
	c.CreatedAt, c.UpdatedAt = &now, &now
	s.cases = append(s.cases, c)
	if idem != "" {
		s.byIdem[idem] = n - 1
	}
	return c, false
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	ref := r.URL.Query().Get("external_ref")
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []models.Case{}
	for _, c := range s.cases {
		if ref == "" || s.NoLookup || c.ExternalRef == ref {
			if s.NoLookup {
				c.ExternalRef = ""
			}
			out = append(out, c)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) find(id string) int {
	return slices.IndexFunc(s.cases, func(c models.Case) bool { return c.ID == id || c.CaseNumber == id })
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(r.PathValue("id"))
	if i < 0 {
		writeError(w, http.StatusNotFound, "No such case.")
		return
	}
	writeJSON(w, http.StatusOK, s.cases[i])
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	var u map[string]any
	if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
		writeError(w, http.StatusBadRequest, "The body is not JSON.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(r.PathValue("id"))
	if i < 0 {
		writeError(w, http.StatusNotFound, "No such case.")
		return
	}
	if v, ok := u["status"].(string); ok {
		s.cases[i].Status = models.CaseStatus(v)
	}
	if v, ok := u["priority"].(string); ok {
		s.cases[i].Priority = models.Priority(v)
	}
	writeJSON(w, http.StatusOK, s.cases[i])
}

// Cases returns the cases it holds.
func (s *Server) Cases() []models.Case {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.cases)
}

// CasesByRef counts its cases per external reference.
func (s *Server) CasesByRef() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for _, c := range s.cases {
		m[c.ExternalRef]++
	}
	return m
}

// Requests returns the requests it took, in order.
func (s *Server) Requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// WaitCases waits until it holds n cases.
func (s *Server) WaitCases(n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if len(s.Cases()) >= n {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("timed out waiting for cases: have " + strconv.Itoa(len(s.Cases())) + ", want " + strconv.Itoa(n))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_")), "message": msg}})
}
