package document

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// Document is the JSON value that flows through an execution: the request,
// what has been created so far, the state of every wait, and on failure the
// error. It is also the execution's output.
type Document struct {
	// Request is the validated request with defaults filled in.
	Request Request `json:"request"`
	// Run identifies this run of the deployment (NewRun): the validate step
	// records it before anything is created, and every idempotency token
	// (Token) includes it, so retries within the run share tokens and a
	// redeploy of the same deployment id does not. Empty in a destroy, which
	// creates nothing and finds resources by tag.
	Run string `json:"run,omitempty"`
	// Resources is the ledger of everything the run created or uses.
	Resources Ledger `json:"resources"`
	// Status holds the latest poll result per waited resource, keyed by
	// contract.Status*.
	Status map[string]Poll `json:"status,omitempty"`
	// Deadlines holds an RFC3339 UTC deadline per waited resource (same
	// keys as Status), computed once when the wait starts so that retries
	// and re-polls never extend it.
	Deadlines map[string]string `json:"deadlines,omitempty"`
	// Timings holds when each stage (the Stage* constants) started and ended.
	Timings map[string]Timing `json:"timings,omitempty"`
	// Progress is the latest progress report.
	Progress *Progress `json:"progress,omitempty"`
	// Error is what a Catch recorded when a step failed.
	Error *Failure `json:"error,omitempty"`
	// Removal is what the running family's deletions did, in a rollback or
	// a destroy.
	Removal *Removal `json:"removal,omitempty"`
	// Rollback is the report of a rollback or destroy so far, one entry
	// per family (a Removal, or one with the caught error): the state
	// machine writes it, and the steps that run after it carry it along.
	Rollback map[string]RollbackEntry `json:"rollback,omitempty"`
	// Failure is the failure report (FailureReport) once a failed
	// deployment's rollback is over.
	Failure *FailureReport `json:"failure,omitempty"`
}

// Stages of a deployment, used in Progress.Stage and as Timings keys.
const (
	StageValidate     = "validate"
	StagePreflight    = "preflight"
	StageNetwork      = "network"
	StageSecurity     = "security"
	StageStorage      = "storage"
	StageIdentity     = "identity"
	StageSecrets      = "secrets"
	StageCompute      = "compute"
	StageGPU          = "gpu"
	StageLoadBalancer = "loadbalancer"
	StageCDN          = "cdn"
	StageHealth       = "health"
	StageSmoke        = "smoke"
	StageFinalize     = "finalize"
	StageRollback     = "rollback"
	StageDestroy      = "destroy"
)

// Stages returns every stage, in the order a deployment passes through them
// (rollback and destroy last).
func Stages() []string {
	return []string{
		StageValidate, StagePreflight, StageNetwork, StageSecurity, StageStorage,
		StageSecrets, StageIdentity, StageCompute, StageGPU, StageLoadBalancer, StageCDN,
		StageHealth, StageSmoke, StageFinalize, StageRollback, StageDestroy,
	}
}

// Ledger records every resource of the deployment the moment AWS returns
// its id, before anything waits on it; rollback and destroy delete exactly
// what it lists, except what is Supplied.
//
// It is flat on purpose: Step Functions merges the ledgers of Parallel
// branches with a shallow States.JsonMerge, so every key must be written by
// exactly one step. SecurityGroupIDs is written whole by the security step;
// SuppliedKeys and DefaultKeys are written before any Parallel state.
type Ledger struct {
	VPCID             string   `json:"vpc_id,omitempty"`
	SubnetIDs         []string `json:"subnet_ids,omitempty"`
	InternetGatewayID string   `json:"internet_gateway_id,omitempty"`
	RouteTableID      string   `json:"route_table_id,omitempty"`
	// SecurityGroupIDs maps a role (the SGRole* constants) to a group id.
	SecurityGroupIDs    map[string]string `json:"security_group_ids,omitempty"`
	EFSID               string            `json:"efs_id,omitempty"`
	MountTargetIDs      []string          `json:"mount_target_ids,omitempty"`
	IAMRoleName         string            `json:"iam_role_name,omitempty"`
	InstanceProfileName string            `json:"instance_profile_name,omitempty"`
	// SecretARN is the deployment's Secrets Manager secret: the workload's
	// credentials (never their values: those stay in Secrets Manager).
	SecretARN  string `json:"secret_arn,omitempty"`
	InstanceID string `json:"instance_id,omitempty"`
	// InstanceType is the type actually launched, after capacity fallback.
	InstanceType     string `json:"instance_type,omitempty"`
	AvailabilityZone string `json:"availability_zone,omitempty"`
	AMIID            string `json:"ami_id,omitempty"`
	PublicIP         string `json:"public_ip,omitempty"`
	ALBARN           string `json:"alb_arn,omitempty"`
	ALBDNS           string `json:"alb_dns,omitempty"`
	TargetGroupARN   string `json:"target_group_arn,omitempty"`
	ListenerARN      string `json:"listener_arn,omitempty"`
	ListenerRuleARN  string `json:"listener_rule_arn,omitempty"`
	// VPCOriginID is the CloudFront VPC origin that reaches the internal
	// ALB (PrivateOrigin).
	VPCOriginID      string `json:"vpc_origin_id,omitempty"`
	CloudFrontID     string `json:"cloudfront_id,omitempty"`
	CloudFrontARN    string `json:"cloudfront_arn,omitempty"`
	CloudFrontDomain string `json:"cloudfront_domain,omitempty"`
	N8NURL           string `json:"n8n_url,omitempty"`
	// SuppliedKeys lists the ledger keys (Key* constants, or SecurityGroupKey
	// for one group) whose resources the user supplied. They are never
	// deleted.
	SuppliedKeys []string `json:"supplied,omitempty"`
	// DefaultKeys lists the ledger keys of the account's default resources
	// the deployment uses (the default VPC and its default subnets): not the
	// user's, and never deleted either.
	DefaultKeys []string `json:"account_defaults,omitempty"`
}

// Security group roles: keys of Ledger.SecurityGroupIDs and the role in
// Request.SecurityGroupName.
const (
	SGRoleALB      = "alb"
	SGRoleInstance = "instance"
	SGRoleEFS      = "efs"
	// SGRoleSupplied is the user's own group (security_group_id): the
	// instance gets it beside GeuseMaker's instance group, which alone
	// opens the workload's port; it is never changed or deleted.
	SGRoleSupplied = "supplied"
)

// Ledger keys: the JSON names of the Ledger's fields, as used by Supplied,
// MarkSupplied, Created and Has.
const (
	KeyVPCID               = "vpc_id"
	KeySubnetIDs           = "subnet_ids"
	KeyInternetGatewayID   = "internet_gateway_id"
	KeyRouteTableID        = "route_table_id"
	KeySecurityGroupIDs    = "security_group_ids"
	KeyEFSID               = "efs_id"
	KeyMountTargetIDs      = "mount_target_ids"
	KeyIAMRoleName         = "iam_role_name"
	KeyInstanceProfileName = "instance_profile_name"
	KeySecretARN           = "secret_arn"
	KeyInstanceID          = "instance_id"
	KeyInstanceType        = "instance_type"
	KeyAvailabilityZone    = "availability_zone"
	KeyAMIID               = "ami_id"
	KeyPublicIP            = "public_ip"
	KeyALBARN              = "alb_arn"
	KeyALBDNS              = "alb_dns"
	KeyTargetGroupARN      = "target_group_arn"
	KeyListenerARN         = "listener_arn"
	KeyListenerRuleARN     = "listener_rule_arn"
	KeyVPCOriginID         = "vpc_origin_id"
	KeyCloudFrontID        = "cloudfront_id"
	KeyCloudFrontARN       = "cloudfront_arn"
	KeyCloudFrontDomain    = "cloudfront_domain"
	KeyN8NURL              = "n8n_url"
)

// SecurityGroupKey is the ledger key of the security group of one role,
// "security_group_ids.<role>", for marking a single group supplied.
func SecurityGroupKey(role string) string { return KeySecurityGroupIDs + "." + role }

// Has reports whether the ledger holds a value for key. Unknown keys are
// never present.
func (l *Ledger) Has(key string) bool {
	switch key {
	case KeyVPCID:
		return l.VPCID != ""
	case KeySubnetIDs:
		return len(l.SubnetIDs) > 0
	case KeyInternetGatewayID:
		return l.InternetGatewayID != ""
	case KeyRouteTableID:
		return l.RouteTableID != ""
	case KeySecurityGroupIDs:
		return len(l.SecurityGroupIDs) > 0
	case KeyEFSID:
		return l.EFSID != ""
	case KeyMountTargetIDs:
		return len(l.MountTargetIDs) > 0
	case KeyIAMRoleName:
		return l.IAMRoleName != ""
	case KeyInstanceProfileName:
		return l.InstanceProfileName != ""
	case KeySecretARN:
		return l.SecretARN != ""
	case KeyInstanceID:
		return l.InstanceID != ""
	case KeyInstanceType:
		return l.InstanceType != ""
	case KeyAvailabilityZone:
		return l.AvailabilityZone != ""
	case KeyAMIID:
		return l.AMIID != ""
	case KeyPublicIP:
		return l.PublicIP != ""
	case KeyALBARN:
		return l.ALBARN != ""
	case KeyALBDNS:
		return l.ALBDNS != ""
	case KeyTargetGroupARN:
		return l.TargetGroupARN != ""
	case KeyListenerARN:
		return l.ListenerARN != ""
	case KeyListenerRuleARN:
		return l.ListenerRuleARN != ""
	case KeyVPCOriginID:
		return l.VPCOriginID != ""
	case KeyCloudFrontID:
		return l.CloudFrontID != ""
	case KeyCloudFrontARN:
		return l.CloudFrontARN != ""
	case KeyCloudFrontDomain:
		return l.CloudFrontDomain != ""
	case KeyN8NURL:
		return l.N8NURL != ""
	}
	if role, ok := strings.CutPrefix(key, KeySecurityGroupIDs+"."); ok {
		return l.SecurityGroupIDs[role] != ""
	}
	return false
}

// Supplied reports whether the resource under key is not the
// deployment's to delete: the user supplied it, or it is the account's
// default (Default). A single security group counts as supplied when all
// of security_group_ids is.
func (l *Ledger) Supplied(key string) bool {
	return marked(l.SuppliedKeys, key) || l.Default(key)
}

// Default reports whether the resource under key is the account's default
// (the default VPC or its subnets), which the deployment only uses.
func (l *Ledger) Default(key string) bool { return marked(l.DefaultKeys, key) }

func marked(keys []string, key string) bool {
	if slices.Contains(keys, key) {
		return true
	}
	parent, _, nested := strings.Cut(key, ".")
	return nested && slices.Contains(keys, parent)
}

// MarkSupplied records that the user supplied the resource under key, so
// that it is never deleted. Marking twice records it once.
func (l *Ledger) MarkSupplied(key string) { l.SuppliedKeys = mark(l.SuppliedKeys, key) }

// MarkDefault records that the resource under key is the account's
// default, so that it is never deleted. Marking twice records it once.
func (l *Ledger) MarkDefault(key string) { l.DefaultKeys = mark(l.DefaultKeys, key) }

func mark(keys []string, key string) []string {
	if slices.Contains(keys, key) {
		return keys
	}
	return append(keys, key)
}

// Created reports whether the run created the resource under key: it is
// present and neither supplied nor the account's default. Rollback and
// destroy delete exactly these.
func (l *Ledger) Created(key string) bool {
	return l.Has(key) && !l.Supplied(key)
}

// Poll is one status check of a waited resource, as the status step returns
// it and the state machine's Choice reads it. Done, Failed, TimedOut and
// NextPollSeconds are always present: a Choice rule or a Wait's SecondsPath
// on a missing field fails the execution with States.Runtime.
type Poll struct {
	// Status is AWS's status string, e.g. "Deployed", "available".
	Status string `json:"status,omitempty"`
	// Done is true once the resource reached its target state.
	Done bool `json:"done"`
	// Failed is true when the resource reached a state it cannot leave.
	Failed bool `json:"failed"`
	// Percent estimates progress from elapsed time; 100 only when Done.
	Percent int `json:"percent,omitempty"`
	// NextPollSeconds is how long the state machine waits before polling again.
	NextPollSeconds int `json:"next_poll_seconds"`
	// TimedOut is true once the deadline has passed.
	TimedOut bool `json:"timed_out"`
	// Detail is a human-readable note, e.g. a target's health reason.
	Detail string `json:"detail,omitempty"`
	// Enabled is a CloudFront distribution's Enabled flag, when known.
	Enabled *bool `json:"enabled,omitempty"`
}

// Progress is the latest progress report, also sent to EventBridge.
type Progress struct {
	// Stage is one of the Stage* constants.
	Stage string `json:"stage"`
	// Message is for people, e.g. "Waiting for CloudFront deployment...".
	Message string `json:"message"`
	// Percent is the operation's overall progress (the deployment's, or a
	// rollback's or destroy's), estimated from elapsed time by Report: it
	// never decreases within an operation and is 100 only at finalize.
	Percent int `json:"percent"`
	// StagePercent is the current stage's own estimate when it waits on a
	// resource, e.g. CloudFront's deployment: 100 only once it is done.
	StagePercent int `json:"stage_percent"`
	// ResourceID is the resource the stage is working on, "" if none.
	ResourceID string `json:"resource_id"`
	// CloudFrontDomain is the distribution's domain once known, else "".
	// Both are always present: progress events read them.
	CloudFrontDomain string `json:"cloudfront_domain"`
}

// Timing is when a stage started and ended, as RFC3339 UTC timestamps.
type Timing struct {
	StartedAt string `json:"started_at,omitempty"`
	EndedAt   string `json:"ended_at,omitempty"`
}

// Timestamp formats t the way the document stores times and ASL timestamp
// comparisons require: RFC3339, UTC, with an uppercase T and Z.
func Timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ParseTimestamp parses a time written by Timestamp.
func ParseTimestamp(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }

// Failure is what a Catch writes at its ResultPath: the ASL error name and
// the cause, capitalized exactly as Step Functions writes them.
type Failure struct {
	// Error is the ASL error name, e.g. "CloudFrontCreateFailed", "States.Timeout".
	Error string `json:"Error"`
	// Cause is usually a Cause as JSON; Step Functions' own errors
	// (States.Timeout, ...) carry plain text.
	Cause string `json:"Cause"`
	// Detail is Cause decoded (DecodeCause), written by the finalize
	// step's describe_failure for the failure events, so that rules can
	// match on its step and AWS error code.
	Detail *Cause `json:"detail,omitempty"`
}

// FailureReport is a failed deployment's report, the cause of its Fail
// state: the original error and its cause decoded, and what the rollback
// did.
type FailureReport struct {
	Error    string                   `json:"error"`
	Cause    *Cause                   `json:"cause"`
	Rollback map[string]RollbackEntry `json:"rollback,omitempty"`
}

// Cause is the JSON cause of every named step error. It is defined here so
// that every package encodes and decodes the same shape.
type Cause struct {
	// Message says what failed.
	Message string `json:"message"`
	// Step is the step that failed, e.g. "cloudfront-create".
	Step string `json:"step,omitempty"`
	// AWSErrorCode is the AWS error code behind the failure, if any.
	AWSErrorCode string `json:"aws_error_code,omitempty"`
	// AWSRequestID is the AWS request id, for support cases.
	AWSRequestID string `json:"aws_request_id,omitempty"`
	// Remediation says what the user should do.
	Remediation string `json:"remediation,omitempty"`
}

// lambdaErrorCause is how Lambda reports an error its function returned
// without converting it to a named step error.
type lambdaErrorCause struct {
	ErrorMessage string `json:"errorMessage"`
}

// DecodeCause decodes f.Cause. A Lambda runtime error
// ({"errorMessage": ...}) gives its message. A cause that is not a JSON
// object still yields a Cause whose Message is the raw text, alongside a
// non-nil error, so callers can always show something.
func (f Failure) DecodeCause() (Cause, error) {
	var le lambdaErrorCause
	if json.Unmarshal([]byte(f.Cause), &le) == nil && le.ErrorMessage != "" {
		// A Lambda task's cause wraps the step's cause JSON in errorMessage;
		// a runtime failure (panic, timeout) has plain text there instead.
		if c, err := (Failure{Cause: le.ErrorMessage}).DecodeCause(); err == nil {
			return c, nil
		}
		return Cause{Message: le.ErrorMessage}, nil
	}
	var c Cause
	if err := json.Unmarshal([]byte(f.Cause), &c); err != nil {
		return Cause{Message: f.Cause}, err
	}
	if c == (Cause{}) {
		return Cause{Message: f.Cause}, errors.New("decode cause: no known fields")
	}
	return c, nil
}
