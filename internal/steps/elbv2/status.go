package elbv2

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
)

// status polls the load balancer once: active is done, failed is
// LoadBalancerFailed, still provisioning past the deadline is Timeout.
// An ALB stuck provisioning because its VPC has no internet gateway is
// caught early by the network step's gateway check; here only the deadline
// remains.
func (s *Step) status(ctx context.Context, doc *document.Document) error {
	step, log, c := family.StepName(contract.ActionStatus), s.Logger(doc, contract.ActionStatus), s.client(doc)
	arn := doc.Resources.ALBARN
	if arn == "" {
		return steperr.New(contract.InternalError, step, "no load balancer recorded: status ran before create", remedyWiring)
	}
	out, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if awsapi.IsNotFound(err) {
		return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("describe load balancer %s: %w", arn, err), remedyVanished)
	}
	if err != nil {
		return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("describe load balancer %s: %w", arn, err), remedyCreate)
	}
	lb := out.LoadBalancers[0]
	state := types.LoadBalancerState{}
	if lb.State != nil {
		state = *lb.State
	}
	deadline := doc.Deadline(contract.StatusALB, s.Clock.Now(), ALBWait.Timeout)
	log.Debug("polled load balancer", "resource", "alb", "id", arn, "state", state.Code)
	switch state.Code {
	// active_impaired serves traffic (it cannot scale): good enough to go on.
	case types.LoadBalancerStateEnumActive, types.LoadBalancerStateEnumActiveImpaired:
		doc.SetStatus(contract.StatusALB, document.Poll{Status: string(state.Code), Done: true, Percent: 100})
		// The stage's timing tells the target wait when health checks began.
		doc.SetTiming(document.StageLoadBalancer, deadline.Add(-ALBWait.Timeout), s.Clock.Now())
		doc.Report(s.Clock.Now(), document.StageLoadBalancer,
			fmt.Sprintf("Load balancer is active: %s", aws.ToString(lb.DNSName)), arn).StagePercent = 100
		return nil
	case types.LoadBalancerStateEnumFailed:
		return steperr.New(contract.LoadBalancerFailed, step,
			fmt.Sprintf("load balancer %s failed: %s", arn, aws.ToString(state.Reason)), remedyFailed)
	}
	if s.Clock.Now().After(deadline) {
		return steperr.Timeout(step, "load balancer "+arn, deadline, remedyALBTimeout)
	}
	poll := ALBWait.Pending(string(state.Code), deadline, s.Clock.Now())
	doc.SetStatus(contract.StatusALB, poll)
	doc.Report(s.Clock.Now(), document.StageLoadBalancer,
		fmt.Sprintf("Waiting for load balancer %s to become active...", doc.Request.ALBName()), arn).StagePercent = poll.Percent
	return nil
}

// register adds the instance to the target group on port 80 and starts the
// wait for it to turn healthy. Registering again changes nothing.
func (s *Step) register(ctx context.Context, doc *document.Document) error {
	step, log, c := family.StepName(contract.ActionRegister), s.Logger(doc, contract.ActionRegister), s.client(doc)
	tg, id := doc.Resources.TargetGroupARN, doc.Resources.InstanceID
	if id == "" {
		return steperr.New(contract.InternalError, step, "register needs an instance; the ledger has none", remedyWiring)
	}
	if tg == "" {
		// The instance's branch registers it as soon as it runs, while
		// the load balancer's branch, which records the target group,
		// may still wait for the ALB: the group is found by name (only
		// this deployment's) and not recorded here, as the ledger's keys
		// are each written by one branch.
		g, owner, err := findTargetGroup(ctx, c, doc.Request.TargetGroupName())
		switch {
		case err != nil:
			return steperr.FromAWS(contract.LoadBalancerFailed, step, err, remedyRegister)
		case g == nil:
			return family.ResourceBusy(contract.ActionRegister,
				fmt.Errorf("target group %s does not exist yet", doc.Request.TargetGroupName()), remedyRegister)
		}
		if err := s.checkOwner(doc, "target group", doc.Request.TargetGroupName(), owner); err != nil {
			return err
		}
		tg = aws.ToString(g.TargetGroupArn)
	}
	if _, err := c.RegisterTargets(ctx, &elb.RegisterTargetsInput{
		TargetGroupArn: aws.String(tg),
		Targets:        []types.TargetDescription{{Id: aws.String(id), Port: aws.Int32(httpPort)}},
	}); err != nil {
		return steperr.FromAWS(contract.LoadBalancerFailed, step,
			fmt.Errorf("register instance %s with target group %s: %w", id, tg, err), remedyRegister)
	}
	log.Info("registered target", "resource", "target_group", "id", tg, "instance_id", id)
	deadline := doc.Deadline(contract.StatusTargets, s.Clock.Now(), TargetsWait.Timeout)
	poll := targetsWait(doc, deadline).Pending(string(types.TargetHealthStateEnumInitial), deadline, s.Clock.Now())
	doc.SetStatus(contract.StatusTargets, poll)
	doc.Report(s.Clock.Now(), document.StageHealth,
		fmt.Sprintf("Instance %s registered; waiting for it to pass health checks...", id), id).StagePercent = poll.Percent
	return nil
}

// healthDeadline is when the target must be healthy: TargetsWait's timeout
// after its registration, or after the ALB became active when that came
// later (the instance's branch registers as soon as it runs, and health
// checks start only once the ALB is active).
func healthDeadline(doc *document.Document, now time.Time) time.Time {
	deadline := doc.Deadline(contract.StatusTargets, now, TargetsWait.Timeout)
	if active, err := document.ParseTimestamp(doc.Timings[document.StageLoadBalancer].EndedAt); err == nil {
		if d := active.Add(TargetsWait.Timeout); d.After(deadline) {
			return d
		}
	}
	return deadline
}

// targetsStatus polls the instance's health once: healthy is done; a
// target whose instance is no longer running fails at once; anything else
// past the deadline is TargetUnhealthy with ELBv2's reason.
func (s *Step) targetsStatus(ctx context.Context, doc *document.Document) error {
	step, log, c := family.StepName(contract.ActionTargetsStatus), s.Logger(doc, contract.ActionTargetsStatus), s.client(doc)
	tg, id := doc.Resources.TargetGroupARN, doc.Resources.InstanceID
	out, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{
		TargetGroupArn: aws.String(tg),
		Targets:        []types.TargetDescription{{Id: aws.String(id), Port: aws.Int32(httpPort)}},
	})
	if err != nil {
		return steperr.FromAWS(contract.LoadBalancerFailed, step,
			fmt.Errorf("describe health of %s in target group %s: %w", id, tg, err), remedyRegister)
	}
	health := types.TargetHealth{State: types.TargetHealthStateEnumUnused, Reason: types.TargetHealthReasonEnumNotRegistered}
	if len(out.TargetHealthDescriptions) > 0 && out.TargetHealthDescriptions[0].TargetHealth != nil {
		health = *out.TargetHealthDescriptions[0].TargetHealth
	}
	deadline := healthDeadline(doc, s.Clock.Now())
	detail := string(health.Reason)
	if d := aws.ToString(health.Description); d != "" {
		detail += ": " + d
	}
	log.Debug("polled target health", "resource", "target", "id", id, "state", health.State, "reason", health.Reason)
	if health.State == types.TargetHealthStateEnumHealthy {
		doc.SetStatus(contract.StatusTargets, document.Poll{Status: string(health.State), Done: true, Percent: 100})
		doc.Report(s.Clock.Now(), document.StageHealth, fmt.Sprintf("Instance %s is healthy behind the load balancer", id), id).StagePercent = 100
		return nil
	}
	// Target.InvalidState: the instance is stopped or terminated; it will
	// not turn healthy, so waiting out the deadline would only delay rollback.
	if health.Reason == types.TargetHealthReasonEnumInvalidState || s.Clock.Now().After(deadline) {
		return steperr.New(contract.TargetUnhealthy, step,
			fmt.Sprintf("instance %s is %s behind the load balancer (%s)", id, health.State, detail), remedyUnhealthy)
	}
	poll := targetsWait(doc, deadline).Pending(string(health.State), deadline, s.Clock.Now())
	poll.Detail = detail
	doc.SetStatus(contract.StatusTargets, poll)
	doc.Report(s.Clock.Now(), document.StageHealth,
		fmt.Sprintf("Waiting for instance %s to pass health checks (%s)...", id, health.State), id).StagePercent = poll.Percent
	return nil
}

// targetsWait is the wait for the target registered TargetsWait.Timeout
// before deadline to turn healthy: HealthyThreshold checks after the
// latest of its registration, the load balancer turning active and the
// workload answering (typicalWorkload after the instance was seen running),
// as the stages' timings tell; TargetsWait's typical when they do not.
func targetsWait(doc *document.Document, deadline time.Time) document.Wait {
	registered := deadline.Add(-TargetsWait.Timeout)
	running, err := document.ParseTimestamp(doc.Timings[document.StageCompute].EndedAt)
	if err != nil {
		return TargetsWait
	}
	checked := later(registered, running.Add(typicalWorkload))
	if active, err := document.ParseTimestamp(doc.Timings[document.StageLoadBalancer].EndedAt); err == nil {
		checked = later(checked, active)
	}
	return document.Wait{Typical: checked.Sub(registered) + HealthyThreshold*HealthCheckInterval, Timeout: TargetsWait.Timeout}
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
