package queue

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// LeaseGrace is how long after its lease expired a worker hands a task back.
const LeaseGrace = leaseGrace

// RecoverLeases runs one pass of a worker's lease recoverer as at time now,
// and returns how many tasks it handed back.
func RecoverLeases(ctx context.Context, rdb redis.UniversalClient, now time.Time) (int, error) {
	return workerRecoverer(rdb, slog.New(slog.DiscardHandler)).recover(ctx, now)
}

// HandBackLease hands back task id of queue qname as the recoverer does
// once it has found the task's lease expired at time now.
func HandBackLease(ctx context.Context, rdb redis.UniversalClient, qname, id string, now time.Time) (bool, error) {
	return workerRecoverer(rdb, slog.New(slog.DiscardHandler)).handBack(ctx, qname, id, now.Add(-leaseGrace).Unix(), now)
}
