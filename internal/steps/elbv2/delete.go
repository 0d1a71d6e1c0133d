package elbv2

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/origin"
)

// delete tears the load balancer down in dependency order: origin rule,
// listener, load balancer (not waited on here: delete_status polls it),
// then the target group, which a listener or rule keeps in use. It first
// completes the ledger from look-ups by name and deployment tag, so that a
// run whose ledger lost an ARN still leaves nothing behind. Nothing here
// can be user-supplied: the request has no field for an existing ALB.
func (s *Step) delete(ctx context.Context, doc *document.Document) error {
	step, log, c := family.StepName(contract.ActionDelete), s.Logger(doc, contract.ActionDelete), s.client(doc)
	if err := s.sweep(ctx, c, doc); err != nil {
		return steperr.FromAWS(contract.LoadBalancerFailed, step, err, remedyDelete)
	}
	res := &doc.Resources
	if res.ListenerRuleARN != "" {
		_, err := c.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: aws.String(res.ListenerRuleARN)})
		if err := gone(log, "listener_rule", res.ListenerRuleARN, err); err != nil {
			return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("delete rule %s: %w", res.ListenerRuleARN, err), remedyDelete)
		}
	}
	if res.ListenerARN != "" {
		_, err := c.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(res.ListenerARN)})
		if err := gone(log, "listener", res.ListenerARN, err); err != nil {
			return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("delete listener %s: %w", res.ListenerARN, err), remedyDelete)
		}
	}
	if res.ALBARN != "" {
		doc.Deadline(contract.StatusALBDelete, s.Clock.Now(), ALBDeleteWait.Timeout)
		_, err := c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(res.ALBARN)})
		if err := gone(log, "alb", res.ALBARN, err); err != nil {
			remedy := remedyDelete
			if awsapi.Code(err) == codeOperationNotPermitted {
				remedy = remedyProtected
			}
			return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("delete load balancer %s: %w", res.ALBARN, err), remedy)
		}
	}
	if res.TargetGroupARN != "" {
		_, err := c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(res.TargetGroupARN)})
		// ResourceInUse: ELBv2 takes a few seconds to see that the
		// listener just deleted no longer references the group; the
		// state machine retries ResourceBusy.
		if awsapi.Code(err) == codeResourceInUse {
			return steperr.FromAWS(contract.ResourceBusy, step, fmt.Errorf("delete target group %s: %w", res.TargetGroupARN, err), remedyBusy)
		}
		if err := gone(log, "target_group", res.TargetGroupARN, err); err != nil {
			return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("delete target group %s: %w", res.TargetGroupARN, err), remedyDelete)
		}
	}
	now := s.Clock.Now()
	p := ALBDeleteWait.Pending(stateDeleting, doc.Deadline(contract.StatusALBDelete, now, ALBDeleteWait.Timeout), now)
	p.Done = res.ALBARN == ""
	doc.SetStatus(contract.StatusALBDelete, p)
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "Deleting the load balancer...", res.ALBARN)
	return nil
}

// sweep fills the ledger's empty load balancer keys from look-ups: the load
// balancer and target group by name (only when tagged for this deployment),
// the listener and origin rule through the load balancer.
func (s *Step) sweep(ctx context.Context, c api, doc *document.Document) error {
	res, id := &doc.Resources, doc.Request.DeploymentID
	if res.ALBARN == "" {
		lb, owner, err := findLoadBalancer(ctx, c, doc.Request.ALBName())
		if err != nil {
			return err
		}
		if lb != nil && owner == id {
			res.ALBARN, res.ALBDNS = aws.ToString(lb.LoadBalancerArn), aws.ToString(lb.DNSName)
		}
	}
	if res.TargetGroupARN == "" {
		tg, owner, err := findTargetGroup(ctx, c, doc.Request.TargetGroupName())
		if err != nil {
			return err
		}
		if tg != nil && owner == id {
			res.TargetGroupARN = aws.ToString(tg.TargetGroupArn)
		}
	}
	if res.ALBARN != "" && res.ListenerARN == "" {
		l, err := findListener(ctx, c, res.ALBARN)
		if err != nil && !awsapi.IsNotFound(err) {
			return err
		}
		if l != nil {
			res.ListenerARN = aws.ToString(l.ListenerArn)
		}
	}
	if res.ListenerARN != "" && res.ListenerRuleARN == "" {
		r, err := origin.Rule(ctx, c, res.ListenerARN)
		if err != nil && !awsapi.IsNotFound(err) {
			return err
		}
		if r != nil {
			res.ListenerRuleARN = aws.ToString(r.RuleArn)
		}
	}
	return nil
}

// gone treats a resource that does not exist as deleted, and logs the
// deletion.
func gone(log *slog.Logger, resource, id string, err error) error {
	if err != nil && !awsapi.IsNotFound(err) {
		return err
	}
	log.Info("deleted", "resource", resource, "id", id, "already_gone", err != nil)
	return nil
}

// deleteStatus polls the load balancer's deletion: done once ELBv2 no
// longer knows it.
func (s *Step) deleteStatus(ctx context.Context, doc *document.Document) error {
	step, log, c := family.StepName(contract.ActionDeleteStatus), s.Logger(doc, contract.ActionDeleteStatus), s.client(doc)
	arn := doc.Resources.ALBARN
	done := func() error {
		doc.SetStatus(contract.StatusALBDelete, document.Poll{Status: stateDeleted, Done: true, Percent: 100})
		doc.Report(s.Clock.Now(), doc.TeardownStage(), "Load balancer deleted", arn)
		return nil
	}
	if arn == "" {
		return done()
	}
	out, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if awsapi.IsNotFound(err) || err == nil && len(out.LoadBalancers) == 0 {
		return done()
	}
	if err != nil {
		return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("describe load balancer %s: %w", arn, err), remedyDelete)
	}
	deadline := doc.Deadline(contract.StatusALBDelete, s.Clock.Now(), ALBDeleteWait.Timeout)
	if s.Clock.Now().After(deadline) {
		return steperr.Timeout(step, "deletion of load balancer "+arn, deadline, remedyDeleteTimeout)
	}
	log.Debug("load balancer still exists", "resource", "alb", "id", arn)
	doc.SetStatus(contract.StatusALBDelete, ALBDeleteWait.Pending(stateDeleting, deadline, s.Clock.Now()))
	return nil
}
