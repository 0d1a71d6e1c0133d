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
// then the target group, which a listener or rule keeps in use for seconds
// after their delete (delete_status then deletes it). Each is recorded in
// doc.Removal. It first completes the ledger from look-ups by name and
// deployment tag, so that a run whose ledger lost an ARN still leaves
// nothing behind. Nothing here can be user-supplied: the request has no
// field for an existing ALB.
func (s *Step) delete(ctx context.Context, doc *document.Document) error {
	step, log, c := family.StepName(contract.ActionDelete), s.Logger(doc, contract.ActionDelete), s.client(doc)
	if err := s.sweep(ctx, c, doc); err != nil {
		return steperr.FromAWS(contract.LoadBalancerFailed, step, err, remedyDelete)
	}
	res := &doc.Resources
	if res.ALBARN == "" && res.TargetGroupARN == "" {
		doc.NeverCreated("load balancer")
	}
	if res.ListenerRuleARN != "" {
		_, err := c.DeleteRule(ctx, &elb.DeleteRuleInput{RuleArn: aws.String(res.ListenerRuleARN)})
		err = removed(doc, log, "listener rule", res.ListenerRuleARN, err)
		if err != nil {
			return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("delete rule %s: %w", res.ListenerRuleARN, err), remedyDelete)
		}
		res.ListenerRuleARN = ""
	}
	if res.ListenerARN != "" {
		_, err := c.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: aws.String(res.ListenerARN)})
		err = removed(doc, log, "listener", res.ListenerARN, err)
		if err != nil {
			return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("delete listener %s: %w", res.ListenerARN, err), remedyDelete)
		}
		res.ListenerARN = ""
	}
	// A new wait: a deadline a previous teardown left must not end it.
	doc.StartWait(contract.StatusALBDelete, s.Clock.Now(), ALBDeleteWait.Timeout)
	if res.ALBARN != "" {
		if err := s.deleteLoadBalancer(ctx, c, doc, log); err != nil {
			return err
		}
	}
	if err := s.deleteTargetGroup(ctx, c, doc, step, log); err != nil {
		return err
	}
	now := s.Clock.Now()
	p := ALBDeleteWait.Pending(stateDeleting, doc.Deadline(contract.StatusALBDelete, now, ALBDeleteWait.Timeout), now)
	p.Done = res.ALBARN == "" && res.TargetGroupARN == ""
	doc.SetStatus(contract.StatusALBDelete, p)
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "Deleting the load balancer...", res.ALBARN)
	return nil
}

// deleteLoadBalancer deletes the ledger's load balancer and records it.
// ELBv2 refuses while a CloudFront VPC origin points at it
// (ResourceInUse): the teardown deletes CloudFront first, so one still
// there is one that teardown could not delete, and waiting would not help.
func (s *Step) deleteLoadBalancer(ctx context.Context, c api, doc *document.Document, log *slog.Logger) error {
	arn := doc.Resources.ALBARN
	_, err := c.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)})
	remedy := remedyDelete
	switch awsapi.Code(err) {
	case codeOperationNotPermitted:
		remedy = remedyProtected
	case codeResourceInUse:
		remedy = "Something outside ELBv2 still uses the load balancer, such as the deployment's CloudFront VPC origin that this teardown " +
			"could not delete (see the report's cloudfront entry): delete it, then run destroy again."
	}
	if err := removed(doc, log, "load balancer", arn, err); err != nil {
		return steperr.FromAWS(contract.LoadBalancerFailed, family.StepName(contract.ActionDelete), fmt.Errorf("delete load balancer %s: %w", arn, err), remedy)
	}
	return nil
}

// deleteTargetGroup deletes the ledger's target group and clears it from
// the ledger, unless ELBv2 still sees it in use: it takes seconds to see
// that a listener just deleted no longer references the group
// (ResourceInUse), and then the group stays for delete_status to retry.
func (s *Step) deleteTargetGroup(ctx context.Context, c api, doc *document.Document, step string, log *slog.Logger) error {
	res := &doc.Resources
	if res.TargetGroupARN == "" {
		return nil
	}
	_, err := c.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: aws.String(res.TargetGroupARN)})
	if awsapi.Code(err) == codeResourceInUse {
		log.Info("target group still in use", "resource", "target_group", "id", res.TargetGroupARN)
		return nil
	}
	if err := removed(doc, log, "target group", res.TargetGroupARN, err); err != nil {
		return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("delete target group %s: %w", res.TargetGroupARN, err), remedyDelete)
	}
	res.TargetGroupARN = ""
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

// removed records a delete call's result (its error, err) in doc.Removal
// and the log: a resource ELBv2 does not know is already gone; any other
// error is returned.
func removed(doc *document.Document, log *slog.Logger, kind, id string, err error) error {
	if err != nil && !awsapi.IsNotFound(err) {
		return err
	}
	log.Info("deleted "+kind, "resource", kind, "id", id, "already_gone", err != nil)
	doc.Removed(kind+" "+id, err != nil)
	return nil
}

// deleteStatus polls the load balancer's deletion: done once ELBv2 no
// longer knows it.
func (s *Step) deleteStatus(ctx context.Context, doc *document.Document) error {
	step, log, c := family.StepName(contract.ActionDeleteStatus), s.Logger(doc, contract.ActionDeleteStatus), s.client(doc)
	arn := doc.Resources.ALBARN
	gone := arn == ""
	if !gone {
		out, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
		if err != nil && !awsapi.IsNotFound(err) {
			return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("describe load balancer %s: %w", arn, err), remedyDelete)
		}
		gone = err != nil || len(out.LoadBalancers) == 0
	}
	if gone {
		if err := s.deleteTargetGroup(ctx, c, doc, step, log); err != nil {
			return err
		}
	}
	if gone && doc.Resources.TargetGroupARN == "" {
		doc.SetStatus(contract.StatusALBDelete, document.Poll{Status: stateDeleted, Done: true, Percent: 100})
		doc.Report(s.Clock.Now(), doc.TeardownStage(), "Load balancer deleted", arn)
		return nil
	}
	deadline := doc.Deadline(contract.StatusALBDelete, s.Clock.Now(), ALBDeleteWait.Timeout)
	if s.Clock.Now().After(deadline) {
		what := "deletion of load balancer " + arn
		if gone {
			what = "deletion of target group " + doc.Resources.TargetGroupARN + " (still in use)"
		}
		return steperr.Timeout(step, what, deadline, remedyDeleteTimeout)
	}
	log.Debug("load balancer or target group still exists", "resource", "alb", "id", arn)
	doc.SetStatus(contract.StatusALBDelete, ALBDeleteWait.Pending(stateDeleting, deadline, s.Clock.Now()))
	return nil
}
