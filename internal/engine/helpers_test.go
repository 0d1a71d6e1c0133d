package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/clock"
	"geusemaker/internal/engine"
)

// t0 is where every virtual clock in these tests starts.
var t0 = time.Date(2026, 11, 27, 2, 54, 34, 123_000_000, time.UTC)

// lambdaArn is a Task Resource that both engines accept.
const lambdaArn = "arn:aws:lambda:us-east-1:123456789012:function:Step"

func mustParse(t *testing.T, def string) *asl.StateMachine {
	t.Helper()
	sm, err := asl.Parse([]byte(def))
	require.NoError(t, err)
	return sm
}

// step is one scripted task outcome: a result, or an error with name and
// cause. Sleep makes the task take that long on the clock first.
type step struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
	Cause  string          `json:"cause,omitempty"`
	Sleep  time.Duration   `json:"-"`
}

// scripted is a TaskRunner that answers each Task state from its own list
// of steps, in call order, and records the calls.
type scripted struct {
	clock clock.Clock
	mu    sync.Mutex
	steps map[string][]step
	calls []engine.TaskCall
}

func newScripted(c clock.Clock, steps map[string][]step) *scripted {
	return &scripted{clock: c, steps: steps}
}

func (s *scripted) RunTask(ctx context.Context, call engine.TaskCall) (json.RawMessage, error) {
	s.mu.Lock()
	s.calls = append(s.calls, call)
	queue := s.steps[call.State]
	if len(queue) == 0 {
		s.mu.Unlock()
		return nil, fmt.Errorf("no scripted result left for %s", call.State)
	}
	st := queue[0]
	s.steps[call.State] = queue[1:]
	s.mu.Unlock()
	if st.Sleep > 0 {
		if err := s.clock.Sleep(ctx, st.Sleep); err != nil {
			return nil, err
		}
	}
	if st.Error != "" {
		return nil, &engine.Error{Name: st.Error, Cause: st.Cause}
	}
	return st.Result, nil
}

func (s *scripted) callsTo(state string) []engine.TaskCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []engine.TaskCall
	for _, c := range s.calls {
		if c.State == state {
			out = append(out, c)
		}
	}
	return out
}

func ok(result string) step { return step{Result: json.RawMessage(result)} }

func fails(name, cause string) step { return step{Error: name, Cause: cause} }

// harness runs definitions on a fresh virtual clock with scripted tasks.
type harness struct {
	t      *testing.T
	clock  *clock.Virtual
	tasks  *scripted
	extras []engine.Option
}

func newHarness(t *testing.T, steps map[string][]step, opts ...engine.Option) *harness {
	v := clock.NewVirtual(t0)
	if steps == nil {
		steps = map[string][]step{}
	}
	return &harness{t: t, clock: v, tasks: newScripted(v, steps), extras: opts}
}

func (h *harness) run(def, input string) *engine.Execution {
	h.t.Helper()
	opts := append([]engine.Option{engine.WithClock(h.clock), engine.WithTaskRunner(h.tasks)}, h.extras...)
	x, err := engine.New(mustParse(h.t, def), opts...).Run(context.Background(), "exec-1", json.RawMessage(input))
	require.NoError(h.t, err)
	return x
}

// elapsed is how long the execution took on the clock.
func elapsed(x *engine.Execution) time.Duration { return x.StopTime.Sub(x.StartTime) }

func requireSucceeded(t *testing.T, x *engine.Execution, wantOutput string) {
	t.Helper()
	require.Equal(t, engine.StatusSucceeded, x.Status, "error %s: %s", x.Error, x.Cause)
	require.JSONEq(t, wantOutput, string(x.Output))
}

func requireFailed(t *testing.T, x *engine.Execution, wantError string) {
	t.Helper()
	require.Equal(t, engine.StatusFailed, x.Status, "output %s", x.Output)
	require.Equal(t, wantError, x.Error, "cause: %s", x.Cause)
}
