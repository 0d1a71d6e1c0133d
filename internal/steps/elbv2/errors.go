package elbv2

import (
	"errors"

	"geusemaker/internal/contract"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/step"
)

// ELBv2 error codes the step handles. They are compared as codes, not
// types, so that the same check holds for the SDK's modeled errors and for
// errors it has no type for.
const (
	// codeResourceInUse: a target group still referenced by a listener or
	// rule; right after DeleteListener this lasts a few seconds.
	codeResourceInUse = "ResourceInUse"
	// codePriorityInUse: another rule holds the origin rule's priority.
	codePriorityInUse = "PriorityInUse"
	// codeOperationNotPermitted: deletion protection is on.
	codeOperationNotPermitted = "OperationNotPermitted"
	// codeDuplicateLoadBalancerName: a load balancer of that name exists
	// with other settings (created between our look-up and our create).
	codeDuplicateLoadBalancerName = "DuplicateLoadBalancerName"
	// codeDuplicateTargetGroupName: the same, for a target group.
	codeDuplicateTargetGroupName = "DuplicateTargetGroupName"
	// codeTooManyLoadBalancers: the regional load balancer quota is reached.
	codeTooManyLoadBalancers = "TooManyLoadBalancers"
)

// Remediations, one per failure the user can act on.
const (
	remedyNetwork = "An internet-facing ALB needs subnets in at least two Availability Zones of one VPC " +
		"with an internet gateway, and the ALB security group of that VPC: pass subnet_ids in two AZs " +
		"(or leave them to the network step) and retry the deployment."
	remedyForeign = "A load balancer or target group with this deployment's name belongs to another " +
		"deployment or was not created by GeuseMaker: choose another deployment_id, or delete the other " +
		"resource if it is an orphan, then retry."
	remedyQuota = "The account reached its Elastic Load Balancing quota in this region: delete unused load " +
		"balancers or request a quota increase in Service Quotas, then retry."
	remedyCreate = "Creating the load balancer failed: read the AWS error in the message, check the step's " +
		"IAM permissions for elasticloadbalancing, then retry the deployment."
	remedyPriority = "The ALB listener has a rule at the origin rule's priority that GeuseMaker did not " +
		"create: delete that rule, then retry the deployment."
	remedyFailed = "The load balancer entered the failed state: read the state reason in the message and " +
		"AWS Health for the region; destroy the deployment and retry."
	remedyVanished   = "The load balancer was deleted outside GeuseMaker while it was being set up: retry the deployment."
	remedyALBTimeout = "The load balancer stayed provisioning past its deadline. An internet-facing ALB in a " +
		"VPC without an attached internet gateway never turns active: check the VPC's internet gateway " +
		"and the subnets' 0.0.0.0/0 route, and AWS Health for the region, then retry."
	remedyRegister = "The instance could not be registered with the target group: it must be running in " +
		"the ALB's VPC. Check the instance state in the EC2 console, then retry the deployment."
	remedyUnhealthy = "The instance did not pass the ALB health check (HTTP GET /healthz on port 80). " +
		"Connect with SSM Session Manager and check that nginx answers (curl -i http://localhost/healthz), " +
		"read the UserData log (sudo tail -n 200 /var/log/cloud-init-output.log) and `docker ps`, check " +
		"that the instance security group allows port 80 from the ALB security group, then retry."
	remedyDelete = "Deleting the load balancer resources failed: read the AWS error in the message, check " +
		"the step's IAM permissions for elasticloadbalancing, then run destroy again."
	remedyProtected = "Deletion protection is on for the load balancer: turn it off (deletion_protection.enabled " +
		"= false) in the EC2 console, then run destroy again."
	remedyBusy          = "The target group is still referenced by the listener being deleted; the state machine retries."
	remedyDeleteTimeout = "The load balancer was not deleted by its deadline: check it in the EC2 console " +
		"and run destroy again."
	remedyWiring = "The state machine and the Lambda code are from different versions, or a step was skipped: " +
		"redeploy the stack and retry the deployment."
)

// createRemedies maps the codes of create calls the user can fix to what to do.
var createRemedies = map[string]string{
	"InvalidConfigurationRequest": remedyNetwork, // fewer than two AZs, two subnets in one AZ
	"InvalidSubnet":               remedyNetwork, // subnets of several VPCs, or a VPC without gateway
	"SubnetNotFound":              remedyNetwork,
	"InvalidSecurityGroup":        remedyNetwork, // unknown, or of another VPC
	codeDuplicateLoadBalancerName: remedyForeign,
	codeDuplicateTargetGroupName:  remedyForeign,
	codeTooManyLoadBalancers:      remedyQuota,
	"TooManyTargetGroups":         remedyQuota,
	"TooManyListeners":            remedyQuota,
	"TooManyRules":                remedyQuota,
	codePriorityInUse:             remedyPriority,
}

// family names the step's failures LoadBalancerFailed, with the create
// calls' remediations.
var family = step.Family{Name: contract.ELBv2, Error: contract.LoadBalancerFailed, Remediations: createRemedies}

// createFailed names a failed create call for the state machine: a step
// error as it is, any other (an AWS error) LoadBalancerFailed with the
// remediation for its code, else remedyCreate.
func createFailed(err error) error {
	var se *steperr.Error
	if errors.As(err, &se) {
		return se
	}
	return family.AWSFailure(contract.ActionCreate, err, remedyCreate)
}
