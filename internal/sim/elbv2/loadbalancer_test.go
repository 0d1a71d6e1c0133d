package elbv2_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/elbv2"
)

func TestLoadBalancerProvisionsThenTurnsActive(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")

	assert.Equal(t, types.LoadBalancerStateEnumProvisioning, lb.State.Code)
	assert.Regexp(t, `^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/d1-alb/[0-9a-f]{16}$`, *lb.LoadBalancerArn)
	assert.Regexp(t, `^d1-alb-\d+\.us-east-1\.elb\.amazonaws\.com$`, *lb.DNSName)
	assert.Equal(t, types.LoadBalancerSchemeEnumInternetFacing, lb.Scheme)
	assert.Equal(t, "vpc-1", *lb.VpcId)
	assert.Equal(t, []string{"sg-alb"}, lb.SecurityGroups)
	require.Len(t, lb.AvailabilityZones, 2)
	assert.Equal(t, "us-east-1a", *lb.AvailabilityZones[0].ZoneName)
	assert.Equal(t, 2, e.eniCount(), "one network interface per subnet")

	state := func() types.LoadBalancerStateEnum {
		out, err := e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{*lb.LoadBalancerArn}})
		require.NoError(t, err)
		return out.LoadBalancers[0].State.Code
	}
	e.clock.Advance(179 * time.Second)
	assert.Equal(t, types.LoadBalancerStateEnumProvisioning, state())
	e.clock.Advance(time.Second)
	assert.Equal(t, types.LoadBalancerStateEnumActive, state())
}

func TestLoadBalancerProvisionLatencyIsConfigurable(t *testing.T) {
	e := newEnv(t, account.WithLatency(elbv2.LatencyProvision, 0))
	assert.Equal(t, types.LoadBalancerStateEnumActive, e.createLB("fast").State.Code)
}

func TestLoadBalancerWithoutInternetGatewayStaysProvisioning(t *testing.T) {
	tests := []struct {
		name   string
		scheme types.LoadBalancerSchemeEnum
		want   types.LoadBalancerStateEnum
	}{
		{"internet-facing never turns active", types.LoadBalancerSchemeEnumInternetFacing, types.LoadBalancerStateEnumProvisioning},
		{"internal needs no gateway", types.LoadBalancerSchemeEnumInternal, types.LoadBalancerStateEnumActive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.c.CreateLoadBalancer(e.ctx, &elb.CreateLoadBalancerInput{
				Name: aws.String("nogw"), Scheme: tt.scheme, Subnets: []string{"subnet-x", "subnet-y"}, SecurityGroups: []string{"sg-other"},
			})
			require.NoError(t, err)
			e.clock.Advance(24 * time.Hour)
			out, err := e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{Names: []string{"nogw"}})
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.LoadBalancers[0].State.Code)
		})
	}
}

func TestCreateLoadBalancerIsIdempotentForSameSettings(t *testing.T) {
	e := newEnv(t)
	first := e.createLB("d1-alb")
	second := e.createLB("d1-alb")
	assert.Equal(t, *first.LoadBalancerArn, *second.LoadBalancerArn)
	assert.Equal(t, 2, e.eniCount())

	_, err := e.c.CreateLoadBalancer(e.ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String("d1-alb"), Subnets: []string{"subnet-a", "subnet-b"},
	})
	requireCode(t, err, "DuplicateLoadBalancerName")
	var dup *types.DuplicateLoadBalancerNameException
	assert.True(t, errors.As(err, &dup), "modeled error type")
}

func TestCreateLoadBalancerRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		in   elb.CreateLoadBalancerInput
		code string
	}{
		{"name longer than 32", elb.CreateLoadBalancerInput{Name: aws.String("a23456789012345678901234567890123"), Subnets: []string{"subnet-a", "subnet-b"}}, "ValidationError"},
		{"name ending in hyphen", elb.CreateLoadBalancerInput{Name: aws.String("abc-"), Subnets: []string{"subnet-a", "subnet-b"}}, "ValidationError"},
		{"name with underscore", elb.CreateLoadBalancerInput{Name: aws.String("a_b"), Subnets: []string{"subnet-a", "subnet-b"}}, "ValidationError"},
		{"name starting internal-", elb.CreateLoadBalancerInput{Name: aws.String("internal-x"), Subnets: []string{"subnet-a", "subnet-b"}}, "ValidationError"},
		{"network load balancer", elb.CreateLoadBalancerInput{Name: aws.String("n"), Type: types.LoadBalancerTypeEnumNetwork, Subnets: []string{"subnet-a", "subnet-b"}}, "ValidationError"},
		{"dualstack", elb.CreateLoadBalancerInput{Name: aws.String("n"), IpAddressType: types.IpAddressTypeDualstack, Subnets: []string{"subnet-a", "subnet-b"}}, "ValidationError"},
		{"one subnet", elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a"}}, "InvalidConfigurationRequest"},
		{"two subnets in one zone", elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a", "subnet-c"}}, "InvalidConfigurationRequest"},
		{"unknown subnet", elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a", "subnet-zz"}}, "SubnetNotFound"},
		{"subnets in two VPCs", elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a", "subnet-x"}}, "InvalidSubnet"},
		{"subnets and mappings", elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a"}, SubnetMappings: []types.SubnetMapping{{SubnetId: aws.String("subnet-b")}}}, "ValidationError"},
		{"unknown security group", elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-zz"}}, "InvalidSecurityGroup"},
		{"security group of another VPC", elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-other"}}, "InvalidSecurityGroup"},
		{"duplicate tag keys", elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a", "subnet-b"}, Tags: []types.Tag{{Key: aws.String("k")}, {Key: aws.String("k")}}}, "DuplicateTagKeys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.c.CreateLoadBalancer(e.ctx, &tt.in)
			requireCode(t, err, tt.code)
			assert.Zero(t, e.eniCount())
			assert.Empty(t, e.w.Inventory())
		})
	}
}

func TestCreateLoadBalancerWithSubnetMappings(t *testing.T) {
	e := newEnv(t)
	out, err := e.c.CreateLoadBalancer(e.ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String("m"), SubnetMappings: []types.SubnetMapping{{SubnetId: aws.String("subnet-b")}, {SubnetId: aws.String("subnet-a")}},
	})
	require.NoError(t, err)
	assert.Len(t, out.LoadBalancers[0].AvailabilityZones, 2)
}

func TestCreateLoadBalancerUndoesInterfacesWhenOneFails(t *testing.T) {
	e := newEnv(t)
	e.net.ENIErr = account.APIError("InsufficientFreeAddressesInSubnet", "no addresses")
	_, err := e.c.CreateLoadBalancer(e.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a", "subnet-b"}})
	requireCode(t, err, "InsufficientFreeAddressesInSubnet")
	assert.Zero(t, e.eniCount())
	assert.Empty(t, e.w.Inventory())
}

func TestDescribeLoadBalancers(t *testing.T) {
	e := newEnv(t)
	a := e.createLB("a")
	b := e.createLB("b")
	e.createLB("c")

	t.Run("by name", func(t *testing.T) {
		out, err := e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{Names: []string{"b"}})
		require.NoError(t, err)
		assert.Equal(t, *b.LoadBalancerArn, *out.LoadBalancers[0].LoadBalancerArn)
	})
	t.Run("unknown name", func(t *testing.T) {
		_, err := e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{Names: []string{"b", "zz"}})
		requireCode(t, err, "LoadBalancerNotFound")
	})
	t.Run("unknown ARN", func(t *testing.T) {
		_, err := e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{*a.LoadBalancerArn + "0"}})
		requireCode(t, err, "LoadBalancerNotFound")
	})
	t.Run("names and ARNs together", func(t *testing.T) {
		_, err := e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{Names: []string{"a"}, LoadBalancerArns: []string{*a.LoadBalancerArn}})
		requireCode(t, err, "ValidationError")
	})
	t.Run("all, paginated", func(t *testing.T) {
		p := elb.NewDescribeLoadBalancersPaginator(e.c, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(2)})
		var names []string
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(e.ctx)
			require.NoError(t, err)
			pages++
			for _, lb := range out.LoadBalancers {
				names = append(names, *lb.LoadBalancerName)
			}
		}
		assert.Equal(t, []string{"a", "b", "c"}, names)
		assert.Equal(t, 2, pages)
	})
	t.Run("bad marker and page size", func(t *testing.T) {
		_, err := e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{Marker: aws.String("x")})
		requireCode(t, err, "ValidationError")
		_, err = e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(401)})
		requireCode(t, err, "ValidationError")
	})
	t.Run("another region sees none", func(t *testing.T) {
		west := elb.NewFromConfig(e.w.Config("us-west-2"))
		out, err := west.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{})
		require.NoError(t, err)
		assert.Empty(t, out.LoadBalancers)
		_, err = west.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{*a.LoadBalancerArn}})
		requireCode(t, err, "LoadBalancerNotFound")
	})
}

func TestDeleteLoadBalancer(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	l := e.createListener(*lb.LoadBalancerArn, fixed403())
	_, err := e.c.CreateRule(e.ctx, headerRule(*l.ListenerArn, *tg.TargetGroupArn, 1))
	require.NoError(t, err)

	_, err = e.c.DeleteLoadBalancer(e.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
	require.NoError(t, err)

	_, err = e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{*lb.LoadBalancerArn}})
	requireCode(t, err, "LoadBalancerNotFound")
	_, err = e.c.DescribeListeners(e.ctx, &elb.DescribeListenersInput{ListenerArns: []string{*l.ListenerArn}})
	requireCode(t, err, "ListenerNotFound")
	inv := e.w.Inventory()
	require.Len(t, inv, 1, "only the target group remains")
	assert.Equal(t, "target-group", inv[0].Type)

	t.Run("again succeeds", func(t *testing.T) {
		_, err := e.c.DeleteLoadBalancer(e.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
		require.NoError(t, err)
	})
}

func TestDeletedLoadBalancerInterfacesLinger(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	_, err := e.c.DeleteLoadBalancer(e.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
	require.NoError(t, err)

	release := elbv2.Defaults()[elbv2.LatencyENIRelease]
	e.clock.Advance(release - time.Second)
	_, err = e.c.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{})
	require.NoError(t, err)
	assert.Equal(t, 2, e.eniCount(), "interfaces still hold the security group")

	e.clock.Advance(time.Second)
	e.w.Inventory() // the account settles every service before an inventory
	assert.Zero(t, e.eniCount(), "released when due, whichever service is called next")
}

func TestDeletedLoadBalancerInterfacesReleasedByNextELBCall(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	_, err := e.c.DeleteLoadBalancer(e.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
	require.NoError(t, err)
	e.clock.Advance(elbv2.Defaults()[elbv2.LatencyENIRelease])
	_, err = e.c.DescribeTargetGroups(e.ctx, &elb.DescribeTargetGroupsInput{})
	require.NoError(t, err)
	assert.Zero(t, e.eniCount())
}

func TestLoadBalancerAttributes(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	attr := func(k, v string) types.LoadBalancerAttribute {
		return types.LoadBalancerAttribute{Key: aws.String(k), Value: aws.String(v)}
	}
	modify := func(attrs ...types.LoadBalancerAttribute) error {
		_, err := e.c.ModifyLoadBalancerAttributes(e.ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn, Attributes: attrs})
		return err
	}

	require.NoError(t, modify(attr("routing.http.drop_invalid_header_fields.enabled", "true"), attr("idle_timeout.timeout_seconds", "120")))
	out, err := e.c.DescribeLoadBalancerAttributes(e.ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
	require.NoError(t, err)
	got := map[string]string{}
	for _, a := range out.Attributes {
		got[*a.Key] = *a.Value
	}
	assert.Equal(t, "true", got["routing.http.drop_invalid_header_fields.enabled"])
	assert.Equal(t, "120", got["idle_timeout.timeout_seconds"])
	assert.Equal(t, "false", got["deletion_protection.enabled"])

	for name, a := range map[string]types.LoadBalancerAttribute{
		"unknown key":          attr("nope", "true"),
		"not a boolean":        attr("deletion_protection.enabled", "yes"),
		"idle timeout too big": attr("idle_timeout.timeout_seconds", "4001"),
	} {
		t.Run(name, func(t *testing.T) { requireCode(t, modify(a), "ValidationError") })
	}

	t.Run("deletion protection blocks delete", func(t *testing.T) {
		require.NoError(t, modify(attr("deletion_protection.enabled", "true")))
		_, err := e.c.DeleteLoadBalancer(e.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
		requireCode(t, err, "OperationNotPermitted")
		require.NoError(t, modify(attr("deletion_protection.enabled", "false")))
		_, err = e.c.DeleteLoadBalancer(e.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
		require.NoError(t, err)
	})
	t.Run("unknown load balancer", func(t *testing.T) {
		requireCode(t, modify(attr("deletion_protection.enabled", "true")), "LoadBalancerNotFound")
		_, err := e.c.DescribeLoadBalancerAttributes(e.ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
		requireCode(t, err, "LoadBalancerNotFound")
	})
}
