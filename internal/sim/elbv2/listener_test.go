package elbv2_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/sim/account"
)

func TestCreateListener(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	l := e.createListener(*lb.LoadBalancerArn, forward(*tg.TargetGroupArn))

	assert.Regexp(t, `^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/d1-alb/[0-9a-f]{16}/[0-9a-f]{16}$`, *l.ListenerArn)
	require.Len(t, l.DefaultActions, 1)
	a := l.DefaultActions[0]
	assert.Equal(t, types.ActionTypeEnumForward, a.Type)
	assert.Equal(t, *tg.TargetGroupArn, *a.TargetGroupArn)
	assert.Equal(t, *tg.TargetGroupArn, *a.ForwardConfig.TargetGroups[0].TargetGroupArn)

	t.Run("same settings returns the same listener", func(t *testing.T) {
		again := e.createListener(*lb.LoadBalancerArn, forward(*tg.TargetGroupArn))
		assert.Equal(t, *l.ListenerArn, *again.ListenerArn)
	})
	t.Run("same port, other action", func(t *testing.T) {
		_, err := e.c.CreateListener(e.ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Port: aws.Int32(80), DefaultActions: fixed403()})
		requireCode(t, err, "DuplicateListener")
	})
	t.Run("target group already serves another load balancer", func(t *testing.T) {
		other := e.createLB("other")
		_, err := e.c.CreateListener(e.ctx, &elb.CreateListenerInput{LoadBalancerArn: other.LoadBalancerArn, Port: aws.Int32(80), DefaultActions: forward(*tg.TargetGroupArn)})
		requireCode(t, err, "TargetGroupAssociationLimit")
	})
}

func TestCreateListenerRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	otherVPC, err := e.c.CreateTargetGroup(e.ctx, &elb.CreateTargetGroupInput{Name: aws.String("v2"), Protocol: types.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String("vpc-2")})
	require.NoError(t, err)
	fixed := func(status, contentType, body string) []types.Action {
		return []types.Action{{Type: types.ActionTypeEnumFixedResponse, FixedResponseConfig: &types.FixedResponseActionConfig{
			StatusCode: aws.String(status), ContentType: aws.String(contentType), MessageBody: aws.String(body),
		}}}
	}
	tests := []struct {
		name    string
		lbARN   string
		proto   types.ProtocolEnum
		port    int32
		actions []types.Action
		code    string
	}{
		{"unknown load balancer", *lb.LoadBalancerArn + "0", "", 80, fixed403(), "LoadBalancerNotFound"},
		{"HTTPS", *lb.LoadBalancerArn, types.ProtocolEnumHttps, 443, fixed403(), "ValidationError"},
		{"port out of range", *lb.LoadBalancerArn, "", 70000, fixed403(), "ValidationError"},
		{"two actions", *lb.LoadBalancerArn, "", 80, append(fixed403(), fixed403()...), "ValidationError"},
		{"redirect", *lb.LoadBalancerArn, "", 80, []types.Action{{Type: types.ActionTypeEnumRedirect}}, "InvalidLoadBalancerAction"},
		{"forward to nothing", *lb.LoadBalancerArn, "", 80, []types.Action{{Type: types.ActionTypeEnumForward}}, "ValidationError"},
		{"forward to unknown group", *lb.LoadBalancerArn, "", 80, forward(*tg.TargetGroupArn + "0"), "TargetGroupNotFound"},
		{"forward to another VPC", *lb.LoadBalancerArn, "", 80, forward(*otherVPC.TargetGroups[0].TargetGroupArn), "ValidationError"},
		{"fixed status 302", *lb.LoadBalancerArn, "", 80, fixed("302", "text/plain", ""), "ValidationError"},
		{"fixed content type", *lb.LoadBalancerArn, "", 80, fixed("403", "image/png", ""), "ValidationError"},
		{"fixed body too long", *lb.LoadBalancerArn, "", 80, fixed("403", "text/plain", strings.Repeat("x", 1025)), "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.c.CreateListener(e.ctx, &elb.CreateListenerInput{
				LoadBalancerArn: aws.String(tt.lbARN), Protocol: tt.proto, Port: aws.Int32(tt.port), DefaultActions: tt.actions,
			})
			requireCode(t, err, tt.code)
		})
	}
	t.Run("forward config", func(t *testing.T) {
		_, err := e.c.CreateListener(e.ctx, &elb.CreateListenerInput{
			LoadBalancerArn: lb.LoadBalancerArn, Port: aws.Int32(8080), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
			DefaultActions: []types.Action{{Type: types.ActionTypeEnumForward, ForwardConfig: &types.ForwardActionConfig{
				TargetGroups: []types.TargetGroupTuple{{TargetGroupArn: tg.TargetGroupArn}},
			}}},
		})
		require.NoError(t, err)
	})
}

func TestDescribeAndDeleteListeners(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	l := e.createListener(*lb.LoadBalancerArn, fixed403())

	out, err := e.c.DescribeListeners(e.ctx, &elb.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
	require.NoError(t, err)
	require.Len(t, out.Listeners, 1)
	assert.Equal(t, "403", *out.Listeners[0].DefaultActions[0].FixedResponseConfig.StatusCode)

	for name, in := range map[string]*elb.DescribeListenersInput{
		"neither":    {},
		"both":       {LoadBalancerArn: lb.LoadBalancerArn, ListenerArns: []string{*l.ListenerArn}},
		"bad marker": {LoadBalancerArn: lb.LoadBalancerArn, Marker: aws.String("-1")},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.c.DescribeListeners(e.ctx, in)
			requireCode(t, err, "ValidationError")
		})
	}
	_, err = e.c.DescribeListeners(e.ctx, &elb.DescribeListenersInput{LoadBalancerArn: aws.String(*lb.LoadBalancerArn + "0")})
	requireCode(t, err, "LoadBalancerNotFound")

	_, err = e.c.DeleteListener(e.ctx, &elb.DeleteListenerInput{ListenerArn: l.ListenerArn})
	require.NoError(t, err)
	_, err = e.c.DeleteListener(e.ctx, &elb.DeleteListenerInput{ListenerArn: l.ListenerArn})
	requireCode(t, err, "ListenerNotFound")
}

func TestRules(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	l := e.createListener(*lb.LoadBalancerArn, fixed403())

	created, err := e.c.CreateRule(e.ctx, headerRule(*l.ListenerArn, *tg.TargetGroupArn, 1))
	require.NoError(t, err)
	ruleARN := *created.Rules[0].RuleArn
	assert.Regexp(t, `:listener-rule/app/d1-alb/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`, ruleARN)

	_, err = e.c.CreateRule(e.ctx, headerRule(*l.ListenerArn, *tg.TargetGroupArn, 1))
	requireCode(t, err, "PriorityInUse")

	hostRule := &elb.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(5), Actions: fixed403(),
		Conditions: []types.RuleCondition{{Field: aws.String("host-header"), HostHeaderConfig: &types.HostHeaderConditionConfig{Values: []string{"example.com"}}}}}
	_, err = e.c.CreateRule(e.ctx, hostRule)
	require.NoError(t, err)

	out, err := e.c.DescribeRules(e.ctx, &elb.DescribeRulesInput{ListenerArn: l.ListenerArn})
	require.NoError(t, err)
	require.Len(t, out.Rules, 3)
	assert.Equal(t, "1", *out.Rules[0].Priority)
	hdr := out.Rules[0].Conditions[0].HttpHeaderConfig
	assert.Equal(t, "X-Origin-Verify", *hdr.HttpHeaderName)
	assert.Equal(t, []string{"secret"}, hdr.Values)
	assert.Equal(t, []string{"example.com"}, out.Rules[1].Conditions[0].Values)
	def := out.Rules[2]
	assert.True(t, *def.IsDefault)
	assert.Equal(t, "default", *def.Priority)

	t.Run("by ARN, default included", func(t *testing.T) {
		got, err := e.c.DescribeRules(e.ctx, &elb.DescribeRulesInput{RuleArns: []string{ruleARN, *def.RuleArn}})
		require.NoError(t, err)
		assert.Len(t, got.Rules, 2)
	})
	t.Run("describe errors", func(t *testing.T) {
		_, err := e.c.DescribeRules(e.ctx, &elb.DescribeRulesInput{})
		requireCode(t, err, "ValidationError")
		_, err = e.c.DescribeRules(e.ctx, &elb.DescribeRulesInput{ListenerArn: l.ListenerArn, RuleArns: []string{ruleARN}})
		requireCode(t, err, "ValidationError")
		_, err = e.c.DescribeRules(e.ctx, &elb.DescribeRulesInput{ListenerArn: l.ListenerArn, PageSize: aws.Int32(500)})
		requireCode(t, err, "ValidationError")
		_, err = e.c.DescribeRules(e.ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(*l.ListenerArn + "0")})
		requireCode(t, err, "ListenerNotFound")
		_, err = e.c.DescribeRules(e.ctx, &elb.DescribeRulesInput{RuleArns: []string{ruleARN + "0"}})
		requireCode(t, err, "RuleNotFound")
	})
	t.Run("default rule cannot be deleted", func(t *testing.T) {
		_, err := e.c.DeleteRule(e.ctx, &elb.DeleteRuleInput{RuleArn: def.RuleArn})
		requireCode(t, err, "OperationNotPermitted")
	})
	t.Run("delete", func(t *testing.T) {
		_, err := e.c.DeleteRule(e.ctx, &elb.DeleteRuleInput{RuleArn: aws.String(ruleARN)})
		require.NoError(t, err)
		_, err = e.c.DeleteRule(e.ctx, &elb.DeleteRuleInput{RuleArn: aws.String(ruleARN)})
		requireCode(t, err, "RuleNotFound")
	})
	t.Run("deleting the listener removes its rules", func(t *testing.T) {
		_, err := e.c.DeleteListener(e.ctx, &elb.DeleteListenerInput{ListenerArn: l.ListenerArn})
		require.NoError(t, err)
		for _, r := range e.w.Inventory() {
			assert.NotEqual(t, "listener-rule", r.Type)
		}
	})
}

func TestCreateRuleRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	l := e.createListener(*lb.LoadBalancerArn, fixed403())
	tests := []struct {
		name   string
		change func(*elb.CreateRuleInput)
		code   string
	}{
		{"unknown listener", func(in *elb.CreateRuleInput) { in.ListenerArn = aws.String(*l.ListenerArn + "0") }, "ListenerNotFound"},
		{"priority 0", func(in *elb.CreateRuleInput) { in.Priority = aws.Int32(0) }, "ValidationError"},
		{"no conditions", func(in *elb.CreateRuleInput) { in.Conditions = []types.RuleCondition{} }, "ValidationError"},
		{"bad header name", func(in *elb.CreateRuleInput) { in.Conditions[0].HttpHeaderConfig.HttpHeaderName = aws.String("X Bad") }, "ValidationError"},
		{"no header values", func(in *elb.CreateRuleInput) { in.Conditions[0].HttpHeaderConfig.Values = nil }, "ValidationError"},
		{"value too long", func(in *elb.CreateRuleInput) {
			in.Conditions[0].HttpHeaderConfig.Values = []string{strings.Repeat("v", 129)}
		}, "ValidationError"},
		{"unmodeled field", func(in *elb.CreateRuleInput) { in.Conditions[0].Field = aws.String("source-ip") }, "ValidationError"},
		{"unknown target group", func(in *elb.CreateRuleInput) { in.Actions = forward(*tg.TargetGroupArn + "0") }, "TargetGroupNotFound"},
		{"duplicate tags", func(in *elb.CreateRuleInput) {
			in.Tags = []types.Tag{{Key: aws.String("a")}, {Key: aws.String("a")}}
		}, "DuplicateTagKeys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := headerRule(*l.ListenerArn, *tg.TargetGroupArn, 3)
			tt.change(in)
			_, err := e.c.CreateRule(e.ctx, in)
			requireCode(t, err, tt.code)
		})
	}
	t.Run("path pattern values", func(t *testing.T) {
		_, err := e.c.CreateRule(e.ctx, &elb.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(9), Actions: fixed403(),
			Conditions: []types.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &types.PathPatternConditionConfig{Values: []string{"/api/*"}}}}})
		require.NoError(t, err)
	})
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	l := e.createListener(*lb.LoadBalancerArn, fixed403())
	r, err := e.c.CreateRule(e.ctx, headerRule(*l.ListenerArn, *tg.TargetGroupArn, 1))
	require.NoError(t, err)
	arns := []string{*lb.LoadBalancerArn, *tg.TargetGroupArn, *l.ListenerArn, *r.Rules[0].RuleArn}

	_, err = e.c.AddTags(e.ctx, &elb.AddTagsInput{ResourceArns: arns, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}}})
	require.NoError(t, err)
	out, err := e.c.DescribeTags(e.ctx, &elb.DescribeTagsInput{ResourceArns: arns})
	require.NoError(t, err)
	require.Len(t, out.TagDescriptions, 4)
	for _, d := range out.TagDescriptions {
		assert.Contains(t, d.Tags, types.Tag{Key: aws.String("env"), Value: aws.String("test")}, *d.ResourceArn)
	}
	assert.Len(t, out.TagDescriptions[0].Tags, 2, "load balancer keeps its creation tag")

	tests := []struct {
		name string
		arn  string
		code string
	}{
		{"load balancer", *lb.LoadBalancerArn + "0", "LoadBalancerNotFound"},
		{"target group", *tg.TargetGroupArn + "0", "TargetGroupNotFound"},
		{"listener", *l.ListenerArn + "0", "ListenerNotFound"},
		{"rule", *r.Rules[0].RuleArn + "0", "RuleNotFound"},
		{"not an ELB ARN", "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1", "ValidationError"},
	}
	for _, tt := range tests {
		t.Run("unknown "+tt.name, func(t *testing.T) {
			_, err := e.c.DescribeTags(e.ctx, &elb.DescribeTagsInput{ResourceArns: []string{tt.arn}})
			requireCode(t, err, tt.code)
			_, err = e.c.AddTags(e.ctx, &elb.AddTagsInput{ResourceArns: []string{tt.arn}, Tags: []types.Tag{{Key: aws.String("k")}}})
			requireCode(t, err, tt.code)
		})
	}
	t.Run("too many tags changes nothing", func(t *testing.T) {
		var many []types.Tag
		for i := range 49 {
			many = append(many, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
		}
		_, err := e.c.AddTags(e.ctx, &elb.AddTagsInput{ResourceArns: []string{*tg.TargetGroupArn, *lb.LoadBalancerArn}, Tags: many})
		requireCode(t, err, "TooManyTags")
		got, err := e.c.DescribeTags(e.ctx, &elb.DescribeTagsInput{ResourceArns: []string{*tg.TargetGroupArn}})
		require.NoError(t, err)
		assert.Len(t, got.TagDescriptions[0].Tags, 1)
	})
	t.Run("too many resources", func(t *testing.T) {
		_, err := e.c.DescribeTags(e.ctx, &elb.DescribeTagsInput{ResourceArns: make([]string, 21)})
		requireCode(t, err, "ValidationError")
		_, err = e.c.AddTags(e.ctx, &elb.AddTagsInput{ResourceArns: make([]string, 21), Tags: []types.Tag{}})
		requireCode(t, err, "ValidationError")
	})
}

func TestInventory(t *testing.T) {
	e := newEnv(t)
	lb := e.createLB("d1-alb")
	tg := e.createTG("d1-tg")
	l := e.createListener(*lb.LoadBalancerArn, fixed403())
	_, err := e.c.CreateRule(e.ctx, headerRule(*l.ListenerArn, *tg.TargetGroupArn, 1))
	require.NoError(t, err)

	got := map[string]account.Resource{}
	for _, r := range e.w.Inventory() {
		got[r.Type] = r
	}
	require.Len(t, got, 4, "load balancer, target group, listener, non-default rule")
	assert.Equal(t, "provisioning", got["load-balancer"].State)
	assert.Equal(t, "Elastic Load Balancing v2", got["load-balancer"].Service)
	assert.Equal(t, "d1", got["load-balancer"].Tags["geusemaker:deployment"])
	assert.Equal(t, "us-east-1", got["listener-rule"].Region)
	assert.Equal(t, "us-east-1", got["listener"].Region)
}

func TestFaultInjectionReachesTheModel(t *testing.T) {
	e := newEnv(t)
	e.w.Inject(account.Fault{Service: "Elastic Load Balancing v2", Operation: "CreateLoadBalancer", Code: "InternalFailure", Status: 500, Times: 1})
	_, err := e.c.CreateLoadBalancer(e.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("n"), Subnets: []string{"subnet-a", "subnet-b"}})
	require.NoError(t, err, "the SDK retries a 500 once and the model answers")
}
