package engine_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/engine"
)

// retryMachine has one Task S with the given Retry field.
func retryMachine(retry string) string {
	return `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"` + lambdaArn + `","Retry":` + retry + `,"End":true}}}`
}

// retryDelays lists the backoff of each retry in the history.
func retryDelays(x *engine.Execution) []time.Duration {
	var out []time.Duration
	for _, e := range x.History {
		if e.Type == engine.EventStateRetried {
			out = append(out, e.Delay)
		}
	}
	return out
}

func TestRetryBackoff(t *testing.T) {
	boom := fails("Boom", "try again")
	tests := []struct {
		name       string
		retry      string
		steps      []step
		wantStatus engine.Status
		wantDelays []time.Duration
	}{
		{
			name:       "defaults: 1s interval, rate 2, 3 attempts",
			retry:      `[{"ErrorEquals":["Boom"]}]`,
			steps:      []step{boom, boom, boom, boom},
			wantStatus: engine.StatusFailed,
			wantDelays: []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second},
		},
		{
			name:       "interval and backoff rate grow the delay",
			retry:      `[{"ErrorEquals":["Boom"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":3}]`,
			steps:      []step{boom, boom, boom, ok(`1`)},
			wantStatus: engine.StatusSucceeded,
			wantDelays: []time.Duration{2 * time.Second, 6 * time.Second, 18 * time.Second},
		},
		{
			name:       "fractional backoff rate",
			retry:      `[{"ErrorEquals":["Boom"],"IntervalSeconds":2,"BackoffRate":1.5,"MaxAttempts":2}]`,
			steps:      []step{boom, boom, ok(`1`)},
			wantStatus: engine.StatusSucceeded,
			wantDelays: []time.Duration{2 * time.Second, 3 * time.Second},
		},
		{
			name:       "MaxDelaySeconds caps the delay",
			retry:      `[{"ErrorEquals":["Boom"],"IntervalSeconds":10,"BackoffRate":10,"MaxDelaySeconds":30,"MaxAttempts":3}]`,
			steps:      []step{boom, boom, boom, ok(`1`)},
			wantStatus: engine.StatusSucceeded,
			wantDelays: []time.Duration{10 * time.Second, 30 * time.Second, 30 * time.Second},
		},
		{
			name:       "MaxAttempts 0 never retries",
			retry:      `[{"ErrorEquals":["Boom"],"MaxAttempts":0}]`,
			steps:      []step{boom},
			wantStatus: engine.StatusFailed,
		},
		{
			name:       "a non-matching retrier does not retry",
			retry:      `[{"ErrorEquals":["Other"]}]`,
			steps:      []step{boom},
			wantStatus: engine.StatusFailed,
		},
		{
			name:       "States.ALL retries any error",
			retry:      `[{"ErrorEquals":["States.ALL"],"MaxAttempts":1}]`,
			steps:      []step{boom, ok(`1`)},
			wantStatus: engine.StatusSucceeded,
			wantDelays: []time.Duration{time.Second},
		},
		{
			name:       "States.TaskFailed retries a named task error",
			retry:      `[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":1}]`,
			steps:      []step{boom, ok(`1`)},
			wantStatus: engine.StatusSucceeded,
			wantDelays: []time.Duration{time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, map[string][]step{"S": tt.steps})
			x := h.run(retryMachine(tt.retry), `{}`)
			require.Equal(t, tt.wantStatus, x.Status, x.Cause)
			require.Equal(t, tt.wantDelays, retryDelays(x))
			require.Len(t, h.tasks.callsTo("S"), len(tt.wantDelays)+1)
			var total time.Duration
			for _, d := range tt.wantDelays {
				total += d
			}
			require.Equal(t, total, elapsed(x), "the backoff is spent on the virtual clock")
			require.Equal(t, []string{"S"}, x.Path(), "a retry stays in the state")
			require.Equal(t, 1+len(tt.wantDelays), x.Transitions(), "retries count as transitions")
		})
	}
}

func TestEachRetrierCountsItsOwnAttempts(t *testing.T) {
	a, b := fails("A", "a"), fails("B", "b")
	h := newHarness(t, map[string][]step{"S": {a, b, b, a}})
	x := h.run(retryMachine(`[
		{"ErrorEquals":["A"],"MaxAttempts":1,"IntervalSeconds":1},
		{"ErrorEquals":["B"],"MaxAttempts":2,"IntervalSeconds":10}]`), `{}`)
	requireFailed(t, x, "A")
	require.Len(t, h.tasks.callsTo("S"), 4, "A once, B twice, then A is exhausted")
	require.Equal(t, []time.Duration{time.Second, 10 * time.Second, 20 * time.Second}, retryDelays(x))
}

func TestExhaustedRetrierStopsTheSearch(t *testing.T) {
	boom := fails("Boom", "x")
	h := newHarness(t, map[string][]step{"S": {boom, boom, ok(`1`)}})
	x := h.run(retryMachine(`[{"ErrorEquals":["Boom"],"MaxAttempts":1},{"ErrorEquals":["States.ALL"],"MaxAttempts":5}]`), `{}`)
	requireFailed(t, x, "Boom")
	require.Len(t, h.tasks.callsTo("S"), 2)
}

func TestRetryCountInContextAndTaskCall(t *testing.T) {
	boom := fails("Boom", "x")
	h := newHarness(t, map[string][]step{"S": {boom, boom, ok(`{}`)}})
	x := h.run(`{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"`+lambdaArn+`",
		"Parameters":{"retry.$":"$$.State.RetryCount","entered.$":"$$.State.EnteredTime"},
		"Retry":[{"ErrorEquals":["Boom"]}],"End":true}}}`, `{}`)
	require.Equal(t, engine.StatusSucceeded, x.Status)
	calls := h.tasks.callsTo("S")
	require.Len(t, calls, 3)
	for i, c := range calls {
		require.Equal(t, i, c.RetryCount)
		require.JSONEq(t, `{"retry":`+string(rune('0'+i))+`,"entered":"2026-11-27T02:54:34.123Z"}`, string(c.Input),
			"EnteredTime is when the state was entered, not the retry")
	}
}

func TestFullJitterIsDrawnFromTheRandomSource(t *testing.T) {
	boom := fails("Boom", "x")
	delays := func(seed uint64) []time.Duration {
		h := newHarness(t, map[string][]step{"S": {boom, boom, boom, ok(`1`)}},
			engine.WithRandom(rand.NewPCG(seed, 0)))
		x := h.run(retryMachine(`[{"ErrorEquals":["Boom"],"IntervalSeconds":10,"JitterStrategy":"FULL"}]`), `{}`)
		require.Equal(t, engine.StatusSucceeded, x.Status)
		return retryDelays(x)
	}
	first := delays(42)
	require.Equal(t, first, delays(42), "the same seed gives the same delays")
	require.NotEqual(t, first, delays(7))
	for i, d := range first {
		ceiling := 10 * time.Second << i
		require.True(t, d >= 0 && d < ceiling, "delay %d = %s, want [0, %s)", i, d, ceiling)
	}
}

func TestCatch(t *testing.T) {
	tests := []struct {
		name     string
		catch    string
		step     step
		wantPath []string
		want     string // output, or "" when the execution fails
	}{
		{
			name:     "catcher ResultPath keeps the input and adds the error",
			catch:    `[{"ErrorEquals":["Boom"],"ResultPath":"$.error","Next":"Fallback"}]`,
			step:     fails("Boom", "it broke"),
			wantPath: []string{"S", "Fallback"},
			want:     `{"in":1,"error":{"Error":"Boom","Cause":"it broke"}}`,
		},
		{
			name:     "default catcher ResultPath replaces the input with the error",
			catch:    `[{"ErrorEquals":["Boom"],"Next":"Fallback"}]`,
			step:     fails("Boom", "it broke"),
			wantPath: []string{"S", "Fallback"},
			want:     `{"Error":"Boom","Cause":"it broke"}`,
		},
		{
			name:     "catcher ResultPath null keeps the input alone",
			catch:    `[{"ErrorEquals":["Boom"],"ResultPath":null,"Next":"Fallback"}]`,
			step:     fails("Boom", "it broke"),
			wantPath: []string{"S", "Fallback"},
			want:     `{"in":1}`,
		},
		{
			name:     "the first matching catcher wins",
			catch:    `[{"ErrorEquals":["Other"],"Next":"Fail"},{"ErrorEquals":["Boom","Else"],"ResultPath":null,"Next":"Fallback"},{"ErrorEquals":["States.ALL"],"Next":"Fail"}]`,
			step:     fails("Boom", "x"),
			wantPath: []string{"S", "Fallback"},
			want:     `{"in":1}`,
		},
		{
			name:     "States.ALL catches what the others do not",
			catch:    `[{"ErrorEquals":["Other"],"Next":"Fallback"},{"ErrorEquals":["States.ALL"],"Next":"Fail"}]`,
			step:     fails("Boom", "x"),
			wantPath: []string{"S", "Fail"},
		},
		{
			name:     "States.TaskFailed catches a plain Go error",
			catch:    `[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.e","Next":"Fallback"}]`,
			step:     step{}, // the scripted runner has nothing left: a plain error
			wantPath: []string{"S", "Fallback"},
			want:     `{"in":1,"e":{"Error":"States.TaskFailed","Cause":"no scripted result left for S"}}`,
		},
		{
			name:     "no matching catcher fails the execution",
			catch:    `[{"ErrorEquals":["Other"],"Next":"Fallback"}]`,
			step:     fails("Boom", "x"),
			wantPath: []string{"S"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := map[string][]step{"S": {tt.step}}
			if tt.step.Error == "" && tt.step.Result == nil {
				steps = nil
			}
			x := newHarness(t, steps).run(`{"StartAt":"S","States":{
				"S":{"Type":"Task","Resource":"`+lambdaArn+`","Catch":`+tt.catch+`,"Next":"Done"},
				"Done":{"Type":"Choice","Default":"Fallback","Choices":[{"Variable":"$.never","IsPresent":true,"Next":"Fail"}]},
				"Fallback":{"Type":"Pass","End":true},
				"Fail":{"Type":"Fail","Error":"Failed","Cause":"caught by States.ALL"}}}`, `{"in":1}`)
			require.Equal(t, tt.wantPath, x.Path())
			if tt.want == "" {
				require.Equal(t, engine.StatusFailed, x.Status)
				return
			}
			requireSucceeded(t, x, tt.want)
			require.Equal(t, 1, x.Count(engine.EventStateCaught))
		})
	}
}

func TestCatchAfterRetriesAreExhausted(t *testing.T) {
	boom := fails("Boom", "x")
	h := newHarness(t, map[string][]step{"S": {boom, boom, boom}})
	x := h.run(`{"StartAt":"S","States":{
		"S":{"Type":"Task","Resource":"`+lambdaArn+`","Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":2}],
			"Catch":[{"ErrorEquals":["Boom"],"Next":"Fallback"}],"End":true},
		"Fallback":{"Type":"Succeed"}}}`, `{}`)
	require.Equal(t, []string{"S", "Fallback"}, x.Path())
	require.Len(t, h.tasks.callsTo("S"), 3)
	require.Equal(t, 3*time.Second, elapsed(x))
}

func TestCatcherResultPathMismatchFailsTheState(t *testing.T) {
	x := newHarness(t, map[string][]step{"S": {fails("Boom", "x")}}).run(`{"StartAt":"S","States":{
		"S":{"Type":"Task","Resource":"`+lambdaArn+`","Catch":[{"ErrorEquals":["Boom"],"ResultPath":"$.a.b","Next":"F"}],"End":true},
		"F":{"Type":"Succeed"}}}`, `{"a":"text"}`)
	requireFailed(t, x, asl.StatesResultPathMatchFailure)
}

func TestErrorMessage(t *testing.T) {
	err := error(&engine.Error{Name: "Boom", Cause: "why"})
	require.EqualError(t, err, "Boom: why")
	var e *engine.Error
	require.True(t, errors.As(err, &e))
}
