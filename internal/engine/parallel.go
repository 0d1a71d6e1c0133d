package engine

import (
	"context"
	"fmt"
)

// parallel runs every branch on the effective input, concurrently, and
// returns their outputs in branch order. A failing branch stops the others
// and fails the state with the branch's error.
func (r *run) parallel(ctx context.Context, in *stateInput) (any, error) {
	st := in.st
	ev := Event{Branch: in.branch, State: st.Name}
	r.hist.add(with(ev, EventParallelStarted, r.clock.Now()))
	results, err := r.fanout(ctx, len(st.Branches), 0, func(ctx context.Context, i int) (any, error) {
		return r.runMachine(ctx, st.Branches[i], childBranch(in.branch, fmt.Sprintf("%s[%d]", st.Name, i)), in.env.Input)
	})
	if err != nil {
		r.hist.add(failedEvent(ev, EventParallelFailed, r.clock.Now(), err))
		return nil, err
	}
	r.hist.add(with(ev, EventParallelSucceeded, r.clock.Now()))
	return results, nil
}

// childBranch names a branch or iteration nested in parent.
func childBranch(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}
