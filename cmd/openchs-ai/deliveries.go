package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/openchs/openchs-ai/queue"
)

func init() {
	commands["deliveries"] = command{summary: "list failed case write-backs, or write them again (failed | redrive --all | redrive TASK_ID...)", run: runDeliveries}
}

// runDeliveries implements "openchs-ai deliveries failed" and "openchs-ai
// deliveries redrive [--all] [TASK_ID...]" against REDIS_URL.
func runDeliveries(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("deliveries", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	redisURL := fs.String("redis", e.getenv("REDIS_URL"), "Redis URL of the service (env REDIS_URL)")
	all := fs.Bool("all", false, "redrive: every failed write-back")
	limit := fs.Int("limit", 1000, "most write-backs to list or redrive with --all")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "Usage: openchs-ai deliveries failed | redrive --all | redrive TASK_ID...")
		fmt.Fprintln(e.stderr, "\nA case write-back fails when the helpline refuses the case or stays out of reach for the")
		fmt.Fprintln(e.stderr, "retry window. 'failed' lists them with the helpline's message; 'redrive' writes them again.")
		fmt.Fprintln(e.stderr)
		fs.PrintDefaults()
	}
	if len(args) == 0 {
		fs.Usage()
		return errUsageShown
	}
	verb := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsageShown
	}
	if *redisURL == "" {
		return usageError{"set REDIS_URL (or --redis): the write-backs live in the service's Redis"}
	}
	opts, err := redis.ParseURL(*redisURL)
	if err != nil {
		return usageError{fmt.Sprintf("REDIS_URL: %v", err)}
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	client, err := queue.NewClient(rdb, queue.Config{})
	if err != nil {
		return err
	}
	defer client.Close()

	switch verb {
	case "failed":
		ids, err := client.FailedCases(ctx, *limit)
		if err != nil {
			return err
		}
		for _, id := range ids {
			msg := "(the task's record has expired: its result and case can no longer be written)"
			if t, err := client.Task(ctx, id); err == nil && t.Result != nil && t.Result.Case != nil {
				msg = fmt.Sprintf("%s after %d attempts: %s", t.Result.Case.Status, t.Result.Case.Attempts, t.Result.Case.LastError)
			}
			fmt.Fprintf(e.stdout, "%s\t%s\n", id, msg)
		}
		return nil
	case "redrive":
		ids := fs.Args()
		if *all == (len(ids) > 0) {
			return usageError{"redrive takes either --all or task ids"}
		}
		if *all {
			if ids, err = client.FailedCases(ctx, *limit); err != nil {
				return err
			}
		}
		var errs []error
		for _, id := range ids {
			if _, err := client.RedriveCase(ctx, id); err != nil {
				errs = append(errs, fmt.Errorf("task %s: %w", id, err))
				continue
			}
			fmt.Fprintf(e.stdout, "%s\tqueued again\n", id)
		}
		return errors.Join(errs...)
	}
	return usageError{fmt.Sprintf("deliveries %q: use failed or redrive", strings.TrimSpace(verb))}
}
