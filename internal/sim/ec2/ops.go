package ec2

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"

	"geusemaker/internal/sim/account"
)

// handle adapts a region-level operation to a account.Handler: it finds the
// calling client's region and settles the clock's effects first.
func handle[In, Out any](m *Model, fn func(r *region, in *In) (*Out, error)) account.Handler {
	return account.Op(func(ctx context.Context, in *In) (*Out, error) {
		r := m.region(account.Region(ctx))
		r.settle()
		return fn(r, in)
	})
}

// Operations maps each modeled EC2 operation to its handler.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"CreateVpc":                     handle(m, (*region).createVpc),
		"DescribeVpcs":                  handle(m, (*region).describeVpcs),
		"DeleteVpc":                     handle(m, (*region).deleteVpc),
		"ModifyVpcAttribute":            handle(m, (*region).modifyVpcAttribute),
		"DescribeVpcAttribute":          handle(m, (*region).describeVpcAttribute),
		"CreateSubnet":                  handle(m, (*region).createSubnet),
		"DescribeSubnets":               handle(m, (*region).describeSubnets),
		"DeleteSubnet":                  handle(m, (*region).deleteSubnet),
		"ModifySubnetAttribute":         handle(m, (*region).modifySubnetAttribute),
		"CreateInternetGateway":         handle(m, (*region).createInternetGateway),
		"AttachInternetGateway":         handle(m, (*region).attachInternetGateway),
		"DetachInternetGateway":         handle(m, (*region).detachInternetGateway),
		"DeleteInternetGateway":         handle(m, (*region).deleteInternetGateway),
		"DescribeInternetGateways":      handle(m, (*region).describeInternetGateways),
		"CreateRouteTable":              handle(m, (*region).createRouteTable),
		"CreateRoute":                   handle(m, (*region).createRoute),
		"AssociateRouteTable":           handle(m, (*region).associateRouteTable),
		"DisassociateRouteTable":        handle(m, (*region).disassociateRouteTable),
		"DeleteRouteTable":              handle(m, (*region).deleteRouteTable),
		"DescribeRouteTables":           handle(m, (*region).describeRouteTables),
		"CreateSecurityGroup":           handle(m, (*region).createSecurityGroup),
		"DescribeSecurityGroups":        handle(m, (*region).describeSecurityGroups),
		"AuthorizeSecurityGroupIngress": handle(m, (*region).authorizeSecurityGroupIngress),
		"AuthorizeSecurityGroupEgress":  handle(m, (*region).authorizeSecurityGroupEgress),
		"RevokeSecurityGroupIngress":    handle(m, (*region).revokeSecurityGroupIngress),
		"DeleteSecurityGroup":           handle(m, (*region).deleteSecurityGroup),
		"DescribeManagedPrefixLists":    handle(m, (*region).describeManagedPrefixLists),
		"DescribeNetworkInterfaces":     handle(m, (*region).describeNetworkInterfaces),
		"DescribeAvailabilityZones":     handle(m, (*region).describeAvailabilityZones),
		"DescribeInstanceTypeOfferings": handle(m, (*region).describeInstanceTypeOfferings),
		"DescribeInstanceTypes":         handle(m, (*region).describeInstanceTypes),
		"DescribeImages":                handle(m, (*region).describeImages),
		"RunInstances":                  handle(m, (*region).runInstances),
		"DescribeInstances":             handle(m, (*region).describeInstances),
		"DescribeInstanceStatus":        handle(m, (*region).describeInstanceStatus),
		"TerminateInstances":            handle(m, (*region).terminateInstances),
		"CreateTags":                    handle(m, (*region).createTags),
		"DeleteTags":                    handle(m, (*region).deleteTags),
	}
}

// tagsOf finds the tag map of any taggable resource by its id prefix; a
// missing resource fails with its family's not-found code.
func (r *region) tagsOf(id string) (*map[string]string, error) {
	prefix, _, _ := strings.Cut(id, "-")
	var found *map[string]string
	var notFound error
	switch prefix {
	case "vpc":
		if v, ok := r.vpcs[id]; ok {
			found = &v.tags
		}
		notFound = errVPCNotFound(id)
	case "subnet":
		if s, ok := r.subnets[id]; ok {
			found = &s.tags
		}
		notFound = errSubnetNotFound(id)
	case "igw":
		if g, ok := r.igws[id]; ok {
			found = &g.tags
		}
		notFound = errIGWNotFound(id)
	case "rtb":
		if t, ok := r.routeTables[id]; ok {
			found = &t.tags
		}
		notFound = errRouteTableNotFound(id)
	case "sg":
		if g, ok := r.groups[id]; ok {
			found = &g.tags
		}
		notFound = errGroupNotFound(id)
	case "eni":
		if e, ok := r.enis[id]; ok {
			found = &e.tags
		}
		notFound = errENINotFound(id)
	case "i":
		if i, ok := r.instances[id]; ok {
			found = &i.tags
		}
		notFound = errInstancesNotFound([]string{id})
	default:
		return nil, apiError(CodeInvalidID, "The ID '%s' is not valid", id)
	}
	if found == nil {
		return nil, notFound
	}
	if *found == nil {
		*found = map[string]string{}
	}
	return found, nil
}

// taggedAll resolves every resource of a tagging call before changing any,
// so that one unknown id fails the whole call as in AWS.
func (r *region) taggedAll(ids []string) ([]*map[string]string, error) {
	if len(ids) == 0 {
		return nil, errMissing("resourceIdSet")
	}
	var out []*map[string]string
	for _, id := range ids {
		t, err := r.tagsOf(id)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (r *region) createTags(in *awsec2.CreateTagsInput) (*awsec2.CreateTagsOutput, error) {
	all, err := r.taggedAll(in.Resources)
	if err != nil {
		return nil, err
	}
	for _, tags := range all {
		for _, t := range in.Tags {
			(*tags)[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return &awsec2.CreateTagsOutput{}, nil
}

// deleteTags removes the named keys; a tag given with a value is removed
// only when the value matches.
func (r *region) deleteTags(in *awsec2.DeleteTagsInput) (*awsec2.DeleteTagsOutput, error) {
	all, err := r.taggedAll(in.Resources)
	if err != nil {
		return nil, err
	}
	for _, tags := range all {
		if len(in.Tags) == 0 {
			clear(*tags)
		}
		for _, t := range in.Tags {
			k := aws.ToString(t.Key)
			if t.Value == nil || (*tags)[k] == *t.Value {
				delete(*tags, k)
			}
		}
	}
	return &awsec2.DeleteTagsOutput{}, nil
}
