package iam

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
)

// delete removes the role from the instance profile, deletes the profile,
// detaches and deletes the role's policies and deletes the role — IAM's
// required order, each recorded in doc.Removal. A resource found
// by name but tagged for another deployment, or for the same deployment id
// in another region, is left alone.
func (s *Step) delete(ctx context.Context, doc *document.Document) error {
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "Deleting IAM role and instance profile...", doc.Request.InstanceProfileName())
	c := s.client(doc)
	if err := s.deleteInstanceProfile(ctx, c, doc); err != nil {
		return err
	}
	return s.deleteRole(ctx, c, doc)
}

// named returns the ledger's name, or the deterministic one when the
// ledger lost it (then the resource must carry the deployment's tag).
func named(ledger, deterministic string) (name string, fromLedger bool) {
	if ledger != "" {
		return ledger, true
	}
	return deterministic, false
}

// gone records a resource IAM does not have: already gone when the
// ledger named it (an earlier attempt of this teardown, whose record was
// lost with its failure, may have deleted it), else never created.
func gone(doc *document.Document, kind, name string, fromLedger bool) {
	if fromLedger {
		doc.Removed(kind+" "+name, true)
		return
	}
	doc.NeverCreated(kind)
}

func (s *Step) deleteInstanceProfile(ctx context.Context, c iamAPI, doc *document.Document) error {
	log := s.Logger(doc, contract.ActionDelete)
	name, fromLedger := named(doc.Resources.InstanceProfileName, doc.Request.InstanceProfileName())
	profile, err := findInstanceProfileByName(ctx, c, name)
	if err != nil {
		return family.AWSFailure(contract.ActionDelete, err, "Check that the role may call iam:GetInstanceProfile, then run destroy again.")
	}
	if profile == nil {
		gone(doc, "IAM instance profile", name, fromLedger)
		return nil
	}
	if o, region := owner(profile.Tags, doc.Request); !fromLedger && o != ours {
		log.Info("leaving instance profile of another owner", "resource", "instance_profile", "id", name, "owner_region", region)
		doc.Kept("IAM instance profile " + name + " (another deployment's)")
		return nil
	}
	for _, r := range profile.Roles {
		role := aws.ToString(r.RoleName)
		_, err := c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
			InstanceProfileName: aws.String(name), RoleName: aws.String(role),
		})
		if err != nil && !awsapi.IsNotFound(err) {
			return family.AWSFailure(contract.ActionDelete, fmt.Errorf("remove role %s from instance profile %s: %w", role, name, err),
				"Check that the role may call iam:RemoveRoleFromInstanceProfile, then run destroy again.")
		}
	}
	gone, err := awsapi.Gone(c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String(name)}))
	switch {
	case gone:
		doc.Removed("IAM instance profile "+name, true)
	case awsapi.Code(err) == codeDeleteConflict:
		// DeleteConflict: a role was added again between the removal and
		// the delete (a concurrent retry); the next attempt removes it.
		return family.ResourceBusy(contract.ActionDelete, fmt.Errorf("delete instance profile %s: %w", name, err), "The instance profile still holds a role; the state machine retries.")
	case err != nil:
		return family.AWSFailure(contract.ActionDelete, fmt.Errorf("delete instance profile %s: %w", name, err),
			"Check that the role may call iam:DeleteInstanceProfile, then run destroy again.")
	default:
		log.Info("deleted instance profile", "resource", "instance_profile", "id", name)
		doc.Removed("IAM instance profile "+name, false)
	}
	return nil
}

func (s *Step) deleteRole(ctx context.Context, c iamAPI, doc *document.Document) error {
	log := s.Logger(doc, contract.ActionDelete)
	name, fromLedger := named(doc.Resources.IAMRoleName, doc.Request.RoleName())
	role, err := findRoleByName(ctx, c, name)
	if err != nil {
		return family.AWSFailure(contract.ActionDelete, err, "Check that the role may call iam:GetRole, then run destroy again.")
	}
	if role == nil {
		gone(doc, "IAM role", name, fromLedger)
		return nil
	}
	if o, region := owner(role.Tags, doc.Request); !fromLedger && o != ours {
		log.Info("leaving role of another owner", "resource", "iam_role", "id", name, "owner_region", region)
		doc.Kept("IAM role " + name + " (another deployment's)")
		return nil
	}
	if err := s.removePolicies(ctx, c, name); err != nil {
		return err
	}
	gone, err := awsapi.Gone(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)}))
	switch {
	case gone:
		doc.Removed("IAM role "+name, true)
	case awsapi.Code(err) == codeDeleteConflict:
		// DeleteConflict: the role is still in an instance profile or has a
		// policy a concurrent attempt added; the next attempt clears it.
		return family.ResourceBusy(contract.ActionDelete, fmt.Errorf("delete role %s: %w", name, err), "The role is still in use; the state machine retries.")
	case err != nil:
		return family.AWSFailure(contract.ActionDelete, fmt.Errorf("delete role %s: %w", name, err),
			"Check that the role may call iam:DeleteRole, then run destroy again.")
	default:
		log.Info("deleted role", "resource", "iam_role", "id", name)
		doc.Removed("IAM role "+name, false)
	}
	return nil
}

// removePolicies detaches the role's managed policies and deletes its
// inline ones; one already gone is skipped.
func (s *Step) removePolicies(ctx context.Context, c iamAPI, role string) error {
	attached, err := attachedPolicies(ctx, c, role)
	if err != nil {
		return family.AWSFailure(contract.ActionDelete, err, "Check that the role may call iam:ListAttachedRolePolicies, then run destroy again.")
	}
	for _, policy := range attached {
		_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(policy)})
		if err != nil && !awsapi.IsNotFound(err) {
			return family.AWSFailure(contract.ActionDelete, fmt.Errorf("detach %s from role %s: %w", policy, role, err),
				"Check that the role may call iam:DetachRolePolicy, then run destroy again.")
		}
	}
	inline, err := inlinePolicies(ctx, c, role)
	if err != nil {
		return family.AWSFailure(contract.ActionDelete, err, "Check that the role may call iam:ListRolePolicies, then run destroy again.")
	}
	for _, policy := range inline {
		_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(policy)})
		if err != nil && !awsapi.IsNotFound(err) {
			return family.AWSFailure(contract.ActionDelete, fmt.Errorf("delete policy %s of role %s: %w", policy, role, err),
				"Check that the role may call iam:DeleteRolePolicy, then run destroy again.")
		}
	}
	return nil
}
