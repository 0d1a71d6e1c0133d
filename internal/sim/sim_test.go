package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/clock"
	"geusemaker/internal/sim"
	"geusemaker/internal/sim/account"
	simec2 "geusemaker/internal/sim/ec2"
	simelbv2 "geusemaker/internal/sim/elbv2"
	"geusemaker/internal/sim/servicequotas"
)

// fixture is a VPC with two subnets in two AZs and a security group, in a
// fresh simulated account.
type fixture struct {
	cloud   *sim.Cloud
	clock   *clock.Virtual
	ec2     *ec2.Client
	subnets []string
	group   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	c := clock.NewVirtual(account.Epoch)
	cloud := sim.New(account.WithClock(c))
	client := ec2.NewFromConfig(cloud.Config("us-east-1"))
	subnets, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}},
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(subnets.Subnets), 2)
	vpc := aws.ToString(subnets.Subnets[0].VpcId)
	sg, err := client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: aws.String(vpc),
	})
	require.NoError(t, err)
	c.Advance(simec2.Defaults()[simec2.WindowGroupVisible]) // the new group is visible to every call
	return &fixture{
		cloud: cloud, clock: c, ec2: client, group: aws.ToString(sg.GroupId),
		subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)},
	}
}

// A load balancer's network interfaces keep its security group in use in
// EC2 until they are released, some time after the load balancer is gone.
func TestSecurityGroupBusyUntilDeletedLoadBalancerReleasesItsInterfaces(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	lbs := elb.NewFromConfig(f.cloud.Config("us-east-1"))
	lb, err := lbs.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String("demo-alb"), Subnets: f.subnets, SecurityGroups: []string{f.group},
	})
	require.NoError(t, err)
	_, err = f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(f.group)})
	assert.Equal(t, "DependencyViolation", awsapi.Code(err))

	_, err = lbs.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn})
	require.NoError(t, err)
	_, err = f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(f.group)})
	assert.Equal(t, "DependencyViolation", awsapi.Code(err), "interfaces linger after the load balancer is deleted")

	f.clock.Advance(simelbv2.Defaults()[simelbv2.LatencyENIRelease])
	_, err = f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(f.group)})
	require.NoError(t, err, "EC2 sees the interfaces gone once due, with no ELBv2 call in between")
}

// An internet-facing load balancer's nodes have public addresses: while
// they exist, and while they linger after the delete, the VPC's internet
// gateway cannot be detached. An internal one's nodes do not hold it.
func TestInternetFacingLoadBalancerHoldsTheGatewayUntilItsInterfacesGo(t *testing.T) {
	ctx := context.Background()
	for _, scheme := range []elbtypes.LoadBalancerSchemeEnum{elbtypes.LoadBalancerSchemeEnumInternetFacing, elbtypes.LoadBalancerSchemeEnumInternal} {
		t.Run(string(scheme), func(t *testing.T) {
			f := newFixture(t)
			igws, err := f.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{})
			require.NoError(t, err)
			require.Len(t, igws.InternetGateways, 1, "the default VPC's")
			detach := &ec2.DetachInternetGatewayInput{InternetGatewayId: igws.InternetGateways[0].InternetGatewayId, VpcId: igws.InternetGateways[0].Attachments[0].VpcId}

			lbs := elb.NewFromConfig(f.cloud.Config("us-east-1"))
			lb, err := lbs.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
				Name: aws.String("demo-alb"), Subnets: f.subnets, SecurityGroups: []string{f.group}, Scheme: scheme,
			})
			require.NoError(t, err)
			_, err = lbs.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn})
			require.NoError(t, err)
			f.clock.Advance(simelbv2.Defaults()[simelbv2.LatencyENIRelease] - time.Second)
			_, err = f.ec2.DetachInternetGateway(ctx, detach)
			if scheme == elbtypes.LoadBalancerSchemeEnumInternal {
				require.NoError(t, err)
				return
			}
			assert.Equal(t, "DependencyViolation", awsapi.Code(err), "the lingering nodes map public addresses")
			f.clock.Advance(time.Second)
			_, err = f.ec2.DetachInternetGateway(ctx, detach)
			require.NoError(t, err)
		})
	}
}

// EC2 refuses a fresh instance profile until IAM has propagated it.
func TestRunInstancesWaitsForInstanceProfilePropagation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	roles := iam.NewFromConfig(f.cloud.Config("us-east-1"))
	_, err := roles.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	require.NoError(t, err)
	_, err = roles.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("p")})
	require.NoError(t, err)
	_, err = roles.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("r")})
	require.NoError(t, err)

	launch := func() error {
		_, err := f.ec2.RunInstances(ctx, &ec2.RunInstancesInput{
			ImageId: aws.String("ami-0123456789abcdef0"), InstanceType: ec2types.InstanceTypeT3Medium,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(f.subnets[0]),
			IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("p")},
		})
		return err
	}
	assert.Equal(t, "InvalidParameterValue", awsapi.Code(launch()))
	f.clock.Advance(time.Minute)
	require.NoError(t, launch())
}

func TestInventorySpansServices(t *testing.T) {
	f := newFixture(t)
	inv := f.cloud.Inventory()
	require.Len(t, inv, 1, "the default VPC is not ours; the created group is")
	assert.Equal(t, "EC2", inv[0].Service)
	assert.Equal(t, f.group, inv[0].ID)
}

// The create operations enforce the account's quotas as Service Quotas
// holds them: an applied value lowered to what exists refuses the next
// create with the service's own error code.
func TestCreateOperationsEnforceTheAccountsQuotas(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	const region = "us-east-1"
	q := f.cloud.Quotas

	q.SetApplied(region, servicequotas.ServiceEC2, servicequotas.CodeGVCPUs, 4)
	run := func(typ string) error {
		_, err := f.ec2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"), InstanceType: ec2types.InstanceType(typ),
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(f.subnets[0])})
		return err
	}
	require.NoError(t, run("g4dn.xlarge"), "4 vCPUs fit a quota of 4")
	assert.Equal(t, "VcpuLimitExceeded", awsapi.Code(run("g4dn.xlarge")), "the next 4 do not")
	require.NoError(t, run("t3.medium"), "another family's quota")

	q.SetApplied(region, servicequotas.ServiceELB, servicequotas.CodeALBs, 0)
	_, err := elb.NewFromConfig(f.cloud.Config(region)).CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String("demo-alb"), Subnets: f.subnets, SecurityGroups: []string{f.group}})
	assert.Equal(t, "TooManyLoadBalancers", awsapi.Code(err))

	q.SetApplied(region, servicequotas.ServiceEFS, servicequotas.CodeFileSystems, 0)
	_, err = efs.NewFromConfig(f.cloud.Config(region)).CreateFileSystem(ctx, &efs.CreateFileSystemInput{CreationToken: aws.String("t")})
	assert.Equal(t, "FileSystemLimitExceeded", awsapi.Code(err))

	q.SetApplied(region, servicequotas.ServiceVPC, servicequotas.CodeSecurityGroups, 1)
	_, err = f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("one-more"), Description: aws.String("x")})
	assert.Equal(t, "SecurityGroupLimitExceeded", awsapi.Code(err))
}
