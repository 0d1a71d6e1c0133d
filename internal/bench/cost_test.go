package bench

import (
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCostAddsTransitionsComputeRequestsAndEvents(t *testing.T) {
	tests := []struct {
		name string
		u    Usage
		want float64
	}{
		{"nothing", Usage{}, 0},
		{"1,000 transitions", Usage{Transitions: 1000}, 0.025},
		// 1,000 × 0.5 s × 0.25 GB = 125 GB-s, plus 1,000 requests.
		{"1,000 invocations", Usage{Invocations: 1000}, 125*0.0000133334 + 0.0002},
		{"a million events", Usage{Events: 1_000_000}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.InDelta(t, tt.want, Prices.Cost(tt.u, 256, 500*time.Millisecond), 1e-12)
		})
	}
}

func TestLambdaMemoryIsTheStacks(t *testing.T) {
	src, err := os.ReadFile("../../infra/stack/stack.go")
	require.NoError(t, err)
	m := regexp.MustCompile(`lambdaMemoryMB\s*=\s*(\d+)`).FindSubmatch(src)
	require.NotNil(t, m, "infra/stack declares lambdaMemoryMB")
	mb, err := strconv.Atoi(string(m[1]))
	require.NoError(t, err)
	assert.Equal(t, mb, LambdaMemoryMB)
}
