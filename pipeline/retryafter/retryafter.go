// Package retryafter reads the Retry-After header of an HTTP reply, which
// the service's outbound clients (case write-back, webhooks, translation)
// honour before they try a peer again.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Parse reads a Retry-After value, delay seconds or an HTTP date, as a
// wait from now. It returns 0 when the value is absent, unreadable, not
// positive or in the past; callers cap what it returns.
func Parse(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 1<<30)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
