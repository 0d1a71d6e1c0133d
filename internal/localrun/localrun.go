// Package localrun runs GeuseMaker's committed state machine definitions on
// the local ASL engine, with each Lambda task dispatched in-process to the
// same step handlers the Lambdas run, against the simulated AWS on a virtual
// clock (or against real AWS through the standard config chain).
//
// It may import every package of the project but the CDK ones.
package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"geusemaker/internal/asl"
	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/sim/account"
)

// Workflow names a committed state machine definition.
type Workflow string

// The workflows.
const (
	Deploy  Workflow = "deploy"
	Destroy Workflow = "destroy"
	Watch   Workflow = "watch"
)

// Event is a progress event as published to EventBridge.
type Event struct {
	Time       time.Time       `json:"time"`
	Source     string          `json:"source"`
	DetailType string          `json:"detail_type"`
	Detail     json.RawMessage `json:"detail"`
}

// Config is what a Runner needs.
type Config struct {
	// AWS is the SDK config every step client is built from: the simulated
	// account's (account.Config) or the standard chain's (awsapi.Load).
	AWS aws.Config
	// Clock is the clock of the engine and the steps; for the simulated AWS
	// it must be the account's clock.
	Clock clock.Clock
	// Definitions are the ASL documents by workflow name, with ${Name}
	// placeholders (definition.All()).
	Definitions map[string][]byte
	// Steps builds each Lambda's actions by Lambda name.
	Steps map[string]lambdaio.Builder
	// Log receives the steps' logs (default: discarded).
	Log *slog.Logger
	// OnEvent, if set, sees every event the workflows publish, as they are
	// published.
	OnEvent func(Event)
	// OnTask, if set, sees every task's call and its result or error, as
	// the engine gets them (tests script another engine with them).
	OnTask func(call engine.TaskCall, out json.RawMessage, err error)
	// AtLeastOnce delivers every Lambda task twice and keeps the second
	// result, as Lambda's at-least-once delivery may: proof that steps are
	// idempotent.
	AtLeastOnce bool
}

// Runner runs workflows.
type Runner struct {
	cfg      Config
	events   *eventbridge.Client
	handlers map[string]lambda.Handler
	engines  map[Workflow]*engine.Engine

	mu       sync.Mutex
	children sync.WaitGroup
	started  []*engine.Execution
	log      []Event
}

// Account and resource names the placeholders resolve to locally.
const (
	localAccount = "123456789012"
	busName      = contract.EventBusName
	namePrefix   = "geusemaker-"
)

// New prepares a Runner: it parses every definition once.
func New(cfg Config) (*Runner, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r := &Runner{
		cfg:      cfg,
		events:   eventbridge.NewFromConfig(cfg.AWS),
		handlers: map[string]lambda.Handler{},
		engines:  map[Workflow]*engine.Engine{},
	}
	for name, build := range cfg.Steps {
		r.handlers[namePrefix+name] = lambda.NewHandler(lambdaio.Handler(name, build(cfg.AWS, cfg.Clock, cfg.Log), cfg.Log))
	}
	for wf, def := range cfg.Definitions {
		sm, err := asl.Parse(r.substitute(def))
		if err != nil {
			return nil, fmt.Errorf("parse %s definition: %w", wf, err)
		}
		r.engines[Workflow(wf)] = engine.New(sm,
			engine.WithClock(cfg.Clock),
			engine.WithTaskRunner(engine.TaskRunnerFunc(r.runTask)),
			engine.WithStateMachineArn(r.stateMachineARN(wf)))
	}
	return r, nil
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9]+)\}`)

// substitute resolves the definitions' placeholders: ${XFunctionArn} to
// the Lambda named x, ${XStateMachineArn} to the workflow x, ${EventBusName}
// to the bus.
func (r *Runner) substitute(def []byte) []byte {
	return placeholder.ReplaceAllFunc(def, func(m []byte) []byte {
		name := string(placeholder.FindSubmatch(m)[1])
		if fn, ok := contract.LambdaOf(name); ok {
			return []byte(fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s%s", r.cfg.AWS.Region, localAccount, namePrefix, fn))
		}
		if wf, ok := contract.StateMachineOf(name); ok {
			return []byte(r.stateMachineARN(wf))
		}
		if name == contract.EventBusPlaceholder {
			return []byte(busName)
		}
		return m
	})
}

func (r *Runner) stateMachineARN(workflow string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s%s", r.cfg.AWS.Region, localAccount, namePrefix, workflow)
}

// Run executes one workflow to its end, then waits for the executions it
// started (the CloudFront watcher) to end too. The returned executions are
// the ones it started, in order.
func (r *Runner) Run(ctx context.Context, wf Workflow, name string, input []byte) (*engine.Execution, []*engine.Execution, error) {
	eng, ok := r.engines[wf]
	if !ok {
		return nil, nil, fmt.Errorf("no %s definition", wf)
	}
	x, err := eng.Run(ctx, name, input)
	if err != nil {
		return nil, nil, err
	}
	clock.Idle(r.cfg.Clock, r.children.Wait)
	r.mu.Lock()
	defer r.mu.Unlock()
	return x, append([]*engine.Execution(nil), r.started...), nil
}

// Events returns the events published so far.
func (r *Runner) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.log...)
}

// Service integrations the definitions use.
const (
	resourceLambdaInvoke   = "arn:aws:states:::lambda:invoke"
	resourcePutEvents      = "arn:aws:states:::events:putEvents"
	resourceStartExecution = "arn:aws:states:::states:startExecution"
)

func (r *Runner) runTask(ctx context.Context, call engine.TaskCall) (json.RawMessage, error) {
	out, err := r.dispatch(ctx, call)
	if r.cfg.OnTask != nil {
		r.cfg.OnTask(call, out, err)
	}
	return out, err
}

func (r *Runner) dispatch(ctx context.Context, call engine.TaskCall) (json.RawMessage, error) {
	switch {
	case call.Resource == resourceLambdaInvoke:
		var p struct {
			FunctionName string
			Payload      json.RawMessage
		}
		if err := json.Unmarshal(call.Input, &p); err != nil {
			return nil, fmt.Errorf("lambda:invoke parameters: %w", err)
		}
		out, err := r.invoke(ctx, p.FunctionName, p.Payload)
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]any{"ExecutedVersion": "$LATEST", "Payload": out, "StatusCode": 200})
	case strings.HasPrefix(call.Resource, "arn:aws:lambda:"):
		return r.invoke(ctx, call.Resource, call.Input)
	case call.Resource == resourcePutEvents:
		return r.putEvents(ctx, call.Input)
	case call.Resource == resourceStartExecution:
		return r.startExecution(ctx, call.Input)
	}
	return nil, &engine.Error{Name: "States.Runtime", Cause: "the local engine does not run resource " + call.Resource}
}

// invoke calls a step handler as Lambda would, and reports its error as
// Step Functions does: the error type as the name, the Lambda error object
// as the cause.
func (r *Runner) invoke(ctx context.Context, function string, payload []byte) (json.RawMessage, error) {
	name := function[strings.LastIndex(function, ":")+1:]
	h, ok := r.handlers[name]
	if !ok {
		return nil, &engine.Error{Name: "Lambda.ResourceNotFoundException", Cause: "Function not found: " + function}
	}
	// The step's AWS calls are made as its Lambda's role.
	ctx = account.WithPrincipal(ctx, strings.TrimPrefix(name, namePrefix))
	out, err := invokeOnce(ctx, h, payload)
	if r.cfg.AtLeastOnce {
		out, err = invokeOnce(ctx, h, payload)
	}
	if err == nil {
		// aws-lambda-go returns its pooled buffer to the pool before Invoke
		// returns: the next invocation would overwrite these bytes.
		return bytes.Clone(out), nil
	}
	var ie messages.InvokeResponse_Error
	if !errors.As(err, &ie) {
		ie = messages.InvokeResponse_Error{Type: "errorString", Message: err.Error()}
	}
	cause, _ := json.Marshal(map[string]any{"errorType": ie.Type, "errorMessage": ie.Message, "trace": []string{}})
	return nil, &engine.Error{Name: ie.Type, Cause: string(cause)}
}

// invokeOnce calls h as the Lambda Go runtime does: a panic becomes a
// failed invocation whose error type is the panic value's type, not the end
// of the whole run.
func invokeOnce(ctx context.Context, h lambda.Handler, payload []byte) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			typ := reflect.TypeOf(v)
			if typ.Kind() == reflect.Pointer {
				typ = typ.Elem()
			}
			out, err = nil, messages.InvokeResponse_Error{Type: typ.Name(), Message: fmt.Sprint(v)}
		}
	}()
	return h.Invoke(ctx, payload)
}

// putEvents sends the task's entries to EventBridge (simulated or real),
// with Detail serialized as Step Functions does.
func (r *Runner) putEvents(ctx context.Context, input json.RawMessage) (json.RawMessage, error) {
	var p struct {
		Entries []struct {
			Detail       json.RawMessage
			DetailType   string
			EventBusName string
			Source       string
			Resources    []string
		}
	}
	if err := json.Unmarshal(input, &p); err != nil {
		return nil, fmt.Errorf("events:putEvents parameters: %w", err)
	}
	entries := make([]ebtypes.PutEventsRequestEntry, len(p.Entries))
	now := r.cfg.Clock.Now()
	for i, e := range p.Entries {
		entries[i] = ebtypes.PutEventsRequestEntry{
			Detail: aws.String(string(e.Detail)), DetailType: aws.String(e.DetailType),
			EventBusName: aws.String(e.EventBusName), Source: aws.String(e.Source), Resources: e.Resources,
		}
		ev := Event{Time: now, Source: e.Source, DetailType: e.DetailType, Detail: e.Detail}
		r.mu.Lock()
		r.log = append(r.log, ev)
		r.mu.Unlock()
		if r.cfg.OnEvent != nil {
			r.cfg.OnEvent(ev)
		}
	}
	out, err := r.events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		return nil, &engine.Error{Name: "EventBridge.EventBridgeException", Cause: err.Error()}
	}
	return json.Marshal(map[string]any{"Entries": out.Entries, "FailedEntryCount": out.FailedEntryCount})
}

// startExecution starts another workflow (fire and forget), running on the
// same clock beside the caller.
func (r *Runner) startExecution(ctx context.Context, input json.RawMessage) (json.RawMessage, error) {
	var p struct {
		StateMachineArn string
		Name            string
		Input           json.RawMessage
	}
	if err := json.Unmarshal(input, &p); err != nil {
		return nil, fmt.Errorf("states:startExecution parameters: %w", err)
	}
	wf := Workflow(strings.TrimPrefix(p.StateMachineArn[strings.LastIndex(p.StateMachineArn, ":")+1:], namePrefix))
	eng, ok := r.engines[wf]
	if !ok {
		return nil, &engine.Error{Name: "StepFunctions.StateMachineDoesNotExistException", Cause: "State Machine Does Not Exist: " + p.StateMachineArn}
	}
	execIn := p.Input
	// Step Functions accepts Input as a JSON string or, from a task, an object.
	var s string
	if json.Unmarshal(p.Input, &s) == nil {
		execIn = json.RawMessage(s)
	}
	started := r.cfg.Clock.Now()
	r.children.Add(1)
	clock.Go(r.cfg.Clock, func() {
		defer r.children.Done()
		x, err := eng.Run(context.WithoutCancel(ctx), p.Name, execIn)
		if err != nil {
			r.cfg.Log.Error("watcher did not start", "error", err)
			return
		}
		r.mu.Lock()
		r.started = append(r.started, x)
		r.mu.Unlock()
	})
	arn := strings.Replace(p.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + p.Name
	return json.Marshal(map[string]any{"ExecutionArn": arn, "StartDate": document.Timestamp(started)})
}
