package statemachine

import "unicode"

// The step Lambdas, one per resource family. Each name is also the
// directory of its bootstrap under the assets dir and of its main package
// under lambdas/.
const (
	Validate     = "validate"
	Preflight    = "preflight"
	Network      = "network"
	Firewall     = "firewall"
	Storage      = "storage"
	Secrets      = "secrets"
	Identity     = "identity"
	Compute      = "compute"
	LoadBalancer = "loadbalancer"
	CDN          = "cdn"
	Smoke        = "smoke"
	Finalize     = "finalize"
)

// Lambdas returns the names of every step Lambda, in deployment order.
func Lambdas() []string {
	return []string{Validate, Preflight, Network, Firewall, Storage, Secrets, Identity, Compute, LoadBalancer, CDN, Smoke, Finalize}
}

// Placeholder names in the committed ASL, written there as ${Name}. The local
// engine substitutes them; the CDK stack never sees them.
const (
	// EventBusPlaceholder stands for the bus that receives progress events.
	EventBusPlaceholder = "EventBusName"
	// WatchPlaceholder stands for the ARN of the Watch state machine.
	WatchPlaceholder = "WatchStateMachineArn"
	// DeployPlaceholder stands for the ARN of the Deploy state machine.
	DeployPlaceholder = "DeployStateMachineArn"
)

// FunctionPlaceholder returns the placeholder name of a step Lambda's ARN,
// e.g. "ValidateFunctionArn" for "validate", "LoadbalancerFunctionArn" for
// "loadbalancer".
func FunctionPlaceholder(lambda string) string {
	r := []rune(lambda)
	r[0] = unicode.ToUpper(r[0])
	return string(r) + "FunctionArn"
}

// Placeholders returns every placeholder name the committed ASL may contain:
// one per Lambda, then the bus, the Watch and the Deploy state machines.
func Placeholders() []string {
	out := make([]string, 0, len(Lambdas())+3)
	for _, l := range Lambdas() {
		out = append(out, FunctionPlaceholder(l))
	}
	return append(out, EventBusPlaceholder, WatchPlaceholder, DeployPlaceholder)
}

// Placeholder returns name as it appears in the ASL: "${name}".
func Placeholder(name string) string { return "${" + name + "}" }

// Actions of the step Lambdas (the "action" of their payload), as
// docs/architecture.md lists them.
const (
	actValidate = "validate"
	actCheck    = "check"
	actStart    = "start"

	actResolve = "resolve"
	actCreate  = "create"
	actDelete  = "delete"

	actCreateFilesystem          = "create_filesystem"
	actFilesystemStatus          = "filesystem_status"
	actCreateMountTargets        = "create_mount_targets"
	actMountTargetsStatus        = "mount_targets_status"
	actDeleteMountTargets        = "delete_mount_targets"
	actMountTargetsDeletedStatus = "mount_targets_deleted_status"
	actDeleteFilesystem          = "delete_filesystem"

	actLaunch          = "launch"
	actStatus          = "status"
	actGPUCheck        = "gpu_check"
	actGPUCheckStatus  = "gpu_check_status"
	actTerminate       = "terminate"
	actTerminateStatus = "terminate_status"

	actRegister      = "register"
	actTargetsStatus = "targets_status"
	actDeleteStatus  = "delete_status"

	actDisable = "disable"

	actFinalize = "finalize"
)

// EventSource is the source of every event the workflows publish. Requests
// come from other sources (e.g. "geusemaker.client"), so the rule that starts
// deployments never matches GeuseMaker's own events.
const EventSource = "geusemaker"

// EventBusName is the name of the custom bus the workflows publish to.
const EventBusName = "geusemaker"

// Detail types of the events on the bus.
const (
	// DetailRequested starts a deployment; its detail is a request.
	DetailRequested = "Deployment Requested"
	// DetailProgress reports a stage.
	DetailProgress = "Deployment Progress"
	// DetailSucceeded ends a deployment that succeeded.
	DetailSucceeded = "Deployment Succeeded"
	// DetailFailed ends a deployment that failed (after its rollback).
	DetailFailed = "Deployment Failed"
	// DetailRollbackCompleted reports the rollback's per-resource outcome.
	DetailRollbackCompleted = "Rollback Completed"
	// DetailDestroyCompleted reports a destroy's per-resource outcome.
	DetailDestroyCompleted = "Destroy Completed"
	// DetailCloudFrontDeployed is the watcher's announcement that an
	// asynchronous distribution reached Deployed.
	DetailCloudFrontDeployed = "CloudFront Deployed"
	// DetailCloudFrontFailed is the watcher's announcement of a failure.
	DetailCloudFrontFailed = "CloudFront Failed"
)

// DestroyIncomplete is the error a Destroy execution fails with when
// something could not be deleted; its cause is the per-resource report.
const DestroyIncomplete = "DestroyIncomplete"
