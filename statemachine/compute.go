package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"

	"geusemaker/internal/contract"
)

// The instance's states (the compute Lambda): launched last in the
// instance branch, its GPU checked on Tier 3, terminated in every rollback
// and destroy before its role is deleted.

// launchInstance launches the instance (retried while its fresh instance
// profile is not yet usable) and polls until it is running.
func (b *builder) launchInstance(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Launch instance", contract.Compute, contract.ActionLaunch, retryProfile)).
		Next(l.poll(contract.StatusInstance, "Instance", contract.Compute, contract.ActionStatus)).
		Next(l.progress("Publish instance running", nil))
}

// checkGPU starts the GPU check on the instance and polls its result.
func (b *builder) checkGPU(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Start GPU check", contract.Compute, contract.ActionGPUCheck)).
		Next(l.poll(contract.StatusGPU, "GPU", contract.Compute, contract.ActionGPUCheckStatus)).
		Next(l.progress("Publish GPU checked", nil))
}

// deleteInstance terminates the instance, polls until it is terminated, then
// deletes its role and instance profile.
func (b *builder) deleteInstance(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Terminate instance", contract.Compute, contract.ActionTerminate, retryBusy)).
		Next(b.when("Instance recorded?", sfn.Condition_IsPresent(jsii.String("$.resources.instance_id")),
			l.poll(contract.StatusInstanceTerminate, "Instance termination", contract.Compute, contract.ActionTerminateStatus))).
		Next(b.deleteRole(l))
}
