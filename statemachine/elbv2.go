package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"

	"geusemaker/internal/contract"
)

// The load balancer family's states (the elbv2 Lambda): in Tier 2
// and up, and in every rollback and destroy.

// createLoadBalancer creates the ALB, its target group, listener and
// origin rule, and polls until it is active.
func (b *builder) createLoadBalancer(al lane) sfn.Chain {
	return sfn.Chain_Start(al.invoke("Create load balancer", contract.ELBv2, contract.ActionCreate)).
		Next(al.poll(contract.StatusALB, "Load balancer", contract.ELBv2, contract.ActionStatus)).
		Next(al.progress("Publish load balancer active", nil))
}

// registerTarget registers the running instance and polls until it is
// healthy.
func (b *builder) registerTarget(m lane) sfn.Chain {
	return sfn.Chain_Start(m.invoke("Register target", contract.ELBv2, contract.ActionRegister)).
		Next(m.poll(contract.StatusTargets, "Target", contract.ELBv2, contract.ActionTargetsStatus)).
		Next(m.progress("Publish target healthy", nil))
}

// deleteLoadBalancer deletes the load balancer and what hangs off it, then
// polls until it and its target group (in use for seconds after the
// listener's delete) are gone.
func (b *builder) deleteLoadBalancer(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Delete load balancer", contract.ELBv2, contract.ActionDelete, retryBusy)).
		Next(b.when("Load balancer deletion pending?", pending(contract.StatusALBDelete),
			l.poll(contract.StatusALBDelete, "Load balancer deletion", contract.ELBv2, contract.ActionDeleteStatus)))
}
