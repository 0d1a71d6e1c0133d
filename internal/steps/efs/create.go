package efs

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// createFileSystem creates the deployment's encrypted file system, or
// adopts the one the user supplied, and starts the wait for it.
func (s *Step) createFileSystem(ctx context.Context, doc *document.Document) error {
	c := s.client(doc)
	if doc.Request.EFSID != "" {
		if err := s.useSuppliedFileSystem(ctx, c, doc); err != nil {
			return err
		}
	} else if doc.Resources.EFSID == "" {
		id, err := s.createOrAdoptFileSystem(ctx, c, doc)
		if err != nil {
			return err
		}
		// Recorded before anything waits on it, so rollback finds it.
		doc.Resources.EFSID = id
	}
	now := s.Clock.Now()
	deadline := doc.Deadline(contract.StatusEFS, now, FileSystemWait.Timeout)
	doc.SetStatus(contract.StatusEFS, FileSystemWait.Pending(string(types.LifeCycleStateCreating), deadline, now))
	doc.Report(now, document.StageStorage, "Creating EFS file system...", doc.Resources.EFSID)
	return nil
}

// useSuppliedFileSystem checks the user's file system and records it as
// supplied, so nothing ever deletes it.
func (s *Step) useSuppliedFileSystem(ctx context.Context, c efsAPI, doc *document.Document) error {
	const action = contract.ActionCreateFileSystem
	id := doc.Request.EFSID
	fs, err := findFileSystemByID(ctx, c, id)
	if err != nil {
		return family.AWSFailure(action, err, "Check that the deploy role may call elasticfilesystem:DescribeFileSystems, then retry.")
	}
	if fs == nil {
		return family.Failure(action, fmt.Sprintf("file system %s given in efs_id does not exist in %s", id, doc.Request.Region),
			"Check efs_id and region in the request, or leave efs_id out to create a new file system.")
	}
	switch fs.LifeCycleState {
	case types.LifeCycleStateDeleting, types.LifeCycleStateDeleted, types.LifeCycleStateError:
		return family.Failure(action, fmt.Sprintf("file system %s given in efs_id is %s", id, fs.LifeCycleState),
			"Give an available file system in efs_id, or leave it out to create a new one.")
	}
	doc.Resources.EFSID = id
	doc.Resources.MarkSupplied(document.KeyEFSID)
	s.Logger(doc, action).Info("using supplied file system", "resource", "efs", "id", id)
	return nil
}

// createOrAdoptFileSystem creates the file system with this run's
// CreationToken; a retry of a create that reached AWS gets
// FileSystemAlreadyExists carrying the first file system's id.
func (s *Step) createOrAdoptFileSystem(ctx context.Context, c efsAPI, doc *document.Document) (string, error) {
	const action = contract.ActionCreateFileSystem
	log := s.Logger(doc, action)
	token := doc.Token(tokenPurpose)
	out, err := c.CreateFileSystem(ctx, &efs.CreateFileSystemInput{
		CreationToken:   aws.String(token),
		Encrypted:       aws.Bool(true),
		PerformanceMode: types.PerformanceModeGeneralPurpose,
		// Elastic throughput bills per use: right for a workload that idles.
		ThroughputMode: types.ThroughputModeElastic,
		Tags:           fileSystemTags(doc.Request),
	})
	if id, exists := isAlreadyExists(err); exists {
		if id == "" {
			return s.adoptByToken(ctx, c, doc, token)
		}
		log.Info("adopted file system created by an earlier attempt", "resource", "efs", "id", id)
		return id, nil
	}
	if err != nil {
		return "", family.AWSFailure(action, fmt.Errorf("create file system %s: %w", doc.Request.FileSystemName(), err),
			"Check that the deploy role may call elasticfilesystem:CreateFileSystem and elasticfilesystem:TagResource, then retry.")
	}
	id := aws.ToString(out.FileSystemId)
	log.Info("created file system", "resource", "efs", "id", id)
	return id, nil
}

// adoptByToken finds the file system of a FileSystemAlreadyExists that did
// not name it.
func (s *Step) adoptByToken(ctx context.Context, c efsAPI, doc *document.Document, token string) (string, error) {
	const action = contract.ActionCreateFileSystem
	fs, err := findFileSystemByToken(ctx, c, token)
	if err != nil {
		return "", family.AWSFailure(action, err, "Check that the deploy role may call elasticfilesystem:DescribeFileSystems, then retry.")
	}
	if fs == nil {
		return "", family.Failure(action, fmt.Sprintf("EFS reported a file system with token %s that it cannot find", token),
			"Retry the deployment; EFS may have been deleting the earlier file system.")
	}
	return aws.ToString(fs.FileSystemId), nil
}

// fileSystemTags are the deployment's tags plus the Name tag, sorted so the
// request is the same on every attempt.
func fileSystemTags(r document.Request) []types.Tag {
	return step.Tags(r, r.FileSystemName(), func(k, v string) types.Tag {
		return types.Tag{Key: aws.String(k), Value: aws.String(v)}
	})
}

// createMountTargets creates a mount target in each Availability Zone of
// the deployment's subnets (the instance's subnet first) with the EFS
// security group, and starts the wait for them. Mount targets are found
// again by file system id, so creating several in one invocation loses
// nothing if it is cut short: the next attempt skips those that exist.
func (s *Step) createMountTargets(ctx context.Context, doc *document.Document) error {
	const action = contract.ActionCreateMountTargets
	log := s.Logger(doc, action)
	fsID := doc.Resources.EFSID
	group := doc.Resources.SecurityGroupIDs[document.SGRoleEFS]
	switch {
	case fsID == "":
		return family.Missing(action, document.KeyEFSID)
	case len(doc.Resources.SubnetIDs) == 0:
		return family.Missing(action, document.KeySubnetIDs)
	case group == "":
		return family.Missing(action, document.SecurityGroupKey(document.SGRoleEFS))
	}
	c := s.client(doc)
	existing, err := listMountTargets(ctx, c, fsID)
	if err != nil {
		return family.AWSFailure(action, err, "Check that the deploy role may call elasticfilesystem:DescribeMountTargets, then retry.")
	}
	covered := map[string]bool{}
	for _, mt := range existing {
		// EFS allows a file system's mount targets in one VPC only; the
		// instance could never mount one in another.
		if vpc := aws.ToString(mt.VpcId); doc.Resources.VPCID != "" && vpc != doc.Resources.VPCID {
			return family.Failure(action, fmt.Sprintf("file system %s has mount target %s in VPC %s, not in the deployment's VPC %s",
				fsID, aws.ToString(mt.MountTargetId), vpc, doc.Resources.VPCID),
				"Give an efs_id whose mount targets are in the deployment's VPC, or deploy into that VPC (vpc_id).")
		}
		covered[aws.ToString(mt.SubnetId)] = true
		// Every mount target of the deployment's own file system is its own,
		// even one an interrupted attempt did not record.
		if !doc.Resources.Supplied(document.KeyEFSID) {
			recordMountTarget(doc, aws.ToString(mt.MountTargetId))
		}
	}
	made := len(existing)
	for _, subnet := range doc.Resources.SubnetIDs {
		if covered[subnet] {
			continue
		}
		out, err := c.CreateMountTarget(ctx, &efs.CreateMountTargetInput{
			FileSystemId: aws.String(fsID), SubnetId: aws.String(subnet), SecurityGroups: []string{group},
		})
		switch code := awsapi.Code(err); {
		case code == codeMountTargetConflict:
			// MountTargetConflict: the subnet's Availability Zone already has
			// a mount target (one per zone), the VPC having been checked above.
			log.Debug("zone already has a mount target", "subnet", subnet)
			continue
		case code == codeIncorrectFileSystemState:
			return family.ResourceBusy(action, fmt.Errorf("create mount target for %s in %s: %w", fsID, subnet, err),
				"The file system is not available yet; the state machine retries.")
		case err != nil:
			return family.AWSFailure(action, fmt.Errorf("create mount target for %s in %s: %w", fsID, subnet, err),
				"Check that the deploy role may call elasticfilesystem:CreateMountTarget and ec2:CreateNetworkInterface, then retry.")
		}
		id := aws.ToString(out.MountTargetId)
		recordMountTarget(doc, id)
		made++
		log.Info("created mount target", "resource", "mount_target", "id", id, "subnet", subnet, "zone", aws.ToString(out.AvailabilityZoneName))
	}
	if made == 0 {
		return family.Failure(action, fmt.Sprintf("no mount target for file system %s in subnets %v", fsID, doc.Resources.SubnetIDs),
			"Check that the subnets are in the deployment's VPC and in zones where EFS is available, then retry.")
	}
	now := s.Clock.Now()
	deadline := doc.Deadline(contract.StatusMountTargets, now, MountTargetsWait.Timeout)
	doc.SetStatus(contract.StatusMountTargets, MountTargetsWait.Pending(string(types.LifeCycleStateCreating), deadline, now))
	doc.Report(now, document.StageStorage, "Creating EFS mount targets...", fsID)
	return nil
}

// recordMountTarget adds a mount target id to the ledger once.
func recordMountTarget(doc *document.Document, id string) {
	if !slices.Contains(doc.Resources.MountTargetIDs, id) {
		doc.Resources.MountTargetIDs = append(doc.Resources.MountTargetIDs, id)
	}
}
