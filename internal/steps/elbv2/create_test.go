package elbv2_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/elbv2/elbv2test"
	"geusemaker/internal/steps/origin"
)

func TestActions(t *testing.T) {
	e := newEnv(t)
	var names []string
	for n := range e.step().Actions() {
		names = append(names, n)
	}
	assert.ElementsMatch(t, []string{"create", "status", "register", "targets_status", "delete", "delete_status"}, names)
}

func TestCreateWithoutCDNForwardsEverything(t *testing.T) {
	e := newEnv(t)
	doc := newDoc(false)
	e.mustRun(contract.ActionCreate, doc)

	res := doc.Resources
	assert.Regexp(t, `:loadbalancer/app/d1-alb/`, res.ALBARN)
	assert.Regexp(t, `^d1-alb-\d+\.us-east-1\.elb\.amazonaws\.com$`, res.ALBDNS)
	assert.Regexp(t, `:targetgroup/d1-tg/`, res.TargetGroupARN)
	assert.NotEmpty(t, res.ListenerARN)
	assert.Empty(t, res.ListenerRuleARN, "no origin rule without CloudFront")
	assert.Equal(t, map[string]int{"load-balancer": 1, "target-group": 1, "listener": 1}, e.inventory())

	lbs, err := e.elb.DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{res.ALBARN}})
	require.NoError(t, err)
	lb := lbs.LoadBalancers[0]
	assert.Equal(t, types.LoadBalancerSchemeEnumInternetFacing, lb.Scheme)
	assert.Equal(t, []string{elbv2test.GroupALB}, lb.SecurityGroups)
	assert.Len(t, lb.AvailabilityZones, 2)

	attrs, err := e.elb.DescribeLoadBalancerAttributes(e.ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(res.ALBARN)})
	require.NoError(t, err)
	got := map[string]string{}
	for _, a := range attrs.Attributes {
		got[*a.Key] = *a.Value
	}
	assert.Equal(t, "true", got["routing.http.drop_invalid_header_fields.enabled"])
	assert.Equal(t, "false", got["deletion_protection.enabled"])

	tgs, err := e.elb.DescribeTargetGroups(e.ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{res.TargetGroupARN}})
	require.NoError(t, err)
	tg := tgs.TargetGroups[0]
	assert.Equal(t, "/healthz", *tg.HealthCheckPath)
	assert.Equal(t, int32(30), *tg.HealthCheckIntervalSeconds)
	assert.Equal(t, int32(5), *tg.HealthCheckTimeoutSeconds)
	assert.Equal(t, int32(2), *tg.HealthyThresholdCount)
	assert.Equal(t, int32(3), *tg.UnhealthyThresholdCount)
	assert.Equal(t, int32(80), *tg.Port)
	assert.Equal(t, elbv2test.VPC, *tg.VpcId)

	ls, err := e.elb.DescribeListeners(e.ctx, &elb.DescribeListenersInput{ListenerArns: []string{res.ListenerARN}})
	require.NoError(t, err)
	assert.Equal(t, int32(80), *ls.Listeners[0].Port)
	assert.Equal(t, types.ActionTypeEnumForward, ls.Listeners[0].DefaultActions[0].Type)
	assert.Equal(t, res.TargetGroupARN, *ls.Listeners[0].DefaultActions[0].TargetGroupArn)

	tags, err := e.elb.DescribeTags(e.ctx, &elb.DescribeTagsInput{ResourceArns: []string{res.ALBARN, res.TargetGroupARN}})
	require.NoError(t, err)
	for _, d := range tags.TagDescriptions {
		assert.Contains(t, d.Tags, types.Tag{Key: aws.String(document.TagDeployment), Value: aws.String("d1")})
		assert.Contains(t, d.Tags, types.Tag{Key: aws.String(document.TagManagedBy), Value: aws.String(document.ManagedByValue)})
	}

	deadline, err := document.ParseTimestamp(doc.Deadlines[contract.StatusALB])
	require.NoError(t, err)
	assert.Equal(t, e.clock.Now().Add(15*time.Minute), deadline)
	poll := doc.Status[contract.StatusALB]
	assert.Equal(t, "provisioning", poll.Status)
	assert.False(t, poll.Done)
	assert.Equal(t, 182, poll.NextPollSeconds, "just after the typical 3 min")
	assert.Equal(t, document.StageLoadBalancer, doc.Progress.Stage)
	assert.Equal(t, res.ALBARN, doc.Progress.ResourceID)
}

func TestCreateWithCDNGuardsTheOriginWithASecretHeader(t *testing.T) {
	e := newEnv(t)
	doc := newDoc(true)
	e.mustRun(contract.ActionCreate, doc)

	ls, err := e.elb.DescribeListeners(e.ctx, &elb.DescribeListenersInput{ListenerArns: []string{doc.Resources.ListenerARN}})
	require.NoError(t, err)
	def := ls.Listeners[0].DefaultActions[0]
	assert.Equal(t, types.ActionTypeEnumFixedResponse, def.Type)
	assert.Equal(t, "403", *def.FixedResponseConfig.StatusCode)

	rules, err := e.elb.DescribeRules(e.ctx, &elb.DescribeRulesInput{RuleArns: []string{doc.Resources.ListenerRuleARN}})
	require.NoError(t, err)
	rule := rules.Rules[0]
	assert.Equal(t, "1", *rule.Priority)
	assert.Equal(t, doc.Resources.TargetGroupARN, *rule.Actions[0].TargetGroupArn)

	header, secret, err := origin.Secret(e.ctx, e.elb, doc.Resources.ListenerARN)
	require.NoError(t, err)
	assert.Equal(t, "X-Origin-Verify", header)
	assert.Regexp(t, `^[0-9a-f]{64}$`, secret)
	assert.Equal(t, []string{secret}, rule.Conditions[0].HttpHeaderConfig.Values)

	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), secret, "the secret never enters the document")
	assert.NotContains(t, e.logs.String(), secret, "nor the logs")

	t.Run("each deployment gets its own secret", func(t *testing.T) {
		other := newEnv(t)
		doc := newDoc(true)
		other.mustRun(contract.ActionCreate, doc)
		_, secret2, err := origin.Secret(other.ctx, other.elb, doc.Resources.ListenerARN)
		require.NoError(t, err)
		assert.NotEqual(t, secret, secret2)
	})
}

// Behind a CloudFront VPC origin (Tier 3 in a region that has them) the
// ALB is internal: no address on the internet; elsewhere internet-facing.
func TestTier3sALBIsInternalWhereVPCOriginsExist(t *testing.T) {
	for _, tt := range []struct {
		region string
		want   types.LoadBalancerSchemeEnum
	}{{"us-east-1", types.LoadBalancerSchemeEnumInternal}, {"ap-southeast-6", types.LoadBalancerSchemeEnumInternetFacing}} {
		t.Run(tt.region, func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc(true)
			doc.Request.Region = tt.region
			e.mustRun(contract.ActionCreate, doc)
			lbs, err := e.elbIn(tt.region).DescribeLoadBalancers(e.ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{doc.Resources.ALBARN}})
			require.NoError(t, err)
			assert.Equal(t, tt.want, lbs.LoadBalancers[0].Scheme)
			assert.Equal(t, tt.want == types.LoadBalancerSchemeEnumInternal, strings.HasPrefix(doc.Resources.ALBDNS, "internal-"))
		})
	}
}

// A load balancer's scheme never changes: an internet-facing one of an
// earlier run is not adopted behind a VPC origin.
func TestCreateRefusesALoadBalancerOfTheOtherScheme(t *testing.T) {
	e := newEnv(t)
	e.mustRun(contract.ActionCreate, newDoc(false))
	c := requireStepError(t, e.run(contract.ActionCreate, newDoc(true)), contract.LoadBalancerFailed, "")
	assert.Contains(t, c.Message, "load balancer d1-alb is internet-facing; this deployment needs it internal")
	assert.Contains(t, c.Remediation, "destroy the deployment")
}

func TestCreateTwiceCreatesOnce(t *testing.T) {
	for _, cdn := range []bool{false, true} {
		t.Run(map[bool]string{false: "tier 2", true: "tier 3"}[cdn], func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc(cdn)
			e.mustRun(contract.ActionCreate, doc)
			first := doc.Resources
			_, secret, _ := origin.Secret(e.ctx, e.elb, first.ListenerARN)
			deadline := doc.Deadlines[contract.StatusALB]

			e.clock.Advance(time.Minute)
			e.mustRun(contract.ActionCreate, doc)
			assert.Equal(t, first, doc.Resources)
			assert.Equal(t, deadline, doc.Deadlines[contract.StatusALB], "a retry never extends the deadline")

			lost := newDoc(cdn) // a retry whose ledger was lost adopts everything
			e.mustRun(contract.ActionCreate, lost)
			assert.Equal(t, first, lost.Resources)

			want := map[string]int{"load-balancer": 1, "target-group": 1, "listener": 1}
			if cdn {
				want["listener-rule"] = 1
				_, again, err := origin.Secret(e.ctx, e.elb, first.ListenerARN)
				require.NoError(t, err)
				assert.Equal(t, secret, again, "the secret is kept")
			}
			assert.Equal(t, want, e.inventory())
		})
	}
}

func TestCreateRefusesAnotherDeploymentsResources(t *testing.T) {
	tag := func(v string) []types.Tag {
		if v == "" {
			return nil
		}
		return []types.Tag{{Key: aws.String(document.TagDeployment), Value: aws.String(v)}}
	}
	tests := []struct {
		name  string
		plant func(e *env, owner string) error
		owner string
		want  string
	}{
		{"load balancer of another deployment", plantLB, "d2", `deployment "d2"`},
		{"untagged load balancer", plantLB, "", "no GeuseMaker deployment"},
		{"target group of another deployment", func(e *env, owner string) error {
			_, err := e.elb.CreateTargetGroup(e.ctx, &elb.CreateTargetGroupInput{Name: aws.String("d1-tg"), Protocol: types.ProtocolEnumHttp,
				Port: aws.Int32(80), VpcId: aws.String(elbv2test.VPC), Tags: tag(owner)})
			return err
		}, "d2", `deployment "d2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			require.NoError(t, tt.plant(e, tt.owner))
			err := e.run(contract.ActionCreate, newDoc(false))
			cause := requireStepError(t, err, contract.LoadBalancerFailed, "")
			assert.Contains(t, cause.Message, tt.want)
			assert.Contains(t, cause.Remediation, "deployment_id")
		})
	}
}

// plantLB creates a load balancer named like d1's, tagged for owner.
func plantLB(e *env, owner string) error {
	in := &elb.CreateLoadBalancerInput{Name: aws.String("d1-alb"), Subnets: []string{elbv2test.SubnetA, elbv2test.SubnetB}}
	if owner != "" {
		in.Tags = []types.Tag{{Key: aws.String(document.TagDeployment), Value: aws.String(owner)}}
	}
	_, err := e.elb.CreateLoadBalancer(e.ctx, in)
	return err
}

func TestCreateNamesAWSErrors(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		code   string
		want   string // ASL error name
		remedy *regexp.Regexp
		rerun  bool // fail a second create, which finds what the first made
	}{
		{"subnets in one zone", "CreateLoadBalancer", "InvalidConfigurationRequest", contract.LoadBalancerFailed, regexp.MustCompile(`two Availability Zones`), false},
		{"subnet gone", "CreateLoadBalancer", "SubnetNotFound", contract.LoadBalancerFailed, regexp.MustCompile(`subnet_ids`), false},
		{"security group of another VPC", "CreateLoadBalancer", "InvalidSecurityGroup", contract.LoadBalancerFailed, regexp.MustCompile(`security group`), false},
		{"name taken meanwhile", "CreateLoadBalancer", "DuplicateLoadBalancerName", contract.LoadBalancerFailed, regexp.MustCompile(`deployment_id`), false},
		{"quota", "CreateLoadBalancer", "TooManyLoadBalancers", contract.LoadBalancerFailed, regexp.MustCompile(`quota`), false},
		{"access denied", "CreateLoadBalancer", "AccessDenied", contract.LoadBalancerFailed, regexp.MustCompile(`IAM`), false},
		{"throttled", "DescribeLoadBalancers", "Throttling", contract.Throttled, regexp.MustCompile(`throttl`), false},
		{"tags unreadable", "DescribeTags", "AccessDenied", contract.LoadBalancerFailed, regexp.MustCompile(`IAM`), true},
		{"attributes", "ModifyLoadBalancerAttributes", "InvalidConfigurationRequest", contract.LoadBalancerFailed, regexp.MustCompile(`IAM`), false},
		{"target group lookup", "DescribeTargetGroups", "AccessDenied", contract.LoadBalancerFailed, regexp.MustCompile(`IAM`), false},
		{"target group name taken", "CreateTargetGroup", "DuplicateTargetGroupName", contract.LoadBalancerFailed, regexp.MustCompile(`deployment_id`), false},
		{"listener lookup", "DescribeListeners", "AccessDenied", contract.LoadBalancerFailed, regexp.MustCompile(`IAM`), false},
		{"listener quota", "CreateListener", "TooManyListeners", contract.LoadBalancerFailed, regexp.MustCompile(`quota`), false},
		{"rule lookup", "DescribeRules", "AccessDenied", contract.LoadBalancerFailed, regexp.MustCompile(`IAM`), false},
		{"priority taken", "CreateRule", "PriorityInUse", contract.LoadBalancerFailed, regexp.MustCompile(`rule`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.rerun {
				e.mustRun(contract.ActionCreate, newDoc(true))
			}
			e.w.Inject(fault(tt.op, tt.code))
			err := e.run(contract.ActionCreate, newDoc(true))
			cause := requireStepError(t, err, tt.want, tt.code)
			assert.Regexp(t, tt.remedy, cause.Remediation)
		})
	}
}

func TestCreateRecordsWhatItMadeBeforeFailing(t *testing.T) {
	e := newEnv(t)
	e.w.Inject(fault("CreateListener", "TooManyListeners"))
	doc := newDoc(false)
	require.Error(t, e.run(contract.ActionCreate, doc))
	assert.NotEmpty(t, doc.Resources.ALBARN)
	assert.NotEmpty(t, doc.Resources.ALBDNS)
	assert.NotEmpty(t, doc.Resources.TargetGroupARN)
}

func TestCreateNeedsItsInputs(t *testing.T) {
	tests := []struct {
		name   string
		change func(*document.Document)
		want   string
	}{
		{"ALB not enabled", func(d *document.Document) { d.Request.EnableALB = false }, contract.InternalError},
		{"one subnet", func(d *document.Document) { d.Resources.SubnetIDs = d.Resources.SubnetIDs[:1] }, contract.LoadBalancerFailed},
		{"no ALB security group", func(d *document.Document) { d.Resources.SecurityGroupIDs = nil }, contract.LoadBalancerFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc(false)
			tt.change(doc)
			requireStepError(t, e.run(contract.ActionCreate, doc), tt.want, "")
			assert.Empty(t, e.inventory())
		})
	}
}

func TestOriginSecretErrors(t *testing.T) {
	e := newEnv(t)
	doc := newDoc(false)
	e.mustRun(contract.ActionCreate, doc)

	_, _, err := origin.Secret(e.ctx, e.elb, doc.Resources.ListenerARN)
	assert.ErrorIs(t, err, origin.ErrNoRule)

	_, _, err = origin.Secret(e.ctx, e.elb, doc.Resources.ListenerARN+"0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ListenerNotFound")
}
