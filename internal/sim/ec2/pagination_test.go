package ec2_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	simec2 "geusemaker/internal/sim/ec2"
)

// crowd fills the account with n VPCs, each with a subnet, a security
// group, an attached internet gateway and a route table, plus n running
// instances in the first network's subnet.
func (e *env) crowd(t *testing.T, n int) network {
	t.Helper()
	first := e.network(t)
	for i := 1; i < n; i++ {
		v, err := e.c.CreateVpc(e.ctx, &awsec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", i))})
		require.NoError(t, err)
		_, err = e.c.CreateSubnet(e.ctx, &awsec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.%d.1.0/24", i)), AvailabilityZone: aws.String("us-east-1a")})
		require.NoError(t, err)
		_, err = e.c.CreateSecurityGroup(e.ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String("g"), Description: aws.String("g"), VpcId: v.Vpc.VpcId})
		require.NoError(t, err)
		g, err := e.c.CreateInternetGateway(e.ctx, &awsec2.CreateInternetGatewayInput{})
		require.NoError(t, err)
		_, err = e.c.AttachInternetGateway(e.ctx, &awsec2.AttachInternetGatewayInput{InternetGatewayId: g.InternetGateway.InternetGatewayId, VpcId: v.Vpc.VpcId})
		require.NoError(t, err)
		_, err = e.c.CreateRouteTable(e.ctx, &awsec2.CreateRouteTableInput{VpcId: v.Vpc.VpcId})
		require.NoError(t, err)
	}
	for range n {
		e.clock.Advance(time.Second) // RunInstances' token bucket holds 5 and refills 2 a second
		e.run(t, runInput(first.subnetA, first.sg, "t3.micro"))
	}
	e.clock.Advance(simec2.Defaults()[simec2.LatencyRun])
	return first
}

// drain runs one SDK paginator to its end: the ids it saw and its pages.
func drain[O any](t *testing.T, next func() (O, error), more func() bool, ids func(O) []string) ([]string, int) {
	t.Helper()
	var all []string
	pages := 0
	for more() {
		out, err := next()
		require.NoError(t, err)
		all = append(all, ids(out)...)
		pages++
	}
	return all, pages
}

// Each paged Describe answers every item exactly once across pages when
// pages are forced small, through the SDK's own paginator.
func TestPagedDescribesListEverythingOnceAcrossPages(t *testing.T) {
	const n = 7
	e := newEnv(t)
	e.crowd(t, n)
	e.m.MaxPage = 2
	tests := []struct {
		name      string
		list      func() ([]string, int)
		wantCount int
	}{
		{"DescribeVpcs", func() ([]string, int) {
			p := awsec2.NewDescribeVpcsPaginator(e.c, &awsec2.DescribeVpcsInput{})
			return drain(t, func() (*awsec2.DescribeVpcsOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeVpcsOutput) (ids []string) {
				for _, v := range o.Vpcs {
					ids = append(ids, *v.VpcId)
				}
				return ids
			})
		}, n + 1}, // and the default VPC
		{"DescribeSubnets", func() ([]string, int) {
			p := awsec2.NewDescribeSubnetsPaginator(e.c, &awsec2.DescribeSubnetsInput{Filters: []types.Filter{filterOf("default-for-az", "false")}})
			return drain(t, func() (*awsec2.DescribeSubnetsOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeSubnetsOutput) (ids []string) {
				for _, s := range o.Subnets {
					ids = append(ids, *s.SubnetId)
				}
				return ids
			})
		}, n + 1}, // the first network has two
		{"DescribeSecurityGroups", func() ([]string, int) {
			p := awsec2.NewDescribeSecurityGroupsPaginator(e.c, &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filterOf("group-name", "g", "inst")}})
			return drain(t, func() (*awsec2.DescribeSecurityGroupsOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeSecurityGroupsOutput) (ids []string) {
				for _, g := range o.SecurityGroups {
					ids = append(ids, *g.GroupId)
				}
				return ids
			})
		}, n},
		{"DescribeInternetGateways", func() ([]string, int) {
			p := awsec2.NewDescribeInternetGatewaysPaginator(e.c, &awsec2.DescribeInternetGatewaysInput{})
			return drain(t, func() (*awsec2.DescribeInternetGatewaysOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeInternetGatewaysOutput) (ids []string) {
				for _, g := range o.InternetGateways {
					ids = append(ids, *g.InternetGatewayId)
				}
				return ids
			})
		}, n + 1},
		{"DescribeRouteTables", func() ([]string, int) {
			p := awsec2.NewDescribeRouteTablesPaginator(e.c, &awsec2.DescribeRouteTablesInput{})
			return drain(t, func() (*awsec2.DescribeRouteTablesOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeRouteTablesOutput) (ids []string) {
				for _, rt := range o.RouteTables {
					ids = append(ids, *rt.RouteTableId)
				}
				return ids
			})
		}, 2 * n}, // a main table per VPC (and the default VPC's), and n-1 of ours
		{"DescribeNetworkInterfaces", func() ([]string, int) {
			p := awsec2.NewDescribeNetworkInterfacesPaginator(e.c, &awsec2.DescribeNetworkInterfacesInput{})
			return drain(t, func() (*awsec2.DescribeNetworkInterfacesOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeNetworkInterfacesOutput) (ids []string) {
				for _, ni := range o.NetworkInterfaces {
					ids = append(ids, *ni.NetworkInterfaceId)
				}
				return ids
			})
		}, n},
		{"DescribeInstances", func() ([]string, int) {
			p := awsec2.NewDescribeInstancesPaginator(e.c, &awsec2.DescribeInstancesInput{Filters: []types.Filter{filterOf("instance-state-name", "running")}})
			return drain(t, func() (*awsec2.DescribeInstancesOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeInstancesOutput) (ids []string) {
				for _, r := range o.Reservations {
					for _, i := range r.Instances {
						ids = append(ids, *i.InstanceId)
					}
				}
				return ids
			})
		}, n},
		{"DescribeInstanceStatus", func() ([]string, int) {
			p := awsec2.NewDescribeInstanceStatusPaginator(e.c, &awsec2.DescribeInstanceStatusInput{})
			return drain(t, func() (*awsec2.DescribeInstanceStatusOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeInstanceStatusOutput) (ids []string) {
				for _, s := range o.InstanceStatuses {
					ids = append(ids, *s.InstanceId)
				}
				return ids
			})
		}, n},
		{"DescribeInstanceTypeOfferings", func() ([]string, int) {
			p := awsec2.NewDescribeInstanceTypeOfferingsPaginator(e.c, &awsec2.DescribeInstanceTypeOfferingsInput{
				LocationType: types.LocationTypeAvailabilityZone, Filters: []types.Filter{filterOf("instance-type", "t3.*", "g4dn.xlarge")},
			})
			return drain(t, func() (*awsec2.DescribeInstanceTypeOfferingsOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeInstanceTypeOfferingsOutput) (ids []string) {
				for _, of := range o.InstanceTypeOfferings {
					ids = append(ids, string(of.InstanceType)+"@"+*of.Location)
				}
				return ids
			})
		}, 6*3 + 2}, // six t3 sizes in a, b, c; g4dn.xlarge in a, b
		{"DescribeInstanceTypes", func() ([]string, int) {
			p := awsec2.NewDescribeInstanceTypesPaginator(e.c, &awsec2.DescribeInstanceTypesInput{Filters: []types.Filter{filterOf("instance-type", "t3.*")}})
			return drain(t, func() (*awsec2.DescribeInstanceTypesOutput, error) { return p.NextPage(e.ctx) }, p.HasMorePages, func(o *awsec2.DescribeInstanceTypesOutput) (ids []string) {
				for _, it := range o.InstanceTypes {
					ids = append(ids, string(it.InstanceType))
				}
				return ids
			})
		}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, pages := tt.list()
			assert.Len(t, ids, tt.wantCount)
			assert.ElementsMatch(t, ids, uniq(ids), "no item twice")
			assert.Equal(t, (tt.wantCount+1)/2, pages, "pages of two")
		})
	}
}

func uniq(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Without MaxResults (and without MaxPage) a Describe answers in one page,
// as AWS does for all but the catalogue operations.
func TestDescribeWithoutMaxResultsAnswersOnePage(t *testing.T) {
	e := newEnv(t)
	e.crowd(t, 6)
	out, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{})
	require.NoError(t, err)
	assert.Nil(t, out.NextToken)
	assert.Len(t, out.SecurityGroups, 7+6, "the default group of each VPC (six and the default VPC) and six of ours")
}

// MaxResults is checked as AWS does, and a page holds at most that many.
func TestMaxResults(t *testing.T) {
	e := newEnv(t)
	n := e.crowd(t, 6)
	instances, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{})
	require.NoError(t, err)
	var ids []string
	for _, r := range instances.Reservations {
		ids = append(ids, *r.Instances[0].InstanceId)
	}
	eni, err := e.c.DescribeNetworkInterfaces(e.ctx, &awsec2.DescribeNetworkInterfacesInput{})
	require.NoError(t, err)
	tests := []struct {
		name     string
		call     func() (int, *string, error)
		wantCode string
		wantLen  int
		wantNext bool
	}{
		{"instances: a page of five", func() (int, *string, error) {
			out, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
			if err != nil {
				return 0, nil, err
			}
			got := 0
			for _, r := range out.Reservations {
				got += len(r.Instances)
			}
			return got, out.NextToken, nil
		}, "", 5, true}, // six instances: a second page
		{"instances: below five", func() (int, *string, error) {
			_, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{MaxResults: aws.Int32(4)})
			return 0, nil, err
		}, simec2.CodeInvalidParameterValue, 0, false},
		{"instances: above a thousand", func() (int, *string, error) {
			_, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{MaxResults: aws.Int32(1001)})
			return 0, nil, err
		}, simec2.CodeInvalidParameterValue, 0, false},
		{"instances: not with instance ids", func() (int, *string, error) {
			_, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{InstanceIds: ids[:1], MaxResults: aws.Int32(5)})
			return 0, nil, err
		}, simec2.CodeInvalidParameterCombination, 0, false},
		{"network interfaces: not with their ids", func() (int, *string, error) {
			_, err := e.c.DescribeNetworkInterfaces(e.ctx, &awsec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{*eni.NetworkInterfaces[0].NetworkInterfaceId}, MaxResults: aws.Int32(5)})
			return 0, nil, err
		}, simec2.CodeInvalidParameterCombination, 0, false},
		{"route tables: at most a hundred", func() (int, *string, error) {
			_, err := e.c.DescribeRouteTables(e.ctx, &awsec2.DescribeRouteTablesInput{MaxResults: aws.Int32(101)})
			return 0, nil, err
		}, simec2.CodeInvalidParameterValue, 0, false},
		{"subnets: by id, paged", func() (int, *string, error) {
			out, err := e.c.DescribeSubnets(e.ctx, &awsec2.DescribeSubnetsInput{SubnetIds: []string{n.subnetA, n.subnetB}, MaxResults: aws.Int32(5)})
			if err != nil {
				return 0, nil, err
			}
			return len(out.Subnets), out.NextToken, nil
		}, "", 2, false},
		{"prefix lists: one is allowed", func() (int, *string, error) {
			out, err := e.c.DescribeManagedPrefixLists(e.ctx, &awsec2.DescribeManagedPrefixListsInput{MaxResults: aws.Int32(1)})
			if err != nil {
				return 0, nil, err
			}
			return len(out.PrefixLists), out.NextToken, nil
		}, "", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := tt.call()
			if tt.wantCode != "" {
				requireCode(t, err, tt.wantCode)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantLen, got)
			assert.Equal(t, tt.wantNext, next != nil, "a NextToken exactly when items remain")
		})
	}
}

// A token is refused unless this operation issued it.
func TestInvalidPaginationToken(t *testing.T) {
	e := newEnv(t)
	e.crowd(t, 6)
	first, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5)})
	require.NoError(t, err)
	require.NotNil(t, first.NextToken)
	subnets := func(tok string) error {
		_, err := e.c.DescribeSubnets(e.ctx, &awsec2.DescribeSubnetsInput{NextToken: aws.String(tok)})
		return err
	}
	groups := func(tok string) error {
		_, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{NextToken: aws.String(tok)})
		return err
	}
	tests := []struct {
		name  string
		call  func(string) error
		token string
	}{
		{"garbled", subnets, "not-a-token!"},
		{"base64 of no token", subnets, "bm9wZQ"},
		{"another operation's", subnets, *first.NextToken},
		{"tampered", groups, *first.NextToken + "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireCode(t, tt.call(tt.token), simec2.CodeInvalidPaginationToken)
		})
	}
	require.NoError(t, groups(*first.NextToken), "the token is good where it was issued")
}

// The next page resumes after the last item returned: an item deleted or
// created between pages moves nothing else out of sight.
func TestNextPageResumesAfterTheLastItemReturned(t *testing.T) {
	e := newEnv(t)
	e.crowd(t, 8)
	in := &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filterOf("group-name", "g")}, MaxResults: aws.Int32(5)}
	first, err := e.c.DescribeSecurityGroups(e.ctx, in)
	require.NoError(t, err)
	require.Len(t, first.SecurityGroups, 5)
	_, err = e.c.DeleteSecurityGroup(e.ctx, &awsec2.DeleteSecurityGroupInput{GroupId: first.SecurityGroups[4].GroupId})
	require.NoError(t, err)
	in.NextToken = first.NextToken
	second, err := e.c.DescribeSecurityGroups(e.ctx, in)
	require.NoError(t, err)
	assert.Len(t, second.SecurityGroups, 2, "seven groups named g: five, then the other two")
	assert.Nil(t, second.NextToken)
}

// MaxPage never splits a call AWS refuses to page: instance ids named.
func TestMaxPageLeavesIDListsWhole(t *testing.T) {
	e := newEnv(t)
	e.crowd(t, 3)
	e.m.MaxPage = 2
	p := awsec2.NewDescribeInstancesPaginator(e.c, &awsec2.DescribeInstancesInput{})
	var ids []string
	for p.HasMorePages() {
		out, err := p.NextPage(e.ctx)
		require.NoError(t, err)
		for _, r := range out.Reservations {
			ids = append(ids, *r.Instances[0].InstanceId)
		}
	}
	require.Len(t, ids, 3)
	out, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{InstanceIds: ids})
	require.NoError(t, err)
	assert.Len(t, out.Reservations, 3)
	assert.Nil(t, out.NextToken)
}
