// Package firewall owns the deployment's security groups: the ALB's (port
// 80 from CloudFront's origin-facing prefix list when there is a CDN, else
// from anywhere), the instance's (port 80 from the ALB's group, or from
// anywhere without an ALB; SSH only from the user's CIDR) and the EFS
// mount targets' (NFS from the instance's group). A group the user supplies
// becomes the instance's group and is never modified or deleted.
//
// Actions: create, delete. No status keys.
//
// It imports document, steperr, awsapi, clock, step and the SDK's EC2 client;
// never sim or engine.
package firewall

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

// Ports the groups open.
const (
	portHTTP = 80
	portSSH  = 22
	portNFS  = 2049
	anywhere = "0.0.0.0/0"
	// cloudFrontPrefixList is the AWS-managed list of CloudFront's
	// origin-facing addresses; a rule from it weighs its MaxEntries (55)
	// against the group's 60-rule quota, so the ALB group opens one port.
	cloudFrontPrefixList = "com.amazonaws.global.cloudfront.origin-facing"
)

// ec2API is what the step calls on EC2.
type ec2API interface {
	ec2.DescribeSecurityGroupsAPIClient
	ec2.DescribeManagedPrefixListsAPIClient
	CreateSecurityGroup(context.Context, *ec2.CreateSecurityGroupInput, ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error)
	AuthorizeSecurityGroupIngress(context.Context, *ec2.AuthorizeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
	RevokeSecurityGroupIngress(context.Context, *ec2.RevokeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error)
	DeleteSecurityGroup(context.Context, *ec2.DeleteSecurityGroupInput, ...func(*ec2.Options)) (*ec2.DeleteSecurityGroupOutput, error)
}

// Step is the firewall Lambda's logic.
type Step struct{ step.Base }

// New returns the firewall step. Clients are built per call for the
// request's region, so one Lambda serves deployments in any region.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{step.New(family, cfg, c, log)}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{
		contract.ActionCreate:       s.create,
		contract.ActionDelete:       s.delete,
		contract.ActionDeleteStatus: s.deleteStatus,
	}
}

// client returns an EC2 client for the deployment's region.
func (s *Step) client(doc *document.Document) ec2API {
	return ec2.NewFromConfig(s.Config(doc))
}

// roles lists the group roles in creation order; deletion runs backwards.
// DeleteWait bounds the wait for the groups' ENIs to drain: the ALB's
// linger minutes after its delete (see internal/sim/elbv2's
// LatencyENIRelease), the mount targets' and instance's less.
// What is left of that when the deletion gets there varies from nothing
// to minutes, so it polls soon, then tight, backing off (document.Pace).
var DeleteWait = document.Wait{Typical: 10 * time.Second, Timeout: 20 * time.Minute}

// holder is, for each group, the report key of the family whose network
// interfaces use it, and the kind of resource that owns them (as the
// family's record names it).
var holder = map[string][2]string{
	document.SGRoleALB:      {contract.ReportLoadBalancer, "load balancer"},
	document.SGRoleInstance: {contract.ReportInstance, "EC2 instance"},
	document.SGRoleEFS:      {contract.ReportStorage, "EFS mount target"},
}

var roles = []string{document.SGRoleALB, document.SGRoleInstance, document.SGRoleEFS}
