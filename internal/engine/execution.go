package engine

import (
	"encoding/json"
	"time"
)

// Status is how an execution ended.
type Status string

// Execution statuses, as Step Functions names them.
const (
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
	StatusTimedOut  Status = "TIMED_OUT"
	StatusAborted   Status = "ABORTED"
)

// Execution is a finished execution.
type Execution struct {
	// ID is the execution ARN and Name its name.
	ID, Name string
	Status   Status
	Input    json.RawMessage
	// Output is set when Status is StatusSucceeded.
	Output json.RawMessage
	// Error and Cause say why a failed, timed-out or aborted execution ended.
	Error, Cause string
	// StartTime and StopTime are read on the engine's clock.
	StartTime, StopTime time.Time
	History             []Event
}

// Path lists the states entered at the top level, in order, one entry per
// visit.
func (x *Execution) Path() []string { return x.BranchPath("") }

// BranchPath lists the states entered in one branch or iteration (see
// Event.Branch), in order.
func (x *Execution) BranchPath(branch string) []string {
	var names []string
	for _, e := range x.History {
		if e.Type == EventStateEntered && e.Branch == branch {
			names = append(names, e.State)
		}
	}
	return names
}

// Transitions counts state transitions as Standard workflows bill them:
// every state entered, in every branch and iteration, plus every retry.
func (x *Execution) Transitions() int {
	n := 0
	for _, e := range x.History {
		if e.Type == EventStateEntered || e.Type == EventStateRetried {
			n++
		}
	}
	return n
}

// Count counts the events of type t.
func (x *Execution) Count(t EventType) int {
	n := 0
	for _, e := range x.History {
		if e.Type == t {
			n++
		}
	}
	return n
}
