package iam

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
)

// findRoleByName returns a role, or nil when it does not exist.
func findRoleByName(ctx context.Context, c iamAPI, name string) (*types.Role, error) {
	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get role %s: %w", name, err)
	}
	return out.Role, nil
}

// findInstanceProfileByName returns an instance profile, or nil when it
// does not exist.
func findInstanceProfileByName(ctx context.Context, c iamAPI, name string) (*types.InstanceProfile, error) {
	out, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get instance profile %s: %w", name, err)
	}
	return out.InstanceProfile, nil
}

// ownership is whose a role or instance profile is, by its tags.
type ownership int

const (
	// foreign: another deployment's, or not tagged by GeuseMaker.
	foreign ownership = iota
	// ours: this deployment id in this region.
	ours
	// otherRegion: the same deployment id in another region. IAM is
	// global, so the deterministic names of two regions' deployments of
	// one id collide; neither may adopt nor delete the other's.
	otherRegion
)

// owner reads the geusemaker:deployment and geusemaker:region tags of a
// resource found by its deterministic name. With otherRegion it also
// returns the region the tags name ("" when the resource predates the
// region tag). Only ours is ever adopted or deleted.
func owner(tags []types.Tag, req document.Request) (ownership, string) {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	switch {
	case m[document.TagDeployment] != req.DeploymentID:
		return foreign, ""
	case m[document.TagRegion] != req.Region:
		return otherRegion, m[document.TagRegion]
	}
	return ours, ""
}

// attachedPolicies lists the managed policies attached to a role.
func attachedPolicies(ctx context.Context, c iamAPI, role string) ([]string, error) {
	var arns []string
	p := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list policies attached to role %s: %w", role, err)
		}
		for _, ap := range out.AttachedPolicies {
			arns = append(arns, aws.ToString(ap.PolicyArn))
		}
	}
	return arns, nil
}

// inlinePolicies lists the names of a role's inline policies.
func inlinePolicies(ctx context.Context, c iamAPI, role string) ([]string, error) {
	var names []string
	p := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list inline policies of role %s: %w", role, err)
		}
		names = append(names, out.PolicyNames...)
	}
	return names, nil
}
