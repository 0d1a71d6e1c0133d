package cloudfront

import (
	"fmt"
	"strings"
	"time"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/step"
)

// CloudFront error codes the step handles by name.
const (
	codeAccessDenied              = "AccessDenied"
	codeTooManyDistributions      = "TooManyDistributions"
	codeDistributionAlreadyExists = "DistributionAlreadyExists"
	codeInvalidOrigin             = "InvalidOrigin"
	codePreconditionFailed        = "PreconditionFailed"
	codeDistributionNotDisabled   = "DistributionNotDisabled"
	codeNoSuchResource            = "NoSuchResource"
)

// permissions is what the cloudfront Lambda's role needs; an AccessDenied names it.
const permissions = "cloudfront:CreateDistribution, cloudfront:TagResource, cloudfront:GetDistribution, " +
	"cloudfront:GetDistributionConfig, cloudfront:UpdateDistribution, cloudfront:DeleteDistribution, " +
	"cloudfront:ListDistributions, cloudfront:ListTagsForResource, cloudfront:CreateVpcOrigin, cloudfront:GetVpcOrigin, " +
	"cloudfront:DeleteVpcOrigin, cloudfront:ListVpcOrigins and elasticloadbalancing:DescribeRules"

// createRemediation says what to do about a failed create, by AWS code.
var createRemediation = map[string]string{
	codeTooManyDistributions: "The account has reached its CloudFront distribution quota (200 by default): delete unused distributions, " +
		"or request an increase of \"Web distributions per AWS account\" in Service Quotas, then deploy again.",
	codeAccessDenied: "The cloudfront Lambda's role lacks CloudFront permissions: grant " + permissions + ", then deploy again.",
	codeDistributionAlreadyExists: "A distribution was created earlier with this deployment's caller reference but is not tagged " +
		"geusemaker:deployment for it: delete that distribution (comment \"GeuseMaker CDN for <id>\") or use a new deployment_id.",
	codeInvalidOrigin: "CloudFront rejected the ALB's DNS name as an origin: check that the load balancer is internet-facing and active, then deploy again.",
}

// family names the step's failures CloudFrontCreateFailed, with the create
// remediations; teardown failures are deleteFailed's.
var family = step.Family{Name: contract.CloudFront, Error: contract.CloudFrontCreateFailed, Remediations: createRemediation}

// defaultCreateRemediation is for codes without a specific remedy.
const defaultCreateRemediation = "CloudFront refused the distribution: read the message and AWS error code, fix the cause, " +
	"then deploy again; rollback removes anything this run created."

// createFailed names a failed create or status call.
func createFailed(action string, err error) *steperr.Error {
	return family.AWSFailure(action, err, defaultCreateRemediation)
}

// deleteFailed names a failed teardown call.
func deleteFailed(action string, err error) *steperr.Error {
	r := "Deleting the CloudFront distribution failed: read the message and AWS error code, fix the cause, then run destroy again " +
		"(it resumes where it stopped)."
	if awsapi.Code(err) == codeAccessDenied {
		r = "The cloudfront Lambda's role lacks CloudFront permissions: grant " + permissions + ", then run destroy again."
	}
	return steperr.FromAWS(contract.CloudFrontDeleteFailed, family.StepName(action), err, r)
}

// busy names a delete CloudFront refuses for now; the state machine retries.
func busy(action string, err error) *steperr.Error {
	return family.ResourceBusy(action, err,
		"CloudFront is still propagating the distribution's last change; the step is retried until it can be deleted.")
}

// The checks below compare codes rather than modeled types: an error
// injected by the simulated AWS (and some proxies) carries the code
// without the SDK's type.

func isPreconditionFailed(err error) bool { return awsapi.Code(err) == codePreconditionFailed }

func isNotDisabled(err error) bool { return awsapi.Code(err) == codeDistributionNotDisabled }

func isAlreadyExists(err error) bool { return awsapi.Code(err) == codeDistributionAlreadyExists }

// timeoutDisabling names a disable that did not deploy by its deadline.
func timeoutDisabling(id, status string, deadline time.Time) *steperr.Error {
	return steperr.Timeout(family.StepName(contract.ActionDeleteStatus),
		fmt.Sprintf("the disable of CloudFront distribution %s (still %s) was", id, status), deadline,
		"CloudFront is slow to propagate the disable: run destroy again later; it finds the distribution by its tag and resumes.")
}

// timeoutCreating names a create wait (the VPC origin's, then the
// distribution's, both within cloudfront_timeout_minutes) past its deadline.
func timeoutCreating(what, status string, deadline time.Time) *steperr.Error {
	remedy := "CloudFront occasionally takes longer than usual: deploy again (the rollback removes what this run made), with " +
		"cloudfront_timeout_minutes at its most (30, the default), or with wait_for_cloudfront=false to finish once the distribution exists."
	if strings.HasPrefix(what, "VPC origin") {
		remedy = "A CloudFront VPC origin takes up to 15 minutes to deploy (AWS), sometimes more; the distribution is created only then. " +
			"Deploy again (the rollback removes what this run made), with cloudfront_timeout_minutes at its most (30, the default)."
	}
	return steperr.Timeout(family.StepName(contract.ActionStatus),
		fmt.Sprintf("CloudFront %s (recorded in the ledger for rollback, which deletes it) was still %s and", what, status),
		deadline, remedy)
}
