package efs

import "time"

// Latency names, overridable with account.WithLatency or Account.SetLatency.
const (
	// LatencyCreate is how long a file system stays "creating".
	LatencyCreate = "efs.create"
	// LatencyMountTarget is how long a mount target stays "creating".
	LatencyMountTarget = "efs.mount_target"
	// LatencyMountTargetDelete is how long a mount target stays "deleting".
	LatencyMountTargetDelete = "efs.mount_target_delete"
	// LatencyDelete is how long a file system stays "deleting".
	LatencyDelete = "efs.delete"
)

// Default latencies, from public measurements (see the design's simulated AWS).
const (
	defaultCreate            = 20 * time.Second // file system available ≈ 20 s
	defaultMountTarget       = 90 * time.Second // mount target available ≈ 90 s
	defaultMountTargetDelete = 60 * time.Second // mount target gone ≈ 60 s
	defaultDelete            = 5 * time.Second  // an empty file system is gone in seconds
)

// Defaults returns every latency of the simulated EFS by name, with its
// default (for benchmarks that compute critical paths from them).
func Defaults() map[string]time.Duration {
	return map[string]time.Duration{
		LatencyCreate: defaultCreate, LatencyMountTarget: defaultMountTarget,
		LatencyMountTargetDelete: defaultMountTargetDelete, LatencyDelete: defaultDelete,
	}
}
