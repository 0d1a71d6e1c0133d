package elbv2

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
)

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
