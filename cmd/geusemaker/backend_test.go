package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/stepfunctions"
)

// The fake backend's region and state machines (the names localrun gives
// them, so the recorded histories carry the same ARNs).
const (
	fakeRegion  = "us-west-2"
	fakeDeploy  = "arn:aws:states:us-west-2:123456789012:stateMachine:geusemaker-deploy"
	fakeDestroy = "arn:aws:states:us-west-2:123456789012:stateMachine:geusemaker-destroy"
)

// fakeBackend is a deployed GeuseMaker stack on the fake endpoint whose
// Deploy and Destroy executions run the real workflows on one simulated
// account.
type fakeBackend struct {
	*stepfunctions.Server
	sim *stepfunctions.Sim
}

// newFakeBackend starts the endpoint, points the standard chain at it
// (AWS_ENDPOINT_URL, static keys, no profile files, no IMDS) and, unless
// stackless, deploys the stack.
func newFakeBackend(t *testing.T, stackless bool, opts ...account.Option) *fakeBackend {
	t.Helper()
	srv := stepfunctions.New()
	t.Cleanup(srv.Close)
	s, err := stepfunctions.Simulate(fakeRegion, opts...)
	require.NoError(t, err)
	ctx := context.Background()
	srv.AddStateMachine(fakeDeploy, s.Starter(ctx, localrun.Deploy))
	srv.AddStateMachine(fakeDestroy, s.Starter(ctx, localrun.Destroy))
	if !stackless {
		srv.AddStack(fakeRegion, defaultStackName, map[string]string{
			outputDeployARN: fakeDeploy, outputDestroyARN: fakeDestroy,
			"WatchStateMachineArn": "arn:aws:states:us-west-2:123456789012:stateMachine:geusemaker-watch", "EventBusName": "geusemaker",
		})
	}
	awsEnv(t, srv.URL, fakeRegion)
	return &fakeBackend{Server: srv, sim: s}
}

// awsEnv gives the standard chain an endpoint, a region and keys, and
// nothing else to find.
func awsEnv(t *testing.T, endpoint, region string) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region, "AWS_DEFAULT_REGION": "",
		"AWS_ACCESS_KEY_ID": "AKIDFAKE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "",
	} {
		t.Setenv(k, v)
	}
}

// geusemaker runs the CLI from the repository root with a virtual clock
// pacing its polls.
func geusemaker(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	chdirRepo(t)
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, clock: clock.NewVirtual(account.Epoch)}
	code = a.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// progressLine is a line the progress printer draws: it starts with the
// event's time.
var progressLine = regexp.MustCompile(`^\d\d:\d\d:\d\d `)

// progressLines are the progress printer's lines of an output.
func progressLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if progressLine.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

func count(calls []string, op string) int {
	n := 0
	for _, c := range calls {
		if c == op {
			n++
		}
	}
	return n
}

func TestDeployFollowsTheExecutionWithTheLocalRunsProgressAndSummary(t *testing.T) {
	_, _, local := inRepo(t, "run", "--graph", "")
	fb := newFakeBackend(t, false)
	code, out, progress := geusemaker(t, "deploy", "--input", filepath.Join("events", "tier3-gpu.json"))
	require.Equal(t, exitOK, code, "stderr: %s", progress)

	assert.Contains(t, out, "deploy geuse-gpu: SUCCEEDED")
	assert.Regexp(t, `n8n:\s+https://d\w+\.cloudfront\.net`, out)
	assert.Contains(t, out, "console:      https://us-west-2.console.aws.amazon.com/states/home?region=us-west-2#/v2/executions/details/"+fakeDeploy[:len(fakeDeploy)-len("stateMachine:geusemaker-deploy")]+"execution:geusemaker-deploy:geuse-gpu")
	assert.Regexp(t, `state transitions: [1-9]\d*`, out)
	assert.Equal(t, progressLines(local), progressLines(progress), "the same progress as the local run of the same request")
	calls := fb.Calls()
	assert.Equal(t, []string{"DescribeStacks", "StartExecution"}, calls[:2])
	assert.Greater(t, count(calls, "DescribeExecution"), 3, "it followed a running execution, look after look")
}

func TestDeployOfAnIDThatExistsStartsNothingNew(t *testing.T) {
	tests := []struct {
		name     string
		existing func(fb *fakeBackend, input string) // what ran before
		input    string
		code     int
		message  string
	}{
		{
			name: "finished and succeeded: its summary, exit 0",
			existing: func(fb *fakeBackend, input string) {
				run := fb.sim.Starter(context.Background(), localrun.Deploy)
				sc, err := run("geuse-dev", []byte(input))
				if err == nil {
					fb.AddExecution(fakeDeploy, "geuse-dev", input, sc, len(sc.Events))
				}
			},
			code: exitOK, message: "already ran (SUCCEEDED",
		},
		{
			name: "running with other input: followed",
			existing: func(fb *fakeBackend, input string) {
				sc, _ := fb.sim.Starter(context.Background(), localrun.Deploy)("geuse-dev", []byte(input))
				fb.AddExecution(fakeDeploy, "geuse-dev", input+" ", sc, 2)
			},
			code: exitOK, message: "already running",
		},
		{
			name: "running with the same input: Step Functions returns it",
			existing: func(fb *fakeBackend, input string) {
				sc, _ := fb.sim.Starter(context.Background(), localrun.Deploy)("geuse-dev", []byte(input))
				fb.AddExecution(fakeDeploy, "geuse-dev", input, sc, 2)
			},
			code: exitOK, message: "deployment geuse-dev started",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := newFakeBackend(t, false)
			chdirRepo(t)
			raw, err := os.ReadFile(filepath.Join("events", "tier1-dev.json"))
			require.NoError(t, err)
			tt.existing(fb, strings.Replace(string(raw), "us-east-1", fakeRegion, 1))
			file := filepath.Join(t.TempDir(), "dev.json")
			require.NoError(t, os.WriteFile(file, []byte(strings.Replace(string(raw), "us-east-1", fakeRegion, 1)), 0o644))

			code, out, stderr := geusemaker(t, "deploy", "--input", file)
			assert.Equal(t, tt.code, code, "stderr: %s", stderr)
			assert.Contains(t, stderr, tt.message)
			assert.Contains(t, out, "deploy geuse-dev: SUCCEEDED")
			assert.Equal(t, 1, count(fb.Calls(), "StartExecution"))
			_, list, _ := geusemaker(t, "list", "--json")
			var items []map[string]string
			require.NoError(t, json.Unmarshal([]byte(list), &items))
			assert.Len(t, items, 1, "one execution: no second stack")
		})
	}
}

func TestDeployOfAFailedIDSaysItRunsOnceAndHowToRetry(t *testing.T) {
	fb := newFakeBackend(t, false, account.WithFault(account.Fault{Service: "CloudFront", Operation: "CreateDistributionWithTags", Code: "TooManyDistributions"}))
	args := []string{"deploy", "--input", filepath.Join("events", "tier3-gpu.json")}
	code, out, _ := geusemaker(t, args...)
	require.Equal(t, exitFailed, code)
	assert.Contains(t, out, "error:        CloudFrontCreateFailed")
	assert.Contains(t, out, "rollback cloudfront:")

	code, out, stderr := geusemaker(t, args...)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr, "already ran (FAILED")
	assert.Contains(t, stderr, "geusemaker destroy geuse-gpu")
	assert.Contains(t, out, "CloudFrontCreateFailed", "the summary of the run that failed")
	assert.Equal(t, 2, count(fb.Calls(), "StartExecution"))
}

func TestDeployFromFlagsDetached(t *testing.T) {
	fb := newFakeBackend(t, false)
	code, out, stderr := geusemaker(t, "deploy", "--id", "flags-dev", "--detach")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Equal(t, stepfunctions.ExecutionARN(fakeDeploy, "flags-dev")+"\n", out)
	assert.Zero(t, count(fb.Calls(), "GetExecutionHistory"), "detached: nothing watched")

	code, out, stderr = geusemaker(t, "watch", "flags-dev", "--json")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	var r report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, "SUCCEEDED", r.Status)
	assert.Equal(t, "dev", string(r.Output.Request.Tier))
	assert.Equal(t, fakeRegion, r.Output.Request.Region, "the request's region is the backend's")
	assert.NotEmpty(t, r.Output.Resources.N8NURL)
}

// The request may be deploy's argument; --region, the backend's region, is
// the deployment's too: a sample written for another region deploys there.
func TestDeployTakesTheRequestAsAnArgumentInTheBackendsRegion(t *testing.T) {
	newFakeBackend(t, false)
	code, _, stderr := geusemaker(t, "deploy", filepath.Join("events", "tier2-automation.json"), "--detach")
	require.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "the request deploys into eu-west-1, the backend is in "+fakeRegion)

	code, out, stderr := geusemaker(t, "deploy", filepath.Join("events", "tier2-automation.json"), "--region", fakeRegion, "--detach")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Equal(t, stepfunctions.ExecutionARN(fakeDeploy, "geuse-automation")+"\n", out)
	code, out, stderr = geusemaker(t, "watch", "geuse-automation", "--json")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	var r report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, fakeRegion, r.Output.Request.Region)
}

func TestWatchByExecutionARNNeedsNoStack(t *testing.T) {
	fb := newFakeBackend(t, true)
	sc, err := fb.sim.Starter(context.Background(), localrun.Deploy)("geuse-dev", []byte(`{"deployment_id":"geuse-dev","region":"us-west-2"}`))
	require.NoError(t, err)
	fb.AddExecution(fakeDeploy, "geuse-dev", "{}", sc, 1)

	code, out, stderr := geusemaker(t, "watch", stepfunctions.ExecutionARN(fakeDeploy, "geuse-dev"))
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Contains(t, out, "geusemaker-deploy geuse-dev: SUCCEEDED")
	assert.NotContains(t, fb.Calls(), "DescribeStacks")
	assert.NotEmpty(t, progressLines(stderr))
}

func TestStatusShowsStateURLsAndTheLatestProgress(t *testing.T) {
	fb := newFakeBackend(t, false)
	run := fb.sim.Starter(context.Background(), localrun.Deploy)
	done, err := run("done", []byte(`{"deployment_id":"done","region":"us-west-2"}`))
	require.NoError(t, err)
	fb.AddExecution(fakeDeploy, "done", "{}", done, len(done.Events))
	busy, err := run("busy", []byte(`{"deployment_id":"busy","region":"us-west-2"}`))
	require.NoError(t, err)
	fb.AddExecution(fakeDeploy, "busy", "{}", busy, len(busy.Events)/2)

	code, out, _ := geusemaker(t, "status", "done")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "deploy done: SUCCEEDED")
	assert.Regexp(t, `n8n:\s+http`, out)
	assert.Regexp(t, `credentials:\s+aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:us-west-2:\d{12}:secret:geusemaker/done/workload-\w{6} --region us-west-2 `, out,
		"status tells where the credentials are")

	code, out, progress := geusemaker(t, "status", "busy")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "deploy busy: RUNNING")
	assert.Len(t, progressLines(progress), 1, "the latest progress event")

	code, _, stderr := geusemaker(t, "status", "nobody")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "no deployment nobody in us-west-2")
}

func TestListShowsEveryDeploymentNewestFirst(t *testing.T) {
	fb := newFakeBackend(t, false)
	run := fb.sim.Starter(context.Background(), localrun.Deploy)
	for _, id := range []string{"first", "second"} {
		sc, err := run(id, []byte(`{"deployment_id":"`+id+`","region":"us-west-2"}`))
		require.NoError(t, err)
		fb.AddExecution(fakeDeploy, id, "{}", sc, len(sc.Events))
	}
	code, out, _ := geusemaker(t, "list")
	require.Equal(t, exitOK, code)
	assert.Regexp(t, `(?s)DEPLOYMENT\s+STATUS.*second\s+SUCCEEDED.*first\s+SUCCEEDED`, out)

	code, out, _ = geusemaker(t, "list", "--json", "--status", "RUNNING")
	require.Equal(t, exitOK, code)
	assert.JSONEq(t, `[]`, out)
}

func TestDestroyRemovesWhatTheDeploymentCreated(t *testing.T) {
	fb := newFakeBackend(t, false)
	code, _, stderr := geusemaker(t, "deploy", "--input", filepath.Join("events", "tier3-gpu.json"))
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	require.NotEmpty(t, fb.sim.Cloud.Inventory())

	code, out, stderr := geusemaker(t, "destroy", "geuse-gpu")
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	assert.Regexp(t, regexp.MustCompile(`destroy geuse-gpu-destroy-\d{8}T\d{6}Z: SUCCEEDED`), out)
	assert.Contains(t, progressLines(stderr)[len(progressLines(stderr))-1], "Destroy Completed")
	assert.Empty(t, fb.sim.Leftovers(), "nothing left in the account")

	code, out, _ = geusemaker(t, "status", "geuse-gpu")
	assert.Equal(t, exitOK, code)
	assert.Regexp(t, `destroy:\s+geuse-gpu-destroy-\d{8}T\d{6}Z \(SUCCEEDED\)`, out)
}

func TestDestroyRefusesOrAttaches(t *testing.T) {
	request := `{"deployment_id":"geuse-dev","region":"us-west-2"}`
	tests := []struct {
		name string
		// setup prepares the backend and returns the arguments after "destroy".
		setup   func(t *testing.T, fb *fakeBackend) []string
		code    int
		message string
	}{
		{"a running deployment", func(t *testing.T, fb *fakeBackend) []string {
			sc, err := fb.sim.Starter(context.Background(), localrun.Deploy)("geuse-dev", []byte(request))
			require.NoError(t, err)
			fb.AddExecution(fakeDeploy, "geuse-dev", request, sc, 1)
			return []string{"geuse-dev"}
		}, exitUsage, "still running"},
		{"an unknown deployment", func(*testing.T, *fakeBackend) []string { return []string{"geuse-dev"} }, exitUsage, "pass --input"},
		{"an unknown deployment with another's request", func(*testing.T, *fakeBackend) []string {
			return []string{"other", "--input", filepath.Join("events", "tier1-dev.json")}
		}, exitUsage, "the request of geuse-dev, not other"},
		{"an unknown deployment of another region", func(*testing.T, *fakeBackend) []string {
			return []string{"geuse-dev", "--input", filepath.Join("events", "tier1-dev.json")}
		}, exitUsage, "geuse-dev is in us-east-1, the backend in us-west-2"},
		{"an unknown deployment with its request: swept by tag", func(t *testing.T, _ *fakeBackend) []string {
			file := filepath.Join(t.TempDir(), "geuse-dev.json")
			require.NoError(t, os.WriteFile(file, []byte(request), 0o644))
			return []string{"geuse-dev", "--input", file}
		}, exitOK, "destroy of geuse-dev started"},
		{"a destroy under way", func(t *testing.T, fb *fakeBackend) []string {
			sc, err := fb.sim.Starter(context.Background(), localrun.Destroy)("geuse-dev-destroy-20260301T000000Z", []byte(request))
			require.NoError(t, err)
			fb.AddExecution(fakeDestroy, "geuse-dev-destroy-20260301T000000Z", request, sc, 1)
			return []string{"geuse-dev"}
		}, exitOK, "already running; following it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := newFakeBackend(t, false)
			args := tt.setup(t, fb)
			code, _, stderr := geusemaker(t, append([]string{"destroy"}, args...)...)
			assert.Equal(t, tt.code, code, "stderr: %s", stderr)
			assert.Contains(t, stderr, tt.message)
		})
	}
}

func TestBackendCommandsExplainTheSetupProblem(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, fb *fakeBackend)
		args    []string
		code    int
		message string
	}{
		{"stack not deployed", func(t *testing.T, fb *fakeBackend) {}, []string{"list", "--stack", "Elsewhere"}, exitSetup, `the GeuseMaker stack "Elsewhere" is not deployed in us-west-2: deploy it with ` + "`make deploy`"},
		{"no credentials", func(t *testing.T, _ *fakeBackend) {
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		}, []string{"status", "x"}, exitSetup, "no AWS credentials"},
		{"no region", func(t *testing.T, _ *fakeBackend) { t.Setenv("AWS_REGION", "") }, []string{"list"}, exitSetup, "no AWS region"},
		{"wrong region", func(t *testing.T, _ *fakeBackend) {}, []string{"list", "--region", "eu-west-1"}, exitSetup, "not deployed in eu-west-1"},
		{"credentials rejected", func(_ *testing.T, fb *fakeBackend) { fb.Fail("DescribeStacks", "InvalidClientTokenId") }, []string{"list"}, exitSetup, "AWS rejected the credentials (InvalidClientTokenId)"},
		{"not allowed", func(_ *testing.T, fb *fakeBackend) { fb.Fail("StartExecution", "AccessDeniedException") }, []string{"deploy", "--id", "x"}, exitSetup, guideIAM},
		{"state machine gone", func(*testing.T, *fakeBackend) {}, []string{"deploy", "--id", "x", "--deploy-arn", fakeDeploy + "-gone", "--destroy-arn", fakeDestroy}, exitSetup, "the Deploy state machine"},
		{"other AWS errors fail", func(_ *testing.T, fb *fakeBackend) { fb.Fail("ListExecutions", "InvalidArn") }, []string{"list"}, exitFailed, "InvalidArn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := newFakeBackend(t, false)
			tt.setup(t, fb)
			code, _, stderr := geusemaker(t, tt.args...)
			assert.Equal(t, tt.code, code, "stderr: %s", stderr)
			assert.Contains(t, stderr, tt.message)
		})
	}
}

func TestBackendCommandsRejectBadUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"deploy without a request", []string{"deploy"}, "give a request file (REQUEST.json or --input FILE) or --id ID"},
		{"deploy of an invalid request", []string{"deploy", "--id", "1x"}, "deployment_id"},
		{"deploy into another region", []string{"deploy", "--input", filepath.Join("events", "tier1-dev.json")}, "the request deploys into us-east-1, the backend is in us-west-2"},
		{"deploy of a missing file", []string{"deploy", "--input", "nope.json"}, "nope.json"},
		{"watch without a target", []string{"watch"}, "ID|EXECUTION-ARN"},
		{"watch of a state machine ARN", []string{"watch", fakeDeploy}, "is not an execution ARN"},
		{"watch of an unknown id", []string{"watch", "nobody"}, "no deployment nobody"},
		{"list with an argument", []string{"list", "all"}, "want 0 argument(s)"},
		{"unknown flag", []string{"status", "--bogus", "x"}, "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newFakeBackend(t, false)
			code, _, stderr := geusemaker(t, tt.args...)
			assert.Equal(t, exitUsage, code, "stderr: %s", stderr)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestRequestFileSetsFlagsDeterministically(t *testing.T) {
	file := filepath.Join(t.TempDir(), "r.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"tier":"dev","deployment_id":"a","region":"us-west-2"}`), 0o644))
	first, err := requestFile(file, map[string]string{"deployment_id": "b", "tier": "automation"})
	require.NoError(t, err)
	again, err := requestFile(file, map[string]string{"deployment_id": "b", "tier": "automation"})
	require.NoError(t, err)
	assert.Equal(t, string(first), string(again), "the same flags, the same input: Step Functions' idempotency holds")
	assert.JSONEq(t, `{"tier":"automation","deployment_id":"b","region":"us-west-2"}`, string(first))
	raw, err := requestFile(file, map[string]string{"deployment_id": "", "tier": ""})
	require.NoError(t, err)
	assert.Equal(t, `{"tier":"dev","deployment_id":"a","region":"us-west-2"}`, string(raw), "sent as written")
}
