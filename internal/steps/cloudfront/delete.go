package cloudfront

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
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
	now := s.Clock.Now()
	deadline := doc.StartWait(contract.StatusCloudFrontDelete, now, DisableWait.Timeout)
	if id == "" {
		doc.SetStatus(contract.StatusCloudFrontDelete, document.Poll{Done: true, Detail: "no distribution"})
		doc.Report(now, doc.TeardownStage(), "No CloudFront distribution to delete", "")
		doc.NeverCreated("CloudFront distribution")
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

// deleteStatus reports whether the disable has deployed: Status Deployed
// and Enabled false, both, as a read right after the update can still
// show the old state.
func (s *Step) deleteStatus(ctx context.Context, doc *document.Document) error {
	cf := s.client(doc)
	id := doc.Resources.CloudFrontID
	if id == "" {
		doc.SetStatus(contract.StatusCloudFrontDelete, document.Poll{Done: true, Detail: "no distribution"})
		return nil
	}
	out, err := cf.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if awsapi.IsNotFound(err) {
		doc.SetStatus(contract.StatusCloudFrontDelete, document.Poll{Done: true, Detail: "already deleted"})
		return nil
	}
	if err != nil {
		return deleteFailed(contract.ActionDeleteStatus, fmt.Errorf("get distribution %s: %w", id, err))
	}
	d := out.Distribution
	now := s.Clock.Now()
	if aws.ToString(d.Status) == statusDeployed && !aws.ToBool(d.DistributionConfig.Enabled) {
		doc.SetStatus(contract.StatusCloudFrontDelete, document.Poll{
			Status: statusDeployed, Done: true, Percent: 100, Enabled: aws.Bool(false),
		})
		doc.Report(now, doc.TeardownStage(), "CloudFront distribution "+id+" is disabled", id).StagePercent = 100
		return nil
	}
	deadline := doc.Deadline(contract.StatusCloudFrontDelete, now, DisableWait.Timeout)
	if !now.Before(deadline) {
		return timeoutDisabling(id, aws.ToString(d.Status), deadline)
	}
	p := waitPoll(d, now, deadline, DisableWait)
	doc.SetStatus(contract.StatusCloudFrontDelete, p)
	doc.Report(now, doc.TeardownStage(), "Waiting for CloudFront distribution "+id+" to be disabled...", id).StagePercent = p.Percent
	s.Log.Debug("distribution not disabled yet", "id", id, "status", p.Status)
	return nil
}

// delete removes the disabled distribution, with an ETag read just before,
// and records it in doc.Removal.
func (s *Step) delete(ctx context.Context, doc *document.Document) error {
	cf := s.client(doc)
	id, err := s.sweep(ctx, cf, doc, contract.ActionDelete)
	if err != nil {
		return err
	}
	if id == "" {
		doc.NeverCreated("CloudFront distribution")
		return nil
	}
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
		doc.Removed("CloudFront distribution "+id, err != nil)
	// DistributionNotDisabled: still enabled, or the disable has not
	// finished deploying (reads can run ahead of the edge); and a second
	// PreconditionFailed means changes keep landing. Both pass with time.
	case isNotDisabled(err), isPreconditionFailed(err):
		return busy(contract.ActionDelete, fmt.Errorf("delete distribution %s: %w", id, err))
	default:
		return deleteFailed(contract.ActionDelete, fmt.Errorf("delete distribution %s: %w", id, err))
	}
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "CloudFront distribution "+id+" deleted", id)
	s.Log.Info("distribution deleted", "deployment_id", doc.Request.DeploymentID, "id", id)
	return nil
}
