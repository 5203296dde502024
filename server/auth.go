package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/openchs/openchs-ai/models"
)

func hashKey(k string) [32]byte { return sha256.Sum256([]byte(k)) }

// storedKey is a configured key, kept as its hash.
type storedKey struct {
	hash [32]byte
	key  Key
}

type principalKey struct{}

// principal is the key a request was let in with; with authentication off,
// a key with every scope.
func principal(r *http.Request) Key {
	k, _ := r.Context().Value(principalKey{}).(Key)
	return k
}

// authenticate lets a request through when it carries a configured API key
// in X-API-Key or as an Authorization bearer token (and, for WebSocket
// upgrades, whose browsers cannot set headers, in the Sec-WebSocket-Protocol
// offer, see WSProtocol, or the api_key query parameter) whose scopes include scope ("" takes any key). Keys are
// compared in constant time. The key is put in the request's context for
// the handlers' ownership checks.
func (s *Server) authenticate(next http.HandlerFunc, scope Scope) http.HandlerFunc {
	return s.authenticateWith(next, scope, (*httpError).write)
}

// authenticateWith is authenticate answering refusals with fail.
func (s *Server) authenticateWith(next http.HandlerFunc, scope Scope, fail func(*httpError, http.ResponseWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.NoAuth {
			// Without keys only this machine may call: a page elsewhere
			// that rebinds its host name to 127.0.0.1 still sends its own
			// name as Host.
			if !loopbackHost(r.Host) {
				fail(&httpError{http.StatusForbidden, "forbidden_host",
					"Without API keys this service answers only requests addressed to localhost.", nil}, w)
				return
			}
			next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, Key{Scopes: []Scope{ScopeAdmin}})))
			return
		}
		secret := r.Header.Get("X-API-Key")
		if secret == "" {
			if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
				secret = strings.TrimSpace(a[7:])
			}
		}
		if secret == "" && r.URL.Path == "/ws" {
			if secret = wsProtocolKey(r); secret == "" {
				secret = r.URL.Query().Get("api_key")
			}
		}
		if secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="openchs-ai"`)
			fail(&httpError{http.StatusUnauthorized, "missing_api_key",
				"An API key is required: send it in the X-API-Key header or as Authorization: Bearer KEY.", nil}, w)
			return
		}
		h := hashKey(secret)
		found := -1
		for i, k := range s.keys {
			if subtle.ConstantTimeCompare(h[:], k.hash[:]) == 1 {
				found = i
			}
		}
		if found < 0 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="openchs-ai", error="invalid_token"`)
			fail(&httpError{http.StatusUnauthorized, "invalid_api_key", "The API key is not valid.", nil}, w)
			return
		}
		key := s.keys[found].key
		if scope != "" && !key.Has(scope) {
			fail(&httpError{http.StatusForbidden, "forbidden",
				"This API key may not do this: it lacks the scope " + string(scope) + ".", map[string]any{"scope": scope}}, w)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, key)))
	}
}

// mayRead reports whether the request's key may see task t: its own task
// with read-own, any task with read-all.
func mayRead(r *http.Request, t *models.Task) bool {
	k := principal(r)
	return k.Has(ScopeReadAll) || (k.Has(ScopeReadOwn) && t.Owner != "" && t.Owner == k.ID())
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
