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
func (b *builder) createSecurityGroups(m lane) sfn.Chain {
	return sfn.Chain_Start(m.invoke("Create security groups", contract.Firewall, contract.ActionCreate, retryBusy)).
		Next(m.progress("Publish security groups created", nil))
}

// deleteSecurityGroups deletes the deployment's groups, waiting while
// their ENIs drain, and reports it at $.rollback.security_groups.
func (b *builder) deleteSecurityGroups(stage string) sfn.Chain {
	return b.polledRemoval("Security groups", contract.ReportSecurityGroups, contract.Firewall, contract.StatusSecurityGroupsDelete, stage, percentSecurityGroups)
}
