package queue_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// testDB is this package's database on the test Redis server.
const testDB = 11

// realRedis returns a client on the local Redis server's test database,
// flushed. Without a server the test skips, except in CI where it fails.
func realRedis(t testing.TB) redis.UniversalClient {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testRedisAddr(), DB: testDB})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s is required in CI: %v", testRedisAddr(), err)
		}
		t.Skipf("no Redis at %s: %v", testRedisAddr(), err)
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// embeddedRedis returns a client on an in-process miniredis whose clock
// advances with the real one.
func embeddedRedis(t testing.TB) redis.UniversalClient {
	t.Helper()
	m := miniredis.RunT(t)
	done := make(chan struct{})
	go func() {
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				m.FastForward(time.Second)
			case <-done:
				return
			}
		}
	}()
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { close(done); rdb.Close() })
	return rdb
}

// backends are the Redis servers the queue must work on.
var backends = []struct {
	name string
	open func(testing.TB) redis.UniversalClient
}{
	{"redis", realRedis},
	{"embedded", embeddedRedis},
}

// testRedisAddr is the test Redis server: OPENCHS_AI_TEST_REDIS, or the
// local one on the default port.
func testRedisAddr() string {
	if a := os.Getenv("OPENCHS_AI_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}
