package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"geusemaker/internal/clock"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim"
	"geusemaker/internal/sim/account"
	"geusemaker/statemachine/definition"
)

// Where run runs the workflows' steps.
const (
	cloudSim = "sim"
	cloudAWS = "aws"
)

// runOptions are the run command's flags.
type runOptions struct {
	input     string
	region    string
	workflow  string
	cloud     string
	jsonOut   bool
	faults    []account.Fault
	latencies map[string]time.Duration
	graph     string
	destroy   bool
	verbose   bool
	// seed seeds the simulated AWS's consistency windows; nil: the default.
	seed *uint64
}

func (a *app) parseRunFlags(args []string) (*runOptions, error) {
	o := &runOptions{latencies: map[string]time.Duration{}}
	fs := a.newFlags("run")
	fs.StringVar(&o.input, "input", filepath.Join("events", "tier3-gpu.json"), "deployment request (JSON)")
	fs.StringVar(&o.workflow, "workflow", string(localrun.Deploy), "workflow to run: deploy or destroy")
	fs.StringVar(&o.cloud, "cloud", cloudSim, "where the steps call AWS: sim (the simulated AWS, virtual clock) or aws (your account through the standard chain: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL; real clock)")
	fs.BoolVar(&o.jsonOut, "json", false, "print the execution output as JSON on stdout (progress goes to stderr)")
	fs.StringVar(&o.graph, "graph", filepath.Join("out", "execution.html"), "write a picture of the execution graph with the path taken to this file (empty: none)")
	fs.BoolVar(&o.destroy, "destroy", false, "after a successful deploy, run the destroy workflow too")
	fs.BoolVar(&o.verbose, "v", false, "log every step to stderr")
	fs.Func("fault", "inject an AWS error: SERVICE:Operation:ErrorCode[:COUNT] (repeatable; COUNT 0 = always; sim only)", func(s string) error {
		f, err := account.ParseFault(s)
		if err == nil {
			err = sim.CheckFault(f)
		}
		if err == nil {
			o.faults = append(o.faults, f)
		}
		return err
	})
	fs.Func("latency", "override a simulated latency: NAME=DURATION, e.g. cloudfront.deploy=45m (repeatable; sim only)", func(s string) error {
		name, val, ok := strings.Cut(s, "=")
		d, err := time.ParseDuration(val)
		if !ok || name == "" || err != nil || d < 0 {
			return fmt.Errorf("latency %q: want NAME=DURATION, e.g. cloudfront.deploy=45m", s)
		}
		if _, ok := sim.Latencies()[name]; !ok {
			return fmt.Errorf("latency %q: no simulated latency %s (one of %s)", s, name, latencyNames())
		}
		o.latencies[name] = d
		return nil
	})
	fs.Func("seed", "seed of the simulated AWS's consistency windows: the same seed replays the same run (default 1; sim only)", func(s string) error {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("seed %q: want a whole number ≥ 0", s)
		}
		o.seed = &n
		return nil
	})
	fs.StringVar(&o.region, "region", "", "deploy into this region instead of the request's")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	switch {
	case len(rest) > 1:
		return nil, usageErrorf("want one request file, got %d: %s", len(rest), strings.Join(rest, " "))
	case len(rest) == 1 && inputSet(fs):
		return nil, usageErrorf("give the request as an argument or with --input, not both")
	case len(rest) == 1:
		o.input = rest[0]
	}
	if o.workflow != string(localrun.Deploy) && o.workflow != string(localrun.Destroy) {
		return nil, usageErrorf("workflow %q: want deploy or destroy", o.workflow)
	}
	switch {
	case o.cloud != cloudSim && o.cloud != cloudAWS:
		return nil, usageErrorf("cloud %q: want sim or aws", o.cloud)
	case o.cloud == cloudAWS && (len(o.faults) > 0 || len(o.latencies) > 0 || o.seed != nil):
		return nil, usageErrorf("--fault, --latency and --seed act on the simulated AWS only")
	}
	return o, nil
}

// inputSet tells whether --input was given.
func inputSet(fs *flag.FlagSet) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "input" })
	return set
}

// latencyNames lists the simulated latencies --latency may set.
func latencyNames() string {
	return strings.Join(slices.Sorted(maps.Keys(sim.Latencies())), ", ")
}

// target is where a run's steps call AWS.
type target struct {
	runner *localrun.Runner
	// figures returns the report's figures of one run, given when it
	// began on the account's clock and on the wall clock.
	figures func(r *report, x *engine.Execution, began, wallBegan time.Time)
	clock   clock.Clock
}

func (a *app) runCmd(ctx context.Context, args []string) int {
	o, err := a.parseRunFlags(args)
	if err != nil {
		return a.fail("run", err)
	}
	raw, err := requestFile(o.input, map[string]string{"region": o.region})
	if err != nil {
		return a.fail("run", err)
	}
	req, err := document.Parse(raw)
	if err != nil {
		return a.fail("run", usageErrorf("%s: %v", o.input, err))
	}

	progress := newProgress(a.stderr)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if o.verbose {
		log = slog.New(slog.NewTextHandler(a.stderr, nil))
	}
	cfg := localrun.Config{Log: log, OnEvent: progress.event}
	var acct *target
	if o.cloud == cloudAWS {
		acct, err = a.realAWS(ctx, req.Region, cfg)
	} else {
		acct, err = a.simulated(req.Region, cfg, o)
	}
	if err != nil {
		return a.fail("run", err)
	}

	workflows := []localrun.Workflow{localrun.Workflow(o.workflow)}
	if o.destroy && o.workflow == string(localrun.Deploy) {
		workflows = append(workflows, localrun.Destroy)
	}
	// With --json, one document: the report, or with --destroy both in
	// an array (deploy, then destroy).
	var reports []*report
	defer func() {
		switch {
		case !o.jsonOut || len(reports) == 0:
		case len(reports) == 1:
			reports[0].show(a.stdout, true)
		default:
			enc := json.NewEncoder(a.stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(reports)
		}
	}()
	for _, wf := range workflows {
		wallBegan, began := time.Now(), acct.clock.Now()
		x, started, err := acct.runner.Run(ctx, wf, req.DeploymentID+"-"+string(wf), raw)
		if err != nil {
			return a.fail("run", err)
		}
		r := newReport(string(wf), engineOutcome(x, started))
		acct.figures(r, x, began, wallBegan)
		if path := o.graph; path != "" {
			if wf == localrun.Destroy && len(workflows) > 1 {
				// Beside the deploy's picture, not over it.
				path = strings.TrimSuffix(path, filepath.Ext(path)) + "-destroy" + filepath.Ext(path)
			}
			if err := writeGraph(path, wf, x); err != nil {
				fmt.Fprintln(a.stderr, "geusemaker run: graph:", err)
			} else {
				r.Graph = path
			}
		}
		reports = append(reports, r)
		if !o.jsonOut {
			r.show(a.stdout, false)
		}
		if x.Status == engine.StatusAborted && ctx.Err() != nil && wf == localrun.Deploy {
			removal := a.rollBackInterrupted(acct, req, raw, o)
			if removal != nil {
				reports = append(reports, removal)
				if !o.jsonOut {
					removal.show(a.stdout, false)
				}
			}
			return exitFailed
		}
		if x.Status != engine.StatusSucceeded {
			return exitFailed
		}
	}
	return exitOK
}

// rollBackInterrupted follows a deployment stopped by Ctrl-C: whatever it
// had created runs up costs, so the destroy workflow removes it, unless a
// second Ctrl-C stops that too; either way the user learns what is left and
// the command that removes it. It returns the removal's report, nil when
// it stopped.
func (a *app) rollBackInterrupted(acct *target, req document.Request, raw []byte, o *runOptions) *report {
	again := destroyCommand(o)
	fmt.Fprintf(a.stderr, "\ngeusemaker run: interrupted: removing what deployment %s created (Ctrl-C again to stop; then %s removes it)\n",
		req.DeploymentID, again)
	ctx, stop := a.interrupts()
	defer stop()
	wallBegan, began := time.Now(), acct.clock.Now()
	x, started, err := acct.runner.Run(ctx, localrun.Destroy, req.DeploymentID+"-"+string(localrun.Destroy), raw)
	if err == nil && x.Status == engine.StatusAborted {
		err = ctx.Err()
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "geusemaker run: the removal stopped (%v): resources of %s may be left; remove them with %s\n", err, req.DeploymentID, again)
		return nil
	}
	r := newReport(string(localrun.Destroy), engineOutcome(x, started))
	acct.figures(r, x, began, wallBegan)
	if x.Status != engine.StatusSucceeded {
		fmt.Fprintf(a.stderr, "geusemaker run: the removal left something (see its report); run %s again\n", again)
	}
	return r
}

// destroyCommand is the command line that destroys what run o deployed.
func destroyCommand(o *runOptions) string {
	cmd := "geusemaker run --workflow destroy"
	if o.cloud == cloudAWS {
		cmd += " --cloud aws"
	}
	if o.region != "" {
		cmd += " --region " + o.region
	}
	return cmd + " " + o.input
}

// simulated is the simulated account, with the flags' faults and latencies.
func (a *app) simulated(region string, cfg localrun.Config, o *runOptions) (*target, error) {
	var opts []account.Option
	for _, f := range o.faults {
		opts = append(opts, account.WithFault(f))
	}
	for name, d := range o.latencies {
		opts = append(opts, account.WithLatency(name, d))
	}
	if o.seed != nil {
		opts = append(opts, account.WithSeed(*o.seed))
	}
	s, err := localrun.Simulate(region, cfg, opts...)
	if err != nil {
		return nil, err
	}
	return &target{runner: s.Runner, clock: s.Clock, figures: func(r *report, _ *engine.Execution, began, wallBegan time.Time) {
		r.Simulated = simulated(s.Clock.Now().Sub(began), time.Since(wallBegan), s.Leftovers())
	}}, nil
}

// realAWS is the account of the standard chain, the request's region
// unless the chain names one (the validate step then rejects a request
// for another region, as the deployed backend does).
func (a *app) realAWS(ctx context.Context, region string, cfg localrun.Config) (*target, error) {
	awsCfg, err := loadAWS(ctx, "", region)
	if err != nil {
		return nil, err
	}
	cfg.AWS, cfg.Clock = awsCfg, clock.Real{}
	cfg.Definitions, cfg.Steps = definition.All(), localrun.Steps
	r, err := localrun.New(cfg)
	if err != nil {
		return nil, err
	}
	return &target{runner: r, clock: cfg.Clock, figures: func(rep *report, x *engine.Execution, _, _ time.Time) {
		rep.Cloud = cloud(awsCfg.Region, x.StartTime, x.StopTime)
	}}, nil
}
