// Package cloudfront is the CloudFront step of Tier 3: it creates the distribution
// in front of the ALB once the ALB is active, reports its deployment, and
// on rollback or destroy disables it, waits for the disable to deploy and
// deletes it. Every action reads AWS once and returns; the state machine
// does the waiting.
//
// It imports document, steperr, awsapi, clock, step, the CloudFront and ELBv2
// SDK clients, and origin for the secret the load balancer's listener rule
// holds; never sim or engine.
package cloudfront

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// Step is the CloudFront step.
type Step struct{ step.Base }

// New returns the CloudFront step. Clients are built per call from the
// request's region: CloudFront is global, but its endpoint is its
// partition's, and the listener holding the origin secret is regional.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{step.New(family, cfg, c, log)}
}

func (s *Step) client(doc *document.Document) *cloudfront.Client {
	return cloudfront.NewFromConfig(s.Config(doc))
}

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{
		contract.ActionCreate:       s.create,
		contract.ActionStatus:       s.status,
		contract.ActionDisable:      s.disable,
		contract.ActionDeleteStatus: s.deleteStatus,
	}
}
