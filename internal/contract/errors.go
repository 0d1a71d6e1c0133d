package contract

// ASL error names the state machines retry: they mean "not yet", not
// "failed".
const (
	// Throttled is AWS throttling that outlived the SDK's own retries.
	Throttled = "Throttled"
	// ResourceBusy is a delete or change blocked by something that goes
	// away by itself (ENIs draining, a listener being removed).
	ResourceBusy = "ResourceBusy"
	// InstanceProfileNotReady is a fresh IAM instance profile EC2 cannot
	// use yet (IAM is eventually consistent).
	InstanceProfileNotReady = "InstanceProfileNotReady"
)

// Retryable lists the names the state machine's Retry blocks take.
func Retryable() []string { return []string{Throttled, ResourceBusy, InstanceProfileNotReady} }

// ASL error names that end a deployment (and start its rollback).
const (
	ValidationError      = "ValidationError"
	PreflightFailed      = "PreflightFailed"
	NetworkFailed        = "NetworkFailed"
	SecurityGroupFailed  = "SecurityGroupFailed"
	StorageFailed        = "StorageFailed"
	IdentityFailed       = "IdentityFailed"
	SecretFailed         = "SecretFailed"
	InstanceLaunchFailed = "InstanceLaunchFailed"
	// InstanceTerminateFailed is a rollback's or destroy's terminate that
	// AWS refused: the instance may still run.
	InstanceTerminateFailed = "InstanceTerminateFailed"
	InsufficientCapacity    = "InsufficientCapacity"
	GpuCheckFailed          = "GpuCheckFailed"
	LoadBalancerFailed      = "LoadBalancerFailed"
	TargetUnhealthy         = "TargetUnhealthy"
	CloudFrontCreateFailed  = "CloudFrontCreateFailed"
	CloudFrontDeleteFailed  = "CloudFrontDeleteFailed"
	// Timeout is a wait past its deadline.
	Timeout         = "Timeout"
	SmokeTestFailed = "SmokeTestFailed"
	InternalError   = "InternalError"
)

// DestroyIncomplete is the error a Destroy execution fails with when
// something could not be deleted; its cause is the per-resource report.
const DestroyIncomplete = "DestroyIncomplete"
