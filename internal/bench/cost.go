package bench

import "time"

// Pricing is what AWS charges for the parts of an orchestration
// (us-east-1, 2026 list prices).
type Pricing struct {
	// Transition is a Standard workflow state transition: $0.025 per 1,000.
	Transition float64
	// GBSecond is Lambda compute on arm64: $0.0000133334 per GB-second.
	GBSecond float64
	// Request is a Lambda invocation: $0.20 per million.
	Request float64
	// Event is a custom event published to EventBridge: $1 per million.
	Event float64
}

// Prices are the list prices the benchmark uses.
var Prices = Pricing{Transition: 0.025 / 1000, GBSecond: 0.0000133334, Request: 0.20 / 1e6, Event: 1.0 / 1e6}

// LambdaMemoryMB is the step Lambdas' memory (infra/stack's
// lambdaMemoryMB; a test keeps the two equal).
const LambdaMemoryMB = 256

// InvocationDuration is the assumed billed duration of one step
// invocation: a few AWS API calls of 20–100 ms each, plus a share of the
// ~40 ms Go cold starts on provided.al2023 arm64.
const InvocationDuration = 200 * time.Millisecond

// Usage is what one deployment consumes.
type Usage struct {
	Transitions, Invocations, Events int
}

// Cost is usage priced at p with memoryMB Lambdas billed perInvocation each.
func (p Pricing) Cost(u Usage, memoryMB int, perInvocation time.Duration) float64 {
	gbSeconds := float64(u.Invocations) * perInvocation.Seconds() * float64(memoryMB) / 1024
	return float64(u.Transitions)*p.Transition + gbSeconds*p.GBSecond + float64(u.Invocations)*p.Request + float64(u.Events)*p.Event
}
