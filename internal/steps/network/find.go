package network

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/ec2tag"
)

// pager is an SDK paginator of EC2 outputs O.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*ec2.Options)) (O, error)
}

// all reads every page of p.
func all[O, T any](ctx context.Context, p pager[O], items func(O) []T) ([]T, error) {
	var out []T
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, items(page)...)
	}
	return out, nil
}

func listVPCs(ctx context.Context, c ec2API, in *ec2.DescribeVpcsInput) ([]types.Vpc, error) {
	return all(ctx, ec2.NewDescribeVpcsPaginator(c, in), func(o *ec2.DescribeVpcsOutput) []types.Vpc { return o.Vpcs })
}

// findVPCByID returns a VPC, or nil when it does not exist.
func findVPCByID(ctx context.Context, c ec2API, id string) (*types.Vpc, error) {
	vpcs, err := listVPCs(ctx, c, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe VPC %s: %w", id, err)
	}
	return first(vpcs), nil
}

// findVPC returns the one VPC matching filters, or nil.
func findVPC(ctx context.Context, c ec2API, filters ...types.Filter) (*types.Vpc, error) {
	vpcs, err := listVPCs(ctx, c, &ec2.DescribeVpcsInput{Filters: filters})
	if err != nil {
		return nil, fmt.Errorf("describe VPCs: %w", err)
	}
	return first(vpcs), nil
}

func first[T any](items []T) *T {
	if len(items) == 0 {
		return nil
	}
	return &items[0]
}

func listSubnets(ctx context.Context, c ec2API, in *ec2.DescribeSubnetsInput) ([]types.Subnet, error) {
	return all(ctx, ec2.NewDescribeSubnetsPaginator(c, in), func(o *ec2.DescribeSubnetsOutput) []types.Subnet { return o.Subnets })
}

func listGateways(ctx context.Context, c ec2API, filters ...types.Filter) ([]types.InternetGateway, error) {
	return all(ctx, ec2.NewDescribeInternetGatewaysPaginator(c, &ec2.DescribeInternetGatewaysInput{Filters: filters}),
		func(o *ec2.DescribeInternetGatewaysOutput) []types.InternetGateway { return o.InternetGateways })
}

func listRouteTables(ctx context.Context, c ec2API, filters ...types.Filter) ([]types.RouteTable, error) {
	return all(ctx, ec2.NewDescribeRouteTablesPaginator(c, &ec2.DescribeRouteTablesInput{Filters: filters}),
		func(o *ec2.DescribeRouteTablesOutput) []types.RouteTable { return o.RouteTables })
}

// hasInternetGateway tells whether a gateway is attached to the VPC.
func hasInternetGateway(ctx context.Context, c ec2API, vpcID string) (bool, error) {
	igws, err := listGateways(ctx, c, ec2tag.Filter("attachment.vpc-id", vpcID))
	if err != nil {
		return false, fmt.Errorf("describe internet gateways of %s: %w", vpcID, err)
	}
	return len(igws) > 0, nil
}

// zoneRanks ranks Availability Zones by the first instance type (the
// request's, then its fallbacks) they offer: 0 for the requested type,
// len(instanceTypes) for a zone offering none of them.
func zoneRanks(ctx context.Context, c ec2API, instanceTypes []string) (func(zone string) int, error) {
	offers, err := all(ctx, ec2.NewDescribeInstanceTypeOfferingsPaginator(c, &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: types.LocationTypeAvailabilityZone,
		Filters:      []types.Filter{ec2tag.Filter("instance-type", instanceTypes...)},
	}), func(o *ec2.DescribeInstanceTypeOfferingsOutput) []types.InstanceTypeOffering {
		return o.InstanceTypeOfferings
	})
	if err != nil {
		return nil, fmt.Errorf("describe instance type offerings of %v: %w", instanceTypes, err)
	}
	best := map[string]int{}
	for _, o := range offers {
		zone := aws.ToString(o.Location)
		for rank, t := range instanceTypes {
			if string(o.InstanceType) != t {
				continue
			}
			if have, ok := best[zone]; !ok || rank < have {
				best[zone] = rank
			}
		}
	}
	return func(zone string) int {
		if r, ok := best[zone]; ok {
			return r
		}
		return len(instanceTypes)
	}, nil
}

// candidateTypes lists the instance types the compute step may launch, in
// its order of preference.
func candidateTypes(req document.Request) []string {
	return append([]string{req.InstanceType}, req.GPUInstanceFallbacks...)
}
