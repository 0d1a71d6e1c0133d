package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"

	"geusemaker/internal/contract"
)

// The workload secret's states (the secrets Lambda): their creation is part
// of tier1()'s chain; their deletion is this.

// deleteSecret deletes the workload secret.
func (b *builder) deleteSecret(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Delete workload secret", contract.Secrets, contract.ActionDelete, retryBusy))
}
