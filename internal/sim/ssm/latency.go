package ssm

import "time"

// Latency names and defaults; override them with account.WithLatency.
const (
	// LatencyAgent is how long after an instance is running its SSM agent
	// registers with Systems Manager; until then SendCommand answers
	// InvalidInstanceId. Observed: 30–90 s on Amazon Linux 2023 and the
	// Deep Learning AMIs.
	LatencyAgent = "ssm.agent"
	// LatencyInvocationVisible is how long after SendCommand returns its
	// invocation stays invisible to GetCommandInvocation
	// (InvocationDoesNotExist): the command is fanned out asynchronously.
	LatencyInvocationVisible = "ssm.invocation_visible"
	// LatencyCommand is how long a shell command takes from SendCommand to
	// a final status.
	LatencyCommand = "ssm.command"

	defaultAgent             = 60 * time.Second
	defaultInvocationVisible = 2 * time.Second
	defaultCommand           = 5 * time.Second
)

// Defaults returns every latency of the simulated Systems Manager by name,
// with its default (for benchmarks that compute critical paths from them).
func Defaults() map[string]time.Duration {
	return map[string]time.Duration{
		LatencyAgent: defaultAgent, LatencyInvocationVisible: defaultInvocationVisible, LatencyCommand: defaultCommand,
	}
}
