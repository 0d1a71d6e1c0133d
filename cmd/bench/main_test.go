package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunPrintsAndWritesTheReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-sizes=false", "-runs=1", "-out", out}, &stdout))
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, stdout.String(), string(written))
	assert.Contains(t, string(written), "## Targets (default latencies)")

	assert.Error(t, run(context.Background(), []string{"-no-such-flag"}, &stdout))
	assert.ErrorIs(t, run(context.Background(), []string{"-sizes=false", "-runs=0", "-out", out}, failing{}), errClosed)
}

func TestRunNeedsTheModuleRootForTheLambdaSizes(t *testing.T) {
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"-runs=0"}, &stdout)
	assert.ErrorContains(t, err, "list lambdas", "run from the module's root")
	assert.Empty(t, stdout.String())
}

func TestExitCodeReportsTheError(t *testing.T) {
	var stderr bytes.Buffer
	assert.Equal(t, 0, exitCode(nil, &stderr))
	assert.Empty(t, stderr.String())
	assert.Equal(t, 1, exitCode(errClosed, &stderr))
	assert.Equal(t, "bench: closed\n", stderr.String())
}

var errClosed = errors.New("closed")

// failing is a writer that always fails.
type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errClosed }
