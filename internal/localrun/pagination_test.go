package localrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	simec2 "geusemaker/internal/sim/ec2"
)

// lookAlikes are other deployments whose ids extend or shorten ours, so
// their names and tags look like ours to a careless match, each with a GPU
// instance of another type: the quota check then reads three types' vCPUs
// (12 of the account's 16 G vCPUs, leaving room for ours).
var lookAlikes = []struct {
	id  string
	typ types.InstanceType
}{
	{"geuse-gpu-old", types.InstanceTypeG4dnXlarge},
	{"geuse-gpu2", types.InstanceTypeG6Xlarge},
	{"geuse-gp", types.InstanceTypeG6eXlarge},
}

// plantLookAlikes fills the account, as other deployments would have, with
// resources named and tagged like ours: per look-alike, a VPC of its own
// (with a subnet, an attached gateway, a route table and a security group
// bearing our instance group's name) and, in the default VPC the request
// deploys into, a subnet, a security group and a running instance.
func plantLookAlikes(t *testing.T, s *localrun.Simulation, req document.Request) {
	t.Helper()
	ctx := context.Background()
	c := ec2.NewFromConfig(s.Cloud.Config(req.Region))
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	require.NoError(t, err)
	require.Len(t, vpcs.Vpcs, 1)
	defaultVPC := vpcs.Vpcs[0].VpcId
	zone := req.Region + "a"
	for i, la := range lookAlikes {
		id := la.id
		tags := func(rt types.ResourceType) []types.TagSpecification {
			return []types.TagSpecification{{ResourceType: rt, Tags: []types.Tag{
				{Key: aws.String(document.TagDeployment), Value: aws.String(id)},
				{Key: aws.String(document.TagManagedBy), Value: aws.String(document.ManagedByValue)},
				{Key: aws.String("Name"), Value: aws.String(id)},
			}}}
		}
		vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", 50+i)), TagSpecifications: tags(types.ResourceTypeVpc)})
		require.NoError(t, err)
		_, err = c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(zone),
			CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/24", 50+i)), TagSpecifications: tags(types.ResourceTypeSubnet)})
		require.NoError(t, err)
		igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: tags(types.ResourceTypeInternetGateway)})
		require.NoError(t, err)
		_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpc.Vpc.VpcId})
		require.NoError(t, err)
		_, err = c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.Vpc.VpcId, TagSpecifications: tags(types.ResourceTypeRouteTable)})
		require.NoError(t, err)
		_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(req.SecurityGroupName(document.SGRoleInstance)),
			Description: aws.String("look-alike"), VpcId: vpc.Vpc.VpcId, TagSpecifications: tags(types.ResourceTypeSecurityGroup)})
		require.NoError(t, err)

		subnet, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: defaultVPC, AvailabilityZone: aws.String(zone),
			CidrBlock: aws.String(fmt.Sprintf("172.31.%d.0/24", 200+i)), TagSpecifications: tags(types.ResourceTypeSubnet)})
		require.NoError(t, err)
		sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(document.Request{DeploymentID: id}.SecurityGroupName(document.SGRoleInstance)),
			Description: aws.String("look-alike"), VpcId: defaultVPC, TagSpecifications: tags(types.ResourceTypeSecurityGroup)})
		require.NoError(t, err)
		s.Clock.Advance(simec2.Defaults()[simec2.WindowGroupVisible]) // a new group is visible seconds later
		_, err = c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"), InstanceType: la.typ,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: subnet.Subnet.SubnetId, SecurityGroupIds: []string{aws.ToString(sg.GroupId)},
			ClientToken: aws.String(id + "-instance"), TagSpecifications: tags(types.ResourceTypeInstance)})
		require.NoError(t, err)
	}
	s.Clock.Advance(time.Minute)
}

// nextTokenOf is the NextToken of an EC2 Describe input, or "".
func nextTokenOf(in any) string {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	f := v.Elem().FieldByName("NextToken")
	if !f.IsValid() || f.IsNil() {
		return ""
	}
	return f.Elem().String()
}

// A Tier 3 deployment and its destroy succeed in an account crowded with
// look-alike resources while EC2 answers every paged Describe two items at
// a time: every step's loop follows NextToken to the end, finds its own
// resources beyond the first page, and leaves the others' alone.
func TestTier3DeployAndDestroyWithSmallPagesAndLookAlikes(t *testing.T) {
	r := simulate(t, "tier3-gpu.json")
	plantLookAlikes(t, r.sim, r.req)

	// A real look-alike deployment too: its stack (EFS, IAM, instance)
	// lives beside ours, found by the same kinds of queries.
	other := map[string]any{}
	raw, _ := sample(t, "tier1-dev.json")
	require.NoError(t, json.Unmarshal(raw, &other))
	other["deployment_id"], other["region"] = "geuse-gpu-1", r.req.Region
	otherRaw, err := json.Marshal(other)
	require.NoError(t, err)
	x, _, err := r.sim.Run(context.Background(), localrun.Deploy, "geuse-gpu-1-deploy", otherRaw)
	require.NoError(t, err)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	before := r.sim.Leftovers()

	r.sim.Cloud.EC2.MaxPage = 2
	calls := len(r.sim.Cloud.Calls())
	x = r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	doc := r.output(t)
	assert.NotEmpty(t, doc.Resources.InstanceID)
	assert.NotEmpty(t, doc.Resources.CloudFrontID)

	x = r.do(t, localrun.Destroy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	assert.ElementsMatch(t, before, r.sim.Leftovers(), "nothing of ours is left, and everything of the others is")

	followed := map[string]bool{}
	for _, c := range r.sim.Cloud.Calls()[calls:] {
		if c.Service == simec2.ServiceID && nextTokenOf(c.Input) != "" {
			followed[c.Operation] = true
		}
	}
	for _, op := range []string{"DescribeSubnets", "DescribeSecurityGroups", "DescribeInstances", "DescribeInstanceTypeOfferings", "DescribeInstanceTypes"} {
		assert.True(t, followed[op], "the steps read a second page of %s", op)
	}
}
