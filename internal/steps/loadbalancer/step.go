// Package loadbalancer owns the deployment's application load balancer:
// the internet-facing ALB in two Availability Zones, its target group with
// the /healthz health check, the HTTP:80 listener and, with CloudFront, the
// listener rule that forwards only requests carrying the secret origin
// header. It polls the ALB to active and the instance to healthy, and tears
// everything down on rollback and destroy.
//
// Actions: create, status, register, targets_status, delete, delete_status.
// Status keys: alb, targets, alb_delete.
//
// It imports document, steperr, awsapi, clock and the SDK's ELBv2 client;
// never sim or engine.
package loadbalancer

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/clock"
	"geusemaker/internal/document"
)

// Action names, as the state machine invokes them.
const (
	ActionCreate        = "create"
	ActionStatus        = "status"
	ActionRegister      = "register"
	ActionTargetsStatus = "targets_status"
	ActionDelete        = "delete"
	ActionDeleteStatus  = "delete_status"
)

// StatusALBDelete is the doc.Status and doc.Deadlines key of the load
// balancer's deletion (document has no constant for it).
const StatusALBDelete = "alb_delete"

// Deadlines, each computed once when its wait starts.
const (
	// albDeadline bounds provisioning→active: about 3 min typically
	// (DESIGN.md), but AWS states no bound and peers report up to 30 min.
	// 15 min lets slow regions finish and still fails a stuck ALB well
	// before the SDK waiter's defaults would.
	albDeadline = 15 * time.Minute
	// targetsDeadline bounds the wait for a healthy target: the original
	// tool waited up to 600 s (REFERENCE.md).
	targetsDeadline = 10 * time.Minute
	// albDeleteDeadline bounds DeleteLoadBalancer taking effect, normally
	// seconds.
	albDeleteDeadline = 10 * time.Minute
)

// Typical durations, from which progress and poll times are estimated.
const (
	// typicalALB is provisioning→active (DESIGN.md: ≈ 3 min).
	typicalALB = 3 * time.Minute
	// typicalTargets is registration→healthy: the workload answers about
	// 4 min after boot (image pulls), then two 30 s checks must pass.
	typicalTargets = 5 * time.Minute
)

// Poll intervals, in seconds, the state machine's Wait states read.
const (
	minPollSeconds    = 10
	maxPollSeconds    = 60
	deletePollSeconds = 10
	// maxPendingPercent keeps a wait's estimate below 100 until it is done.
	maxPendingPercent = 95
)

// The load balancer's shape: GeuseMaker's workload answers HTTP on port 80
// behind nginx, with /healthz for the health check.
const (
	httpPort          = 80
	healthCheckPath   = "/healthz"
	healthInterval    = 30 // seconds
	healthTimeout     = 5  // seconds
	healthyCount      = 2
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

// Step is the loadbalancer Lambda's logic.
type Step struct {
	cfg   aws.Config
	clock clock.Clock
	log   *slog.Logger
}

// New returns the loadbalancer step. Clients are built per call for the
// request's region, so one Lambda serves deployments in any region.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{cfg: cfg, clock: c, log: log}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() map[string]func(context.Context, *document.Document) error {
	return map[string]func(context.Context, *document.Document) error{
		ActionCreate:        s.create,
		ActionStatus:        s.status,
		ActionRegister:      s.register,
		ActionTargetsStatus: s.targetsStatus,
		ActionDelete:        s.delete,
		ActionDeleteStatus:  s.deleteStatus,
	}
}

// client returns an ELBv2 client for the deployment's region.
func (s *Step) client(doc *document.Document) api {
	return elb.NewFromConfig(s.cfg, func(o *elb.Options) {
		if doc.Request.Region != "" {
			o.Region = doc.Request.Region
		}
	})
}

// logger adds the deployment's fields.
func (s *Step) logger(doc *document.Document, action string) *slog.Logger {
	return s.log.With("deployment_id", doc.Request.DeploymentID, "step", stepName(action))
}

// stepName is the cause's "step" for an action, e.g. "loadbalancer-create".
func stepName(action string) string { return "loadbalancer-" + action }

// deadline returns the deadline of key, setting it to now+d on first use
// so retries and re-polls never extend it.
func (s *Step) deadline(doc *document.Document, key string, d time.Duration) time.Time {
	if doc.Deadlines == nil {
		doc.Deadlines = map[string]string{}
	}
	if t, err := document.ParseTimestamp(doc.Deadlines[key]); err == nil {
		return t
	}
	t := s.clock.Now().Add(d)
	doc.Deadlines[key] = document.Timestamp(t)
	return t
}

// waiting returns a pending poll for a wait that started at deadline-total
// and typically lasts typical: progress estimated from elapsed time, next
// poll when the transition is due (bounded to minPollSeconds..maxPollSeconds).
func (s *Step) waiting(status string, deadline time.Time, total, typical time.Duration) document.Poll {
	elapsed := s.clock.Now().Sub(deadline.Add(-total))
	percent := min(max(int(elapsed*100/typical), 0), maxPendingPercent)
	next := min(max(int((typical-elapsed).Seconds()), minPollSeconds), maxPollSeconds)
	return document.Poll{Status: status, Percent: percent, NextPollSeconds: next}
}

// setStatus writes a poll result.
func setStatus(doc *document.Document, key string, p document.Poll) {
	if doc.Status == nil {
		doc.Status = map[string]document.Poll{}
	}
	doc.Status[key] = p
}

// tags returns the deployment's tags plus Name, sorted by key.
func tags(doc *document.Document, name string) []types.Tag {
	all := doc.Request.Tags()
	all["Name"] = name
	out := make([]types.Tag, 0, len(all))
	for _, k := range slices.Sorted(maps.Keys(all)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(all[k])})
	}
	return out
}
