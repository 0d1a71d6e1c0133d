package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/world"
)

// runOptions are the run command's flags.
type runOptions struct {
	input     string
	workflow  string
	jsonOut   bool
	faults    []world.Fault
	latencies map[string]time.Duration
	graph     string
	destroy   bool
	verbose   bool
}

func parseRunFlags(args []string, stderr io.Writer) (*runOptions, error) {
	o := &runOptions{latencies: map[string]time.Duration{}}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.input, "input", filepath.Join("events", "tier3-gpu.json"), "deployment request (JSON)")
	fs.StringVar(&o.workflow, "workflow", string(localrun.Deploy), "workflow to run: deploy or destroy")
	fs.BoolVar(&o.jsonOut, "json", false, "print the execution output as JSON on stdout (progress goes to stderr)")
	fs.StringVar(&o.graph, "graph", filepath.Join("out", "execution.html"), "write a picture of the execution graph with the path taken to this file (empty: none)")
	fs.BoolVar(&o.destroy, "destroy", false, "after a successful deploy, run the destroy workflow too")
	fs.BoolVar(&o.verbose, "v", false, "log every step to stderr")
	fs.Func("fault", "inject an AWS error: SERVICE:Operation:ErrorCode[:COUNT] (repeatable; COUNT 0 = always)", func(s string) error {
		f, err := world.ParseFault(s)
		if err == nil {
			o.faults = append(o.faults, f)
		}
		return err
	})
	fs.Func("latency", "override a simulated latency: NAME=DURATION, e.g. cloudfront.deploy=45m (repeatable)", func(s string) error {
		name, val, ok := strings.Cut(s, "=")
		d, err := time.ParseDuration(val)
		if !ok || name == "" || err != nil || d < 0 {
			return fmt.Errorf("latency %q: want NAME=DURATION, e.g. cloudfront.deploy=45m", s)
		}
		o.latencies[name] = d
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.workflow != string(localrun.Deploy) && o.workflow != string(localrun.Destroy) {
		return nil, fmt.Errorf("workflow %q: want deploy or destroy", o.workflow)
	}
	return o, nil
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseRunFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "geusemaker run:", err)
		}
		return exitUsage
	}
	raw, err := os.ReadFile(o.input)
	if err != nil {
		fmt.Fprintln(stderr, "geusemaker run:", err)
		return exitUsage
	}
	req, err := document.Parse(raw)
	if err != nil {
		fmt.Fprintf(stderr, "geusemaker run: %s: %v\n", o.input, err)
		return exitUsage
	}

	progress := newProgress(stderr)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if o.verbose {
		log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	opts := []world.Option{}
	for _, f := range o.faults {
		opts = append(opts, world.WithFault(f))
	}
	for name, d := range o.latencies {
		opts = append(opts, world.WithLatency(name, d))
	}
	s, err := localrun.Simulate(req.Region, localrun.Config{Log: log, OnEvent: progress.event}, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "geusemaker run:", err)
		return exitFailed
	}

	workflows := []localrun.Workflow{localrun.Workflow(o.workflow)}
	if o.destroy && o.workflow == string(localrun.Deploy) {
		workflows = append(workflows, localrun.Destroy)
	}
	var last *report
	for _, wf := range workflows {
		wallStart := time.Now()
		simStart := s.Clock.Now()
		x, started, err := s.Run(ctx, wf, req.DeploymentID+"-"+string(wf), raw)
		if err != nil {
			fmt.Fprintln(stderr, "geusemaker run:", err)
			return exitFailed
		}
		simulated, wall := s.Clock.Now().Sub(simStart), time.Since(wallStart)
		last = newReport(wf, x, started, s.Leftovers(), simulated, wall)
		if o.graph != "" {
			if err := writeGraph(o.graph, wf, x); err != nil {
				fmt.Fprintln(stderr, "geusemaker run: graph:", err)
			} else {
				last.Graph = o.graph
			}
		}
		if o.jsonOut {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(last)
		} else {
			last.print(stdout)
		}
		if x.Status != engine.StatusSucceeded {
			return exitFailed
		}
	}
	return exitOK
}
