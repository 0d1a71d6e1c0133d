package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"geusemaker/internal/asl"
	"geusemaker/internal/clock"
)

// watchdog enforces a timeout and a heartbeat interval (either may be 0 for
// none) on the clock, for a task or a whole execution.
type watchdog struct {
	clock              clock.Clock
	what               string
	timeout, heartbeat time.Duration
	start              time.Time

	mu       sync.Mutex
	lastBeat time.Time
}

func newWatchdog(c clock.Clock, what string, timeout, heartbeat time.Duration) *watchdog {
	now := c.Now()
	return &watchdog{clock: c, what: what, timeout: timeout, heartbeat: heartbeat, start: now, lastBeat: now}
}

// beat records a heartbeat.
func (w *watchdog) beat() {
	now := w.clock.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastBeat = now
}

// due returns the next deadline and the error to raise if it passes.
func (w *watchdog) due() (time.Time, *Error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	at, err := time.Time{}, (*Error)(nil)
	if w.timeout > 0 {
		at = w.start.Add(w.timeout)
		err = &Error{Name: asl.StatesTimeout, Cause: fmt.Sprintf("the %s ran longer than %s", w.what, w.timeout)}
	}
	if hb := w.lastBeat.Add(w.heartbeat); w.heartbeat > 0 && (at.IsZero() || hb.Before(at)) {
		at = hb
		err = &Error{Name: asl.StatesTimeout, Cause: fmt.Sprintf("the %s sent no heartbeat for %s", w.what, w.heartbeat)}
	}
	return at, err
}

// run calls fn and, if a deadline passes first, cancels fn's context and
// returns the timeout error (then fn's own result does not count). Both
// run under clock.Parallel so that on a virtual clock fn may sleep while the
// watchdog waits.
//
// Each side, when it ends, cancels the other and waits for it to return:
// on a virtual clock a goroutine cancelled in its Sleep is not counted as
// working until it notices, so returning at once would let time jump to
// its wake-up in between.
func (w *watchdog) run(ctx context.Context, fn func(context.Context)) *Error {
	if w.timeout <= 0 && w.heartbeat <= 0 {
		fn(ctx)
		return nil
	}
	fctx, cancelFn := context.WithCancelCause(ctx)
	defer cancelFn(nil)
	wctx, stopWatching := context.WithCancel(ctx)
	fnDone, watchDone := make(chan struct{}), make(chan struct{})
	var expired *Error
	clock.Parallel(w.clock,
		func() {
			fn(fctx)
			close(fnDone)
			stopWatching()
			<-watchDone
		},
		func() {
			defer close(watchDone)
			for {
				at, err := w.due()
				now := w.clock.Now()
				if !now.Before(at) {
					expired = err
					cancelFn(err)
					<-fnDone
					return
				}
				if w.clock.Sleep(wctx, at.Sub(now)) != nil {
					return
				}
			}
		})
	return expired
}
