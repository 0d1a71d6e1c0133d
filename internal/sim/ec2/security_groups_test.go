package ec2_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	simec2 "geusemaker/internal/sim/ec2"
)

func tcp(port int32) types.IpPermission {
	return types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
}

func fromCIDR(port int32, cidr string) []types.IpPermission {
	p := tcp(port)
	p.IpRanges = []types.IpRange{{CidrIp: aws.String(cidr)}}
	return []types.IpPermission{p}
}

func fromGroup(port int32, group string) []types.IpPermission {
	p := tcp(port)
	p.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String(group)}}
	return []types.IpPermission{p}
}

func fromPrefixList(port int32, pl string) []types.IpPermission {
	p := tcp(port)
	p.PrefixListIds = []types.PrefixListId{{PrefixListId: aws.String(pl)}}
	return []types.IpPermission{p}
}

func (e *env) ingress(groupID string, perms []types.IpPermission) error {
	_, err := e.c.AuthorizeSecurityGroupIngress(e.ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(groupID), IpPermissions: perms})
	return err
}

func (e *env) group(t *testing.T, vpc, name string) string {
	t.Helper()
	out, err := e.c.CreateSecurityGroup(e.ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(vpc),
		TagSpecifications: tagSpec(types.ResourceTypeSecurityGroup, "Name", name)})
	require.NoError(t, err)
	return *out.GroupId
}

func TestCreateSecurityGroupPreconditions(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	tests := []struct {
		name string
		in   awsec2.CreateSecurityGroupInput
		code string
	}{
		{"duplicate name in the VPC", awsec2.CreateSecurityGroupInput{GroupName: aws.String("inst"), Description: aws.String("d"), VpcId: &n.vpc}, simec2.CodeInvalidGroupDuplicate},
		{"reserved name", awsec2.CreateSecurityGroupInput{GroupName: aws.String("default"), Description: aws.String("d"), VpcId: &n.vpc}, simec2.CodeInvalidGroupReserved},
		{"sg- prefix", awsec2.CreateSecurityGroupInput{GroupName: aws.String("sg-1"), Description: aws.String("d"), VpcId: &n.vpc}, simec2.CodeInvalidParameterValue},
		{"unknown VPC", awsec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("d"), VpcId: aws.String("vpc-00000000000000099")}, simec2.CodeInvalidVpcIDNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.CreateSecurityGroup(e.ctx, &tt.in)
			requireCode(t, err, tt.code)
		})
	}
	t.Run("same name in another VPC", func(t *testing.T) {
		out, err := e.c.CreateSecurityGroup(e.ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String("inst"), Description: aws.String("d")})
		require.NoError(t, err)
		byName, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{GroupNames: []string{"inst"}})
		require.NoError(t, err)
		require.Len(t, byName.SecurityGroups, 1)
		assert.Equal(t, *out.GroupId, *byName.SecurityGroups[0].GroupId, "group names resolve in the default VPC")
	})
}

func TestAuthorizeIngress(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	alb := e.group(t, n.vpc, "alb")

	require.NoError(t, e.ingress(alb, fromPrefixList(80, simec2.CloudFrontPrefixListID)))
	require.NoError(t, e.ingress(n.sg, fromGroup(80, alb)))
	requireCode(t, e.ingress(n.sg, fromGroup(80, alb)), simec2.CodeInvalidPermissionDuplicate)
	require.NoError(t, e.ingress(n.sg, fromCIDR(22, "203.0.113.7/32")))
	requireCode(t, e.ingress(n.sg, fromCIDR(22, "203.0.113.7/32")), simec2.CodeInvalidPermissionDuplicate)

	_, err := e.c.AuthorizeSecurityGroupIngress(e.ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: &n.sg, IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), CidrIp: aws.String("0.0.0.0/0")})
	require.NoError(t, err)
	_, err = e.c.AuthorizeSecurityGroupEgress(e.ctx, &awsec2.AuthorizeSecurityGroupEgressInput{GroupId: &n.sg, IpPermissions: fromCIDR(443, "0.0.0.0/0")})
	require.NoError(t, err)
	_, err = e.c.AuthorizeSecurityGroupEgress(e.ctx, &awsec2.AuthorizeSecurityGroupEgressInput{GroupId: &n.sg, IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	requireCode(t, err, simec2.CodeInvalidPermissionDuplicate) // the default egress rule

	tests := []struct {
		name  string
		perms []types.IpPermission
		code  string
	}{
		{"unknown source group", fromGroup(80, "sg-00000000000000099"), simec2.CodeInvalidGroupNotFound},
		{"unknown prefix list", fromPrefixList(80, "pl-00000000"), simec2.CodeInvalidPrefixListIDNotFound},
		{"no ports", []types.IpPermission{{IpProtocol: aws.String("tcp"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}, simec2.CodeInvalidParameterValue},
		{"bad range", []types.IpPermission{{IpProtocol: aws.String("udp"), FromPort: aws.Int32(9), ToPort: aws.Int32(1), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}, simec2.CodeInvalidParameterValue},
		{"bad protocol", []types.IpPermission{{IpProtocol: aws.String("sctp"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}, simec2.CodeInvalidParameterValue},
		{"no peer", []types.IpPermission{tcp(80)}, simec2.CodeMissingParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireCode(t, e.ingress(n.sg, tt.perms), tt.code)
		})
	}
	t.Run("source group in another VPC", func(t *testing.T) {
		other, err := e.c.CreateSecurityGroup(e.ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String("elsewhere"), Description: aws.String("d")})
		require.NoError(t, err)
		requireCode(t, e.ingress(n.sg, fromGroup(80, *other.GroupId)), simec2.CodeInvalidParameterValue)
	})

	groups, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filterOf("vpc-id", n.vpc), filterOf("group-name", "inst")}})
	require.NoError(t, err)
	require.Len(t, groups.SecurityGroups, 1)
	perms := groups.SecurityGroups[0].IpPermissions
	require.Len(t, perms, 3)
	assert.Equal(t, alb, *perms[0].UserIdGroupPairs[0].GroupId)
	assert.Equal(t, "203.0.113.7/32", *perms[1].IpRanges[0].CidrIp)
	require.Len(t, groups.SecurityGroups[0].IpPermissionsEgress, 2)

	refs, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filterOf("ip-permission.group-id", alb)}})
	require.NoError(t, err)
	require.Len(t, refs.SecurityGroups, 1)
	assert.Equal(t, n.sg, *refs.SecurityGroups[0].GroupId)
}

func TestRuleQuotaCountsPrefixListMaxEntries(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	g := e.group(t, n.vpc, "alb")
	require.NoError(t, e.ingress(g, fromPrefixList(80, simec2.CloudFrontPrefixListID)))
	for port := int32(1000); port < 1005; port++ {
		require.NoError(t, e.ingress(g, fromCIDR(port, "10.0.0.0/8")), "rule %d", port)
	}
	// 55 + 5 = 60: the next rule is one too many.
	requireCode(t, e.ingress(g, fromCIDR(2000, "10.0.0.0/8")), simec2.CodeRulesPerSecurityGroupLimitExceeded)
	requireCode(t, e.ingress(g, fromPrefixList(443, simec2.CloudFrontPrefixListID)), simec2.CodeRulesPerSecurityGroupLimitExceeded)

	h := e.group(t, n.vpc, "many")
	var perms []types.IpPermission
	for port := int32(1); port <= simec2.MaxRulesPerGroup+1; port++ {
		perms = append(perms, fromCIDR(port, "10.0.0.0/8")...)
	}
	requireCode(t, e.ingress(h, perms), simec2.CodeRulesPerSecurityGroupLimitExceeded)
	groups, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{GroupIds: []string{h}})
	require.NoError(t, err)
	assert.Empty(t, groups.SecurityGroups[0].IpPermissions, "a refused call adds nothing")
}

func TestRevokeIngress(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	alb := e.group(t, n.vpc, "alb")
	require.NoError(t, e.ingress(n.sg, fromGroup(80, alb)))
	require.NoError(t, e.ingress(n.sg, fromCIDR(22, "203.0.113.7/32")))

	out, err := e.c.RevokeSecurityGroupIngress(e.ctx, &awsec2.RevokeSecurityGroupIngressInput{GroupId: &n.sg, IpPermissions: fromGroup(80, alb)})
	require.NoError(t, err)
	require.Len(t, out.RevokedSecurityGroupRules, 1)
	assert.Equal(t, alb, *out.RevokedSecurityGroupRules[0].ReferencedGroupId)
	_, err = e.c.RevokeSecurityGroupIngress(e.ctx, &awsec2.RevokeSecurityGroupIngressInput{GroupId: &n.sg, IpPermissions: fromGroup(80, alb)})
	requireCode(t, err, simec2.CodeInvalidPermissionNotFound)

	groups, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{GroupIds: []string{n.sg}})
	require.NoError(t, err)
	require.Len(t, groups.SecurityGroups[0].IpPermissions, 1)

	rules, err := e.c.AuthorizeSecurityGroupIngress(e.ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: &n.sg, IpPermissions: fromCIDR(8080, "10.0.0.0/8")})
	require.NoError(t, err)
	_, err = e.c.RevokeSecurityGroupIngress(e.ctx, &awsec2.RevokeSecurityGroupIngressInput{GroupId: &n.sg, SecurityGroupRuleIds: []string{*rules.SecurityGroupRules[0].SecurityGroupRuleId}})
	require.NoError(t, err)
	_, err = e.c.RevokeSecurityGroupIngress(e.ctx, &awsec2.RevokeSecurityGroupIngressInput{GroupId: &n.sg, SecurityGroupRuleIds: []string{*rules.SecurityGroupRules[0].SecurityGroupRuleId}})
	requireCode(t, err, simec2.CodeInvalidSecurityGroupRuleIDNotFound)
	_, err = e.c.RevokeSecurityGroupIngress(e.ctx, &awsec2.RevokeSecurityGroupIngressInput{GroupId: aws.String("sg-00000000000000099"), IpPermissions: fromCIDR(1, "10.0.0.0/8")})
	requireCode(t, err, simec2.CodeInvalidGroupNotFound)
}

func TestDeleteSecurityGroupDependencies(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	alb := e.group(t, n.vpc, "alb")
	require.NoError(t, e.ingress(n.sg, fromGroup(80, alb)))
	deleteGroup := func(id string) error {
		_, err := e.c.DeleteSecurityGroup(e.ctx, &awsec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
		return err
	}

	t.Run("referenced by another group's rule", func(t *testing.T) {
		requireCode(t, deleteGroup(alb), simec2.CodeDependencyViolation)
	})
	t.Run("used by an instance's ENI until it terminates", func(t *testing.T) {
		run := e.run(t, runInput(n.subnetA, n.sg, "t3.micro"))
		requireCode(t, deleteGroup(n.sg), simec2.CodeDependencyViolation)
		enis, err := e.c.DescribeNetworkInterfaces(e.ctx, &awsec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filterOf("group-id", n.sg)}})
		require.NoError(t, err)
		require.Len(t, enis.NetworkInterfaces, 1)

		_, err = e.c.TerminateInstances(e.ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{*run.Instances[0].InstanceId}})
		require.NoError(t, err)
		requireCode(t, deleteGroup(n.sg), simec2.CodeDependencyViolation) // shutting down
		e.clock.Advance(60 * 1e9)
		require.NoError(t, deleteGroup(n.sg))
	})
	t.Run("used by another service's ENI", func(t *testing.T) {
		efs := e.group(t, n.vpc, "efs")
		var eni string
		e.w.Do(func() {
			var err error
			eni, err = e.w.Network.CreateNetworkInterface(n.subnetB, []string{efs}, "EFS mount target", false)
			require.NoError(t, err)
		})
		requireCode(t, deleteGroup(efs), simec2.CodeDependencyViolation)
		e.w.Do(func() { e.w.Network.DeleteNetworkInterface(eni) })
		require.NoError(t, deleteGroup(efs))
	})
	t.Run("reference removed", func(t *testing.T) {
		require.NoError(t, deleteGroup(alb))
		requireCode(t, deleteGroup(alb), simec2.CodeInvalidGroupNotFound)
	})
	t.Run("default group", func(t *testing.T) {
		groups, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filterOf("vpc-id", n.vpc), filterOf("group-name", "default")}})
		require.NoError(t, err)
		require.Len(t, groups.SecurityGroups, 1)
		requireCode(t, deleteGroup(*groups.SecurityGroups[0].GroupId), simec2.CodeCannotDelete)
	})
	t.Run("by name outside the default VPC", func(t *testing.T) {
		_, err := e.c.DeleteSecurityGroup(e.ctx, &awsec2.DeleteSecurityGroupInput{GroupName: aws.String("nope")})
		requireCode(t, err, simec2.CodeInvalidGroupNotFound)
	})
}

func TestNetworkForOtherServices(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	e.w.Do(func() {
		s, ok := e.w.Network.Subnet(n.subnetB)
		require.True(t, ok)
		assert.Equal(t, "us-east-1b", s.AvailabilityZone)
		assert.Equal(t, n.vpc, s.VPCID)
		_, ok = e.w.Network.Subnet("subnet-00000000000000099")
		assert.False(t, ok)

		vpc, ok := e.w.Network.SecurityGroupVPC(n.sg)
		require.True(t, ok)
		assert.Equal(t, n.vpc, vpc)
		_, ok = e.w.Network.SecurityGroupVPC("sg-00000000000000099")
		assert.False(t, ok)

		assert.True(t, e.w.Network.HasInternetGateway(n.vpc))

		_, err := e.w.Network.CreateNetworkInterface("subnet-00000000000000099", nil, "x", false)
		requireCode(t, err, simec2.CodeInvalidSubnetIDNotFound)
		_, err = e.w.Network.CreateNetworkInterface(n.subnetA, []string{"sg-00000000000000099"}, "x", false)
		requireCode(t, err, simec2.CodeInvalidGroupNotFound)
		other, _ := e.w.Network.SecurityGroupVPC(n.sg)
		require.Equal(t, n.vpc, other)
	})
	var eni string
	e.w.Do(func() {
		var err error
		eni, err = e.w.Network.CreateNetworkInterface(n.subnetA, []string{n.sg}, "ELB app/x", false)
		require.NoError(t, err)
	})
	_, err := e.c.DeleteSubnet(e.ctx, &awsec2.DeleteSubnetInput{SubnetId: &n.subnetA})
	requireCode(t, err, simec2.CodeDependencyViolation)
	enis, err := e.c.DescribeNetworkInterfaces(e.ctx, &awsec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eni}})
	require.NoError(t, err)
	assert.True(t, *enis.NetworkInterfaces[0].RequesterManaged)
	assert.Equal(t, "10.0.1.4", *enis.NetworkInterfaces[0].PrivateIpAddress)
	_, err = e.c.DescribeNetworkInterfaces(e.ctx, &awsec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-00000000000000099"}})
	requireCode(t, err, simec2.CodeInvalidNetworkInterfaceIDNotFound)
	for _, f := range []types.Filter{filterOf("subnet-id", n.subnetA), filterOf("vpc-id", n.vpc), filterOf("description", "ELB *")} {
		out, err := e.c.DescribeNetworkInterfaces(e.ctx, &awsec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{f}})
		require.NoError(t, err)
		assert.Len(t, out.NetworkInterfaces, 1, fmt.Sprint(*f.Name))
	}
}
