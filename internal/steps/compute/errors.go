package compute

import (
	"errors"
	"strings"

	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"geusemaker/internal/awsapi"
)

// EC2 error codes the step handles (EC2 has no modeled error types).
const (
	// codeInsufficientCapacity: EC2 has no capacity for the type in the AZ
	// right now; common for GPU types.
	codeInsufficientCapacity = "InsufficientInstanceCapacity"
	// codeUnsupported: the type is not offered in the requested AZ.
	codeUnsupported = "Unsupported"
	// codeInvalidParameterValue: among others, a fresh instance profile
	// EC2 cannot see yet.
	codeInvalidParameterValue = "InvalidParameterValue"
	// codeVcpuLimitExceeded: the account's running On-Demand vCPU quota
	// of the type's family would be exceeded.
	codeVcpuLimitExceeded = "VcpuLimitExceeded"
)

// EC2 instance states.
const (
	statePending      = "pending"
	stateRunning      = "running"
	stateShuttingDown = "shutting-down"
	stateTerminated   = "terminated"
	stateStopping     = "stopping"
	stateStopped      = "stopped"
)

// Remediations, one per failure the user can act on.
const (
	remedyAMI = "The AMI parameter is not published in this region for this OS and architecture: " +
		"set ami_id to an AMI of the region, or choose another os_type or instance_type."
	remedyLaunch = "Check the instance type, AMI, subnet and security group in the message, " +
		"and the account's EC2 limits; then retry the deployment."
	remedyVCPUQuota = "The account's On-Demand vCPU quota for this instance family is full (Service Quotas: " +
		"'Running On-Demand G and VT instances' L-DB2E81BA for GPU types, 'Running On-Demand Standard " +
		"(A, C, D, H, I, M, R, T, Z) instances' L-1216C47A for the others): request an increase, or stop " +
		"instances of that family, then retry."
	remedyProfile = "IAM has not yet propagated the new instance profile to EC2; the state machine retries. " +
		"If it persists, check that the iam step created the instance profile."
	remedyState = "The instance stopped before it ran: read the state reason in the message " +
		"(e.g. volume limits, KMS key access, capacity) and the instance's console output, then retry."
	remedyInstanceTimeout = "The instance stayed pending past its deadline: check the EC2 console and " +
		"AWS Health for the region, then retry."
	remedyAgent = "The SSM agent never came online: the instance role needs AmazonSSMManagedInstanceCore, " +
		"and the subnet needs a route to the SSM endpoints (internet gateway, NAT or VPC endpoints)."
	remedyGPU = "The instance has no usable NVIDIA GPU: use a GPU instance type (g4dn, g5, g6, g6e, p4d, p5) " +
		"with a Deep Learning AMI that ships the NVIDIA driver (leave ami_id empty), then retry."
	remedyGPUTimeout = "The GPU check did not finish by its deadline: check the instance with " +
		"Session Manager and `nvidia-smi`, then retry."
	remedyTerminate = "The instance could not be terminated: check termination protection and the " +
		"step's IAM permissions, then run destroy again."
	remedyTerminateTimeout = "The instance did not reach terminated in time: check it in the EC2 console " +
		"and run destroy again."
)

// isInstanceProfileNotReady reports whether err is EC2 refusing an instance
// profile IAM has not yet propagated. Quirk: a profile is usable by EC2 only
// some seconds (up to about a minute) after CreateInstanceProfile and
// AddRoleToInstanceProfile; until then RunInstances answers
// InvalidParameterValue "Value (...) for parameter iamInstanceProfile.name
// is invalid. Invalid IAM Instance Profile name". The code alone is
// ambiguous, so the message is read: the documented case.
func isInstanceProfileNotReady(err error) bool {
	if awsapi.Code(err) != codeInvalidParameterValue {
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "iaminstanceprofile") || strings.Contains(msg, "instance profile")
}

// isInvocationMissing reports SSM's InvocationDoesNotExist.
func isInvocationMissing(err error) bool {
	var e *ssmtypes.InvocationDoesNotExist
	return errors.As(err, &e)
}

// isAgentOffline reports SSM's InvalidInstanceId: the instance is not
// running or its agent has not registered yet.
func isAgentOffline(err error) bool {
	var e *ssmtypes.InvalidInstanceId
	return errors.As(err, &e)
}
