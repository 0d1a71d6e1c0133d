package efs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
)

// deleteMountTargets deletes the deployment's mount targets (all of its own
// file system's; on a supplied one only those it created) and starts the
// wait for them to be gone.
func (s *Step) deleteMountTargets(ctx context.Context, doc *document.Document) error {
	const action = contract.ActionDeleteMountTargets
	log := s.Logger(doc, action)
	c := s.client(doc)
	if err := sweepFileSystem(ctx, c, doc); err != nil {
		return family.AWSFailure(action, err, "Check that the role may call elasticfilesystem:DescribeFileSystems, then retry.")
	}
	targets, err := s.ownedMountTargets(ctx, c, doc)
	if err != nil {
		return family.AWSFailure(action, err, "Check that the role may call elasticfilesystem:DescribeMountTargets, then retry.")
	}
	if len(targets) == 0 {
		doc.NeverCreated("EFS mount targets")
	}
	var deleted, alreadyGone []string
	for _, mt := range targets {
		id := aws.ToString(mt.MountTargetId)
		if mt.LifeCycleState == types.LifeCycleStateDeleting {
			// An earlier attempt of this action deleted it.
			deleted = append(deleted, id)
			continue
		}
		gone, err := awsapi.Gone(c.DeleteMountTarget(ctx, &efs.DeleteMountTargetInput{MountTargetId: aws.String(id)}))
		switch {
		case gone:
			alreadyGone = append(alreadyGone, id)
		case awsapi.Code(err) == codeIncorrectMountTargetState:
			// IncorrectMountTargetState: the mount target is mid-transition
			// (e.g. still creating); it settles within its ≈90 s lifecycle.
			return family.ResourceBusy(action, fmt.Errorf("delete mount target %s: %w", id, err), "The mount target is changing state; the state machine retries.")
		case err != nil:
			return family.AWSFailure(action, fmt.Errorf("delete mount target %s: %w", id, err),
				"Check that the role may call elasticfilesystem:DeleteMountTarget, then retry the destroy.")
		default:
			log.Info("deleting mount target", "resource", "mount_target", "id", id)
			deleted = append(deleted, id)
		}
	}
	for _, id := range deleted {
		doc.Removed("EFS mount target "+id, false)
	}
	for _, id := range alreadyGone {
		doc.Removed("EFS mount target "+id, true)
	}
	now := s.Clock.Now()
	// A new wait: a deadline a previous teardown left must not end it.
	deadline := doc.StartWait(contract.StatusMountTargetDelete, now, MountTargetsDeleteWait.Timeout)
	doc.SetStatus(contract.StatusMountTargetDelete, MountTargetsDeleteWait.Pending(string(types.LifeCycleStateDeleting), deadline, now))
	doc.Report(now, doc.TeardownStage(), "Deleting EFS mount targets...", doc.Resources.EFSID)
	return nil
}

// mountTargetsDeletedStatus polls once whether the deployment's mount
// targets are gone.
func (s *Step) mountTargetsDeletedStatus(ctx context.Context, doc *document.Document) error {
	const action = contract.ActionMountTargetsDeletedStatus
	deadline := doc.Deadline(contract.StatusMountTargetDelete, s.Clock.Now(), MountTargetsDeleteWait.Timeout)
	c := s.client(doc)
	if err := sweepFileSystem(ctx, c, doc); err != nil {
		return family.AWSFailure(action, err, "Check that the role may call elasticfilesystem:DescribeFileSystems, then retry.")
	}
	targets, err := s.ownedMountTargets(ctx, c, doc)
	if err != nil {
		return family.AWSFailure(action, err, "Check that the role may call elasticfilesystem:DescribeMountTargets, then retry.")
	}
	s.Logger(doc, action).Debug("polled mount target deletion", "resource", "efs", "id", doc.Resources.EFSID, "left", len(targets))
	if len(targets) == 0 {
		doc.SetStatus(contract.StatusMountTargetDelete, document.Poll{Status: string(types.LifeCycleStateDeleted), Done: true, Percent: 100})
		return nil
	}
	p := MountTargetsDeleteWait.Pending(string(types.LifeCycleStateDeleting), deadline, s.Clock.Now())
	p.Detail = fmt.Sprintf("%d mount targets left", len(targets))
	return s.finish(doc, action, contract.StatusMountTargetDelete, "deletion of the mount targets of "+doc.Resources.EFSID, p, deadline,
		"EFS did not delete the mount targets in time; delete them in the EFS console, then run destroy again.")
}

// deleteFileSystem deletes the deployment's own file system once its mount
// targets are gone; a supplied one is never deleted.
func (s *Step) deleteFileSystem(ctx context.Context, doc *document.Document) error {
	const action = contract.ActionDeleteFileSystem
	log := s.Logger(doc, action)
	if doc.Resources.Supplied(document.KeyEFSID) {
		log.Info("keeping supplied file system", "resource", "efs", "id", doc.Resources.EFSID)
		doc.Kept("EFS file system " + doc.Resources.EFSID + " (yours)")
		return nil
	}
	c := s.client(doc)
	if err := sweepFileSystem(ctx, c, doc); err != nil {
		return family.AWSFailure(action, err, "Check that the role may call elasticfilesystem:DescribeFileSystems, then retry.")
	}
	id := doc.Resources.EFSID
	if id == "" {
		doc.NeverCreated("EFS file system")
		return nil
	}
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "Deleting EFS file system...", id)
	gone, err := awsapi.Gone(c.DeleteFileSystem(ctx, &efs.DeleteFileSystemInput{FileSystemId: aws.String(id)}))
	switch {
	case gone:
		doc.Removed("EFS file system "+id, true)
		return nil
	case awsapi.Code(err) == codeFileSystemInUse:
		// FileSystemInUse: mount targets count until they are gone (≈60 s
		// after their delete).
		return family.ResourceBusy(action, fmt.Errorf("delete file system %s: %w", id, err), "Mount targets are still being deleted; the state machine retries.")
	case awsapi.Code(err) == codeIncorrectFileSystemState:
		// IncorrectFileSystemLifeCycleState: a file system still creating
		// (≈20 s) cannot be deleted yet.
		return family.ResourceBusy(action, fmt.Errorf("delete file system %s: %w", id, err), "The file system is still being created; the state machine retries.")
	case err != nil:
		return family.AWSFailure(action, fmt.Errorf("delete file system %s: %w", id, err),
			"Check that the role may call elasticfilesystem:DeleteFileSystem, then run destroy again.")
	}
	log.Info("deleting file system", "resource", "efs", "id", id)
	doc.Removed("EFS file system "+id, false)
	return nil
}
