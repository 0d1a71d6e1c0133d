package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"geusemaker/internal/asl"
	"geusemaker/internal/asl/jsonpath"
)

// runMachine runs sm (the definition, a branch or an item processor) from
// StartAt to its end. The error is an *Error when the machine fails, or a
// *stoppedError when the run was aborted or timed out.
func (r *run) runMachine(ctx context.Context, sm *asl.StateMachine, branch string, input any) (any, error) {
	name := sm.StartAt
	for {
		out, next, err := r.runState(ctx, sm.States[name], branch, input)
		if err != nil || next == "" {
			return out, err
		}
		name, input = next, out
	}
}

// stateInput is what a state's body works on.
type stateInput struct {
	st         *asl.State
	branch     string
	retryCount int
	// env holds the effective input (after InputPath and Parameters) and
	// the context object.
	env *jsonpath.Env
}

// runState enters one state, runs it with its retriers, and returns its
// output and the next state ("" at the end). A matching catcher turns a
// failure into a transition.
func (r *run) runState(ctx context.Context, st *asl.State, branch string, input any) (any, string, error) {
	if ctx.Err() != nil {
		return nil, "", stopped(ctx)
	}
	entered := r.clock.Now()
	r.hist.add(Event{Type: EventStateEntered, Time: entered, Branch: branch, State: st.Name, Input: r.encode(input)})
	attempts := make([]int, len(st.Retry))
	for retryCount := 0; ; retryCount++ {
		out, next, err := r.attempt(ctx, &stateInput{st: st, branch: branch, retryCount: retryCount}, input, entered)
		if err == nil {
			encoded := r.encode(out)
			if len(encoded) > asl.MaxPayloadBytes {
				err = &Error{Name: asl.StatesDataLimitExceeded,
					Cause: fmt.Sprintf("the output of state %s is %d bytes, over the %d-byte limit", st.Name, len(encoded), asl.MaxPayloadBytes)}
			} else {
				r.hist.add(Event{Type: EventStateExited, Time: r.clock.Now(), Branch: branch, State: st.Name, Output: encoded})
				return out, next, nil
			}
		}
		failure, ok := errors.AsType[*Error](err)
		if !ok {
			return nil, "", err
		}
		if ctx.Err() != nil { // the failure is the stop seen from inside
			return nil, "", stopped(ctx)
		}
		r.hist.add(Event{Type: EventStateFailed, Time: r.clock.Now(), Branch: branch, State: st.Name, Error: failure.Name, Cause: failure.Cause})
		if i, delay, ok := r.retrier(st, attempts, failure); ok {
			r.hist.add(Event{Type: EventStateRetried, Time: r.clock.Now(), Branch: branch, State: st.Name,
				Error: failure.Name, Cause: failure.Cause, Attempt: attempts[i], Delay: delay})
			if err := r.sleep(ctx, delay); err != nil {
				return nil, "", err
			}
			continue
		}
		return r.catch(st, branch, input, failure)
	}
}

// attempt runs a state once: input processing, the body, output
// processing. It fills in.env.
func (r *run) attempt(ctx context.Context, in *stateInput, input any, entered time.Time) (any, string, error) {
	st := in.st
	ctxObj := r.contextObject(st, entered, in.retryCount)
	env := &jsonpath.Env{Input: input, Context: ctxObj, Rand: r.eng.opt.random}
	effective, err := selectPath(st.InputPath, env)
	if err != nil {
		return nil, "", err
	}
	env.Input = effective
	if st.Parameters != nil {
		if env.Input, err = st.Parameters.Eval(env); err != nil {
			return nil, "", dataError(err, asl.StatesParameterPathFailure)
		}
	}
	in.env = env
	var result any
	next := st.Next
	switch st.Type {
	case asl.TypeTask:
		result, err = r.task(ctx, in)
	case asl.TypePass:
		result = r.pass(in)
	case asl.TypeWait:
		result, err = r.wait(ctx, in)
	case asl.TypeChoice:
		result = in.env.Input
		next, err = choose(in)
	case asl.TypeParallel:
		result, err = r.parallel(ctx, in)
	case asl.TypeMap:
		result, err = r.mapItems(ctx, in)
	case asl.TypeSucceed:
		result = succeed(in)
	case asl.TypeFail:
		err = fail(in)
	}
	if err != nil {
		return nil, "", err
	}
	out, err := r.processResult(st, input, result, ctxObj)
	return out, next, err
}

// processResult applies ResultSelector, ResultPath and OutputPath.
func (r *run) processResult(st *asl.State, input, result any, ctxObj map[string]any) (any, error) {
	env := &jsonpath.Env{Input: result, Context: ctxObj, Rand: r.eng.opt.random}
	var err error
	if st.ResultSelector != nil {
		if result, err = st.ResultSelector.Eval(env); err != nil {
			return nil, dataError(err, asl.StatesParameterPathFailure)
		}
	}
	if env.Input, err = applyResultPath(st.ResultPath, input, result); err != nil {
		return nil, err
	}
	return selectPath(st.OutputPath, env)
}

// selectPath applies an InputPath or OutputPath to env.Input.
func selectPath(f asl.PathField, env *jsonpath.Env) (any, error) {
	switch {
	case f.Null:
		return map[string]any{}, nil
	case f.Path == nil:
		return env.Input, nil
	}
	v, err := f.Path.Eval(env)
	return v, dataError(err, asl.StatesRuntime)
}

// applyResultPath places result into the state's raw input.
func applyResultPath(f asl.PathField, input, result any) (any, error) {
	switch {
	case f.Null:
		return input, nil
	case f.Path == nil:
		return result, nil
	}
	out, err := f.Path.Set(input, result)
	return out, dataError(err, asl.StatesResultPathMatchFailure)
}

// catch hands a failure to the first matching catcher, or fails the state.
func (r *run) catch(st *asl.State, branch string, input any, failure *Error) (any, string, error) {
	for _, c := range st.Catch {
		if !matches(c.ErrorEquals, failure) {
			continue
		}
		out, err := applyResultPath(c.ResultPath, input, failure.output())
		if err != nil {
			return nil, "", err
		}
		now := r.clock.Now()
		r.hist.add(Event{Type: EventStateCaught, Time: now, Branch: branch, State: st.Name, Error: failure.Name, Cause: failure.Cause, Next: c.Next})
		r.hist.add(Event{Type: EventStateExited, Time: now, Branch: branch, State: st.Name, Output: r.encode(out)})
		return out, c.Next, nil
	}
	return nil, "", failure
}

// sleep waits d on the clock.
func (r *run) sleep(ctx context.Context, d time.Duration) error {
	if r.clock.Sleep(ctx, d) != nil {
		return stopped(ctx)
	}
	return nil
}

// stoppedError ends a run that was aborted or timed out as a whole. It is
// deliberately not an *Error, so no retrier or catcher sees it.
type stoppedError struct{ cause error }

func (e *stoppedError) Error() string { return "execution stopped: " + e.cause.Error() }

func stopped(ctx context.Context) error { return &stoppedError{cause: context.Cause(ctx)} }
