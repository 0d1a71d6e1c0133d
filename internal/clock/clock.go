// Package clock provides the time source shared by the simulated AWS, the
// step code and the local engine: the real wall clock in production, and a
// virtual clock in local runs and tests so that a ten-minute CloudFront wait
// costs no wall time.
//
// It imports only the standard library.
package clock

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep returns after d has passed on this clock, or early with
	// ctx.Err() when ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Sleep waits for d of wall time.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Virtual is a discrete-event clock. Time moves only when every goroutine
// working under it is asleep: then it jumps to the earliest wake-up. The
// goroutine that creates it counts as the one working goroutine; Parallel
// adds more. A goroutine blocked on anything but Sleep or Parallel holds
// virtual time still, which is what makes a run deterministic.
type Virtual struct {
	mu      sync.Mutex
	now     time.Time
	active  int
	waiters waitHeap
	seq     int
}

// NewVirtual returns a virtual clock reading start.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start, active: 1}
}

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Advance moves virtual time forward by d, waking every sleeper due by then.
// Tests use it to age resources without a sleeping goroutine.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	target := v.now.Add(d)
	for v.waiters.Len() > 0 && !v.waiters[0].at.After(target) {
		w := heap.Pop(&v.waiters).(*waiter)
		v.now = w.at
		v.active++
		close(w.wake)
	}
	v.now = target
}

// Sleep blocks the calling goroutine until virtual time has moved d forward.
func (v *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	v.mu.Lock()
	v.seq++
	w := &waiter{at: v.now.Add(d), seq: v.seq, wake: make(chan struct{})}
	heap.Push(&v.waiters, w)
	v.active--
	v.release()
	v.mu.Unlock()
	select {
	case <-w.wake:
		return nil
	case <-ctx.Done():
		v.mu.Lock()
		defer v.mu.Unlock()
		select {
		case <-w.wake: // woken while cancelling: it is already counted active
		default:
			heap.Remove(&v.waiters, w.index)
			v.active++
		}
		return ctx.Err()
	}
}

// release wakes the earliest sleeper when nobody is working. Callers hold mu.
func (v *Virtual) release() {
	if v.active > 0 || v.waiters.Len() == 0 {
		return
	}
	w := heap.Pop(&v.waiters).(*waiter)
	if w.at.After(v.now) {
		v.now = w.at
	}
	v.active++
	close(w.wake)
}

// Parallel runs each fn in its own goroutine and returns when all have
// returned. On a Virtual clock the caller stops holding time while it waits,
// so branches that sleep concurrently share one timeline.
func Parallel(c Clock, fns ...func()) {
	if len(fns) == 0 {
		return
	}
	v, ok := c.(*Virtual)
	if !ok {
		var wg sync.WaitGroup
		for _, fn := range fns {
			wg.Add(1)
			go func() { defer wg.Done(); fn() }()
		}
		wg.Wait()
		return
	}
	v.mu.Lock()
	// The caller's working slot passes to the children; the last child to
	// finish hands it back, so time cannot jump between its end and the
	// caller's resumption.
	v.active += len(fns) - 1
	remaining := len(fns)
	done := make(chan struct{})
	v.mu.Unlock()
	for _, fn := range fns {
		go func() {
			defer func() {
				v.mu.Lock()
				defer v.mu.Unlock()
				remaining--
				if remaining == 0 {
					close(done)
					return
				}
				v.active--
				v.release()
			}()
			fn()
		}()
	}
	<-done
}

type waiter struct {
	at    time.Time
	seq   int
	index int
	wake  chan struct{}
}

// waitHeap orders sleepers by wake time, then by arrival, for determinism.
type waitHeap []*waiter

func (h waitHeap) Len() int { return len(h) }
func (h waitHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h waitHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *waitHeap) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	*h = old[:len(old)-1]
	return w
}

// Go runs fn in a new goroutine that works under c: a Virtual clock holds
// time still while fn runs and does not sleep. Use it for work started by
// other work (an execution starting another); pair it with Idle to wait.
func Go(c Clock, fn func()) {
	v, ok := c.(*Virtual)
	if !ok {
		go fn()
		return
	}
	v.mu.Lock()
	v.active++
	v.mu.Unlock()
	go func() {
		defer func() {
			v.mu.Lock()
			defer v.mu.Unlock()
			v.active--
			v.release()
		}()
		fn()
	}()
}

// Idle runs wait (which blocks, e.g. a WaitGroup's Wait) without holding a
// Virtual clock's time still, so the goroutines it waits for can sleep.
func Idle(c Clock, wait func()) {
	v, ok := c.(*Virtual)
	if !ok {
		wait()
		return
	}
	v.mu.Lock()
	v.active--
	v.release()
	v.mu.Unlock()
	wait()
	v.mu.Lock()
	v.active++
	v.mu.Unlock()
}
