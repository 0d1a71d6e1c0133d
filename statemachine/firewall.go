package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"

	"geusemaker/internal/contract"
)

// The security groups' states (the firewall Lambda): created once the
// network is known, deleted once every ENI that used them is gone.

// createSecurityGroups creates the deployment's groups and their rules. A
// new group takes seconds to reach EC2's other calls: its rules are retried
// until it has (ResourceBusy).
func (b *builder) createSecurityGroups(m lane) sfn.TaskStateBase {
	return m.invoke("Create security groups", contract.Firewall, contract.ActionCreate, retryBusy)
}

// deleteSecurityGroups deletes the deployment's groups, then goes on to
// next.
func (b *builder) deleteSecurityGroups(next sfn.IChainable) sfn.TaskStateBase {
	return b.recordedDelete("Delete security groups", contract.Firewall, reportSecurityGroups, next)
}
