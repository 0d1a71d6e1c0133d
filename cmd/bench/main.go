// Command bench runs GeuseMaker's benchmark suite (internal/bench) from the
// module's root and prints its report; with -out it also writes it, e.g.
// to BENCHMARKS.md (make bench).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"geusemaker/internal/bench"
)

func main() { os.Exit(exitCode(run(context.Background(), os.Args[1:], os.Stdout), os.Stderr)) }

// exitCode reports err on stderr and returns the command's exit code.
func exitCode(err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}

// run parses args, runs the suite and writes the report.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("bench", flag.ContinueOnError)
	out := flags.String("out", "", "also write the report to this file")
	runs := flags.Int("runs", 7, "Tier 3 deployments the wall time is the median of")
	sizes := flags.Bool("sizes", true, "build and zip every Lambda under ./lambdas to report its size")
	if err := flags.Parse(args); err != nil {
		return err
	}
	root := ""
	if *sizes {
		root = "."
	}
	s, err := bench.RunSuite(ctx, bench.Options{WallRuns: *runs, Root: root})
	if err != nil {
		return err
	}
	var b bytes.Buffer
	s.Markdown(&b)
	if _, err := stdout.Write(b.Bytes()); err != nil {
		return err
	}
	if *out != "" {
		return os.WriteFile(*out, b.Bytes(), 0o644)
	}
	return nil
}
