package cloudfront

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/origin"
)

// Progress messages of the create, as the original tool wrote them. One
// invocation returns one document, so the document carries msgCreated;
// msgCreating is logged before the call.
const (
	msgCreating = "Creating CloudFront distribution..."
	msgCreated  = "CloudFront distribution created: "
)

// create makes the distribution in front of the ALB and records it in the
// ledger before anything waits on it, then starts the wait for Deployed.
// Behind a VPC origin (Request.PrivateOrigin) it makes the VPC origin
// instead: status creates the distribution once that has deployed.
func (s *Step) create(ctx context.Context, doc *document.Document) error {
	r := &doc.Resources
	now := s.Clock.Now()
	if doc.Request.PrivateOrigin() && r.CloudFrontID == "" {
		if err := s.ensureVPCOrigin(ctx, s.client(doc), doc); err != nil {
			return err
		}
		deadline := doc.StartWait(contract.StatusCloudFront, now, createTimeout(doc.Request))
		_, next := VPCOriginWait.Pace(now, deadline, now)
		doc.SetStatus(contract.StatusCloudFront, document.Poll{Status: vpcOriginDeploying, NextPollSeconds: next})
		doc.Report(now, document.StageCDN, "CloudFront VPC origin created: "+r.VPCOriginID, r.VPCOriginID)
		return nil
	}
	if r.CloudFrontID == "" {
		if err := s.createDistribution(ctx, doc); err != nil {
			return err
		}
	}
	deadline := doc.StartWait(contract.StatusCloudFront, now, createTimeout(doc.Request))
	p := document.Wait{Typical: DeployWait.Typical, Timeout: createTimeout(doc.Request), Early: DeployWait.Early}.Pending(statusInProgress, deadline, now)
	p.Enabled = aws.Bool(true)
	doc.SetStatus(contract.StatusCloudFront, p)
	doc.Report(now, document.StageCDN, msgCreated+r.CloudFrontID, r.CloudFrontID)
	return nil
}

// createDistribution creates the distribution, or adopts the one an
// earlier attempt created, and records it.
func (s *Step) createDistribution(ctx context.Context, doc *document.Document) error {
	cf := s.client(doc)
	req, r := doc.Request, &doc.Resources
	if r.ALBDNS == "" {
		return family.Failure(contract.ActionCreate,
			"no ALB DNS name in the ledger (alb_dns): CloudFront needs the ALB as its origin",
			"The ALB must be active before CloudFront is created: run the load balancer steps first (tier gpu does so in order).")
	}
	header, value, err := origin.Secret(ctx, elb.NewFromConfig(s.Config(doc)), r.ListenerARN)
	if err != nil {
		return steperr.FromAWS(contract.CloudFrontCreateFailed, family.StepName(contract.ActionCreate), err,
			"CloudFront must send the secret header the ALB's listener rule checks: make sure the load balancer step created "+
				"the listener and its http-header rule (listener_arn in the ledger), then deploy again.")
	}
	s.Log.Info(msgCreating, "deployment_id", req.DeploymentID, "origin", r.ALBDNS)

	out, err := cf.CreateDistributionWithTags(ctx, &cloudfront.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: distributionConfig(doc, r.ALBDNS, originSecret{header: header, value: value}),
	})
	switch {
	case err == nil:
		d := out.Distribution
		record(r, aws.ToString(d.Id), aws.ToString(d.ARN), aws.ToString(d.DomainName))
	case isAlreadyExists(err):
		// DistributionAlreadyExists: the caller reference was used before
		// with a different config (a new ALB or secret since the first
		// attempt). The distribution is this deployment's if its tag says
		// so: adopt it rather than leak it.
		if err := s.adopt(ctx, cf, doc, err); err != nil {
			return err
		}
	default:
		return createFailed(contract.ActionCreate, fmt.Errorf("create distribution for %s: %w", r.ALBDNS, err))
	}
	s.Log.Info("distribution created", "deployment_id", req.DeploymentID, "id", r.CloudFrontID, "domain", r.CloudFrontDomain)
	return nil
}

// adopt records the deployment's existing distribution after
// DistributionAlreadyExists (cause), or fails naming it.
func (s *Step) adopt(ctx context.Context, cf *cloudfront.Client, doc *document.Document, cause error) error {
	req, r := doc.Request, &doc.Resources
	d, err := findDistribution(ctx, cf, req, r.ALBDNS)
	if err != nil {
		return createFailed(contract.ActionCreate, err)
	}
	if d == nil {
		return createFailed(contract.ActionCreate, fmt.Errorf("create distribution for %s: no distribution tagged for %s in %s found: %w",
			r.ALBDNS, req.DeploymentID, req.Region, cause))
	}
	record(r, aws.ToString(d.Id), aws.ToString(d.ARN), aws.ToString(d.DomainName))
	if !hasOrigin(d, r.ALBDNS) {
		s.Log.Warn("adopted distribution's origin is not the current ALB", "deployment_id", req.DeploymentID, "id", r.CloudFrontID)
	}
	return nil
}
