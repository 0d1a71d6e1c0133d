// Package bench measures GeuseMaker's orchestration against AWS's own
// latencies: it runs the Deploy and Destroy workflows on the simulated AWS
// under several latency profiles and compares each run with the critical
// path of a resource dependency graph declared here, independently of the
// workflow's structure, from the same latency names and defaults the
// simulated services use. It also measures how promptly each poll loop
// notices a transition, counts state transitions, Lambda invocations and
// history events, bounds the history of the longest allowed waits, prices a
// deployment, times the local engine and sizes the Lambda packages.
//
// cmd/bench prints the results and writes BENCHMARKS.md (make bench).
//
// It may import every package of the project but the CDK ones.
package bench
