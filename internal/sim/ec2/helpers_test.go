package ec2_test

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	simec2 "geusemaker/internal/sim/ec2"
)

type env struct {
	w     *account.Account
	m     *simec2.Model
	c     *awsec2.Client
	clock *clock.Virtual
	ctx   context.Context
}

// newEnv is a fresh account whose new instances and groups are visible at
// once (the consistency windows have tests of their own); opts come after.
func newEnv(t *testing.T, opts ...account.Option) *env {
	t.Helper()
	w := account.New(append([]account.Option{account.WithConsistency()}, opts...)...)
	m := simec2.Register(w)
	return &env{w: w, m: m, c: awsec2.NewFromConfig(w.Config("us-east-1")), clock: w.Clock().(*clock.Virtual), ctx: context.Background()}
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae, "want %s", code)
	require.Equal(t, code, ae.ErrorCode(), ae.ErrorMessage())
}

func filterOf(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func tagSpec(rt types.ResourceType, kv ...string) []types.TagSpecification {
	var tags []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{{ResourceType: rt, Tags: tags}}
}

// network builds a VPC with two subnets in zones a and b, an attached
// gateway and an instance security group.
type network struct {
	vpc, subnetA, subnetB, igw, sg string
}

func (e *env) network(t *testing.T) network {
	t.Helper()
	v, err := e.c.CreateVpc(e.ctx, &awsec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeVpc, "geusemaker:deployment", "d1")})
	require.NoError(t, err)
	n := network{vpc: *v.Vpc.VpcId}
	for i, z := range []string{"us-east-1a", "us-east-1b"} {
		s, err := e.c.CreateSubnet(e.ctx, &awsec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String([]string{"10.0.1.0/24", "10.0.2.0/24"}[i]), AvailabilityZone: aws.String(z)})
		require.NoError(t, err)
		_, err = e.c.ModifySubnetAttribute(e.ctx, &awsec2.ModifySubnetAttributeInput{SubnetId: s.Subnet.SubnetId, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
		require.NoError(t, err)
		if i == 0 {
			n.subnetA = *s.Subnet.SubnetId
		} else {
			n.subnetB = *s.Subnet.SubnetId
		}
	}
	g, err := e.c.CreateInternetGateway(e.ctx, &awsec2.CreateInternetGatewayInput{})
	require.NoError(t, err)
	n.igw = *g.InternetGateway.InternetGatewayId
	_, err = e.c.AttachInternetGateway(e.ctx, &awsec2.AttachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc})
	require.NoError(t, err)
	sg, err := e.c.CreateSecurityGroup(e.ctx, &awsec2.CreateSecurityGroupInput{GroupName: aws.String("inst"), Description: aws.String("instance"), VpcId: &n.vpc})
	require.NoError(t, err)
	n.sg = *sg.GroupId
	return n
}

func (e *env) run(t *testing.T, in *awsec2.RunInstancesInput) *awsec2.RunInstancesOutput {
	t.Helper()
	out, err := e.c.RunInstances(e.ctx, in)
	require.NoError(t, err)
	return out
}

func runInput(subnet, sg, typ string) *awsec2.RunInstancesInput {
	return &awsec2.RunInstancesInput{
		ImageId: aws.String("ami-0123456789abcdef0"), InstanceType: types.InstanceType(typ),
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnet), SecurityGroupIds: []string{sg},
		UserData: aws.String(base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\necho hi\n"))),
	}
}

func (e *env) instanceState(t *testing.T, id string) types.InstanceStateName {
	t.Helper()
	out, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{InstanceIds: []string{id}})
	require.NoError(t, err)
	return out.Reservations[0].Instances[0].State.Name
}
