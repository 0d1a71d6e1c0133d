package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
)

// The CloudFront family's states (the cloudfront Lambda): in Tier 3 once the load
// balancer is active, and in every rollback and destroy.

// createDistribution announces the distribution, creates it with the ALB's
// DNS name as origin, and, unless the request does not wait, polls it
// until Deployed. Behind a VPC origin the create makes the VPC origin and
// the poll creates the distribution once that has deployed, so the poll
// runs until the distribution exists even when the request does not wait.
func (b *builder) createDistribution(al lane) sfn.Chain {
	return sfn.Chain_Start(b.announce("Publish creating distribution", contract.DetailProgress, map[string]any{
		"deployment_id": sfn.JsonPath_StringAt(jsii.String("$.request.deployment_id")),
		"tier":          sfn.JsonPath_StringAt(jsii.String("$.request.tier")),
		"stage":         document.StageCDN,
		"message":       "Creating CloudFront distribution...",
		"percent":       sfn.JsonPath_NumberAt(jsii.String("$.progress.percent")),
	})).
		// ResourceBusy: a VPC origin of an earlier run still being deleted.
		Next(al.invoke("Create distribution", contract.CloudFront, contract.ActionCreate, retryBusy)).
		Next(al.progress("Publish distribution created", cloudFrontFields)).
		Next(b.when("Wait for CloudFront?", sfn.Condition_Or(isTrue("$.request.wait_for_cloudfront"),
			sfn.Condition_Not(sfn.Condition_IsPresent(jsii.String("$.resources.cloudfront_id")))),
			al.poll(contract.StatusCloudFront, "CloudFront", contract.CloudFront, contract.ActionStatus,
				al.progress("Publish CloudFront progress", cloudFrontFields))))
}

// deleteDistribution disables the distribution, then polls while the
// disable deploys, the distribution is deleted, and then its VPC origin.
func (b *builder) deleteDistribution(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Disable distribution", contract.CloudFront, contract.ActionDisable, retryBusy)).
		Next(b.when("Distribution recorded?", sfn.Condition_Or(
			sfn.Condition_IsPresent(jsii.String("$.resources.cloudfront_id")),
			sfn.Condition_IsPresent(jsii.String("$.resources.vpc_origin_id"))),
			l.poll(contract.StatusCloudFrontDelete, "CloudFront deletion", contract.CloudFront, contract.ActionDeleteStatus)))
}
