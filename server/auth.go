package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

func hashKey(k string) [32]byte { return sha256.Sum256([]byte(k)) }

// authenticate lets a request through when it carries a configured API key
// in X-API-Key or as an Authorization bearer token (and, for WebSocket
// upgrades, whose browsers cannot set headers, in the api_key query
// parameter). Keys are compared in constant time. Without configured keys
// every request passes.
func (s *Server) authenticate(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if len(s.keys) == 0 {
			next(w, r)
			return
		}
		key := r.Header.Get("X-API-Key")
		if key == "" {
			if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
				key = strings.TrimSpace(a[7:])
			}
		}
		if key == "" && r.URL.Path == "/ws" {
			key = r.URL.Query().Get("api_key")
		}
		if key == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="openchs-ai"`)
			writeError(w, http.StatusUnauthorized, "missing_api_key",
				"An API key is required: send it in the X-API-Key header.", nil)
			return
		}
		h := hashKey(key)
		ok := 0
		for _, k := range s.keys {
			ok |= subtle.ConstantTimeCompare(h[:], k[:])
		}
		if ok != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="openchs-ai", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid_api_key", "The API key is not valid.", nil)
			return
		}
		next(w, r)
	}
}
