package ec2_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	simec2 "geusemaker/internal/sim/ec2"
)

func TestDefaultVPCExistsInEveryRegion(t *testing.T) {
	e := newEnv(t)
	for _, region := range []string{"us-east-1", "eu-west-2"} {
		c := awsec2.NewFromConfig(e.w.Config(region))
		vpcs, err := c.DescribeVpcs(e.ctx, &awsec2.DescribeVpcsInput{Filters: []types.Filter{filterOf("isDefault", "true")}})
		require.NoError(t, err)
		require.Len(t, vpcs.Vpcs, 1)
		assert.Equal(t, "172.31.0.0/16", *vpcs.Vpcs[0].CidrBlock)

		subnets, err := c.DescribeSubnets(e.ctx, &awsec2.DescribeSubnetsInput{Filters: []types.Filter{
			filterOf("vpc-id", *vpcs.Vpcs[0].VpcId), filterOf("default-for-az", "true")}})
		require.NoError(t, err)
		require.Len(t, subnets.Subnets, 3)
		var zones []string
		for _, s := range subnets.Subnets {
			zones = append(zones, *s.AvailabilityZone)
			assert.True(t, *s.MapPublicIpOnLaunch)
		}
		assert.ElementsMatch(t, []string{region + "a", region + "b", region + "c"}, zones)

		igws, err := c.DescribeInternetGateways(e.ctx, &awsec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filterOf("attachment.vpc-id", *vpcs.Vpcs[0].VpcId)}})
		require.NoError(t, err)
		assert.Len(t, igws.InternetGateways, 1)
	}
	assert.Empty(t, e.w.Inventory(), "defaults are not inventory")
}

func TestDeleteDefaultVPC(t *testing.T) {
	e := newEnv(t)
	e.m.DeleteDefaultVPC("us-east-1")
	vpcs, err := e.c.DescribeVpcs(e.ctx, &awsec2.DescribeVpcsInput{})
	require.NoError(t, err)
	assert.Empty(t, vpcs.Vpcs)
	subnets, err := e.c.DescribeSubnets(e.ctx, &awsec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	assert.Empty(t, subnets.Subnets)

	_, err = e.c.CreateSecurityGroup(e.ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x")})
	requireCode(t, err, simec2.CodeVPCIDNotSpecified)
	_, err = e.c.RunInstances(e.ctx, &awsec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	requireCode(t, err, simec2.CodeVPCIDNotSpecified)
}

func TestCreateVpcValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		cidr string
		code string
	}{
		{"not a CIDR", "10.0.0.0", simec2.CodeInvalidParameterValue},
		{"too large", "10.0.0.0/8", simec2.CodeInvalidVpcRange},
		{"too small", "10.0.0.0/29", simec2.CodeInvalidVpcRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.CreateVpc(e.ctx, &awsec2.CreateVpcInput{CidrBlock: aws.String(tt.cidr)})
			requireCode(t, err, tt.code)
		})
	}
	_, err := e.c.CreateVpc(e.ctx, &awsec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeSubnet, "a", "b")})
	requireCode(t, err, simec2.CodeInvalidParameterValue)
}

func TestVpcAttributes(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	attr := func(name types.VpcAttributeName) *awsec2.DescribeVpcAttributeOutput {
		out, err := e.c.DescribeVpcAttribute(e.ctx, &awsec2.DescribeVpcAttributeInput{VpcId: &n.vpc, Attribute: name})
		require.NoError(t, err)
		return out
	}
	assert.False(t, *attr(types.VpcAttributeNameEnableDnsHostnames).EnableDnsHostnames.Value)
	_, err := e.c.ModifyVpcAttribute(e.ctx, &awsec2.ModifyVpcAttributeInput{VpcId: &n.vpc, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	require.NoError(t, err)
	assert.True(t, *attr(types.VpcAttributeNameEnableDnsHostnames).EnableDnsHostnames.Value)
	_, err = e.c.ModifyVpcAttribute(e.ctx, &awsec2.ModifyVpcAttributeInput{VpcId: &n.vpc, EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(false)}})
	require.NoError(t, err)
	assert.False(t, *attr(types.VpcAttributeNameEnableDnsSupport).EnableDnsSupport.Value)

	_, err = e.c.ModifyVpcAttribute(e.ctx, &awsec2.ModifyVpcAttributeInput{VpcId: &n.vpc,
		EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(true)}, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	requireCode(t, err, simec2.CodeInvalidParameterCombination)
	_, err = e.c.DescribeVpcAttribute(e.ctx, &awsec2.DescribeVpcAttributeInput{VpcId: &n.vpc, Attribute: "bogus"})
	requireCode(t, err, simec2.CodeInvalidParameterValue)
	_, err = e.c.ModifyVpcAttribute(e.ctx, &awsec2.ModifyVpcAttributeInput{VpcId: aws.String("vpc-00000000000000099"), EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	requireCode(t, err, simec2.CodeInvalidVpcIDNotFound)
}

func TestSubnetPreconditions(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	tests := []struct {
		name string
		in   awsec2.CreateSubnetInput
		code string
	}{
		{"outside the VPC", awsec2.CreateSubnetInput{VpcId: &n.vpc, CidrBlock: aws.String("10.1.0.0/24")}, simec2.CodeInvalidSubnetRange},
		{"overlapping", awsec2.CreateSubnetInput{VpcId: &n.vpc, CidrBlock: aws.String("10.0.1.0/25")}, simec2.CodeInvalidSubnetConflict},
		{"unknown zone", awsec2.CreateSubnetInput{VpcId: &n.vpc, CidrBlock: aws.String("10.0.9.0/24"), AvailabilityZone: aws.String("us-east-1z")}, simec2.CodeInvalidParameterValue},
		{"unknown VPC", awsec2.CreateSubnetInput{VpcId: aws.String("vpc-00000000000000099"), CidrBlock: aws.String("10.0.9.0/24")}, simec2.CodeInvalidVpcIDNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.CreateSubnet(e.ctx, &tt.in)
			requireCode(t, err, tt.code)
		})
	}
	t.Run("zone by id", func(t *testing.T) {
		out, err := e.c.CreateSubnet(e.ctx, &awsec2.CreateSubnetInput{VpcId: &n.vpc, CidrBlock: aws.String("10.0.9.0/24"), AvailabilityZoneId: aws.String("use1-az3")})
		require.NoError(t, err)
		assert.Equal(t, "us-east-1c", *out.Subnet.AvailabilityZone)
		assert.Equal(t, int32(251), *out.Subnet.AvailableIpAddressCount)
	})
	t.Run("filters", func(t *testing.T) {
		out, err := e.c.DescribeSubnets(e.ctx, &awsec2.DescribeSubnetsInput{Filters: []types.Filter{filterOf("vpc-id", n.vpc), filterOf("availability-zone", "us-east-1?")}})
		require.NoError(t, err)
		assert.Len(t, out.Subnets, 3)
		out, err = e.c.DescribeSubnets(e.ctx, &awsec2.DescribeSubnetsInput{Filters: []types.Filter{filterOf("subnet-id", n.subnetB)}})
		require.NoError(t, err)
		require.Len(t, out.Subnets, 1)
		_, err = e.c.DescribeSubnets(e.ctx, &awsec2.DescribeSubnetsInput{Filters: []types.Filter{filterOf("no-such-filter", "x")}})
		requireCode(t, err, simec2.CodeInvalidParameterValue)
		_, err = e.c.DescribeSubnets(e.ctx, &awsec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-00000000000000099"}})
		requireCode(t, err, simec2.CodeInvalidSubnetIDNotFound)
	})
}

func TestDeleteVpcWaitsForItsDependencies(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	rt, err := e.c.CreateRouteTable(e.ctx, &awsec2.CreateRouteTableInput{VpcId: &n.vpc})
	require.NoError(t, err)
	rtID := *rt.RouteTable.RouteTableId
	_, err = e.c.CreateRoute(e.ctx, &awsec2.CreateRouteInput{RouteTableId: &rtID, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &n.igw})
	require.NoError(t, err)
	assoc, err := e.c.AssociateRouteTable(e.ctx, &awsec2.AssociateRouteTableInput{RouteTableId: &rtID, SubnetId: &n.subnetA})
	require.NoError(t, err)

	deleteVpc := func() error {
		_, err := e.c.DeleteVpc(e.ctx, &awsec2.DeleteVpcInput{VpcId: &n.vpc})
		return err
	}
	requireCode(t, deleteVpc(), simec2.CodeDependencyViolation)

	_, err = e.c.DeleteRouteTable(e.ctx, &awsec2.DeleteRouteTableInput{RouteTableId: &rtID})
	requireCode(t, err, simec2.CodeDependencyViolation) // still associated
	_, err = e.c.DisassociateRouteTable(e.ctx, &awsec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId})
	require.NoError(t, err)
	_, err = e.c.DisassociateRouteTable(e.ctx, &awsec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId})
	requireCode(t, err, simec2.CodeInvalidAssociationIDNotFound)
	_, err = e.c.DeleteRouteTable(e.ctx, &awsec2.DeleteRouteTableInput{RouteTableId: &rtID})
	require.NoError(t, err)

	for _, id := range []string{n.subnetA, n.subnetB} {
		_, err = e.c.DeleteSubnet(e.ctx, &awsec2.DeleteSubnetInput{SubnetId: aws.String(id)})
		require.NoError(t, err)
	}
	requireCode(t, deleteVpc(), simec2.CodeDependencyViolation) // gateway and group remain

	_, err = e.c.DeleteInternetGateway(e.ctx, &awsec2.DeleteInternetGatewayInput{InternetGatewayId: &n.igw})
	requireCode(t, err, simec2.CodeDependencyViolation) // still attached
	_, err = e.c.DetachInternetGateway(e.ctx, &awsec2.DetachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc})
	require.NoError(t, err)
	_, err = e.c.DetachInternetGateway(e.ctx, &awsec2.DetachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc})
	requireCode(t, err, simec2.CodeGatewayNotAttached)
	_, err = e.c.DeleteInternetGateway(e.ctx, &awsec2.DeleteInternetGatewayInput{InternetGatewayId: &n.igw})
	require.NoError(t, err)
	_, err = e.c.DeleteSecurityGroup(e.ctx, &awsec2.DeleteSecurityGroupInput{GroupId: &n.sg})
	require.NoError(t, err)

	require.NoError(t, deleteVpc())
	requireCode(t, deleteVpc(), simec2.CodeInvalidVpcIDNotFound)
	assert.Empty(t, e.w.Inventory())
}

func TestGatewaysAndRoutes(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	other, err := e.c.CreateInternetGateway(e.ctx, &awsec2.CreateInternetGatewayInput{TagSpecifications: tagSpec(types.ResourceTypeInternetGateway, "k", "v")})
	require.NoError(t, err)
	otherID := *other.InternetGateway.InternetGatewayId

	_, err = e.c.AttachInternetGateway(e.ctx, &awsec2.AttachInternetGatewayInput{InternetGatewayId: &otherID, VpcId: &n.vpc})
	requireCode(t, err, simec2.CodeResourceAlreadyAssociated)
	_, err = e.c.AttachInternetGateway(e.ctx, &awsec2.AttachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc})
	requireCode(t, err, simec2.CodeResourceAlreadyAssociated)

	main, err := e.c.DescribeRouteTables(e.ctx, &awsec2.DescribeRouteTablesInput{Filters: []types.Filter{filterOf("vpc-id", n.vpc), filterOf("association.main", "true")}})
	require.NoError(t, err)
	require.Len(t, main.RouteTables, 1)
	mainID := main.RouteTables[0].RouteTableId
	_, err = e.c.CreateRoute(e.ctx, &awsec2.CreateRouteInput{RouteTableId: mainID, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &otherID})
	requireCode(t, err, simec2.CodeInvalidParameterValue) // gateway not in this VPC
	_, err = e.c.CreateRoute(e.ctx, &awsec2.CreateRouteInput{RouteTableId: mainID, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &n.igw})
	require.NoError(t, err)
	_, err = e.c.CreateRoute(e.ctx, &awsec2.CreateRouteInput{RouteTableId: mainID, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &n.igw})
	requireCode(t, err, simec2.CodeRouteAlreadyExists)
	_, err = e.c.DeleteRouteTable(e.ctx, &awsec2.DeleteRouteTableInput{RouteTableId: mainID})
	requireCode(t, err, simec2.CodeDependencyViolation)

	_, err = e.c.DetachInternetGateway(e.ctx, &awsec2.DetachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc})
	require.NoError(t, err)
	rts, err := e.c.DescribeRouteTables(e.ctx, &awsec2.DescribeRouteTablesInput{RouteTableIds: []string{*mainID}})
	require.NoError(t, err)
	assert.Equal(t, types.RouteStateBlackhole, rts.RouteTables[0].Routes[1].State)

	rt, err := e.c.CreateRouteTable(e.ctx, &awsec2.CreateRouteTableInput{VpcId: &n.vpc})
	require.NoError(t, err)
	a1, err := e.c.AssociateRouteTable(e.ctx, &awsec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: &n.subnetA})
	require.NoError(t, err)
	a2, err := e.c.AssociateRouteTable(e.ctx, &awsec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: &n.subnetA})
	require.NoError(t, err)
	assert.Equal(t, *a1.AssociationId, *a2.AssociationId, "associating again answers the existing association")
	rt2, err := e.c.CreateRouteTable(e.ctx, &awsec2.CreateRouteTableInput{VpcId: &n.vpc})
	require.NoError(t, err)
	_, err = e.c.AssociateRouteTable(e.ctx, &awsec2.AssociateRouteTableInput{RouteTableId: rt2.RouteTable.RouteTableId, SubnetId: &n.subnetA})
	requireCode(t, err, simec2.CodeResourceAlreadyAssociated)
	byAssoc, err := e.c.DescribeRouteTables(e.ctx, &awsec2.DescribeRouteTablesInput{Filters: []types.Filter{filterOf("association.subnet-id", n.subnetA)}})
	require.NoError(t, err)
	require.Len(t, byAssoc.RouteTables, 1)
	assert.Equal(t, *rt.RouteTable.RouteTableId, *byAssoc.RouteTables[0].RouteTableId)

	_, err = e.c.DisassociateRouteTable(e.ctx, &awsec2.DisassociateRouteTableInput{AssociationId: main.RouteTables[0].Associations[0].RouteTableAssociationId})
	requireCode(t, err, simec2.CodeInvalidParameterValue)

	// Deleting the subnet drops its association, so the table can go.
	_, err = e.c.DeleteSubnet(e.ctx, &awsec2.DeleteSubnetInput{SubnetId: &n.subnetA})
	require.NoError(t, err)
	_, err = e.c.DeleteRouteTable(e.ctx, &awsec2.DeleteRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId})
	require.NoError(t, err)
	_, err = e.c.DeleteRouteTable(e.ctx, &awsec2.DeleteRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId})
	requireCode(t, err, simec2.CodeInvalidRouteTableIDNotFound)

	igws, err := e.c.DescribeInternetGateways(e.ctx, &awsec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filterOf("tag:k", "v")}})
	require.NoError(t, err)
	require.Len(t, igws.InternetGateways, 1)
	assert.Empty(t, igws.InternetGateways[0].Attachments)
	_, err = e.c.DescribeInternetGateways(e.ctx, &awsec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{"igw-00000000000000099"}})
	requireCode(t, err, simec2.CodeInvalidInternetGatewayIDNotFound)
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	ids := []string{n.vpc, n.subnetA, n.igw, n.sg}
	_, err := e.c.CreateTags(e.ctx, &awsec2.CreateTagsInput{Resources: ids, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}, {Key: aws.String("keep"), Value: aws.String("1")}}})
	require.NoError(t, err)

	vpcs, err := e.c.DescribeVpcs(e.ctx, &awsec2.DescribeVpcsInput{Filters: []types.Filter{filterOf("tag:env", "test"), filterOf("tag-key", "geusemaker:deployment")}})
	require.NoError(t, err)
	require.Len(t, vpcs.Vpcs, 1)

	_, err = e.c.DeleteTags(e.ctx, &awsec2.DeleteTagsInput{Resources: ids, Tags: []types.Tag{{Key: aws.String("env")}, {Key: aws.String("keep"), Value: aws.String("other")}}})
	require.NoError(t, err)
	groups, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{GroupIds: []string{n.sg}})
	require.NoError(t, err)
	assert.Equal(t, []types.Tag{{Key: aws.String("keep"), Value: aws.String("1")}}, groups.SecurityGroups[0].Tags)

	tests := []struct {
		id, code string
	}{
		{"vpc-00000000000000099", simec2.CodeInvalidVpcIDNotFound},
		{"subnet-00000000000000099", simec2.CodeInvalidSubnetIDNotFound},
		{"igw-00000000000000099", simec2.CodeInvalidInternetGatewayIDNotFound},
		{"rtb-00000000000000099", simec2.CodeInvalidRouteTableIDNotFound},
		{"sg-00000000000000099", simec2.CodeInvalidGroupNotFound},
		{"eni-00000000000000099", simec2.CodeInvalidNetworkInterfaceIDNotFound},
		{"i-00000000000000099", simec2.CodeInvalidInstanceIDNotFound},
		{"bogus", simec2.CodeInvalidID},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			_, err := e.c.CreateTags(e.ctx, &awsec2.CreateTagsInput{Resources: []string{n.vpc, tt.id}, Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
			requireCode(t, err, tt.code)
		})
	}
	// The failed calls changed nothing.
	vpcs, err = e.c.DescribeVpcs(e.ctx, &awsec2.DescribeVpcsInput{Filters: []types.Filter{filterOf("tag-key", "x")}})
	require.NoError(t, err)
	assert.Empty(t, vpcs.Vpcs)

	_, err = e.c.DeleteTags(e.ctx, &awsec2.DeleteTagsInput{Resources: []string{n.subnetA}})
	require.NoError(t, err)
	subnets, err := e.c.DescribeSubnets(e.ctx, &awsec2.DescribeSubnetsInput{SubnetIds: []string{n.subnetA}})
	require.NoError(t, err)
	assert.Empty(t, subnets.Subnets[0].Tags)
	rts, err := e.c.DescribeRouteTables(e.ctx, &awsec2.DescribeRouteTablesInput{Filters: []types.Filter{filterOf("vpc-id", n.vpc)}})
	require.NoError(t, err)
	_, err = e.c.CreateTags(e.ctx, &awsec2.CreateTagsInput{Resources: []string{*rts.RouteTables[0].RouteTableId}, Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
	require.NoError(t, err)
}
