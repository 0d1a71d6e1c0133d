package engine

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"geusemaker/internal/clock"
)

// TaskCall is one invocation of a Task state.
type TaskCall struct {
	// State is the Task state's name.
	State string
	// Resource is the state's Resource ARN as written, e.g.
	// "arn:aws:states:::lambda:invoke" or a Lambda function ARN.
	Resource string
	// Input is the effective input, after InputPath and Parameters.
	Input json.RawMessage
	// ExecutionID is the execution's ARN ($$.Execution.Id).
	ExecutionID string
	// RetryCount is how many times the state has been retried so far.
	RetryCount int
	// Heartbeat resets the HeartbeatSeconds timer. It is safe to call from
	// any goroutine, and harmless when the state has no heartbeat.
	Heartbeat func()
}

// TaskRunner runs the work of Task states. To fail a task with a named
// error, return an *Error; any other error fails it as States.TaskFailed.
// RunTask must return promptly once ctx is done: that is how timeouts and
// aborts reach it.
type TaskRunner interface {
	RunTask(ctx context.Context, call TaskCall) (json.RawMessage, error)
}

// TaskRunnerFunc adapts a function to TaskRunner.
type TaskRunnerFunc func(ctx context.Context, call TaskCall) (json.RawMessage, error)

// RunTask calls f.
func (f TaskRunnerFunc) RunTask(ctx context.Context, call TaskCall) (json.RawMessage, error) {
	return f(ctx, call)
}

// noTaskRunner fails every task: an engine built without WithTaskRunner.
var noTaskRunner = TaskRunnerFunc(func(context.Context, TaskCall) (json.RawMessage, error) {
	return nil, errors.New("no task runner configured")
})

// Option configures an Engine.
type Option func(*options)

type options struct {
	clock           clock.Clock
	runner          TaskRunner
	random          rand.Source
	waitOverride    func(state string, d time.Duration) time.Duration
	stateMachineArn string
	roleArn         string
}

// defaultStateMachineArn names the machine in the context object when no
// WithStateMachineArn is given.
const defaultStateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:LocalStateMachine"

// WithClock sets the clock that Wait states, retry backoff, timeouts and
// history times use. The default is the wall clock.
func WithClock(c clock.Clock) Option { return func(o *options) { o.clock = c } }

// WithTaskRunner sets what runs Task states.
func WithTaskRunner(r TaskRunner) Option { return func(o *options) { o.runner = r } }

// WithRandom sets the random source behind retry jitter, States.MathRandom,
// States.UUID and generated execution names, making them deterministic.
// The engine serializes its use of src.
func WithRandom(src rand.Source) Option {
	return func(o *options) { o.random = &lockedSource{src: src} }
}

// WithWaitOverride lets f replace the duration of each Wait state (given
// the state's name and the duration its definition asks for).
func WithWaitOverride(f func(state string, d time.Duration) time.Duration) Option {
	return func(o *options) { o.waitOverride = f }
}

// WithStateMachineArn sets $$.StateMachine.Id; its last ':' field is the
// name, and execution ARNs are derived from it.
func WithStateMachineArn(arn string) Option { return func(o *options) { o.stateMachineArn = arn } }

// WithRoleArn sets $$.Execution.RoleArn.
func WithRoleArn(arn string) Option { return func(o *options) { o.roleArn = arn } }

// lockedSource lets concurrent branches share one rand.Source.
type lockedSource struct {
	mu  sync.Mutex
	src rand.Source
}

func (s *lockedSource) Uint64() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src.Uint64()
}
