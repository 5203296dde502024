package server

import (
	"fmt"
	"net/http"
	"sync"
)

// uploadRetryAfter is the Retry-After of an upload refused for memory:
// uploads in flight are read and queued within seconds.
const uploadRetryAfter = 5

// uploadMemory counts the bytes of the uploads the server holds at once,
// so that a burst of large uploads is refused cheaply instead of growing
// the process without bound.
type uploadMemory struct {
	mu          sync.Mutex
	used, limit int64
}

// reserve takes room for the body of r before any of it is read: its
// declared length, or the largest upload when it declares none. It returns
// the function that gives the room back, or the 503 to answer.
func (s *Server) reserve(r *http.Request) (func(), *httpError) {
	n := s.cfg.MaxUploadBytes + formOverhead
	if r.ContentLength >= 0 && r.ContentLength < n {
		n = r.ContentLength
	}
	m := s.memory
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.used+n > m.limit {
		return nil, &httpError{http.StatusServiceUnavailable, "uploads_busy",
			fmt.Sprintf("The service is reading as many uploads as its memory allows; try again in %d seconds.", uploadRetryAfter),
			map[string]any{"retry_after_s": uploadRetryAfter}}
	}
	m.used += n
	return func() {
		m.mu.Lock()
		m.used -= n
		m.mu.Unlock()
	}, nil
}
