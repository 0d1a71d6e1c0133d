package elbv2_test

import (
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

func TestCreateTargetGroup(t *testing.T) {
	e := newEnv(t)
	tg := e.createTG("d1-tg")
	assert.Regexp(t, `^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/d1-tg/[0-9a-f]{16}$`, *tg.TargetGroupArn)
	assert.Equal(t, "/healthz", *tg.HealthCheckPath)
	assert.Equal(t, int32(30), *tg.HealthCheckIntervalSeconds)
	assert.Equal(t, int32(2), *tg.HealthyThresholdCount)
	assert.Equal(t, int32(3), *tg.UnhealthyThresholdCount)
	assert.Equal(t, "traffic-port", *tg.HealthCheckPort)
	assert.Equal(t, types.TargetTypeEnumInstance, tg.TargetType)
	assert.Empty(t, tg.LoadBalancerArns)

	t.Run("defaults", func(t *testing.T) {
		out, err := e.c.CreateTargetGroup(e.ctx, &elb.CreateTargetGroupInput{
			Name: aws.String("plain"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String("vpc-1"),
		})
		require.NoError(t, err)
		got := out.TargetGroups[0]
		assert.Equal(t, "/", *got.HealthCheckPath)
		assert.Equal(t, int32(5), *got.HealthyThresholdCount)
		assert.Equal(t, int32(2), *got.UnhealthyThresholdCount)
		assert.Equal(t, "200", *got.Matcher.HttpCode)
	})
	t.Run("same settings returns the same group", func(t *testing.T) {
		again := e.createTG("d1-tg")
		assert.Equal(t, *tg.TargetGroupArn, *again.TargetGroupArn)
	})
	t.Run("same name, other settings", func(t *testing.T) {
		in := tgInput("d1-tg")
		in.HealthCheckPath = aws.String("/")
		_, err := e.c.CreateTargetGroup(e.ctx, in)
		requireCode(t, err, "DuplicateTargetGroupName")
	})
}

func TestCreateTargetGroupRejectsBadInput(t *testing.T) {
	tests := []struct {
		name   string
		change func(*elb.CreateTargetGroupInput)
	}{
		{"bad name", func(in *elb.CreateTargetGroupInput) { in.Name = aws.String("-x") }},
		{"ip targets", func(in *elb.CreateTargetGroupInput) { in.TargetType = types.TargetTypeEnumIp }},
		{"no VPC", func(in *elb.CreateTargetGroupInput) { in.VpcId = nil }},
		{"TCP", func(in *elb.CreateTargetGroupInput) { in.Protocol = types.ProtocolEnumTcp }},
		{"port 0", func(in *elb.CreateTargetGroupInput) { in.Port = aws.Int32(0) }},
		{"path without slash", func(in *elb.CreateTargetGroupInput) { in.HealthCheckPath = aws.String("healthz") }},
		{"interval too short", func(in *elb.CreateTargetGroupInput) { in.HealthCheckIntervalSeconds = aws.Int32(4) }},
		{"timeout too long", func(in *elb.CreateTargetGroupInput) { in.HealthCheckTimeoutSeconds = aws.Int32(121) }},
		{"timeout not below interval", func(in *elb.CreateTargetGroupInput) { in.HealthCheckTimeoutSeconds = aws.Int32(30) }},
		{"threshold too high", func(in *elb.CreateTargetGroupInput) { in.HealthyThresholdCount = aws.Int32(11) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			in := tgInput("tg")
			tt.change(in)
			_, err := e.c.CreateTargetGroup(e.ctx, in)
			requireCode(t, err, "ValidationError")
		})
	}
}

func TestDescribeTargetGroups(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	e.createTG("spare")
	e.createListener(*lb.LoadBalancerArn, forward(*tg.TargetGroupArn))

	names := func(out *elb.DescribeTargetGroupsOutput) []string {
		var n []string
		for _, g := range out.TargetGroups {
			n = append(n, *g.TargetGroupName)
		}
		return n
	}
	tests := []struct {
		name string
		in   elb.DescribeTargetGroupsInput
		want []string
		code string
	}{
		{name: "all", want: []string{"d1-tg", "spare"}},
		{name: "by name", in: elb.DescribeTargetGroupsInput{Names: []string{"spare"}}, want: []string{"spare"}},
		{name: "by ARN", in: elb.DescribeTargetGroupsInput{TargetGroupArns: []string{*tg.TargetGroupArn}}, want: []string{"d1-tg"}},
		{name: "by load balancer", in: elb.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn}, want: []string{"d1-tg"}},
		{name: "unknown name", in: elb.DescribeTargetGroupsInput{Names: []string{"zz"}}, code: "TargetGroupNotFound"},
		{name: "unknown ARN", in: elb.DescribeTargetGroupsInput{TargetGroupArns: []string{*tg.TargetGroupArn + "0"}}, code: "TargetGroupNotFound"},
		{name: "unknown load balancer", in: elb.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(*lb.LoadBalancerArn + "0")}, code: "LoadBalancerNotFound"},
		{name: "two filters", in: elb.DescribeTargetGroupsInput{Names: []string{"spare"}, LoadBalancerArn: lb.LoadBalancerArn}, code: "ValidationError"},
		{name: "bad page size", in: elb.DescribeTargetGroupsInput{PageSize: aws.Int32(0)}, code: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.c.DescribeTargetGroups(e.ctx, &tt.in)
			if tt.code != "" {
				requireCode(t, err, tt.code)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, names(out))
		})
	}
	out, err := e.c.DescribeTargetGroups(e.ctx, &elb.DescribeTargetGroupsInput{Names: []string{"d1-tg"}})
	require.NoError(t, err)
	assert.Equal(t, []string{*lb.LoadBalancerArn}, out.TargetGroups[0].LoadBalancerArns)
}

func TestDeleteTargetGroup(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	l := e.createListener(*lb.LoadBalancerArn, fixed403())
	rule, err := e.c.CreateRule(e.ctx, headerRule(*l.ListenerArn, *tg.TargetGroupArn, 1))
	require.NoError(t, err)

	del := func() error {
		_, err := e.c.DeleteTargetGroup(e.ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn})
		return err
	}
	requireCode(t, del(), "ResourceInUse")
	_, err = e.c.DeleteRule(e.ctx, &elb.DeleteRuleInput{RuleArn: rule.Rules[0].RuleArn})
	require.NoError(t, err)
	requireCode(t, del(), "ResourceInUse") // ELBv2 has not seen the rule go yet
	e.clock.Advance(elbv2.Defaults()[elbv2.WindowTargetGroupInUse])
	require.NoError(t, del())
	requireCode(t, del(), "TargetGroupNotFound")
}

func TestATargetGroupStaysInUseForAWhileAfterItsLoadBalancerIsDeleted(t *testing.T) {
	const window = 4 * time.Second
	e := newEnv(t, account.WithLatency(elbv2.WindowTargetGroupInUse, window))
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	e.createListener(*lb.LoadBalancerArn, forward(*tg.TargetGroupArn))
	_, err := e.c.DeleteLoadBalancer(e.ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
	require.NoError(t, err)
	del := &elb.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn}
	e.clock.Advance(window - time.Second)
	_, err = e.c.DeleteTargetGroup(e.ctx, del)
	requireCode(t, err, "ResourceInUse")
	e.clock.Advance(time.Second)
	_, err = e.c.DeleteTargetGroup(e.ctx, del)
	require.NoError(t, err)
}

func TestRegisterTargets(t *testing.T) {
	e := newEnv(t)
	tg := e.createTG("d1-tg")
	e.runInstance("i-run", 0)
	e.runInstance("i-pending", 0)
	e.setInstanceState("i-pending", "pending")
	e.w.Do(func() {
		e.net.Instances["i-othervpc"] = account.Instance{ID: "i-othervpc", State: "running", SubnetID: "subnet-x"}
	})

	register := func(id string) error {
		_, err := e.c.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []types.TargetDescription{{Id: aws.String(id)}}})
		return err
	}
	for _, id := range []string{"i-unknown", "i-pending", "i-othervpc"} {
		t.Run(id+" is not a valid target", func(t *testing.T) { requireCode(t, register(id), "InvalidTarget") })
	}
	require.NoError(t, register("i-run"))
	require.NoError(t, register("i-run"), "registering twice is harmless")

	out, err := e.c.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
	require.NoError(t, err)
	require.Len(t, out.TargetHealthDescriptions, 1)
	assert.Equal(t, int32(80), *out.TargetHealthDescriptions[0].Target.Port)
	assert.Equal(t, "us-east-1a", *out.TargetHealthDescriptions[0].Target.AvailabilityZone)

	t.Run("unknown group", func(t *testing.T) {
		_, err := e.c.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(*tg.TargetGroupArn + "0"), Targets: []types.TargetDescription{{Id: aws.String("i-run")}}})
		requireCode(t, err, "TargetGroupNotFound")
	})
	t.Run("deregister", func(t *testing.T) {
		dereg := func() error {
			_, err := e.c.DeregisterTargets(e.ctx, &elb.DeregisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []types.TargetDescription{{Id: aws.String("i-run")}}})
			return err
		}
		require.NoError(t, dereg())
		requireCode(t, dereg(), "InvalidTarget")
		_, err := e.c.DeregisterTargets(e.ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String("arn:x"), Targets: []types.TargetDescription{{Id: aws.String("i-run")}}})
		requireCode(t, err, "TargetGroupNotFound")
	})
}

func TestTargetHealth(t *testing.T) {
	const interval = 30 * time.Second
	tests := []struct {
		name       string
		listener   bool
		workload   time.Duration // after registration; 0 means never
		state      string        // instance state at the check
		elapsed    time.Duration // after the load balancer is active
		want       types.TargetHealthStateEnum
		reason     types.TargetHealthReasonEnum
		noRegister bool
	}{
		{name: "no listener: unused", workload: time.Minute, elapsed: time.Hour, want: types.TargetHealthStateEnumUnused, reason: types.TargetHealthReasonEnumNotInUse},
		{name: "initial right after activation", listener: true, workload: time.Minute, elapsed: 0, want: types.TargetHealthStateEnumInitial, reason: types.TargetHealthReasonEnumInitialHealthChecking},
		{name: "healthy once workload up plus two intervals", listener: true, workload: 4 * time.Minute, elapsed: 2 * time.Minute, want: types.TargetHealthStateEnumHealthy},
		{name: "unhealthy while the workload is still down", listener: true, workload: 10 * time.Minute, elapsed: 3 * interval, want: types.TargetHealthStateEnumUnhealthy, reason: types.TargetHealthReasonEnumFailedHealthChecks},
		{name: "unhealthy forever when the workload never answers", listener: true, elapsed: time.Hour, want: types.TargetHealthStateEnumUnhealthy, reason: types.TargetHealthReasonEnumFailedHealthChecks},
		{name: "stopped instance is unused", listener: true, workload: time.Minute, state: "stopped", elapsed: time.Hour, want: types.TargetHealthStateEnumUnused, reason: types.TargetHealthReasonEnumInvalidState},
		{name: "vanished instance is unused", listener: true, workload: time.Minute, state: "gone", elapsed: time.Hour, want: types.TargetHealthStateEnumUnused, reason: types.TargetHealthReasonEnumInvalidState},
		{name: "unregistered target", listener: true, noRegister: true, want: types.TargetHealthStateEnumUnused, reason: types.TargetHealthReasonEnumNotRegistered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			lb := e.createLB("d1-alb")
			tg := e.createTG("d1-tg")
			if tt.workload > 0 {
				e.runInstance("i-1", tt.workload)
			} else {
				e.runInstance("i-1", 0)
				e.w.Do(func() { i := e.net.Instances["i-1"]; i.WorkloadUpAt = time.Time{}; e.net.Instances["i-1"] = i })
			}
			if !tt.noRegister {
				_, err := e.c.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []types.TargetDescription{{Id: aws.String("i-1")}}})
				require.NoError(t, err)
			}
			if tt.listener {
				e.createListener(*lb.LoadBalancerArn, forward(*tg.TargetGroupArn))
			}
			e.clock.Advance(3*time.Minute + tt.elapsed)
			switch tt.state {
			case "gone":
				e.w.Do(func() { delete(e.net.Instances, "i-1") })
			case "":
			default:
				e.setInstanceState("i-1", tt.state)
			}
			out, err := e.c.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{
				TargetGroupArn: tg.TargetGroupArn, Targets: []types.TargetDescription{{Id: aws.String("i-1")}},
			})
			require.NoError(t, err)
			require.Len(t, out.TargetHealthDescriptions, 1)
			h := out.TargetHealthDescriptions[0].TargetHealth
			assert.Equal(t, tt.want, h.State)
			assert.Equal(t, tt.reason, h.Reason)
		})
	}
}

func TestTargetHealthWaitsForActiveLoadBalancer(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	e.runInstance("i-1", 0)
	_, err := e.c.RegisterTargets(e.ctx, &elb.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []types.TargetDescription{{Id: aws.String("i-1")}}})
	require.NoError(t, err)
	e.createListener(*lb.LoadBalancerArn, forward(*tg.TargetGroupArn))

	health := func() types.TargetHealth {
		out, err := e.c.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
		require.NoError(t, err)
		return *out.TargetHealthDescriptions[0].TargetHealth
	}
	assert.Equal(t, types.TargetHealthReasonEnumRegistrationInProgress, health().Reason)
	e.clock.Advance(3*time.Minute + time.Minute)
	assert.Equal(t, types.TargetHealthStateEnumHealthy, health().State)

	_, err = e.c.DescribeTargetHealth(e.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String("arn:x")})
	requireCode(t, err, "TargetGroupNotFound")
}
