package cdn

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
)

// Distribution statuses (GetDistribution's Status): InProgress while a
// change propagates, Deployed once every edge location has it.
const (
	statusInProgress = "InProgress"
	statusDeployed   = "Deployed"
)

const (
	// expectedDeploy is how long create→Deployed usually takes: 166 s
	// (Terraform) to 232 s (CloudFormation) in 2026 public measurements.
	expectedDeploy = 3 * time.Minute
	// expectedDisable is how long disable→Deployed usually takes.
	expectedDisable = 2 * time.Minute
	// pollSlack makes the first poll land just after the expected
	// transition rather than just before it.
	pollSlack = 5 * time.Second
	// tightPoll is the poll interval once the expected time has passed.
	tightPoll = 15 * time.Second
	// deleteTimeout bounds the wait for a disable to deploy: the longest
	// create wait a request may ask for, as disabling is no faster.
	deleteTimeout = document.MaxCloudFrontTimeoutMinutes * time.Minute
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

// estimate is progress through a wait that usually lasts expected: it
// reaches 99 at a third past expected and 100 only when done.
func estimate(elapsed, expected time.Duration) int {
	typical := expected + expected/3
	return max(0, min(99, int(elapsed*100/typical)))
}

// nextPoll is how long the state machine waits before polling again: just
// past the expected transition, then every tightPoll, never past the
// deadline by more than a second (so a timeout is reported promptly).
func nextPoll(elapsed, expected, untilDeadline time.Duration) int {
	d := tightPoll
	if elapsed < expected {
		d = expected - elapsed + pollSlack
	}
	d = min(d, untilDeadline+time.Second)
	return max(1, int((d+time.Second-1)/time.Second))
}

// startWait writes the deadline of a wait that starts now.
func startWait(doc *document.Document, key string, now time.Time, timeout time.Duration) time.Time {
	if doc.Deadlines == nil {
		doc.Deadlines = map[string]string{}
	}
	deadline := now.Add(timeout)
	doc.Deadlines[key] = document.Timestamp(deadline)
	return deadline
}

// deadline reads the deadline of a wait; a wait whose start was never
// recorded starts now.
func deadline(doc *document.Document, key string, now time.Time, timeout time.Duration, action string) (time.Time, error) {
	s, ok := doc.Deadlines[key]
	if !ok {
		return startWait(doc, key, now, timeout), nil
	}
	t, err := document.ParseTimestamp(s)
	if err != nil {
		return time.Time{}, steperr.New(steperr.InternalError, stepName(action),
			fmt.Sprintf("deadlines.%s %q is not an RFC3339 time: %v", key, s, err),
			"The deployment document was altered: restore deadlines."+key+" or remove it to restart the wait.")
	}
	return t, nil
}

// waitPoll is a not-yet-done poll of distribution d.
func waitPoll(d *types.Distribution, now, deadline time.Time, expected time.Duration) document.Poll {
	elapsed := now.Sub(aws.ToTime(d.LastModifiedTime))
	return document.Poll{
		Status:          aws.ToString(d.Status),
		Enabled:         d.DistributionConfig.Enabled,
		Percent:         estimate(elapsed, expected),
		NextPollSeconds: nextPoll(elapsed, expected, deadline.Sub(now)),
	}
}
