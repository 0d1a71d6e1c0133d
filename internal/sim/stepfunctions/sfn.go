package stepfunctions

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Event is one history event as Step Functions returns it. Details are the
// event's details object, rendered under the key Step Functions uses for
// Type (e.g. taskScheduledEventDetails).
type Event struct {
	Type    string
	Time    time.Time
	Details map[string]any
}

// Script is what an execution does once started.
type Script struct {
	// Events are its history after ExecutionStarted, up to and including
	// the event that ends it.
	Events []Event
	// Status, Output, Error and Cause are how it ends.
	Status, Output, Error, Cause string
	// Stop is when it ends; Start when it started.
	Start, Stop time.Time
	// Step is how many events each DescribeExecution of the running
	// execution reveals; 0 reveals them all at once (a finished execution).
	Step int
}

// Starter decides what an execution started with name and input does.
type Starter func(name string, input []byte) (*Script, error)

type execution struct {
	arn, machine, name, input string
	script                    *Script
	revealed                  int // events of the script visible so far
}

func (x *execution) running() bool { return x.revealed < len(x.script.Events) }

func (x *execution) status() string {
	if x.running() {
		return "RUNNING"
	}
	return x.script.Status
}

// AddStateMachine creates a state machine whose executions start.
func (s *Server) AddStateMachine(arn string, start Starter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.machines[arn] = start
}

// ExecutionARN is the ARN of the execution name of the state machine arn.
func ExecutionARN(machineARN, name string) string {
	return strings.Replace(machineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

// executionName is what Step Functions accepts as a name: 1-80 characters,
// none of whitespace, brackets, wildcards, `"#%\^|~`$&,;:/` or controls.
var executionName = regexp.MustCompile("^[^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\x00-\\x1f\\x7f]{1,80}$")

func (s *Server) sfn(op string, in map[string]any) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	str := func(k string) string { v, _ := in[k].(string); return v }
	switch op {
	case "StartExecution":
		return s.start(str("stateMachineArn"), str("name"), str("input"))
	case "DescribeExecution":
		x, err := s.execution(str("executionArn"))
		if err != nil {
			return nil, err
		}
		if x.running() {
			// A running execution moves on between two looks at it.
			x.revealed = min(len(x.script.Events), x.revealed+max(x.script.Step, 1))
		}
		return s.describe(x), nil
	case "ListExecutions":
		return s.list(str("stateMachineArn"), str("statusFilter"), intField(in, "maxResults", 100), str("nextToken"))
	case "GetExecutionHistory":
		x, err := s.execution(str("executionArn"))
		if err != nil {
			return nil, err
		}
		reverse, _ := in["reverseOrder"].(bool)
		return history(x, reverse, intField(in, "maxResults", 100), str("nextToken"))
	}
	return nil, &apiError{"UnknownOperationException", "the fake does not serve " + op}
}

func intField(in map[string]any, k string, def int) int {
	if v, ok := in[k].(float64); ok && v > 0 {
		return int(v)
	}
	return def
}

func (s *Server) start(machine, name, input string) (any, error) {
	starter, ok := s.machines[machine]
	if !ok {
		return nil, &apiError{"StateMachineDoesNotExist", "State Machine Does Not Exist: '" + machine + "'"}
	}
	if !executionName.MatchString(name) {
		return nil, &apiError{"InvalidName", "Invalid Name: '" + name + "'"}
	}
	arn := ExecutionARN(machine, name)
	if x, ok := s.execs[arn]; ok {
		// Standard workflows: the same name and input as a running
		// execution returns it (idempotent); a finished one, or other
		// input, is ExecutionAlreadyExists, for 90 days after it closed.
		if x.running() && x.input == input {
			return map[string]any{"executionArn": arn, "startDate": epoch(x.script.Start)}, nil
		}
		return nil, &apiError{"ExecutionAlreadyExists", "Execution Already Exists: '" + arn + "'"}
	}
	sc, err := starter(name, []byte(input))
	if err != nil {
		return nil, err
	}
	s.execs[arn] = &execution{arn: arn, machine: machine, name: name, input: input, script: sc}
	s.order = append(s.order, arn)
	return map[string]any{"executionArn": arn, "startDate": epoch(sc.Start)}, nil
}

// AddExecution records an execution that exists already (started by
// someone else), revealed up to revealed events.
func (s *Server) AddExecution(machine, name, input string, sc *Script, revealed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := ExecutionARN(machine, name)
	s.execs[arn] = &execution{arn: arn, machine: machine, name: name, input: input, script: sc, revealed: revealed}
	s.order = append(s.order, arn)
}

func (s *Server) execution(arn string) (*execution, error) {
	x, ok := s.execs[arn]
	if !ok {
		return nil, &apiError{"ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'"}
	}
	return x, nil
}

func (s *Server) describe(x *execution) map[string]any {
	out := map[string]any{
		"executionArn": x.arn, "stateMachineArn": x.machine, "name": x.name,
		"status": x.status(), "startDate": epoch(x.script.Start), "input": x.input,
	}
	if !x.running() {
		out["stopDate"] = epoch(x.script.Stop)
		for k, v := range map[string]string{"output": x.script.Output, "error": x.script.Error, "cause": x.script.Cause} {
			if v != "" {
				out[k] = v
			}
		}
	}
	return out
}

// list answers ListExecutions: newest first, as Step Functions lists them.
func (s *Server) list(machine, status string, max int, token string) (any, error) {
	if _, ok := s.machines[machine]; !ok {
		return nil, &apiError{"StateMachineDoesNotExist", "State Machine Does Not Exist: '" + machine + "'"}
	}
	var items []map[string]any
	for i := len(s.order) - 1; i >= 0; i-- {
		x := s.execs[s.order[i]]
		if x.machine != machine || (status != "" && x.status() != status) {
			continue
		}
		item := s.describe(x)
		delete(item, "input")
		delete(item, "output")
		items = append(items, item)
	}
	page, next, err := paginate(items, max, token)
	if err != nil {
		return nil, err
	}
	return map[string]any{"executions": page, "nextToken": next}, nil
}

// history answers GetExecutionHistory over the events revealed so far.
func history(x *execution, reverse bool, max int, token string) (any, error) {
	events := []map[string]any{render(1, 0, Event{Type: "ExecutionStarted", Time: x.script.Start,
		Details: map[string]any{"input": x.input, "roleArn": "arn:aws:iam::123456789012:role/fake"}})}
	for i, e := range x.script.Events[:x.revealed] {
		events = append(events, render(i+2, i+1, e))
	}
	if reverse {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	page, next, err := paginate(events, max, token)
	if err != nil {
		return nil, err
	}
	return map[string]any{"events": page, "nextToken": next}, nil
}

// paginate cuts items into pages of max; the token is the next offset.
// Step Functions' tokens are opaque and expire after 24 hours.
func paginate(items []map[string]any, max int, token string) ([]map[string]any, any, error) {
	from := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, nil, &apiError{"InvalidToken", "Invalid Token: '" + token + "'"}
		}
		from = n
	}
	to := min(from+max, len(items))
	if to < len(items) {
		return items[from:to], strconv.Itoa(to), nil
	}
	return items[from:to], nil, nil
}

func render(id, prev int, e Event) map[string]any {
	out := map[string]any{"id": id, "previousEventId": prev, "type": e.Type, "timestamp": epoch(e.Time)}
	if e.Details != nil {
		out[detailsKey(e.Type)] = e.Details
	}
	return out
}

// detailsKey is the field holding an event type's details: state events
// share stateEnteredEventDetails and stateExitedEventDetails, every other
// type has its own.
func detailsKey(typ string) string {
	switch {
	case strings.HasSuffix(typ, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(typ, "StateExited"):
		return "stateExitedEventDetails"
	}
	r := []rune(typ)
	r[0] = unicode.ToLower(r[0])
	return string(r) + "EventDetails"
}

// epoch renders a time as awsJson does: seconds since the epoch.
func epoch(t time.Time) json.Number {
	return json.Number(fmt.Sprintf("%.3f", float64(t.UnixMilli())/1000))
}
