package statemachine

import (
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"

	"geusemaker/internal/contract"
)

// The EFS family's states (the efs Lambda): the file system is created
// first in the instance branch and mounted once it is available (tier1()
// puts the secret and the role between the two); deleted in every rollback
// and destroy.

// createFileSystem starts the file system's creation.
func (b *builder) createFileSystem(l lane) sfn.TaskStateBase {
	return l.invoke("Create file system", contract.EFS, contract.ActionCreateFileSystem)
}

// mountFileSystem polls until the file system is available, then creates
// its mount targets and polls until they are.
func (b *builder) mountFileSystem(l lane) sfn.Chain {
	return l.poll(contract.StatusEFS, "EFS", contract.EFS, contract.ActionFileSystemStatus).
		Next(l.invoke("Create mount targets", contract.EFS, contract.ActionCreateMountTargets)).
		Next(l.poll(contract.StatusMountTargets, "Mount targets", contract.EFS, contract.ActionMountTargetsStatus)).
		Next(l.progress("Publish file system mounted", nil))
}

// deleteFileSystem deletes the mount targets, polls until they are gone,
// then deletes the file system.
func (b *builder) deleteFileSystem(l lane) sfn.Chain {
	return sfn.Chain_Start(l.invoke("Delete mount targets", contract.EFS, contract.ActionDeleteMountTargets, retryBusy)).
		Next(b.when("Mount targets recorded?", sfn.Condition_IsPresent(jsii.String("$.resources.mount_target_ids")),
			l.poll(contract.StatusMountTargetDelete, "Mount target deletion", contract.EFS, contract.ActionMountTargetsDeletedStatus))).
		Next(l.invoke("Delete file system", contract.EFS, contract.ActionDeleteFileSystem, retryBusy))
}
