package elbv2

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/origin"
)

// forbiddenBody is what a request without the origin header receives.
const forbiddenBody = "Forbidden"

// create makes (or adopts) the load balancer, sets its attributes, and makes
// the target group, the listener and, with CloudFront, the origin rule.
// Every one of them is found again by a deterministic look-up (name and
// deployment tag, load balancer and port, origin header), so a retried or
// failed invocation never makes a second one and destroy finds them all
// even when this invocation's ledger was lost.
func (s *Step) create(ctx context.Context, doc *document.Document) error {
	step, log, c := family.StepName(contract.ActionCreate), s.Logger(doc, contract.ActionCreate), s.client(doc)
	if !doc.Request.EnableALB {
		return steperr.New(contract.InternalError, step, "create called for a deployment without an ALB", remedyWiring)
	}
	res := &doc.Resources
	sg := res.SecurityGroupIDs[document.SGRoleALB]
	if len(res.SubnetIDs) < 2 || sg == "" {
		return steperr.New(contract.LoadBalancerFailed, step,
			fmt.Sprintf("the ALB needs subnets in two Availability Zones and the ALB security group; the ledger has %d subnet(s) and ALB security group %q",
				len(res.SubnetIDs), sg),
			remedyNetwork)
	}
	lb, err := s.ensureLoadBalancer(ctx, c, doc, sg, log)
	if err != nil {
		return createFailed(err)
	}
	lbARN := aws.ToString(lb.LoadBalancerArn)
	deadline := doc.Deadline(contract.StatusALB, s.Clock.Now(), ALBWait.Timeout)
	// Invalid header fields are dropped rather than forwarded to nginx
	// (request smuggling); deletion protection stays off so that rollback
	// and destroy can delete the load balancer.
	if _, err := c.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{
		LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []types.LoadBalancerAttribute{
			{Key: aws.String(attrDropInvalid), Value: aws.String("true")},
			{Key: aws.String(attrDeletionGuard), Value: aws.String("false")},
		},
	}); err != nil {
		return steperr.FromAWS(contract.LoadBalancerFailed, step, fmt.Errorf("set attributes of load balancer %s: %w", lbARN, err), remedyCreate)
	}
	tgARN, err := s.ensureTargetGroup(ctx, c, doc, aws.ToString(lb.VpcId), log)
	if err != nil {
		return createFailed(err)
	}
	listenerARN, err := s.ensureListener(ctx, c, doc, lbARN, tgARN, log)
	if err != nil {
		return createFailed(err)
	}
	if doc.Request.EnableCDN {
		if err := s.ensureOriginRule(ctx, c, doc, listenerARN, tgARN, log); err != nil {
			return createFailed(err)
		}
	}
	poll := ALBWait.Pending(stateProvisioning, deadline, s.Clock.Now())
	doc.SetStatus(contract.StatusALB, poll)
	doc.Report(s.Clock.Now(), document.StageLoadBalancer,
		fmt.Sprintf("Load balancer %s is provisioning...", doc.Request.ALBName()), lbARN).StagePercent = poll.Percent
	return nil
}

// ensureLoadBalancer finds this deployment's load balancer or creates it,
// and records its ARN and DNS name.
func (s *Step) ensureLoadBalancer(ctx context.Context, c api, doc *document.Document, sg string, log *slog.Logger) (*types.LoadBalancer, error) {
	name := doc.Request.ALBName()
	lb, owner, err := findLoadBalancer(ctx, c, name)
	if err != nil {
		return nil, err
	}
	scheme := types.LoadBalancerSchemeEnumInternetFacing
	if doc.Request.PrivateOrigin() {
		// Behind a VPC origin the ALB is internal: it has no address on
		// the internet, and CloudFront reaches it over AWS's network.
		scheme = types.LoadBalancerSchemeEnumInternal
	}
	if lb != nil {
		if err := s.checkOwner(doc, "load balancer", name, owner); err != nil {
			return nil, err
		}
		if lb.Scheme != scheme {
			// A scheme never changes: an older run's, or one made before
			// the region offered VPC origins.
			return nil, steperr.New(contract.LoadBalancerFailed, family.StepName(contract.ActionCreate),
				fmt.Sprintf("load balancer %s is %s; this deployment needs it %s", name, lb.Scheme, scheme),
				"A load balancer's scheme cannot change: destroy the deployment, then deploy it again.")
		}
		log.Info("adopting load balancer", "resource", "alb", "id", aws.ToString(lb.LoadBalancerArn))
	} else {
		out, err := c.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
			Name:           aws.String(name),
			Type:           types.LoadBalancerTypeEnumApplication,
			Scheme:         scheme,
			IpAddressType:  types.IpAddressTypeIpv4,
			Subnets:        doc.Resources.SubnetIDs,
			SecurityGroups: []string{sg},
			Tags:           tags(doc, name),
		})
		if err != nil {
			return nil, fmt.Errorf("create load balancer %s: %w", name, err)
		}
		lb = &out.LoadBalancers[0]
		log.Info("created load balancer", "resource", "alb", "id", aws.ToString(lb.LoadBalancerArn))
	}
	doc.Resources.ALBARN = aws.ToString(lb.LoadBalancerArn)
	doc.Resources.ALBDNS = aws.ToString(lb.DNSName)
	return lb, nil
}

// checkOwner refuses a same-named resource of another deployment (or one
// GeuseMaker did not tag): adopting it would let destroy delete it.
func (s *Step) checkOwner(doc *document.Document, kind, name, owner string) error {
	if owner == doc.Request.DeploymentID {
		return nil
	}
	who := fmt.Sprintf("deployment %q", owner)
	if owner == "" {
		who = "no GeuseMaker deployment"
	}
	return steperr.New(contract.LoadBalancerFailed, family.StepName(contract.ActionCreate),
		fmt.Sprintf("%s %s exists and belongs to %s", kind, name, who), remedyForeign)
}

// ensureTargetGroup finds this deployment's target group or creates it in
// the load balancer's VPC, and records its ARN.
func (s *Step) ensureTargetGroup(ctx context.Context, c api, doc *document.Document, vpcID string, log *slog.Logger) (string, error) {
	name := doc.Request.TargetGroupName()
	tg, owner, err := findTargetGroup(ctx, c, name)
	if err != nil {
		return "", err
	}
	if tg != nil {
		if err := s.checkOwner(doc, "target group", name, owner); err != nil {
			return "", err
		}
		log.Info("adopting target group", "resource", "target_group", "id", aws.ToString(tg.TargetGroupArn))
	} else {
		out, err := c.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
			Name:                       aws.String(name),
			TargetType:                 types.TargetTypeEnumInstance,
			Protocol:                   types.ProtocolEnumHttp,
			Port:                       aws.Int32(httpPort),
			VpcId:                      aws.String(vpcID),
			HealthCheckEnabled:         aws.Bool(true),
			HealthCheckProtocol:        types.ProtocolEnumHttp,
			HealthCheckPath:            aws.String(healthCheckPath),
			HealthCheckIntervalSeconds: aws.Int32(int32(HealthCheckInterval.Seconds())),
			HealthCheckTimeoutSeconds:  aws.Int32(healthTimeout),
			HealthyThresholdCount:      aws.Int32(HealthyThreshold),
			UnhealthyThresholdCount:    aws.Int32(unhealthyCount),
			Matcher:                    &types.Matcher{HttpCode: aws.String(healthMatcher)},
			Tags:                       tags(doc, name),
		})
		if err != nil {
			return "", fmt.Errorf("create target group %s: %w", name, err)
		}
		tg = &out.TargetGroups[0]
		log.Info("created target group", "resource", "target_group", "id", aws.ToString(tg.TargetGroupArn))
	}
	doc.Resources.TargetGroupARN = aws.ToString(tg.TargetGroupArn)
	return doc.Resources.TargetGroupARN, nil
}

// ensureListener finds the load balancer's HTTP:80 listener or creates it,
// and records its ARN. With CloudFront its default action answers 403, so
// only the origin rule reaches the instance; without, it forwards.
func (s *Step) ensureListener(ctx context.Context, c api, doc *document.Document, lbARN, tgARN string, log *slog.Logger) (string, error) {
	l, err := findListener(ctx, c, lbARN)
	if err != nil {
		return "", err
	}
	if l == nil {
		action := types.Action{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}
		if doc.Request.EnableCDN {
			action = types.Action{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
				StatusCode: aws.String("403"), ContentType: aws.String("text/plain"), MessageBody: aws.String(forbiddenBody),
			}}
		}
		out, err := c.CreateListener(ctx, &elb.CreateListenerInput{
			LoadBalancerArn: aws.String(lbARN),
			Protocol:        types.ProtocolEnumHttp,
			Port:            aws.Int32(httpPort),
			DefaultActions:  []types.Action{action},
			Tags:            tags(doc, doc.Request.ALBName()),
		})
		if err != nil {
			return "", fmt.Errorf("create listener on %s: %w", lbARN, err)
		}
		l = &out.Listeners[0]
		log.Info("created listener", "resource", "listener", "id", aws.ToString(l.ListenerArn))
	}
	doc.Resources.ListenerARN = aws.ToString(l.ListenerArn)
	return doc.Resources.ListenerARN, nil
}

// ensureOriginRule finds the listener's origin rule or creates it with a
// fresh secret, and records its ARN. The secret lives only in the rule (and
// later in CloudFront's origin configuration): never in the document or logs.
func (s *Step) ensureOriginRule(ctx context.Context, c api, doc *document.Document, listenerARN, tgARN string, log *slog.Logger) error {
	rule, err := origin.Rule(ctx, c, listenerARN)
	if err != nil {
		return err
	}
	if rule == nil {
		out, err := c.CreateRule(ctx, &elb.CreateRuleInput{
			ListenerArn: aws.String(listenerARN),
			Priority:    aws.Int32(origin.Priority),
			Conditions:  []types.RuleCondition{origin.NewCondition()},
			Actions:     []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}},
			Tags:        tags(doc, doc.Request.ALBName()),
		})
		if awsapi.Code(err) == codePriorityInUse {
			// A retried create whose first reply was lost made the rule:
			// the SDK resent the same input, so it holds the same secret.
			if found, ferr := origin.Rule(ctx, c, listenerARN); ferr == nil && found != nil {
				doc.Resources.ListenerRuleARN = aws.ToString(found.RuleArn)
				return nil
			}
		}
		if err != nil {
			return fmt.Errorf("create origin rule on %s: %w", listenerARN, err)
		}
		rule = &out.Rules[0]
		log.Info("created origin rule", "resource", "listener_rule", "id", aws.ToString(rule.RuleArn))
	}
	doc.Resources.ListenerRuleARN = aws.ToString(rule.RuleArn)
	return nil
}
