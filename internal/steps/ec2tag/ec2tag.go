// Package ec2tag builds the EC2 tag specifications and filters the EC2
// steps (network, firewall, compute) share: every resource is tagged at
// creation with the deployment's tags and a Name, and found again by them.
//
// It imports document, step and the EC2 SDK types.
package ec2tag

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// Specs tags resources of the given types at creation with the request's
// tags plus Name, so destroy finds them from the deployment id alone.
func Specs(req document.Request, name string, resourceTypes ...types.ResourceType) []types.TagSpecification {
	tags := step.Tags(req, name, func(k, v string) types.Tag {
		return types.Tag{Key: aws.String(k), Value: aws.String(v)}
	})
	out := make([]types.TagSpecification, len(resourceTypes))
	for i, rt := range resourceTypes {
		out[i] = types.TagSpecification{ResourceType: rt, Tags: tags}
	}
	return out
}

// Filter is an EC2 describe filter.
func Filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

// Deployment selects the resources tagged for this deployment only.
func Deployment(req document.Request) types.Filter {
	return Filter("tag:"+document.TagDeployment, req.DeploymentID)
}
