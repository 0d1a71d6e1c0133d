// Package engine is the local ASL interpreter: it runs a parsed
// asl.StateMachine with the production engine's semantics (JSONPath input
// and output processing, Retry with backoff, Catch, Parallel, Map, Choice,
// the context object, task and execution timeouts) and records a history of
// events with their times on a clock.Clock.
//
// Tasks go through the TaskRunner interface; the engine knows nothing about
// AWS or Lambda. On a *clock.Virtual, Wait states, retry backoff and
// timeouts cost no wall time, and Parallel branches and Map iterations
// share one timeline through clock.Parallel.
//
// It imports only the standard library, geusemaker/internal/clock and
// geusemaker/internal/asl (with asl/jsonpath).
package engine
