package caseapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/retryafter"
)

// Config says where the helpline is.
type Config struct {
	// BaseURL is the helpline's address, without /helpline/api.
	BaseURL string
	// APIKey is sent as X-API-Key. It is never logged.
	APIKey string
	// Timeout bounds one request; default 15s.
	Timeout time.Duration
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = 15 * time.Second
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c
}

// Validate reports whether c, after WithDefaults, is usable.
func (c Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("helpline URL %q is not an http(s) address", c.BaseURL)
	}
	if c.Timeout < 0 {
		return errors.New("helpline request timeout is negative")
	}
	return nil
}

// Client talks to one helpline's case API.
type Client struct {
	cfg  Config
	http *http.Client
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	tr.ResponseHeaderTimeout = cfg.Timeout
	return &Client{cfg: cfg, http: &http.Client{
		Timeout:   cfg.Timeout,
		Transport: tr,
		// A case API does not redirect; following one could send the key
		// elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

// StatusError is a reply other than success from the helpline.
type StatusError struct {
	Status int
	// Message is the helpline's own explanation, from its error body.
	Message string
	// RetryAfter is what the helpline asked us to wait; 0 when it did not.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("helpline answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Permanent reports whether repeating the request cannot help: a 4xx other
// than 408 (timeout), 409 (a conflict that may clear), 425 and 429.
func (e *StatusError) Permanent() bool {
	switch e.Status {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return e.Status >= 400 && e.Status < 500
}

// Permanent reports whether err is a failure that retrying cannot mend.
func Permanent(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Permanent()
}

// RetryAfterOf returns the wait the helpline asked for with err, if any.
func RetryAfterOf(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// ErrLookupUnsupported: the helpline's case list does not filter by
// external reference, so a case an earlier attempt created cannot be found
// by it (the Idempotency-Key is then the only guard).
var ErrLookupUnsupported = errors.New("helpline cannot look cases up by external reference")

// Create posts c as a new case with idemKey as its Idempotency-Key and
// returns the case the helpline made (at least its id and number).
func (cl *Client) Create(ctx context.Context, c models.Case, idemKey string) (*models.Case, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode case: %w", err)
	}
	req, err := cl.request(ctx, http.MethodPost, "/helpline/api/cases", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Idempotency-Key", idemKey)
	var out wireCase
	if err := cl.do(req, &out); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, errors.New("helpline created a case but gave no id")
	}
	return out.model(), nil
}

// FindByExternalRef returns the case whose external reference is ref, nil
// when there is none, or ErrLookupUnsupported when the helpline's answer
// shows it ignored the filter.
func (cl *Client) FindByExternalRef(ctx context.Context, ref string) (*models.Case, error) {
	q := url.Values{"external_ref": {ref}, "limit": {"2"}}
	req, err := cl.request(ctx, http.MethodGet, "/helpline/api/cases?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var list []wireCase
	if err := cl.do(req, &list); err != nil {
		return nil, err
	}
	for _, c := range list {
		if c.ExternalRef == ref {
			return c.model(), nil
		}
		if c.ExternalRef == "" { // the helpline does not keep the reference
			return nil, ErrLookupUnsupported
		}
	}
	if len(list) > 0 { // cases for other references: the filter was ignored
		return nil, ErrLookupUnsupported
	}
	return nil, nil
}

// Health checks that the helpline answers and takes the key.
func (cl *Client) Health(ctx context.Context) error {
	req, err := cl.request(ctx, http.MethodGet, "/helpline/api/health", nil)
	if err != nil {
		return err
	}
	return cl.do(req, nil)
}

// CaseURL is the address of case id on the helpline's API.
func (cl *Client) CaseURL(id string) string {
	return cl.cfg.BaseURL + "/helpline/api/cases/" + url.PathEscape(id)
}

func (cl *Client) request(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, cl.cfg.BaseURL+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-API-Key", cl.cfg.APIKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// do sends req and decodes a 2xx JSON reply into out (unless nil).
func (cl *Client) do(req *http.Request, out any) error {
	resp, err := cl.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read reply: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{Status: resp.StatusCode, Message: errorMessage(body), RetryAfter: min(retryafter.Parse(resp.Header.Get("Retry-After"), time.Now()), maxRetryAfter)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: reply is not the expected JSON: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// errorMessage finds the helpline's explanation in an error body: this
// service's {"error": {"message"}}, a plain {"error": "..."} or
// {"message": "..."}, or the text itself.
func errorMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  string          `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(v.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return s
		case v.Message != "":
			return v.Message
		case v.Detail != "":
			return v.Detail
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 500 {
		s = s[:500]
	}
	if s == "" {
		s = "(no message)"
	}
	return s
}

// maxRetryAfter caps the wait a helpline may ask for.
const maxRetryAfter = time.Hour

// wireCase reads a case as helplines send it: OpenCHS gives numeric ids,
// this service's built-in helpline gives strings.
type wireCase struct {
	ID          flexString `json:"id"`
	CaseNumber  flexString `json:"case_number"`
	Status      string     `json:"status"`
	ExternalRef string     `json:"external_ref"`
}

func (w wireCase) model() *models.Case {
	return &models.Case{ID: string(w.ID), CaseNumber: string(w.CaseNumber), Status: models.CaseStatus(w.Status), ExternalRef: w.ExternalRef}
}

// flexString is a JSON string or number, kept as text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id is neither a string nor a number: %s", b)
	}
	*f = flexString(n.String())
	return nil
}
