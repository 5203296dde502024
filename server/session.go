package server

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/openchs/openchs-ai/models"
)

// WSProtocol is the WebSocket subprotocol GET /ws answers with. A browser,
// which cannot set headers on a WebSocket, authenticates by offering it
// together with WSKeyProtocolPrefix followed by its API key in unpadded
// base64url: new WebSocket(url, ["openchs-ai", "openchs-ai.key." + b64]).
// The key then never appears in a URL; the server answers with WSProtocol
// only, never echoing the key.
const (
	WSProtocol          = "openchs-ai"
	WSKeyProtocolPrefix = "openchs-ai.key."
)

// wsProtocolKey returns the API key offered in r's Sec-WebSocket-Protocol
// header, or "".
func wsProtocolKey(r *http.Request) string {
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if enc, ok := strings.CutPrefix(strings.TrimSpace(p), WSKeyProtocolPrefix); ok {
				if b, err := base64.RawURLEncoding.DecodeString(enc); err == nil {
					return string(b)
				}
			}
		}
	}
	return ""
}

// whoami is the answer of GET /whoami.
type whoami struct {
	// KeyID names the key without revealing it ("" with authentication off).
	KeyID  string  `json:"key_id"`
	Scopes []Scope `json:"scopes"`
	// May lists what the key may do, each scope an admin key holds
	// included, so that a client need not know that admin implies them.
	May map[Scope]bool `json:"may"`
}

// handleWhoami is GET /whoami: the request's key id and scopes, so that a
// client (the dashboard's sign-in) checks a key and shows only what it may
// do.
func (s *Server) handleWhoami(w http.ResponseWriter, r *http.Request) {
	k := principal(r)
	out := whoami{Scopes: k.Scopes, May: map[Scope]bool{}}
	if k.Secret != "" {
		out.KeyID = k.ID()
	}
	for _, sc := range allScopes {
		out.May[sc] = k.Has(sc)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleRecent is GET /audio/tasks: the tasks active lately that the key
// may read, the most recently active first (?limit=, default 50, at most
// 200), with their results: a dashboard's history on opening.
func (s *Server) handleRecent(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "bad_field", "The parameter \"limit\" must be a positive number.",
				map[string]any{"field": "limit"})
			return
		}
		limit = min(n, 200)
	}
	k := principal(r)
	if !k.Has(ScopeReadAll) && !k.Has(ScopeReadOwn) {
		writeError(w, http.StatusForbidden, "forbidden",
			"This API key may not do this: it lacks the scope read-own or read-all.", map[string]any{"scope": ScopeReadOwn})
		return
	}
	ts, err := s.tasks.Recent(r.Context(), limit)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	out := make([]*models.Task, 0, len(ts))
	for _, t := range ts {
		if mayRead(r, t) {
			out = append(out, t)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": out})
}
