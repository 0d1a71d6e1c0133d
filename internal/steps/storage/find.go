package storage

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
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

// sweepFileSystem completes the ledger from the deployment's CreationToken,
// so a delete finds a file system whose id a failed run never recorded.
func sweepFileSystem(ctx context.Context, c efsAPI, doc *document.Document) error {
	if doc.Resources.EFSID != "" {
		return nil
	}
	fs, err := findFileSystemByToken(ctx, c, awsapi.Token(doc.Request.DeploymentID, tokenPurpose))
	if err != nil || fs == nil {
		return err
	}
	doc.Resources.EFSID = aws.ToString(fs.FileSystemId)
	return nil
}

// ownedMountTargets returns the mount targets the deployment must delete:
// on its own file system every one; on a supplied file system only those
// the ledger says the deployment created.
func ownedMountTargets(ctx context.Context, c efsAPI, doc *document.Document) ([]types.MountTargetDescription, error) {
	if !doc.Resources.Supplied(document.KeyEFSID) {
		if doc.Resources.EFSID == "" {
			return nil, nil
		}
		return listMountTargets(ctx, c, doc.Resources.EFSID)
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
