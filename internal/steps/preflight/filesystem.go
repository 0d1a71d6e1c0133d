package preflight

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
)

// efsAPI is what the step reads of EFS.
type efsAPI interface {
	efs.DescribeFileSystemsAPIClient
	efs.DescribeMountTargetsAPIClient
}

// fileSystem checks a supplied file system against the zones the instance
// may use. EFS allows one mount target per zone, so where the file system
// already has one (with the user's security groups), the instance mounts
// through it, and those groups admit NFS only from what the user set up:
// not from a security group this deployment creates. With the user's own
// instance group (security_group_id) it is the user's to admit.
func fileSystem(ctx context.Context, c efsAPI, req document.Request, zones []string, f *findings) error {
	if req.EFSID == "" {
		return nil
	}
	fs, err := c.DescribeFileSystems(ctx, &efs.DescribeFileSystemsInput{FileSystemId: aws.String(req.EFSID)})
	switch {
	case awsapi.IsNotFound(err):
		f.fail("Check efs_id and region in the request, or leave efs_id out to create a new file system.",
			"file system %s given in efs_id does not exist in %s", req.EFSID, req.Region)
		return nil
	case err != nil:
		return f.unreadable("file system "+req.EFSID, err)
	}
	for _, d := range fs.FileSystems {
		tags := map[string]string{}
		for _, t := range d.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		f.notAnothers(req, "file system", req.EFSID, tags)
	}
	var taken []string
	p := efs.NewDescribeMountTargetsPaginator(c, &efs.DescribeMountTargetsInput{FileSystemId: aws.String(req.EFSID)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if awsapi.IsNotFound(err) {
			f.fail("Check efs_id and region in the request, or leave efs_id out to create a new file system.",
				"file system %s given in efs_id does not exist in %s", req.EFSID, req.Region)
			return nil
		}
		if err != nil {
			return f.unreadable("the mount targets of file system "+req.EFSID, err)
		}
		for _, mt := range out.MountTargets {
			if z := aws.ToString(mt.AvailabilityZoneName); slices.Contains(zones, z) {
				taken = append(taken, fmt.Sprintf("%s (%s)", z, aws.ToString(mt.MountTargetId)))
			}
		}
	}
	if len(taken) > 0 && req.SecurityGroupID == "" {
		f.fail("Give security_group_id: a security group of yours that those mount targets admit on NFS (TCP 2049); the instance will use it. "+
			"Or remove the mount targets in those zones, or give subnet_ids in zones without one.",
			"file system %s given in efs_id already has mount targets in %s: the instance would mount through them, and their security groups do not admit a group this deployment creates",
			req.EFSID, strings.Join(taken, ", "))
	}
	return nil
}
