package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Scope is one thing an API key may do.
type Scope string

// Scopes. A key without scopes has ScopeAdmin.
const (
	// ScopeSubmit uploads recordings (and reads the reply to its own
	// upload: the synchronous result, the upload's own stream).
	ScopeSubmit Scope = "submit"
	// ScopeReadOwn reads, follows, cancels and re-drives the cases of the
	// tasks this key submitted.
	ScopeReadOwn Scope = "read-own"
	// ScopeReadAll does the same for every task, and follows the feed of
	// all tasks' events (WebSocket "*").
	ScopeReadAll Scope = "read-all"
	// ScopeMetrics reads /metrics and /audio/queue.
	ScopeMetrics Scope = "metrics"
	// ScopeCases uses the built-in helpline (/helpline/api): cases,
	// import and export, webhooks.
	ScopeCases Scope = "cases"
	// ScopeAdmin does everything.
	ScopeAdmin Scope = "admin"
)

var allScopes = []Scope{ScopeSubmit, ScopeReadOwn, ScopeReadAll, ScopeMetrics, ScopeCases, ScopeAdmin}

// Key is an API key and what it may do.
type Key struct {
	Secret string
	Scopes []Scope
}

// ID names a key in task records and logs without revealing it: the first
// 16 hex digits of its SHA-256.
func (k Key) ID() string { return keyID(k.Secret) }

func keyID(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:8])
}

// Has reports whether the key may act within scope s.
func (k Key) Has(s Scope) bool {
	return slices.Contains(k.Scopes, ScopeAdmin) || slices.Contains(k.Scopes, s)
}

// FullAccess is a key with every scope.
func FullAccess(secret string) Key { return Key{Secret: secret, Scopes: []Scope{ScopeAdmin}} }

// ParseKeys reads a key list: comma-separated entries "KEY" (every scope,
// as keys always had) or "KEY:scope+scope" (submit, read-own, read-all,
// metrics, cases, admin). A list that holds no key is an error: no
// authentication is a setting of its own (Config.NoAuth), never an empty
// list.
func ParseKeys(v string) ([]Key, error) {
	var keys []Key
	for i, entry := range strings.Split(v, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		secret, scopes, scoped := strings.Cut(entry, ":")
		k := Key{Secret: secret}
		if !scoped {
			k.Scopes = []Scope{ScopeAdmin}
		}
		for _, s := range strings.Split(scopes, "+") {
			if !scoped {
				break
			}
			if !slices.Contains(allScopes, Scope(s)) {
				return nil, fmt.Errorf("key %d: scope %q is not one of submit, read-own, read-all, metrics, cases, admin", i+1, s)
			}
			k.Scopes = append(k.Scopes, Scope(s))
		}
		if len(secret) < 16 {
			return nil, fmt.Errorf("key %d is shorter than 16 characters", i+1)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("the key list holds no key")
	}
	return keys, nil
}
