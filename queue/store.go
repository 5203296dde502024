package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/models"
)

// Errors of task lookups and changes.
var (
	// ErrNotFound: no task with this id (never seen, or expired).
	ErrNotFound = errors.New("task not found")
	// ErrFinished: the task already completed, failed or was cancelled.
	ErrFinished = errors.New("task already finished")
	// ErrNotFinished: the task is still queued or running.
	ErrNotFinished = errors.New("task not finished")
	// ErrIdempotencyConflict: the idempotency key was used with another
	// upload.
	ErrIdempotencyConflict = errors.New("idempotency key reused with different audio")
)

// QueueFullError refuses work while as many tasks hold audio (queued or
// running) as the limit allows. Pending counts them; Queue is the queue the
// refused upload was for.
type QueueFullError struct {
	Queue      string
	Pending    int64
	Limit      int
	RetryAfter time.Duration
}

func (e *QueueFullError) Error() string {
	return fmt.Sprintf("%d tasks hold audio, limit %d", e.Pending, e.Limit)
}

// store reads and writes task records and events. A record is a Redis hash;
// its status only moves forward and, once terminal, never changes again:
// the publish script refuses to add an event to a finished task.
type store struct {
	rdb  redis.UniversalClient
	keys keys
	cfg  Config
}

// publishScript appends an event to a task's stream and to the feed of all
// events, updates the task's record and its place in the case outbox,
// atomically. The event's sequence number is the sequence part of its
// stream id, 0-1, 0-2, ... The feed keeps large events (a completed event
// carries the whole result) as a reference only, which readers resolve from
// the task's stream.
//
// In mode "live" (the pipeline's events) it refuses when the record is gone
// (-1) or finished (-2). In mode "done" (the case write-back, after the
// task completed) it refuses unless the task completed (-3) and, when a
// case state is required, unless the record's case state is that one (-4).
//
// A task whose status becomes final leaves the set of tasks holding audio,
// and its audio is deleted in the same step (unless audio is retained).
//
// KEYS: record, task stream, feed, case outbox, tasks holding audio, the
// audio ("" to keep it).
// ARGV: event JSON ("" for no event), stream max length, TTL ms, feed max
// length, task id, mode, required case state ("" for any), outbox op (""
// | "add" | "rem"), outbox score, then field/value pairs for the record.
var publishScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {-1, ''} end
if ARGV[6] == 'live' then
  if st == 'completed' or st == 'failed' or st == 'cancelled' then return {-2, st} end
elseif st ~= 'completed' then
  return {-3, st}
end
if ARGV[7] ~= '' and redis.call('HGET', KEYS[1], 'case_state') ~= ARGV[7] then return {-4, ''} end
local id = ''
if ARGV[1] ~= '' then
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '0-*', 'e', ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  local fe = ARGV[1]
  if string.len(fe) > 8192 then fe = '' end
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 't', ARGV[5], 'id', id, 'e', fe)
  -- The feed keeps nothing older than a result: events carry transcript
  -- text, which must not outlive its task.
  local now = redis.call('TIME')
  local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[3])
  if oldest > 0 then redis.call('XTRIM', KEYS[3], 'MINID', oldest) end
end
if #ARGV > 9 then redis.call('HSET', KEYS[1], unpack(ARGV, 10)) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local ns = redis.call('HGET', KEYS[1], 'status')
if ns == 'completed' or ns == 'failed' or ns == 'cancelled' then
  redis.call('ZREM', KEYS[5], ARGV[5])
  if KEYS[6] ~= '' then redis.call('DEL', KEYS[6]) end
end
if ARGV[8] == 'add' then
  redis.call('ZADD', KEYS[4], ARGV[9], ARGV[5])
elseif ARGV[8] == 'rem' then
  redis.call('ZREM', KEYS[4], ARGV[5])
end
return {1, id}
`)

// purgeScript erases a finished task: its record, events, audio and case
// outbox entry, and its entries in the feed of all events. It refuses a
// task still queued or running (-2) and reports an unknown one (-1).
//
// KEYS: record, task stream, audio, feed, case outbox.
// ARGV: task id.
var purgeScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return -1 end
if st ~= 'completed' and st ~= 'failed' and st ~= 'cancelled' then return -2 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[5], ARGV[1])
local n = 0
local cursor = '-'
while true do
  local batch = redis.call('XRANGE', KEYS[4], cursor, '+', 'COUNT', 1000)
  if #batch == 0 then break end
  for _, entry in ipairs(batch) do
    local f = entry[2]
    for i = 1, #f, 2 do
      if f[i] == 't' and f[i + 1] == ARGV[1] then
        redis.call('XDEL', KEYS[4], entry[1])
        n = n + 1
      end
    end
  end
  if #batch < 1000 then break end
  cursor = '(' .. batch[#batch][1]
end
return n
`)

// ErrCaseState: the case write-back of a task is not in the state a change
// requires (another delivery recorded it first, or it is not failed).
var ErrCaseState = errors.New("case write-back is not in the required state")

// change is one atomic update of a task: an event (optional), record
// fields and the task's place in the case outbox.
type change struct {
	ev *models.Event
	// done: the task must have completed (a case write-back change);
	// otherwise it must still be running.
	done bool
	// caseState, when set, must be the record's case state.
	caseState  models.DeliveryStatus
	outbox     string // "", "add" or "rem"
	outboxTime time.Time
	fields     []any
}

// publish appends ev to task id's events, setting the record's fields. It
// returns the event's sequence number, or ErrNotFound / ErrFinished.
func (s *store) publish(ctx context.Context, id string, ev models.Event, fields ...any) (int64, error) {
	return s.apply(ctx, id, change{ev: &ev, fields: fields})
}

// attemptKey carries, in a worker's context, its attempt at the task.
type attemptKey struct{}

// withAttempt marks the events published under ctx as attempt n's.
func withAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}

// apply makes change ch to task id. It returns the sequence number of the
// event it added (0 without one), or ErrNotFound, ErrFinished or
// ErrCaseState.
func (s *store) apply(ctx context.Context, id string, ch change) (int64, error) {
	var b []byte
	fields := ch.fields
	if ev := ch.ev; ev != nil {
		ev.TaskID = id
		ev.Seq = 0
		if n, ok := ctx.Value(attemptKey{}).(int); ok && ev.Attempt == 0 {
			ev.Attempt = n
		}
		if ev.TS.IsZero() {
			ev.TS = time.Now().UTC()
		}
		var err error
		if b, err = json.Marshal(ev); err != nil {
			return 0, fmt.Errorf("encode event: %w", err)
		}
		if ev.Stage != "" {
			fields = append(fields, "stage", string(ev.Stage))
		}
		if ev.Progress != nil {
			fields = append(fields, "progress", *ev.Progress)
		}
	}
	mode := "live"
	if ch.done {
		mode = "done"
	}
	args := []any{b, s.cfg.StreamMaxLen, s.cfg.ResultTTL.Milliseconds(), s.cfg.FeedMaxLen, id,
		mode, string(ch.caseState), ch.outbox, ch.outboxTime.UnixMilli()}
	args = append(args, fields...)
	audio := s.keys.audio(id)
	if s.cfg.RetainAudio {
		audio = ""
	}
	res, err := publishScript.Run(ctx, s.rdb, []string{s.keys.task(id), s.keys.events(id), s.keys.feed(), s.keys.outbox(), s.keys.holding(), audio}, args...).Slice()
	if err != nil {
		what := "change"
		if ch.ev != nil {
			what = string(ch.ev.Type) + " event"
		}
		return 0, fmt.Errorf("publish %s of task %s: %w", what, id, err)
	}
	code, _ := res[0].(int64)
	switch code {
	case -1:
		return 0, ErrNotFound
	case -2, -3:
		return 0, ErrFinished
	case -4:
		return 0, ErrCaseState
	}
	sid, _ := res[1].(string)
	if sid == "" {
		return 0, nil
	}
	return seqOf(sid)
}

// seqOf parses the sequence number out of a task stream id "0-N".
func seqOf(id string) (int64, error) {
	_, n, ok := strings.Cut(id, "-")
	if !ok {
		return 0, fmt.Errorf("stream id %q has no sequence part", id)
	}
	return strconv.ParseInt(n, 10, 64)
}

// decodeEntry turns a stream entry into an Event numbered by its id.
func decodeEntry(m redis.XMessage, seqID string) (models.Event, error) {
	var ev models.Event
	raw, _ := m.Values["e"].(string)
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		return ev, fmt.Errorf("decode event %s: %w", m.ID, err)
	}
	seq, err := seqOf(seqID)
	if err != nil {
		return ev, err
	}
	ev.Seq = seq
	return ev, nil
}

// events returns task id's events with a sequence number above after, at
// most count of them.
func (s *store) events(ctx context.Context, id string, after int64, count int64) ([]models.Event, error) {
	msgs, err := s.rdb.XRangeN(ctx, s.keys.events(id), "0-"+strconv.FormatInt(after+1, 10), "+", count).Result()
	if err != nil {
		return nil, fmt.Errorf("read events of task %s: %w", id, err)
	}
	out := make([]models.Event, 0, len(msgs))
	for _, m := range msgs {
		ev, err := decodeEntry(m, m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// record fields.
const (
	fStatus   = "status"
	fStage    = "stage"
	fProgress = "progress"
	fQueue    = "queue"
	fCreated  = "created"
	fStarted  = "started"
	fFinished = "finished"
	fAttempt  = "attempt"
	fError    = "error"
	fResult   = "result"
	fDuration = "duration_ms"
	fOwner    = "owner"
	fOptions  = "options"
	// The case write-back: its CaseRef as JSON, its state alone (for the
	// publish script's guard), the case body to send, its priority (which
	// delivery queue) and the time from completion to the case.
	fCase      = "case"
	fCaseState = "case_state"
	fCaseBody  = "case_body"
	fCasePrio  = "case_prio"
	fCaseMS    = "case_ms"
)

// task reads task id's record.
func (s *store) task(ctx context.Context, id string) (*models.Task, error) {
	m, err := s.rdb.HGetAll(ctx, s.keys.task(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("read task %s: %w", id, err)
	}
	if len(m) == 0 || m[fStatus] == "" {
		return nil, ErrNotFound
	}
	t := &models.Task{TaskID: id, Status: models.TaskStatus(m[fStatus]), Stage: models.Stage(m[fStage]), Queue: m[fQueue], Owner: m[fOwner]}
	t.Progress, _ = strconv.Atoi(m[fProgress])
	t.Attempt, _ = strconv.Atoi(m[fAttempt])
	t.CreatedAt = parseTime(m[fCreated])
	if v := m[fStarted]; v != "" {
		ts := parseTime(v)
		t.StartedAt = &ts
	}
	if v := m[fFinished]; v != "" {
		ts := parseTime(v)
		t.FinishedAt = &ts
	}
	if v := m[fError]; v != "" {
		t.Error = &models.ErrorInfo{}
		if err := json.Unmarshal([]byte(v), t.Error); err != nil {
			return nil, fmt.Errorf("decode error of task %s: %w", id, err)
		}
	}
	if v := m[fResult]; v != "" {
		t.Result = &models.Result{}
		if err := json.Unmarshal([]byte(v), t.Result); err != nil {
			return nil, fmt.Errorf("decode result of task %s: %w", id, err)
		}
		// The write-back goes on after completion: its current state.
		if c := m[fCase]; c != "" {
			t.Result.Case = &models.CaseRef{}
			if err := json.Unmarshal([]byte(c), t.Result.Case); err != nil {
				return nil, fmt.Errorf("decode case of task %s: %w", id, err)
			}
		}
		t.Result.Timings.CaseMS, _ = strconv.ParseInt(m[fCaseMS], 10, 64)
	}
	return t, nil
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// fail ends task id as failed (or cancelled), with info as its error.
func (s *store) fail(ctx context.Context, id string, status models.TaskStatus, info models.ErrorInfo) error {
	data, err := json.Marshal(models.FailureData{Status: status, Error: info})
	if err != nil {
		return err
	}
	ie, err := json.Marshal(info)
	if err != nil {
		return err
	}
	_, err = s.publish(ctx, id, models.Event{Type: models.EventFailed, Data: data},
		fStatus, string(status), fError, ie, fFinished, now())
	return err
}
