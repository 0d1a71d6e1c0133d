package cloudfront

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
)

// Progress messages of the wait for Deployed.
const (
	msgWaiting  = "Waiting for deployment..."
	msgDeployed = "CloudFront distribution deployed successfully"
)

// status reads the distribution once and reports whether it is Deployed.
func (s *Step) status(ctx context.Context, doc *document.Document) error {
	cf := s.client(doc)
	r := &doc.Resources
	now := s.Clock.Now()
	deadline := doc.Deadline(contract.StatusCloudFront, now, createTimeout(doc.Request))
	if r.CloudFrontID == "" {
		if r.VPCOriginID != "" {
			return s.awaitVPCOrigin(ctx, cf, doc, now, deadline)
		}
		return family.Failure(contract.ActionStatus,
			"no CloudFront distribution in the ledger (cloudfront_id) to wait for",
			"The state machine ran the CloudFront status before its create: redeploy the stack so both come from one version.")
	}
	out, err := cf.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(r.CloudFrontID)})
	if err != nil {
		return createFailed(contract.ActionStatus, fmt.Errorf("get distribution %s: %w", r.CloudFrontID, err))
	}
	d := out.Distribution
	r.CloudFrontDomain = aws.ToString(d.DomainName)
	if aws.ToString(d.Status) == statusDeployed {
		doc.SetStatus(contract.StatusCloudFront, document.Poll{
			Status: statusDeployed, Done: true, Percent: 100, Enabled: d.DistributionConfig.Enabled,
		})
		doc.Report(now, document.StageCDN, msgDeployed, r.CloudFrontID).StagePercent = 100
		s.Log.Info(msgDeployed, "deployment_id", doc.Request.DeploymentID, "id", r.CloudFrontID, "domain", r.CloudFrontDomain)
		return nil
	}
	if !now.Before(deadline) {
		return timeoutCreating("distribution "+r.CloudFrontID, aws.ToString(d.Status), deadline)
	}
	p := waitPoll(d, now, deadline, DeployWait)
	doc.SetStatus(contract.StatusCloudFront, p)
	// The overall percent is the deployment's; CloudFront's own estimate,
	// never 100 before Deployed, is the stage's.
	doc.Report(now, document.StageCDN, msgWaiting, r.CloudFrontID).StagePercent = stagePercent(doc, p.Percent)
	s.Log.Debug("distribution not deployed yet", "id", r.CloudFrontID, "status", p.Status, "percent", p.Percent)
	return nil
}

// stagePercent is the CloudFront stage's estimate from the distribution's:
// behind a VPC origin, whose wait is the stage's first third, its last two.
func stagePercent(doc *document.Document, percent int) int {
	if doc.Request.PrivateOrigin() {
		return 33 + percent*2/3
	}
	return percent
}
