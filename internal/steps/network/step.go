// Package network owns the deployment's network: it resolves the VPC and
// subnets the rest of the stack lives in and, when it had to create them,
// deletes them on rollback and destroy.
//
// resolve picks, in order: the VPC and subnets the user supplied; a VPC this
// deployment created earlier (found by its geusemaker:deployment tag, so a
// retry creates nothing twice); the region's default VPC with its default
// subnets; else a new VPC 10.0.0.0/16 with two public subnets in two
// Availability Zones, an internet gateway and a route table routing
// 0.0.0.0/0 to it. Supplied and default resources are marked supplied and
// never deleted. Subnets in zones that offer the instance type come first.
//
// Actions: resolve, delete. No status keys: nothing here is waited on.
//
// It imports document, steperr, awsapi, clock, step and the SDK's EC2 client;
// never sim or engine.
package network

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// The network GeuseMaker creates when there is no default VPC (the original
// tool's layout).
const (
	vpcCIDR = "10.0.0.0/16"
	// subnetCount public subnets, in as many zones: an ALB needs two.
	subnetCount = 2
	anywhere    = "0.0.0.0/0"
)

// ec2API is what the step calls on EC2.
type ec2API interface {
	ec2.DescribeVpcsAPIClient
	ec2.DescribeSubnetsAPIClient
	ec2.DescribeInternetGatewaysAPIClient
	ec2.DescribeRouteTablesAPIClient
	ec2.DescribeInstanceTypeOfferingsAPIClient
	CreateVpc(context.Context, *ec2.CreateVpcInput, ...func(*ec2.Options)) (*ec2.CreateVpcOutput, error)
	ModifyVpcAttribute(context.Context, *ec2.ModifyVpcAttributeInput, ...func(*ec2.Options)) (*ec2.ModifyVpcAttributeOutput, error)
	DeleteVpc(context.Context, *ec2.DeleteVpcInput, ...func(*ec2.Options)) (*ec2.DeleteVpcOutput, error)
	CreateSubnet(context.Context, *ec2.CreateSubnetInput, ...func(*ec2.Options)) (*ec2.CreateSubnetOutput, error)
	ModifySubnetAttribute(context.Context, *ec2.ModifySubnetAttributeInput, ...func(*ec2.Options)) (*ec2.ModifySubnetAttributeOutput, error)
	DeleteSubnet(context.Context, *ec2.DeleteSubnetInput, ...func(*ec2.Options)) (*ec2.DeleteSubnetOutput, error)
	CreateInternetGateway(context.Context, *ec2.CreateInternetGatewayInput, ...func(*ec2.Options)) (*ec2.CreateInternetGatewayOutput, error)
	AttachInternetGateway(context.Context, *ec2.AttachInternetGatewayInput, ...func(*ec2.Options)) (*ec2.AttachInternetGatewayOutput, error)
	DetachInternetGateway(context.Context, *ec2.DetachInternetGatewayInput, ...func(*ec2.Options)) (*ec2.DetachInternetGatewayOutput, error)
	DeleteInternetGateway(context.Context, *ec2.DeleteInternetGatewayInput, ...func(*ec2.Options)) (*ec2.DeleteInternetGatewayOutput, error)
	CreateRouteTable(context.Context, *ec2.CreateRouteTableInput, ...func(*ec2.Options)) (*ec2.CreateRouteTableOutput, error)
	CreateRoute(context.Context, *ec2.CreateRouteInput, ...func(*ec2.Options)) (*ec2.CreateRouteOutput, error)
	AssociateRouteTable(context.Context, *ec2.AssociateRouteTableInput, ...func(*ec2.Options)) (*ec2.AssociateRouteTableOutput, error)
	DisassociateRouteTable(context.Context, *ec2.DisassociateRouteTableInput, ...func(*ec2.Options)) (*ec2.DisassociateRouteTableOutput, error)
	DeleteRouteTable(context.Context, *ec2.DeleteRouteTableInput, ...func(*ec2.Options)) (*ec2.DeleteRouteTableOutput, error)
	DescribeAvailabilityZones(context.Context, *ec2.DescribeAvailabilityZonesInput, ...func(*ec2.Options)) (*ec2.DescribeAvailabilityZonesOutput, error)
}

// Step is the network Lambda's logic.
type Step struct{ step.Base }

// DeleteWait bounds the wait for the network's ENIs to drain after their
// owners (the ALB's linger minutes) and the instance's public address to
// be released.
// What is left of that when the deletion gets there varies from nothing
// to minutes, so it polls soon, then tight, backing off (document.Pace).
var DeleteWait = document.Wait{Typical: 10 * time.Second, Timeout: 20 * time.Minute}

// New returns the network step. Clients are built per call for the
// request's region, so one Lambda serves deployments in any region.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{step.New(family, cfg, c, log)}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{
		contract.ActionResolve:      s.resolve,
		contract.ActionDelete:       s.delete,
		contract.ActionDeleteStatus: s.deleteStatus,
	}
}

// client returns an EC2 client for the deployment's region.
func (s *Step) client(doc *document.Document) ec2API {
	return ec2.NewFromConfig(s.Config(doc))
}
