package cloudfront

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"geusemaker/internal/document"
)

// Distribution statuses (GetDistribution's Status): InProgress while a
// change propagates, Deployed once every edge location has it.
const (
	statusInProgress = "InProgress"
	statusDeployed   = "Deployed"
)

// The step's waits (read-only), paced by document.Pace from the
// distribution's LastModifiedTime, when CloudFront began the change.
var (
	// DeployWait: create→Deployed took 166 s (Terraform) to 232 s
	// (CloudFormation) in 2026 public measurements. Its timeout is the
	// longest a request may ask for (see createTimeout).
	// A first look after a minute catches the fast ones (a minute is not
	// rare) and shows "Waiting for deployment..." with its estimate.
	DeployWait = document.Wait{Typical: 3 * time.Minute, Timeout: document.MaxCloudFrontTimeoutMinutes * time.Minute, Early: time.Minute}
	// DisableWait: disable→Deployed takes about 2 min; it is bounded like
	// the longest create wait, as disabling is no faster.
	DisableWait = document.Wait{Typical: 2 * time.Minute, Timeout: document.MaxCloudFrontTimeoutMinutes * time.Minute, Early: time.Minute}
)

// createTimeout is how long the wait for Deployed may last: the request's
// cloudfront_timeout_minutes, or its default for a document built without
// document.Parse.
func createTimeout(req document.Request) time.Duration {
	m := req.CloudFrontTimeoutMinutes
	if m <= 0 {
		m = document.DefaultCloudFrontTimeoutMinutes
	}
	return time.Duration(m) * time.Minute
}

// waitPoll is a not-yet-done poll of distribution d in wait w.
func waitPoll(d *types.Distribution, now, deadline time.Time, w document.Wait) document.Poll {
	percent, next := w.Pace(aws.ToTime(d.LastModifiedTime), deadline, now)
	return document.Poll{
		Status:          aws.ToString(d.Status),
		Enabled:         d.DistributionConfig.Enabled,
		Percent:         percent,
		NextPollSeconds: next,
	}
}
