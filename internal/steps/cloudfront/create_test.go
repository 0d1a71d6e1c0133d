package cloudfront_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkcf "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
)

func TestActionsAreTheContractsNames(t *testing.T) {
	e := newEnv(t)
	assert.Len(t, e.actions, 4)
	for _, a := range []string{"create", "status", "disable", "delete_status"} {
		assert.Contains(t, e.actions, a)
	}
}

func TestCreateRecordsTheDistributionBeforeWaiting(t *testing.T) {
	e := newEnv(t)
	doc := e.doc("demo")
	// The ALB became active 3 minutes into a 9-minute Tier 3 deployment.
	doc.Timings = map[string]document.Timing{document.StageValidate: {StartedAt: document.Timestamp(account.Epoch.Add(-3 * time.Minute))}}
	e.mustRun(contract.ActionCreate, doc)

	r := doc.Resources
	require.Regexp(t, `^E[0-9A-Z]{13}$`, r.CloudFrontID)
	assert.Equal(t, "arn:aws:cloudfront::"+account.AccountID+":distribution/"+r.CloudFrontID, r.CloudFrontARN)
	assert.Regexp(t, `^d[0-9a-z]{13}\.cloudfront\.net$`, r.CloudFrontDomain)
	assert.Equal(t, document.Timestamp(account.Epoch.Add(30*time.Minute)), doc.Deadlines[contract.StatusCloudFront])
	assert.Equal(t, document.Poll{Status: "InProgress", Enabled: aws.Bool(true), Percent: 1, NextPollSeconds: 60}, doc.Status[contract.StatusCloudFront])
	assert.Equal(t, &document.Progress{
		Stage: document.StageCDN, Message: "CloudFront distribution created: " + r.CloudFrontID, Percent: 30,
		ResourceID: r.CloudFrontID, CloudFrontDomain: r.CloudFrontDomain,
	}, doc.Progress)

	cfg, err := e.cf.GetDistributionConfig(e.ctx, &sdkcf.GetDistributionConfigInput{Id: aws.String(r.CloudFrontID)})
	require.NoError(t, err)
	c := cfg.DistributionConfig
	assert.Equal(t, doc.Token("cloudfront"), aws.ToString(c.CallerReference))
	assert.Equal(t, "GeuseMaker CDN for demo", aws.ToString(c.Comment))
	assert.True(t, aws.ToBool(c.Enabled))
	o := c.Origins.Items[0]
	assert.Equal(t, "ALB-"+e.albDNS, aws.ToString(o.Id))
	assert.Equal(t, e.albDNS, aws.ToString(o.DomainName))
	assert.Equal(t, []cftypes.OriginCustomHeader{{HeaderName: aws.String(originHeader), HeaderValue: aws.String(originValue)}}, o.CustomHeaders.Items)
	oc := o.CustomOriginConfig
	assert.Equal(t, cftypes.OriginProtocolPolicyHttpOnly, oc.OriginProtocolPolicy)
	assert.Equal(t, int32(80), aws.ToInt32(oc.HTTPPort))
	assert.Equal(t, []cftypes.SslProtocol{cftypes.SslProtocolTLSv12}, oc.OriginSslProtocols.Items)
	assert.Equal(t, int32(30), aws.ToInt32(oc.OriginReadTimeout))
	assert.Equal(t, int32(5), aws.ToInt32(oc.OriginKeepaliveTimeout))
	b := c.DefaultCacheBehavior
	assert.Equal(t, "ALB-"+e.albDNS, aws.ToString(b.TargetOriginId))
	assert.Equal(t, cftypes.ViewerProtocolPolicyRedirectToHttps, b.ViewerProtocolPolicy)
	assert.Len(t, b.AllowedMethods.Items, 7)
	assert.Equal(t, []cftypes.Method{cftypes.MethodGet, cftypes.MethodHead}, b.AllowedMethods.CachedMethods.Items)
	assert.True(t, aws.ToBool(b.Compress))
	assert.Equal(t, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", aws.ToString(b.CachePolicyId))
	assert.Equal(t, "216adef6-5c7f-47e4-b989-5492eafa07d3", aws.ToString(b.OriginRequestPolicyId))
	assert.Equal(t, cftypes.PriceClassPriceClass100, c.PriceClass)
	assert.Equal(t, cftypes.HttpVersionHttp2and3, c.HttpVersion)
	assert.True(t, aws.ToBool(c.IsIPV6Enabled))
	assert.True(t, aws.ToBool(c.ViewerCertificate.CloudFrontDefaultCertificate))

	dists := e.distributions()
	require.Len(t, dists, 1)
	assert.Equal(t, map[string]string{
		"geusemaker:deployment": "demo", "geusemaker:region": publicOriginRegion, "geusemaker:tier": "gpu", "ManagedBy": "GeuseMaker", "team": "ai",
	}, dists[0].Tags)
}

// Clients are built per call in the request's region: a distribution in
// front of an ALB in another region than the Lambda's reads the origin
// secret from that region's listener.
func TestCreateReadsTheOriginSecretInTheDeploymentsRegion(t *testing.T) {
	e := newEnvAcross(t, "us-east-1", "me-west-1")
	doc := e.doc("demo")
	e.mustRun(contract.ActionCreate, doc)
	origin := e.get(doc.Resources.CloudFrontID).DistributionConfig.Origins.Items[0]
	assert.Equal(t, e.albDNS, aws.ToString(origin.DomainName))
	assert.Contains(t, e.albDNS, "me-west-1")
	require.Len(t, origin.CustomHeaders.Items, 1)
	assert.Equal(t, originValue, aws.ToString(origin.CustomHeaders.Items[0].HeaderValue))
}

func TestCreateTwiceCreatesOneDistribution(t *testing.T) {
	tests := []struct {
		name        string
		keepLedger  bool
		wantCFCalls int
	}{
		// A retry after the Lambda lost its response: the caller reference
		// makes CloudFront return the same distribution.
		{"retry without the ledger", false, 2},
		// A re-run with the ledger: nothing is sent to CloudFront.
		{"re-run with the ledger", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.doc("demo")
			e.mustRun(contract.ActionCreate, first)
			second := first
			if !tt.keepLedger {
				second = e.doc("demo")
			}
			e.mustRun(contract.ActionCreate, second)
			assert.Equal(t, first.Resources.CloudFrontID, second.Resources.CloudFrontID)
			assert.Len(t, e.distributions(), 1)
			creates := 0
			for _, c := range e.cloud.Calls() {
				if c.Operation == "CreateDistributionWithTags" {
					creates++
				}
			}
			assert.Equal(t, tt.wantCFCalls, creates)
		})
	}
}

func TestCreateNeedsTheALB(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*env, *document.Ledger)
		code   string
		msg    string
	}{
		{"no alb_dns", func(_ *env, l *document.Ledger) { l.ALBDNS = "" }, "", "ALB"},
		{"no listener to read the secret from", func(_ *env, l *document.Ledger) {
			l.ListenerARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/none/1/2"
		}, "ListenerNotFound", "listener"},
		{"no origin rule on the listener", func(e *env, _ *document.Ledger) {
			e.setSecret("x")
			rules, err := e.elb.DescribeRules(e.ctx, &elb.DescribeRulesInput{ListenerArn: aws.String(e.lisARN)})
			require.NoError(e.t, err)
			for _, r := range rules.Rules {
				if !aws.ToBool(r.IsDefault) {
					_, err := e.elb.DeleteRule(e.ctx, &elb.DeleteRuleInput{RuleArn: r.RuleArn})
					require.NoError(e.t, err)
				}
			}
		}, "", "X-Origin-Verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			doc := e.doc("demo")
			tt.mutate(e, &doc.Resources)
			c := requireStepError(t, e.run(contract.ActionCreate, doc), contract.CloudFrontCreateFailed, tt.code)
			assert.Contains(t, c.Message+c.Remediation, tt.msg)
			assert.Empty(t, e.distributions())
			assert.Empty(t, doc.Resources.CloudFrontID)
		})
	}
}

func TestCreateNamesAWSErrors(t *testing.T) {
	tests := []struct {
		code, name, remedy string
	}{
		{"TooManyDistributions", contract.CloudFrontCreateFailed, "quota"},
		{"AccessDenied", contract.CloudFrontCreateFailed, "cloudfront:CreateDistribution"},
		{"InvalidOrigin", contract.CloudFrontCreateFailed, "internet-facing"},
		{"InvalidArgument", contract.CloudFrontCreateFailed, "rollback"},
		{"Throttling", contract.Throttled, "throttling"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			e := newEnv(t)
			e.cloud.Inject(account.Fault{Service: "CloudFront", Operation: "CreateDistributionWithTags", Code: tt.code})
			doc := e.doc("demo")
			c := requireStepError(t, e.run(contract.ActionCreate, doc), tt.name, tt.code)
			assert.Contains(t, c.Remediation, tt.remedy)
			assert.Equal(t, "cloudfront-create", c.Step)
			assert.Empty(t, e.distributions())
		})
	}
}

// plant creates a distribution with the deployment's caller reference but a
// different config, tagged for owner: what DistributionAlreadyExists meets.
func (e *env) plant(deploymentID, owner string) string {
	e.t.Helper()
	other := e.doc(deploymentID)
	require.NoError(e.t, e.run(contract.ActionCreate, other))
	id := other.Resources.CloudFrontID
	_, err := e.cf.TagResource(e.ctx, &sdkcf.TagResourceInput{Resource: aws.String(other.Resources.CloudFrontARN), Tags: &cftypes.Tags{
		Items: []cftypes.Tag{{Key: aws.String(document.TagDeployment), Value: aws.String(owner)}},
	}})
	require.NoError(e.t, err)
	return id
}

func TestCreateAdoptsItsDistributionOnDistributionAlreadyExists(t *testing.T) {
	tests := []struct {
		name   string
		before func(doc *document.Document) // to the first attempt's document
		after  func(e *env)                 // between the attempts
	}{
		// The ALB's secret changed since the first attempt: same caller
		// reference, different config.
		{"secret rotated", func(*document.Document) {}, func(e *env) { e.setSecret("rotated") }},
		// The first attempt saw another ALB; found by its comment.
		{"another origin", func(doc *document.Document) { doc.Resources.ALBDNS = "old-alb-1.us-east-1.elb.amazonaws.com" }, func(*env) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.doc("demo")
			tt.before(first)
			e.mustRun(contract.ActionCreate, first)
			tt.after(e)

			doc := e.doc("demo")
			e.mustRun(contract.ActionCreate, doc)
			assert.Equal(t, first.Resources.CloudFrontID, doc.Resources.CloudFrontID)
			assert.Equal(t, first.Resources.CloudFrontARN, doc.Resources.CloudFrontARN)
			assert.Equal(t, first.Resources.CloudFrontDomain, doc.Resources.CloudFrontDomain)
			assert.Len(t, e.distributions(), 1)
		})
	}
}

func TestCreateNeverAdoptsAnotherDeploymentsDistribution(t *testing.T) {
	e := newEnv(t)
	e.plant("demo", "someone-else")
	e.setSecret("rotated")

	doc := e.doc("demo")
	c := requireStepError(t, e.run(contract.ActionCreate, doc), contract.CloudFrontCreateFailed, "DistributionAlreadyExists")
	assert.Contains(t, c.Remediation, "deployment_id")
	assert.Empty(t, doc.Resources.CloudFrontID)
}

func TestCreateFailsWhenTheAdoptionLookupFails(t *testing.T) {
	e := newEnv(t)
	e.plant("demo", "demo")
	e.setSecret("rotated")
	e.cloud.Inject(account.Fault{Service: "CloudFront", Operation: "ListTagsForResource", Code: "AccessDenied"})
	requireStepError(t, e.run(contract.ActionCreate, e.doc("demo")), contract.CloudFrontCreateFailed, "AccessDenied")
}
