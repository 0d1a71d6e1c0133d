package cloudfront_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkcf "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/cloudfront"
)

// vpcOrigins lists the simulated account's VPC origins.
func (e *env) vpcOrigins() []account.Resource {
	var out []account.Resource
	for _, r := range e.distributions() {
		if r.Type == "vpc-origin" {
			out = append(out, r)
		}
	}
	return out
}

func TestBehindAVPCOriginTheDistributionIsCreatedOnceTheOriginHasDeployed(t *testing.T) {
	e := newVPCEnv(t)
	doc := e.doc("demo")
	require.True(t, doc.Request.PrivateOrigin())
	e.mustRun(contract.ActionCreate, doc)

	r := &doc.Resources
	require.Regexp(t, `^vo_`, r.VPCOriginID)
	assert.Empty(t, r.CloudFrontID, "CloudFront takes a VPC origin only once it has deployed")
	p := doc.Status[contract.StatusCloudFront]
	assert.Equal(t, "Deploying", p.Status)
	assert.Equal(t, 302, p.NextPollSeconds, "just after the VPC origin's typical 5 minutes")
	assert.Equal(t, r.VPCOriginID, doc.Progress.ResourceID)
	out, err := e.cf.GetVpcOrigin(e.ctx, &sdkcf.GetVpcOriginInput{Id: aws.String(r.VPCOriginID)})
	require.NoError(t, err)
	ep := out.VpcOrigin.VpcOriginEndpointConfig
	assert.Equal(t, e.albARN, aws.ToString(ep.Arn))
	assert.Equal(t, "demo-us-east-1-alb", aws.ToString(ep.Name))
	assert.Equal(t, cftypes.OriginProtocolPolicyHttpOnly, ep.OriginProtocolPolicy)
	require.Len(t, e.vpcOrigins(), 1)
	assert.Equal(t, "demo", e.vpcOrigins()[0].Tags["geusemaker:deployment"])

	e.clock.Advance(4 * time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	assert.Empty(t, r.CloudFrontID)
	assert.False(t, doc.Status[contract.StatusCloudFront].Done)
	assert.Less(t, doc.Progress.StagePercent, 33, "the VPC origin's wait is the stage's first third")

	e.clock.Advance(time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	require.NotEmpty(t, r.CloudFrontID)
	assert.False(t, doc.Status[contract.StatusCloudFront].Done, "the distribution has yet to deploy")
	o := e.get(r.CloudFrontID).DistributionConfig.Origins.Items[0]
	assert.Nil(t, o.CustomOriginConfig)
	require.NotNil(t, o.VpcOriginConfig)
	assert.Equal(t, r.VPCOriginID, aws.ToString(o.VpcOriginConfig.VpcOriginId))
	assert.Equal(t, e.albDNS, aws.ToString(o.DomainName))
	assert.Equal(t, originValue, aws.ToString(o.CustomHeaders.Items[0].HeaderValue), "the listener rule still asks for the header")

	e.clock.Advance(4 * time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	assert.True(t, doc.Status[contract.StatusCloudFront].Done)
	assert.Equal(t, 100, doc.Progress.StagePercent)
}

func TestWithoutWaitingForCloudFrontTheVPCOriginIsStillWaitedFor(t *testing.T) {
	e := newVPCEnv(t)
	doc := e.doc("demo")
	doc.Request.WaitForCloudFront = false
	e.mustRun(contract.ActionCreate, doc)
	e.clock.Advance(5 * time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	assert.NotEmpty(t, doc.Resources.CloudFrontID)
	assert.True(t, doc.Status[contract.StatusCloudFront].Done, "the distribution exists: the Watch workflow follows it")
}

func TestARetriedCreateFindsTheVPCOriginByNameAndTags(t *testing.T) {
	e := newVPCEnv(t)
	first := e.doc("demo")
	e.mustRun(contract.ActionCreate, first)
	again := e.doc("demo") // the ledger was lost with a failed invocation
	e.mustRun(contract.ActionCreate, again)
	assert.Equal(t, first.Resources.VPCOriginID, again.Resources.VPCOriginID)
	assert.Len(t, e.vpcOrigins(), 1)
}

func TestAVPCOriginOfTheSameNameNotTaggedForTheDeploymentIsRefused(t *testing.T) {
	e := newVPCEnv(t)
	_, err := e.cf.CreateVpcOrigin(e.ctx, &sdkcf.CreateVpcOriginInput{VpcOriginEndpointConfig: &cftypes.VpcOriginEndpointConfig{
		Name: aws.String("demo-us-east-1-alb"), Arn: aws.String(e.albARN), HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
		OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly,
	}})
	require.NoError(t, err)
	c := requireStepError(t, e.run(contract.ActionCreate, e.doc("demo")), contract.CloudFrontCreateFailed, "")
	assert.Contains(t, c.Message, "not tagged for deployment demo")
	assert.Len(t, e.vpcOrigins(), 1)
}

func TestTeardownDeletesTheDistributionThenItsVPCOrigin(t *testing.T) {
	e := newVPCEnv(t)
	doc := e.doc("demo")
	e.mustRun(contract.ActionCreate, doc)
	e.clock.Advance(5 * time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	e.clock.Advance(4 * time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	dist, vo := doc.Resources.CloudFrontID, doc.Resources.VPCOriginID

	// While the distribution names it, CloudFront keeps the VPC origin.
	out, err := e.cf.GetVpcOrigin(e.ctx, &sdkcf.GetVpcOriginInput{Id: aws.String(vo)})
	require.NoError(t, err)
	_, err = e.cf.DeleteVpcOrigin(e.ctx, &sdkcf.DeleteVpcOriginInput{Id: aws.String(vo), IfMatch: out.ETag})
	require.ErrorContains(t, err, "CannotDeleteEntityWhileInUse")

	e.mustRun(contract.ActionDisable, doc)
	e.clock.Advance(deletable)
	e.mustRun(contract.ActionDeleteStatus, doc)
	p := doc.Status[contract.StatusCloudFrontDelete]
	assert.False(t, p.Done)
	assert.Empty(t, doc.Resources.CloudFrontID, "the distribution is deleted")
	assert.Equal(t, 1, p.NextPollSeconds, "its VPC origin at the next poll, so that this one's record is kept")
	e.clock.Advance(time.Second)
	e.mustRun(contract.ActionDeleteStatus, doc)
	p = doc.Status[contract.StatusCloudFrontDelete]
	assert.False(t, p.Done, "the VPC origin is deleting")
	assert.Equal(t, "VPC origin deleting", p.Detail)
	require.Len(t, e.vpcOrigins(), 1)

	e.clock.Advance(5 * time.Minute)
	e.mustRun(contract.ActionDeleteStatus, doc)
	assert.True(t, doc.Status[contract.StatusCloudFrontDelete].Done)
	assert.Empty(t, e.distributions())
	assert.Empty(t, doc.Resources.VPCOriginID)
	assert.Equal(t, []string{"CloudFront distribution " + dist, "CloudFront VPC origin " + vo}, doc.Removal.Deleted)
	assert.Empty(t, doc.Removal.AlreadyGone)
}

func TestARollbackBeforeTheDistributionDeletesTheVPCOrigin(t *testing.T) {
	e := newVPCEnv(t)
	doc := e.doc("demo")
	e.mustRun(contract.ActionCreate, doc)
	vo := doc.Resources.VPCOriginID
	doc.Error = &document.Failure{Error: contract.Timeout, Cause: "{}"}

	lost := e.doc("demo") // a teardown from the request alone finds it by name
	lost.Error = doc.Error
	e.mustRun(contract.ActionDisable, lost)
	assert.Equal(t, vo, lost.Resources.VPCOriginID)
	assert.Equal(t, []string{"CloudFront distribution"}, lost.Removal.NeverCreated)
	assert.False(t, lost.Status[contract.StatusCloudFrontDelete].Done)

	// Still deploying from its creation, it cannot be deleted yet
	// (IllegalDelete): the teardown polls until it can.
	e.mustRun(contract.ActionDeleteStatus, lost)
	p := lost.Status[contract.StatusCloudFrontDelete]
	assert.False(t, p.Done)
	assert.Empty(t, p.Detail)
	e.clock.Advance(5 * time.Minute)
	e.mustRun(contract.ActionDeleteStatus, lost)
	assert.Equal(t, "VPC origin deleting", lost.Status[contract.StatusCloudFrontDelete].Detail)
	e.clock.Advance(5 * time.Minute)
	e.mustRun(contract.ActionDeleteStatus, lost)
	assert.True(t, lost.Status[contract.StatusCloudFrontDelete].Done)
	assert.Equal(t, []string{"CloudFront VPC origin " + vo}, lost.Removal.Deleted)
	assert.Empty(t, e.vpcOrigins())
	assert.Equal(t, document.StageRollback, lost.Progress.Stage)
}

func TestAVPCOriginDeletedByHandIsAlreadyGone(t *testing.T) {
	e := newVPCEnv(t)
	doc := e.doc("demo")
	e.mustRun(contract.ActionCreate, doc)
	vo := doc.Resources.VPCOriginID
	e.clock.Advance(5 * time.Minute)
	out, err := e.cf.GetVpcOrigin(e.ctx, &sdkcf.GetVpcOriginInput{Id: aws.String(vo)})
	require.NoError(t, err)
	_, err = e.cf.DeleteVpcOrigin(e.ctx, &sdkcf.DeleteVpcOriginInput{Id: aws.String(vo), IfMatch: out.ETag})
	require.NoError(t, err)
	e.clock.Advance(5 * time.Minute)

	e.mustRun(contract.ActionDisable, doc)
	e.mustRun(contract.ActionDeleteStatus, doc)
	assert.True(t, doc.Status[contract.StatusCloudFrontDelete].Done)
	assert.Equal(t, []string{"CloudFront VPC origin " + vo}, doc.Removal.AlreadyGone)
	assert.Empty(t, doc.Removal.Deleted)
}

func TestTheVPCOriginWaitTimesOutNamingIt(t *testing.T) {
	e := newVPCEnv(t, account.WithLatency(cloudfront.LatencyVPCOriginDeploy, time.Hour))
	doc := e.doc("demo")
	e.mustRun(contract.ActionCreate, doc)
	e.clock.Advance(30 * time.Minute)
	c := requireStepError(t, e.run(contract.ActionStatus, doc), contract.Timeout, "")
	assert.Contains(t, c.Message, "VPC origin "+doc.Resources.VPCOriginID)
}

func TestVPCOriginErrorsAreNamed(t *testing.T) {
	for _, tt := range []struct {
		action, op, code, name string
	}{
		{contract.ActionCreate, "CreateVpcOrigin", "AccessDenied", contract.CloudFrontCreateFailed},
		{contract.ActionCreate, "ListVpcOrigins", "AccessDenied", contract.CloudFrontCreateFailed},
		{contract.ActionCreate, "CreateVpcOrigin", "UnsupportedOperation", contract.CloudFrontCreateFailed},
		{contract.ActionStatus, "GetVpcOrigin", "AccessDenied", contract.CloudFrontCreateFailed},
		{contract.ActionDeleteStatus, "DeleteVpcOrigin", "AccessDenied", contract.CloudFrontDeleteFailed},
	} {
		t.Run(tt.op+" "+tt.code, func(t *testing.T) {
			e := newVPCEnv(t)
			doc := e.doc("demo")
			if tt.action != contract.ActionCreate {
				e.mustRun(contract.ActionCreate, doc)
			}
			if tt.action == contract.ActionDeleteStatus {
				e.mustRun(contract.ActionDisable, doc)
			}
			e.cloud.Inject(account.Fault{Service: "CloudFront", Operation: tt.op, Code: tt.code})
			c := requireStepError(t, e.run(tt.action, doc), tt.name, tt.code)
			assert.Contains(t, c.Message, "VPC origin")
		})
	}
}

// A redeploy right after a teardown finds its VPC origin still being
// deleted (its name taken): the create is ResourceBusy, retried, and makes
// a new one once the old is gone.
func TestARedeployWaitsForItsDeletedVPCOriginToGo(t *testing.T) {
	e := newVPCEnv(t)
	first := e.doc("demo")
	e.mustRun(contract.ActionCreate, first)
	e.clock.Advance(5 * time.Minute)
	old := first.Resources.VPCOriginID
	out, err := e.cf.GetVpcOrigin(e.ctx, &sdkcf.GetVpcOriginInput{Id: aws.String(old)})
	require.NoError(t, err)
	_, err = e.cf.DeleteVpcOrigin(e.ctx, &sdkcf.DeleteVpcOriginInput{Id: aws.String(old), IfMatch: out.ETag})
	require.NoError(t, err)

	again := e.doc("demo")
	again.Run = "run2"
	c := requireStepError(t, e.run(contract.ActionCreate, again), contract.ResourceBusy, "")
	assert.Contains(t, c.Message, "still being deleted")
	assert.Empty(t, again.Resources.VPCOriginID)

	e.clock.Advance(5 * time.Minute)
	e.mustRun(contract.ActionCreate, again)
	assert.NotEqual(t, old, again.Resources.VPCOriginID)
	assert.Len(t, e.vpcOrigins(), 1)
}
