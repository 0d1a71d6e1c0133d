package localrun

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/engine"
	"geusemaker/internal/sim/account"
	"geusemaker/statemachine/definition"
)

// scripted is one task call's outcome, in the format the engine's testdata/crosscheck.mjs
// reads: a result, or an error name and cause.
type scripted struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
	Cause  string          `json:"cause,omitempty"`
}

// crossJob is what the engine's testdata/crosscheck.mjs reads on stdin.
type crossJob struct {
	Definition json.RawMessage       `json:"definition"`
	Input      json.RawMessage       `json:"input"`
	Context    map[string]any        `json:"context"`
	Tasks      map[string][]scripted `json:"tasks"`
}

// crossReport is what the engine's testdata/crosscheck.mjs prints.
type crossReport struct {
	Status  string                       `json:"status"`
	Output  json.RawMessage              `json:"output"`
	Error   string                       `json:"error"`
	Cause   string                       `json:"cause"`
	Entered []string                     `json:"entered"`
	Inputs  map[string][]json.RawMessage `json:"inputs"`
}

// taskLog records every task call of one execution through Config.OnTask:
// the outcomes script the npm engine, the inputs are compared with its own.
type taskLog struct {
	mu      sync.Mutex
	exec    string
	calls   int
	results map[string][]scripted
	inputs  map[string][]json.RawMessage
}

func (l *taskLog) record(call engine.TaskCall, out json.RawMessage, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// The CloudFront watcher runs on the same Runner: keep the deploy
	// execution's calls only.
	if call.ExecutionID != l.exec {
		return
	}
	l.calls++
	l.inputs[call.State] = append(l.inputs[call.State], bytes.Clone(call.Input))
	if err == nil {
		// A Lambda handler's output lives in aws-lambda-go's pooled buffer,
		// which the handler's next invocation overwrites: keep a copy.
		l.results[call.State] = append(l.results[call.State], scripted{Result: bytes.Clone(out)})
		return
	}
	name, cause := asl.StatesTaskFailed, err.Error() // as the engine names a plain error
	var e *engine.Error
	if errors.As(err, &e) {
		name, cause = e.Name, e.Cause
	}
	l.results[call.State] = append(l.results[call.State], scripted{Error: name, Cause: cause})
}

// crossScenario is one deploy run on the simulated AWS, replayed on npm.
type crossScenario struct {
	name   string
	input  string // file under events/
	faults []account.Fault
	// check asserts, on the Go run, what makes the scenario the one it
	// claims to be, and says so for the summary line.
	check func(t *testing.T, x *engine.Execution, tasks *taskLog) string
}

// npmWrong lists task input fields that aws-local-stepfunctions 3.0.0
// computes wrongly, by Task state: a scenario checks them on the Go run
// against an independent computation, and the comparison leaves them out.
var npmWrong = map[string][]string{
	// Name is States.Format('{}-cloudfront-{}', id, States.Hash($$.Execution.Id,
	// 'MD5')): the library's MD5 is wrong for inputs of 56 bytes or more (a
	// padding bug: "a"×55 hashes right, "a"×56 does not), and execution ARNs
	// are longer than that.
	"Start CloudFront watcher": {"Name"},
}

// TestDeployCrossCheckWithAwsLocalStepFunctions runs the committed deploy
// definition on the local engine against the simulated AWS, then runs the
// same definition on npm aws-local-stepfunctions 3.0.0 with every task's
// outcome scripted from the Go run, and requires both engines to take the
// same states, hand every task the same input and end the same way.
func TestDeployCrossCheckWithAwsLocalStepFunctions(t *testing.T) {
	node := requireNode(t)
	scenarios := []crossScenario{
		{
			name:  "happy_path_tier3",
			input: "tier3-gpu.json",
			check: func(t *testing.T, x *engine.Execution, _ *taskLog) string {
				requireStatus(t, x, engine.StatusSucceeded)
				polls := count(x.BranchPath("Build resources[1]"), "Check CloudFront")
				require.Greater(t, polls, 1, "the CloudFront poll loop ran more than once")
				return fmt.Sprintf("CloudFront polled %d times", polls)
			},
		},
		{
			name:  "retry_throttled_cdn_create",
			input: "tier3-gpu.json",
			// Three calls outlive the SDK's three attempts: the step fails
			// once with Throttled and the state's Retry re-runs it (the
			// create makes the VPC origin in front of the internal ALB).
			faults: []account.Fault{{Service: "CloudFront", Operation: "CreateVpcOrigin", Code: "Throttling", Times: 3}},
			check: func(t *testing.T, x *engine.Execution, tasks *taskLog) string {
				requireStatus(t, x, engine.StatusSucceeded)
				calls := tasks.results["Create distribution"]
				require.Len(t, calls, 2)
				require.Equal(t, "Throttled", calls[0].Error)
				require.Empty(t, calls[1].Error)
				retried := 0
				for _, e := range x.History {
					if e.Type == engine.EventStateRetried && e.State == "Create distribution" {
						retried++
					}
				}
				require.Equal(t, 1, retried)
				return "Create distribution failed Throttled, was retried and created"
			},
		},
		{
			name:   "catch_into_rollback_tier2",
			input:  "tier2-automation.json",
			faults: []account.Fault{{Service: "EC2", Operation: "CreateSecurityGroup", Code: "UnauthorizedOperation"}},
			check: func(t *testing.T, x *engine.Execution, _ *taskLog) string {
				requireStatus(t, x, engine.StatusFailed)
				path := x.Path()
				require.Contains(t, path, "Delete resources")
				require.NotContains(t, path, "Build resources", "caught before the Parallel")
				return "Create security groups caught into Delete resources"
			},
		},
		{
			name:   "parallel_branch_failure_tier3",
			input:  "tier3-gpu.json",
			faults: []account.Fault{{Service: "EFS", Operation: "CreateFileSystem", Code: "FileSystemLimitExceeded"}},
			check: func(t *testing.T, x *engine.Execution, _ *taskLog) string {
				requireStatus(t, x, engine.StatusFailed)
				require.Contains(t, x.BranchPath("Build resources[0]"), "Instance branch failed")
				require.Contains(t, x.Path(), "Delete resources")
				return "Create file system caught in its branch, rolled back after the merge"
			},
		},
		{
			name:  "async_cloudfront_tier3",
			input: "tier3-gpu-async.json",
			check: func(t *testing.T, x *engine.Execution, tasks *taskLog) string {
				requireStatus(t, x, engine.StatusSucceeded)
				calls := tasks.inputs["Start CloudFront watcher"]
				require.Len(t, calls, 1)
				var in struct{ Name string }
				require.NoError(t, json.Unmarshal(calls[0], &in))
				want := fmt.Sprintf("geuse-gpu-async-cloudfront-%x", md5.Sum([]byte(x.ID)))
				require.Equal(t, want, in.Name, "the watcher's name hashes $$.Execution.Id")
				return "watcher Name checked against crypto/md5 (npm's MD5 is wrong)"
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			x, job, tasks := runDeploy(t, sc)
			note := sc.check(t, x, tasks)
			goTime := time.Since(start)

			start = time.Now()
			npm := runNPM(t, node, job)
			npmTime := time.Since(start)

			entered, outcome := compareEngines(t, job.Definition, x, tasks, npm)
			t.Logf("%s: %s on both engines, %s; same %d states entered; same input to all %d task calls; %s; go %s, node %s",
				sc.name, x.Status, outcome, entered, tasks.calls, note, goTime.Round(time.Millisecond), npmTime.Round(time.Millisecond))
		})
	}
}

// requireNode returns node's path, or skips when node or the npm package is
// missing.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the cross-check with aws-local-stepfunctions")
	}
	if _, err := os.Stat(filepath.Join("..", "..", "node_modules", "aws-local-stepfunctions", "package.json")); err != nil {
		t.Skip("node_modules/aws-local-stepfunctions is missing (run npm ci at the module root): skipping the cross-check")
	}
	return node
}

// runDeploy runs the scenario on the local engine against a fresh simulated
// account, and builds the npm job from what its tasks returned.
func runDeploy(t *testing.T, sc crossScenario) (*engine.Execution, crossJob, *taskLog) {
	t.Helper()
	input, err := os.ReadFile(filepath.Join("..", "..", "events", sc.input))
	require.NoError(t, err)
	var req struct {
		ID     string `json:"deployment_id"`
		Region string `json:"region"`
	}
	require.NoError(t, json.Unmarshal(input, &req))

	opts := make([]account.Option, len(sc.faults))
	for i, f := range sc.faults {
		opts[i] = account.WithFault(f)
	}
	tasks := &taskLog{results: map[string][]scripted{}, inputs: map[string][]json.RawMessage{}}
	s, err := Simulate(req.Region, Config{OnTask: tasks.record}, opts...)
	require.NoError(t, err)
	name := req.ID + "-deploy"
	tasks.exec = strings.Replace(s.stateMachineARN(string(Deploy)), ":stateMachine:", ":execution:", 1) + ":" + name
	x, _, err := s.Run(context.Background(), Deploy, name, input)
	require.NoError(t, err)
	require.Equal(t, tasks.exec, x.ID, "the execution ARN the task log keeps")

	job := crossJob{
		Definition: s.substitute(definition.All()[string(Deploy)]),
		Input:      input,
		// npm makes up its own context object; the definition reads
		// $$.Execution.Id only, so npm gets the Go execution's id and name.
		Context: map[string]any{"Execution": map[string]any{"Id": x.ID, "Name": x.Name}},
		Tasks:   tasks.results,
	}
	return x, job, tasks
}

// crossCheckScript is the engine's harness for aws-local-stepfunctions,
// which this test shares.
var crossCheckScript = filepath.Join("..", "engine", "testdata", "crosscheck.mjs")

// runNPM runs the job through the engine's crosscheck.mjs.
func runNPM(t *testing.T, node string, job crossJob) crossReport {
	t.Helper()
	raw, err := json.Marshal(job)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, crossCheckScript)
	cmd.Stdin = bytes.NewReader(raw)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "crosscheck.mjs: %s", stderr.String())
	var npm crossReport
	require.NoError(t, json.Unmarshal(out, &npm), "crosscheck.mjs printed %s", out)
	return npm
}

// compareEngines requires the same outcome, the same top-level path, the
// same path in every Parallel branch and the same input to every task call.
// It returns how many state entries it compared and how the outcomes
// matched.
func compareEngines(t *testing.T, def []byte, x *engine.Execution, tasks *taskLog, npm crossReport) (int, string) {
	t.Helper()
	sm, err := asl.Parse(def)
	require.NoError(t, err)
	requireUniqueStateNames(t, sm)

	require.Equal(t, string(x.Status), npm.Status, "status; Go: %s %s; npm: %s %s", x.Error, x.Cause, npm.Error, npm.Cause)
	outcome := "same output"
	if x.Status == engine.StatusSucceeded {
		require.JSONEq(t, string(x.Output), string(npm.Output), "output")
	} else {
		require.Equal(t, x.Error, npm.Error, "error")
		outcome = "same error " + x.Error + ", " + requireSameCause(t, x.Cause, npm.Cause)
	}

	require.Equal(t, x.Path(), onlyStatesOf(sm, npm.Entered), "top-level path")
	entered := len(x.Path())
	for _, b := range branchesOf(sm, "") {
		goPath := x.BranchPath(b.id)
		require.Equal(t, goPath, onlyStatesOf(b.machine, npm.Entered), "path of branch %s", b.id)
		entered += len(goPath)
	}
	require.Len(t, npm.Entered, entered, "npm entered no state outside the paths compared")

	require.Equal(t, sortedKeys(tasks.inputs), sortedKeys(npm.Inputs), "task states called")
	for state, goInputs := range tasks.inputs {
		require.Len(t, npm.Inputs[state], len(goInputs), "calls of %s", state)
		for i, in := range goInputs {
			require.JSONEq(t, withoutFields(t, in, npmWrong[state]), withoutFields(t, npm.Inputs[state][i], npmWrong[state]),
				"input of %s call %d", state, i+1)
		}
	}
	return entered, outcome
}

// requireSameCause compares the executions' causes and says how they
// matched. A cause that is JSON (the deploy definition's comes from
// States.JsonToString) may differ in key order only: the Go engine writes
// object keys sorted (encoding/json of a map), the npm library in insertion
// order, and the definition gives the order no meaning.
func requireSameCause(t *testing.T, goCause, npmCause string) string {
	t.Helper()
	if goCause == npmCause {
		return "byte-equal cause"
	}
	require.True(t, json.Valid([]byte(goCause)) && json.Valid([]byte(npmCause)), "causes differ:\nGo:  %s\nnpm: %s", goCause, npmCause)
	require.JSONEq(t, goCause, npmCause, "cause")
	return "JSON-equal cause (key order differs)"
}

// withoutFields drops the named top-level fields of a JSON object.
func withoutFields(t *testing.T, in json.RawMessage, fields []string) string {
	t.Helper()
	if len(fields) == 0 {
		return string(in)
	}
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(in, &m))
	for _, f := range fields {
		delete(m, f)
	}
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return string(out)
}

// branch is one Parallel branch, named as engine.Event.Branch names it.
type branch struct {
	id      string
	machine *asl.StateMachine
}

// branchesOf lists the Parallel branches of sm, nested ones included. A
// Parallel state entered more than once would merge its runs under one id;
// the deploy definition enters each once.
func branchesOf(sm *asl.StateMachine, parent string) []branch {
	var out []branch
	for _, st := range sm.States {
		for i, b := range st.Branches {
			id := fmt.Sprintf("%s[%d]", st.Name, i)
			if parent != "" {
				id = parent + "/" + id
			}
			out = append(append(out, branch{id, b}), branchesOf(b, id)...)
		}
	}
	return out
}

// requireUniqueStateNames guards what the comparison relies on: the npm
// library names the states it enters without saying in which branch, and
// tasks are scripted by state name.
func requireUniqueStateNames(t *testing.T, sm *asl.StateMachine) {
	t.Helper()
	seen := map[string]bool{}
	var walk func(*asl.StateMachine)
	walk = func(m *asl.StateMachine) {
		for name, st := range m.States {
			require.False(t, seen[name], "state name %q is used twice", name)
			seen[name] = true
			for _, b := range st.Branches {
				walk(b)
			}
		}
	}
	walk(sm)
}

// onlyStatesOf keeps the names that are states of sm itself (not nested).
func onlyStatesOf(sm *asl.StateMachine, names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := sm.States[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func count(names []string, name string) int {
	n := 0
	for _, s := range names {
		if s == name {
			n++
		}
	}
	return n
}

func requireStatus(t *testing.T, x *engine.Execution, want engine.Status) {
	t.Helper()
	require.Equal(t, want, x.Status, "%s: %s", x.Error, x.Cause)
}
