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

// registerTarget registers the running instance, in its own branch as soon
// as it runs: its health checks then overlap CloudFront's minutes. The
// target group may not exist yet (the load balancer's branch makes it):
// ResourceBusy, retried.
func (b *builder) registerTarget(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Register target", contract.ELBv2, contract.ActionRegister, retryBusy))
}

// awaitHealthyTarget polls the registered target until it is healthy,
// looking at once: it was registered in its branch, minutes ago by now.
func (b *builder) awaitHealthyTarget(m lane) sfn.Chain {
	return sfn.Chain_Start(m.pollNow(contract.StatusTargets, "Target", contract.ELBv2, contract.ActionTargetsStatus)).
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
