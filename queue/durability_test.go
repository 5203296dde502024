package queue_test

import (
	"context"
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/queue"
)

// The service warns about a Redis that would lose accepted work, and is
// quiet about one that keeps it.
func TestDurabilityWarnings(t *testing.T) {
	rdb := realRedis(t)
	ctx := context.Background()
	orig, err := rdb.ConfigGet(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	set := func(k, v string) {
		t.Helper()
		if err := rdb.ConfigSet(ctx, k, v).Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, k := range []string{"appendonly", "save", "maxmemory-policy"} {
			rdb.ConfigSet(ctx, k, orig[k])
		}
	})

	set("appendonly", "no")
	set("save", "")
	set("maxmemory-policy", "allkeys-lru")
	w := strings.Join(queue.DurabilityWarnings(ctx, rdb), "\n")
	if !strings.Contains(w, "keeps nothing on disk") || !strings.Contains(w, "allkeys-lru") {
		t.Fatalf("a forgetful, evicting Redis got warnings %q", w)
	}

	set("save", "3600 1")
	set("maxmemory-policy", "noeviction")
	if w := queue.DurabilityWarnings(ctx, rdb); len(w) != 0 {
		t.Fatalf("a Redis with snapshots and no eviction got warnings %q", w)
	}
}
