package firewall

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/steps/ec2tag"
)

// listGroups returns every group matching in, across pages.
func listGroups(ctx context.Context, c ec2API, in *ec2.DescribeSecurityGroupsInput) ([]types.SecurityGroup, error) {
	var out []types.SecurityGroup
	p := ec2.NewDescribeSecurityGroupsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.SecurityGroups...)
	}
	return out, nil
}

// findGroupByID returns a group, or nil when it does not exist.
func findGroupByID(ctx context.Context, c ec2API, id string) (*types.SecurityGroup, error) {
	groups, err := listGroups(ctx, c, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if awsapi.IsNotFound(err) || (err == nil && len(groups) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe security group %s: %w", id, err)
	}
	return &groups[0], nil
}

// findGroupByName returns the VPC's group of that name, or nil.
func findGroupByName(ctx context.Context, c ec2API, vpcID, name string) (*types.SecurityGroup, error) {
	groups, err := listGroups(ctx, c, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{ec2tag.Filter("vpc-id", vpcID), ec2tag.Filter("group-name", name)}})
	if err != nil {
		return nil, fmt.Errorf("describe security group %s in %s: %w", name, vpcID, err)
	}
	if len(groups) == 0 {
		return nil, nil
	}
	return &groups[0], nil
}

// findPrefixList returns the id of an AWS-managed prefix list by name.
func findPrefixList(ctx context.Context, c ec2API, name string) (string, error) {
	p := ec2.NewDescribeManagedPrefixListsPaginator(c, &ec2.DescribeManagedPrefixListsInput{Filters: []types.Filter{ec2tag.Filter("prefix-list-name", name)}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("describe prefix list %s: %w", name, err)
		}
		for _, pl := range page.PrefixLists {
			return aws.ToString(pl.PrefixListId), nil
		}
	}
	return "", nil
}
