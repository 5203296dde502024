package webhook

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Subscription is one receiver of webhooks.
type Subscription struct {
	ID     int64       `json:"id"`
	URL    string      `json:"url"`
	Events []EventType `json:"events"`
	// Secret signs the deliveries. It is shown once, in the reply that
	// creates the subscription.
	Secret string `json:"secret,omitempty"`
	// Source says where the subscription came from: "api" or "config".
	Source string `json:"source"`
	Active bool   `json:"active"`
	// DisabledReason says why an inactive subscription was turned off.
	DisabledReason      string     `json:"disabled_reason,omitempty"`
	DisabledAt          *time.Time `json:"disabled_at,omitempty"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// Wants reports whether s asks for events of type t.
func (s *Subscription) Wants(t EventType) bool { return slices.Contains(s.Events, t) }

// Delivery is one attempt to deliver an event, as the delivery log keeps it.
// It holds no payload.
type Delivery struct {
	ID             int64     `json:"id"`
	SubscriptionID int64     `json:"subscription_id"`
	EventID        string    `json:"event_id"`
	EventType      EventType `json:"event_type"`
	Attempt        int       `json:"attempt"`
	// StatusCode is the receiver's HTTP status, 0 when no reply came.
	StatusCode int `json:"status_code"`
	// Delivered is true for a 2xx reply.
	Delivered  bool      `json:"delivered"`
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
	At         time.Time `json:"at"`
}

const maxURLLen = 500

// ErrUnknownEvent is wrapped by validation errors that name an event type
// outside EventTypes.
var ErrUnknownEvent = errors.New("unknown event type")

// validate reports whether s names an http(s) URL and known event types.
func (s *SubscriptionSpec) validate() error {
	if err := validURL(s.URL); err != nil {
		return err
	}
	if len(s.Events) == 0 {
		return errors.New("events is empty: name at least one of " + eventNames())
	}
	for _, e := range s.Events {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	if len(s.Secret) > 200 {
		return errors.New("secret is longer than 200 characters")
	}
	return nil
}

func validURL(raw string) error {
	if len(raw) > maxURLLen {
		return fmt.Errorf("url is %d characters, more than %d", len(raw), maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q does not parse: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("url %q is not http or https", raw)
	}
	if u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("url %q needs a host and no user info or fragment", raw)
	}
	return nil
}

func eventNames() string {
	names := make([]string, len(EventTypes))
	for i, e := range EventTypes {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}

// normalEvents returns events sorted without repeats.
func normalEvents(events []EventType) []EventType {
	out := slices.Clone(events)
	slices.Sort(out)
	return slices.Compact(out)
}

func joinEvents(events []EventType) string {
	s := make([]string, len(events))
	for i, e := range events {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

func splitEvents(s string) []EventType {
	var out []EventType
	for e := range strings.SplitSeq(s, ",") {
		if e != "" {
			out = append(out, EventType(e))
		}
	}
	return out
}

// hostOf returns the host of a subscription URL, for logs: the path and
// query of a receiver's URL may carry a token.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
