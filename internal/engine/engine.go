package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"geusemaker/internal/asl"
	"geusemaker/internal/asl/jsonpath"
	"geusemaker/internal/clock"
)

// Engine runs executions of one state machine. It is safe for concurrent
// use: every Run is independent.
type Engine struct {
	def *asl.StateMachine
	opt options
}

// New returns an engine for def.
func New(def *asl.StateMachine, opts ...Option) *Engine {
	o := options{
		clock:           clock.Real{},
		runner:          noTaskRunner,
		random:          &lockedSource{src: rand.NewPCG(rand.Uint64(), rand.Uint64())},
		stateMachineArn: defaultStateMachineArn,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return &Engine{def: def, opt: o}
}

// Run executes the state machine on input (empty means {}) and returns the
// finished execution; an empty name gets a generated one. The error is
// only for input that is not JSON: a failed execution is a returned
// Execution with Status FAILED. Cancelling ctx aborts the execution.
//
// On a *clock.Virtual, call Run from a goroutine the clock counts as
// working: the one that created the clock, or a clock.Parallel branch (see
// RunAll). Anywhere else, virtual time could jump while the run works.
func (e *Engine) Run(ctx context.Context, name string, input json.RawMessage) (*Execution, error) {
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	in, err := jsonpath.Decode(input)
	if err != nil {
		return nil, fmt.Errorf("execution %s: input is not JSON: %w", name, err)
	}
	r := e.newRun(name, in)
	x := &Execution{ID: r.executionID, Name: r.name, Input: input, StartTime: r.start}
	r.hist.add(Event{Type: EventExecutionStarted, Time: r.start, Input: input})

	var out any
	var runErr error
	dog := newWatchdog(e.opt.clock, "execution", seconds(e.def.TimeoutSeconds), 0)
	expired := dog.run(ctx, func(ctx context.Context) {
		out, runErr = r.runMachine(ctx, e.def, "", in)
	})

	ev := Event{}
	switch aslErr, isASL := errors.AsType[*Error](runErr); {
	case expired != nil:
		x.Status, x.Error, x.Cause = StatusTimedOut, expired.Name, expired.Cause
		ev.Type = EventExecutionTimedOut
	case runErr == nil:
		x.Status, x.Output = StatusSucceeded, r.encode(out)
		ev.Type, ev.Output = EventExecutionSucceeded, x.Output
	case isASL:
		x.Status, x.Error, x.Cause = StatusFailed, aslErr.Name, aslErr.Cause
		ev.Type = EventExecutionFailed
	default:
		x.Status, x.Cause = StatusAborted, runErr.Error()
		ev.Type = EventExecutionAborted
	}
	x.StopTime = e.opt.clock.Now()
	ev.Time, ev.Error, ev.Cause = x.StopTime, x.Error, x.Cause
	r.hist.add(ev)
	x.History = r.hist.snapshot()
	return x, nil
}

// Job is one execution for RunAll.
type Job struct {
	Engine *Engine
	Name   string
	Input  json.RawMessage
}

// RunAll runs the jobs concurrently, each in its own clock.Parallel branch
// of c (the clock the engines were built with), and returns their
// executions in job order. On a virtual clock they share one timeline: 50
// executions that each wait ten minutes finish ten virtual minutes later.
// The error joins the jobs' input errors; their executions are nil.
func RunAll(ctx context.Context, c clock.Clock, jobs ...Job) ([]*Execution, error) {
	execs := make([]*Execution, len(jobs))
	errs := make([]error, len(jobs))
	fns := make([]func(), len(jobs))
	for i, j := range jobs {
		fns[i] = func() { execs[i], errs[i] = j.Engine.Run(ctx, j.Name, j.Input) }
	}
	clock.Parallel(c, fns...)
	return execs, errors.Join(errs...)
}

// run is one execution in progress.
type run struct {
	eng         *Engine
	clock       clock.Clock
	hist        *history
	name        string
	executionID string
	start       time.Time
	// execution and stateMachine are the fixed parts of the context object.
	execution    map[string]any
	stateMachine map[string]any
}

func (e *Engine) newRun(name string, input any) *run {
	if name == "" {
		v, _ := newUUID.Eval(&jsonpath.Env{Rand: e.opt.random})
		name = v.(string)
	}
	start := e.opt.clock.Now()
	smName := e.opt.stateMachineArn[strings.LastIndex(e.opt.stateMachineArn, ":")+1:]
	id := strings.Replace(e.opt.stateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + name
	return &run{
		eng:         e,
		clock:       e.opt.clock,
		hist:        &history{},
		name:        name,
		executionID: id,
		start:       start,
		execution: map[string]any{
			"Id": id, "Name": name, "Input": input, "StartTime": formatTime(start), "RoleArn": e.opt.roleArn,
		},
		stateMachine: map[string]any{"Id": e.opt.stateMachineArn, "Name": smName},
	}
}

// newUUID generates execution names as States.UUID does, from the
// engine's random source.
var newUUID, _ = jsonpath.ParseExpr("States.UUID()")

// formatTime renders t as Step Functions does: UTC, milliseconds, "Z".
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// contextObject is $$ for one attempt of a state.
func (r *run) contextObject(st *asl.State, entered time.Time, retryCount int) map[string]any {
	return map[string]any{
		"Execution":    r.execution,
		"StateMachine": r.stateMachine,
		"State": map[string]any{
			"Name": st.Name, "EnteredTime": formatTime(entered), "RetryCount": jsonpath.Number(int64(retryCount)),
		},
	}
}

// encode renders a value the engine built; they always encode.
func (r *run) encode(v any) json.RawMessage {
	b, err := jsonpath.Encode(v)
	if err != nil {
		panic(fmt.Sprintf("engine: encode %T: %v", v, err))
	}
	return b
}

// seconds converts whole seconds to a Duration.
func seconds(n int) time.Duration { return time.Duration(n) * time.Second }
