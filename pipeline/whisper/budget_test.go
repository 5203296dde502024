package whisper

import (
	"context"
	"testing"
	"time"
)

func TestBudgetGivesALoneRecordingEveryCPU(t *testing.T) {
	b := newBudget(4, 8, 4, nil)
	n, err := b.take(context.Background())
	if err != nil || n != 4 {
		t.Fatalf("lone transcription got %d threads (%v), want all 4 CPUs", n, err)
	}
	b.give(n)
	if n, _ := b.take(context.Background()); n != 4 {
		t.Fatalf("after the first ended, a lone one got %d threads, want 4", n)
	}
}

func TestBudgetSharesWhenTheQueueHasABacklog(t *testing.T) {
	backlog := 5
	b := newBudget(2, 8, 2, func() int { return backlog })
	a, _ := b.take(context.Background())
	c, _ := b.take(context.Background())
	if a != 1 || c != 1 {
		t.Fatalf("with a backlog two transcriptions got %d and %d threads, want 1 each", a, c)
	}
	b.give(a)
	b.give(c)
	backlog = 0
	if n, _ := b.take(context.Background()); n != 2 {
		t.Fatalf("with the backlog gone a lone transcription got %d threads, want 2", n)
	}
}

// A transcription arriving while a lone one holds every CPU waits for
// them rather than oversubscribing the cores, then runs alone with all.
func TestBudgetNeverRunsMoreThreadsThanCPUs(t *testing.T) {
	b := newBudget(2, 8, 2, nil)
	first, _ := b.take(context.Background())
	got := make(chan int)
	go func() {
		n, _ := b.take(context.Background())
		got <- n
	}()
	select {
	case n := <-got:
		t.Fatalf("second transcription started with %d threads while the first held both CPUs", n)
	case <-time.After(50 * time.Millisecond):
	}
	b.give(first)
	if n := <-got; n != 2 {
		t.Fatalf("second transcription, alone once the first ended, got %d threads, want 2", n)
	}
}

func TestBudgetWaitEndsWithItsContext(t *testing.T) {
	b := newBudget(1, 8, 2, nil)
	n, _ := b.take(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.take(ctx); err != context.DeadlineExceeded {
		t.Fatalf("waiting take ended with %v, want the context's deadline", err)
	}
	b.give(n)
	// The abandoned wait no longer counts as demand.
	if n, _ := b.take(context.Background()); n != 1 {
		t.Fatalf("got %d threads, want 1", n)
	}
	if b.inflight != 1 {
		t.Fatalf("inflight = %d after an abandoned wait, want 1", b.inflight)
	}
}

func TestBudgetFixedThreads(t *testing.T) {
	cfg := Config{Threads: 3, Slots: 2, Model: Model{Path: "x"}}.WithDefaults()
	if cfg.CPUs != 6 || cfg.maxThreads() != 3 {
		t.Fatalf("fixed threads: CPUs %d, per transcription %d; want 6 and 3", cfg.CPUs, cfg.maxThreads())
	}
	b := newBudget(cfg.CPUs, cfg.maxThreads(), cfg.Slots, func() int { return 10 })
	if n, _ := b.take(context.Background()); n != 3 {
		t.Fatalf("fixed 3 threads, got %d", n)
	}
}

// The first of two tasks a worker took together leaves the second its
// CPU, though the second is still decoding and not yet in the engine.
func TestBudgetCountsTasksNotYetInTheEngine(t *testing.T) {
	b := newBudget(2, 8, 2, func() int { return 2 })
	if n, _ := b.take(context.Background()); n != 1 {
		t.Fatalf("first of two tasks in hand got %d threads, want 1", n)
	}
}
