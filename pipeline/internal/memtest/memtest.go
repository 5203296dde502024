// Package memtest measures the memory a piece of the pipeline holds, for
// the tests that keep long calls within their budget.
package memtest

import (
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"
)

// PeakHeap runs f and returns the largest live heap seen while it ran,
// above the heap before it. The collector runs often meanwhile, so that
// the figure is close to live memory rather than to uncollected garbage.
func PeakHeap(t testing.TB, f func()) uint64 {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var (
		peak uint64
		wg   sync.WaitGroup
		done = make(chan struct{})
	)
	wg.Go(func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return peak - min(peak, base.HeapAlloc)
}
