package elbv2_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/elbv2"
	"geusemaker/internal/sim/elbv2/elbv2test"
)

// env is one test's simulated account.
type env struct {
	t     *testing.T
	ctx   context.Context
	w     *account.Account
	model *elbv2.Model
	net   *elbv2test.Network
	clock *clock.Virtual
	c     *elb.Client
}

func newEnv(t *testing.T, opts ...account.Option) *env {
	t.Helper()
	vc := clock.NewVirtual(account.Epoch)
	w := account.New(append([]account.Option{account.WithClock(vc)}, opts...)...)
	net := elbv2test.NewNetwork()
	w.Network = net
	m := elbv2.Register(w)
	return &env{t: t, ctx: context.Background(), w: w, model: m, net: net, clock: vc,
		c: elb.NewFromConfig(w.Config("us-east-1"))}
}

// runInstance plants a running instance in subnet-a whose workload answers
// after up.
func (e *env) runInstance(id string, up time.Duration) {
	e.w.Do(func() {
		e.net.Run(id, e.clock.Now().Add(up))
	})
}

func (e *env) setInstanceState(id, state string) {
	e.w.Do(func() { e.net.SetState(id, state) })
}

func (e *env) eniCount() int {
	var n int
	e.w.Do(func() { n = len(e.net.ENIs) })
	return n
}

func (e *env) createLB(name string) types.LoadBalancer {
	e.t.Helper()
	out, err := e.c.CreateLoadBalancer(e.ctx, &elb.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: []string{"subnet-a", "subnet-b"}, SecurityGroups: []string{"sg-alb"},
		Tags: []types.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("d1")}},
	})
	require.NoError(e.t, err)
	require.Len(e.t, out.LoadBalancers, 1)
	return out.LoadBalancers[0]
}

func (e *env) createTG(name string) types.TargetGroup {
	e.t.Helper()
	out, err := e.c.CreateTargetGroup(e.ctx, tgInput(name))
	require.NoError(e.t, err)
	return out.TargetGroups[0]
}

func tgInput(name string) *elb.CreateTargetGroupInput {
	return &elb.CreateTargetGroupInput{
		Name: aws.String(name), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String("vpc-1"),
		HealthCheckPath: aws.String("/healthz"), HealthCheckIntervalSeconds: aws.Int32(30),
		HealthCheckTimeoutSeconds: aws.Int32(5), HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(3),
	}
}

func forward(tgARN string) []types.Action {
	return []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}}
}

func fixed403() []types.Action {
	return []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
		StatusCode: aws.String("403"), ContentType: aws.String("text/plain"), MessageBody: aws.String("Forbidden"),
	}}}
}

func (e *env) createListener(lbARN string, actions []types.Action) types.Listener {
	e.t.Helper()
	out, err := e.c.CreateListener(e.ctx, &elb.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: actions,
	})
	require.NoError(e.t, err)
	return out.Listeners[0]
}

func headerRule(listenerARN, tgARN string, priority int32) *elb.CreateRuleInput {
	return &elb.CreateRuleInput{
		ListenerArn: aws.String(listenerARN), Priority: aws.Int32(priority), Actions: forward(tgARN),
		Conditions: []types.RuleCondition{{Field: aws.String("http-header"), HttpHeaderConfig: &types.HttpHeaderConditionConfig{
			HttpHeaderName: aws.String("X-Origin-Verify"), Values: []string{"secret"},
		}}},
	}
}

// requireCode asserts err is an API error with code.
func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "not an API error: %v", err)
	require.Equal(t, code, ae.ErrorCode(), err.Error())
}
