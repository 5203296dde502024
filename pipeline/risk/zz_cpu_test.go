package risk

import (
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZCPU(t *testing.T) {
	segs := tenMinuteCall(t)
	c := Default()
	for i := 0; i < 50; i++ {
		c.ClassifySegments(segs, "transcript")
	}
	best := time.Hour
	for r := 0; r < 5; r++ {
		t0 := cpuNow()
		for i := 0; i < 200; i++ {
			c.ClassifySegments(segs, "transcript")
		}
		if d := (cpuNow() - t0) / 200; d < best {
			best = d
		}
	}
	t.Logf("cpu per call (best of 5x200): %v", best)
}
