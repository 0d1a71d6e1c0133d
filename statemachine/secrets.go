package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"

	"geusemaker/internal/contract"
)

// The workload secret's states (the secrets Lambda): created in the
// instance branch before the role that may read it, deleted in every
// rollback and destroy.

// createSecret creates (or adopts) the workload secret; a redeploy right
// after a destroy waits out its deletion (ResourceBusy).
func (b *builder) createSecret(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Create workload secret", contract.Secrets, contract.ActionCreate, retryBusy)).
		Next(l.progress("Publish workload secret stored", nil))
}

// deleteSecret deletes the workload secret.
func (b *builder) deleteSecret(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Delete workload secret", contract.Secrets, contract.ActionDelete, retryBusy))
}
