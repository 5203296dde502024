// Package webhook pushes the built-in helpline's events to subscribers over
// HTTP: case.created and case.updated (tailed from the kase_activity table,
// which the case store writes in the same transaction as every case change),
// and task.completed, task.failed and risk.critical (read from the Redis feed
// of all task events through a consumer group). Every (subscription, event)
// pair is one asynq task on the "webhooks" queue, served by this package's
// own asynq server, retried with exponential backoff and full jitter.
//
// # Delivery
//
// A delivery is a POST of the event as JSON:
//
//	{"id": "evt_…", "type": "case.created", "created_at": "2026-…Z", "data": {…}}
//
// with the headers
//
//	Content-Type: application/json
//	OpenCHS-Event-Id: evt_…          (same on every attempt: dedupe by it)
//	OpenCHS-Event-Type: case.created
//	OpenCHS-Signature: t=1764340000,v1=<64 hex digits>
//
// where t is the time of the attempt in Unix seconds and v1 the hex
// HMAC-SHA256, keyed with the subscription's secret (the whole string; a
// generated one starts "whsec_"), of t, a dot and the raw request body.
// Receivers should refuse a t more than a few minutes away from their clock.
// A 2xx reply means delivered. Redirects are not followed: a 3xx is a failed
// attempt. 410 Gone disables the subscription at once; any other reply or a
// network error is retried, no sooner than a Retry-After (seconds or an HTTP
// date) asks. After a number of consecutive failed attempts,
// or once an event's retries are spent, the subscription is disabled with a
// reason shown by GET /helpline/api/webhooks/{id}; POST …/{id}/enable turns
// it back on.
//
// Deliveries are at least once: a receiver may see an event twice and
// should keep the ids it has handled. Events are not ordered.
//
// # Verifying a delivery (Go)
//
//	func verify(secret string, r *http.Request) ([]byte, error) {
//		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
//		if err != nil {
//			return nil, err
//		}
//		var ts string
//		var sigs []string
//		for _, part := range strings.Split(r.Header.Get("OpenCHS-Signature"), ",") {
//			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
//			switch k {
//			case "t":
//				ts = v
//			case "v1":
//				sigs = append(sigs, v)
//			}
//		}
//		sec, err := strconv.ParseInt(ts, 10, 64)
//		if err != nil || math.Abs(time.Since(time.Unix(sec, 0)).Seconds()) > 300 {
//			return nil, errors.New("missing or stale signature timestamp")
//		}
//		m := hmac.New(sha256.New, []byte(secret))
//		m.Write([]byte(ts + "."))
//		m.Write(body)
//		want := hex.EncodeToString(m.Sum(nil))
//		for _, s := range sigs {
//			if hmac.Equal([]byte(s), []byte(want)) {
//				return body, nil
//			}
//		}
//		return nil, errors.New("signature mismatch")
//	}
//
// Verify in this package does the same.
//
// # Payloads
//
// Task events carry no transcript, translation or evidence text: only the
// task id, status, priority, risk level, category, sub-category, duration,
// the error code of a failure and the task's path (/audio/task/{id}), which
// receivers GET with their API key for the rest. Case events carry the case
// as GET /helpline/api/cases/{id} returns it and the activity row that
// caused the event.
package webhook
