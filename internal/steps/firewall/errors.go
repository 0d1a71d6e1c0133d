package firewall

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/steps/step"
)

// EC2 error codes the step handles by name.
const (
	// codeGroupDuplicate: a group of that name exists in the VPC (a
	// retried create that reached AWS, or a concurrent one).
	codeGroupDuplicate = "InvalidGroup.Duplicate"
	// codeGroupNotFound, right after CreateSecurityGroup: EC2 is eventually
	// consistent, and a new group's id takes seconds to reach the calls
	// that name it ("Eventual consistency in the Amazon EC2 API").
	codeGroupNotFound = "InvalidGroup.NotFound"
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
	remedyNotYet   = "A security group just created is not yet visible to EC2's other calls (eventual consistency); the step is retried until it is."
)

var remediations = map[string]string{
	codeRulesLimitExceeded: "The security group rule quota (60 per group by default, and the CloudFront prefix list counts as 55) is exceeded: raise 'Inbound or outbound rules per security group' in Service Quotas, then retry.",
	codeGroupLimitExceeded: "The region's security group quota is reached: delete unused groups or request a quota increase, then retry.",
	codeAccessDenied:       "Grant the firewall Lambda's role ec2:CreateSecurityGroup, ec2:AuthorizeSecurityGroupIngress, ec2:RevokeSecurityGroupIngress, ec2:DeleteSecurityGroup and ec2:Describe*, then retry.",
}

// family names the step's failures SecurityGroupFailed, with remediations by AWS code.
// DependencyViolation: a group stays in use while the ENIs of the
// instance, mount targets or load balancer drain.
var family = step.Family{Name: contract.Firewall, Error: contract.SecurityGroupFailed, Remediations: remediations,
	Busy: map[string]string{codeDependencyViolation: remedyBusy, codeGroupNotFound: remedyNotYet}}
