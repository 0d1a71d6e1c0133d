// Command geusemaker deploys GeuseMaker's AI stack: locally, by running the
// committed Step Functions definitions on the local engine against the
// simulated AWS (the default) or real AWS.
//
//	geusemaker run [flags]        deploy (make run: Tier 3 on the simulated AWS)
//
// Exit status: 0 success, 1 a failed deployment, 2 bad usage or input.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(cli(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// cli runs one command line and returns the exit status.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return runCmd(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "geusemaker: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: geusemaker <command> [flags]

commands:
  run     run a deployment workflow on the local engine (default: Tier 3 on the simulated AWS)

Run 'geusemaker <command> -h' for the command's flags.
`)
}
