package efs

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkefs "github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/sim/account"
)

func (m *Model) createFileSystem(ctx context.Context, in *sdkefs.CreateFileSystemInput) (*sdkefs.CreateFileSystemOutput, error) {
	now := m.w.Now()
	region := account.Region(ctx)
	token := aws.ToString(in.CreationToken)
	if token == "" || len(token) > maxCreationTokenLen {
		return nil, badRequest("CreationToken must be 1 to %d characters", maxCreationTokenLen)
	}
	// A repeated CreationToken is AWS's idempotency: the error carries the
	// id of the file system the first call created.
	for _, fs := range m.fileSystems {
		if fs.region == region && fs.token == token {
			return nil, fileSystemAlreadyExists(fs.id, token)
		}
	}
	if in.ThroughputMode == types.ThroughputModeProvisioned && in.ProvisionedThroughputInMibps == nil {
		return nil, badRequest("ProvisionedThroughputInMibps is required with ThroughputMode provisioned")
	}
	encrypted := aws.ToBool(in.Encrypted)
	if in.KmsKeyId != nil && !encrypted {
		return nil, badRequest("KmsKeyId requires Encrypted to be true")
	}
	if q := m.w.Quota; q != nil {
		n := 0
		for _, f := range m.fileSystems {
			if f.region == region {
				n++
			}
		}
		if float64(n) >= q(region, "elasticfilesystem", quotaFileSystems) {
			return nil, fileSystemLimitExceeded()
		}
	}
	fs := &fileSystem{
		id:          m.w.NewID("fs-", 17),
		region:      region,
		token:       token,
		createdAt:   now,
		encrypted:   encrypted,
		performance: cmp.Or(in.PerformanceMode, types.PerformanceModeGeneralPurpose),
		throughput:  cmp.Or(in.ThroughputMode, types.ThroughputModeBursting),
		provisioned: in.ProvisionedThroughputInMibps,
		zone:        aws.ToString(in.AvailabilityZoneName),
		tags:        slices.Clone(in.Tags),
	}
	fs.readyAt = now.Add(m.w.Latency(LatencyCreate, defaultCreate))
	if encrypted {
		// Without a key, EFS uses the account's AWS managed key aws/elasticfilesystem.
		fs.kmsKeyID = cmp.Or(aws.ToString(in.KmsKeyId),
			fmt.Sprintf("arn:%s:kms:%s:%s:key/00000000-0000-4000-8000-00000000e75f", account.PartitionOf(region), region, account.AccountID))
	}
	m.fileSystems[fs.id] = fs
	d := m.describeFS(fs, now)
	return &sdkefs.CreateFileSystemOutput{
		CreationTime: d.CreationTime, CreationToken: d.CreationToken, FileSystemId: d.FileSystemId,
		FileSystemArn: d.FileSystemArn, LifeCycleState: d.LifeCycleState, NumberOfMountTargets: d.NumberOfMountTargets,
		OwnerId: d.OwnerId, PerformanceMode: d.PerformanceMode, ThroughputMode: d.ThroughputMode,
		ProvisionedThroughputInMibps: d.ProvisionedThroughputInMibps, Encrypted: d.Encrypted, KmsKeyId: d.KmsKeyId,
		SizeInBytes: d.SizeInBytes, Tags: d.Tags, Name: d.Name, AvailabilityZoneName: d.AvailabilityZoneName,
	}, nil
}

func (m *Model) describeFileSystems(ctx context.Context, in *sdkefs.DescribeFileSystemsInput) (*sdkefs.DescribeFileSystemsOutput, error) {
	now := m.w.Now()
	region := account.Region(ctx)
	var matched []*fileSystem
	if in.FileSystemId != nil {
		fs, err := m.fileSystem(region, *in.FileSystemId)
		if err != nil {
			return nil, err
		}
		matched = append(matched, fs)
	} else {
		// An unknown CreationToken is an empty list, not an error.
		for _, fs := range m.fileSystems {
			if fs.region == region && (in.CreationToken == nil || fs.token == *in.CreationToken) {
				matched = append(matched, fs)
			}
		}
		slices.SortFunc(matched, func(a, b *fileSystem) int { return cmp.Compare(a.id, b.id) })
	}
	items, next, err := page(matched, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &sdkefs.DescribeFileSystemsOutput{Marker: in.Marker, NextMarker: next, FileSystems: []types.FileSystemDescription{}}
	for _, fs := range items {
		out.FileSystems = append(out.FileSystems, m.describeFS(fs, now))
	}
	return out, nil
}

func (m *Model) deleteFileSystem(ctx context.Context, in *sdkefs.DeleteFileSystemInput) (*sdkefs.DeleteFileSystemOutput, error) {
	now := m.w.Now()
	fs, err := m.fileSystem(account.Region(ctx), aws.ToString(in.FileSystemId))
	if err != nil {
		return nil, err
	}
	// Mount targets keep a file system in use until they are gone, deleting ones included.
	if len(m.mountTargetsOf(fs.id)) > 0 {
		return nil, fileSystemInUse(fs.id)
	}
	switch state := fs.state(now); state {
	case types.LifeCycleStateDeleting:
		// A repeated delete is accepted while the first one runs.
	case types.LifeCycleStateAvailable:
		fs.startDelete(now, m.w.Latency(LatencyDelete, defaultDelete))
	default:
		return nil, incorrectFileSystemLifeCycleState(fs.id, state)
	}
	return &sdkefs.DeleteFileSystemOutput{}, nil
}

func (m *Model) createMountTarget(ctx context.Context, in *sdkefs.CreateMountTargetInput) (*sdkefs.CreateMountTargetOutput, error) {
	now := m.w.Now()
	region := account.Region(ctx)
	fs, err := m.fileSystem(region, aws.ToString(in.FileSystemId))
	if err != nil {
		return nil, err
	}
	if state := fs.state(now); state != types.LifeCycleStateAvailable {
		return nil, incorrectFileSystemLifeCycleState(fs.id, state)
	}
	subnetID := aws.ToString(in.SubnetId)
	var subnet account.Subnet
	ok := false
	if m.w.Network != nil {
		subnet, ok = m.w.Network.Subnet(subnetID)
	}
	if !ok {
		return nil, subnetNotFound(subnetID)
	}
	if len(in.SecurityGroups) > maxSecurityGroups {
		return nil, securityGroupLimitExceeded(len(in.SecurityGroups))
	}
	// AWS falls back to the VPC's default security group when none is
	// given; account.Network does not expose it, so the ENI then has none.
	for _, sg := range in.SecurityGroups {
		if vpc, ok := m.w.Network.SecurityGroupVPC(sg); !ok || vpc != subnet.VPCID {
			return nil, securityGroupNotFound(sg, subnet.VPCID)
		}
	}
	if fs.zone != "" && fs.zone != subnet.AvailabilityZone {
		return nil, availabilityZonesMismatch(fs.zone, subnet.AvailabilityZone)
	}
	for _, other := range m.mountTargetsOf(fs.id) {
		switch {
		case other.subnet.VPCID != subnet.VPCID:
			return nil, mountTargetConflict("file system '%s' has mount targets in VPC '%s'; all must be in one VPC", fs.id, other.subnet.VPCID)
		case other.subnet.AvailabilityZone == subnet.AvailabilityZone:
			return nil, mountTargetConflict("file system '%s' already has mount target '%s' in Availability Zone '%s'", fs.id, other.id, subnet.AvailabilityZone)
		}
	}
	ip := aws.ToString(in.IpAddress)
	if ip == "" {
		ip = m.hostAddress(subnet)
	}
	mt := &mountTarget{
		id:           m.w.NewID("fsmt-", 17),
		fileSystemID: fs.id,
		region:       region,
		subnet:       subnet,
		groups:       slices.Clone(in.SecurityGroups),
		ip:           ip,
	}
	eni, err := m.w.Network.CreateNetworkInterface(subnetID, mt.groups,
		fmt.Sprintf("EFS mount target for %s (%s)", fs.id, mt.id), false)
	if err != nil {
		// EC2's own refusal (no free addresses, ENI limit) is what AWS answers.
		return nil, err
	}
	mt.eni = eni
	mt.readyAt = now.Add(m.w.Latency(LatencyMountTarget, defaultMountTarget))
	m.mountTargets[mt.id] = mt
	d := m.describeMT(mt, now)
	return &sdkefs.CreateMountTargetOutput{
		FileSystemId: d.FileSystemId, MountTargetId: d.MountTargetId, LifeCycleState: d.LifeCycleState,
		SubnetId: d.SubnetId, VpcId: d.VpcId, AvailabilityZoneName: d.AvailabilityZoneName,
		IpAddress: d.IpAddress, NetworkInterfaceId: d.NetworkInterfaceId, OwnerId: d.OwnerId,
	}, nil
}

func (m *Model) describeMountTargets(ctx context.Context, in *sdkefs.DescribeMountTargetsInput) (*sdkefs.DescribeMountTargetsOutput, error) {
	now := m.w.Now()
	region := account.Region(ctx)
	var matched []*mountTarget
	switch {
	case in.MountTargetId != nil:
		mt, err := m.mountTarget(region, *in.MountTargetId)
		if err != nil {
			return nil, err
		}
		matched = append(matched, mt)
	case in.FileSystemId != nil:
		fs, err := m.fileSystem(region, *in.FileSystemId)
		if err != nil {
			return nil, err
		}
		matched = m.mountTargetsOf(fs.id)
	case in.AccessPointId != nil:
		// Access points are not modeled: none exists.
		return nil, accessPointNotFound(*in.AccessPointId)
	default:
		return nil, badRequest("specify a FileSystemId, MountTargetId or AccessPointId")
	}
	items, next, err := page(matched, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &sdkefs.DescribeMountTargetsOutput{Marker: in.Marker, NextMarker: next, MountTargets: []types.MountTargetDescription{}}
	for _, mt := range items {
		out.MountTargets = append(out.MountTargets, m.describeMT(mt, now))
	}
	return out, nil
}

func (m *Model) deleteMountTarget(ctx context.Context, in *sdkefs.DeleteMountTargetInput) (*sdkefs.DeleteMountTargetOutput, error) {
	now := m.w.Now()
	mt, err := m.mountTarget(account.Region(ctx), aws.ToString(in.MountTargetId))
	if err != nil {
		return nil, err
	}
	// A creating mount target may be deleted; a repeated delete is accepted
	// and keeps the first one's timing.
	if mt.deletingAt.IsZero() {
		mt.startDelete(now, m.w.Latency(LatencyMountTargetDelete, defaultMountTargetDelete))
	}
	return &sdkefs.DeleteMountTargetOutput{}, nil
}

func (m *Model) describeMountTargetSecurityGroups(ctx context.Context, in *sdkefs.DescribeMountTargetSecurityGroupsInput) (*sdkefs.DescribeMountTargetSecurityGroupsOutput, error) {
	mt, err := m.mountTarget(account.Region(ctx), aws.ToString(in.MountTargetId))
	if err != nil {
		return nil, err
	}
	return &sdkefs.DescribeMountTargetSecurityGroupsOutput{SecurityGroups: slices.Clone(mt.groups)}, nil
}

// quotaFileSystems is "File systems per account" (per region; Service
// Quotas), which CreateFileSystem enforces.
const quotaFileSystems = "L-848C634D"
