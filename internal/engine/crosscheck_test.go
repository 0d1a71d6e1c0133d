package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/engine"
)

// crossJob is one testdata/crosscheck case, the format crosscheck.mjs reads.
type crossJob struct {
	Definition json.RawMessage   `json:"definition"`
	Input      json.RawMessage   `json:"input"`
	Tasks      map[string][]step `json:"tasks"`
}

// crossReport is what crosscheck.mjs prints.
type crossReport struct {
	Status  string          `json:"status"`
	Output  json.RawMessage `json:"output"`
	Error   string          `json:"error"`
	Cause   string          `json:"cause"`
	Entered []string        `json:"entered"`
}

// TestCrossCheckWithAwsLocalStepFunctions runs every testdata/crosscheck
// case on this engine and on the npm package aws-local-stepfunctions with
// the same scripted task results, and requires the same path and outcome.
func TestCrossCheckWithAwsLocalStepFunctions(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the cross-check with aws-local-stepfunctions")
	}
	if _, err := os.Stat(filepath.Join("..", "..", "node_modules", "aws-local-stepfunctions", "package.json")); err != nil {
		t.Skip("node_modules/aws-local-stepfunctions is missing (run npm ci at the module root): skipping the cross-check")
	}
	files, err := filepath.Glob(filepath.Join("testdata", "crosscheck", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 5)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			var job crossJob
			require.NoError(t, json.Unmarshal(raw, &job))

			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, filepath.Join("testdata", "crosscheck.mjs"))
			cmd.Stdin = bytes.NewReader(raw)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			require.NoError(t, err, "crosscheck.mjs: %s", stderr.String())
			var npm crossReport
			require.NoError(t, json.Unmarshal(out, &npm), "crosscheck.mjs printed %s", out)

			sm := mustParse(t, string(job.Definition))
			x := newHarness(t, job.Tasks).run(string(job.Definition), string(job.Input))
			compareRuns(t, sm, x, npm)
		})
	}
}

func compareRuns(t *testing.T, sm *asl.StateMachine, x *engine.Execution, npm crossReport) {
	t.Helper()
	require.Equal(t, npm.Status, string(x.Status), "status; Go error %s: %s", x.Error, x.Cause)
	if x.Status == engine.StatusSucceeded {
		require.JSONEq(t, string(npm.Output), string(x.Output), "output")
	} else {
		require.Equal(t, npm.Error, x.Error, "error name")
		require.Equal(t, npm.Cause, x.Cause, "cause")
	}
	var goEntered []string
	for _, e := range x.History {
		if e.Type == engine.EventStateEntered {
			goEntered = append(goEntered, e.State)
		}
	}
	require.Equal(t, onlyStates(npm.Entered, sm), x.Path(), "top-level path")
	failed := x.Count(engine.EventParallelFailed) + x.Count(engine.EventMapFailed)
	for _, st := range sm.States {
		for i, b := range st.Branches {
			if failed > 0 {
				// A failing branch stops its siblings wherever they are, which
				// differs from run to run; only the outer path is comparable.
				continue
			}
			require.Equal(t, onlyStates(npm.Entered, b), onlyStates(goEntered, b), "path of %s branch %d", st.Name, i)
		}
	}
	if failed == 0 {
		slices.Sort(goEntered)
		slices.Sort(npm.Entered)
		require.Equal(t, npm.Entered, goEntered, "every state entered, branches and iterations included")
	}
}

// onlyStates keeps the names that are states of sm itself (not nested).
func onlyStates(names []string, sm *asl.StateMachine) []string {
	var out []string
	for _, n := range names {
		if _, ok := sm.States[n]; ok {
			out = append(out, n)
		}
	}
	return out
}
