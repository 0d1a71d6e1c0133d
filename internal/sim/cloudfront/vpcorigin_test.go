package cloudfront_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim"
	"geusemaker/internal/sim/account"
)

// vpcFixture is a whole simulated account: a VPC origin needs a load
// balancer in a VPC.
type vpcFixture struct {
	cloud *sim.Cloud
	clock *clock.Virtual
	cf    *sdk.Client
	ctx   context.Context
}

func newVPCFixture(t *testing.T) *vpcFixture {
	t.Helper()
	cloud := sim.New()
	return &vpcFixture{cloud: cloud, clock: cloud.Clock().(*clock.Virtual), cf: sdk.NewFromConfig(cloud.Config("us-east-1")), ctx: context.Background()}
}

// alb creates an internal load balancer in two default subnets of region,
// active once provisioned.
func (f *vpcFixture) alb(t *testing.T, region, name string) string {
	t.Helper()
	subnets, err := ec2.NewFromConfig(f.cloud.Config(region)).DescribeSubnets(f.ctx, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	require.NoError(t, err)
	return f.albIn(t, region, name, []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)})
}

func (f *vpcFixture) albIn(t *testing.T, region, name string, subnets []string) string {
	t.Helper()
	out, err := elb.NewFromConfig(f.cloud.Config(region)).CreateLoadBalancer(f.ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: subnets, Scheme: elbtypes.LoadBalancerSchemeEnumInternal,
	})
	require.NoError(t, err)
	return aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
}

func (f *vpcFixture) createOrigin(name, albARN string) (*sdk.CreateVpcOriginOutput, error) {
	return f.cf.CreateVpcOrigin(f.ctx, &sdk.CreateVpcOriginInput{VpcOriginEndpointConfig: &types.VpcOriginEndpointConfig{
		Name: aws.String(name), Arn: aws.String(albARN), HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
		OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly,
	}})
}

// viaOrigin is config with its origin reached through VPC origin id.
func viaOrigin(ref, id string) *types.DistributionConfig {
	cfg := config(ref)
	o := &cfg.Origins.Items[0]
	o.CustomOriginConfig = nil
	o.VpcOriginConfig = &types.VpcOriginConfig{VpcOriginId: aws.String(id), OriginReadTimeout: aws.Int32(30), OriginKeepaliveTimeout: aws.Int32(5)}
	return cfg
}

func (f *vpcFixture) interfaces() int {
	n := 0
	for _, r := range f.cloud.Inventory() {
		if r.Type == "network-interface" && r.State != "" {
			n++
		}
	}
	return n
}

// requireCode asserts err is the AWS error code with the HTTP status
// CloudFront (or ELBv2) answers it with.
func requireCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "want %s, got %v", code, err)
	assert.Equal(t, code, ae.ErrorCode())
	var re *awshttp.ResponseError
	require.True(t, errors.As(err, &re), "an HTTP response error: %v", err)
	assert.Equal(t, status, re.HTTPStatusCode(), code)
}

func TestAVPCOriginTakesADistributionOnlyOnceDeployed(t *testing.T) {
	f := newVPCFixture(t)
	albARN := f.alb(t, "us-east-1", "demo-alb")
	before := f.interfaces()
	_, err := f.createOrigin("early", albARN)
	requireCode(t, err, "InvalidArgument", http.StatusBadRequest)
	assert.ErrorContains(t, err, "not active", "an ALB still provisioning")

	f.clock.Advance(5 * time.Minute)
	out, err := f.createOrigin("demo", albARN)
	require.NoError(t, err)
	id := aws.ToString(out.VpcOrigin.Id)
	assert.Regexp(t, `^vo_`, id)
	assert.Equal(t, "Deploying", aws.ToString(out.VpcOrigin.Status))
	assert.Equal(t, "arn:aws:cloudfront::"+account.AccountID+":vpcorigin/"+id, aws.ToString(out.VpcOrigin.Arn))
	assert.Equal(t, before+2, f.interfaces(), "one service-managed interface per subnet of the origin")
	_, err = f.cf.DeleteVpcOrigin(f.ctx, &sdk.DeleteVpcOriginInput{Id: aws.String(id), IfMatch: out.ETag})
	requireCode(t, err, "IllegalDelete", http.StatusBadRequest)

	_, err = f.cf.CreateDistributionWithTags(f.ctx, &sdk.CreateDistributionWithTagsInput{DistributionConfigWithTags: &types.DistributionConfigWithTags{
		DistributionConfig: viaOrigin("a", id), Tags: &types.Tags{}}})
	requireCode(t, err, "InvalidArgument", http.StatusBadRequest)
	assert.ErrorContains(t, err, "not deployed yet")

	f.clock.Advance(5 * time.Minute)
	got, err := f.cf.GetVpcOrigin(f.ctx, &sdk.GetVpcOriginInput{Id: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, "Deployed", aws.ToString(got.VpcOrigin.Status))
	both := viaOrigin("b", id)
	both.Origins.Items[0].CustomOriginConfig = config("c").Origins.Items[0].CustomOriginConfig
	_, err = f.cf.CreateDistributionWithTags(f.ctx, &sdk.CreateDistributionWithTagsInput{DistributionConfigWithTags: &types.DistributionConfigWithTags{
		DistributionConfig: both, Tags: &types.Tags{}}})
	requireCode(t, err, "InvalidArgument", http.StatusBadRequest)
	_, err = f.cf.CreateDistributionWithTags(f.ctx, &sdk.CreateDistributionWithTagsInput{DistributionConfigWithTags: &types.DistributionConfigWithTags{
		DistributionConfig: viaOrigin("d", id), Tags: &types.Tags{}}})
	require.NoError(t, err)
}

func TestAVPCOriginIsDeletedAfterItsDistributionAndBeforeItsALB(t *testing.T) {
	f := newVPCFixture(t)
	albARN := f.alb(t, "us-east-1", "demo-alb")
	f.clock.Advance(5 * time.Minute)
	out, err := f.createOrigin("demo", albARN)
	require.NoError(t, err)
	id := aws.ToString(out.VpcOrigin.Id)
	f.clock.Advance(5 * time.Minute)
	dist, err := f.cf.CreateDistributionWithTags(f.ctx, &sdk.CreateDistributionWithTagsInput{DistributionConfigWithTags: &types.DistributionConfigWithTags{
		DistributionConfig: viaOrigin("a", id), Tags: &types.Tags{}}})
	require.NoError(t, err)
	lb := elb.NewFromConfig(f.cloud.Config("us-east-1"))
	etag := func() *string {
		got, err := f.cf.GetVpcOrigin(f.ctx, &sdk.GetVpcOriginInput{Id: aws.String(id)})
		require.NoError(t, err)
		return got.ETag
	}

	_, err = lb.DeleteLoadBalancer(f.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(albARN)})
	requireCode(t, err, "ResourceInUse", http.StatusBadRequest)
	_, err = f.cf.DeleteVpcOrigin(f.ctx, &sdk.DeleteVpcOriginInput{Id: aws.String(id), IfMatch: aws.String("stale")})
	requireCode(t, err, "PreconditionFailed", http.StatusPreconditionFailed)
	_, err = f.cf.DeleteVpcOrigin(f.ctx, &sdk.DeleteVpcOriginInput{Id: aws.String(id), IfMatch: etag()})
	requireCode(t, err, "CannotDeleteEntityWhileInUse", http.StatusConflict)

	// Disabled, it still names the origin: only its deletion frees it.
	d := dist.Distribution
	cfg := viaOrigin("a", id)
	cfg.Enabled = aws.Bool(false)
	up, err := f.cf.UpdateDistribution(f.ctx, &sdk.UpdateDistributionInput{Id: d.Id, IfMatch: dist.ETag, DistributionConfig: cfg})
	require.NoError(t, err)
	_, err = f.cf.DeleteVpcOrigin(f.ctx, &sdk.DeleteVpcOriginInput{Id: aws.String(id), IfMatch: etag()})
	requireCode(t, err, "CannotDeleteEntityWhileInUse", http.StatusConflict)
	f.clock.Advance(3 * time.Minute)
	_, err = f.cf.DeleteDistribution(f.ctx, &sdk.DeleteDistributionInput{Id: d.Id, IfMatch: up.ETag})
	require.NoError(t, err)

	del, err := f.cf.DeleteVpcOrigin(f.ctx, &sdk.DeleteVpcOriginInput{Id: aws.String(id), IfMatch: etag()})
	require.NoError(t, err)
	assert.Equal(t, "Deploying", aws.ToString(del.VpcOrigin.Status), "a deleted VPC origin stays Deploying until it is gone")
	_, err = lb.DeleteLoadBalancer(f.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(albARN)})
	requireCode(t, err, "ResourceInUse", http.StatusBadRequest)

	f.clock.Advance(5 * time.Minute)
	_, err = f.cf.GetVpcOrigin(f.ctx, &sdk.GetVpcOriginInput{Id: aws.String(id)})
	requireCode(t, err, "EntityNotFound", http.StatusNotFound)
	_, err = lb.DeleteLoadBalancer(f.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(albARN)})
	require.NoError(t, err)
	for _, r := range f.cloud.Inventory() {
		assert.NotEqual(t, "vpc-origin", r.Type)
	}
}

func TestCreateVpcOriginRefusesWhatCloudFrontRefuses(t *testing.T) {
	f := newVPCFixture(t)
	albARN := f.alb(t, "us-east-1", "demo-alb")
	f.clock.Advance(5 * time.Minute)

	_, err := f.createOrigin("ghost", "arn:aws:elasticloadbalancing:us-east-1:"+account.AccountID+":loadbalancer/app/ghost/1")
	requireCode(t, err, "InvalidArgument", http.StatusBadRequest)

	// ap-southeast-6 is not among the regions with VPC origins.
	elsewhere := f.alb(t, "ap-southeast-6", "far-alb")
	f.clock.Advance(5 * time.Minute)
	_, err = f.createOrigin("far", elsewhere)
	requireCode(t, err, "UnsupportedOperation", http.StatusBadRequest)

	// "You need to add an internet gateway to the VPC": a VPC without one.
	c := ec2.NewFromConfig(f.cloud.Config("us-east-1"))
	vpc, err := c.CreateVpc(f.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	require.NoError(t, err)
	var subnets []string
	for i, zone := range []string{"us-east-1a", "us-east-1b"} {
		s, err := c.CreateSubnet(f.ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(zone),
			CidrBlock: aws.String(fmt.Sprintf("10.9.%d.0/24", i))})
		require.NoError(t, err)
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	private := f.albIn(t, "us-east-1", "private-alb", subnets)
	f.clock.Advance(5 * time.Minute)
	_, err = f.createOrigin("private", private)
	requireCode(t, err, "InvalidArgument", http.StatusBadRequest)
	assert.ErrorContains(t, err, "no internet gateway")

	_, err = f.createOrigin("demo", albARN)
	require.NoError(t, err)
	_, err = f.createOrigin("demo", albARN)
	requireCode(t, err, "EntityAlreadyExists", http.StatusConflict)

	for i := 1; i < 25; i++ {
		_, err = f.createOrigin(fmt.Sprintf("more-%d", i), albARN)
		require.NoError(t, err)
	}
	_, err = f.createOrigin("one-too-many", albARN)
	requireCode(t, err, "EntityLimitExceeded", http.StatusBadRequest)
}
