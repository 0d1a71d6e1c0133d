// Package validate is the first step of a deployment: the request has been
// checked and normalized when the document was decoded (document.Parse), so
// this step only records that, making the failure point of a bad request
// visible in the execution graph, and records the run id every later
// step's idempotency tokens derive from. It creates nothing.
//
// It imports document, steperr and clock.
package validate

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/step"
)

// Step validates requests.
type Step struct {
	region string
	clock  clock.Clock
	log    *slog.Logger
}

// New returns the step. It calls no AWS API; cfg tells the region the
// steps' clients work in.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{region: cfg.Region, clock: c, log: log}
}

// Actions returns the step's one action, validate.
func (s *Step) Actions() step.Actions {
	return step.Actions{contract.ActionValidate: s.Validate}
}

// Validate checks what the document alone cannot (the region the steps
// work in) and records the run id (unless the document has one) and the
// validated request's stage and progress.
func (s *Step) Validate(_ context.Context, doc *document.Document) error {
	if s.region != "" && doc.Request.Region != s.region {
		// One backend works in its own region: what its stack makes for
		// the steps (the GPU check document, the bus, the instance
		// boundary its IAM conditions name) is that region's.
		return steperr.New(contract.ValidationError, "validate",
			fmt.Sprintf("region: this GeuseMaker backend deploys into %s, the request asks for %s", s.region, doc.Request.Region),
			fmt.Sprintf("Set \"region\": %q in the request, or deploy the GeuseMaker stack in %s and start the deployment there.", s.region, doc.Request.Region))
	}
	if id := doc.Request.EFSID; id != "" {
		// A file system the request names is the user's. Mark it now: the
		// efs step runs inside a Parallel branch whose ledger is merged
		// shallowly with the other branch's, which would drop a mark made
		// there.
		doc.Resources.EFSID = id
		doc.Resources.MarkSupplied(document.KeyEFSID)
	}
	now := s.clock.Now()
	if doc.Run == "" {
		// The run id, recorded before anything exists: every idempotency
		// token of this run includes it. A retry of this step before the
		// document moved on picks a new one, harmlessly: nothing used it
		// yet. An id already there (set by the caller) is kept.
		doc.Run = document.NewRun(now)
	}
	// The deployment's start: every later report measures progress from it.
	doc.SetTiming(document.StageValidate, now, now)
	r := doc.Request
	doc.Report(now, document.StageValidate,
		fmt.Sprintf("Deploying %s (tier %s, %s) in %s", r.DeploymentID, r.Tier, r.InstanceType, r.Region), "")
	s.log.Info("request valid", "deployment_id", r.DeploymentID, "tier", r.Tier)
	return nil
}
