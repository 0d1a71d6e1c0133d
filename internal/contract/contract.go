// Package contract is what the state machines and the step Lambdas agree
// on, in the one place both sides import: the Lambdas and the actions each
// serves, the keys of a document's status, the ASL error names, the events
// on the bus, the placeholders of the committed ASL, and what the
// backend's stack creates for the steps (the instance boundary, the GPU
// check document).
//
// It imports only the standard library, so the CDK app, the Lambdas, the
// local engine and the tests share it without pulling in each other's
// dependencies (go list -deps shows neither the CDK nor the SDK).
package contract

import (
	"slices"
	"strings"
	"unicode"
)

// The step Lambdas, one per resource family. Each name is also the
// directory of its main package under lambdas/ and of its bootstrap under
// the assets dir.
const (
	Validate   = "validate"
	Preflight  = "preflight"
	Network    = "network"
	Firewall   = "firewall"
	EFS        = "efs"
	Secrets    = "secrets"
	IAM        = "iam"
	Compute    = "compute"
	ELBv2      = "elbv2"
	CloudFront = "cloudfront"
	Smoke      = "smoke"
	Finalize   = "finalize"
)

// Lambdas returns the names of every step Lambda, in deployment order.
func Lambdas() []string {
	return []string{Validate, Preflight, Network, Firewall, EFS, Secrets, IAM, Compute, ELBv2, CloudFront, Smoke, Finalize}
}

// Actions of the step Lambdas: the "action" of their payload.
const (
	ActionValidate = "validate"
	ActionCheck    = "check"
	ActionStart    = "start"
	ActionFinalize = "finalize"
	// ActionDescribeFailure decodes a caught error's cause for the failure
	// events (finalize).
	ActionDescribeFailure = "describe_failure"

	ActionResolve      = "resolve"
	ActionCreate       = "create"
	ActionStatus       = "status"
	ActionDelete       = "delete"
	ActionDeleteStatus = "delete_status"

	ActionCreateFileSystem          = "create_filesystem"
	ActionFileSystemStatus          = "filesystem_status"
	ActionCreateMountTargets        = "create_mount_targets"
	ActionMountTargetsStatus        = "mount_targets_status"
	ActionDeleteMountTargets        = "delete_mount_targets"
	ActionMountTargetsDeletedStatus = "mount_targets_deleted_status"
	ActionDeleteFileSystem          = "delete_filesystem"

	ActionLaunch          = "launch"
	ActionGPUCheck        = "gpu_check"
	ActionGPUCheckStatus  = "gpu_check_status"
	ActionTerminate       = "terminate"
	ActionTerminateStatus = "terminate_status"

	ActionRegister      = "register"
	ActionTargetsStatus = "targets_status"

	ActionDisable = "disable"
)

// actions lists what each Lambda serves, as docs/architecture.md does.
var actions = map[string][]string{
	Validate:  {ActionValidate},
	Preflight: {ActionCheck},
	Network:   {ActionResolve, ActionDelete, ActionDeleteStatus},
	Firewall:  {ActionCreate, ActionDelete, ActionDeleteStatus},
	EFS: {ActionCreateFileSystem, ActionFileSystemStatus, ActionCreateMountTargets, ActionMountTargetsStatus,
		ActionDeleteMountTargets, ActionMountTargetsDeletedStatus, ActionDeleteFileSystem},
	Secrets:    {ActionCreate, ActionDelete},
	IAM:        {ActionCreate, ActionDelete},
	Compute:    {ActionLaunch, ActionStatus, ActionGPUCheck, ActionGPUCheckStatus, ActionTerminate, ActionTerminateStatus},
	ELBv2:      {ActionCreate, ActionStatus, ActionRegister, ActionTargetsStatus, ActionDelete, ActionDeleteStatus},
	CloudFront: {ActionCreate, ActionStatus, ActionDisable, ActionDeleteStatus},
	Smoke:      {ActionStart, ActionStatus},
	Finalize:   {ActionFinalize, ActionDescribeFailure},
}

// Actions returns the actions lambda serves (none for a name that is not
// a step Lambda).
func Actions(lambda string) []string { return slices.Clone(actions[lambda]) }

// Keys of a document's Status and Deadlines: one per waited resource.
const (
	StatusEFS                  = "efs"                    // EFS file system available
	StatusMountTargets         = "mount_targets"          // mount targets available
	StatusInstance             = "instance"               // instance running
	StatusGPU                  = "gpu"                    // GPU visible to the instance
	StatusALB                  = "alb"                    // load balancer active
	StatusTargets              = "targets"                // target healthy
	StatusCloudFront           = "cloudfront"             // distribution Deployed
	StatusSmoke                = "smoke"                  // smoke test passed
	StatusCloudFrontDelete     = "cloudfront_delete"      // distribution disabled and Deployed
	StatusALBDelete            = "alb_delete"             // load balancer deleted
	StatusInstanceTerminate    = "instance_terminate"     // instance terminated
	StatusMountTargetDelete    = "mount_targets_delete"   // mount targets deleted
	StatusSecurityGroupsDelete = "security_groups_delete" // security groups deleted (their ENIs drained)
	StatusNetworkDelete        = "network_delete"         // subnets, gateway and VPC deleted
)

// Keys of a rollback's or destroy's report ($.rollback, the document's
// Rollback): one per family's deletions, each a document.RollbackEntry.
const (
	ReportCloudFront     = "cloudfront"
	ReportLoadBalancer   = "load_balancer"
	ReportInstance       = "instance"
	ReportStorage        = "storage"
	ReportSecret         = "secret"
	ReportSecurityGroups = "security_groups"
	ReportNetwork        = "network"
)

// ReportKeys returns every key of the report, in the order the deletions
// run.
func ReportKeys() []string {
	return []string{ReportCloudFront, ReportLoadBalancer, ReportInstance, ReportStorage, ReportSecret, ReportSecurityGroups, ReportNetwork}
}

// Placeholder names in the committed ASL, written there as ${Name}. The
// local engine substitutes them; the CDK stack never sees them.
const (
	// EventBusPlaceholder stands for the bus that receives progress events.
	EventBusPlaceholder = "EventBusName"
	// WatchPlaceholder stands for the ARN of the Watch state machine.
	WatchPlaceholder = "WatchStateMachineArn"
	// DeployPlaceholder stands for the ARN of the Deploy state machine.
	DeployPlaceholder = "DeployStateMachineArn"
)

const functionSuffix = "FunctionArn"

// FunctionPlaceholder returns the placeholder name of a step Lambda's ARN,
// e.g. "ValidateFunctionArn" for "validate", "Elbv2FunctionArn" for
// "elbv2".
func FunctionPlaceholder(lambda string) string {
	r := []rune(lambda)
	r[0] = unicode.ToUpper(r[0])
	return string(r) + functionSuffix
}

// LambdaOf returns the step Lambda whose ARN placeholder is name, and
// whether there is one: FunctionPlaceholder's inverse.
func LambdaOf(placeholder string) (string, bool) {
	for _, l := range Lambdas() {
		if FunctionPlaceholder(l) == placeholder {
			return l, true
		}
	}
	return "", false
}

// Placeholders returns every placeholder name the committed ASL may
// contain: one per Lambda, then the bus, the Watch and the Deploy state
// machines.
func Placeholders() []string {
	out := make([]string, 0, len(Lambdas())+3)
	for _, l := range Lambdas() {
		out = append(out, FunctionPlaceholder(l))
	}
	return append(out, EventBusPlaceholder, WatchPlaceholder, DeployPlaceholder)
}

// Placeholder returns name as it appears in the ASL: "${name}".
func Placeholder(name string) string { return "${" + name + "}" }

// StateMachineOf returns the workflow whose ARN placeholder is name (e.g.
// "watch" for WatchStateMachineArn), and whether name is one.
func StateMachineOf(placeholder string) (string, bool) {
	wf, ok := strings.CutSuffix(placeholder, "StateMachineArn")
	return strings.ToLower(wf), ok && wf != ""
}
