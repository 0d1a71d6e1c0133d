package engine

import (
	"context"
	"sync"

	"geusemaker/internal/clock"
)

// fanout runs n jobs on at most workers goroutines (0 = one per job) under
// clock.Parallel, collecting their results in order. The first failure
// cancels the jobs still running and is returned; the others' errors (their
// own cancellation) are dropped, as Step Functions drops the outputs of the
// branches it stops.
func (r *run) fanout(ctx context.Context, n, workers int, job func(ctx context.Context, i int) (any, error)) ([]any, error) {
	if workers <= 0 || workers > n {
		workers = n
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]any, n)
	var mu sync.Mutex
	exited := sync.NewCond(&mu)
	next, gone := 0, 0
	var first error
	worker := func() {
		mu.Lock()
		defer mu.Unlock()
		for first == nil && next < n {
			i := next
			next++
			mu.Unlock()
			out, err := job(ctx, i)
			mu.Lock()
			results[i] = out
			if err != nil && first == nil {
				first = err
				cancel()
				// Hold virtual time still until the other workers have
				// noticed the cancellation (see watchdog.run).
				for gone < workers-1 {
					exited.Wait()
				}
				return
			}
		}
		gone++
		exited.Broadcast()
	}
	fns := make([]func(), workers)
	for i := range fns {
		fns[i] = worker
	}
	clock.Parallel(r.clock, fns...)
	if first != nil {
		return nil, first
	}
	return results, nil
}
