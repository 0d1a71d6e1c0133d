// Command geusemaker deploys GeuseMaker's AI stack: locally, by running the
// committed Step Functions definitions on the local engine against the
// simulated AWS (the default) or real AWS, and through the deployed Step
// Functions backend (make deploy).
//
//	geusemaker run [flags]              local engine (make run: Tier 3 on the simulated AWS)
//	geusemaker deploy [flags]           start a deployment on the backend and watch it
//	geusemaker watch ID|EXECUTION-ARN   follow an execution to its end
//	geusemaker status ID                one deployment's state and URLs
//	geusemaker list                     the deployments and their states
//	geusemaker destroy ID               destroy a deployment and watch it
//
// Exit status: 0 success, 1 a failed deployment or destroy, 2 bad usage or
// input, 3 an AWS setup problem (no region, no credentials, no stack).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"geusemaker/internal/clock"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
	exitSetup  = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(cli(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// app is one invocation's surroundings.
type app struct {
	stdout, stderr io.Writer
	// clock paces the polls of watch (a test's is virtual).
	clock clock.Clock
}

// cli runs one command line and returns the exit status.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return (&app{stdout: stdout, stderr: stderr, clock: clock.Real{}}).run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		usage(a.stderr)
		return exitUsage
	}
	commands := map[string]func(context.Context, []string) int{
		"run": a.runCmd, "deploy": a.deployCmd, "watch": a.watchCmd,
		"status": a.statusCmd, "list": a.listCmd, "destroy": a.destroyCmd,
	}
	if cmd, ok := commands[args[0]]; ok {
		return cmd(ctx, args[1:])
	}
	switch args[0] {
	case "help", "-h", "--help":
		usage(a.stdout)
		return exitOK
	}
	fmt.Fprintf(a.stderr, "geusemaker: unknown command %q\n", args[0])
	usage(a.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: geusemaker <command> [flags]

commands:
  run       run a deployment workflow on the local engine (default: Tier 3 on the simulated AWS;
            --cloud aws: on your AWS account, without the backend)
  deploy    start a deployment on the deployed backend (make deploy) and watch it
  watch     follow a deployment (or any execution ARN) to its end
  status    show one deployment's state and URLs
  list      list the deployments and their states
  destroy   destroy a deployment and watch it

Run 'geusemaker <command> -h' for the command's flags. Exit status: 0 success, 1 failed,
2 bad usage or input, 3 AWS setup problem (region, credentials, stack).
`)
}

// usageError is a bad command line or input: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// parseFlags parses args with fs, flags and positional arguments in any
// order, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// fail reports err on stderr as command's and returns its exit status.
func (a *app) fail(command string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitUsage
	}
	fmt.Fprintf(a.stderr, "geusemaker %s: %v\n", command, err)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		return exitUsage
	case isSetup(err):
		return exitSetup
	}
	return exitFailed
}

// newFlags returns a flag set for command that reports to stderr.
func (a *app) newFlags(command string) *flag.FlagSet {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	return fs
}

// positional checks the count of positional arguments.
func positional(args []string, names ...string) error {
	if len(args) != len(names) {
		return usageErrorf("want %d argument(s) (%s), got %d: %s", len(names), strings.Join(names, " "), len(args), strings.Join(args, " "))
	}
	return nil
}
