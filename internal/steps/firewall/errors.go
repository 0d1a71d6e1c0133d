package firewall

import (
	"fmt"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/steperr"
)

// EC2 error codes the step handles by name.
const (
	// codeGroupDuplicate: a group of that name exists in the VPC (a
	// retried create that reached AWS, or a concurrent one).
	codeGroupDuplicate = "InvalidGroup.Duplicate"
	// codePermissionDuplicate: the rule exists (a retried authorize).
	codePermissionDuplicate = "InvalidPermission.Duplicate"
	// codeDependencyViolation: an ENI (instance, mount target, ALB node)
	// or another group's rule still uses the group; ENIs drain by
	// themselves once their owners are deleted.
	codeDependencyViolation = "DependencyViolation"
	codeRulesLimitExceeded  = "RulesPerSecurityGroupLimitExceeded"
	codeGroupLimitExceeded  = "SecurityGroupLimitExceeded"
	codeAccessDenied        = "UnauthorizedOperation"
)

// Remediations of the failures this step reports.
const (
	remedyCreate   = "Check the firewall Lambda's permissions (ec2:CreateSecurityGroup, ec2:AuthorizeSecurityGroupIngress, ec2:DescribeSecurityGroups, ec2:DescribeManagedPrefixLists), then retry."
	remedySupplied = "Check security_group_id: the group must exist in the request's region and belong to the deployment's VPC. Leave it out to let GeuseMaker create the instance's group."
	remedyPrefix   = "The AWS-managed prefix list com.amazonaws.global.cloudfront.origin-facing is not visible in this region: check the region, or deploy without the CDN tier."
	remedyDelete   = "Delete the security groups tagged geusemaker:deployment with this deployment id in the VPC console, then run destroy again."
	remedyBusy     = "A security group is still in use (instance, mount targets or load balancer network interfaces are being deleted); the step is retried until they are gone."
)

var remediations = map[string]string{
	codeRulesLimitExceeded: "The security group rule quota (60 per group by default, and the CloudFront prefix list counts as 55) is exceeded: raise 'Inbound or outbound rules per security group' in Service Quotas, then retry.",
	codeGroupLimitExceeded: "The region's security group quota is reached: delete unused groups or request a quota increase, then retry.",
	codeAccessDenied:       "Grant the firewall Lambda's role ec2:CreateSecurityGroup, ec2:AuthorizeSecurityGroupIngress, ec2:RevokeSecurityGroupIngress, ec2:DeleteSecurityGroup and ec2:Describe*, then retry.",
}

// awsFailure names a failed EC2 call SecurityGroupFailed (Throttled when
// AWS throttles), with the remediation for its code or else fallback.
func awsFailure(action string, err error, fallback string) error {
	remediation, ok := remediations[awsapi.Code(err)]
	if !ok {
		remediation = fallback
	}
	return steperr.FromAWS(steperr.SecurityGroupFailed, stepName(action), err, remediation)
}

// failure names a SecurityGroupFailed without an AWS error behind it.
func failure(action, message, remediation string) error {
	return steperr.New(steperr.SecurityGroupFailed, stepName(action), message, remediation)
}

// deleteFailure names a failed delete: DependencyViolation is ResourceBusy,
// which the state machine retries while ENIs drain.
func deleteFailure(err error) error {
	if awsapi.Code(err) == codeDependencyViolation {
		return steperr.FromAWS(steperr.ResourceBusy, stepName(ActionDelete), err, remedyBusy)
	}
	return awsFailure(ActionDelete, err, remedyDelete)
}

// missing names an action run before the one that fills its input: the
// state machine's order is broken.
func missing(action, what string) error {
	return steperr.New(steperr.InternalError, stepName(action),
		fmt.Sprintf("the ledger has no %s; %s runs after the step that records it", what, action),
		"The state machine and the Lambda code are from different versions: redeploy the stack.")
}
