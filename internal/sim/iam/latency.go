package iam

import "time"

// LatencyProfilePropagation names how long after a role is added to an
// instance profile EC2 can use the profile (overridable with
// account.WithLatency or Account.SetLatency).
const LatencyProfilePropagation = "iam.profile_propagation"

// defaultProfilePropagation: IAM is eventually consistent; RunInstances
// with a fresh profile fails with InvalidParameterValue for ~10 s (the
// original tool waited 10 s and retried launches on this error).
const defaultProfilePropagation = 10 * time.Second

// Defaults returns every latency of the simulated IAM by name, with its
// default (for benchmarks that compute critical paths from them).
func Defaults() map[string]time.Duration {
	return map[string]time.Duration{LatencyProfilePropagation: defaultProfilePropagation}
}
