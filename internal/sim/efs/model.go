// Package efs simulates Amazon EFS: file systems (CreationToken
// idempotency, creating→available→deleting lifecycles on the account's
// clock) and mount targets (one per Availability Zone, in one VPC, each
// owning a network interface in the simulated EC2 that keeps its security
// groups in use until the mount target is gone).
//
// It imports account and the EFS SDK's types; never steps, engine or another
// service model (EC2 is reached through account.Network).
package efs

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkefs "github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"

	"geusemaker/internal/sim/account"
)

// Limits of the EFS API.
const (
	maxCreationTokenLen = 64  // CreationToken: 1–64 characters
	maxSecurityGroups   = 5   // security groups per mount target
	defaultMaxItems     = 100 // DescribeFileSystems / DescribeMountTargets page size
	// firstHostOffset skips the addresses AWS reserves at the start of
	// every subnet (network, router, DNS, future use).
	firstHostOffset = 4
)

// Model is the simulated EFS of one account, all regions. Its methods run
// under the account's lock.
type Model struct {
	w            *account.Account
	fileSystems  map[string]*fileSystem
	mountTargets map[string]*mountTarget
	hosts        map[string]int // addresses handed out per subnet
}

// Register adds a simulated EFS to w and returns it.
func Register(w *account.Account) *Model {
	m := &Model{
		w:            w,
		fileSystems:  map[string]*fileSystem{},
		mountTargets: map[string]*mountTarget{},
		hosts:        map[string]int{},
	}
	w.Register(m)
	return m
}

// lifecycle derives a resource's state from timestamps, so nothing has to
// run when time passes.
type lifecycle struct {
	readyAt    time.Time // creating until then
	deletingAt time.Time // zero until a delete was accepted
	goneAt     time.Time // deleted from then on
}

func (l *lifecycle) state(now time.Time) types.LifeCycleState {
	switch {
	case !l.deletingAt.IsZero() && !now.Before(l.goneAt):
		return types.LifeCycleStateDeleted
	case !l.deletingAt.IsZero():
		return types.LifeCycleStateDeleting
	case now.Before(l.readyAt):
		return types.LifeCycleStateCreating
	default:
		return types.LifeCycleStateAvailable
	}
}

func (l *lifecycle) startDelete(now time.Time, d time.Duration) {
	l.deletingAt = now
	l.goneAt = now.Add(d)
}

type fileSystem struct {
	lifecycle
	id, region, token string
	createdAt         time.Time
	encrypted         bool
	kmsKeyID          string
	performance       types.PerformanceMode
	throughput        types.ThroughputMode
	provisioned       *float64
	zone              string // One Zone file systems only
	tags              []types.Tag
}

type mountTarget struct {
	lifecycle
	id, fileSystemID, region string
	subnet                   account.Subnet
	groups                   []string
	ip                       string
	eni                      string
}

// ServiceID is the SDK's service id, "EFS".
func (m *Model) ServiceID() string { return sdkefs.ServiceID }

// Operations maps the modeled EFS operations to their handlers.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"CreateFileSystem":                  account.Op(m.createFileSystem),
		"DescribeFileSystems":               account.Op(m.describeFileSystems),
		"DeleteFileSystem":                  account.Op(m.deleteFileSystem),
		"CreateMountTarget":                 account.Op(m.createMountTarget),
		"DescribeMountTargets":              account.Op(m.describeMountTargets),
		"DeleteMountTarget":                 account.Op(m.deleteMountTarget),
		"DescribeMountTargetSecurityGroups": account.Op(m.describeMountTargetSecurityGroups),
	}
}

// Inventory lists the file systems and mount targets not yet deleted.
func (m *Model) Inventory(now time.Time) []account.Resource {
	var out []account.Resource
	for _, fs := range m.fileSystems {
		out = append(out, account.Resource{
			Service: sdkefs.ServiceID, Type: "file-system", ID: fs.id,
			State: string(fs.state(now)), Region: fs.region, Tags: tagMap(fs.tags),
		})
	}
	for _, mt := range m.mountTargets {
		out = append(out, account.Resource{
			Service: sdkefs.ServiceID, Type: "mount-target", ID: mt.id,
			State: string(mt.state(now)), Region: mt.region,
		})
	}
	return out
}

// Settle forgets what is gone by now. A mount target's network interface
// lives until the mount target is gone, so the security groups stay in use
// while it is "deleting", as in AWS. The account settles before every call
// of any service (account.Settler).
func (m *Model) Settle(now time.Time) {
	for id, mt := range m.mountTargets {
		if mt.state(now) == types.LifeCycleStateDeleted {
			if m.w.Network != nil {
				m.w.Network.DeleteNetworkInterface(mt.eni)
			}
			delete(m.mountTargets, id)
		}
	}
	for id, fs := range m.fileSystems {
		if fs.state(now) == types.LifeCycleStateDeleted {
			delete(m.fileSystems, id)
		}
	}
}

// fileSystem returns a live file system of region.
func (m *Model) fileSystem(region, id string) (*fileSystem, error) {
	fs, ok := m.fileSystems[id]
	if !ok || fs.region != region {
		return nil, fileSystemNotFound(id)
	}
	return fs, nil
}

// mountTarget returns a live mount target of region.
func (m *Model) mountTarget(region, id string) (*mountTarget, error) {
	mt, ok := m.mountTargets[id]
	if !ok || mt.region != region {
		return nil, mountTargetNotFound(id)
	}
	return mt, nil
}

// mountTargetsOf returns the live mount targets of a file system, by id.
func (m *Model) mountTargetsOf(fsID string) []*mountTarget {
	var out []*mountTarget
	for _, mt := range m.mountTargets {
		if mt.fileSystemID == fsID {
			out = append(out, mt)
		}
	}
	slices.SortFunc(out, func(a, b *mountTarget) int { return cmp.Compare(a.id, b.id) })
	return out
}

func (m *Model) fileSystemARN(fs *fileSystem) string {
	return fmt.Sprintf("arn:%s:elasticfilesystem:%s:%s:file-system/%s", account.PartitionOf(fs.region), fs.region, account.AccountID, fs.id)
}

func (m *Model) describeFS(fs *fileSystem, now time.Time) types.FileSystemDescription {
	d := types.FileSystemDescription{
		CreationTime:                 aws.Time(fs.createdAt),
		CreationToken:                aws.String(fs.token),
		FileSystemId:                 aws.String(fs.id),
		FileSystemArn:                aws.String(m.fileSystemARN(fs)),
		LifeCycleState:               fs.state(now),
		NumberOfMountTargets:         int32(len(m.mountTargetsOf(fs.id))),
		OwnerId:                      aws.String(account.AccountID),
		PerformanceMode:              fs.performance,
		ThroughputMode:               fs.throughput,
		ProvisionedThroughputInMibps: fs.provisioned,
		Encrypted:                    aws.Bool(fs.encrypted),
		SizeInBytes:                  &types.FileSystemSize{Value: 6144, Timestamp: aws.Time(now)},
		Tags:                         slices.Clone(fs.tags),
	}
	if fs.encrypted {
		d.KmsKeyId = aws.String(fs.kmsKeyID)
	}
	if fs.zone != "" {
		d.AvailabilityZoneName = aws.String(fs.zone)
	}
	if name, ok := tagMap(fs.tags)["Name"]; ok {
		d.Name = aws.String(name)
	}
	return d
}

func (m *Model) describeMT(mt *mountTarget, now time.Time) types.MountTargetDescription {
	return types.MountTargetDescription{
		FileSystemId:         aws.String(mt.fileSystemID),
		MountTargetId:        aws.String(mt.id),
		LifeCycleState:       mt.state(now),
		SubnetId:             aws.String(mt.subnet.ID),
		VpcId:                aws.String(mt.subnet.VPCID),
		AvailabilityZoneName: aws.String(mt.subnet.AvailabilityZone),
		IpAddress:            aws.String(mt.ip),
		NetworkInterfaceId:   aws.String(mt.eni),
		OwnerId:              aws.String(account.AccountID),
	}
}

// hostAddress hands out the next free address of a subnet.
func (m *Model) hostAddress(s account.Subnet) string {
	p, err := netip.ParsePrefix(s.CIDR)
	if err != nil {
		return ""
	}
	a := p.Masked().Addr()
	for range firstHostOffset + m.hosts[s.ID] {
		a = a.Next()
	}
	m.hosts[s.ID]++
	return a.String()
}

func tagMap(tags []types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// page returns one page of items: marker is the index of its first item
// (EFS markers are opaque; an index is enough for one account).
func page[T any](items []T, marker *string, maxItems *int32) ([]T, *string, error) {
	start := 0
	if marker != nil {
		n, err := strconv.Atoi(*marker)
		if err != nil || n < 0 || n > len(items) {
			return nil, nil, badRequest("invalid Marker %q", *marker)
		}
		start = n
	}
	size := defaultMaxItems
	if maxItems != nil {
		if *maxItems < 1 {
			return nil, nil, badRequest("MaxItems must be at least 1")
		}
		size = int(*maxItems)
	}
	end := min(start+size, len(items))
	var next *string
	if end < len(items) {
		next = aws.String(strconv.Itoa(end))
	}
	return items[start:end], next, nil
}

// MountTarget returns the security groups of the file system's available
// mount target in zone of region, for an instance that mounts it there:
// EFS allows one mount target per zone, and a client mounts the one in its
// own zone. false when there is none (yet).
func (m *Model) MountTarget(region, fileSystemID, zone string) (groups []string, ok bool) {
	now := m.w.Now()
	for _, mt := range m.mountTargets {
		if mt.region == region && mt.fileSystemID == fileSystemID && mt.subnet.AvailabilityZone == zone &&
			mt.state(now) == types.LifeCycleStateAvailable {
			return slices.Clone(mt.groups), true
		}
	}
	return nil, false
}
