// Package elbv2 owns the deployment's application load balancer:
// the internet-facing ALB in two Availability Zones, its target group with
// the /healthz health check, the HTTP:80 listener and, with CloudFront, the
// listener rule that forwards only requests carrying the secret origin
// header. It polls the ALB to active and the instance to healthy, and tears
// everything down on rollback and destroy.
//
// Actions: create, status, register, targets_status, delete, delete_status.
// Status keys: alb, targets, alb_delete.
//
// It imports document, steperr, awsapi, clock, step and the SDK's ELBv2 client;
// never sim or engine.
package elbv2

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// The step's waits (read-only), paced by document.Pace.
var (
	// ALBWait: provisioning→active takes about 3 min (docs/architecture.md, Latencies), but AWS
	// states no bound and peers report up to 30 min. 15 min lets slow
	// regions finish and still fails a stuck ALB well before the SDK
	// waiter's defaults would.
	ALBWait = document.Wait{Typical: 3 * time.Minute, Timeout: 15 * time.Minute}
	// TargetsWait: registration→healthy when nothing is known of the
	// instance's boot: the workload answers typicalWorkload after boot,
	// then HealthyThreshold checks must pass (see targetsWait). The
	// original tool waited up to 600 s.
	TargetsWait = document.Wait{Typical: typicalWorkload + HealthyThreshold*HealthCheckInterval, Timeout: 10 * time.Minute}
	// ALBDeleteWait: DeleteLoadBalancer takes effect within seconds.
	ALBDeleteWait = document.Wait{Typical: 5 * time.Second, Timeout: 10 * time.Minute}
)

// typicalWorkload is how long after the instance runs its workload answers
// on port 80: the UserData pulls the images and starts the stack (≈ 4 min,
// the original tool's boots).
const typicalWorkload = 4 * time.Minute

// The target group's health check: a target turns healthy
// HealthyThreshold checks, HealthCheckInterval apart, after the workload
// answers and the load balancer checks it.
const (
	HealthCheckInterval = 30 * time.Second
	HealthyThreshold    = 2
)

// The load balancer's shape: GeuseMaker's workload answers HTTP on port 80
// behind nginx, with /healthz for the health check.
const (
	httpPort          = 80
	healthCheckPath   = "/healthz"
	healthTimeout     = 5 // seconds
	unhealthyCount    = 3
	healthMatcher     = "200"
	attrDropInvalid   = "routing.http.drop_invalid_header_fields.enabled"
	attrDeletionGuard = "deletion_protection.enabled"
)

// ELBv2 states the step reads.
const (
	stateProvisioning = string(types.LoadBalancerStateEnumProvisioning)
	stateDeleted      = "deleted"  // the step's own: ELBv2 forgets a deleted load balancer
	stateDeleting     = "deleting" // the step's own: deleted, still described
)

// api is what the step calls on ELBv2.
type api interface {
	elb.DescribeLoadBalancersAPIClient
	elb.DescribeTargetGroupsAPIClient
	elb.DescribeListenersAPIClient
	elb.DescribeRulesAPIClient
	CreateLoadBalancer(context.Context, *elb.CreateLoadBalancerInput, ...func(*elb.Options)) (*elb.CreateLoadBalancerOutput, error)
	DeleteLoadBalancer(context.Context, *elb.DeleteLoadBalancerInput, ...func(*elb.Options)) (*elb.DeleteLoadBalancerOutput, error)
	ModifyLoadBalancerAttributes(context.Context, *elb.ModifyLoadBalancerAttributesInput, ...func(*elb.Options)) (*elb.ModifyLoadBalancerAttributesOutput, error)
	CreateTargetGroup(context.Context, *elb.CreateTargetGroupInput, ...func(*elb.Options)) (*elb.CreateTargetGroupOutput, error)
	DeleteTargetGroup(context.Context, *elb.DeleteTargetGroupInput, ...func(*elb.Options)) (*elb.DeleteTargetGroupOutput, error)
	CreateListener(context.Context, *elb.CreateListenerInput, ...func(*elb.Options)) (*elb.CreateListenerOutput, error)
	DeleteListener(context.Context, *elb.DeleteListenerInput, ...func(*elb.Options)) (*elb.DeleteListenerOutput, error)
	CreateRule(context.Context, *elb.CreateRuleInput, ...func(*elb.Options)) (*elb.CreateRuleOutput, error)
	DeleteRule(context.Context, *elb.DeleteRuleInput, ...func(*elb.Options)) (*elb.DeleteRuleOutput, error)
	RegisterTargets(context.Context, *elb.RegisterTargetsInput, ...func(*elb.Options)) (*elb.RegisterTargetsOutput, error)
	DescribeTargetHealth(context.Context, *elb.DescribeTargetHealthInput, ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error)
	DescribeTags(context.Context, *elb.DescribeTagsInput, ...func(*elb.Options)) (*elb.DescribeTagsOutput, error)
}

// Step is the elbv2 Lambda's logic.
type Step struct{ step.Base }

// New returns the elbv2 step. Clients are built per call for the
// request's region, so one Lambda serves deployments in any region.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{step.New(family, cfg, c, log)}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{
		contract.ActionCreate:        s.create,
		contract.ActionStatus:        s.status,
		contract.ActionRegister:      s.register,
		contract.ActionTargetsStatus: s.targetsStatus,
		contract.ActionDelete:        s.delete,
		contract.ActionDeleteStatus:  s.deleteStatus,
	}
}

// client returns an ELB client for the deployment's region.
func (s *Step) client(doc *document.Document) api {
	return elb.NewFromConfig(s.Config(doc))
}

// tags returns the deployment's tags plus Name, sorted by key.
func tags(doc *document.Document, name string) []types.Tag {
	return step.Tags(doc.Request, name, func(k, v string) types.Tag {
		return types.Tag{Key: aws.String(k), Value: aws.String(v)}
	})
}
