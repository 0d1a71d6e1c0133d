package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
)

// Poll pacing.
const (
	// pollMargin lands a poll just after the expected transition rather
	// than just before it.
	pollMargin = 2 * time.Second
	// pollTight is the interval right after the expected transition, when
	// it is most likely to happen.
	pollTight = 5 * time.Second
	// pollMax bounds the interval of a long tail, which backs off to keep
	// the execution's state transitions few.
	pollMax = 30 * time.Second
	// percentPending caps the estimate until the resource is ready.
	percentPending = 95
)

// pollTiming estimates a wait's progress from the time elapsed since start
// against its typical duration, and when to poll next: just after the
// expected transition, then every pollTight, backing off to pollMax as the
// wait runs long.
func pollTiming(now, start time.Time, typical time.Duration) (percent, nextSeconds int) {
	elapsed := now.Sub(start)
	percent = min(percentPending, max(0, int(elapsed*100/typical)))
	next := typical - elapsed + pollMargin
	if elapsed >= typical {
		next = min(pollMax, max(pollTight, (elapsed-typical)/4))
	}
	return percent, int((next + time.Second - 1) / time.Second)
}

// waitStart is when a wait began: its deadline less the wait's bound.
func waitStart(deadline time.Time, bound time.Duration) time.Time { return deadline.Add(-bound) }

// finish writes a pending or done poll and returns Timeout past the deadline.
func (s *Step) finish(doc *document.Document, action, key, resource string, p document.Poll, deadline time.Time, remediation string) error {
	if !p.Done && s.clock.Now().After(deadline) {
		p.TimedOut = true
		setStatus(doc, key, p)
		return steperr.Timeout(stepName(action), resource, deadline, remediation)
	}
	setStatus(doc, key, p)
	return nil
}

// fileSystemStatus polls the file system once.
func (s *Step) fileSystemStatus(ctx context.Context, doc *document.Document) error {
	const action = ActionFileSystemStatus
	id := doc.Resources.EFSID
	if id == "" {
		return missing(action, document.KeyEFSID)
	}
	deadline := s.deadline(doc, document.StatusEFS, fileSystemDeadline)
	fs, err := findFileSystemByID(ctx, s.client(doc), id)
	if err != nil {
		return awsFailure(action, err, "Check that the deploy role may call elasticfilesystem:DescribeFileSystems, then retry.")
	}
	if fs == nil {
		setStatus(doc, document.StatusEFS, document.Poll{Status: string(types.LifeCycleStateDeleted), Failed: true})
		return failure(action, fmt.Sprintf("file system %s no longer exists", id),
			"Something deleted the file system during the deployment; retry the deployment.")
	}
	state := fs.LifeCycleState
	s.logger(doc, action).Debug("polled file system", "resource", "efs", "id", id, "state", state)
	switch state {
	case types.LifeCycleStateAvailable:
		setStatus(doc, document.StatusEFS, document.Poll{Status: string(state), Done: true, Percent: 100})
		doc.Report(s.clock.Now(), document.StageStorage, "EFS file system available", id).StagePercent = 100
		return nil
	case types.LifeCycleStateCreating, types.LifeCycleStateUpdating:
		now := s.clock.Now()
		percent, next := pollTiming(now, waitStart(deadline, fileSystemDeadline), typicalFileSystem)
		doc.Report(now, document.StageStorage, "Waiting for EFS file system...", id).StagePercent = percent
		return s.finish(doc, action, document.StatusEFS, "file system "+id,
			document.Poll{Status: string(state), Percent: percent, NextPollSeconds: next}, deadline,
			"EFS did not make the file system available in time; check the EFS console and AWS Health, then retry.")
	default:
		setStatus(doc, document.StatusEFS, document.Poll{Status: string(state), Failed: true})
		return failure(action, fmt.Sprintf("file system %s is %s", id, state),
			"The file system cannot become available; check the EFS console, then retry the deployment.")
	}
}

// mountTargetsStatus polls the file system's mount targets in the
// deployment's VPC once: done when every one is available.
func (s *Step) mountTargetsStatus(ctx context.Context, doc *document.Document) error {
	const action = ActionMountTargetsStatus
	fsID := doc.Resources.EFSID
	if fsID == "" {
		return missing(action, document.KeyEFSID)
	}
	deadline := s.deadline(doc, document.StatusMountTargets, mountTargetsDeadline)
	all, err := listMountTargets(ctx, s.client(doc), fsID)
	if err != nil {
		return awsFailure(action, err, "Check that the deploy role may call elasticfilesystem:DescribeMountTargets, then retry.")
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
			setStatus(doc, document.StatusMountTargets, document.Poll{Status: string(mt.LifeCycleState), Failed: true})
			return failure(action, fmt.Sprintf("mount target %s of %s is %s", aws.ToString(mt.MountTargetId), fsID, mt.LifeCycleState),
				"The mount target cannot become available; check the EFS console, then retry the deployment.")
		}
	}
	if total == 0 {
		setStatus(doc, document.StatusMountTargets, document.Poll{Failed: true})
		return failure(action, fmt.Sprintf("file system %s has no mount target in the deployment's VPC", fsID),
			"Something deleted the mount targets during the deployment; retry the deployment.")
	}
	detail := fmt.Sprintf("%d of %d mount targets available", ready, total)
	s.logger(doc, action).Debug("polled mount targets", "resource", "efs", "id", fsID, "ready", ready, "total", total)
	if ready == total {
		setStatus(doc, document.StatusMountTargets, document.Poll{Status: string(types.LifeCycleStateAvailable), Done: true, Percent: 100, Detail: detail})
		doc.Report(s.clock.Now(), document.StageStorage, "EFS mount targets available", fsID).StagePercent = 100
		return nil
	}
	now := s.clock.Now()
	percent, next := pollTiming(now, waitStart(deadline, mountTargetsDeadline), typicalMountTargets)
	doc.Report(now, document.StageStorage, "Waiting for EFS mount targets...", fsID).StagePercent = percent
	return s.finish(doc, action, document.StatusMountTargets, "mount targets of "+fsID,
		document.Poll{Status: string(types.LifeCycleStateCreating), Percent: percent, NextPollSeconds: next, Detail: detail}, deadline,
		"EFS did not make the mount targets available in time; check the EFS console and AWS Health, then retry.")
}
