// Package iam owns the instance's IAM role and instance profile: a
// role EC2 may assume, with Systems Manager access, EFS client access
// (scoped to the deployment's file system when its id is known) and read
// access to the deployment's one secret, placed in
// an instance profile; and their deletion on rollback and destroy.
//
// Actions: create, delete. No status keys: IAM answers at once; the delay
// before EC2 can use a fresh profile is the compute step's to retry
// (InstanceProfileNotReady).
//
// It imports document, steperr, awsapi, clock, step and the SDK's IAM client;
// never sim or engine.
package iam

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// Policies of the instance role.
const (
	// PolicySSM lets the instance register with Systems Manager (GPU check,
	// Session Manager instead of SSH): an AWS managed policy's name (its
	// ARN is in the role's partition: ManagedPolicyARN).
	PolicySSM = "AmazonSSMManagedInstanceCore"
	// PolicyEFSClient is EFS client read/write access to every file system,
	// used when the file system's id is not known yet.
	PolicyEFSClient = "AmazonElasticFileSystemClientReadWriteAccess"
	// InlineEFSPolicy names the inline policy granting client access to the
	// deployment's file system only.
	InlineEFSPolicy = "geusemaker-efs-client"
	// InlineSecretPolicy names the inline policy that lets the instance
	// read the deployment's secret (and no other).
	InlineSecretPolicy = "geusemaker-workload-secret"
)

// iamAPI is what the step calls on IAM.
type iamAPI interface {
	CreateRole(context.Context, *iam.CreateRoleInput, ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	DeleteRole(context.Context, *iam.DeleteRoleInput, ...func(*iam.Options)) (*iam.DeleteRoleOutput, error)
	AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	DetachRolePolicy(context.Context, *iam.DetachRolePolicyInput, ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error)
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	PutRolePolicy(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	DeleteRolePolicy(context.Context, *iam.DeleteRolePolicyInput, ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)
	ListRolePolicies(context.Context, *iam.ListRolePoliciesInput, ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
	CreateInstanceProfile(context.Context, *iam.CreateInstanceProfileInput, ...func(*iam.Options)) (*iam.CreateInstanceProfileOutput, error)
	iam.ListPoliciesAPIClient
	GetInstanceProfile(context.Context, *iam.GetInstanceProfileInput, ...func(*iam.Options)) (*iam.GetInstanceProfileOutput, error)
	AddRoleToInstanceProfile(context.Context, *iam.AddRoleToInstanceProfileInput, ...func(*iam.Options)) (*iam.AddRoleToInstanceProfileOutput, error)
	RemoveRoleFromInstanceProfile(context.Context, *iam.RemoveRoleFromInstanceProfileInput, ...func(*iam.Options)) (*iam.RemoveRoleFromInstanceProfileOutput, error)
	DeleteInstanceProfile(context.Context, *iam.DeleteInstanceProfileInput, ...func(*iam.Options)) (*iam.DeleteInstanceProfileOutput, error)
}

// Step is the iam Lambda's logic.
type Step struct{ step.Base }

// New returns the iam step. Clients are built per call from the
// request's region: IAM is global, but its endpoint is its partition's.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{step.New(family, cfg, c, log)}
}

func (s *Step) client(doc *document.Document) iamAPI { return iam.NewFromConfig(s.Config(doc)) }

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{
		contract.ActionCreate: s.create,
		contract.ActionDelete: s.delete,
	}
}

// ManagedPolicyARN is the ARN of the AWS managed policy name in
// partition ("aws", "aws-cn", "aws-us-gov"): AWS managed policies live in
// each partition under its own prefix.
func ManagedPolicyARN(partition, name string) string {
	return "arn:" + partition + ":iam::aws:policy/" + name
}
