package efs

import (
	"errors"
	"geusemaker/internal/contract"
	"geusemaker/internal/steps/step"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/awsapi"
)

// AWS error codes the step handles by name. Codes, not types: the modeled
// type and a bare API error with the same code (as a proxy or an injected
// fault gives) must be handled alike.
const (
	codeFileSystemAlreadyExists   = "FileSystemAlreadyExists"
	codeFileSystemInUse           = "FileSystemInUse"
	codeIncorrectFileSystemState  = "IncorrectFileSystemLifeCycleState"
	codeIncorrectMountTargetState = "IncorrectMountTargetState"
	codeMountTargetConflict       = "MountTargetConflict"
)

// AWS error codes whose remediation differs from the action's default.
const (
	codeAccessDenied            = "AccessDeniedException"
	codeFileSystemLimitExceeded = "FileSystemLimitExceeded"
	codeSubnetNotFound          = "SubnetNotFound"
	codeSecurityGroupNotFound   = "SecurityGroupNotFound"
	codeNoFreeAddresses         = "NoFreeAddressesInSubnet"
	codeENILimitExceeded        = "NetworkInterfaceLimitExceeded"
	codeUnsupportedZone         = "UnsupportedAvailabilityZone"
)

var remediations = map[string]string{
	codeAccessDenied:            "Grant the efs Lambda's role the elasticfilesystem:* actions of this step (and ec2:CreateNetworkInterface, ec2:DescribeSubnets, ec2:DescribeNetworkInterfaces for mount targets), then retry.",
	codeFileSystemLimitExceeded: "The region's EFS quota (1,000 file systems per account) is reached: delete unused file systems or request a quota increase in Service Quotas, then retry.",
	codeSubnetNotFound:          "A subnet of the deployment no longer exists: check subnet_ids in the request (or let the deployment choose them) and retry.",
	codeSecurityGroupNotFound:   "The EFS security group is missing or in another VPC than the subnets: retry the deployment so the firewall step recreates it.",
	codeNoFreeAddresses:         "A subnet has no free IP addresses for the mount target: free addresses or choose larger subnets, then retry.",
	codeENILimitExceeded:        "The account's network interface quota is reached: delete unused ENIs or request a quota increase, then retry.",
	codeUnsupportedZone:         "EFS is not available in one of the subnets' Availability Zones: choose subnets in other zones, then retry.",
}

// family names the step's failures StorageFailed, with remediations by AWS code.
var family = step.Family{Name: contract.EFS, Error: contract.StorageFailed, Remediations: remediations}

// isAlreadyExists reports a FileSystemAlreadyExists error, AWS's answer to
// a repeated CreationToken, and the id it carries ("" when it has none).
func isAlreadyExists(err error) (string, bool) {
	if awsapi.Code(err) != codeFileSystemAlreadyExists {
		return "", false
	}
	var exists *types.FileSystemAlreadyExists
	if errors.As(err, &exists) {
		return aws.ToString(exists.FileSystemId), true
	}
	return "", true
}
