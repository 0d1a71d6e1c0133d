package iam

import (
	"geusemaker/internal/contract"
	"geusemaker/internal/steps/step"
)

// AWS error codes the step handles by name. Codes, not types: the modeled
// type and a bare API error with the same code (as a proxy or an injected
// fault gives) must be handled alike.
const (
	codeEntityAlreadyExists    = "EntityAlreadyExists"
	codeDeleteConflict         = "DeleteConflict"
	codeLimitExceeded          = "LimitExceeded"
	codeConcurrentModification = "ConcurrentModification"
	codeAccessDenied           = "AccessDenied"
	codeNoSuchEntity           = "NoSuchEntity"
	codeMalformedPolicy        = "MalformedPolicyDocument"
)

var remediations = map[string]string{
	codeAccessDenied: "Grant the iam Lambda's role iam:CreateRole, iam:GetRole, iam:TagRole, iam:AttachRolePolicy, iam:PutRolePolicy, " +
		"iam:CreateInstanceProfile, iam:GetInstanceProfile, iam:TagInstanceProfile and iam:AddRoleToInstanceProfile (and their delete " +
		"counterparts) on role/<deployment>-* and instance-profile/<deployment>-*; the compute Lambda also needs iam:PassRole on the role. Then retry.",
	codeLimitExceeded: "An IAM quota is reached (1,000 roles or instance profiles per account by default): delete unused roles " +
		"and instance profiles or request a quota increase, then retry.",
	codeNoSuchEntity: "An IAM entity the step needs is missing: a managed policy absent from this partition, or the role or " +
		"instance profile deleted while the step ran. Retry; if it persists, deploy in a commercial AWS region.",
	codeMalformedPolicy: "IAM rejected a policy GeuseMaker generated: report a bug with the cause's message.",
}

// family names the step's failures IdentityFailed, with remediations by AWS code.
// ConcurrentModification: IAM refuses a change while another one to the
// same entity is in flight; it clears within seconds.
var family = step.Family{Name: contract.IAM, Error: contract.IdentityFailed, Remediations: remediations,
	Busy: map[string]string{codeConcurrentModification: "Another change to the same IAM entity was in flight; the state machine retries."}}
