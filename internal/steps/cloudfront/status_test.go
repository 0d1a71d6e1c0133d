package cloudfront_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
)

func TestStatusEstimatesProgressAndPollsJustAfterTheExpectedTransition(t *testing.T) {
	e := newEnv(t)
	doc := e.doc("demo")
	e.mustRun(contract.ActionCreate, doc)

	// The create ran at the deployment's start (no validate timing): the
	// overall percent runs against Tier 3's 9 minutes, the stage percent
	// against CloudFront's 3.
	tests := []struct {
		advance   time.Duration
		overall   int
		stage     int
		nextPoll  int
		wantDone  bool
		wantMsg   string
		wantState string
	}{
		{time.Minute, 10, 30, 122, false, "Waiting for deployment...", "InProgress"},
		{time.Minute + 59*time.Second, 29, 89, 3, false, "Waiting for deployment...", "InProgress"},
		{time.Second, 30, 100, 0, true, "CloudFront distribution deployed successfully", "Deployed"},
	}
	for _, tt := range tests {
		e.clock.Advance(tt.advance)
		e.mustRun(contract.ActionStatus, doc)
		p := doc.Status[contract.StatusCloudFront]
		assert.Equal(t, tt.wantDone, p.Done)
		assert.Equal(t, tt.stage, p.Percent)
		assert.Equal(t, tt.nextPoll, p.NextPollSeconds)
		assert.Equal(t, tt.wantState, p.Status)
		require.NotNil(t, p.Enabled)
		assert.True(t, *p.Enabled)
		assert.Equal(t, tt.wantMsg, doc.Progress.Message)
		assert.Equal(t, tt.overall, doc.Progress.Percent)
		assert.Equal(t, tt.stage, doc.Progress.StagePercent)
	}
	assert.Equal(t, doc.Resources.CloudFrontDomain, doc.Progress.CloudFrontDomain)
	assert.Equal(t, document.StageCDN, doc.Progress.Stage)
}

func TestStatusNeverReports100BeforeDeployedAndBacksOffLate(t *testing.T) {
	e := newEnv(t, account.WithLatency("cloudfront.deploy", time.Hour))
	doc := e.doc("demo")
	e.mustRun(contract.ActionCreate, doc)
	e.clock.Advance(10 * time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	p := doc.Status[contract.StatusCloudFront]
	assert.False(t, p.Done)
	assert.Equal(t, 98, p.Percent)
	assert.Equal(t, 98, doc.Progress.StagePercent)
	assert.Less(t, doc.Progress.Percent, 100, "only finalize completes the deployment")
	assert.Equal(t, 30, p.NextPollSeconds, "a long tail backs off to the longest interval")

	// The last poll lands at most a second past the deadline.
	e.clock.Advance(19*time.Minute + 55*time.Second)
	e.mustRun(contract.ActionStatus, doc)
	assert.Equal(t, 6, doc.Status[contract.StatusCloudFront].NextPollSeconds)
}

func TestStatusAfterFinalizeKeepsTheDeploymentComplete(t *testing.T) {
	// wait_for_cloudfront=false: the watcher polls the finalized document;
	// the deployment stays at 100 while CloudFront's estimate moves.
	e := newEnv(t)
	doc := e.doc("demo")
	e.mustRun(contract.ActionCreate, doc)
	doc.Timings[document.StageFinalize] = document.Timing{StartedAt: document.Timestamp(e.clock.Now()), EndedAt: document.Timestamp(e.clock.Now())}
	e.clock.Advance(time.Minute)
	e.mustRun(contract.ActionStatus, doc)
	assert.Equal(t, 100, doc.Progress.Percent)
	assert.Equal(t, 30, doc.Progress.StagePercent)
}

func TestStatusPastTheDeadlineIsATimeoutNamingTheDistribution(t *testing.T) {
	e := newEnv(t, account.WithLatency("cloudfront.deploy", time.Hour))
	doc := e.doc("demo")
	doc.Request.CloudFrontTimeoutMinutes = 5
	e.mustRun(contract.ActionCreate, doc)
	e.clock.Advance(5 * time.Minute)

	c := requireStepError(t, e.run(contract.ActionStatus, doc), contract.Timeout, "")
	assert.Contains(t, c.Message, doc.Resources.CloudFrontID)
	assert.Contains(t, c.Message, "recorded in the ledger for rollback")
	assert.Equal(t, "cloudfront-status", c.Step)
	assert.NotEmpty(t, doc.Resources.CloudFrontID, "the id survives the timeout")
}

func TestStatusWithoutARecordedDeadlineStartsOne(t *testing.T) {
	e := newEnv(t)
	doc := e.doc("demo")
	e.mustRun(contract.ActionCreate, doc)
	doc.Deadlines = nil
	doc.Request.CloudFrontTimeoutMinutes = 0 // a document not built by document.Parse
	e.mustRun(contract.ActionStatus, doc)
	assert.Equal(t, document.Timestamp(account.Epoch.Add(30*time.Minute)), doc.Deadlines[contract.StatusCloudFront])

	// An altered deadline restarts the wait rather than failing it.
	e.clock.Advance(time.Minute)
	doc.Deadlines[contract.StatusCloudFront] = "soon"
	e.mustRun(contract.ActionStatus, doc)
	assert.Equal(t, document.Timestamp(account.Epoch.Add(31*time.Minute)), doc.Deadlines[contract.StatusCloudFront])
}

func TestStatusFailures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*env, *document.Document)
		err   string
		code  string
	}{
		{"nothing recorded", func(_ *env, d *document.Document) { d.Resources.CloudFrontID = "" }, contract.CloudFrontCreateFailed, ""},
		{"distribution gone", func(_ *env, d *document.Document) { d.Resources.CloudFrontID = "EDOESNOTEXIST1" }, contract.CloudFrontCreateFailed, "NoSuchDistribution"},
		{"access denied", func(e *env, _ *document.Document) {
			e.cloud.Inject(account.Fault{Service: "CloudFront", Operation: "GetDistribution", Code: "AccessDenied"})
		}, contract.CloudFrontCreateFailed, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			doc := e.doc("demo")
			e.mustRun(contract.ActionCreate, doc)
			tt.setup(e, doc)
			requireStepError(t, e.run(contract.ActionStatus, doc), tt.err, tt.code)
		})
	}
}
