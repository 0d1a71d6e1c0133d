package contract_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/localrun"
	"geusemaker/statemachine/definition"
)

// invocation is one Lambda Task of a committed definition.
type invocation struct {
	workflow, state, lambda, action string
}

var placeholderRef = regexp.MustCompile(`^\$\{([A-Za-z0-9]+)\}$`)

// invocations walks every state of every committed definition, Parallel
// branches and Map processors included, and returns its Lambda Tasks. A
// Task naming a placeholder that is no step Lambda, or a payload without a
// literal action, fails t.
func invocations(t *testing.T) []invocation {
	t.Helper()
	var out []invocation
	var walk func(wf string, states map[string]json.RawMessage)
	walk = func(wf string, states map[string]json.RawMessage) {
		for name, raw := range states {
			var st struct {
				Type       string
				Resource   string
				Parameters map[string]any
				Branches   []struct{ States map[string]json.RawMessage }
				Iterator   *struct{ States map[string]json.RawMessage }
				Processor  *struct{ States map[string]json.RawMessage } `json:"ItemProcessor"`
			}
			require.NoError(t, json.Unmarshal(raw, &st), "%s: %s", wf, name)
			for _, b := range st.Branches {
				walk(wf, b.States)
			}
			for _, p := range []*struct{ States map[string]json.RawMessage }{st.Iterator, st.Processor} {
				if p != nil {
					walk(wf, p.States)
				}
			}
			m := placeholderRef.FindStringSubmatch(st.Resource)
			if st.Type != "Task" || m == nil {
				continue
			}
			lambda, ok := contract.LambdaOf(m[1])
			if !ok {
				if _, isWorkflow := contract.StateMachineOf(m[1]); !isWorkflow {
					t.Errorf("%s: state %q invokes %s, which is no step Lambda", wf, name, st.Resource)
				}
				continue
			}
			action, ok := st.Parameters["action"].(string)
			if !ok {
				t.Errorf("%s: state %q invokes %s without a literal action: %v", wf, name, lambda, st.Parameters)
				continue
			}
			out = append(out, invocation{wf, name, lambda, action})
		}
	}
	for wf, def := range definition.All() {
		var sm struct{ States map[string]json.RawMessage }
		require.NoError(t, json.Unmarshal(def, &sm), wf)
		walk(wf, sm.States)
	}
	require.NotEmpty(t, out, "the definitions invoke Lambdas")
	return out
}

// handlers builds each Lambda's actions as its main does.
func handlers(t *testing.T) map[string][]string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	out := map[string][]string{}
	for name, build := range localrun.Steps {
		out[name] = slices.Sorted(maps.Keys(build(aws.Config{Region: "us-east-1"}, clock.Real{}, log)))
	}
	return out
}

func TestEveryInvocationInTheCommittedASLHasAHandler(t *testing.T) {
	served := handlers(t)
	for _, inv := range invocations(t) {
		assert.Contains(t, contract.Actions(inv.lambda), inv.action,
			"%s: state %q invokes %s with action %q, which the contract does not list", inv.workflow, inv.state, inv.lambda, inv.action)
		assert.Contains(t, served[inv.lambda], inv.action,
			"%s: state %q invokes %s with action %q, which no handler serves", inv.workflow, inv.state, inv.lambda, inv.action)
	}
}

func TestEveryLambdaServesExactlyItsContractActions(t *testing.T) {
	served := handlers(t)
	assert.ElementsMatch(t, contract.Lambdas(), slices.Collect(maps.Keys(served)), "a builder per step Lambda, no other")
	for _, l := range contract.Lambdas() {
		assert.ElementsMatch(t, contract.Actions(l), served[l], "actions of %s", l)
	}
}

func TestEveryContractActionIsInvokedByAWorkflow(t *testing.T) {
	invoked := map[string]bool{}
	for _, inv := range invocations(t) {
		invoked[inv.lambda+" "+inv.action] = true
	}
	for _, l := range contract.Lambdas() {
		for _, a := range contract.Actions(l) {
			assert.True(t, invoked[l+" "+a], "%s's action %q is invoked by no committed definition: dead code", l, a)
		}
	}
}

func TestPlaceholdersRoundTrip(t *testing.T) {
	assert.Equal(t, "Elbv2FunctionArn", contract.FunctionPlaceholder(contract.ELBv2))
	for _, l := range contract.Lambdas() {
		got, ok := contract.LambdaOf(contract.FunctionPlaceholder(l))
		assert.True(t, ok, l)
		assert.Equal(t, l, got)
	}
	_, ok := contract.LambdaOf("NopeFunctionArn")
	assert.False(t, ok, "a placeholder of no Lambda")
	wf, ok := contract.StateMachineOf(contract.WatchPlaceholder)
	assert.True(t, ok)
	assert.Equal(t, "watch", wf)
	_, ok = contract.StateMachineOf(contract.EventBusPlaceholder)
	assert.False(t, ok, "the bus is no state machine")
	assert.Equal(t, "${EventBusName}", contract.Placeholder(contract.EventBusPlaceholder))
	assert.Empty(t, contract.Actions("nope"), "no actions for a name that is no Lambda")
}

func TestRetryableIsACopy(t *testing.T) {
	r := contract.Retryable()
	r[0] = "changed"
	assert.Equal(t, contract.Throttled, contract.Retryable()[0])
}

// The contract is what the CDK app and the Lambdas share: it must pull in
// neither.
func TestTheContractImportsOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "geusemaker/internal/contract").Output()
	require.NoError(t, err)
	assert.Equal(t, []string{"geusemaker/internal/contract"}, strings.Fields(string(out)))
}

// The CDK app shares only the contract with the Lambdas: it links no step
// and not the SDK's config loader (a minutes-long CDK link is enough).
func TestTheCDKAppLinksNoStepAndNoSDKConfig(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "geusemaker/infra/...").Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "geusemaker/internal/contract")
	for _, d := range deps {
		assert.False(t, strings.HasPrefix(d, "geusemaker/internal/steps"), "infra links %s", d)
		assert.NotEqual(t, "github.com/aws/aws-sdk-go-v2/config", d, "infra links the SDK's config loader")
	}
}
