package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/document"
)

// TestDefaultLatenciesMeetTheTargets runs the suite on the default
// latencies and checks every target but the wall time (a benchmark's, see
// BenchmarkDeployTier3): deployments within 5 % of their critical path,
// rollbacks and destroys within 10 %, every loop noticing its transition
// within 15 s, at most 150 transitions for Tier 3, a bounded history.
func TestDefaultLatenciesMeetTheTargets(t *testing.T) {
	s, err := RunSuite(context.Background(), Options{Profiles: Profiles[:1]})
	require.NoError(t, err)
	require.Len(t, s.Deploys, len(Tiers))
	require.Len(t, s.Rollbacks, len(Tiers))
	for _, target := range s.Targets() {
		assert.True(t, target.Met, "%s: %s", target.What, target.Measured)
	}
	assert.NotEmpty(t, s.Targets())

	var b strings.Builder
	s.Markdown(&b)
	for _, section := range []string{"## Targets", "## Deployments", "## Destroys", "## Rollbacks after a late failure",
		"## Notice delay per poll loop", "## Worst-case history", "## Orchestration cost", "## Measured workflow variants"} {
		assert.Contains(t, b.String(), section)
	}
	assert.NotContains(t, b.String(), "## Local engine", "no wall times were measured")
}

func TestTargetsReportAMiss(t *testing.T) {
	s := &Suite{WorstEvents: TargetWorstEvents, Walls: []time.Duration{time.Second}}
	s.Deploys = []*Result{{Run: &Run{Tier: document.TierGPU, Profile: Profiles[0]}, Transitions: 151,
		Deploy: Phase{Took: 2 * time.Minute, Bound: time.Minute}}}
	s.Rollbacks = []*Result{{Run: &Run{Tier: document.TierGPU, Profile: Profiles[0]}}}
	missed := map[string]bool{}
	for _, target := range s.Targets() {
		if !target.Met {
			missed[target.What] = true
		}
	}
	assert.True(t, missed["Tier 3 (gpu) deployment ≤ 1.05 × critical path"])
	assert.True(t, missed["Tier 3 deployment ≤ 150 state transitions"])
	assert.True(t, missed["worst-case history events < 5000"])
	assert.True(t, missed["local Tier 3 run < 500ms wall time (median)"])
}

func TestMedianIsTheLowerMiddle(t *testing.T) {
	assert.Equal(t, time.Duration(0), Median(nil))
	assert.Equal(t, 2*time.Second, Median([]time.Duration{3 * time.Second, time.Second, 2 * time.Second}))
	assert.Equal(t, time.Second, Median([]time.Duration{2 * time.Second, time.Second}))
}
