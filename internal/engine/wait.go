package engine

import (
	"context"
	"fmt"
	"time"

	"geusemaker/internal/asl"
	"geusemaker/internal/asl/jsonpath"
)

// wait sleeps on the clock for Seconds or SecondsPath, or until Timestamp
// or TimestampPath, then passes its input on.
func (r *run) wait(ctx context.Context, in *stateInput) (any, error) {
	d, err := r.waitDuration(in)
	if err != nil {
		return nil, err
	}
	if override := r.eng.opt.waitOverride; override != nil {
		d = override(in.st.Name, d)
	}
	r.hist.add(Event{Type: EventWaitStarted, Time: r.clock.Now(), Branch: in.branch, State: in.st.Name, Delay: d})
	if err := r.sleep(ctx, d); err != nil {
		return nil, err
	}
	return in.env.Input, nil
}

func (r *run) waitDuration(in *stateInput) (time.Duration, error) {
	st := in.st
	switch {
	case st.Seconds != nil:
		return seconds(*st.Seconds), nil
	case st.Timestamp != nil:
		return st.Timestamp.Sub(r.clock.Now()), nil
	case st.SecondsPath != nil:
		n, err := intAt(in.env, st.SecondsPath, 0)
		return seconds(n), err
	}
	v, err := st.TimestampPath.Eval(in.env)
	if err != nil {
		return 0, dataError(err, asl.StatesRuntime)
	}
	s, _ := v.(string)
	t, err := asl.ParseTimestamp(s)
	if err != nil {
		return 0, runtimeError(fmt.Sprintf("TimestampPath %s selected %s: %v", st.TimestampPath, jsonpath.TypeName(v), err))
	}
	return t.Sub(r.clock.Now()), nil
}

// intAt reads an integer >= minimum at path p (the ...Path fields).
func intAt(env *jsonpath.Env, p *jsonpath.Path, minimum int64) (int, error) {
	v, err := p.Eval(env)
	if err != nil {
		return 0, dataError(err, asl.StatesRuntime)
	}
	n, ok := jsonpath.Int(v)
	if !ok || n < minimum {
		return 0, runtimeError(fmt.Sprintf("%s selected %s, not an integer >= %d", p, jsonpath.TypeName(v), minimum))
	}
	return int(n), nil
}
