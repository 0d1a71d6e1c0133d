package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/clock"
	"geusemaker/internal/engine"
)

func TestContextObject(t *testing.T) {
	h := newHarness(t, nil,
		engine.WithStateMachineArn("arn:aws:states:us-east-1:123456789012:stateMachine:GeuseMaker"),
		engine.WithRoleArn("arn:aws:iam::123456789012:role/sfn"))
	x := h.run(`{"StartAt":"Hold","States":{
		"Hold":{"Type":"Wait","Seconds":2,"Next":"Ctx"},
		"Ctx":{"Type":"Pass","Parameters":{
			"executionId.$":"$$.Execution.Id","executionName.$":"$$.Execution.Name",
			"input.$":"$$.Execution.Input","startTime.$":"$$.Execution.StartTime","role.$":"$$.Execution.RoleArn",
			"machineId.$":"$$.StateMachine.Id","machineName.$":"$$.StateMachine.Name",
			"state.$":"$$.State.Name","entered.$":"$$.State.EnteredTime","retries.$":"$$.State.RetryCount"},"End":true}}}`,
		`{"tier":"gpu"}`)
	requireSucceeded(t, x, `{
		"executionId":"arn:aws:states:us-east-1:123456789012:execution:GeuseMaker:exec-1","executionName":"exec-1",
		"input":{"tier":"gpu"},"startTime":"2026-11-27T02:54:34.123Z","role":"arn:aws:iam::123456789012:role/sfn",
		"machineId":"arn:aws:states:us-east-1:123456789012:stateMachine:GeuseMaker","machineName":"GeuseMaker",
		"state":"Ctx","entered":"2026-11-27T02:54:36.123Z","retries":0}`)
	require.Equal(t, "arn:aws:states:us-east-1:123456789012:execution:GeuseMaker:exec-1", x.ID)
}

func TestExecutionTimeout(t *testing.T) {
	h := newHarness(t, nil)
	x := h.run(`{"TimeoutSeconds":300,"StartAt":"Loop","States":{
		"Loop":{"Type":"Wait","Seconds":60,"Next":"Again"},
		"Again":{"Type":"Pass","Next":"Loop"}}}`, `{}`)
	require.Equal(t, engine.StatusTimedOut, x.Status)
	require.Equal(t, asl.StatesTimeout, x.Error)
	require.Equal(t, 5*time.Minute, elapsed(x))
	require.Equal(t, engine.EventExecutionTimedOut, x.History[len(x.History)-1].Type)
}

func TestExecutionTimeoutIsNotCaught(t *testing.T) {
	x := newHarness(t, map[string][]step{"T": {{Result: json.RawMessage(`1`), Sleep: time.Hour}}}).run(`{"TimeoutSeconds":60,"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"`+lambdaArn+`","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
		"Caught":{"Type":"Succeed"}}}`, `{}`)
	require.Equal(t, engine.StatusTimedOut, x.Status)
	require.Equal(t, []string{"T"}, x.Path())
	require.Equal(t, time.Minute, elapsed(x))
}

func TestCancellingTheContextAbortsPromptly(t *testing.T) {
	e := engine.New(mustParse(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	x, err := e.Run(ctx, "abort-me", nil)
	require.NoError(t, err)
	require.Less(t, time.Since(start), 5*time.Second)
	require.Equal(t, engine.StatusAborted, x.Status)
	require.Equal(t, engine.EventExecutionAborted, x.History[len(x.History)-1].Type)
}

func TestCancelledBeforeStartAbortsWithoutEnteringAState(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x, err := engine.New(mustParse(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`),
		engine.WithClock(clock.NewVirtual(t0))).Run(ctx, "x", nil)
	require.NoError(t, err)
	require.Equal(t, engine.StatusAborted, x.Status)
	require.Empty(t, x.Path())
}

func TestAbortReachesRunningTask(t *testing.T) {
	started := make(chan struct{})
	runner := engine.TaskRunnerFunc(func(ctx context.Context, _ engine.TaskCall) (json.RawMessage, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	e := engine.New(mustParse(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaArn+`",
		"Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},
		"C":{"Type":"Succeed"}}}`), engine.WithTaskRunner(runner))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	x, err := e.Run(ctx, "x", nil)
	require.NoError(t, err)
	require.Equal(t, engine.StatusAborted, x.Status, "an abort is neither retried nor caught")
	require.Equal(t, []string{"T"}, x.Path())
}

func TestRunRejectsInputThatIsNotJSON(t *testing.T) {
	_, err := engine.New(mustParse(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)).
		Run(context.Background(), "x", json.RawMessage(`{nope`))
	require.ErrorContains(t, err, "not JSON")
}

func TestGeneratedNamesComeFromTheRandomSource(t *testing.T) {
	sm := mustParse(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	name := func() string {
		x, err := engine.New(sm, engine.WithRandom(rand.NewPCG(1, 2))).Run(context.Background(), "", nil)
		require.NoError(t, err)
		return x.Name
	}
	first := name()
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), first)
	require.Equal(t, first, name())
}

func TestRunAllSharesOneVirtualClock(t *testing.T) {
	v := clock.NewVirtual(t0)
	def := mustParse(t, `{"StartAt":"Create","States":{
		"Create":{"Type":"Task","Resource":"`+lambdaArn+`","ResultPath":"$.id","Next":"Wait"},
		"Wait":{"Type":"Wait","Seconds":600,"Next":"Done"},
		"Done":{"Type":"Succeed"}}}`)
	runner := engine.TaskRunnerFunc(func(_ context.Context, call engine.TaskCall) (json.RawMessage, error) {
		return json.Marshal(call.ExecutionID)
	})
	e := engine.New(def, engine.WithClock(v), engine.WithTaskRunner(runner))
	jobs := make([]engine.Job, 50)
	for i := range jobs {
		jobs[i] = engine.Job{Engine: e, Name: fmt.Sprintf("deploy-%02d", i), Input: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}
	}
	start := time.Now()
	execs, err := engine.RunAll(context.Background(), v, jobs...)
	require.NoError(t, err)
	require.Less(t, time.Since(start), 10*time.Second)
	require.Equal(t, t0.Add(10*time.Minute), v.Now(), "50 ten-minute waits overlap")
	for i, x := range execs {
		require.Equal(t, engine.StatusSucceeded, x.Status)
		require.Equal(t, fmt.Sprintf("deploy-%02d", i), x.Name)
		require.JSONEq(t, fmt.Sprintf(`{"n":%d,"id":%q}`, i, x.ID), string(x.Output))
		require.Equal(t, 10*time.Minute, elapsed(x))
	}
}

func TestRunAllReportsBadInput(t *testing.T) {
	v := clock.NewVirtual(t0)
	e := engine.New(mustParse(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), engine.WithClock(v))
	execs, err := engine.RunAll(context.Background(), v,
		engine.Job{Engine: e, Name: "good", Input: json.RawMessage(`{}`)},
		engine.Job{Engine: e, Name: "bad", Input: json.RawMessage(`{`)})
	require.ErrorContains(t, err, "bad")
	require.Equal(t, engine.StatusSucceeded, execs[0].Status)
	require.Nil(t, execs[1])
}

func TestHistoryRecordsTimesOnTheClock(t *testing.T) {
	x := newHarness(t, nil).run(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"P"},"P":{"Type":"Pass","End":true}}}`, `{"a":1}`)
	var entered []time.Time
	for i, e := range x.History {
		require.Equal(t, i+1, e.ID)
		if e.Type == engine.EventStateEntered {
			entered = append(entered, e.Time)
		}
	}
	require.Equal(t, []time.Time{t0, t0.Add(5 * time.Second)}, entered)
	require.JSONEq(t, `{"a":1}`, string(x.History[1].Input))
	last := x.History[len(x.History)-1]
	require.Equal(t, engine.EventExecutionSucceeded, last.Type)
	require.JSONEq(t, `{"a":1}`, string(last.Output))
}
