package bench

import (
	"context"
	"testing"

	"geusemaker/internal/document"
)

// benchmarkDeploy measures the local engine's wall time for one
// deployment of tier and its destroy on the simulated AWS.
func benchmarkDeploy(b *testing.B, tier document.Tier) {
	for b.Loop() {
		if _, err := Measure(context.Background(), tier, Profiles[0], KindDeploy, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeployTier1(b *testing.B) { benchmarkDeploy(b, document.TierDev) }
func BenchmarkDeployTier2(b *testing.B) { benchmarkDeploy(b, document.TierAutomation) }
func BenchmarkDeployTier3(b *testing.B) { benchmarkDeploy(b, document.TierGPU) }
