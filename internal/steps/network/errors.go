package network

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/steps/step"
)

// EC2 error codes the step handles by name.
const (
	// codeDependencyViolation: a subnet still has ENIs, a gateway still
	// maps public addresses, a VPC still holds groups. They drain by
	// themselves once the instance, mount targets and ALB are gone.
	codeDependencyViolation = "DependencyViolation"
	// codeAlreadyAssociated: the gateway is already attached (a retried
	// attach that reached AWS).
	codeAlreadyAssociated = "Resource.AlreadyAssociated"
	// codeRouteAlreadyExists: a retried CreateRoute that reached AWS.
	codeRouteAlreadyExists = "RouteAlreadyExists"
	// codeGatewayNotAttached: a retried detach that reached AWS.
	codeGatewayNotAttached = "Gateway.NotAttached"
	codeAccessDenied       = "UnauthorizedOperation"
	codeVpcLimitExceeded   = "VpcLimitExceeded"
	codeIGWLimitExceeded   = "InternetGatewayLimitExceeded"
)

// Remediations of the failures this step reports.
const (
	remedyVPCNotFound = "Check vpc_id and region in the request: the VPC must exist in that region and account. Leave vpc_id out to use the default VPC or let GeuseMaker create one."
	remedySubnets     = "Check subnet_ids: every subnet must exist in the request's region and belong to vpc_id. Leave subnet_ids out to use the VPC's subnets."
	remedyTwoZones    = "An ALB needs subnets in at least two Availability Zones: give subnet_ids in two different zones, add a subnet in a second zone to the VPC, or use tier dev without an ALB."
	remedyNoGateway   = "An internet-facing ALB needs an internet gateway attached to the VPC (without one it stays provisioning forever): attach one and route 0.0.0.0/0 to it, or leave vpc_id out to let GeuseMaker create a public VPC."
	remedyCreate      = "Check the network Lambda's permissions (ec2:CreateVpc, CreateSubnet, CreateInternetGateway, CreateRouteTable and the related Describe/Modify/Attach/Associate actions) and the region's VPC quotas, then retry."
	remedyDelete      = "Delete the remaining resources tagged geusemaker:deployment with this deployment id in the VPC console, then run destroy again."
	remedyBusy        = "The network is still in use (instances, mount targets, load balancer or security groups are being deleted); the step is retried until they are gone."
)

var remediations = map[string]string{
	codeAccessDenied:     "Grant the network Lambda's role the EC2 VPC actions it needs (ec2:CreateVpc, ec2:CreateSubnet, ec2:CreateInternetGateway, ec2:CreateRouteTable, ec2:Describe*), then retry.",
	codeVpcLimitExceeded: "The region's VPC quota (5 by default) is reached: delete unused VPCs, give vpc_id to reuse one, or request a quota increase, then retry.",
	codeIGWLimitExceeded: "The region's internet gateway quota is reached: delete unused gateways or request a quota increase, then retry.",
}

// family names the step's failures NetworkFailed, with remediations by AWS code.
// DependencyViolation: the network is still in use while instances, mount
// targets or load balancer ENIs are deleted.
var family = step.Family{Name: contract.Network, Error: contract.NetworkFailed, Remediations: remediations,
	Busy: map[string]string{codeDependencyViolation: remedyBusy}}
