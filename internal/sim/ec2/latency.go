package ec2

import "time"

// Lifecycle latencies, overridable by name with account.WithLatency. The
// defaults come from public measurements (see docs: DESIGN "Default
// latencies").
const (
	// LatencyRun names pending→running of a CPU instance.
	LatencyRun = "ec2.run"
	// LatencyRunGPU names pending→running of a GPU instance: a Deep
	// Learning AMI is large and boots slowly.
	LatencyRunGPU = "ec2.run_gpu"
	// LatencyWorkload names running→workload answering on port 80: the
	// UserData pulls the docker images and starts the stack.
	LatencyWorkload = "ec2.workload"
	// LatencyStatusChecks names running→both status checks "ok".
	LatencyStatusChecks = "ec2.status_checks"
	// LatencyTerminate names shutting-down→terminated.
	LatencyTerminate = "ec2.terminate"
	// WindowInstanceVisible and WindowGroupVisible name how long a new
	// instance or security group stays unknown to the calls that name it
	// (InvalidInstanceID.NotFound, InvalidGroup.NotFound) and unlisted: a
	// account.Window drawn in [1 s, windowVisibleMax] ("Eventual consistency
	// in the Amazon EC2 API", EC2 developer guide, which also warns that a
	// TerminateInstances answering NotFound does not mean the instance is
	// gone). AWS gives no figure; seconds is what users report.
	WindowInstanceVisible = "ec2.instance_visible"
	WindowGroupVisible    = "ec2.group_visible"
	windowVisibleMin      = time.Second
	windowVisibleMax      = 5 * time.Second

	defaultRun          = 20 * time.Second
	defaultRunGPU       = 60 * time.Second
	defaultWorkload     = 240 * time.Second
	defaultStatusChecks = 120 * time.Second
	defaultTerminate    = 60 * time.Second

	// terminatedVisible is how long DescribeInstances still lists a
	// terminated instance (AWS: about an hour).
	terminatedVisible = time.Hour
)

// latency reads a lifecycle latency, honouring the account's overrides.
func (r *region) latency(name string, def time.Duration) time.Duration {
	return r.m.w.Latency(name, def)
}

// Defaults returns every latency of the simulated EC2 by name, with its
// default (for benchmarks that compute critical paths from them).
func Defaults() map[string]time.Duration {
	return map[string]time.Duration{
		LatencyRun: defaultRun, LatencyRunGPU: defaultRunGPU, LatencyWorkload: defaultWorkload,
		LatencyStatusChecks: defaultStatusChecks, LatencyTerminate: defaultTerminate,
		WindowInstanceVisible: windowVisibleMax, WindowGroupVisible: windowVisibleMax,
	}
}
