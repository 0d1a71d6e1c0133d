package ec2

import (
	"fmt"
	"strings"

	"geusemaker/internal/sim/account"
)

// EC2 error codes the model returns. EC2 has no modeled error types: the
// SDK surfaces these as smithy.GenericAPIError with the code.
const (
	CodeDependencyViolation                = "DependencyViolation"
	CodeInvalidParameterValue              = "InvalidParameterValue"
	CodeInvalidParameterCombination        = "InvalidParameterCombination"
	CodeMissingParameter                   = "MissingParameter"
	CodeInvalidVpcIDNotFound               = "InvalidVpcID.NotFound"
	CodeInvalidVpcRange                    = "InvalidVpc.Range"
	CodeInvalidSubnetIDNotFound            = "InvalidSubnetID.NotFound"
	CodeInvalidSubnetRange                 = "InvalidSubnet.Range"
	CodeInvalidSubnetConflict              = "InvalidSubnet.Conflict"
	CodeInvalidInternetGatewayIDNotFound   = "InvalidInternetGatewayID.NotFound"
	CodeResourceAlreadyAssociated          = "Resource.AlreadyAssociated"
	CodeGatewayNotAttached                 = "Gateway.NotAttached"
	CodeInvalidRouteTableIDNotFound        = "InvalidRouteTableID.NotFound"
	CodeInvalidAssociationIDNotFound       = "InvalidAssociationID.NotFound"
	CodeRouteAlreadyExists                 = "RouteAlreadyExists"
	CodeInvalidGroupNotFound               = "InvalidGroup.NotFound"
	CodeInvalidGroupDuplicate              = "InvalidGroup.Duplicate"
	CodeInvalidGroupReserved               = "InvalidGroup.Reserved"
	CodeCannotDelete                       = "CannotDelete"
	CodeInvalidPermissionDuplicate         = "InvalidPermission.Duplicate"
	CodeInvalidPermissionNotFound          = "InvalidPermission.NotFound"
	CodeRulesPerSecurityGroupLimitExceeded = "RulesPerSecurityGroupLimitExceeded"
	CodeVcpuLimitExceeded                  = "VcpuLimitExceeded"
	CodeSecurityGroupLimitExceeded         = "SecurityGroupLimitExceeded"
	CodeInvalidPrefixListIDNotFound        = "InvalidPrefixListID.NotFound"
	CodeInvalidSecurityGroupRuleIDNotFound = "InvalidSecurityGroupRuleId.NotFound"
	CodeInvalidNetworkInterfaceIDNotFound  = "InvalidNetworkInterfaceID.NotFound"
	CodeInvalidInstanceIDNotFound          = "InvalidInstanceID.NotFound"
	CodeInvalidInstanceIDMalformed         = "InvalidInstanceID.Malformed"
	CodeInvalidInstanceType                = "InvalidInstanceType"
	CodeInvalidAMIIDNotFound               = "InvalidAMIID.NotFound"
	CodeInvalidAMIIDMalformed              = "InvalidAMIID.Malformed"
	CodeInvalidID                          = "InvalidID"
	CodeIdempotentParameterMismatch        = "IdempotentParameterMismatch"
	CodeUnsupported                        = "Unsupported"
	CodeVPCIDNotSpecified                  = "VPCIdNotSpecified"
	// CodeInsufficientInstanceCapacity is never returned by the model on
	// its own; tests inject it as a fault.
	CodeInsufficientInstanceCapacity = "InsufficientInstanceCapacity"
)

func apiError(code, format string, args ...any) error {
	return account.APIError(code, fmt.Sprintf(format, args...))
}

func errInvalidParameter(format string, args ...any) error {
	return apiError(CodeInvalidParameterValue, format, args...)
}

func errMissing(param string) error {
	return apiError(CodeMissingParameter, "The request must contain the parameter %s", param)
}

// errNotFound is the "<kind> ID '<id>' does not exist" family, e.g.
// InvalidVpcID.NotFound "The vpc ID 'vpc-1' does not exist".
func errNotFound(code, kind, id string) error {
	return apiError(code, "The %s ID '%s' does not exist", kind, id)
}

func errVPCNotFound(id string) error { return errNotFound(CodeInvalidVpcIDNotFound, "vpc", id) }
func errSubnetNotFound(id string) error {
	return errNotFound(CodeInvalidSubnetIDNotFound, "subnet", id)
}
func errIGWNotFound(id string) error {
	return errNotFound(CodeInvalidInternetGatewayIDNotFound, "internetGateway", id)
}
func errRouteTableNotFound(id string) error {
	return errNotFound(CodeInvalidRouteTableIDNotFound, "routeTable", id)
}
func errENINotFound(id string) error {
	return errNotFound(CodeInvalidNetworkInterfaceIDNotFound, "network interface", id)
}

func errGroupNotFound(id string) error {
	return apiError(CodeInvalidGroupNotFound, "The security group '%s' does not exist", id)
}

// errInstancesNotFound names every missing id as AWS does: "The instance
// ID 'i-1' does not exist" or "The instance IDs 'i-1, i-2' do not exist".
func errInstancesNotFound(ids []string) error {
	if len(ids) == 1 {
		return errNotFound(CodeInvalidInstanceIDNotFound, "instance", ids[0])
	}
	return apiError(CodeInvalidInstanceIDNotFound, "The instance IDs '%s' do not exist", strings.Join(ids, ", "))
}

// errHasDependencies is DeleteVpc/DeleteSubnet/DeleteInternetGateway/
// DeleteRouteTable refused while something still uses the resource.
func errHasDependencies(kind, id string) error {
	return apiError(CodeDependencyViolation, "The %s '%s' has dependencies and cannot be deleted.", kind, id)
}

// errDependentObject is DeleteSecurityGroup refused while an ENI or a rule
// of another group uses the group.
func errDependentObject(id string) error {
	return apiError(CodeDependencyViolation, "resource %s has a dependent object", id)
}
