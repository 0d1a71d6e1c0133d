package elbv2

import (
	"context"
	"maps"
	"strconv"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/sim/world"
)

// operations maps every modeled operation to its handler, each releasing
// due network interfaces first.
func (m *Model) operations() map[string]world.Handler {
	ops := map[string]world.Handler{
		"CreateLoadBalancer":             world.Op(m.createLoadBalancer),
		"DescribeLoadBalancers":          world.Op(m.describeLoadBalancers),
		"DeleteLoadBalancer":             world.Op(m.deleteLoadBalancer),
		"ModifyLoadBalancerAttributes":   world.Op(m.modifyLoadBalancerAttributes),
		"DescribeLoadBalancerAttributes": world.Op(m.describeLoadBalancerAttributes),
		"CreateTargetGroup":              world.Op(m.createTargetGroup),
		"DescribeTargetGroups":           world.Op(m.describeTargetGroups),
		"DeleteTargetGroup":              world.Op(m.deleteTargetGroup),
		"RegisterTargets":                world.Op(m.registerTargets),
		"DeregisterTargets":              world.Op(m.deregisterTargets),
		"DescribeTargetHealth":           world.Op(m.describeTargetHealth),
		"CreateListener":                 world.Op(m.createListener),
		"DescribeListeners":              world.Op(m.describeListeners),
		"DeleteListener":                 world.Op(m.deleteListener),
		"CreateRule":                     world.Op(m.createRule),
		"DescribeRules":                  world.Op(m.describeRules),
		"DeleteRule":                     world.Op(m.deleteRule),
		"AddTags":                        world.Op(m.addTags),
		"DescribeTags":                   world.Op(m.describeTags),
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
	region := world.Region(ctx)
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
		s, err := m.tagsOf(world.Region(ctx), arn)
		if err != nil {
			return nil, err
		}
		out.TagDescriptions = append(out.TagDescriptions, types.TagDescription{ResourceArn: ptr(arn), Tags: s.render()})
	}
	return out, nil
}
