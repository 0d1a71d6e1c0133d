package engine

import (
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// EventType names a history event.
type EventType string

// History event types.
const (
	EventExecutionStarted   EventType = "ExecutionStarted"
	EventExecutionSucceeded EventType = "ExecutionSucceeded"
	EventExecutionFailed    EventType = "ExecutionFailed"
	EventExecutionTimedOut  EventType = "ExecutionTimedOut"
	EventExecutionAborted   EventType = "ExecutionAborted"
	EventStateEntered       EventType = "StateEntered"
	EventStateExited        EventType = "StateExited"
	EventStateFailed        EventType = "StateFailed"
	EventStateRetried       EventType = "StateRetryScheduled"
	EventStateCaught        EventType = "StateCaught"
	EventTaskScheduled      EventType = "TaskScheduled"
	EventTaskSucceeded      EventType = "TaskSucceeded"
	EventTaskFailed         EventType = "TaskFailed"
	EventParallelStarted    EventType = "ParallelStarted"
	EventParallelSucceeded  EventType = "ParallelSucceeded"
	EventParallelFailed     EventType = "ParallelFailed"
	EventMapStarted         EventType = "MapStarted"
	EventMapSucceeded       EventType = "MapSucceeded"
	EventMapFailed          EventType = "MapFailed"
	EventWaitStarted        EventType = "WaitStarted"
)

// Event is one entry of an execution's history.
type Event struct {
	ID   int
	Type EventType
	// Time is the clock's time when the event happened.
	Time time.Time
	// Branch locates the event: "" at the top level, "Fan[1]" in the second
	// branch of Parallel state Fan, "Items[3]" in the fourth iteration of
	// Map state Items, nested ones joined by "/".
	Branch string
	State  string
	// Input is set on StateEntered and Output on StateExited and
	// ExecutionSucceeded.
	Input  json.RawMessage `json:",omitempty"`
	Output json.RawMessage `json:",omitempty"`
	// Error and Cause are set on failures, retries and catches.
	Error string `json:",omitempty"`
	Cause string `json:",omitempty"`
	// Resource is set on Task events.
	Resource string `json:",omitempty"`
	// Attempt is the retrier's attempt number (from 1) and Delay the
	// backoff before it, on StateRetryScheduled; Delay is also the length of
	// a WaitStarted.
	Attempt int           `json:",omitempty"`
	Delay   time.Duration `json:",omitempty"`
	// Next is where a StateCaught goes.
	Next string `json:",omitempty"`
}

// history is an execution's event log; branches append concurrently.
type history struct {
	mu     sync.Mutex
	events []Event
}

func (h *history) add(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e.ID = len(h.events) + 1
	h.events = append(h.events, e)
}

func (h *history) snapshot() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.events...)
}

// with stamps a copy of e with a type and time.
func with(e Event, t EventType, at time.Time) Event {
	e.Type, e.Time = t, at
	return e
}

// failedEvent stamps a copy of e as a failure of err.
func failedEvent(e Event, t EventType, at time.Time, err error) Event {
	e = with(e, t, at)
	if f, ok := errors.AsType[*Error](err); ok {
		e.Error, e.Cause = f.Name, f.Cause
	}
	return e
}
