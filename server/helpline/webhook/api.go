package webhook

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/openchs/openchs-ai/server/reply"
)

// Base is the path the subscription API serves.
const Base = "/helpline/api/webhooks"

// Handler serves the subscription API under Base, every route behind auth:
//
//	POST   /helpline/api/webhooks              {url, events, secret?} → 201, the secret shown once
//	GET    /helpline/api/webhooks              {"webhooks": [...]}, no secrets
//	GET    /helpline/api/webhooks/{id}         the subscription and its recent deliveries (?limit=, default 50)
//	DELETE /helpline/api/webhooks/{id}         204
//	POST   /helpline/api/webhooks/{id}/enable  re-enables a disabled subscription
//
// Paths are matched in full: mount the handler at Base and Base+"/".
func (s *Service) Handler(auth func(http.Handler) http.Handler) http.Handler {
	mux := http.NewServeMux()
	handlers := map[string]http.HandlerFunc{
		"POST " + Base:                  s.create,
		"GET " + Base:                   s.list,
		"GET " + Base + "/{id}":         s.get,
		"DELETE " + Base + "/{id}":      s.remove,
		"POST " + Base + "/{id}/enable": s.enable,
	}
	routes := make([]string, 0, len(handlers))
	for pattern, h := range handlers {
		mux.HandleFunc(pattern, h)
		routes = append(routes, pattern)
	}
	slices.Sort(routes)
	unrouted := func(w http.ResponseWriter, r *http.Request) { reply.Unrouted(w, r, routes) }
	mux.HandleFunc(Base+"/", unrouted)
	mux.HandleFunc(Base, unrouted)
	if auth == nil {
		return mux
	}
	return auth(mux)
}

// createRequest is the body of POST /helpline/api/webhooks.
type createRequest struct {
	URL    string      `json:"url"`
	Events []EventType `json:"events"`
	Secret string      `json:"secret"`
}

// listReply is the body of GET /helpline/api/webhooks.
type listReply struct {
	Webhooks []*Subscription `json:"webhooks"`
}

// detailReply is the body of GET /helpline/api/webhooks/{id}.
type detailReply struct {
	*Subscription
	Deliveries []Delivery `json:"deliveries"`
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(&req); err != nil {
		reply.Error(w, http.StatusBadRequest, "invalid_json", "The body is not a JSON object {url, events, secret?}.",
			map[string]any{"error": err.Error()})
		return
	}
	spec := SubscriptionSpec{URL: strings.TrimSpace(req.URL), Events: req.Events, Secret: req.Secret}
	for _, e := range spec.Events {
		if e.Validate() != nil {
			reply.Error(w, http.StatusBadRequest, "unknown_event_type", "Unknown event type "+strconv.Quote(string(e))+".",
				map[string]any{"field": "events", "event": e, "allowed": EventTypes})
			return
		}
	}
	if err := spec.validate(); err != nil {
		field := "events"
		if validURL(spec.URL) != nil {
			field = "url"
		} else if len(spec.Secret) > 200 {
			field = "secret"
		}
		reply.Error(w, http.StatusBadRequest, "invalid_"+field, capitalize(err.Error())+".", map[string]any{"field": field})
		return
	}
	if spec.Secret == "" {
		spec.Secret = NewSecret()
	}
	sub, err := s.store.create(r.Context(), spec, "api")
	if errors.Is(err, ErrDuplicateURL) {
		reply.Error(w, http.StatusConflict, "duplicate_url", "A webhook subscription with this URL exists.",
			map[string]any{"url": spec.URL})
		return
	}
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	s.log.Info("webhook subscription created", "subscription_id", sub.ID, "host", hostOf(sub.URL), "events", joinEvents(sub.Events))
	w.Header().Set("Location", Base+"/"+strconv.FormatInt(sub.ID, 10))
	reply.JSON(w, http.StatusCreated, sub)
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) {
	subs, err := s.store.list(r.Context(), false)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	for _, sub := range subs {
		sub.Secret = ""
	}
	if subs == nil {
		subs = []*Subscription{}
	}
	reply.JSON(w, http.StatusOK, listReply{Webhooks: subs})
}

func (s *Service) get(w http.ResponseWriter, r *http.Request) {
	id, ok := s.id(w, r)
	if !ok {
		return
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			reply.Error(w, http.StatusBadRequest, "invalid_limit", "limit is a number from 1 to 1000.", map[string]any{"field": "limit"})
			return
		}
		limit = n
	}
	sub, err := s.store.get(r.Context(), id)
	if err != nil {
		s.storeErr(w, r, err)
		return
	}
	sub.Secret = ""
	ds, err := s.store.deliveries(r.Context(), id, limit)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	reply.JSON(w, http.StatusOK, detailReply{Subscription: sub, Deliveries: ds})
}

func (s *Service) remove(w http.ResponseWriter, r *http.Request) {
	id, ok := s.id(w, r)
	if !ok {
		return
	}
	if err := s.store.delete(r.Context(), id); err != nil {
		s.storeErr(w, r, err)
		return
	}
	s.log.Info("webhook subscription deleted", "subscription_id", id)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) enable(w http.ResponseWriter, r *http.Request) {
	id, ok := s.id(w, r)
	if !ok {
		return
	}
	sub, err := s.store.enable(r.Context(), id)
	if err != nil {
		s.storeErr(w, r, err)
		return
	}
	sub.Secret = ""
	s.log.Info("webhook subscription enabled", "subscription_id", id)
	reply.JSON(w, http.StatusOK, sub)
}

func (s *Service) id(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		reply.Error(w, http.StatusNotFound, "webhook_not_found", "No webhook subscription with this id.", nil)
		return 0, false
	}
	return id, true
}

func (s *Service) storeErr(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNotFound) {
		reply.Error(w, http.StatusNotFound, "webhook_not_found", "No webhook subscription with this id.", nil)
		return
	}
	s.unavailable(w, r, err)
}

func (s *Service) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("webhook request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	reply.Error(w, http.StatusServiceUnavailable, "unavailable", "The helpline database is unavailable; retry later.", nil)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
