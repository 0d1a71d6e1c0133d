// Package validate is the first step of a deployment: the request has been
// checked and normalized when the document was decoded (document.Parse), so
// this step only records that, making the failure point of a bad request
// visible in the execution graph. It creates nothing.
//
// It imports document and clock.
package validate

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/clock"
	"geusemaker/internal/document"
)

// Step validates requests.
type Step struct {
	clock clock.Clock
	log   *slog.Logger
}

// New returns the step; cfg is unused (the step calls no AWS API) and taken
// for the same constructor shape as every other step.
func New(_ aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{clock: c, log: log}
}

// Actions returns the step's one action, validate.
func (s *Step) Actions() map[string]func(context.Context, *document.Document) error {
	return map[string]func(context.Context, *document.Document) error{"validate": s.Validate}
}

// Validate records the validated request's stage and progress.
func (s *Step) Validate(_ context.Context, doc *document.Document) error {
	now := document.Timestamp(s.clock.Now())
	if doc.Timings == nil {
		doc.Timings = map[string]document.Timing{}
	}
	doc.Timings[document.StageValidate] = document.Timing{StartedAt: now, EndedAt: now}
	r := doc.Request
	doc.Progress = &document.Progress{
		Stage:   document.StageValidate,
		Message: fmt.Sprintf("Deploying %s (tier %s, %s) in %s", r.DeploymentID, r.Tier, r.InstanceType, r.Region),
		Percent: 1,
	}
	s.log.Info("request valid", "deployment_id", r.DeploymentID, "tier", r.Tier)
	return nil
}
