// Command geusemaker deploys GeuseMaker's AI stack: locally, by running the
// committed Step Functions definitions on the local engine against the
// simulated AWS (the default) or real AWS, and through the deployed Step
// Functions backend (make deploy).
//
//	geusemaker run [flags] [REQUEST]    local engine (make run: Tier 3 on the simulated AWS)
//	geusemaker deploy [flags] [REQUEST] start a deployment on the backend and watch it
//	geusemaker watch ID|EXECUTION-ARN   follow an execution to its end
//	geusemaker status ID                one deployment's state and URLs
//	geusemaker list                     the deployments and their states
//	geusemaker destroy ID               destroy a deployment and watch it
//	geusemaker version                  the build's version
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
	"runtime/debug"
	"slices"
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
	// interrupts is a context that the next Ctrl-C cancels.
	interrupts func() (context.Context, context.CancelFunc)
}

// cli runs one command line and returns the exit status.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return (&app{stdout: stdout, stderr: stderr, clock: clock.Real{}, interrupts: func() (context.Context, context.CancelFunc) {
		return signal.NotifyContext(context.Background(), os.Interrupt)
	}}).run(ctx, args)
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
	case "version", "--version", "-version":
		fmt.Fprintln(a.stdout, version())
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
  version   print the build's version

Run 'geusemaker <command> -h' for the command's flags and examples. Exit status: 0 success, 1 failed,
2 bad usage or input, 3 AWS setup problem (region, credentials, stack).
`)
}

// usageError is a bad command line or input: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// version is the build's module version and VCS revision, as Go records
// them in the binary.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "geusemaker (no build information)"
	}
	v := "geusemaker " + bi.Main.Version
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += " " + rev[:min(12, len(rev))]
		if settings["vcs.modified"] == "true" {
			v += "+modified"
		}
	}
	return v + " " + bi.GoVersion
}

// parseFlags parses args with fs, flags and positional arguments in any
// order, and returns the positional ones. -h prints the command's help on
// stdout (flag.ErrHelp, exit 0); a bad flag is one error (exit 2), its
// hint at -h.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	// The flag package calls Usage on every error: only -h shows it.
	help := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = help }()
	for _, arg := range args {
		if arg == "--" {
			break
		}
		if slices.Contains([]string{"-h", "-help", "--h", "--help"}, arg) {
			help()
			return nil, flag.ErrHelp
		}
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageErrorf("%v (see 'geusemaker %s -h')", err, fs.Name())
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// fail reports err on stderr as command's and returns its exit status; a
// help request was answered already.
func (a *app) fail(command string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
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

// newFlags returns a flag set for command whose -h prints synopsis, flags
// and examples (helps) on stdout; parse errors are parseFlags' to report.
func (a *app) newFlags(command string) *flag.FlagSet {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		h := helps[command]
		fmt.Fprintf(a.stdout, "usage: geusemaker %s\n\n%s\n\nflags:\n", h.synopsis, h.about)
		fs.SetOutput(a.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		if h.examples != "" {
			fmt.Fprintf(a.stdout, "\nexamples:\n%s", h.examples)
		}
	}
	return fs
}

// help is a command's -h text besides its flags.
type help struct{ synopsis, about, examples string }

var helps = map[string]help{
	"run": {"run [flags] [REQUEST.json]",
		"Runs a workflow of the committed state machines on the local engine: on the simulated AWS (no account,\n" +
			"virtual clock) or, with --cloud aws, on your account without the backend. REQUEST defaults to\n" +
			"events/tier3-gpu.json. Latency names (--latency): " + latencyNames() + ".\n" +
			"Faults (--fault) name a simulated service and one of its operations.",
		"  geusemaker run                                    # Tier 3 on the simulated AWS (make run)\n" +
			"  geusemaker run events/tier2-automation.json --destroy\n" +
			"  geusemaker run --latency cloudfront.deploy=45m --fault EC2:RunInstances:InsufficientInstanceCapacity:1\n" +
			"  geusemaker run --cloud aws --region eu-west-1 events/tier1-dev.json\n"},
	"deploy": {"deploy [flags] [REQUEST.json]",
		"Starts a deployment on the deployed backend (make deploy) and follows it to its end. The request's region\n" +
			"is the backend's: --region sets both.",
		"  geusemaker deploy events/tier3-gpu.json\n" +
			"  geusemaker deploy --region eu-west-1 --id my-stack --tier automation\n" +
			"  geusemaker deploy --detach events/tier3-gpu-async.json\n"},
	"watch":   {"watch [flags] ID|EXECUTION-ARN", "Follows a deployment's (or any) execution to its end.", "  geusemaker watch my-stack\n"},
	"status":  {"status [flags] ID", "Shows one deployment's state, URLs and resources.", "  geusemaker status my-stack --json\n"},
	"list":    {"list [flags]", "Lists the deployments the backend ran and their states.", "  geusemaker list --status RUNNING\n"},
	"destroy": {"destroy [flags] ID", "Destroys a deployment and follows the destroy to its end.", "  geusemaker destroy my-stack\n"},
}

// positional checks the count of positional arguments.
func positional(args []string, names ...string) error {
	if len(args) != len(names) {
		return usageErrorf("want %d argument(s) (%s), got %d: %s", len(names), strings.Join(names, " "), len(args), strings.Join(args, " "))
	}
	return nil
}
