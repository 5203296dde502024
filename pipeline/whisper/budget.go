package whisper

import (
	"context"
	"sync"
)

// budget shares the engine's CPUs among the transcriptions running at
// once. ggml's threads spin while they wait for each other, so the engine
// never runs more threads than it has CPUs: a transcription takes the
// threads it is given when it starts (whisper.cpp cannot change them
// later) and waits only when none is free.
//
// How many it asks for follows the load at the moment it starts: a lone
// recording gets every CPU (up to the per-transcription cap), and when
// others want them (in the engine, or in the worker's hands or the queue
// as the demand hint reports them) the CPUs are shared, one slot each at
// most. A burst of uploads arrives a few at a time: counting the tasks a
// worker has taken, not only those in the engine, keeps the first of a
// burst from taking every CPU while the second is still decoding. Measured on a
// 2-core machine, two 1-thread transcriptions of two recordings finish
// about 10% sooner than the same two one after the other on 2 threads,
// while one recording alone runs nearly twice as fast on 2 threads as on 1.
type budget struct {
	cpus, max, slots int
	// demand, when set, reports the recordings that want transcribing
	// now, those in the engine included (a worker's tasks in hand and the
	// queue's pending ones); it is read once per start.
	demand func() int

	mu       sync.Mutex
	free     int
	inflight int           // transcriptions running or waiting for threads
	released chan struct{} // closed and replaced when threads are given back
}

func newBudget(cpus, maxPer, slots int, demand func() int) *budget {
	return &budget{cpus: cpus, max: maxPer, slots: slots, demand: demand, free: cpus, released: make(chan struct{})}
}

// share is the number of threads a transcription starting now asks for.
// b.mu is held.
func (b *budget) share() int {
	n := b.inflight
	if b.demand != nil {
		n = max(n, b.demand())
	}
	n = min(max(n, 1), b.slots)
	return min(max(b.cpus/n, 1), b.max)
}

// take returns the threads a starting transcription may use, at least one,
// waiting while none is free; give them back with give.
func (b *budget) take(ctx context.Context) (int, error) {
	b.mu.Lock()
	b.inflight++
	b.mu.Unlock()
	for {
		b.mu.Lock()
		if b.free > 0 {
			n := min(b.share(), b.free)
			b.free -= n
			b.mu.Unlock()
			return n, nil
		}
		ch := b.released
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			b.mu.Lock()
			b.inflight--
			b.mu.Unlock()
			return 0, ctx.Err()
		}
	}
}

// give returns n threads taken by a transcription that has ended.
func (b *budget) give(n int) {
	b.mu.Lock()
	b.free += n
	b.inflight--
	close(b.released)
	b.released = make(chan struct{})
	b.mu.Unlock()
}
