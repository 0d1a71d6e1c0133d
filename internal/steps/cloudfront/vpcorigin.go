package cloudfront

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// A VPC origin ("Restrict access with VPC origins", CloudFront Developer
// Guide) lets CloudFront reach the internal ALB over AWS's network: the ALB
// has no public address at all. Its lifecycle: Deploying, Deployed (about
// 5 minutes, "up to 15"); a deleted one stays Deploying until GetVpcOrigin
// answers EntityNotFound. CloudFront refuses to delete it while a
// distribution names it (CannotDeleteEntityWhileInUse), so it goes after
// the distribution, and the ALB after it.
const (
	vpcOriginDeploying = "Deploying"
	vpcOriginDeployed  = "Deployed"
	// detailVPCOriginDeleting marks the cloudfront_delete poll once
	// DeleteVpcOrigin was accepted.
	detailVPCOriginDeleting = "VPC origin deleting"
)

// CloudFront error codes of VPC origins.
const (
	codeEntityNotFound      = "EntityNotFound"
	codeEntityAlreadyExists = "EntityAlreadyExists"
	codeInUse               = "CannotDeleteEntityWhileInUse"
	codeIllegalDelete       = "IllegalDelete"
	codeUnsupported         = "UnsupportedOperation"
)

// VPCOriginWait is the VPC origin's Deploying→Deployed, inside the create's
// timeout; VPCOriginDeleteWait its deletion, inside the disable's.
var (
	VPCOriginWait       = document.Wait{Typical: 5 * time.Minute}
	VPCOriginDeleteWait = document.Wait{Typical: 5 * time.Minute}
)

// vpcOriginInput is the VPC origin in front of the internal ALB: HTTP to
// its port-80 listener (the raw ALB name has no certificate of the
// user's), tagged for the deployment.
func vpcOriginInput(doc *document.Document) *cloudfront.CreateVpcOriginInput {
	req := doc.Request
	return &cloudfront.CreateVpcOriginInput{
		VpcOriginEndpointConfig: &types.VpcOriginEndpointConfig{
			Name:                 aws.String(req.VPCOriginName()),
			Arn:                  aws.String(doc.Resources.ALBARN),
			HTTPPort:             aws.Int32(80),
			HTTPSPort:            aws.Int32(443),
			OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly,
		},
		Tags: &types.Tags{Items: step.Tags(req, "", func(k, v string) types.Tag {
			return types.Tag{Key: aws.String(k), Value: aws.String(v)}
		})},
	}
}

// ensureVPCOrigin records the deployment's VPC origin: the one a previous
// attempt made (found by name, tagged for the deployment) or a new one.
// CreateVpcOrigin takes no idempotency token, so the look-up is what keeps
// a retried create from making a second.
func (s *Step) ensureVPCOrigin(ctx context.Context, cf *cloudfront.Client, doc *document.Document) error {
	r := &doc.Resources
	if r.ALBARN == "" {
		return family.Missing(contract.ActionCreate, document.KeyALBARN)
	}
	id, err := s.findVPCOrigin(ctx, cf, doc)
	if errors.Is(err, errDeleting) {
		// A redeploy right after a teardown: retried (ResourceBusy) until
		// CloudFront has deleted it and its name is free.
		return family.ResourceBusy(contract.ActionCreate, fmt.Errorf("VPC origin %s: %w", id, err),
			"CloudFront is still deleting the VPC origin an earlier run of this deployment made; the create is retried until it is gone.")
	}
	if err != nil {
		return createFailed(contract.ActionCreate, err)
	}
	if id != "" {
		r.VPCOriginID = id
		return nil
	}
	out, err := cf.CreateVpcOrigin(ctx, vpcOriginInput(doc))
	switch awsapi.Code(err) {
	case "":
		r.VPCOriginID = aws.ToString(out.VpcOrigin.Id)
		s.Log.Info("VPC origin created", "deployment_id", doc.Request.DeploymentID, "id", r.VPCOriginID, "alb", r.ALBARN)
		return nil
	case codeEntityAlreadyExists:
		// Made meanwhile by a concurrent attempt, or named so but not
		// tagged for this deployment: adopt the first, refuse the second.
		id, ferr := s.findVPCOrigin(ctx, cf, doc)
		if ferr != nil {
			return createFailed(contract.ActionCreate, ferr)
		}
		if id != "" {
			r.VPCOriginID = id
			return nil
		}
		return family.Failure(contract.ActionCreate,
			fmt.Sprintf("a VPC origin named %s exists and is not tagged for deployment %s in %s", doc.Request.VPCOriginName(), doc.Request.DeploymentID, doc.Request.Region),
			"Delete that VPC origin (CloudFront console, VPC origins) if nothing uses it, or deploy with another deployment_id.")
	case codeUnsupported:
		return family.AWSFailure(contract.ActionCreate, fmt.Errorf("create VPC origin for %s: %w", r.ALBARN, err),
			"CloudFront VPC origins are not offered in "+doc.Request.Region+": deploy in a region that has them (see the user guide's Tier 3 section).")
	}
	return createFailed(contract.ActionCreate, fmt.Errorf("create VPC origin for %s: %w", r.ALBARN, err))
}

// errDeleting is findVPCOrigin's answer for a VPC origin of the deployment
// that an earlier teardown is deleting: it stays Deploying until it is
// gone, and its name is taken until then.
var errDeleting = errors.New("the deployment's VPC origin of an earlier run is still being deleted")

// findVPCOrigin returns the id of the VPC origin named for the deployment
// and tagged for it, "" when there is none. One being deleted (Deploying,
// modified after its creation) is reported as errDeleting.
func (s *Step) findVPCOrigin(ctx context.Context, cf *cloudfront.Client, doc *document.Document) (string, error) {
	name := doc.Request.VPCOriginName()
	in := &cloudfront.ListVpcOriginsInput{}
	for {
		out, err := cf.ListVpcOrigins(ctx, in)
		if err != nil {
			return "", fmt.Errorf("list VPC origins: %w", err)
		}
		for _, o := range out.VpcOriginList.Items {
			if aws.ToString(o.Name) != name {
				continue
			}
			ok, err := taggedFor(ctx, cf, aws.ToString(o.Arn), doc.Request)
			switch {
			case err != nil:
				return "", err
			case ok && aws.ToString(o.Status) == vpcOriginDeploying && aws.ToTime(o.LastModifiedTime).After(aws.ToTime(o.CreatedTime)):
				return aws.ToString(o.Id), errDeleting
			case ok:
				return aws.ToString(o.Id), nil
			}
		}
		if !aws.ToBool(out.VpcOriginList.IsTruncated) {
			return "", nil
		}
		in.Marker = out.VpcOriginList.NextMarker
	}
}

// awaitVPCOrigin is the create's wait before the distribution exists: once
// the VPC origin is Deployed it creates the distribution (CloudFront takes
// a VPC origin only then), else it polls again.
func (s *Step) awaitVPCOrigin(ctx context.Context, cf *cloudfront.Client, doc *document.Document, now, deadline time.Time) error {
	r := &doc.Resources
	out, err := cf.GetVpcOrigin(ctx, &cloudfront.GetVpcOriginInput{Id: aws.String(r.VPCOriginID)})
	if err != nil {
		return createFailed(contract.ActionStatus, fmt.Errorf("get VPC origin %s: %w", r.VPCOriginID, err))
	}
	o := out.VpcOrigin
	if status := aws.ToString(o.Status); status != vpcOriginDeployed {
		if !now.Before(deadline) {
			return timeoutCreating("VPC origin "+r.VPCOriginID, status, deadline)
		}
		percent, next := VPCOriginWait.Pace(aws.ToTime(o.LastModifiedTime), deadline, now)
		doc.SetStatus(contract.StatusCloudFront, document.Poll{Status: status, Percent: percent / 3, NextPollSeconds: next})
		doc.Report(now, document.StageCDN, "Waiting for the CloudFront VPC origin...", r.VPCOriginID).StagePercent = percent / 3
		return nil
	}
	if err := s.createDistribution(ctx, doc); err != nil {
		return err
	}
	// The distribution's own wait starts now, within the create's deadline.
	_, next := DeployWait.Pace(now, deadline, now)
	p := document.Poll{Status: statusInProgress, Enabled: aws.Bool(true), NextPollSeconds: next}
	// Without waiting for CloudFront, the wait ends once the distribution
	// exists: the Watch workflow follows it.
	p.Done = !doc.Request.WaitForCloudFront
	doc.SetStatus(contract.StatusCloudFront, p)
	doc.Report(now, document.StageCDN, msgCreated+r.CloudFrontID, r.CloudFrontID).StagePercent = 33
	return nil
}

// removeVPCOrigin is the teardown's last CloudFront deletion, once the
// distribution is gone: it starts the VPC origin's deletion (deleting: the
// poll's Detail says it was accepted) and reports when it is over,
// recorded in doc.Removal.
//
// since is the VPC origin's last change (its creation, or the deletion's
// acceptance), which the next poll is paced from.
func (s *Step) removeVPCOrigin(ctx context.Context, cf *cloudfront.Client, doc *document.Document, deleting bool) (done, accepted bool, since time.Time, _ error) {
	r := &doc.Resources
	id := r.VPCOriginID
	since = s.Clock.Now()
	get := func() (*cloudfront.GetVpcOriginOutput, error) {
		return cf.GetVpcOrigin(ctx, &cloudfront.GetVpcOriginInput{Id: aws.String(id)})
	}
	var err error
	if deleting {
		var cur *cloudfront.GetVpcOriginOutput
		if cur, err = get(); err == nil {
			since = aws.ToTime(cur.VpcOrigin.LastModifiedTime)
			// A deletion accepted and then undone reads Deployed: ask again.
			deleting = aws.ToString(cur.VpcOrigin.Status) != vpcOriginDeployed
		}
	}
	if !deleting {
		err = retryStale(func() error {
			cur, err := get()
			if err == nil {
				since = aws.ToTime(cur.VpcOrigin.LastModifiedTime)
				var out *cloudfront.DeleteVpcOriginOutput
				if out, err = cf.DeleteVpcOrigin(ctx, &cloudfront.DeleteVpcOriginInput{Id: aws.String(id), IfMatch: cur.ETag}); err == nil {
					since = aws.ToTime(out.VpcOrigin.LastModifiedTime)
				}
			}
			return err
		})
	}
	switch code := awsapi.Code(err); {
	case code == codeEntityNotFound:
		doc.Removed("CloudFront VPC origin "+id, !deleting)
		r.VPCOriginID = ""
		doc.Report(s.Clock.Now(), doc.TeardownStage(), "CloudFront VPC origin "+id+" deleted", id)
		s.Log.Info("VPC origin deleted", "deployment_id", doc.Request.DeploymentID, "id", id)
		return true, deleting, since, nil
	case err == nil:
		return false, true, since, nil
	// The distribution's deletion is still reaching CloudFront
	// (CannotDeleteEntityWhileInUse), the origin still deploys from its
	// creation (IllegalDelete), or changes keep landing: all pass.
	case code == codeInUse, code == codeIllegalDelete, isPreconditionFailed(err):
		return false, false, since, nil
	}
	return false, deleting, since, deleteFailed(contract.ActionDeleteStatus, fmt.Errorf("delete VPC origin %s: %w", id, err))
}
