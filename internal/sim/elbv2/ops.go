package elbv2

import (
	"context"
	"maps"
	"strconv"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/sim/account"
)

// operations maps every modeled operation to its handler, each releasing
// due network interfaces first.
func (m *Model) operations() map[string]account.Handler {
	ops := map[string]account.Handler{
		"CreateLoadBalancer":             account.Op(m.createLoadBalancer),
		"DescribeLoadBalancers":          account.Op(m.describeLoadBalancers),
		"DeleteLoadBalancer":             account.Op(m.deleteLoadBalancer),
		"ModifyLoadBalancerAttributes":   account.Op(m.modifyLoadBalancerAttributes),
		"DescribeLoadBalancerAttributes": account.Op(m.describeLoadBalancerAttributes),
		"CreateTargetGroup":              account.Op(m.createTargetGroup),
		"DescribeTargetGroups":           account.Op(m.describeTargetGroups),
		"DeleteTargetGroup":              account.Op(m.deleteTargetGroup),
		"RegisterTargets":                account.Op(m.registerTargets),
		"DeregisterTargets":              account.Op(m.deregisterTargets),
		"DescribeTargetHealth":           account.Op(m.describeTargetHealth),
		"CreateListener":                 account.Op(m.createListener),
		"DescribeListeners":              account.Op(m.describeListeners),
		"DeleteListener":                 account.Op(m.deleteListener),
		"CreateRule":                     account.Op(m.createRule),
		"DescribeRules":                  account.Op(m.describeRules),
		"DeleteRule":                     account.Op(m.deleteRule),
		"AddTags":                        account.Op(m.addTags),
		"DescribeTags":                   account.Op(m.describeTags),
	}
	return ops
}

// maxPageSize is the largest PageSize ELBv2's Describe operations accept.
const maxPageSize = 400

// paginate returns the page of items that marker and pageSize select, and
// the marker of the next page (nil on the last).
func paginate[T any](items []T, marker *string, pageSize *int32) ([]T, *string, error) {
	start := 0
	if marker != nil {
		n, err := strconv.Atoi(*marker)
		if err != nil || n < 0 || n > len(items) {
			return nil, nil, errValidation("Invalid value for Marker: '%s'", *marker)
		}
		start = n
	}
	size := maxPageSize
	if pageSize != nil {
		if *pageSize < 1 || *pageSize > maxPageSize {
			return nil, nil, errValidation("PageSize must be between 1 and %d", maxPageSize)
		}
		size = int(*pageSize)
	}
	end := min(start+size, len(items))
	var next *string
	if end < len(items) {
		next = ptr(strconv.Itoa(end))
	}
	return items[start:end], next, nil
}

// maxTagResources is how many ARNs one tagging call accepts.
const maxTagResources = 20

func checkTagResources(arns []string) error {
	if len(arns) == 0 || len(arns) > maxTagResources {
		return errValidation("between 1 and %d resource ARNs must be given", maxTagResources)
	}
	return nil
}

func (m *Model) addTags(ctx context.Context, in *elb.AddTagsInput) (*elb.AddTagsOutput, error) {
	if err := checkTagResources(in.ResourceArns); err != nil {
		return nil, err
	}
	region := account.Region(ctx)
	sets := make([]tagSet, 0, len(in.ResourceArns))
	for _, arn := range in.ResourceArns {
		s, err := m.tagsOf(region, arn)
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	// Check every resource before changing any: the call is all or nothing.
	for _, s := range sets {
		if err := maps.Clone(s).add(in.Tags); err != nil {
			return nil, err
		}
	}
	for _, s := range sets {
		_ = s.add(in.Tags) // checked above
	}
	return &elb.AddTagsOutput{}, nil
}

func (m *Model) describeTags(ctx context.Context, in *elb.DescribeTagsInput) (*elb.DescribeTagsOutput, error) {
	if err := checkTagResources(in.ResourceArns); err != nil {
		return nil, err
	}
	out := &elb.DescribeTagsOutput{}
	for _, arn := range in.ResourceArns {
		s, err := m.tagsOf(account.Region(ctx), arn)
		if err != nil {
			return nil, err
		}
		out.TagDescriptions = append(out.TagDescriptions, types.TagDescription{ResourceArn: ptr(arn), Tags: s.render()})
	}
	return out, nil
}
