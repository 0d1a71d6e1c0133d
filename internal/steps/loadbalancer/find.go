package loadbalancer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
)

// OriginHeader is the header CloudFront adds to every origin request and
// the listener rule requires; requests without it get the listener's 403.
const OriginHeader = "X-Origin-Verify"

// originRulePriority is the origin rule's priority, the only rule on the
// listener.
const originRulePriority = 1

// conditionHTTPHeader is the rule condition field matching a request header.
const conditionHTTPHeader = "http-header"

// ErrNoOriginRule says the listener has no rule matching OriginHeader.
var ErrNoOriginRule = errors.New("no " + OriginHeader + " listener rule")

// OriginSecret reads the origin header's name and secret value back from
// the listener rule that create made, so that the secret never travels in
// the deployment document. The CDN step calls it to configure CloudFront's
// custom origin header.
func OriginSecret(ctx context.Context, c elb.DescribeRulesAPIClient, listenerARN string) (header, value string, err error) {
	rule, err := findOriginRule(ctx, c, listenerARN)
	if err != nil {
		return "", "", err
	}
	if rule == nil {
		return "", "", fmt.Errorf("listener %s: %w", listenerARN, ErrNoOriginRule)
	}
	return OriginHeader, originCondition(*rule).Values[0], nil
}

// findOriginRule returns the listener's origin rule, or nil when it has none.
func findOriginRule(ctx context.Context, c elb.DescribeRulesAPIClient, listenerARN string) (*types.Rule, error) {
	p := elb.NewDescribeRulesPaginator(c, &elb.DescribeRulesInput{ListenerArn: aws.String(listenerARN)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe rules of listener %s: %w", listenerARN, err)
		}
		for _, r := range out.Rules {
			if !aws.ToBool(r.IsDefault) && originCondition(r) != nil {
				return &r, nil
			}
		}
	}
	return nil, nil
}

// originCondition returns the rule's condition on OriginHeader with one
// value, or nil.
func originCondition(r types.Rule) *types.HttpHeaderConditionConfig {
	for _, c := range r.Conditions {
		h := c.HttpHeaderConfig
		if aws.ToString(c.Field) == conditionHTTPHeader && h != nil &&
			strings.EqualFold(aws.ToString(h.HttpHeaderName), OriginHeader) && len(h.Values) == 1 {
			return h
		}
	}
	return nil
}

// findLoadBalancer returns the load balancer named name and the deployment
// its tags name, or nil when there is none.
func findLoadBalancer(ctx context.Context, c api, name string) (*types.LoadBalancer, string, error) {
	out, err := c.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{name}})
	if awsapi.IsNotFound(err) || err == nil && len(out.LoadBalancers) == 0 {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("describe load balancer %s: %w", name, err)
	}
	lb := out.LoadBalancers[0]
	owner, err := ownerOf(ctx, c, aws.ToString(lb.LoadBalancerArn))
	return &lb, owner, err
}

// findTargetGroup returns the target group named name and the deployment
// its tags name, or nil when there is none.
func findTargetGroup(ctx context.Context, c api, name string) (*types.TargetGroup, string, error) {
	out, err := c.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{name}})
	if awsapi.IsNotFound(err) || err == nil && len(out.TargetGroups) == 0 {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("describe target group %s: %w", name, err)
	}
	tg := out.TargetGroups[0]
	owner, err := ownerOf(ctx, c, aws.ToString(tg.TargetGroupArn))
	return &tg, owner, err
}

// ownerOf returns the deployment id a resource is tagged with ("" when
// untagged).
func ownerOf(ctx context.Context, c api, arn string) (string, error) {
	out, err := c.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		return "", fmt.Errorf("describe tags of %s: %w", arn, err)
	}
	for _, d := range out.TagDescriptions {
		for _, t := range d.Tags {
			if aws.ToString(t.Key) == document.TagDeployment {
				return aws.ToString(t.Value), nil
			}
		}
	}
	return "", nil
}

// findListener returns the load balancer's HTTP:80 listener, or nil.
func findListener(ctx context.Context, c api, lbARN string) (*types.Listener, error) {
	p := elb.NewDescribeListenersPaginator(c, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe listeners of %s: %w", lbARN, err)
		}
		for _, l := range out.Listeners {
			if aws.ToInt32(l.Port) == httpPort {
				return &l, nil
			}
		}
	}
	return nil, nil
}
