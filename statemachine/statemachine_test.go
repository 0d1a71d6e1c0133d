package statemachine

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	simec2 "geusemaker/internal/sim/ec2"
)

var update = flag.Bool("update", false, "rewrite the committed *.asl.json")

// definitionDir holds the committed ASL (package definition embeds it).
const definitionDir = "definition"

// rendered holds each committed file's freshly generated ASL; a CDK render
// costs seconds, so TestMain renders once.
var rendered = map[string][]byte{}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	os.Setenv("CDK_DISABLE_VERSION_CHECK", "true")
	for _, d := range Definitions() {
		asl, err := RenderASL(d.Build)
		if err != nil {
			panic(err)
		}
		rendered[d.File] = asl
	}
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// state is the part of an ASL state the tests read.
type state struct {
	Type     string
	Next     string
	Default  string
	Resource string
	Choices  []map[string]any
	Catch    []struct {
		ErrorEquals []string
		Next        string
	}
	Retry       []struct{ ErrorEquals []string }
	Branches    []machine
	Parameters  map[string]any
	SecondsPath string
	Seconds     int
}

type machine struct {
	StartAt string
	States  map[string]state
}

func parse(t *testing.T, asl []byte) machine {
	t.Helper()
	var m machine
	require.NoError(t, json.Unmarshal(asl, &m))
	return m
}

// all returns every state, branches' included, by name.
func (m machine) all() map[string]state {
	out := map[string]state{}
	for name, s := range m.States {
		out[name] = s
		for _, b := range s.Branches {
			for n, bs := range b.all() {
				out[n] = bs
			}
		}
	}
	return out
}

// successors are the states a state can go to, a Parallel's branch starts
// included.
func (s state) successors() []string {
	var out []string
	for _, n := range []string{s.Next, s.Default} {
		if n != "" {
			out = append(out, n)
		}
	}
	for _, c := range s.Choices {
		out = append(out, c["Next"].(string))
	}
	for _, c := range s.Catch {
		out = append(out, c.Next)
	}
	for _, b := range s.Branches {
		out = append(out, b.StartAt)
	}
	return out
}

// reachable returns the states reachable from start without entering avoid.
func (m machine) reachable(start, avoid string) map[string]bool {
	states := m.all()
	seen := map[string]bool{}
	queue := []string{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if seen[n] || n == avoid {
			continue
		}
		seen[n] = true
		queue = append(queue, states[n].successors()...)
	}
	return seen
}

func TestCommittedASLMatchesTheBuilders(t *testing.T) {
	if *update {
		require.NoError(t, WriteASL(definitionDir))
	}
	for _, d := range Definitions() {
		t.Run(d.File, func(t *testing.T) {
			committed, err := os.ReadFile(filepath.Join(definitionDir, d.File))
			require.NoError(t, err, "run `go run ./cmd/aslgen` (make asl)")
			if line, want, got := firstDifference(string(rendered[d.File]), string(committed)); line > 0 {
				t.Errorf("%s drifted from the builders at line %d: generated %q, committed %q; run `go run ./cmd/aslgen` (make asl)",
					d.File, line, want, got)
			}
		})
	}
}

// firstDifference returns the first line (1-based) where a and b differ,
// and both lines; 0 when they are equal.
func firstDifference(a, b string) (int, string, string) {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y || i >= len(la) || i >= len(lb) {
			return i + 1, x, y
		}
	}
	return 0, "", ""
}

func TestASLValidatorAcceptsEveryDefinition(t *testing.T) {
	validator := filepath.Join("..", "node_modules", ".bin", "asl-validator")
	if _, err := os.Stat(validator); err != nil {
		t.Skip("node_modules is not installed: npm ci")
	}
	for _, d := range Definitions() {
		t.Run(d.File, func(t *testing.T) {
			out, err := exec.Command(validator, "--json-path", filepath.Join(definitionDir, d.File)).CombinedOutput()
			assert.NoError(t, err, "%s", out)
		})
	}
}

func TestEachTierContainsEveryStateOfTheTierBefore(t *testing.T) {
	tiers := []Builder{
		func(s constructs.Construct, tg *Targets) sfn.IChainable { return tier1(newBuilder(s, tg)).assemble() },
		func(s constructs.Construct, tg *Targets) sfn.IChainable { return tier2(newBuilder(s, tg)).assemble() },
		Deploy,
	}
	var previous map[string]state
	for i, build := range tiers {
		asl, err := RenderASL(build)
		require.NoError(t, err)
		states := parse(t, asl).all()
		for name, s := range previous {
			if assert.Contains(t, states, name, "tier %d lost a state of tier %d", i+1, i) {
				assert.Equal(t, s.Type, states[name].Type, name)
			}
		}
		assert.Greater(t, len(states), len(previous), "tier %d adds states", i+1)
		previous = states
	}
}

func TestCloudFrontIsCreatedOnlyOnceTheLoadBalancerIsActive(t *testing.T) {
	m := parse(t, rendered["deploy.asl.json"])
	const create, albActive = "Create distribution", "Load balancer done?"
	require.Contains(t, m.all(), albActive)
	assert.True(t, m.reachable(m.StartAt, "")[create], "CloudFront create is reachable")
	assert.False(t, m.reachable(m.StartAt, albActive)[create], "every path to CloudFront create passes the ALB-active Choice")
	assert.Equal(t, "Publish load balancer active", m.all()[albActive].Default, "the Choice's done path")
}

func TestEveryTaskOfDeployCatchesIntoTheRollback(t *testing.T) {
	m := parse(t, rendered["deploy.asl.json"])
	const (
		rollback        = "Let AWS settle"
		preflightTask   = "Preflight checks"
		preflightFailed = "Describe preflight failed"
		smokeFailed     = "Keep on smoke failure?"
	)
	inRollback := m.reachable(rollback, "")
	withoutRollback := m.reachable(preflightFailed, "")
	for n := range m.reachable(smokeFailed, rollback) {
		withoutRollback[n] = true
	}
	catchesAll := func(s state, target string) bool {
		for _, c := range s.Catch {
			if slices.Contains(c.ErrorEquals, "States.ALL") && c.Next == target {
				return true
			}
		}
		return false
	}
	// A progress event that cannot be published is skipped: its Task
	// catches into a Pass that rejoins where the Task goes.
	skipsProgress := func(states map[string]state, name string, s state) bool {
		if s.Type != "Task" || !isProgress(s) {
			return false
		}
		skipped := name + " skipped"
		assert.True(t, catchesAll(s, skipped), "%s catches States.ALL into %s", name, skipped)
		assert.Equal(t, "Pass", states[skipped].Type, skipped)
		assert.Equal(t, s.Next, states[skipped].Next, "%s rejoins %s's path", skipped, name)
		return true
	}
	for name, s := range m.States {
		if skipsProgress(m.States, name, s) {
			continue
		}
		if s.Type == "Parallel" && !inRollback[name] {
			assert.True(t, catchesAll(s, rollback), name)
			for _, b := range s.Branches {
				for bn, bs := range b.States {
					if skipsProgress(b.States, bn, bs) {
						continue
					}
					if bs.Type == "Task" {
						target := bs.Catch[len(bs.Catch)-1].Next
						assert.True(t, catchesAll(bs, target), bn)
						assert.Equal(t, "Succeed", b.States[target].Type, "%s: a branch's failure ends the branch normally", bn)
					}
				}
			}
		}
		if s.Type == "Task" && !inRollback[name] && !withoutRollback[name] {
			target := rollback
			switch name {
			case preflightTask:
				target = preflightFailed // nothing exists yet
			case "Start smoke test", "Check Smoke test":
				target = smokeFailed
			}
			assert.True(t, catchesAll(s, target), "%s catches States.ALL into %s", name, target)
		}
	}
	// A failed smoke test rolls back unless the request keeps the stack.
	assert.Equal(t, rollback, m.all()[smokeFailed].Default)
	// The paths that end without a rollback only describe the failure,
	// announce it and fail.
	for name := range withoutRollback {
		st := m.all()[name]
		assert.Contains(t, []string{"Task", "Pass", "Fail", "Choice"}, st.Type, name)
		switch {
		case st.Type == "Task" && strings.HasPrefix(name, "Describe "):
			assert.Equal(t, "${FinalizeFunctionArn}", st.Resource, name)
			assert.True(t, catchesAll(st, name+" as text"), "%s falls back to the cause's text", name)
		case st.Type == "Task":
			assert.True(t, strings.HasPrefix(name, "Publish "), "%s only publishes", name)
			assert.True(t, strings.HasSuffix(st.Resource, ":::events:putEvents"), name)
		case st.Type == "Pass":
			assert.True(t, strings.HasSuffix(name, " as text"), name)
		}
		assert.False(t, inRollback[name], name)
	}
	// The rollback's own failures are recorded, never rolled back again.
	for name := range inRollback {
		for _, c := range m.all()[name].Catch {
			assert.True(t, inRollback[c.Next], "%s's Catch stays in the rollback flow", name)
		}
	}
}

func TestEveryLambdaTaskRetriesLambdaErrorsAndThrottling(t *testing.T) {
	for _, d := range Definitions() {
		for name, s := range parse(t, rendered[d.File]).all() {
			if !strings.HasSuffix(s.Resource, "FunctionArn}") {
				continue
			}
			var retried []string
			for _, r := range s.Retry {
				retried = append(retried, r.ErrorEquals...)
			}
			for _, e := range append(slices.Clone(lambdaServiceErrors), contract.Throttled) {
				assert.Contains(t, retried, e, "%s: %s", d.File, name)
			}
			assert.Equal(t, "$", s.Parameters["document.$"], name)
		}
	}
}

func TestTheRetriedStepErrorsAreRetriedWhereTheyOccur(t *testing.T) {
	states := parse(t, rendered["deploy.asl.json"]).all()
	retries := func(name, errName string) bool {
		for _, r := range states[name].Retry {
			if slices.Contains(r.ErrorEquals, errName) {
				return true
			}
		}
		return false
	}
	assert.True(t, retries("Launch instance", contract.InstanceProfileNotReady))
	for _, name := range []string{"Disable distribution", "Delete security groups", "Delete network", "Delete file system", "Delete instance role"} {
		assert.True(t, retries(name, contract.ResourceBusy), name)
	}
	for _, retryable := range contract.Retryable() {
		found := false
		for name := range states {
			found = found || retries(name, retryable)
		}
		assert.True(t, found, "%s is retried somewhere", retryable)
	}
}

func TestEveryPollLoopWaitsAsTheStatusSays(t *testing.T) {
	loops := map[string]int{}
	for _, d := range Definitions() {
		m := parse(t, rendered[d.File])
		states := m.all()
		into := map[string][]string{} // state → the states that lead to it
		for name, s := range states {
			for _, n := range s.successors() {
				into[n] = append(into[n], name)
			}
		}
		waits := 0
		for name, s := range states {
			if s.Type == "Wait" && name != "Let AWS settle" {
				waits++
			}
			label, ok := strings.CutSuffix(name, " done?")
			if !ok {
				continue
			}
			loops[d.File]++
			wait := s.Choices[0]["Next"].(string)
			assert.Equal(t, "Wait for "+label, wait, "%s: not done goes back to the loop's one Wait", d.File)
			assert.Equal(t, false, s.Choices[0]["BooleanEquals"])
			key := strings.TrimSuffix(strings.TrimPrefix(s.Choices[0]["Variable"].(string), "$.status."), ".done")
			assert.Equal(t, "$.status."+key+".next_poll_seconds", states[wait].SecondsPath, "%s: %s waits as its status says", d.File, wait)
			assert.Equal(t, "Check "+label, states[wait].Next)
			// Only the Wait leads to the check: a loop is entered at its
			// Wait, which reads what the action starting the wait wrote;
			// the watcher and the target's health, started long after that
			// action (the target is registered in its branch), check at once.
			switch {
			case d.File == "watch.asl.json":
				assert.Equal(t, []string{wait}, into["Check "+label], "%s: %s", d.File, label)
				assert.Equal(t, "Check "+label, m.StartAt, "the watcher checks at once")
			case d.File == "deploy.asl.json" && label == "Target":
				assert.Len(t, into["Check "+label], 2, "the Wait and the entry")
				assert.Contains(t, into["Check "+label], wait)
			default:
				assert.Equal(t, []string{wait}, into["Check "+label], "%s: %s", d.File, label)
			}
			// The check, and whatever runs after every check, lead back to
			// the Choice.
			next := states[wait].Next
			for states[next].Type == "Task" {
				next = states[next].Next
			}
			assert.Equal(t, name, next, "%s: the loop of %s closes", d.File, label)
		}
		assert.Equal(t, loops[d.File], waits, "%s: one Wait per loop and none outside a loop but the rollback's settle", d.File)
	}
	assert.Equal(t, map[string]int{"deploy.asl.json": 14, "destroy.asl.json": 6, "watch.asl.json": 1}, loops)
}

// The rollback waits out EC2's visibility windows before it looks for what
// to delete; the Destroy workflow, started by hand later, does not.
func TestTheRollbackLetsAWSSettleFirst(t *testing.T) {
	deploy := parse(t, rendered["deploy.asl.json"]).all()
	settle := deploy["Let AWS settle"]
	assert.Equal(t, "Wait", settle.Type)
	assert.Equal(t, settleSeconds, settle.Seconds)
	assert.Equal(t, "Delete resources", settle.Next)
	assert.Greater(t, time.Duration(settleSeconds)*time.Second, simec2.Defaults()[simec2.WindowInstanceVisible])
	assert.Greater(t, time.Duration(settleSeconds)*time.Second, simec2.Defaults()[simec2.WindowGroupVisible])
	assert.NotContains(t, parse(t, rendered["destroy.asl.json"]).all(), "Let AWS settle")
}

func TestPlaceholdersNameEveryTarget(t *testing.T) {
	assert.Equal(t, "Elbv2FunctionArn", contract.FunctionPlaceholder(contract.ELBv2))
	assert.Equal(t, "${EventBusName}", contract.Placeholder(contract.EventBusPlaceholder))
	all := strings.Join([]string{string(rendered["deploy.asl.json"]), string(rendered["destroy.asl.json"]),
		string(rendered["watch.asl.json"]), string(rendered["starter.asl.json"])}, "")
	for _, p := range contract.Placeholders() {
		assert.Contains(t, all, `"`+contract.Placeholder(p)+`"`)
	}
	assert.NotContains(t, all, marker)
	assert.NotContains(t, all, "arn:aws:lambda")
}

func TestDestroyRunsTheRollbackFlowAndReportsWhatWasLeft(t *testing.T) {
	deploy := parse(t, rendered["deploy.asl.json"]).all()
	m := parse(t, rendered["destroy.asl.json"])
	destroy := m.all()
	for name := range parse(t, rendered["deploy.asl.json"]).reachable("Delete resources", "Describe failure") {
		assert.Contains(t, destroy, name, "the rollback flow is reused")
	}
	assert.Equal(t, deploy["Delete resources"].Branches[0].StartAt, destroy["Delete resources"].Branches[0].StartAt)
	assert.Equal(t, "Fail", destroy["Destroy incomplete"].Type)
	assert.Equal(t, "Succeed", destroy["Destroyed"].Type)
	assert.Len(t, destroy["Everything deleted?"].Choices[0]["Or"], len(contract.ReportKeys()))
}

func TestStarterIgnoresDuplicates(t *testing.T) {
	s := parse(t, rendered["starter.asl.json"]).States["Start deployment"]
	assert.Equal(t, "$.detail.deployment_id", s.Parameters["Name.$"])
	assert.Equal(t, []string{errExecutionExists}, s.Catch[0].ErrorEquals)
	assert.Equal(t, []string{errExecutionExists}, s.Retry[0].ErrorEquals, "never retried")
}

func TestLiteralEvaluatesOnlyWhatCDKLeaves(t *testing.T) {
	got, err := literal(map[string]any{"a": []any{map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":x"}}}}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": []any{"arn:aws:x"}}, got)
	for name, bad := range map[string]any{
		"unknown reference":   map[string]any{"Ref": "Bucket"},
		"other function":      map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}},
		"malformed join":      map[string]any{"Fn::Join": "x"},
		"join of non-strings": map[string]any{"Fn::Join": []any{"", []any{1.0}}},
		"join without list":   map[string]any{"Fn::Join": []any{"", "x"}},
		"bad part":            []any{map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Ref": "X"}}}}},
	} {
		_, err := literal(bad)
		assert.Error(t, err, name)
	}
}

func TestRenderFailsOnAMissingFunctionOrDirectory(t *testing.T) {
	assert.Panics(t, func() {
		app := awscdk.NewApp(nil)
		Deploy(awscdk.NewStack(app, jsii.String("S"), nil), &Targets{})
	})
	assert.Error(t, WriteASL(filepath.Join(t.TempDir(), "missing")))
}

// isProgress tells whether a Task publishes an event that reports on a
// run without deciding it: Deployment Progress, Deployment Succeeded.
func isProgress(s state) bool {
	entries, _ := s.Parameters["Entries"].([]any)
	if len(entries) != 1 {
		return false
	}
	e, _ := entries[0].(map[string]any)
	return strings.HasSuffix(s.Resource, ":::events:putEvents") &&
		(e["DetailType"] == contract.DetailProgress || e["DetailType"] == contract.DetailSucceeded)
}
