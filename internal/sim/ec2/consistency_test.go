package ec2_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/sim/account"
	simec2 "geusemaker/internal/sim/ec2"
)

// A new instance is unknown to the calls that name it, and unlisted, for
// a few seconds: even TerminateInstances answers NotFound while the
// instance runs on ("Eventual consistency in the Amazon EC2 API").
func TestANewInstanceIsInvisibleForAWindow(t *testing.T) {
	const window = 3 * time.Second
	e := newEnv(t, account.WithLatency(simec2.WindowInstanceVisible, window))
	n := e.network(t)
	id := *e.run(t, runInput(n.subnetA, n.sg, "t3.micro")).Instances[0].InstanceId

	_, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{InstanceIds: []string{id}})
	requireCode(t, err, simec2.CodeInvalidInstanceIDNotFound)
	_, err = e.c.TerminateInstances(e.ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{id}})
	requireCode(t, err, simec2.CodeInvalidInstanceIDNotFound)
	listed, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{Filters: []types.Filter{filterOf("vpc-id", n.vpc)}})
	require.NoError(t, err)
	assert.Empty(t, listed.Reservations, "not listed either")
	assert.Contains(t, inventoryIDs(e), id, "yet it exists, and costs")

	e.clock.Advance(window)
	out, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{InstanceIds: []string{id}})
	require.NoError(t, err)
	assert.Equal(t, id, *out.Reservations[0].Instances[0].InstanceId)
}

func TestANewSecurityGroupIsInvisibleForAWindow(t *testing.T) {
	const window = 2 * time.Second
	e := newEnv(t)
	n := e.network(t)
	e.w.SetLatency(simec2.WindowGroupVisible, window)
	g, err := e.c.CreateSecurityGroup(e.ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String("fresh"), Description: aws.String("fresh"), VpcId: &n.vpc})
	require.NoError(t, err)
	id := *g.GroupId
	open := &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), CidrIp: aws.String("0.0.0.0/0")}

	_, err = e.c.AuthorizeSecurityGroupIngress(e.ctx, open)
	requireCode(t, err, simec2.CodeInvalidGroupNotFound)
	_, err = e.c.AuthorizeSecurityGroupIngress(e.ctx, &awsec2.AuthorizeSecurityGroupIngressInput{GroupId: &n.sg, IpPermissions: []types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: &id}},
	}}})
	requireCode(t, err, simec2.CodeInvalidGroupNotFound)
	_, err = e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	requireCode(t, err, simec2.CodeInvalidGroupNotFound)
	named, err := e.c.DescribeSecurityGroups(e.ctx, &awsec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filterOf("group-name", "fresh")}})
	require.NoError(t, err)
	assert.Empty(t, named.SecurityGroups)
	_, err = e.c.CreateSecurityGroup(e.ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String("fresh"), Description: aws.String("fresh"), VpcId: &n.vpc})
	requireCode(t, err, simec2.CodeInvalidGroupDuplicate)

	e.clock.Advance(window)
	_, err = e.c.AuthorizeSecurityGroupIngress(e.ctx, open)
	require.NoError(t, err)
}

func inventoryIDs(e *env) []string {
	var ids []string
	for _, r := range e.w.Inventory() {
		ids = append(ids, r.ID)
	}
	return ids
}
