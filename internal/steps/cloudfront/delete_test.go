package cloudfront_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkcf "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/steps/cloudfront"
)

func TestTeardownDisablesWaitsAndDeletes(t *testing.T) {
	e := newEnv(t)
	doc := e.deployed("demo")
	id := doc.Resources.CloudFrontID

	e.mustRun(contract.ActionDisable, doc)
	assert.False(t, aws.ToBool(e.get(id).DistributionConfig.Enabled))
	assert.Equal(t, document.Poll{Status: "InProgress", Enabled: aws.Bool(false), Percent: 1, NextPollSeconds: 60}, doc.Status[contract.StatusCloudFrontDelete])
	assert.Equal(t, document.Timestamp(e.clock.Now().Add(30*time.Minute)), doc.Deadlines[contract.StatusCloudFrontDelete])
	assert.Equal(t, document.StageDestroy, doc.Progress.Stage)
	assert.Equal(t, 1, doc.Progress.Percent, "the destroy starts: its own percent, from 1")
	assert.Equal(t, document.Timestamp(e.clock.Now()), doc.Timings[document.StageDestroy].StartedAt)

	e.clock.Advance(time.Minute)
	e.mustRun(contract.ActionDeleteStatus, doc)
	p := doc.Status[contract.StatusCloudFrontDelete]
	assert.False(t, p.Done)
	assert.Equal(t, 45, p.Percent, "half of the typical 2 min: half of 90")
	assert.Equal(t, 62, p.NextPollSeconds, "just after the typical 2 min")
	// One minute of a 4-minute teardown with CloudFront; the disable's own
	// estimate is against CloudFront's 2 minutes.
	assert.Equal(t, 22, doc.Progress.Percent)
	assert.Equal(t, 45, doc.Progress.StagePercent)

	// Deployed and disabled, but CloudFront still refuses the delete
	// (DistributionNotDisabled: its edge lags the status): poll again soon.
	e.clock.Advance(time.Minute)
	e.cloud.Inject(account.Fault{Service: "CloudFront", Operation: "DeleteDistribution", Code: "DistributionNotDisabled", Status: 409, Times: 1})
	e.mustRun(contract.ActionDeleteStatus, doc)
	p = doc.Status[contract.StatusCloudFrontDelete]
	assert.False(t, p.Done)
	assert.Equal(t, document.PollTight, time.Duration(p.NextPollSeconds)*time.Second)
	require.Len(t, e.distributions(), 1)

	e.clock.Advance(5 * time.Second)
	e.mustRun(contract.ActionDeleteStatus, doc)
	p = doc.Status[contract.StatusCloudFrontDelete]
	assert.True(t, p.Done)
	assert.Equal(t, 100, p.Percent)
	assert.Empty(t, e.distributions())
	assert.Empty(t, doc.Resources.CloudFrontID, "a deleted distribution leaves the ledger")
	assert.Equal(t, "CloudFront distribution "+id+" deleted", doc.Progress.Message)
	assert.Equal(t, []string{"CloudFront distribution " + id}, doc.Removal.Deleted)
}

func TestTeardownOfAnAlreadyDeletedDistributionSucceeds(t *testing.T) {
	e := newEnv(t)
	doc := e.deployed("demo")
	e.teardown(doc)

	for _, action := range []string{contract.ActionDisable, contract.ActionDeleteStatus} {
		t.Run(action, func(t *testing.T) {
			e.mustRun(action, doc)
		})
	}
	assert.True(t, doc.Status[contract.StatusCloudFrontDelete].Done)
	assert.Empty(t, e.distributions())
}

func TestTeardownWithoutADistributionIsDone(t *testing.T) {
	e := newEnv(t)
	doc := e.doc("demo")
	for _, action := range []string{contract.ActionDisable, contract.ActionDeleteStatus} {
		e.mustRun(action, doc)
		assert.True(t, doc.Status[contract.StatusCloudFrontDelete].Done, action)
	}
}

func TestDisableSweepsByTagAndSparesOtherDeployments(t *testing.T) {
	e := newEnv(t)
	theirs := e.doc("other")
	theirs.Resources.ALBDNS = "other-alb-1.us-east-1.elb.amazonaws.com"
	e.mustRun(contract.ActionCreate, theirs)
	sameALB := e.deployed("third") // same origin as ours, tagged for another deployment
	mine := e.deployed("demo")

	// The ledger lost the id (e.g. a crash before the output was kept).
	doc := e.doc("demo")
	doc.Resources.ALBDNS = ""
	e.mustRun(contract.ActionDisable, doc)
	assert.Equal(t, mine.Resources.CloudFrontID, doc.Resources.CloudFrontID)
	assert.Equal(t, mine.Resources.CloudFrontARN, doc.Resources.CloudFrontARN)
	assert.False(t, aws.ToBool(e.get(mine.Resources.CloudFrontID).DistributionConfig.Enabled))
	assert.True(t, aws.ToBool(e.get(theirs.Resources.CloudFrontID).DistributionConfig.Enabled))
	assert.True(t, aws.ToBool(e.get(sameALB.Resources.CloudFrontID).DistributionConfig.Enabled))

	// The teardown deletes the one it found, and only that one.
	e.teardown(e.doc("demo"))
	assert.Len(t, e.distributions(), 2)
}

func TestSweepSkipsADistributionDeletedWhileListing(t *testing.T) {
	e := newEnv(t)
	e.deployed("demo")
	e.cloud.Inject(account.Fault{Service: "CloudFront", Operation: "ListTagsForResource", Code: "NoSuchResource", Status: 404})
	doc := e.doc("demo")
	e.mustRun(contract.ActionDisable, doc)
	assert.Empty(t, doc.Resources.CloudFrontID)
	assert.True(t, doc.Status[contract.StatusCloudFrontDelete].Done)
}

func TestDisableOfADisabledDistributionSkipsTheUpdate(t *testing.T) {
	e := newEnv(t)
	doc := e.deployed("demo")
	e.mustRun(contract.ActionDisable, doc)
	e.clock.Advance(2 * time.Minute)
	etag := e.etag(doc.Resources.CloudFrontID)

	e.mustRun(contract.ActionDisable, doc)
	assert.Equal(t, etag, e.etag(doc.Resources.CloudFrontID))
	assert.Equal(t, 0, doc.Status[contract.StatusCloudFrontDelete].NextPollSeconds)
	assert.Contains(t, doc.Progress.Message, "already disabled")
}

func (e *env) etag(id string) string {
	e.t.Helper()
	out, err := e.cf.GetDistribution(e.ctx, &sdkcf.GetDistributionInput{Id: aws.String(id)})
	require.NoError(e.t, err)
	return aws.ToString(out.ETag)
}

func TestPreconditionFailedIsRetriedOnceWithAFreshETag(t *testing.T) {
	tests := []struct {
		action, op string
		times      int
		wantErr    string
	}{
		{contract.ActionDisable, "UpdateDistribution", 1, ""},
		{contract.ActionDisable, "UpdateDistribution", 2, contract.ResourceBusy},
		// The deletion polls: a second stale ETag waits for the next poll.
		{contract.ActionDeleteStatus, "DeleteDistribution", 1, ""},
		{contract.ActionDeleteStatus, "DeleteDistribution", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+map[bool]string{true: "once", false: "twice"}[tt.times == 1], func(t *testing.T) {
			e := newEnv(t)
			doc := e.deployed("demo")
			if tt.action == contract.ActionDeleteStatus {
				e.mustRun(contract.ActionDisable, doc)
				e.clock.Advance(deletable)
			}
			e.cloud.Inject(account.Fault{Service: "CloudFront", Operation: tt.op, Code: "PreconditionFailed", Status: 412, Times: tt.times})
			err := e.run(tt.action, doc)
			if tt.wantErr == "" {
				require.NoError(t, err)
				if tt.action == contract.ActionDeleteStatus {
					assert.Equal(t, tt.times == 1, doc.Status[contract.StatusCloudFrontDelete].Done)
				}
				return
			}
			requireStepError(t, err, tt.wantErr, "PreconditionFailed")
		})
	}
}

func TestTeardownNamesAWSErrors(t *testing.T) {
	tests := []struct {
		action, op, code, name string
	}{
		{contract.ActionDisable, "ListDistributions", "AccessDenied", contract.CloudFrontDeleteFailed},
		{contract.ActionDisable, "GetDistributionConfig", "AccessDenied", contract.CloudFrontDeleteFailed},
		{contract.ActionDisable, "UpdateDistribution", "IllegalUpdate", contract.CloudFrontDeleteFailed},
		{contract.ActionDeleteStatus, "GetDistribution", "AccessDenied", contract.CloudFrontDeleteFailed},
		{contract.ActionDeleteStatus, "DeleteDistribution", "AccessDenied", contract.CloudFrontDeleteFailed},
		{contract.ActionDeleteStatus, "GetDistribution", "Throttling", contract.Throttled},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.op+" "+tt.code, func(t *testing.T) {
			e := newEnv(t)
			doc := e.deployed("demo")
			if tt.op == "ListDistributions" {
				doc = e.doc("demo") // force the sweep
			}
			if tt.op == "DeleteDistribution" {
				e.mustRun(contract.ActionDisable, doc)
				e.clock.Advance(deletable)
			}
			e.cloud.Inject(account.Fault{Service: "CloudFront", Operation: tt.op, Code: tt.code})
			c := requireStepError(t, e.run(tt.action, doc), tt.name, tt.code)
			assert.Equal(t, "cloudfront-"+tt.action, c.Step)
			if tt.code == "AccessDenied" {
				assert.Contains(t, c.Remediation, "cloudfront:DeleteDistribution")
			}
		})
	}
}

func TestDeleteStatusTimesOutNamingTheDistribution(t *testing.T) {
	e := newEnv(t, account.WithLatency("cloudfront.update", 2*time.Hour))
	doc := e.deployed("demo")
	e.mustRun(contract.ActionDisable, doc)
	e.clock.Advance(30 * time.Minute)
	c := requireStepError(t, e.run(contract.ActionDeleteStatus, doc), contract.Timeout, "")
	assert.Contains(t, c.Message, doc.Resources.CloudFrontID)
}

func TestDeleteStatusWaitsForEnabledFalseEvenWhenDeployed(t *testing.T) {
	e := newEnv(t)
	doc := e.deployed("demo")
	// Disable recorded, but the distribution reads enabled and Deployed
	// (a stale read, or someone re-enabled it): not done.
	doc.Deadlines = map[string]string{contract.StatusCloudFrontDelete: document.Timestamp(e.clock.Now().Add(time.Hour))}
	e.mustRun(contract.ActionDeleteStatus, doc)
	p := doc.Status[contract.StatusCloudFrontDelete]
	assert.False(t, p.Done)
	assert.True(t, aws.ToBool(p.Enabled))

	// An altered deadline restarts the wait rather than failing it.
	doc.Deadlines[contract.StatusCloudFrontDelete] = "bad"
	e.mustRun(contract.ActionDeleteStatus, doc)
	assert.Equal(t, document.Timestamp(e.clock.Now().Add(cloudfront.DisableWait.Timeout)), doc.Deadlines[contract.StatusCloudFrontDelete])
}

func TestRollbackReportsTheRollbackStage(t *testing.T) {
	e := newEnv(t)
	doc := e.deployed("demo")
	doc.Error = &document.Failure{Error: contract.Timeout, Cause: "{}"}
	e.mustRun(contract.ActionDisable, doc)
	assert.Equal(t, document.StageRollback, doc.Progress.Stage)
}

// deletable is how long after a disable CloudFront deletes the
// distribution: the update's 2 minutes, and at most 30 s of
// DistributionNotDisabled after it reads Deployed.
const deletable = 2*time.Minute + 30*time.Second

// teardown disables and deletes doc's distribution.
func (e *env) teardown(doc *document.Document) {
	e.t.Helper()
	e.mustRun(contract.ActionDisable, doc)
	e.clock.Advance(deletable)
	e.mustRun(contract.ActionDeleteStatus, doc)
	require.True(e.t, doc.Status[contract.StatusCloudFrontDelete].Done)
}

func TestRedeployAfterDeleteCreatesANewDistributionWithANewCallerReference(t *testing.T) {
	e := newEnv(t)
	first := e.deployed("demo")
	ref := aws.ToString(e.get(first.Resources.CloudFrontID).DistributionConfig.CallerReference)
	e.teardown(e.doc("demo"))
	require.Empty(t, e.distributions())

	again := e.doc("demo")
	again.Run = "run2" // the validate step of the redeploy records a new run
	e.mustRun(contract.ActionCreate, again)
	assert.NotEqual(t, first.Resources.CloudFrontID, again.Resources.CloudFrontID)
	assert.NotEqual(t, ref, aws.ToString(e.get(again.Resources.CloudFrontID).DistributionConfig.CallerReference),
		"CloudFront does not document that deleting a distribution frees its caller reference")
}

func TestTheSameDeploymentIDInAnotherRegionIsNeitherAdoptedNorDeleted(t *testing.T) {
	// inRegion is the deployment in region, in front of an ALB of its own
	// there.
	inRegion := func(e *env, region, run string) *document.Document {
		doc := e.doc("demo")
		doc.Request.Region, doc.Run = region, run
		doc.Resources.ALBDNS, doc.Resources.ListenerARN, _ = e.createALB(e.cloud.Config(region))
		return doc
	}
	t.Run("destroy in region B leaves region A's distribution", func(t *testing.T) {
		e := newEnv(t)
		a := e.deployed("demo") // ap-southeast-6
		b := inRegion(e, "me-west-1", "run2")
		e.mustRun(contract.ActionCreate, b)
		require.NotEqual(t, a.Resources.CloudFrontID, b.Resources.CloudFrontID)
		e.clock.Advance(4 * time.Minute)

		// A destroy in eu-west-1 from the request alone: same comment, same
		// deployment tag; only the region tag tells them apart.
		destroy := e.doc("demo")
		destroy.Request.Region, destroy.Run, destroy.Resources = "me-west-1", "", document.Ledger{}
		e.teardown(destroy)
		assert.Equal(t, []string{"CloudFront distribution " + b.Resources.CloudFrontID}, destroy.Removal.Deleted)
		left := e.distributions()
		require.Len(t, left, 1)
		assert.Equal(t, a.Resources.CloudFrontID, left[0].ID)
		assert.True(t, aws.ToBool(e.get(a.Resources.CloudFrontID).DistributionConfig.Enabled))
	})
	t.Run("the same run id in another region creates its own distribution", func(t *testing.T) {
		e := newEnv(t)
		a := e.deployed("demo")
		b := inRegion(e, "me-west-1", a.Run) // CallerReference is account-wide: the token carries the region
		e.mustRun(contract.ActionCreate, b)
		assert.NotEqual(t, a.Resources.CloudFrontID, b.Resources.CloudFrontID)
		assert.Len(t, e.distributions(), 2)
	})
}
