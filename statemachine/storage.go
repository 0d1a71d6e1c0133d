package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"

	"geusemaker/internal/contract"
)

// The EFS family's states (the storage Lambda): their creation is part of
// tier1()'s chain; their deletion is this.

// deleteStorage deletes the mount targets, polls until they are gone, then
// deletes the file system.
func (b *builder) deleteStorage(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Delete mount targets", contract.Storage, contract.ActionDeleteMountTargets, retryBusy)).
		Next(b.when("Mount targets recorded?", sfn.Condition_IsPresent(jsii.String("$.resources.mount_target_ids")),
			l.poll(contract.StatusMountTargetDelete, "Mount target deletion", contract.Storage, contract.ActionMountTargetsDeletedStatus))).
		Next(l.invoke("Delete file system", contract.Storage, contract.ActionDeleteFileSystem, retryBusy))
}
