package iam

import (
	"context"
	"fmt"
	"geusemaker/internal/contract"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// boundaryARN finds the boundary the backend's stack made for region, or
// "" when there is none (the local engine on an account without the
// backend: the caller's own permissions are the only limit there).
func boundaryARN(ctx context.Context, c iamAPI, region string) (string, error) {
	name := contract.BoundaryName(region)
	p := iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, PathPrefix: aws.String(contract.BoundaryPath)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list policies under %s: %w", contract.BoundaryPath, err)
		}
		for _, pol := range page.Policies {
			if aws.ToString(pol.PolicyName) == name {
				return aws.ToString(pol.Arn), nil
			}
		}
	}
	return "", nil
}
