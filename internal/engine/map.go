package engine

import (
	"context"
	"fmt"
	"maps"

	"geusemaker/internal/asl"
	"geusemaker/internal/asl/jsonpath"
)

// mapItems runs the item processor on every item of ItemsPath, at most
// MaxConcurrency at a time (0 = all at once), and returns the outputs in
// item order. A failing iteration stops the others and fails the state
// with the iteration's error.
func (r *run) mapItems(ctx context.Context, in *stateInput) (any, error) {
	st := in.st
	items, err := r.items(in)
	if err != nil {
		return nil, err
	}
	limit := st.MaxConcurrency
	if st.MaxConcurrencyPath != nil {
		if limit, err = intAt(in.env, st.MaxConcurrencyPath, 0); err != nil {
			return nil, err
		}
	}
	ev := Event{Branch: in.branch, State: st.Name}
	r.hist.add(with(ev, EventMapStarted, r.clock.Now()))
	results, err := r.fanout(ctx, len(items), limit, func(ctx context.Context, i int) (any, error) {
		input, err := itemInput(in, i, items[i])
		if err != nil {
			return nil, err
		}
		return r.runMachine(ctx, st.ItemProcessor, childBranch(in.branch, fmt.Sprintf("%s[%d]", st.Name, i)), input)
	})
	if err != nil {
		r.hist.add(failedEvent(ev, EventMapFailed, r.clock.Now(), err))
		return nil, err
	}
	r.hist.add(with(ev, EventMapSucceeded, r.clock.Now()))
	return results, nil
}

// items selects the array to iterate over.
func (r *run) items(in *stateInput) ([]any, error) {
	v := in.env.Input
	if p := in.st.ItemsPath; p != nil {
		var err error
		if v, err = p.Eval(in.env); err != nil {
			return nil, dataError(err, asl.StatesRuntime)
		}
	}
	items, ok := v.([]any)
	if !ok {
		return nil, runtimeError(fmt.Sprintf("the Map state's items must be an array, got %s", jsonpath.TypeName(v)))
	}
	return items, nil
}

// itemInput is one iteration's input: the item, or ItemSelector evaluated
// with $$.Map.Item.Index and $$.Map.Item.Value in the context object.
func itemInput(in *stateInput, i int, item any) (any, error) {
	if in.st.ItemSelector == nil {
		return item, nil
	}
	ctxObj := maps.Clone(in.env.Context.(map[string]any))
	ctxObj["Map"] = map[string]any{"Item": map[string]any{"Index": jsonpath.Number(int64(i)), "Value": item}}
	v, err := in.st.ItemSelector.Eval(&jsonpath.Env{Input: in.env.Input, Context: ctxObj, Rand: in.env.Rand})
	return v, dataError(err, asl.StatesParameterPathFailure)
}
