package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"

	"geusemaker/internal/contract"
)

// The instance role's states (the iam Lambda): created in the instance
// branch after the secret it may read, deleted after the instance that
// used it.

// createRole creates the instance's role and instance profile.
func (b *builder) createRole(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Create instance role", contract.IAM, contract.ActionCreate)).
		Next(l.progress("Publish instance role ready", nil))
}

// deleteRole deletes the instance's role and instance profile.
func (b *builder) deleteRole(l lane) sfn.TaskStateBase {
	return l.invoke("Delete instance role", contract.IAM, contract.ActionDelete, retryBusy)
}
