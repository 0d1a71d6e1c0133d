package main

import (
	"bytes"
	"context"
	"encoding/json"
	"geusemaker/internal/clock"
	"geusemaker/internal/document"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chdirRepo makes the repository root the working directory for the rest
// of the test, where make run runs the CLI.
func chdirRepo(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("go.mod"); err != nil {
		t.Chdir(filepath.Join("..", ".."))
	}
}

// inRepo runs the CLI from the repository root, where make run runs it.
func inRepo(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	chdirRepo(t)
	var out, errOut bytes.Buffer
	code = cli(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunDeploysTier3ByDefault(t *testing.T) {
	graph := filepath.Join(t.TempDir(), "graph.html")
	code, out, progress := inRepo(t, "run", "--graph", graph)
	require.Equal(t, exitOK, code, "stderr: %s", progress)
	assert.Contains(t, out, "deploy geuse-gpu-deploy: SUCCEEDED")
	assert.Regexp(t, `n8n:\s+https://d\w+\.cloudfront\.net`, out)
	m := regexp.MustCompile(`credentials:\s+aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:([a-z0-9-]+):\d{12}:secret:geusemaker/\S+/workload-\w{6} --region (\S+) --query SecretString --output text\n`).FindStringSubmatch(out)
	require.NotNil(t, m, "the report says where the credentials are")
	assert.Equal(t, m[1], m[2], "in the secret's own region")
	assert.Contains(t, progress, "Waiting for deployment...")
	assert.Contains(t, progress, "CloudFront distribution deployed successfully")
	page, err := os.ReadFile(graph)
	require.NoError(t, err)
	assert.Contains(t, string(page), "Build resources", "the graph shows the path taken")
}

func TestRunJSONThenDestroyLeavesNothing(t *testing.T) {
	code, out, stderr := inRepo(t, "run", "--json", "--destroy", "--graph", "", "--input", filepath.Join("events", "tier1-dev.json"))
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	// One JSON document: deploy's report, then destroy's.
	var both []report
	require.NoError(t, json.Unmarshal([]byte(out), &both))
	require.Len(t, both, 2)
	deploy, destroy := both[0], both[1]
	assert.Equal(t, "deploy", deploy.Workflow)
	assert.NotEmpty(t, deploy.Output.Resources.N8NURL)
	assert.NotEmpty(t, deploy.LeftoverResources, "a deployed stack is alive")
	assert.Equal(t, "destroy", destroy.Workflow)
	assert.Empty(t, destroy.LeftoverResources)
	assert.Positive(t, destroy.StateTransitions)
	// The destroy's report, from its output: what each family deleted.
	instance := destroy.Rollback["instance"]
	assert.Equal(t, document.RemovalDeleted, instance.Status, "%v", destroy.Rollback)
	assert.Len(t, instance.Deleted, 3, "the instance, its profile and its role")
	assert.Equal(t, document.RemovalNothing, destroy.Rollback["cloudfront"].Status, "Tier 1 has no distribution")
}

// A seed replays a run: the consistency windows are drawn from it.
func TestRunWithASeedReplaysTheSameRun(t *testing.T) {
	var runs []report
	for range 2 {
		code, out, stderr := inRepo(t, "run", "--json", "--graph", "", "--seed", "42", "--input", filepath.Join("events", "tier2-automation.json"))
		require.Equal(t, exitOK, code, "stderr: %s", stderr)
		var r report
		require.NoError(t, json.Unmarshal([]byte(out), &r))
		runs = append(runs, r)
	}
	assert.Equal(t, runs[0].SimulatedDuration, runs[1].SimulatedDuration)
	assert.Equal(t, runs[0].StateTransitions, runs[1].StateTransitions)
	assert.Equal(t, runs[0].Output.Resources, runs[1].Output.Resources)
}

func TestRunFailedDeploymentExitsOneWithTheErrorAndNoLeftovers(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		error string
	}{
		{"injected fault", []string{"--fault", "CloudFront:CreateDistributionWithTags:TooManyDistributions:1"}, "CloudFrontCreateFailed"},
		{"the workload secret cannot be created", []string{"--fault", "Secrets Manager:CreateSecret:AccessDeniedException"}, "SecretFailed"},
		{"CloudFront never deploys", []string{"--latency", "cloudfront.deploy=2h"}, "Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := inRepo(t, append([]string{"run", "--json", "--graph", ""}, tt.args...)...)
			require.Equal(t, exitFailed, code, "stderr: %s", stderr)
			var r report
			require.NoError(t, json.Unmarshal([]byte(out), &r))
			assert.Equal(t, tt.error, r.Error)
			require.NotNil(t, r.Cause)
			assert.NotEmpty(t, r.Cause.Remediation)
			assert.NotEmpty(t, r.Rollback, "the rollback report is part of the output")
			assert.Empty(t, r.LeftoverResources)
		})
	}
}

func TestRunRejectsBadUsageWithExitTwo(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"deployment_id":"1x","tier":"huge"}`), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"explode"}, "unknown command"},
		{"no command", nil, "usage"},
		{"bad fault", []string{"run", "--fault", "EC2:RunInstances"}, "SERVICE:Operation:ErrorCode"},
		{"bad latency", []string{"run", "--latency", "cloudfront.deploy"}, "NAME=DURATION"},
		{"unknown latency", []string{"run", "--latency", "cloudfront.deploi=1m"}, "no simulated latency cloudfront.deploi"},
		{"unknown service", []string{"run", "--fault", "EC3:RunInstances:InternalError"}, `no simulated service "EC3"`},
		{"unknown operation", []string{"run", "--fault", "EC2:RunInstance:InternalError"}, `no operation "RunInstance"`},
		{"bad seed", []string{"run", "--seed", "-1"}, "seed"},
		{"seed on AWS", []string{"run", "--cloud", "aws", "--seed", "2"}, "simulated AWS only"},
		{"bad workflow", []string{"run", "--workflow", "teleport"}, "deploy or destroy"},
		{"two request files", []string{"run", "a.json", "b.json"}, "want one request file"},
		{"a request file twice", []string{"run", "--input", "a.json", "b.json"}, "not both"},
		{"a request file that is not there", []string{"run", "now"}, "now"},
		{"missing input", []string{"run", "--input", "nope.json"}, "nope.json"},
		{"invalid request", []string{"run", "--input", bad}, "deployment_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := inRepo(t, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestHelpExitsZero(t *testing.T) {
	code, out, _ := inRepo(t, "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "run")
}

// Each command's -h is its synopsis, flags and examples, on stdout, exit 0.
func TestEachCommandsHelpShowsSynopsisFlagsAndExamples(t *testing.T) {
	for command, h := range helps {
		t.Run(command, func(t *testing.T) {
			code, out, stderr := inRepo(t, command, "-h")
			assert.Equal(t, exitOK, code)
			assert.Empty(t, stderr)
			assert.True(t, strings.HasPrefix(out, "usage: geusemaker "+h.synopsis+"\n"), out)
			assert.Contains(t, out, "\nflags:\n  -")
			assert.Contains(t, out, "\nexamples:\n  geusemaker "+command)
		})
	}
	_, out, _ := inRepo(t, "run", "--help")
	assert.Contains(t, out, "cloudfront.vpc_origin_deploy", "run's help names the latencies --latency may set")
}

// A bad flag is one line on stderr naming it and where help is; no usage
// dump, nothing on stdout.
func TestABadFlagIsOneErrorLine(t *testing.T) {
	code, out, stderr := inRepo(t, "run", "--bogus")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	assert.Equal(t, "geusemaker run: flag provided but not defined: -bogus (see 'geusemaker run -h')\n", stderr)
}

func TestVersionNamesTheBuild(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		code, out, _ := inRepo(t, arg)
		assert.Equal(t, exitOK, code)
		assert.Regexp(t, `^geusemaker \S+ .*go1\.\d+`, out)
	}
}

// With --destroy, the destroy's picture goes beside the deploy's.
func TestRunWithDestroyDrawsBothPictures(t *testing.T) {
	graph := filepath.Join(t.TempDir(), "run.html")
	code, out, stderr := inRepo(t, "run", filepath.Join("events", "tier1-dev.json"), "--destroy", "--graph", graph)
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	for _, f := range []string{graph, strings.TrimSuffix(graph, ".html") + "-destroy.html"} {
		assert.FileExists(t, f)
		assert.Contains(t, out, "graph:        "+f)
	}
}

// The request may be the run's argument, and --region moves it.
func TestRunTakesTheRequestAsAnArgumentAndARegion(t *testing.T) {
	code, out, stderr := inRepo(t, "run", filepath.Join("events", "tier1-dev.json"), "--region", "eu-west-1", "--json", "--graph", "")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	var r report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, "geuse-dev", r.Output.Request.DeploymentID)
	assert.Equal(t, "eu-west-1", r.Output.Request.Region)
	assert.Contains(t, r.Output.Resources.SecretARN, ":eu-west-1:")
}

// cancelOn is stderr that presses Ctrl-C (cancels) once it shows match.
type cancelOn struct {
	bytes.Buffer
	match  string
	cancel context.CancelFunc
}

func (w *cancelOn) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Contains(w.String(), w.match) {
		w.cancel()
	}
	return n, err
}

// Ctrl-C during a deployment removes what it created (unless pressed
// again) and says how to remove it later.
func TestAnInterruptedRunRemovesWhatItCreated(t *testing.T) {
	chdirRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	stderr := &cancelOn{match: "is running", cancel: cancel}
	code := cli(ctx, []string{"run", "--graph", "", filepath.Join("events", "tier1-dev.json")}, &out, stderr)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr.String(), "interrupted: removing what deployment geuse-dev created (Ctrl-C again to stop; then geusemaker run --workflow destroy events/tier1-dev.json removes it)")
	assert.Contains(t, out.String(), "destroy geuse-dev-destroy: SUCCEEDED")
	assert.Contains(t, out.String(), "EC2 instance i-")
	assert.Contains(t, out.String(), "alive in the simulated account: 0 resource(s)")
}

// A second Ctrl-C stops the removal too: the user is told what to run.
func TestASecondInterruptStopsTheRemovalAndSaysWhatToRun(t *testing.T) {
	chdirRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	stderr := &cancelOn{match: "is running", cancel: cancel}
	again, stop := context.WithCancel(context.Background())
	stop()
	a := &app{stdout: &out, stderr: stderr, clock: clock.Real{}, interrupts: func() (context.Context, context.CancelFunc) { return again, stop }}
	code := a.run(ctx, []string{"run", "--graph", "", "--region", "eu-west-1", filepath.Join("events", "tier1-dev.json")})
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr.String(), "the removal stopped")
	assert.Contains(t, stderr.String(), "remove them with geusemaker run --workflow destroy --region eu-west-1 events/tier1-dev.json")
}
