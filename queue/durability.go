package queue

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// DurabilityWarnings reads the Redis server's persistence and eviction
// settings and describes those that can lose accepted work: no snapshot
// and no append-only file (a restart forgets every queued task, result
// and case not yet written), or an eviction policy (under memory pressure
// Redis drops audio, records or the case outbox). A server that hides its
// configuration (CONFIG is disabled on some managed services) yields
// nothing: the caller cannot tell, and says nothing.
func DurabilityWarnings(ctx context.Context, rdb redis.UniversalClient) []string {
	cfg, err := rdb.ConfigGet(ctx, "*").Result()
	if err != nil {
		return nil
	}
	var warnings []string
	if cfg["appendonly"] == "no" && cfg["save"] == "" {
		warnings = append(warnings, "Redis keeps nothing on disk (no save points, appendonly no): a Redis restart loses queued tasks, results and cases not yet written; turn on appendonly")
	}
	if p := cfg["maxmemory-policy"]; p != "" && p != "noeviction" {
		warnings = append(warnings, fmt.Sprintf("Redis evicts keys when full (maxmemory-policy %s): queued audio, task records or the case outbox can vanish; set maxmemory-policy noeviction", p))
	}
	return warnings
}
