package bench

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/document"
	simcf "geusemaker/internal/sim/cloudfront"
	simec2 "geusemaker/internal/sim/ec2"
	simelb "geusemaker/internal/sim/elbv2"
)

func TestCriticalPathIsTheLongestChainOfLatencies(t *testing.T) {
	g := Graph{
		{Name: "a", Latency: 10 * time.Second},
		{Name: "b", Latency: 30 * time.Second},
		{Name: "c", Latency: 5 * time.Second, Deps: []string{"a", "b"}},
		{Name: "d", Latency: time.Minute, Deps: []string{"a"}},
	}
	end, path, err := g.CriticalPath()
	require.NoError(t, err)
	assert.Equal(t, 70*time.Second, end)
	assert.Equal(t, []string{"a", "d"}, path)
}

func TestSequentialWaitsForThePreviousNodeButNotForAutoNodes(t *testing.T) {
	g := Graph{
		{Name: "launch", Latency: 10 * time.Second},
		{Name: "boot", Latency: time.Minute, Deps: []string{"launch"}, Auto: true},
		{Name: "alb", Latency: 30 * time.Second},
		{Name: "healthy", Latency: 5 * time.Second, Deps: []string{"boot", "alb"}, Auto: true},
		{Name: "cdn", Latency: 20 * time.Second, Deps: []string{"alb"}},
	}
	seq, err := g.Sequential([]string{"launch", "alb", "cdn"})
	require.NoError(t, err)
	assert.Equal(t, 75*time.Second, seq, "boot overlaps the ALB and CDN; healthy ends last")

	waited, err := g.Sequential([]string{"launch", "alb", "healthy", "cdn"})
	require.NoError(t, err)
	assert.Equal(t, 95*time.Second, waited, "the CDN waits for the listed auto node")

	_, err = g.Sequential([]string{"launch"})
	assert.ErrorContains(t, err, "missing from the sequential order")
}

func TestScheduleRejectsCyclesAndUnknownDependencies(t *testing.T) {
	for name, g := range map[string]Graph{
		"cycle":   {{Name: "a", Deps: []string{"b"}}, {Name: "b", Deps: []string{"a"}}},
		"unknown": {{Name: "a", Deps: []string{"nowhere"}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := g.CriticalPath()
			assert.Error(t, err)
		})
	}
}

func TestDeployGraphsFollowTheSimulatedLatencies(t *testing.T) {
	def := DefaultLatencies()
	tests := []struct {
		tier       document.Tier
		latencies  Latencies
		bound, seq time.Duration
		last       string
	}{
		// EFS 20 s + mount targets 90 s + run 20 s + workload 240 s (the
		// groups' 5 s visibility overlaps EFS); sequentially the groups' 5 s
		// come first and the profile's 10 s propagation after the mount
		// targets.
		{document.TierDev, def, 370 * time.Second, 385 * time.Second, nodeSmoke},
		// … + health checks 2 × 30 s, the ALB's 3 min overlapping.
		{document.TierAutomation, def, 430 * time.Second, 445 * time.Second, nodeSmoke},
		// GPU run 60 s: healthy at 470 s; CloudFront at 665 s (groups 5 s,
		// ALB 180 s, VPC origin 300 s, distribution 180 s). Sequentially:
		// 185 s running, GPU check 65 s, ALB 180 s, healthy 60 s, VPC
		// origin 300 s, CloudFront 180 s.
		{document.TierGPU, def, 665 * time.Second, 970 * time.Second, nodeSmoke},
		// A 10-minute ALB: CloudFront ends at 18 min 5 s.
		{document.TierGPU, def.With(map[string]time.Duration{simelb.LatencyProvision: 10 * time.Minute}), 1085 * time.Second, 1390 * time.Second, nodeSmoke},
	}
	for _, tt := range tests {
		t.Run(string(tt.tier), func(t *testing.T) {
			g := DeployGraph(tt.tier, tt.latencies)
			bound, path, err := g.CriticalPath()
			require.NoError(t, err)
			assert.Equal(t, tt.bound, bound)
			assert.Equal(t, tt.last, path[len(path)-1])
			seq, err := g.Sequential(DeploySequence(tt.tier))
			require.NoError(t, err)
			assert.Equal(t, tt.seq, seq)
		})
	}
}

func TestTeardownGraphsWaitForTheSlowestDeletion(t *testing.T) {
	def := DefaultLatencies()
	tests := []struct {
		tier       document.Tier
		bound, seq time.Duration
	}{
		// Terminate and mount target deletion, 60 s each, in parallel.
		{document.TierDev, time.Minute, 2 * time.Minute},
		// The deleted ALB's nodes linger 3 min before the security groups
		// can go, longer than terminate and mount target deletion even
		// one after the other.
		{document.TierAutomation, 3 * time.Minute, 3 * time.Minute},
		// CloudFront's disable, 2 min, its delete's 30 s refusal and the
		// VPC origin's 5 min come before the ALB's delete (the VPC origin
		// holds it), then its 3 min: one chain, in the sequence too.
		{document.TierGPU, 10*time.Minute + 30*time.Second, 10*time.Minute + 30*time.Second},
	}
	for _, tt := range tests {
		t.Run(string(tt.tier), func(t *testing.T) {
			g := TeardownGraph(tt.tier, def)
			bound, _, err := g.CriticalPath()
			require.NoError(t, err)
			assert.Equal(t, tt.bound, bound)
			seq, err := g.Sequential(TeardownSequence(tt.tier))
			require.NoError(t, err)
			assert.Equal(t, tt.seq, seq)
		})
	}
}

// TestTheDocsListEveryLatencyWithItsDefault keeps the table of
// docs/architecture.md ("Latencies") equal to the simulated services' own.
func TestTheDocsListEveryLatencyWithItsDefault(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "architecture.md"))
	require.NoError(t, err)
	documented := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+\\.[a-z0-9_]+)` \\| (\\S+) \\| .+ \\| .+ \\|$").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = m[2]
	}
	want := map[string]string{}
	for name, d := range DefaultLatencies() {
		want[name] = d.String()
	}
	assert.Equal(t, want, documented)
}

func TestDefaultLatenciesAreTheSimulatedServicesOwn(t *testing.T) {
	l := DefaultLatencies()
	assert.Equal(t, 3*time.Minute, l[simcf.LatencyDeploy])
	assert.Equal(t, time.Minute, l[simec2.LatencyRunGPU])
	fast := l.With(map[string]time.Duration{simcf.LatencyDeploy: time.Minute})
	assert.Equal(t, time.Minute, fast[simcf.LatencyDeploy])
	assert.Equal(t, 3*time.Minute, l[simcf.LatencyDeploy], "With leaves the receiver alone")
}
