package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"

	"geusemaker/internal/contract"
)

// The instance's states (the compute and identity Lambdas): their creation is
// part of tier1()'s chain; their deletion is this.

// deleteInstance terminates the instance, polls until it is terminated, then
// deletes its role and instance profile.
func (b *builder) deleteInstance(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Terminate instance", contract.Compute, contract.ActionTerminate, retryBusy)).
		Next(b.when("Instance recorded?", sfn.Condition_IsPresent(jsii.String("$.resources.instance_id")),
			l.poll(contract.StatusInstanceTerminate, "Instance termination", contract.Compute, contract.ActionTerminateStatus))).
		Next(l.invoke("Delete instance role", contract.Identity, contract.ActionDelete, retryBusy))
}
