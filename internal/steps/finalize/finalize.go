// Package finalize is the last step of a deployment: it writes the URL n8n
// is reached at (through CloudFront in Tier 3, the ALB in Tier 2, the
// instance in Tier 1), closes the timings and reports the final progress.
// It also describes a caught failure for the failure events
// (describe_failure). It calls no AWS API.
//
// It imports document, steperr and clock; never sim or engine.
package finalize

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/step"
)

// stepName is the cause's step.
const stepName = "finalize"

// Step is the finalize step.
type Step struct {
	clock clock.Clock
	log   *slog.Logger
}

// New returns the step. It is stateless and calls no AWS API; it takes the
// config like every step so the Lambda mains and the local engine build all
// steps alike.
func New(_ aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{clock: c, log: log}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{contract.ActionFinalize: s.finalize, contract.ActionDescribeFailure: s.describeFailure}
}

// finalize writes n8n_url, closes the finalize timing, logs the stage
// durations and reports completion.
func (s *Step) finalize(_ context.Context, doc *document.Document) error {
	url, msg, err := endpoint(doc)
	if err != nil {
		return err
	}
	doc.Resources.N8NURL = url

	now := s.clock.Now()
	started, err := document.ParseTimestamp(doc.Timings[document.StageFinalize].StartedAt)
	if err != nil {
		started = now
	}
	doc.SetTiming(document.StageFinalize, started, now)

	attrs := []any{"deployment_id", doc.Request.DeploymentID, "n8n_url", url}
	for _, d := range Durations(doc.Timings) {
		attrs = append(attrs, d.Stage, d.Duration.String())
	}
	s.log.Info("deployment complete", attrs...)

	doc.Report(now, document.StageFinalize, msg, "")
	return nil
}

// describeFailure decodes the caught error's cause into doc.Error.Detail
// and writes the failure report (doc.Failure):
// a step's named cause (message, step, AWS error code and request id,
// remediation), or, for Step Functions' own errors, their text as the
// message. It never fails on the cause it reads.
func (s *Step) describeFailure(_ context.Context, doc *document.Document) error {
	if doc.Error == nil {
		return steperr.New(contract.InternalError, stepName+"-"+contract.ActionDescribeFailure, "no error at $.error to describe",
			"The state machine described a failure it had not caught: redeploy the stack so all steps come from one version.")
	}
	c, _ := doc.Error.DecodeCause()
	doc.Error.Detail = &c
	doc.Failure = &document.FailureReport{Error: doc.Error.Error, Cause: &c, Rollback: doc.Rollback}
	return nil
}

// endpoint is the URL of n8n and the final progress message for the
// deployment's tier.
func endpoint(doc *document.Document) (url, msg string, err error) {
	req, r := doc.Request, doc.Resources
	var key, value, scheme string
	switch {
	case req.EnableCDN:
		key, value, scheme = document.KeyCloudFrontDomain, r.CloudFrontDomain, "https://"
	case req.EnableALB:
		key, value, scheme = document.KeyALBDNS, r.ALBDNS, "http://"
	default:
		key, value, scheme = document.KeyPublicIP, r.PublicIP, "http://"
	}
	if value == "" {
		return "", "", steperr.New(contract.InternalError, stepName,
			"no "+key+" in the ledger to build n8n_url from",
			"The state machine reached finalize without the step that records "+key+": redeploy the stack so all steps come from one version.")
	}
	url = scheme + value
	if req.EnableCDN {
		return url, "CloudFront Domain: " + value, nil
	}
	return url, "n8n is available at " + url, nil
}

// StageDuration is how long one stage took.
type StageDuration struct {
	Stage    string
	Duration time.Duration
}

// Durations returns the duration of every stage with both a start and an
// end, in the order a deployment passes through them. Unreadable times
// are skipped: timings inform, they never fail a deployment.
func Durations(timings map[string]document.Timing) []StageDuration {
	var out []StageDuration
	for _, stage := range document.Stages() {
		t, ok := timings[stage]
		if !ok {
			continue
		}
		start, err1 := document.ParseTimestamp(t.StartedAt)
		end, err2 := document.ParseTimestamp(t.EndedAt)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, StageDuration{Stage: stage, Duration: end.Sub(start)})
	}
	return out
}
