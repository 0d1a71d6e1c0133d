package localrun_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/localrun"
)

// TestEveryLambdaIsAStepTheEngineRuns: the local engine dispatches to the
// same steps, under the same names, as the Lambdas deployed from
// lambdas/<name> (each starting lambdaio with steps/<name>), so a new step
// cannot be deployed without being tested locally, or the reverse.
func TestEveryLambdaIsAStepTheEngineRuns(t *testing.T) {
	mains, err := filepath.Glob(filepath.Join("..", "..", "lambdas", "*", "main.go"))
	require.NoError(t, err)
	var lambdas []string
	for _, m := range mains {
		name := filepath.Base(filepath.Dir(m))
		lambdas = append(lambdas, name)
		src, err := os.ReadFile(m)
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`"geusemaker/internal/steps/`+name+`"`), string(src), name)
		start := regexp.MustCompile(`lambdaio\.Start\(contract\.(\w+), lambdaio\.Step\(` + name + `\.New\)\)`).FindStringSubmatch(string(src))
		if assert.NotNil(t, start, "%s starts lambdaio with its step under its contract name", name) {
			// The contract's constants are the names in Go case.
			assert.True(t, strings.EqualFold(name, start[1]), "%s starts as contract.%s", name, start[1])
		}
	}
	var steps []string
	for name := range localrun.Steps {
		steps = append(steps, name)
	}
	slices.Sort(steps)
	assert.Equal(t, lambdas, steps)
}
