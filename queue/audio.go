package queue

import (
	"context"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/pipeline"
)

// audioChunk is how much of an upload one GETRANGE reads: 1 MiB.
const audioChunk = 1 << 20

// redisAudio is an upload stored in Redis, read in ranges as the pipeline
// decodes it, so that a worker never holds the whole file (115 MB for an
// hour of 16 kHz WAV); it can be read as often as the pipeline needs.
type redisAudio struct {
	rdb  redis.UniversalClient
	key  string
	size int64
}

var _ pipeline.Source = redisAudio{}

// openAudio returns the upload stored under key; redis.Nil when there is
// none.
func openAudio(ctx context.Context, rdb redis.UniversalClient, key string) (redisAudio, error) {
	n, err := rdb.StrLen(ctx, key).Result()
	if err != nil {
		return redisAudio{}, err
	}
	if n == 0 {
		e, err := rdb.Exists(ctx, key).Result()
		if err != nil {
			return redisAudio{}, err
		}
		if e == 0 {
			return redisAudio{}, redis.Nil
		}
	}
	return redisAudio{rdb: rdb, key: key, size: n}, nil
}

// Open implements pipeline.Source.
func (a redisAudio) Open(ctx context.Context) (io.Reader, error) {
	return &audioReader{ctx: ctx, a: a}, nil
}

// audioReader reads an upload from Redis a chunk at a time.
type audioReader struct {
	ctx  context.Context
	a    redisAudio
	off  int64
	rest string // the chunk read and not yet returned
}

func (r *audioReader) Read(p []byte) (int, error) {
	if len(r.rest) == 0 {
		if r.off >= r.a.size {
			return 0, io.EOF
		}
		end := min(r.off+audioChunk, r.a.size)
		s, err := r.a.rdb.GetRange(r.ctx, r.a.key, r.off, end-1).Result()
		if err != nil {
			return 0, fmt.Errorf("read audio: %w", err)
		}
		if int64(len(s)) != end-r.off {
			return 0, fmt.Errorf("read audio: the upload changed or expired while it was read (%d of %d bytes at %d)", len(s), end-r.off, r.off)
		}
		r.rest, r.off = s, end
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}
