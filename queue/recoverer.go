package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/encoding/protowire"
)

// A worker that dies outright (killed, power cut) leaves its task active in
// asynq under a lease it no longer extends. asynq's own recoverer hands such
// a task back only once its lease has been expired for 30 s, and looks once
// a minute: a task waits 60 to 120 s after the kill. None of this is
// configurable in asynq v0.26, so each worker also runs a recoverer of its
// own over asynq's keys, which hands a task back leaseGrace after its lease
// expired, looking every recoverInterval: with asynq's 30 s lease, extended
// every 5 s, a killed worker's task starts again some 35 to 47 s after the
// kill.
//
// The grace is the price of a live worker's slow heartbeats. asynq extends
// a lease every 5 s to 30 s ahead; a worker that cannot extend it cancels
// its own attempt at its next heartbeat after the lease lapsed, at most 5 s
// late, so it has stopped before the task is handed back. A worker that is
// frozen (stopped, swapped out, its VM paused) for longer than lease plus
// grace is not so lucky: its task runs again elsewhere while it may resume
// and finish the first attempt. Both attempts then write the same task;
// completing is a single step that refuses a task already finished, so the
// task still gets one result, one completed event and one case, and an
// attempt that ends otherwise leaves the record to the later one. The grace
// also covers clock skew between the hosts of the workers, which must stay
// well under it.
const (
	// leaseGrace is how long after its lease expired a task is handed back.
	leaseGrace = 10 * time.Second
	// recoverInterval is how often a worker looks for expired leases.
	recoverInterval = 5 * time.Second
)

// asynq's layout in Redis (internal/base in v0.26), which the recoverer
// shares with it: per queue, the list of active task ids, the sorted set of
// their leases (expiry in Unix seconds), the retry and archive sorted sets,
// the processed and failed counters, and a hash per task whose "msg" field
// is the task's protobuf-encoded message and "state" its state. The test
// of the recoverer pins it against asynq itself.
func asynqKey(qname, name string) string { return "asynq:{" + qname + "}:" + name }

func asynqTaskKeyPrefix(qname string) string { return asynqKey(qname, "t:") }

// asynq keeps at most this many archived tasks per queue, for at most this
// long, and its daily counters this long.
const (
	asynqArchiveSize = 10000
	asynqArchiveTTL  = 90 * 24 * time.Hour
	asynqStatsTTL    = 90 * 24 * time.Hour
)

// recoverScript hands back one task whose lease expired, as asynq's own
// recoverer does (rdb.Retry or rdb.Archive): off the active list and the
// lease set, into the retry set (due at the given time) or the archive,
// with its message replaced and its state set; the queue's processed and
// failed counters count the failure. It does nothing (0) unless the task
// still holds a lease that expired by the cutoff and its message is the one
// the caller read: another recoverer got there first, or the task was
// handed back and taken again since. 1 means handed back.
//
// KEYS: task hash, active list, lease set, retry or archive set,
// processed:<day>, failed:<day>, processed, failed.
// ARGV: task id, lease cutoff (Unix s), message read, message handed back,
// score in the target set, new state (retry or archived), daily counters'
// expiry (Unix s), oldest archive entry kept (Unix s), archive size, task
// key prefix.
var recoverScript = redis.NewScript(`
local lease = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not lease or tonumber(lease) > tonumber(ARGV[2]) then return 0 end
if redis.call('HGET', KEYS[1], 'msg') ~= ARGV[3] then return 0 end
if redis.call('LREM', KEYS[2], 0, ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
if ARGV[6] == 'archived' then
  local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[8])
  local extra = redis.call('ZRANGE', KEYS[4], 0, -tonumber(ARGV[9]))
  for _, ids in ipairs({old, extra}) do
    for _, id in ipairs(ids) do
      redis.call('DEL', ARGV[10] .. id)
      redis.call('ZREM', KEYS[4], id)
    end
  end
end
redis.call('HSET', KEYS[1], 'msg', ARGV[4], 'state', ARGV[6])
for i = 5, 6 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIREAT', KEYS[i], ARGV[7]) end
end
redis.call('INCR', KEYS[7])
redis.call('INCR', KEYS[8])
return 1
`)

// leaseRecoverer hands back the tasks of its queues whose lease expired.
// Any number may run at once on the same queues: each task is handed back
// by one of them.
type leaseRecoverer struct {
	rdb    redis.UniversalClient
	queues []string
	delay  asynq.RetryDelayFunc
	log    *slog.Logger
}

// workerRecoverer is the recoverer a worker runs over its queues.
func workerRecoverer(rdb redis.UniversalClient, log *slog.Logger) *leaseRecoverer {
	return &leaseRecoverer{rdb: rdb, queues: []string{QueueUrgent, QueueDefault}, delay: retryDelay, log: log}
}

// run recovers every recoverInterval until ctx ends.
func (r *leaseRecoverer) run(ctx context.Context) {
	tk := time.NewTicker(recoverInterval)
	defer tk.Stop()
	failing := false
	for {
		_, err := r.recover(ctx, time.Now())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			r.log.Warn("looking for tasks of dead workers failed; retrying", "err", err)
		case err == nil && failing:
			r.log.Info("looking for tasks of dead workers works again")
		}
		failing = err != nil
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

// recover hands back the tasks whose lease expired leaseGrace before now,
// and returns how many it handed back.
func (r *leaseRecoverer) recover(ctx context.Context, now time.Time) (int, error) {
	cutoff := now.Add(-leaseGrace).Unix()
	n := 0
	var errs []error
	for _, q := range r.queues {
		ids, err := r.rdb.ZRangeByScore(ctx, asynqKey(q, "lease"), &redis.ZRangeBy{Min: "-inf", Max: fmt.Sprint(cutoff)}).Result()
		if err != nil {
			errs = append(errs, fmt.Errorf("list expired leases of queue %s: %w", q, err))
			continue
		}
		for _, id := range ids {
			ok, err := r.handBack(ctx, q, id, cutoff, now)
			if err != nil {
				errs = append(errs, fmt.Errorf("hand back task %s of queue %s: %w", id, q, err))
			}
			if ok {
				n++
			}
		}
	}
	return n, errors.Join(errs...)
}

// handBack hands back task id of queue q if its lease expired by cutoff:
// to be retried, or archived when it has no retry left.
func (r *leaseRecoverer) handBack(ctx context.Context, q, id string, cutoff int64, now time.Time) (bool, error) {
	raw, err := r.rdb.HGet(ctx, asynqTaskKeyPrefix(q)+id, "msg").Bytes()
	if errors.Is(err, redis.Nil) {
		return false, nil // finished meanwhile; asynq's recoverer skips it too
	}
	if err != nil {
		return false, err
	}
	m, err := decodeTaskMessage(raw)
	if err != nil {
		return false, err
	}
	state, target, score := "retry", asynqKey(q, "retry"), int64(0)
	retried := m.retried
	if m.retried >= m.retry {
		state, target, score = "archived", asynqKey(q, "archived"), now.Unix()
	} else {
		d := r.delay(m.retried, asynq.ErrLeaseExpired, asynq.NewTaskWithHeaders(m.typ, m.payload, m.headers))
		score = now.Add(d).Unix()
		retried++ // every error counts as a failure for the worker's asynq server
	}
	day := now.UTC().Format("2006-01-02")
	keys := []string{asynqTaskKeyPrefix(q) + id, asynqKey(q, "active"), asynqKey(q, "lease"), target,
		asynqKey(q, "processed:"+day), asynqKey(q, "failed:"+day), asynqKey(q, "processed"), asynqKey(q, "failed")}
	next := m.failed(retried, asynq.ErrLeaseExpired.Error(), now)
	done, err := recoverScript.Run(ctx, r.rdb, keys, id, cutoff, raw, next, score, state,
		now.Add(asynqStatsTTL).Unix(), now.Add(-asynqArchiveTTL).Unix(), asynqArchiveSize, asynqTaskKeyPrefix(q)).Int()
	if err != nil || done == 0 {
		return false, err
	}
	r.log.Warn("task handed back: its worker stopped extending its lease", "task_id", id, "queue", q,
		"attempt", m.retried+1, "then", state)
	return true, nil
}

// taskMessage is what the recoverer reads of asynq's task message
// (internal/proto TaskMessage), and the message's encoding.
type taskMessage struct {
	raw     []byte
	typ     string
	payload []byte
	headers map[string]string
	retry   int
	retried int
}

// Field numbers of asynq's TaskMessage.
const (
	pbType         = 1
	pbPayload      = 2
	pbRetry        = 5
	pbRetried      = 6
	pbErrorMsg     = 7
	pbLastFailedAt = 11
	pbHeaders      = 15
)

func decodeTaskMessage(b []byte) (taskMessage, error) {
	m := taskMessage{raw: b}
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case typ == protowire.BytesType && num == pbType:
			m.typ = string(v)
		case typ == protowire.BytesType && num == pbPayload:
			m.payload = v
		case typ == protowire.BytesType && num == pbHeaders:
			var k, val string
			if err := eachField(v, func(n protowire.Number, _ protowire.Type, s []byte) error {
				if n == 1 {
					k = string(s)
				} else if n == 2 {
					val = string(s)
				}
				return nil
			}); err != nil {
				return err
			}
			if m.headers == nil {
				m.headers = map[string]string{}
			}
			m.headers[k] = val
		case typ == protowire.VarintType && (num == pbRetry || num == pbRetried):
			n, _ := protowire.ConsumeVarint(v)
			if num == pbRetry {
				m.retry = int(int32(n))
			} else {
				m.retried = int(int32(n))
			}
		}
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("decode asynq task message: %w", err)
	}
	return m, nil
}

// eachField calls fn with each field of the protobuf message b: its number,
// wire type and value (a varint's encoding, or a string's bytes).
func eachField(b []byte, fn func(protowire.Number, protowire.Type, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return protowire.ParseError(m)
		}
		v := b[:m]
		if typ == protowire.BytesType {
			v, _ = protowire.ConsumeBytes(v)
		}
		if err := fn(num, typ, v); err != nil {
			return err
		}
		b = b[m:]
	}
	return nil
}

// failed returns the message as asynq writes it after a failed attempt: all
// fields kept but the retry count, error and time of failure, which are
// replaced.
func (m taskMessage) failed(retried int, errMsg string, at time.Time) []byte {
	var out []byte
	b := m.raw
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		n += protowire.ConsumeFieldValue(num, typ, b[n:])
		if num != pbRetried && num != pbErrorMsg && num != pbLastFailedAt {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	if retried != 0 {
		out = protowire.AppendTag(out, pbRetried, protowire.VarintType)
		out = protowire.AppendVarint(out, uint64(int64(retried)))
	}
	out = protowire.AppendTag(out, pbErrorMsg, protowire.BytesType)
	out = protowire.AppendString(out, errMsg)
	out = protowire.AppendTag(out, pbLastFailedAt, protowire.VarintType)
	return protowire.AppendVarint(out, uint64(at.Unix()))
}
