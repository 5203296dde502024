// Command openchs-ai transcribes, translates and triages child-helpline
// call recordings, as a one-shot command or as a service.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/openchs/openchs-ai/pipeline/whisper"
)

// env is the process environment, the one thing only cmd/ reads.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, args []string, e env) error
	// model marks the commands that load the whisper model: they run
	// with libgomp's settings (whisper.ExecWithOpenMPSettings).
	model bool
}

// commands is the table of subcommands.
var commands = map[string]command{}

func main() {
	if len(os.Args) > 1 && commands[os.Args[1]].model {
		if err := whisper.ExecWithOpenMPSettings(); err != nil {
			fmt.Fprintf(os.Stderr, "openchs-ai: going on with libgomp's default settings: %v\n", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr})
	stop()
	if err != nil {
		if !errors.Is(err, errUsageShown) {
			fmt.Fprintf(os.Stderr, "openchs-ai: %v\n", err)
		}
		os.Exit(exitCode(err))
	}
}

// errUsageShown marks an error whose message was already printed as usage.
var errUsageShown = errors.New("usage shown")

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, errUsageShown) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("unknown command %q (run 'openchs-ai help')", args[0])}
	}
	return c.run(ctx, args[1:], e)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: openchs-ai COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'openchs-ai COMMAND -h' for a command's flags.")
}
