package reply

import (
	"fmt"
	"net/http"
	"strings"
)

// Unrouted answers a request no route took: 405 with Allow when routes
// (patterns "METHOD /path/{wildcard}") serve its path with other methods,
// else 404.
func Unrouted(w http.ResponseWriter, r *http.Request, routes []string) {
	if allowed := Allowed(r.URL.Path, routes); len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		Error(w, http.StatusMethodNotAllowed, "method_not_allowed",
			fmt.Sprintf("%s is not allowed here; use %s.", r.Method, strings.Join(allowed, " or ")), nil)
		return
	}
	Error(w, http.StatusNotFound, "not_found", "No such endpoint.", map[string]any{"path": r.URL.Path})
}

// Allowed lists the methods routes (patterns "METHOD /path/{wildcard}")
// serve path with.
func Allowed(path string, routes []string) []string {
	var allowed []string
	for _, rt := range routes {
		method, pattern, _ := strings.Cut(rt, " ")
		if pathMatches(pattern, path) {
			allowed = append(allowed, method)
		}
	}
	return allowed
}

// pathMatches matches a path against a route pattern with {wildcards}.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], "{") && ps[i] != xs[i] {
			return false
		}
	}
	return true
}
