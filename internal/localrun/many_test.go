package localrun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
)

func request(id, tier string, async bool) []byte {
	return fmt.Appendf(nil, `{"deployment_id":%q,"tier":%q,"region":"us-east-1","wait_for_cloudfront":%t}`, id, tier, !async)
}

func newSim(t *testing.T) *localrun.Simulation {
	t.Helper()
	s, err := localrun.Simulate("us-east-1", localrun.Config{})
	require.NoError(t, err)
	return s
}

func TestRunAllOverlapsDeploymentsOnOneTimeline(t *testing.T) {
	solo := newSim(t)
	x, _, err := solo.Run(context.Background(), localrun.Deploy, "a", request("a", "dev", false))
	require.NoError(t, err)
	require.Equal(t, engine.StatusSucceeded, x.Status)
	soloTime := x.StopTime.Sub(x.StartTime)

	s := newSim(t)
	start := s.Clock.Now()
	res, err := s.RunAll(context.Background(), []localrun.Job{
		{Workflow: localrun.Deploy, Name: "a", Input: request("a", "dev", false)},
		{Workflow: localrun.Deploy, Name: "b", Input: request("b", "dev", false)},
		{Workflow: localrun.Deploy, Name: "c", Input: request("c", "dev", false)},
	})
	require.NoError(t, err)
	require.Len(t, res, 3)
	for i, id := range []string{"a", "b", "c"} {
		assert.Equal(t, id, res[i].DeploymentID, "results in job order")
		assert.Equal(t, engine.StatusSucceeded, res[i].Execution.Status, "%s: %s", res[i].Execution.Error, res[i].Execution.Cause)
	}
	assert.Less(t, s.Clock.Now().Sub(start), 2*soloTime, "three deployments wait side by side, not one after another")

	callers := map[string]int{}
	for _, c := range s.Cloud.Calls() {
		callers[c.Caller]++
	}
	assert.Zero(t, callers[""], "every call is attributed to its deployment")
	assert.Len(t, callers, 3)
}

func TestRunAllHandsEachWatcherToItsDeployment(t *testing.T) {
	s := newSim(t)
	res, err := s.RunAll(context.Background(), []localrun.Job{
		{Workflow: localrun.Deploy, Name: "dev", Input: request("plain", "dev", false)},
		{Workflow: localrun.Deploy, Name: "gpu", Input: request("async", "gpu", true)},
	})
	require.NoError(t, err)
	assert.Empty(t, res[0].Children)
	require.Len(t, res[1].Children, 1, "the async deployment's CloudFront watcher")
	assert.Equal(t, engine.StatusSucceeded, res[1].Children[0].Status)

	destroyed, err := s.RunAll(context.Background(), []localrun.Job{
		{Workflow: localrun.Destroy, Name: "dev-x", Input: request("plain", "dev", false)},
		{Workflow: localrun.Destroy, Name: "gpu-x", Input: request("async", "gpu", true)},
	})
	require.NoError(t, err)
	for _, r := range destroyed {
		assert.Equal(t, engine.StatusSucceeded, r.Execution.Status)
		assert.Empty(t, r.Children, "a destroy starts nothing; the deploy's watcher is not counted again")
	}
	assert.Empty(t, s.Leftovers())
}

func TestRunAllRefusesAnUnknownWorkflowBeforeRunningAny(t *testing.T) {
	s := newSim(t)
	_, err := s.RunAll(context.Background(), []localrun.Job{
		{Workflow: localrun.Deploy, Name: "ok", Input: request("ok", "dev", false)},
		{Workflow: "nope", Name: "bad"},
	})
	require.ErrorContains(t, err, "no nope definition")
	assert.Empty(t, s.Cloud.Calls())
}

func TestRunAllReportsInputThatIsNotJSON(t *testing.T) {
	s := newSim(t)
	_, err := s.RunAll(context.Background(), []localrun.Job{{Workflow: localrun.Deploy, Name: "bad", Input: []byte("{")}})
	require.ErrorContains(t, err, "run bad")
}
