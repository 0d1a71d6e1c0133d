package cloudfront

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
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
	if r.CloudFrontID == "" {
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
	now := s.Clock.Now()
	if aws.ToString(d.Status) == statusDeployed {
		doc.SetStatus(contract.StatusCloudFront, document.Poll{
			Status: statusDeployed, Done: true, Percent: 100, Enabled: d.DistributionConfig.Enabled,
		})
		doc.Report(now, document.StageCDN, msgDeployed, r.CloudFrontID).StagePercent = 100
		s.Log.Info(msgDeployed, "deployment_id", doc.Request.DeploymentID, "id", r.CloudFrontID, "domain", r.CloudFrontDomain)
		return nil
	}
	deadline := doc.Deadline(contract.StatusCloudFront, now, createTimeout(doc.Request))
	if !now.Before(deadline) {
		return steperr.Timeout(family.StepName(contract.ActionStatus),
			fmt.Sprintf("CloudFront distribution %s (recorded in the ledger for rollback, which disables and deletes it) was still %s and",
				r.CloudFrontID, aws.ToString(d.Status)),
			deadline,
			"CloudFront occasionally takes longer than usual: deploy again with a larger cloudfront_timeout_minutes (at most 30), "+
				"or with wait_for_cloudfront=false to finish without waiting.")
	}
	p := waitPoll(d, now, deadline, DeployWait)
	doc.SetStatus(contract.StatusCloudFront, p)
	// The overall percent is the deployment's; CloudFront's own estimate,
	// never 100 before Deployed, is the stage's.
	doc.Report(now, document.StageCDN, msgWaiting, r.CloudFrontID).StagePercent = p.Percent
	s.Log.Debug("distribution not deployed yet", "id", r.CloudFrontID, "status", p.Status, "percent", p.Percent)
	return nil
}
