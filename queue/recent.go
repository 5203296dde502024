package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/openchs/openchs-ai/models"
)

// recentScanMax bounds how many entries of the feed of all events one
// Recent call reads (newest first) looking for distinct tasks.
const recentScanMax = 5000

// Recent returns up to n tasks that had an event lately, the most recently
// active first, read from the feed of all events (which keeps nothing older
// than --result-ttl). Tasks erased since are left out.
func (c *Client) Recent(ctx context.Context, n int) ([]*models.Task, error) {
	var ids []string
	seen := map[string]bool{}
	end := "+"
	for scanned := 0; len(ids) < n && scanned < recentScanMax; {
		msgs, err := c.rdb.XRevRangeN(ctx, c.keys.feed(), end, "-", 500).Result()
		if err != nil {
			return nil, fmt.Errorf("read event feed: %w", err)
		}
		for _, m := range msgs {
			if id, _ := m.Values["t"].(string); id != "" && !seen[id] && len(ids) < n {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		scanned += len(msgs)
		if len(msgs) < 500 {
			break
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
	out := make([]*models.Task, 0, len(ids))
	for _, id := range ids {
		t, err := c.Task(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
