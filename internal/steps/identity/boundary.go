package identity

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// The permissions boundary of every instance role. The backend's stack
// creates it (infra/stack), and the identity Lambda may create a role, or
// change a role's policies, only with this boundary on it: whoever holds
// that Lambda's credentials can mint no role with more than an instance
// needs. An IAM policy name is account-wide, so the name carries the
// region of the backend that owns it.
const BoundaryPath = "/geusemaker/"

// BoundaryName is the boundary policy's name in region.
func BoundaryName(region string) string { return "GeuseMakerInstanceBoundary-" + region }

// BoundaryDocument is the most an instance role may ever do: read
// GeuseMaker secrets, be a Systems Manager managed instance (Run Command,
// Session Manager), and be an EFS client. The role's own policies narrow
// it to its deployment's secret and file system.
func BoundaryDocument(partition string) string {
	return mustJSON(policyDocument{Version: policyVersion, Statement: []statement{
		{Sid: "ReadGeuseMakerSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"},
			Resource: "arn:" + partition + ":secretsmanager:*:*:secret:geusemaker/*"},
		// The actions of AmazonSSMManagedInstanceCore.
		{Sid: "ManagedInstance", Effect: "Allow", Resource: "*", Action: []string{
			"ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
			"ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters",
			"ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems",
			"ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
			"ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
			"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage",
			"ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint",
			"ec2messages:GetMessages", "ec2messages:SendReply",
		}},
		{Sid: "EFSClient", Effect: "Allow", Resource: "arn:" + partition + ":elasticfilesystem:*:*:file-system/*", Action: []string{
			"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:DescribeMountTargets",
		}},
	}})
}

// boundaryARN finds the boundary the backend's stack made for region, or
// "" when there is none (the local engine on an account without the
// backend: the caller's own permissions are the only limit there).
func boundaryARN(ctx context.Context, c iamAPI, region string) (string, error) {
	name := BoundaryName(region)
	p := iam.NewListPoliciesPaginator(c, &iam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal, PathPrefix: aws.String(BoundaryPath)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list policies under %s: %w", BoundaryPath, err)
		}
		for _, pol := range page.Policies {
			if aws.ToString(pol.PolicyName) == name {
				return aws.ToString(pol.Arn), nil
			}
		}
	}
	return "", nil
}
