package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"

	"geusemaker/internal/contract"
)

// The network's states (the network Lambda): resolved at the head of every
// deployment, deleted last of all.

// resolveNetwork finds or creates the VPC and subnets.
func (b *builder) resolveNetwork(m lane) sfn.Chain {
	return sfn.Chain_Start(m.invoke("Resolve network", contract.Network, contract.ActionResolve)).
		Next(m.progress("Publish network ready", nil))
}

// deleteNetwork deletes what the deployment created of the network,
// waiting while its ENIs drain, and reports it at $.rollback.network.
func (b *builder) deleteNetwork(stage string) sfn.Chain {
	return b.polledRemoval("Network", contract.ReportNetwork, contract.Network, contract.StatusNetworkDelete, stage, percentNetwork)
}
