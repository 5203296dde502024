package queue

// The case outbox: how a completed task's case write-back is recorded and
// queued. The worker records the write-back in the same script that
// completes the task (the record's case state and body, and the task in the
// outbox sorted set), then queues the delivery task at once. A relay in
// every deliverer queues any outbox entry whose delivery task is missing
// (the process died between the two steps), so a completed task's case is
// never forgotten; a delivery task already queued makes the relay's
// attempt a no-op (asynq task ids are unique).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/caseapi"
)

// Delivery queues: urgent (high and critical calls) is served first.
const (
	QueueCasesUrgent = "cases-urgent"
	QueueCases       = "cases"
)

// TypeDeliverCase is the asynq task type of one case write-back.
const TypeDeliverCase = "case:deliver"

// casePayload is the delivery task's payload: the task id only. The case
// body waits in the task's record, which expires with the result.
type casePayload struct {
	TaskID string `json:"task_id"`
}

// deliveryID is the asynq task id of task id's delivery.
func deliveryID(id string) string { return "case:" + id }

// deliveryQueue is the queue of a case of priority p.
func deliveryQueue(p models.Priority) string {
	if p.Rank() >= models.PriorityHigh.Rank() {
		return QueueCasesUrgent
	}
	return QueueCases
}

// CaseOptions decide which results become cases, and how.
type CaseOptions struct {
	// Builder makes the case body; nil means no helpline is configured,
	// and every result's case is skipped.
	Builder *caseapi.Builder
	// MinPriority is the lowest priority that becomes a case; default
	// low (every call).
	MinPriority models.Priority
}

// caseOf decides the write-back of res: skipped (with the reason), or
// pending with the body to send.
func (o CaseOptions) caseOf(res *models.Result, opts models.TaskOptions) (ref models.CaseRef, body []byte) {
	skip := func(why string) (models.CaseRef, []byte) {
		return models.CaseRef{Status: models.DeliverySkipped, LastError: why}, nil
	}
	if !opts.CreateCase {
		return skip("The upload asked for no case (create_case=false).")
	}
	if o.Builder == nil {
		return skip("No helpline is configured: set --openchs-url, or run serve with its built-in helpline.")
	}
	c, err := o.Builder.Build(res, opts)
	if err != nil {
		return skip("The result could not be made into a case: " + err.Error())
	}
	if min := o.MinPriority; min != "" && c.Priority.Rank() < min.Rank() {
		return skip(fmt.Sprintf("Priority %s is under the minimum for a case (%s).", c.Priority, min))
	}
	b, err := json.Marshal(c)
	if err != nil {
		return skip("The case could not be encoded: " + err.Error())
	}
	return models.CaseRef{Status: models.DeliveryPending}, b
}

// relayGrace is how long after completion the relay leaves a delivery to
// the worker that queued it; relayRecheck how long it then waits before it
// checks the same delivery again.
const (
	relayGrace   = 10 * time.Second
	relayRecheck = time.Minute
)

// completion is the change that completes task id with result b, and
// records its case write-back.
func completion(ref models.CaseRef, body []byte, prio models.Priority, now time.Time) change {
	rb, _ := json.Marshal(ref)
	ch := change{fields: []any{fCase, rb, fCaseState, string(ref.Status)}}
	if ref.Status == models.DeliveryPending {
		ch.fields = append(ch.fields, fCaseBody, body, fCasePrio, string(prio))
		ch.outbox, ch.outboxTime = "add", now.Add(relayGrace)
	}
	return ch
}

// deliveryTimeout bounds one delivery attempt: a lookup and a create, each
// within the deliverer's request timeout.
const deliveryTimeout = 4 * time.Minute

// enqueueDelivery queues task id's delivery; an already queued one stands.
func enqueueDelivery(ctx context.Context, aq *asynq.Client, id string, prio models.Priority) error {
	p, _ := json.Marshal(casePayload{TaskID: id})
	_, err := aq.EnqueueContext(ctx, asynq.NewTask(TypeDeliverCase, p),
		asynq.TaskID(deliveryID(id)),
		asynq.Queue(deliveryQueue(prio)),
		asynq.MaxRetry(1<<20), // the retry window, not a count, ends it
		asynq.Timeout(deliveryTimeout),
		asynq.Retention(time.Minute),
	)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

// RedriveCase queues the write-back of task id again after it failed. It
// returns the task with its case pending, ErrNotFound, or ErrCaseState when
// its case is not failed.
func (c *Client) RedriveCase(ctx context.Context, id string) (*models.Task, error) {
	t, err := c.store.task(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.Result == nil || t.Result.Case == nil || t.Result.Case.Status != models.DeliveryFailed {
		return t, ErrCaseState
	}
	ref := *t.Result.Case
	ref.Status, ref.LastError = models.DeliveryPending, ""
	rb, _ := json.Marshal(ref)
	_, err = c.apply(ctx, id, change{done: true, caseState: models.DeliveryFailed, outbox: "add", outboxTime: time.Now().Add(relayGrace),
		fields: []any{fCase, rb, fCaseState, string(models.DeliveryPending)}})
	if err != nil {
		return nil, err
	}
	prio := models.PriorityLow
	if t.Result.Classification != nil {
		prio = t.Result.Classification.Priority
	}
	// The failed delivery was archived under the same task id.
	for _, q := range []string{QueueCasesUrgent, QueueCases} {
		_ = c.insp.DeleteTask(q, deliveryID(id))
	}
	if err := enqueueDelivery(ctx, c.aq, id, prio); err != nil {
		return nil, fmt.Errorf("queue case delivery of task %s: %w", id, err)
	}
	return c.store.task(ctx, id)
}

// FailedCases lists the tasks whose case write-back failed and can be
// re-driven, oldest first, at most limit of them.
func (c *Client) FailedCases(ctx context.Context, limit int) ([]string, error) {
	var ids []string
	for _, q := range []string{QueueCasesUrgent, QueueCases} {
		tasks, err := c.insp.ListArchivedTasks(q, asynq.PageSize(limit))
		if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
			return nil, fmt.Errorf("list failed deliveries of queue %s: %w", q, err)
		}
		for _, t := range tasks {
			var p casePayload
			if json.Unmarshal(t.Payload, &p) == nil && p.TaskID != "" {
				ids = append(ids, p.TaskID)
			}
		}
	}
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}
