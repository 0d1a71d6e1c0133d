// Package efs owns the deployment's Amazon EFS file system and its
// mount targets: it creates an encrypted file system (or adopts the one the
// user supplied), creates one mount target per Availability Zone of the
// instance subnets, reports both waits to the state machine, and deletes
// them on rollback and destroy — mount targets first, then the file system,
// never a supplied one.
//
// Actions: create_filesystem, filesystem_status, create_mount_targets,
// mount_targets_status, delete_mount_targets, mount_targets_deleted_status,
// delete_filesystem. Status keys: efs, mount_targets, mount_target_delete.
//
// It imports document, steperr, awsapi, clock, step and the SDK's EFS client;
// never sim or engine.
package efs

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// The step's waits (read-only), paced by document.Pace.
var (
	// FileSystemWait: creating→available takes about 20 s (the design's
	// measurements); terraform-provider-aws waits 10 minutes for the same
	// transition.
	FileSystemWait = document.Wait{Typical: 20 * time.Second, Timeout: 10 * time.Minute}
	// MountTargetsWait: creating→available takes about 90 s;
	// terraform-provider-aws raised its wait from 10 to 30 minutes after
	// mount targets took longer than 10 (hashicorp/terraform-provider-aws#15293).
	MountTargetsWait = document.Wait{Typical: 90 * time.Second, Timeout: 30 * time.Minute}
	// MountTargetsDeleteWait: deleting→gone takes about 60 s;
	// terraform-provider-aws's default delete timeout is 10 minutes.
	MountTargetsDeleteWait = document.Wait{Typical: 60 * time.Second, Timeout: 10 * time.Minute}
)

// Purpose of the idempotency token, doc.Token(tokenPurpose).
const tokenPurpose = "efs"

// efsAPI is what the step calls on EFS.
type efsAPI interface {
	CreateFileSystem(context.Context, *efs.CreateFileSystemInput, ...func(*efs.Options)) (*efs.CreateFileSystemOutput, error)
	DescribeFileSystems(context.Context, *efs.DescribeFileSystemsInput, ...func(*efs.Options)) (*efs.DescribeFileSystemsOutput, error)
	DeleteFileSystem(context.Context, *efs.DeleteFileSystemInput, ...func(*efs.Options)) (*efs.DeleteFileSystemOutput, error)
	CreateMountTarget(context.Context, *efs.CreateMountTargetInput, ...func(*efs.Options)) (*efs.CreateMountTargetOutput, error)
	DescribeMountTargets(context.Context, *efs.DescribeMountTargetsInput, ...func(*efs.Options)) (*efs.DescribeMountTargetsOutput, error)
	DeleteMountTarget(context.Context, *efs.DeleteMountTargetInput, ...func(*efs.Options)) (*efs.DeleteMountTargetOutput, error)
	DescribeMountTargetSecurityGroups(context.Context, *efs.DescribeMountTargetSecurityGroupsInput, ...func(*efs.Options)) (*efs.DescribeMountTargetSecurityGroupsOutput, error)
}

// Step is the efs Lambda's logic.
type Step struct{ step.Base }

// New returns the efs step. Clients are built per call for the
// request's region, so one Lambda serves deployments in any region.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{step.New(family, cfg, c, log)}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{
		contract.ActionCreateFileSystem:          s.createFileSystem,
		contract.ActionFileSystemStatus:          s.fileSystemStatus,
		contract.ActionCreateMountTargets:        s.createMountTargets,
		contract.ActionMountTargetsStatus:        s.mountTargetsStatus,
		contract.ActionDeleteMountTargets:        s.deleteMountTargets,
		contract.ActionMountTargetsDeletedStatus: s.mountTargetsDeletedStatus,
		contract.ActionDeleteFileSystem:          s.deleteFileSystem,
	}
}

// client returns an EFS client for the deployment's region.
func (s *Step) client(doc *document.Document) efsAPI {
	return efs.NewFromConfig(s.Config(doc))
}
