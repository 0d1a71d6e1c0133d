package cloudfront_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkcf "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/cloudfront"
	"geusemaker/internal/steps/origin"
	"geusemaker/internal/steps/step"
)

const (
	originHeader = origin.Header
	originValue  = "s3cr3t-value"
)

// env is one test's simulated account with an ALB whose listener rule
// checks the origin header.
type env struct {
	t       *testing.T
	ctx     context.Context
	cloud   *sim.Cloud
	clock   *clock.Virtual
	cf      *sdkcf.Client
	actions step.Actions
	elb     *elb.Client
	albDNS  string
	albARN  string
	lisARN  string
	tgARN   string
	// region is the deployment's.
	region string
}

// publicOriginRegion offers no VPC origins: the ALB there is internet-facing
// and CloudFront's origin is its DNS name (newVPCEnv has the other kind).
const publicOriginRegion = "ap-southeast-6"

func newEnv(t *testing.T, opts ...account.Option) *env {
	t.Helper()
	return newEnvAcross(t, publicOriginRegion, publicOriginRegion, opts...)
}

// newEnvAcross is newEnv with the step's Lambda in one region and the
// deployment (its ALB) in another.
func newEnvAcross(t *testing.T, lambdaRegion, region string, opts ...account.Option) *env {
	t.Helper()
	// Consistent: the windows are the end-to-end tests' (internal/localrun).
	cloud := sim.New(append([]account.Option{account.WithConsistency()}, opts...)...)
	cfg := cloud.Config(region)
	e := &env{
		t: t, ctx: context.Background(), cloud: cloud, clock: cloud.Clock().(*clock.Virtual), region: region,
		cf:      sdkcf.NewFromConfig(cfg),
		actions: cloudfront.New(cloud.Config(lambdaRegion), cloud.Clock(), slog.New(slog.NewTextHandler(io.Discard, nil))).Actions(),
	}
	e.elb = elb.NewFromConfig(cfg)
	e.albDNS, e.lisARN, e.tgARN = e.createALB(cfg)
	return e
}

// newVPCEnv is newEnv in a region with VPC origins, where the load balancer
// step leaves an internal ALB.
func newVPCEnv(t *testing.T, opts ...account.Option) *env {
	t.Helper()
	cloud := sim.New(append([]account.Option{account.WithConsistency()}, opts...)...)
	const region = "us-east-1"
	cfg := cloud.Config(region)
	e := &env{
		t: t, ctx: context.Background(), cloud: cloud, clock: cloud.Clock().(*clock.Virtual), region: region,
		cf:      sdkcf.NewFromConfig(cfg),
		actions: cloudfront.New(cfg, cloud.Clock(), slog.New(slog.NewTextHandler(io.Discard, nil))).Actions(),
		elb:     elb.NewFromConfig(cfg),
	}
	e.albDNS, e.lisARN, e.tgARN = e.createLB(cfg, elbtypes.LoadBalancerSchemeEnumInternal)
	// The ALB becomes active: a VPC origin takes only an active one.
	e.clock.Advance(5 * time.Minute)
	return e
}

// createALB builds what the load balancer step leaves behind in cfg's
// region: an ALB in two default subnets with a listener whose rule requires
// the origin header.
func (e *env) createALB(cfg aws.Config) (dns, listener, targetGroup string) {
	e.t.Helper()
	return e.createLB(cfg, elbtypes.LoadBalancerSchemeEnumInternetFacing)
}

func (e *env) createLB(cfg aws.Config, scheme elbtypes.LoadBalancerSchemeEnum) (dns, listener, targetGroup string) {
	e.t.Helper()
	ec2c, elbc := ec2.NewFromConfig(cfg), elb.NewFromConfig(cfg)
	subnets, err := ec2c.DescribeSubnets(e.ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
		{Name: aws.String("default-for-az"), Values: []string{"true"}},
	}})
	require.NoError(e.t, err)
	require.GreaterOrEqual(e.t, len(subnets.Subnets), 2)
	lb, err := elbc.CreateLoadBalancer(e.ctx, &elb.CreateLoadBalancerInput{
		Name:    aws.String("demo-alb"),
		Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)},
		Scheme:  scheme,
	})
	require.NoError(e.t, err)
	e.albARN = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn)
	tg, err := elbc.CreateTargetGroup(e.ctx, &elb.CreateTargetGroupInput{
		Name: aws.String("demo-tg"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: subnets.Subnets[0].VpcId, TargetType: elbtypes.TargetTypeEnumInstance,
	})
	require.NoError(e.t, err)
	lis, err := elbc.CreateListener(e.ctx, &elb.CreateListenerInput{
		LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{
			StatusCode: aws.String("403"), ContentType: aws.String("text/plain"), MessageBody: aws.String("Forbidden"),
		}}},
	})
	require.NoError(e.t, err)
	dns = aws.ToString(lb.LoadBalancers[0].DNSName)
	listener = aws.ToString(lis.Listeners[0].ListenerArn)
	targetGroup = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	e.createRule(elbc, listener, targetGroup, originValue)
	return dns, listener, targetGroup
}

func (e *env) createRule(elbc *elb.Client, listener, targetGroup, secret string) {
	e.t.Helper()
	_, err := elbc.CreateRule(e.ctx, &elb.CreateRuleInput{
		ListenerArn: aws.String(listener), Priority: aws.Int32(1),
		Actions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(targetGroup)}},
		Conditions: []elbtypes.RuleCondition{{Field: aws.String("http-header"), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{
			HttpHeaderName: aws.String(originHeader), Values: []string{secret},
		}}},
	})
	require.NoError(e.t, err)
}

// setSecret replaces the listener rule with one checking another value.
func (e *env) setSecret(secret string) {
	e.t.Helper()
	rules, err := e.elb.DescribeRules(e.ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(e.lisARN)})
	require.NoError(e.t, err)
	for _, r := range rules.Rules {
		if !aws.ToBool(r.IsDefault) {
			_, err := e.elb.DeleteRule(e.ctx, &elb.DeleteRuleInput{RuleArn: r.RuleArn})
			require.NoError(e.t, err)
		}
	}
	e.createRule(e.elb, e.lisARN, e.tgARN, secret)
}

// doc is a Tier 3 document whose ALB is active.
func (e *env) doc(id string) *document.Document {
	e.t.Helper()
	req, err := document.Parse([]byte(`{"deployment_id":"` + id + `","region":"` + e.region + `","tier":"gpu","tags":{"team":"ai"}}`))
	require.NoError(e.t, err)
	// Run: the run id the validate step records.
	return &document.Document{Request: req, Run: "run1", Resources: document.Ledger{ALBARN: e.albARN, ALBDNS: e.albDNS, ListenerARN: e.lisARN}}
}

func (e *env) run(action string, doc *document.Document) error {
	e.t.Helper()
	return e.actions[action](e.ctx, doc)
}

func (e *env) mustRun(action string, doc *document.Document) {
	e.t.Helper()
	require.NoError(e.t, e.run(action, doc))
}

func (e *env) distributions() []account.Resource {
	var out []account.Resource
	for _, r := range e.cloud.Inventory() {
		if r.Service == "CloudFront" {
			out = append(out, r)
		}
	}
	return out
}

func (e *env) get(id string) *cftypes.Distribution {
	e.t.Helper()
	out, err := e.cf.GetDistribution(e.ctx, &sdkcf.GetDistributionInput{Id: aws.String(id)})
	require.NoError(e.t, err)
	return out.Distribution
}

// deployed creates the deployment's distribution and lets it deploy.
func (e *env) deployed(id string) *document.Document {
	e.t.Helper()
	doc := e.doc(id)
	e.mustRun(contract.ActionCreate, doc)
	e.clock.Advance(4 * time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	require.True(e.t, doc.Status[contract.StatusCloudFront].Done)
	return doc
}

// requireStepError asserts err is a named step error with an AWS code (if
// code is not empty) and a remediation, and returns its cause.
func requireStepError(t *testing.T, err error, name, code string) document.Cause {
	t.Helper()
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, name, se.Name, se.Cause.Message)
	var c document.Cause
	require.NoError(t, json.Unmarshal([]byte(se.CauseJSON()), &c))
	assert.Equal(t, code, c.AWSErrorCode)
	assert.NotEmpty(t, c.Remediation)
	assert.NotEmpty(t, c.Step)
	if code != "" {
		assert.NotEmpty(t, c.AWSRequestID)
	}
	return c
}
