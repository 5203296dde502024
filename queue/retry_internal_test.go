package queue

import (
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

// A dead worker's task runs again at once; other failures back off.
func TestRetryDelay(t *testing.T) {
	if d := retryDelay(0, asynq.ErrLeaseExpired, nil); d != 0 {
		t.Errorf("a task whose worker died waits %v more, want 0", d)
	}
	for n := range 10 {
		d := retryDelay(n, errors.New("engine busy"), nil)
		full := min(2*time.Second<<min(n, 6), 2*time.Minute)
		if d < full/2 || d > full {
			t.Errorf("retry %d: %v, want between %v and %v", n, d, full/2, full)
		}
	}
}
