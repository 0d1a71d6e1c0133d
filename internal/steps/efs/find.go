package efs

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/ec2tag"
)

// findFileSystemByID returns a file system, or nil when it does not exist.
func findFileSystemByID(ctx context.Context, c efsAPI, id string) (*types.FileSystemDescription, error) {
	out, err := c.DescribeFileSystems(ctx, &efs.DescribeFileSystemsInput{FileSystemId: aws.String(id)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe file system %s: %w", id, err)
	}
	if len(out.FileSystems) == 0 {
		return nil, nil
	}
	return &out.FileSystems[0], nil
}

// findFileSystemByToken returns the file system created with the
// deployment's CreationToken, or nil when there is none.
func findFileSystemByToken(ctx context.Context, c efsAPI, token string) (*types.FileSystemDescription, error) {
	out, err := c.DescribeFileSystems(ctx, &efs.DescribeFileSystemsInput{CreationToken: aws.String(token)})
	if err != nil {
		return nil, fmt.Errorf("describe file system with token %s: %w", token, err)
	}
	if len(out.FileSystems) == 0 {
		return nil, nil
	}
	return &out.FileSystems[0], nil
}

// findFileSystemByTag returns a file system of the deployment found by its
// geusemaker:deployment tag, or nil. EFS has no tag filter, so it lists the
// region's file systems (DescribeFileSystems returns their tags). One being
// deleted (an earlier run's, after its destroy) is skipped: it is on its way
// out and the ledger holds one file system.
func findFileSystemByTag(ctx context.Context, c efsAPI, deploymentID string) (*types.FileSystemDescription, error) {
	p := efs.NewDescribeFileSystemsPaginator(c, &efs.DescribeFileSystemsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe file systems tagged %s=%s: %w", document.TagDeployment, deploymentID, err)
		}
		for i, fs := range out.FileSystems {
			switch fs.LifeCycleState {
			case types.LifeCycleStateDeleting, types.LifeCycleStateDeleted:
				continue
			}
			if slices.ContainsFunc(fs.Tags, func(t types.Tag) bool {
				return aws.ToString(t.Key) == document.TagDeployment && aws.ToString(t.Value) == deploymentID
			}) {
				return &out.FileSystems[i], nil
			}
		}
	}
	return nil, nil
}

// listMountTargets returns every mount target of a file system; none when
// the file system is gone.
func listMountTargets(ctx context.Context, c efsAPI, fsID string) ([]types.MountTargetDescription, error) {
	var all []types.MountTargetDescription
	p := efs.NewDescribeMountTargetsPaginator(c, &efs.DescribeMountTargetsInput{FileSystemId: aws.String(fsID)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if awsapi.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("describe mount targets of %s: %w", fsID, err)
		}
		all = append(all, out.MountTargets...)
	}
	return all, nil
}

// findMountTargetByID returns a mount target, or nil when it is gone.
func findMountTargetByID(ctx context.Context, c efsAPI, id string) (*types.MountTargetDescription, error) {
	out, err := c.DescribeMountTargets(ctx, &efs.DescribeMountTargetsInput{MountTargetId: aws.String(id)})
	if awsapi.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe mount target %s: %w", id, err)
	}
	if len(out.MountTargets) == 0 {
		return nil, nil
	}
	return &out.MountTargets[0], nil
}

// sweepFileSystem completes the ledger, so a delete finds a file system
// whose id a failed run never recorded: by this run's CreationToken, else
// by the deployment's tag (a destroy has no run, and tokens differ between
// runs).
func sweepFileSystem(ctx context.Context, c efsAPI, doc *document.Document) error {
	if id := doc.Request.EFSID; id != "" {
		// The request names the user's file system: supplied, whatever the
		// ledger (a destroy starts from the request alone).
		doc.Resources.EFSID = id
		doc.Resources.MarkSupplied(document.KeyEFSID)
		return nil
	}
	if doc.Resources.EFSID != "" {
		return nil
	}
	var fs *types.FileSystemDescription
	if doc.Run != "" {
		found, err := findFileSystemByToken(ctx, c, doc.Token(tokenPurpose))
		if err != nil {
			return err
		}
		fs = found
	}
	if fs == nil {
		found, err := findFileSystemByTag(ctx, c, doc.Request.DeploymentID)
		if err != nil || found == nil {
			return err
		}
		fs = found
	}
	doc.Resources.EFSID = aws.ToString(fs.FileSystemId)
	return nil
}

// ownedMountTargets returns the mount targets the deployment must delete:
// on its own file system every one; on a supplied file system those the
// ledger says it created or, with no ledger (a destroy from the request),
// those in the deployment's EFS security group.
func (s *Step) ownedMountTargets(ctx context.Context, c efsAPI, doc *document.Document) ([]types.MountTargetDescription, error) {
	if !doc.Resources.Supplied(document.KeyEFSID) {
		if doc.Resources.EFSID == "" {
			return nil, nil
		}
		return listMountTargets(ctx, c, doc.Resources.EFSID)
	}
	if len(doc.Resources.MountTargetIDs) == 0 {
		return s.mountTargetsInOurGroup(ctx, c, doc)
	}
	var out []types.MountTargetDescription
	for _, id := range doc.Resources.MountTargetIDs {
		mt, err := findMountTargetByID(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if mt != nil {
			out = append(out, *mt)
		}
	}
	return out, nil
}

// mountTargetsInOurGroup returns the mount targets of the supplied file
// system that carry the deployment's EFS security group: mount targets
// take no tags, and the group (named and tagged for the deployment) is
// what marks ours among the user's.
func (s *Step) mountTargetsInOurGroup(ctx context.Context, c efsAPI, doc *document.Document) ([]types.MountTargetDescription, error) {
	group := doc.Resources.SecurityGroupIDs[document.SGRoleEFS]
	if group == "" {
		out, err := ec2.NewFromConfig(s.Config(doc)).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
			Filters: []ec2types.Filter{
				ec2tag.Filter("group-name", doc.Request.SecurityGroupName(document.SGRoleEFS)),
				ec2tag.Deployment(doc.Request),
			},
		})
		if err != nil {
			return nil, fmt.Errorf("find security group %s: %w", doc.Request.SecurityGroupName(document.SGRoleEFS), err)
		}
		if len(out.SecurityGroups) == 0 {
			return nil, nil // no group of ours, so no mount target of ours
		}
		group = aws.ToString(out.SecurityGroups[0].GroupId)
	}
	all, err := listMountTargets(ctx, c, doc.Resources.EFSID)
	if err != nil {
		return nil, err
	}
	var out []types.MountTargetDescription
	for _, mt := range all {
		groups, err := c.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: mt.MountTargetId})
		if awsapi.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("describe security groups of mount target %s: %w", aws.ToString(mt.MountTargetId), err)
		}
		if slices.Contains(groups.SecurityGroups, group) {
			out = append(out, mt)
		}
	}
	return out, nil
}
