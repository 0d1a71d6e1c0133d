// Package ec2tag builds the EC2 tag specifications and filters the EC2
// steps (network, firewall, compute) share: every resource is tagged at
// creation with the deployment's tags and a Name, and found again by them.
//
// It imports document and the EC2 SDK types.
package ec2tag

import (
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/document"
)

// Specs tags resources of the given types at creation with the request's
// tags plus Name, so destroy finds them from the deployment id alone.
func Specs(req document.Request, name string, resourceTypes ...types.ResourceType) []types.TagSpecification {
	tags := req.Tags()
	tags["Name"] = name
	out := make([]types.TagSpecification, len(resourceTypes))
	for i, rt := range resourceTypes {
		out[i] = types.TagSpecification{ResourceType: rt, Tags: Tags(tags)}
	}
	return out
}

// Tags converts a tag map, sorted by key for stable requests.
func Tags(m map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
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
