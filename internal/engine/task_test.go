package engine_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/clock"
	"geusemaker/internal/engine"
)

func TestTaskCallCarriesStateResourceAndInput(t *testing.T) {
	h := newHarness(t, map[string][]step{"Invoke": {ok(`{"StatusCode":200}`)}},
		engine.WithStateMachineArn("arn:aws:states:eu-west-1:111122223333:stateMachine:Deploy"))
	x := h.run(`{"StartAt":"Invoke","States":{"Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"f","Payload.$":"$"},"End":true}}}`, `{"id":"d-1"}`)
	requireSucceeded(t, x, `{"StatusCode":200}`)
	calls := h.tasks.callsTo("Invoke")
	require.Len(t, calls, 1)
	require.Equal(t, "arn:aws:states:::lambda:invoke", calls[0].Resource)
	require.Equal(t, "arn:aws:states:eu-west-1:111122223333:execution:Deploy:exec-1", calls[0].ExecutionID)
	require.JSONEq(t, `{"FunctionName":"f","Payload":{"id":"d-1"}}`, string(calls[0].Input))
	require.Equal(t, []engine.EventType{
		engine.EventExecutionStarted, engine.EventStateEntered, engine.EventTaskScheduled,
		engine.EventTaskSucceeded, engine.EventStateExited, engine.EventExecutionSucceeded,
	}, eventTypes(x))
}

func eventTypes(x *engine.Execution) []engine.EventType {
	var out []engine.EventType
	for _, e := range x.History {
		out = append(out, e.Type)
	}
	return out
}

func TestTaskResultEncoding(t *testing.T) {
	tests := []struct {
		name       string
		result     json.RawMessage
		wantStatus engine.Status
		want       string
	}{
		{"empty output is null", nil, engine.StatusSucceeded, `{"in":1,"r":null}`},
		{"output that is not JSON fails the task", json.RawMessage(`{oops`), engine.StatusFailed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runner := engine.TaskRunnerFunc(func(context.Context, engine.TaskCall) (json.RawMessage, error) { return tt.result, nil })
			x := newHarness(t, nil, engine.WithTaskRunner(runner)).run(`{"StartAt":"S","States":{"S":{"Type":"Task",
				"Resource":"`+lambdaArn+`","ResultPath":"$.r","End":true}}}`, `{"in":1}`)
			require.Equal(t, tt.wantStatus, x.Status)
			if tt.want != "" {
				require.JSONEq(t, tt.want, string(x.Output))
			} else {
				require.Equal(t, asl.StatesTaskFailed, x.Error)
			}
		})
	}
}

func TestTaskTimeout(t *testing.T) {
	slow := step{Result: json.RawMessage(`1`), Sleep: 120 * time.Second}
	tests := []struct {
		name        string
		fields      string
		steps       []step
		input       string
		wantPath    []string
		wantError   string
		wantElapsed time.Duration
	}{
		{
			name:        "a task that outlives TimeoutSeconds fails with States.Timeout",
			fields:      `"TimeoutSeconds":60`,
			steps:       []step{slow},
			wantPath:    []string{"S"},
			wantError:   asl.StatesTimeout,
			wantElapsed: 60 * time.Second,
		},
		{
			name:        "a task within TimeoutSeconds succeeds",
			fields:      `"TimeoutSeconds":180`,
			steps:       []step{slow},
			wantPath:    []string{"S", "Done"},
			wantElapsed: 120 * time.Second,
		},
		{
			name:        "TimeoutSecondsPath reads the timeout from the input",
			fields:      `"TimeoutSecondsPath":"$.timeout"`,
			steps:       []step{slow},
			input:       `{"timeout":30}`,
			wantPath:    []string{"S"},
			wantError:   asl.StatesTimeout,
			wantElapsed: 30 * time.Second,
		},
		{
			name:        "States.Timeout is caught by name",
			fields:      `"TimeoutSeconds":60,"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Done"}]`,
			steps:       []step{slow},
			wantPath:    []string{"S", "Done"},
			wantElapsed: 60 * time.Second,
		},
		{
			name:        "States.TaskFailed does not catch States.Timeout",
			fields:      `"TimeoutSeconds":60,"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Done"}]`,
			steps:       []step{slow},
			wantPath:    []string{"S"},
			wantError:   asl.StatesTimeout,
			wantElapsed: 60 * time.Second,
		},
		{
			name:        "a timed-out task is retried",
			fields:      `"TimeoutSeconds":60,"Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":5}]`,
			steps:       []step{slow, ok(`2`)},
			wantPath:    []string{"S", "Done"},
			wantElapsed: 65 * time.Second,
		},
		{
			name:        "a missed heartbeat fails with States.Timeout",
			fields:      `"TimeoutSeconds":300,"HeartbeatSeconds":20`,
			steps:       []step{slow},
			wantPath:    []string{"S"},
			wantError:   asl.StatesTimeout,
			wantElapsed: 20 * time.Second,
		},
		{
			name:        "HeartbeatSecondsPath reads the heartbeat from the input",
			fields:      `"HeartbeatSecondsPath":"$.hb"`,
			steps:       []step{slow},
			input:       `{"hb":45}`,
			wantPath:    []string{"S"},
			wantError:   asl.StatesTimeout,
			wantElapsed: 45 * time.Second,
		},
		{
			name:        "a TimeoutSecondsPath that is not a positive integer is States.Runtime",
			fields:      `"TimeoutSecondsPath":"$.timeout"`,
			steps:       []step{slow},
			input:       `{"timeout":"soon"}`,
			wantPath:    []string{"S"},
			wantError:   asl.StatesRuntime,
			wantElapsed: 0,
		},
		{
			name:        "a HeartbeatSecondsPath that selects nothing is States.Runtime",
			fields:      `"HeartbeatSecondsPath":"$.hb"`,
			steps:       []step{slow},
			wantPath:    []string{"S"},
			wantError:   asl.StatesRuntime,
			wantElapsed: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.input == "" {
				tt.input = `{}`
			}
			x := newHarness(t, map[string][]step{"S": tt.steps}).run(`{"StartAt":"S","States":{
				"S":{"Type":"Task","Resource":"`+lambdaArn+`",`+tt.fields+`,"Next":"Done"},
				"Done":{"Type":"Succeed"}}}`, tt.input)
			require.Equal(t, tt.wantPath, x.Path())
			require.Equal(t, tt.wantError, x.Error, x.Cause)
			require.Equal(t, tt.wantElapsed, elapsed(x))
		})
	}
}

func TestHeartbeatsKeepALongTaskAlive(t *testing.T) {
	v := clock.NewVirtual(t0)
	runner := engine.TaskRunnerFunc(func(ctx context.Context, call engine.TaskCall) (json.RawMessage, error) {
		for range 5 {
			if err := v.Sleep(ctx, 10*time.Second); err != nil {
				return nil, err
			}
			call.Heartbeat()
		}
		return json.RawMessage(`"done"`), nil
	})
	e := engine.New(mustParse(t, `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"`+lambdaArn+`",
		"TimeoutSeconds":100,"HeartbeatSeconds":15,"End":true}}}`), engine.WithClock(v), engine.WithTaskRunner(runner))
	x, err := e.Run(context.Background(), "hb", nil)
	require.NoError(t, err)
	requireSucceeded(t, x, `"done"`)
	require.Equal(t, 50*time.Second, elapsed(x))
}

func TestTaskWithoutRunnerFails(t *testing.T) {
	e := engine.New(mustParse(t, `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"`+lambdaArn+`","End":true}}}`),
		engine.WithClock(clock.NewVirtual(t0)))
	x, err := e.Run(context.Background(), "x", nil)
	require.NoError(t, err)
	requireFailed(t, x, asl.StatesTaskFailed)
	require.Contains(t, x.Cause, "no task runner")
}
