package efs

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
)

// finish writes a pending or done poll and returns Timeout past the deadline.
func (s *Step) finish(doc *document.Document, action, key, resource string, p document.Poll, deadline time.Time, remediation string) error {
	if !p.Done && s.Clock.Now().After(deadline) {
		p.TimedOut = true
		doc.SetStatus(key, p)
		return steperr.Timeout(family.StepName(action), resource, deadline, remediation)
	}
	doc.SetStatus(key, p)
	return nil
}

// fileSystemStatus polls the file system once.
func (s *Step) fileSystemStatus(ctx context.Context, doc *document.Document) error {
	const action = contract.ActionFileSystemStatus
	id := doc.Resources.EFSID
	if id == "" {
		return family.Missing(action, document.KeyEFSID)
	}
	deadline := doc.Deadline(contract.StatusEFS, s.Clock.Now(), FileSystemWait.Timeout)
	fs, err := findFileSystemByID(ctx, s.client(doc), id)
	if err != nil {
		return family.AWSFailure(action, err, "Check that the deploy role may call elasticfilesystem:DescribeFileSystems, then retry.")
	}
	if fs == nil {
		doc.SetStatus(contract.StatusEFS, document.Poll{Status: string(types.LifeCycleStateDeleted), Failed: true})
		return family.Failure(action, fmt.Sprintf("file system %s no longer exists", id),
			"Something deleted the file system during the deployment; retry the deployment.")
	}
	state := fs.LifeCycleState
	s.Logger(doc, action).Debug("polled file system", "resource", "efs", "id", id, "state", state)
	switch state {
	case types.LifeCycleStateAvailable:
		doc.SetStatus(contract.StatusEFS, document.Poll{Status: string(state), Done: true, Percent: 100})
		doc.Report(s.Clock.Now(), document.StageStorage, "EFS file system available", id).StagePercent = 100
		return nil
	case types.LifeCycleStateCreating, types.LifeCycleStateUpdating:
		p := FileSystemWait.Pending(string(state), deadline, s.Clock.Now())
		doc.Report(s.Clock.Now(), document.StageStorage, "Waiting for EFS file system...", id).StagePercent = p.Percent
		return s.finish(doc, action, contract.StatusEFS, "file system "+id, p, deadline,
			"EFS did not make the file system available in time; check the EFS console and AWS Health, then retry.")
	default:
		doc.SetStatus(contract.StatusEFS, document.Poll{Status: string(state), Failed: true})
		return family.Failure(action, fmt.Sprintf("file system %s is %s", id, state),
			"The file system cannot become available; check the EFS console, then retry the deployment.")
	}
}

// mountTargetsStatus polls the file system's mount targets in the
// deployment's VPC once: done when every one is available.
func (s *Step) mountTargetsStatus(ctx context.Context, doc *document.Document) error {
	const action = contract.ActionMountTargetsStatus
	fsID := doc.Resources.EFSID
	if fsID == "" {
		return family.Missing(action, document.KeyEFSID)
	}
	deadline := doc.Deadline(contract.StatusMountTargets, s.Clock.Now(), MountTargetsWait.Timeout)
	all, err := listMountTargets(ctx, s.client(doc), fsID)
	if err != nil {
		return family.AWSFailure(action, err, "Check that the deploy role may call elasticfilesystem:DescribeMountTargets, then retry.")
	}
	var ready, total int
	for _, mt := range all {
		if doc.Resources.VPCID != "" && aws.ToString(mt.VpcId) != doc.Resources.VPCID {
			continue
		}
		total++
		switch mt.LifeCycleState {
		case types.LifeCycleStateAvailable:
			ready++
		case types.LifeCycleStateCreating, types.LifeCycleStateUpdating:
		default:
			doc.SetStatus(contract.StatusMountTargets, document.Poll{Status: string(mt.LifeCycleState), Failed: true})
			return family.Failure(action, fmt.Sprintf("mount target %s of %s is %s", aws.ToString(mt.MountTargetId), fsID, mt.LifeCycleState),
				"The mount target cannot become available; check the EFS console, then retry the deployment.")
		}
	}
	if total == 0 {
		doc.SetStatus(contract.StatusMountTargets, document.Poll{Failed: true})
		return family.Failure(action, fmt.Sprintf("file system %s has no mount target in the deployment's VPC", fsID),
			"Something deleted the mount targets during the deployment; retry the deployment.")
	}
	detail := fmt.Sprintf("%d of %d mount targets available", ready, total)
	s.Logger(doc, action).Debug("polled mount targets", "resource", "efs", "id", fsID, "ready", ready, "total", total)
	if ready == total {
		doc.SetStatus(contract.StatusMountTargets, document.Poll{Status: string(types.LifeCycleStateAvailable), Done: true, Percent: 100, Detail: detail})
		doc.Report(s.Clock.Now(), document.StageStorage, "EFS mount targets available", fsID).StagePercent = 100
		return nil
	}
	p := MountTargetsWait.Pending(string(types.LifeCycleStateCreating), deadline, s.Clock.Now())
	p.Detail = detail
	doc.Report(s.Clock.Now(), document.StageStorage, "Waiting for EFS mount targets...", fsID).StagePercent = p.Percent
	return s.finish(doc, action, contract.StatusMountTargets, "mount targets of "+fsID, p, deadline,
		"EFS did not make the mount targets available in time; check the EFS console and AWS Health, then retry.")
}
