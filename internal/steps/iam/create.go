package iam

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// trustPolicy lets EC2 assume the role for the instance.
func trustPolicy() string {
	return contract.MustJSON(contract.PolicyDocument{Version: contract.PolicyVersion, Statement: []contract.Statement{{
		Effect: "Allow", Principal: map[string]string{"Service": "ec2.amazonaws.com"}, Action: []string{"sts:AssumeRole"},
	}}})
}

// efsClientPolicy grants what amazon-efs-utils needs on one file system,
// the same actions as PolicyEFSClient.
func efsClientPolicy(fileSystemARN string) string {
	return contract.MustJSON(contract.PolicyDocument{Version: contract.PolicyVersion, Statement: []contract.Statement{{
		Sid: "EFSClientAccess", Effect: "Allow", Resource: fileSystemARN,
		Action: []string{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:DescribeMountTargets"},
	}}})
}

// secretReadPolicy lets the instance read the deployment's secret at boot,
// that one secret only.
func secretReadPolicy(secretARN string) string {
	return contract.MustJSON(contract.PolicyDocument{Version: contract.PolicyVersion, Statement: []contract.Statement{{
		Sid: "ReadWorkloadSecret", Effect: "Allow", Resource: secretARN, Action: []string{"secretsmanager:GetSecretValue"},
	}}})
}

// checkSecretARN accepts only the ARN of the request's own secret in its
// region: the document is the Lambda's input, and a policy must not grant
// whatever ARN (or wildcard) it holds.
func checkSecretARN(s string, req document.Request) error {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "secretsmanager" || a.Region != req.Region ||
		!strings.HasPrefix(a.Resource, "secret:"+req.SecretName()+"-") || strings.ContainsAny(a.Resource, "*?") {
		return fmt.Errorf("secret_arn %q is not the ARN of secret %s in %s", s, req.SecretName(), req.Region)
	}
	return nil
}

// iamTags are the deployment's tags plus Name, sorted so every attempt
// sends the same request.
func iamTags(r document.Request, name string) []types.Tag {
	return step.Tags(r, name, func(k, v string) types.Tag {
		return types.Tag{Key: aws.String(k), Value: aws.String(v)}
	})
}

// create makes the role, its policies and the instance profile holding it.
// Each is found by its deterministic name on a retry.
func (s *Step) create(ctx context.Context, doc *document.Document) error {
	c := s.client(doc)
	role, err := s.ensureRole(ctx, c, doc)
	if err != nil {
		return err
	}
	if err := s.grantPolicies(ctx, c, doc, role); err != nil {
		return err
	}
	profile, err := s.ensureInstanceProfile(ctx, c, doc)
	if err != nil {
		return err
	}
	if err := s.addRole(ctx, c, doc, profile); err != nil {
		return err
	}
	doc.Report(s.Clock.Now(), document.StageIdentity, "IAM role and instance profile ready", doc.Resources.InstanceProfileName)
	return nil
}

// ensureRole creates the role, or adopts the deployment's own after an
// earlier attempt, and records it.
func (s *Step) ensureRole(ctx context.Context, c iamAPI, doc *document.Document) (*types.Role, error) {
	name := doc.Request.RoleName()
	boundary, err := boundaryARN(ctx, c, doc.Request.Region)
	if err != nil {
		return nil, family.AWSFailure(contract.ActionCreate, err, "Check that the iam Lambda may call iam:ListPolicies, then retry.")
	}
	if boundary == "" {
		s.Logger(doc, contract.ActionCreate).Warn("no permissions boundary for the instance role: the backend's stack creates it",
			"resource", "iam_role", "boundary", contract.BoundaryPath+contract.BoundaryName(doc.Request.Region))
	}
	in := &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(trustPolicy()),
		Description:              aws.String("GeuseMaker instance role of deployment " + doc.Request.DeploymentID),
		Tags:                     iamTags(doc.Request, name),
	}
	if boundary != "" {
		in.PermissionsBoundary = aws.String(boundary)
	}
	out, err := c.CreateRole(ctx, in)
	var role *types.Role
	switch {
	case awsapi.Code(err) == codeEntityAlreadyExists:
		role, err = findRoleByName(ctx, c, name)
		if err != nil {
			return nil, family.AWSFailure(contract.ActionCreate, err, "Check that the iam Lambda may call iam:GetRole, then retry.")
		}
		if role == nil {
			return nil, notAdoptable("role", name, nil, doc.Request)
		}
		if err := notAdoptable("role", name, role.Tags, doc.Request); err != nil {
			return nil, err
		}
		// The Lambda may change only a role under the boundary: one
		// without it (an older GeuseMaker's) cannot be given its policies.
		if boundary != "" && (role.PermissionsBoundary == nil || aws.ToString(role.PermissionsBoundary.PermissionsBoundaryArn) != boundary) {
			return nil, family.Failure(contract.ActionCreate,
				fmt.Sprintf("role %s exists without the permissions boundary %s (made by an older GeuseMaker)", name, boundary),
				"Destroy the deployment (or delete the role in the IAM console), then deploy again: the new role gets the boundary.")
		}
	case err != nil:
		return nil, family.AWSFailure(contract.ActionCreate, fmt.Errorf("create role %s: %w", name, err),
			"Check the iam Lambda's IAM permissions and the account's IAM quotas, then retry.")
	default:
		role = out.Role
		s.Logger(doc, contract.ActionCreate).Info("created role", "resource", "iam_role", "id", name)
	}
	doc.Resources.IAMRoleName = name
	return role, nil
}

// grantPolicies attaches Systems Manager access and grants EFS client
// access: inline and scoped to the file system when its id is known, else
// through the managed policy. Both calls are idempotent in IAM.
func (s *Step) grantPolicies(ctx context.Context, c iamAPI, doc *document.Document, role *types.Role) error {
	name := aws.ToString(role.RoleName)
	secretARN := doc.Resources.SecretARN
	if secretARN == "" {
		return family.Missing(contract.ActionCreate, document.KeySecretARN)
	}
	if err := checkSecretARN(secretARN, doc.Request); err != nil {
		return family.Failure(contract.ActionCreate, err.Error(), "The document's ledger was altered: deploy again from a clean request.")
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(name), PolicyName: aws.String(InlineSecretPolicy), PolicyDocument: aws.String(secretReadPolicy(secretARN)),
	}); err != nil {
		return family.AWSFailure(contract.ActionCreate, fmt.Errorf("put policy %s on role %s: %w", InlineSecretPolicy, name, err),
			"Check that the iam Lambda may call iam:PutRolePolicy, then retry.")
	}
	attach := []string{PolicySSM}
	if doc.Resources.EFSID == "" {
		attach = append(attach, PolicyEFSClient)
	} else {
		fsARN, err := fileSystemARN(aws.ToString(role.Arn), doc.Request.Region, doc.Resources.EFSID)
		if err != nil {
			return family.Failure(contract.ActionCreate, err.Error(), "IAM returned an unexpected role ARN: report a bug with the cause's message.")
		}
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(name), PolicyName: aws.String(InlineEFSPolicy), PolicyDocument: aws.String(efsClientPolicy(fsARN)),
		}); err != nil {
			return family.AWSFailure(contract.ActionCreate, fmt.Errorf("put policy %s on role %s: %w", InlineEFSPolicy, name, err),
				"Check that the iam Lambda may call iam:PutRolePolicy, then retry.")
		}
	}
	roleARN, err := arn.Parse(aws.ToString(role.Arn))
	if err != nil {
		return family.Failure(contract.ActionCreate, fmt.Sprintf("IAM returned role ARN %q: %v", aws.ToString(role.Arn), err),
			"IAM returned an unexpected role ARN: report a bug with the cause's message.")
	}
	for _, managed := range attach {
		policy := ManagedPolicyARN(roleARN.Partition, managed)
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(policy)}); err != nil {
			return family.AWSFailure(contract.ActionCreate, fmt.Errorf("attach %s to role %s: %w", policy, name, err),
				"Check that the iam Lambda may call iam:AttachRolePolicy, then retry.")
		}
	}
	return nil
}

// fileSystemARN builds the file system's ARN in the role's partition and
// account.
func fileSystemARN(roleARN, region, fsID string) (string, error) {
	a, err := arn.Parse(roleARN)
	if err != nil {
		return "", fmt.Errorf("parse role ARN %q: %w", roleARN, err)
	}
	return arn.ARN{Partition: a.Partition, Service: "elasticfilesystem", Region: region, AccountID: a.AccountID,
		Resource: "file-system/" + fsID}.String(), nil
}

// ensureInstanceProfile creates the instance profile, or adopts the
// deployment's own after an earlier attempt, and records it.
func (s *Step) ensureInstanceProfile(ctx context.Context, c iamAPI, doc *document.Document) (*types.InstanceProfile, error) {
	name := doc.Request.InstanceProfileName()
	out, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{
		InstanceProfileName: aws.String(name), Tags: iamTags(doc.Request, name),
	})
	var profile *types.InstanceProfile
	switch {
	case awsapi.Code(err) == codeEntityAlreadyExists:
		profile, err = findInstanceProfileByName(ctx, c, name)
		if err != nil {
			return nil, family.AWSFailure(contract.ActionCreate, err, "Check that the iam Lambda may call iam:GetInstanceProfile, then retry.")
		}
		if profile == nil {
			return nil, notAdoptable("instance profile", name, nil, doc.Request)
		}
		if err := notAdoptable("instance profile", name, profile.Tags, doc.Request); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, family.AWSFailure(contract.ActionCreate, fmt.Errorf("create instance profile %s: %w", name, err),
			"Check the iam Lambda's IAM permissions and the account's IAM quotas, then retry.")
	default:
		profile = out.InstanceProfile
		s.Logger(doc, contract.ActionCreate).Info("created instance profile", "resource", "instance_profile", "id", name)
	}
	doc.Resources.InstanceProfileName = name
	return profile, nil
}

// notAdoptable returns nil when the existing role or instance profile
// (kind) named name, with tags, is this deployment's in this region, and
// otherwise the IdentityFailed that says whose it is. Nothing is created
// before the role, so a deployment id in use in another region fails here,
// before the run has anything to roll back.
func notAdoptable(kind, name string, tags []types.Tag, req document.Request) error {
	o, region := owner(tags, req)
	switch o {
	case ours:
		return nil
	case otherRegion:
		where := region
		if where == "" {
			where = "another region (its " + kind + " predates the " + document.TagRegion + " tag)"
		}
		return family.Failure(contract.ActionCreate,
			fmt.Sprintf("deployment id %s is in use in region %s: %s %s is that deployment's, and IAM names are global", req.DeploymentID, where, kind, name),
			fmt.Sprintf("Choose another deployment_id, or destroy deployment %s in %s first, then retry.", req.DeploymentID, where))
	}
	return family.Failure(contract.ActionCreate, fmt.Sprintf("%s %s exists but is not deployment %s's", kind, name, req.DeploymentID),
		fmt.Sprintf("Delete or rename the existing %s, or choose another deployment_id, then retry.", kind))
}

// addRole puts the role in the profile unless it is there already: IAM
// answers LimitExceeded to adding any role to a profile that holds one,
// the same role included.
func (s *Step) addRole(ctx context.Context, c iamAPI, doc *document.Document, profile *types.InstanceProfile) error {
	role, name := doc.Resources.IAMRoleName, aws.ToString(profile.InstanceProfileName)
	if len(profile.Roles) > 0 {
		held := aws.ToString(profile.Roles[0].RoleName)
		if held == role {
			return nil
		}
		return family.Failure(contract.ActionCreate, fmt.Sprintf("instance profile %s holds role %s, not %s", name, held, role),
			"Remove that role from the instance profile (or delete the profile), then retry.")
	}
	_, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{
		InstanceProfileName: aws.String(name), RoleName: aws.String(role),
	})
	if awsapi.Code(err) == codeLimitExceeded {
		// A retried add whose first reply was lost: the role is in.
		if p, ferr := findInstanceProfileByName(ctx, c, name); ferr == nil && p != nil && len(p.Roles) > 0 && aws.ToString(p.Roles[0].RoleName) == role {
			return nil
		}
	}
	if err != nil {
		return family.AWSFailure(contract.ActionCreate, fmt.Errorf("add role %s to instance profile %s: %w", role, name, err),
			"Check that the iam Lambda may call iam:AddRoleToInstanceProfile and iam:PassRole, then retry.")
	}
	s.Logger(doc, contract.ActionCreate).Info("added role to instance profile", "resource", "instance_profile", "id", name, "role", role)
	return nil
}
