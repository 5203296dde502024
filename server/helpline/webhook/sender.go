package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/pipeline/retryafter"
)

// sender POSTs signed events. One http.Client serves every receiver; it
// never follows redirects (a 3xx is a failed attempt), so a receiver cannot
// bounce a signed payload to another host.
type sender struct {
	client    *http.Client
	userAgent string
	now       func() time.Time
}

func newSender(timeout time.Duration) *sender {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   8,
		ForceAttemptHTTP2:     true,
	}
	return &sender{
		client: &http.Client{
			Transport: tr,
			Timeout:   timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		userAgent: "openchs-ai-webhooks/1",
		now:       time.Now,
	}
}

// attempt is the outcome of one POST.
type attempt struct {
	status     int
	statusText string
	err        error // transport error, nil when a reply came
	retryAfter time.Duration
	took       time.Duration
}

func (a attempt) ok() bool { return a.err == nil && a.status >= 200 && a.status < 300 }

// gone reports a 410: the receiver asks never to be called again.
func (a attempt) gone() bool { return a.err == nil && a.status == http.StatusGone }

// describe says what went wrong, for the delivery log and the disabled
// reason: "503 Service Unavailable", "timeout", "connection refused", ...
func (a attempt) describe() string {
	if a.err != nil {
		var ne net.Error
		switch {
		case errors.As(a.err, &ne) && ne.Timeout(), errors.Is(a.err, context.DeadlineExceeded):
			return "timeout"
		}
		msg := a.err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg, "dial") {
			msg = msg[i+2:] // "connection refused", "no such host"
		}
		return truncate(msg, 300)
	}
	if a.statusText != "" {
		return a.statusText
	}
	return strconv.Itoa(a.status)
}

// send POSTs body to url signed with secret.
func (s *sender) send(ctx context.Context, url, secret string, ev *Event, body []byte) attempt {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return attempt{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set(HeaderEventID, ev.ID)
	req.Header.Set(HeaderEventType, string(ev.Type))
	req.Header.Set(HeaderSignature, Sign(secret, s.now(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		return attempt{err: err, took: time.Since(start)}
	}
	// Drain a little so the connection can be reused; receivers' replies
	// are not read.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	a := attempt{status: resp.StatusCode, statusText: resp.Status, took: time.Since(start)}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		a.retryAfter = retryafter.Parse(resp.Header.Get("Retry-After"), s.now())
	}
	return a
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// deliveryError is a failed attempt returned to asynq; RetryAfter feeds the
// retry delay.
type deliveryError struct {
	what       string
	retryAfter time.Duration
}

func (e *deliveryError) Error() string { return fmt.Sprintf("delivery failed: %s", e.what) }
