package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"geusemaker/internal/asl"
	"geusemaker/internal/asl/jsonpath"
)

// task calls the TaskRunner with the effective input, under the state's
// TimeoutSeconds and HeartbeatSeconds.
func (r *run) task(ctx context.Context, in *stateInput) (any, error) {
	st := in.st
	timeout, err := intField(in.env, st.TimeoutSeconds, st.TimeoutSecondsPath)
	if err != nil {
		return nil, err
	}
	heartbeat, err := intField(in.env, st.HeartbeatSeconds, st.HeartbeatSecondsPath)
	if err != nil {
		return nil, err
	}
	dog := newWatchdog(r.clock, "task", seconds(timeout), seconds(heartbeat))
	call := TaskCall{
		State:       st.Name,
		Resource:    st.Resource,
		Input:       r.encode(in.env.Input),
		ExecutionID: r.executionID,
		RetryCount:  in.retryCount,
		Heartbeat:   dog.beat,
	}
	ev := Event{Branch: in.branch, State: st.Name, Resource: st.Resource}
	r.hist.add(with(ev, EventTaskScheduled, r.clock.Now()))

	var out json.RawMessage
	var runErr error
	if expired := dog.run(ctx, func(ctx context.Context) { out, runErr = r.eng.opt.runner.RunTask(ctx, call) }); expired != nil {
		runErr = expired
	}
	result, failure := decodeResult(out, runErr)
	if failure != nil {
		failed := with(ev, EventTaskFailed, r.clock.Now())
		failed.Error, failed.Cause = failure.Name, failure.Cause
		r.hist.add(failed)
		return nil, failure
	}
	r.hist.add(with(ev, EventTaskSucceeded, r.clock.Now()))
	return result, nil
}

// decodeResult turns a task's output or error into a result or an *Error.
func decodeResult(out json.RawMessage, runErr error) (any, *Error) {
	if runErr != nil {
		return nil, taskError(runErr)
	}
	if len(out) == 0 {
		return nil, nil
	}
	v, err := jsonpath.Decode(out)
	if err != nil {
		return nil, &Error{Name: asl.StatesTaskFailed, Cause: fmt.Sprintf("task output is not JSON: %v", err)}
	}
	return v, nil
}

// intField reads a literal integer field or its ...Path twin (0 = unset).
func intField(env *jsonpath.Env, literal int, p *jsonpath.Path) (int, error) {
	if p == nil {
		return literal, nil
	}
	return intAt(env, p, 1)
}
