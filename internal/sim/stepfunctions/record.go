package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
	"geusemaker/statemachine/definition"
)

// Sim runs the executions started on the fake with the real workflows on
// the local engine against one simulated account, then replays each as the
// history Step Functions would have recorded.
type Sim struct {
	*localrun.Simulation
	// Step is how many events each look at a running execution reveals.
	Step int

	region string
	mu     sync.Mutex
	tasks  map[string][]task // execution ARN → its tasks, in completion order
	types  map[string]string // state name → state type
}

type task struct {
	call engine.TaskCall
	out  json.RawMessage
	err  error
}

// Simulate builds a simulated account in region (with opts: faults,
// latencies).
func Simulate(region string, opts ...account.Option) (*Sim, error) {
	s := &Sim{Step: 3, region: region, tasks: map[string][]task{}, types: stateTypes()}
	sim, err := localrun.Simulate(region, localrun.Config{OnTask: s.onTask}, opts...)
	if err != nil {
		return nil, err
	}
	s.Simulation = sim
	return s, nil
}

func (s *Sim) onTask(call engine.TaskCall, out json.RawMessage, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks[call.ExecutionID] = append(s.tasks[call.ExecutionID], task{call, out, err})
}

// Starter runs workflow wf for every execution started.
func (s *Sim) Starter(ctx context.Context, wf localrun.Workflow) Starter {
	return func(name string, input []byte) (*Script, error) {
		x, _, err := s.Run(ctx, wf, name, input)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.script(x, s.tasks[x.ID]), nil
	}
}

// script turns the engine's history into Step Functions' own: task events
// carry their parameters and results, a Lambda ARN resource is a
// LambdaFunction* event, states name their type.
func (s *Sim) script(x *engine.Execution, tasks []task) *Script {
	sc := &Script{Status: string(x.Status), Output: string(x.Output), Error: x.Error, Cause: x.Cause,
		Start: x.StartTime, Stop: x.StopTime, Step: s.Step}
	// A state runs one task at a time, so its tasks complete in the order
	// they were scheduled.
	pending := map[string][]task{}
	for _, t := range tasks {
		pending[t.call.State] = append(pending[t.call.State], t)
	}
	add := func(typ string, e engine.Event, d map[string]any) {
		sc.Events = append(sc.Events, Event{Type: typ, Time: e.Time, Details: d})
	}
	for _, e := range x.History {
		switch e.Type {
		case engine.EventStateEntered:
			add(s.types[e.State]+"StateEntered", e, map[string]any{"name": e.State, "input": string(e.Input)})
		case engine.EventStateExited:
			add(s.types[e.State]+"StateExited", e, map[string]any{"name": e.State, "output": string(e.Output)})
		case engine.EventTaskScheduled:
			q := pending[e.State]
			if len(q) == 0 {
				continue
			}
			t := q[0]
			pending[e.State] = q[1:]
			typ, resource, lambda := resourceOf(t.call.Resource)
			if lambda {
				add("LambdaFunctionScheduled", e, map[string]any{"resource": t.call.Resource, "input": string(t.call.Input)})
			} else {
				add("TaskScheduled", e, map[string]any{"resourceType": typ, "resource": resource, "region": s.region, "parameters": string(t.call.Input)})
			}
			s.taskEnd(sc, e, t, typ, resource, lambda)
		case engine.EventExecutionSucceeded:
			add("ExecutionSucceeded", e, map[string]any{"output": string(x.Output)})
		case engine.EventExecutionFailed, engine.EventExecutionTimedOut, engine.EventExecutionAborted:
			add(string(e.Type), e, map[string]any{"error": x.Error, "cause": x.Cause})
		}
	}
	return sc
}

// taskEnd appends the end of one task: its result or its error.
func (s *Sim) taskEnd(sc *Script, e engine.Event, t task, typ, resource string, lambda bool) {
	end := Event{Time: e.Time}
	switch {
	case t.err != nil:
		var ee *engine.Error
		name, cause := "States.TaskFailed", t.err.Error()
		if errors.As(t.err, &ee) {
			name, cause = ee.Name, ee.Cause
		}
		end.Type, end.Details = "TaskFailed", map[string]any{"resourceType": typ, "resource": resource, "error": name, "cause": cause}
		if lambda {
			end.Type, end.Details = "LambdaFunctionFailed", map[string]any{"error": name, "cause": cause}
		}
	case lambda:
		end.Type, end.Details = "LambdaFunctionSucceeded", map[string]any{"output": string(t.out)}
	default:
		end.Type, end.Details = "TaskSucceeded", map[string]any{"resourceType": typ, "resource": resource, "output": string(t.out)}
	}
	sc.Events = append(sc.Events, end)
}

// resourceOf splits an integration ARN (arn:aws:states:::events:putEvents)
// into the resource type and resource history events carry; a Lambda
// function ARN is a legacy Lambda task.
func resourceOf(arn string) (typ, resource string, lambda bool) {
	if strings.HasPrefix(arn, "arn:aws:lambda:") {
		return "lambda", arn, true
	}
	rest := strings.TrimPrefix(arn, "arn:aws:states:::")
	typ, resource, _ = strings.Cut(rest, ":")
	return typ, resource, false
}

// stateTypes maps every state name of the committed definitions to its
// type; a name means one kind of state across the workflows.
func stateTypes() map[string]string {
	out := map[string]string{}
	var walk func(states map[string]json.RawMessage)
	walk = func(states map[string]json.RawMessage) {
		for name, raw := range states {
			var st struct {
				Type     string
				Branches []struct{ States map[string]json.RawMessage }
			}
			_ = json.Unmarshal(raw, &st)
			out[name] = st.Type
			for _, b := range st.Branches {
				walk(b.States)
			}
		}
	}
	for _, def := range definition.All() {
		var d struct{ States map[string]json.RawMessage }
		_ = json.Unmarshal(def, &d)
		walk(d.States)
	}
	return out
}
