package cloudfront

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
)

// sweep returns the id of the deployment's distribution: the ledger's, or
// one found by tag (recorded in the ledger), or "" when there is none.
func (s *Step) sweep(ctx context.Context, cf *cloudfront.Client, doc *document.Document, action string) (string, error) {
	r := &doc.Resources
	if r.CloudFrontID != "" {
		return r.CloudFrontID, nil
	}
	d, err := findDistribution(ctx, cf, doc.Request, r.ALBDNS)
	if err != nil {
		return "", deleteFailed(action, err)
	}
	if d == nil {
		return "", nil
	}
	record(r, aws.ToString(d.Id), aws.ToString(d.ARN), aws.ToString(d.DomainName))
	s.Log.Info("found distribution by tag", "deployment_id", doc.Request.DeploymentID, "id", r.CloudFrontID)
	return r.CloudFrontID, nil
}

// retryStale runs op, and runs it once more when CloudFront answers
// PreconditionFailed: the ETag op read went stale before op used it
// (another change landed in between), and op reads a fresh one.
func retryStale(op func() error) error {
	err := op()
	if isPreconditionFailed(err) {
		err = op()
	}
	return err
}

// disable turns the distribution off (CloudFront deletes only disabled,
// deployed distributions) and starts the wait for that change to deploy.
func (s *Step) disable(ctx context.Context, doc *document.Document) error {
	cf := s.client(doc)
	id, err := s.sweep(ctx, cf, doc, contract.ActionDisable)
	if err != nil {
		return err
	}
	r := &doc.Resources
	if doc.Request.PrivateOrigin() && r.VPCOriginID == "" {
		if r.VPCOriginID, err = s.findVPCOrigin(ctx, cf, doc); err != nil && !errors.Is(err, errDeleting) {
			return deleteFailed(contract.ActionDisable, err)
		}
		if r.VPCOriginID == "" {
			doc.NeverCreated("CloudFront VPC origin")
		}
	}
	now := s.Clock.Now()
	deadline := doc.StartWait(contract.StatusCloudFrontDelete, now, DisableWait.Timeout)
	if id == "" {
		doc.NeverCreated("CloudFront distribution")
		if r.VPCOriginID != "" {
			// A VPC origin without a distribution (a rollback before
			// it existed): delete_status deletes it.
			doc.SetStatus(contract.StatusCloudFrontDelete, document.Poll{Status: vpcOriginDeploying, NextPollSeconds: 1})
			doc.Report(now, doc.TeardownStage(), "Deleting CloudFront VPC origin "+r.VPCOriginID+"...", r.VPCOriginID)
			return nil
		}
		doc.SetStatus(contract.StatusCloudFrontDelete, document.Poll{Done: true, Detail: "no distribution"})
		doc.Report(now, doc.TeardownStage(), "No CloudFront distribution to delete", "")
		return nil
	}
	var changed, gone bool
	err = retryStale(func() error {
		cur, err := cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
		if err != nil {
			return err
		}
		if !aws.ToBool(cur.DistributionConfig.Enabled) {
			return nil
		}
		cur.DistributionConfig.Enabled = aws.Bool(false)
		_, err = cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{
			Id: aws.String(id), IfMatch: cur.ETag, DistributionConfig: cur.DistributionConfig,
		})
		changed = err == nil
		return err
	})
	switch {
	case awsapi.IsNotFound(err):
		gone = true
	case isPreconditionFailed(err):
		return busy(contract.ActionDisable, fmt.Errorf("disable distribution %s: %w", id, err))
	case err != nil:
		return deleteFailed(contract.ActionDisable, fmt.Errorf("disable distribution %s: %w", id, err))
	}
	poll := DisableWait.Pending(statusInProgress, deadline, now)
	poll.Enabled = aws.Bool(false)
	msg := "Disabling CloudFront distribution " + id + "..."
	switch {
	case gone:
		poll = document.Poll{Done: true, Detail: "already deleted"}
		msg = "CloudFront distribution " + id + " is already deleted"
	case !changed:
		// Already disabled: the next poll may find it Deployed at once.
		poll.NextPollSeconds = 0
		msg = "CloudFront distribution " + id + " is already disabled"
	}
	doc.SetStatus(contract.StatusCloudFrontDelete, poll)
	doc.Report(now, doc.TeardownStage(), msg, id)
	s.Log.Info(msg, "deployment_id", doc.Request.DeploymentID, "id", id)
	return nil
}

// deleteStatus polls the teardown: once the disable has deployed it
// deletes the distribution, then the VPC origin (which CloudFront refuses
// to delete while a distribution names it), and waits for that to finish;
// each is recorded in doc.Removal.
func (s *Step) deleteStatus(ctx context.Context, doc *document.Document) error {
	cf := s.client(doc)
	r := &doc.Resources
	now := s.Clock.Now()
	deadline := doc.Deadline(contract.StatusCloudFrontDelete, now, DisableWait.Timeout)
	if r.CloudFrontID != "" {
		gone, err := s.removeDistribution(ctx, cf, doc, now, deadline)
		if err != nil || !gone {
			return err
		}
		if r.VPCOriginID != "" {
			// The VPC origin at the next poll: a failure of its calls in
			// this invocation would lose the record of the distribution's
			// deletion with the invocation's document.
			doc.SetStatus(contract.StatusCloudFrontDelete, document.Poll{Status: vpcOriginDeployed, NextPollSeconds: 1})
			return nil
		}
	}
	if r.VPCOriginID != "" {
		id := r.VPCOriginID
		done, deleting, since, err := s.removeVPCOrigin(ctx, cf, doc, doc.Status[contract.StatusCloudFrontDelete].Detail == detailVPCOriginDeleting)
		if err != nil || done {
			if err == nil {
				doc.SetStatus(contract.StatusCloudFrontDelete, document.Poll{Status: "Deleted", Done: true, Percent: 100})
			}
			return err
		}
		if !now.Before(deadline) {
			return steperr.Timeout(family.StepName(contract.ActionDeleteStatus), "the deletion of CloudFront VPC origin "+id+" was", deadline,
				"CloudFront is slow to delete the VPC origin: run destroy again later; it finds the VPC origin by its name and tags and resumes.")
		}
		// Paced from the deletion's acceptance, or while CloudFront still
		// refuses it, from the origin's creation (it deletes only once
		// deployed).
		wait := VPCOriginWait
		if deleting {
			wait = VPCOriginDeleteWait
		}
		p := document.Poll{Status: vpcOriginDeploying}
		p.Percent, p.NextPollSeconds = wait.Pace(since, deadline, now)
		if deleting {
			p.Detail = detailVPCOriginDeleting
		}
		doc.SetStatus(contract.StatusCloudFrontDelete, p)
		doc.Report(now, doc.TeardownStage(), "Deleting CloudFront VPC origin "+id+"...", id).StagePercent = p.Percent
		return nil
	}
	doc.SetStatus(contract.StatusCloudFrontDelete, document.Poll{Status: "Deleted", Done: true, Percent: 100})
	return nil
}

// removeDistribution deletes the distribution once its disable has
// deployed (Status Deployed and Enabled false, both, as a read right after
// the update can still show the old state), with an ETag read just before;
// until then it records the poll.
func (s *Step) removeDistribution(ctx context.Context, cf *cloudfront.Client, doc *document.Document, now, deadline time.Time) (gone bool, _ error) {
	r := &doc.Resources
	id := r.CloudFrontID
	deleted := func(alreadyGone bool) (bool, error) {
		doc.Removed("CloudFront distribution "+id, alreadyGone)
		record(r, "", "", "")
		doc.Report(now, doc.TeardownStage(), "CloudFront distribution "+id+" deleted", id)
		s.Log.Info("distribution deleted", "deployment_id", doc.Request.DeploymentID, "id", id, "already_gone", alreadyGone)
		return true, nil
	}
	out, err := cf.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if awsapi.IsNotFound(err) {
		return deleted(true)
	}
	if err != nil {
		return false, deleteFailed(contract.ActionDeleteStatus, fmt.Errorf("get distribution %s: %w", id, err))
	}
	d := out.Distribution
	if aws.ToString(d.Status) == statusDeployed && !aws.ToBool(d.DistributionConfig.Enabled) {
		err = retryStale(func() error {
			cur, err := cf.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
			if err != nil {
				return err
			}
			_, err = cf.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(id), IfMatch: cur.ETag})
			return err
		})
		switch {
		case err == nil, awsapi.IsNotFound(err):
			return deleted(err != nil)
		// DistributionNotDisabled: the disable has not reached every edge
		// yet (reads run ahead of it); a second PreconditionFailed means
		// changes keep landing. Both pass with time: poll again.
		case !isNotDisabled(err) && !isPreconditionFailed(err):
			return false, deleteFailed(contract.ActionDeleteStatus, fmt.Errorf("delete distribution %s: %w", id, err))
		}
	}
	if !now.Before(deadline) {
		return false, timeoutDisabling(id, aws.ToString(d.Status), deadline)
	}
	p := waitPoll(d, now, deadline, DisableWait)
	doc.SetStatus(contract.StatusCloudFrontDelete, p)
	doc.Report(now, doc.TeardownStage(), "Waiting for CloudFront distribution "+id+" to be disabled...", id).StagePercent = p.Percent
	s.Log.Debug("distribution not deletable yet", "id", id, "status", p.Status)
	return false, nil
}
