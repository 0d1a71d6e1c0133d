package efs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkefs "github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/efs"
	"geusemaker/internal/sim/efs/efstest"
)

type env struct {
	w   *account.Account
	net *efstest.Network
	efs *sdkefs.Client
	clk *clock.Virtual
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(account.WithClock(clk))
	net := efstest.NewNetwork()
	w.Network = net
	efs.Register(w)
	return &env{w: w, net: net, efs: sdkefs.NewFromConfig(w.Config("us-east-1")), clk: clk}
}

// fileSystem creates a file system with token and lets it become available.
func (e *env) fileSystem(t *testing.T, token string) string {
	t.Helper()
	out, err := e.efs.CreateFileSystem(context.Background(), &sdkefs.CreateFileSystemInput{CreationToken: aws.String(token), Encrypted: aws.Bool(true)})
	require.NoError(t, err)
	e.clk.Advance(20 * time.Second)
	return aws.ToString(out.FileSystemId)
}

func (e *env) mountTarget(t *testing.T, fsID, subnet string) *sdkefs.CreateMountTargetOutput {
	t.Helper()
	out, err := e.efs.CreateMountTarget(context.Background(), &sdkefs.CreateMountTargetInput{
		FileSystemId: aws.String(fsID), SubnetId: aws.String(subnet), SecurityGroups: []string{efstest.GroupEFS},
	})
	require.NoError(t, err)
	return out
}

func (e *env) fsState(t *testing.T, id string) types.LifeCycleState {
	t.Helper()
	out, err := e.efs.DescribeFileSystems(context.Background(), &sdkefs.DescribeFileSystemsInput{FileSystemId: aws.String(id)})
	require.NoError(t, err)
	require.Len(t, out.FileSystems, 1)
	return out.FileSystems[0].LifeCycleState
}

func (e *env) mtState(t *testing.T, id string) types.LifeCycleState {
	t.Helper()
	out, err := e.efs.DescribeMountTargets(context.Background(), &sdkefs.DescribeMountTargetsInput{MountTargetId: aws.String(id)})
	require.NoError(t, err)
	require.Len(t, out.MountTargets, 1)
	return out.MountTargets[0].LifeCycleState
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, code, ae.ErrorCode())
}

func TestCreateFileSystemBecomesAvailableAfterLatency(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	out, err := e.efs.CreateFileSystem(ctx, &sdkefs.CreateFileSystemInput{
		CreationToken:  aws.String("tok"),
		Encrypted:      aws.Bool(true),
		ThroughputMode: types.ThroughputModeElastic,
		Tags:           []types.Tag{{Key: aws.String("Name"), Value: aws.String("demo-efs")}},
	})
	require.NoError(t, err)
	id := aws.ToString(out.FileSystemId)
	assert.Regexp(t, `^fs-[0-9a-f]{17}$`, id)
	assert.Equal(t, types.LifeCycleStateCreating, out.LifeCycleState)
	assert.Equal(t, types.PerformanceModeGeneralPurpose, out.PerformanceMode)
	assert.Equal(t, types.ThroughputModeElastic, out.ThroughputMode)
	assert.True(t, aws.ToBool(out.Encrypted))
	assert.Contains(t, aws.ToString(out.KmsKeyId), "arn:aws:kms:us-east-1:")
	assert.Equal(t, "demo-efs", aws.ToString(out.Name))
	assert.Equal(t, "arn:aws:elasticfilesystem:us-east-1:"+account.AccountID+":file-system/"+id, aws.ToString(out.FileSystemArn))

	e.clk.Advance(19 * time.Second)
	assert.Equal(t, types.LifeCycleStateCreating, e.fsState(t, id))
	e.clk.Advance(time.Second)
	assert.Equal(t, types.LifeCycleStateAvailable, e.fsState(t, id))
}

func TestCreateFileSystemRepeatedTokenReturnsExistingID(t *testing.T) {
	e := newEnv(t)
	id := e.fileSystem(t, "tok")
	_, err := e.efs.CreateFileSystem(context.Background(), &sdkefs.CreateFileSystemInput{CreationToken: aws.String("tok")})
	var exists *types.FileSystemAlreadyExists
	require.ErrorAs(t, err, &exists)
	assert.Equal(t, id, aws.ToString(exists.FileSystemId))
	out, err := e.efs.DescribeFileSystems(context.Background(), &sdkefs.DescribeFileSystemsInput{})
	require.NoError(t, err)
	assert.Len(t, out.FileSystems, 1)
}

func TestCreateFileSystemRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		in   sdkefs.CreateFileSystemInput
	}{
		{"token too long", sdkefs.CreateFileSystemInput{CreationToken: aws.String(fmt.Sprintf("%065d", 0))}},
		{"provisioned without throughput", sdkefs.CreateFileSystemInput{CreationToken: aws.String("t"), ThroughputMode: types.ThroughputModeProvisioned}},
		{"kms key without encryption", sdkefs.CreateFileSystemInput{CreationToken: aws.String("t"), KmsKeyId: aws.String("k")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.efs.CreateFileSystem(context.Background(), &tt.in)
			var bad *types.BadRequest
			require.ErrorAs(t, err, &bad)
		})
	}
}

func TestCreateFileSystemWithoutTokenGetsOneFromTheSDK(t *testing.T) {
	e := newEnv(t)
	out, err := e.efs.CreateFileSystem(context.Background(), &sdkefs.CreateFileSystemInput{})
	require.NoError(t, err)
	assert.NotEmpty(t, aws.ToString(out.CreationToken))
	assert.False(t, aws.ToBool(out.Encrypted))
	assert.Nil(t, out.KmsKeyId)
}

func TestDescribeFileSystems(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.fileSystem(t, "one")
	second := e.fileSystem(t, "two")

	t.Run("unknown id is FileSystemNotFound", func(t *testing.T) {
		_, err := e.efs.DescribeFileSystems(ctx, &sdkefs.DescribeFileSystemsInput{FileSystemId: aws.String("fs-00000000000000999")})
		var nf *types.FileSystemNotFound
		require.ErrorAs(t, err, &nf)
	})
	t.Run("unknown token is an empty list", func(t *testing.T) {
		out, err := e.efs.DescribeFileSystems(ctx, &sdkefs.DescribeFileSystemsInput{CreationToken: aws.String("nope")})
		require.NoError(t, err)
		assert.Empty(t, out.FileSystems)
	})
	t.Run("by token", func(t *testing.T) {
		out, err := e.efs.DescribeFileSystems(ctx, &sdkefs.DescribeFileSystemsInput{CreationToken: aws.String("two")})
		require.NoError(t, err)
		require.Len(t, out.FileSystems, 1)
		assert.Equal(t, second, aws.ToString(out.FileSystems[0].FileSystemId))
	})
	t.Run("pages with the paginator", func(t *testing.T) {
		p := sdkefs.NewDescribeFileSystemsPaginator(e.efs, &sdkefs.DescribeFileSystemsInput{MaxItems: aws.Int32(1)})
		var ids []string
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			require.NoError(t, err)
			for _, fs := range out.FileSystems {
				ids = append(ids, aws.ToString(fs.FileSystemId))
			}
		}
		assert.Equal(t, []string{first, second}, ids)
	})
	t.Run("bad marker is BadRequest", func(t *testing.T) {
		_, err := e.efs.DescribeFileSystems(ctx, &sdkefs.DescribeFileSystemsInput{Marker: aws.String("x")})
		requireCode(t, err, "BadRequest")
	})
	t.Run("zero MaxItems is BadRequest", func(t *testing.T) {
		_, err := e.efs.DescribeFileSystems(ctx, &sdkefs.DescribeFileSystemsInput{MaxItems: aws.Int32(0)})
		requireCode(t, err, "BadRequest")
	})
	t.Run("another region sees none", func(t *testing.T) {
		west := sdkefs.NewFromConfig(e.w.Config("us-west-2"))
		out, err := west.DescribeFileSystems(ctx, &sdkefs.DescribeFileSystemsInput{})
		require.NoError(t, err)
		assert.Empty(t, out.FileSystems)
		_, err = west.DescribeFileSystems(ctx, &sdkefs.DescribeFileSystemsInput{FileSystemId: aws.String(first)})
		requireCode(t, err, "FileSystemNotFound")
	})
}

func TestDeleteFileSystem(t *testing.T) {
	ctx := context.Background()
	t.Run("creating is IncorrectFileSystemLifeCycleState", func(t *testing.T) {
		e := newEnv(t)
		out, err := e.efs.CreateFileSystem(ctx, &sdkefs.CreateFileSystemInput{CreationToken: aws.String("t")})
		require.NoError(t, err)
		_, err = e.efs.DeleteFileSystem(ctx, &sdkefs.DeleteFileSystemInput{FileSystemId: out.FileSystemId})
		var state *types.IncorrectFileSystemLifeCycleState
		require.ErrorAs(t, err, &state)
	})
	t.Run("with a mount target is FileSystemInUse", func(t *testing.T) {
		e := newEnv(t)
		id := e.fileSystem(t, "t")
		mt := e.mountTarget(t, id, efstest.SubnetA)
		_, err := e.efs.DeleteFileSystem(ctx, &sdkefs.DeleteFileSystemInput{FileSystemId: aws.String(id)})
		var inUse *types.FileSystemInUse
		require.ErrorAs(t, err, &inUse)

		// Still in use while the mount target is deleting.
		_, err = e.efs.DeleteMountTarget(ctx, &sdkefs.DeleteMountTargetInput{MountTargetId: mt.MountTargetId})
		require.NoError(t, err)
		_, err = e.efs.DeleteFileSystem(ctx, &sdkefs.DeleteFileSystemInput{FileSystemId: aws.String(id)})
		require.ErrorAs(t, err, &inUse)
		e.clk.Advance(60 * time.Second)
		_, err = e.efs.DeleteFileSystem(ctx, &sdkefs.DeleteFileSystemInput{FileSystemId: aws.String(id)})
		require.NoError(t, err)
	})
	t.Run("available goes deleting then gone, and its token is free again", func(t *testing.T) {
		e := newEnv(t)
		id := e.fileSystem(t, "t")
		_, err := e.efs.DeleteFileSystem(ctx, &sdkefs.DeleteFileSystemInput{FileSystemId: aws.String(id)})
		require.NoError(t, err)
		assert.Equal(t, types.LifeCycleStateDeleting, e.fsState(t, id))
		_, err = e.efs.DeleteFileSystem(ctx, &sdkefs.DeleteFileSystemInput{FileSystemId: aws.String(id)})
		require.NoError(t, err, "a repeated delete is accepted while deleting")
		e.clk.Advance(5 * time.Second)
		_, err = e.efs.DeleteFileSystem(ctx, &sdkefs.DeleteFileSystemInput{FileSystemId: aws.String(id)})
		var nf *types.FileSystemNotFound
		require.ErrorAs(t, err, &nf)
		_, err = e.efs.CreateFileSystem(ctx, &sdkefs.CreateFileSystemInput{CreationToken: aws.String("t")})
		require.NoError(t, err)
	})
}

func TestCreateMountTargetBecomesAvailableWithAnENI(t *testing.T) {
	e := newEnv(t)
	id := e.fileSystem(t, "t")
	out := e.mountTarget(t, id, efstest.SubnetA)
	mtID := aws.ToString(out.MountTargetId)
	assert.Regexp(t, `^fsmt-[0-9a-f]{17}$`, mtID)
	assert.Equal(t, types.LifeCycleStateCreating, out.LifeCycleState)
	assert.Equal(t, efstest.VPC, aws.ToString(out.VpcId))
	assert.Equal(t, "us-east-1a", aws.ToString(out.AvailabilityZoneName))
	assert.Equal(t, "10.0.0.4", aws.ToString(out.IpAddress))
	eni := e.net.ENIs[aws.ToString(out.NetworkInterfaceId)]
	assert.Equal(t, []string{efstest.GroupEFS}, eni.Groups)
	assert.Equal(t, fmt.Sprintf("EFS mount target for %s (%s)", id, mtID), eni.Description)

	e.clk.Advance(89 * time.Second)
	assert.Equal(t, types.LifeCycleStateCreating, e.mtState(t, mtID))
	e.clk.Advance(time.Second)
	assert.Equal(t, types.LifeCycleStateAvailable, e.mtState(t, mtID))

	fs, err := e.efs.DescribeFileSystems(context.Background(), &sdkefs.DescribeFileSystemsInput{FileSystemId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, int32(1), fs.FileSystems[0].NumberOfMountTargets)

	groups, err := e.efs.DescribeMountTargetSecurityGroups(context.Background(), &sdkefs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID)})
	require.NoError(t, err)
	assert.Equal(t, []string{efstest.GroupEFS}, groups.SecurityGroups)
}

func TestCreateMountTargetRefusals(t *testing.T) {
	tooMany := []string{efstest.GroupEFS, efstest.GroupEFS, efstest.GroupEFS, efstest.GroupEFS, efstest.GroupEFS, efstest.GroupEFS}
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env, fsID string) // state before the create
		fsID    string                                  // overrides the file system
		subnet  string
		groups  []string
		code    string
		target  any
	}{
		{name: "unknown file system", fsID: "fs-00000000000000999", subnet: efstest.SubnetA, code: "FileSystemNotFound", target: new(*types.FileSystemNotFound)},
		{name: "unknown subnet", subnet: "subnet-404", code: "SubnetNotFound", target: new(*types.SubnetNotFound)},
		{name: "group of another VPC", subnet: efstest.SubnetA, groups: []string{efstest.GroupX}, code: "SecurityGroupNotFound", target: new(*types.SecurityGroupNotFound)},
		{name: "unknown group", subnet: efstest.SubnetA, groups: []string{"sg-404"}, code: "SecurityGroupNotFound", target: new(*types.SecurityGroupNotFound)},
		{name: "more than five groups", subnet: efstest.SubnetA, groups: tooMany, code: "SecurityGroupLimitExceeded", target: new(*types.SecurityGroupLimitExceeded)},
		{
			name:    "second in the same zone",
			prepare: func(t *testing.T, e *env, fsID string) { e.mountTarget(t, fsID, efstest.SubnetA) },
			subnet:  efstest.SubnetA2, code: "MountTargetConflict", target: new(*types.MountTargetConflict),
		},
		{
			name:    "another VPC than the first",
			prepare: func(t *testing.T, e *env, fsID string) { e.mountTarget(t, fsID, efstest.SubnetA) },
			subnet:  efstest.SubnetX, code: "MountTargetConflict", target: new(*types.MountTargetConflict),
		},
		{
			name: "ENI refused by EC2",
			prepare: func(_ *testing.T, e *env, _ string) {
				e.w.Do(func() { e.net.CreateErr = account.APIError("NetworkInterfaceLimitExceeded", "limit") })
			},
			subnet: efstest.SubnetA, code: "NetworkInterfaceLimitExceeded", target: new(smithy.APIError),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			fsID := e.fileSystem(t, "t")
			if tt.prepare != nil {
				tt.prepare(t, e, fsID)
			}
			if tt.fsID != "" {
				fsID = tt.fsID
			}
			_, err := e.efs.CreateMountTarget(context.Background(), &sdkefs.CreateMountTargetInput{
				FileSystemId: aws.String(fsID), SubnetId: aws.String(tt.subnet), SecurityGroups: tt.groups,
			})
			require.ErrorAs(t, err, tt.target)
			requireCode(t, err, tt.code)
		})
	}
}

func TestCreateMountTargetNeedsAvailableFileSystem(t *testing.T) {
	e := newEnv(t)
	out, err := e.efs.CreateFileSystem(context.Background(), &sdkefs.CreateFileSystemInput{CreationToken: aws.String("t")})
	require.NoError(t, err)
	_, err = e.efs.CreateMountTarget(context.Background(), &sdkefs.CreateMountTargetInput{FileSystemId: out.FileSystemId, SubnetId: aws.String(efstest.SubnetA)})
	var state *types.IncorrectFileSystemLifeCycleState
	require.ErrorAs(t, err, &state)
}

func TestCreateMountTargetOneZoneFileSystemOnlyInItsZone(t *testing.T) {
	e := newEnv(t)
	out, err := e.efs.CreateFileSystem(context.Background(), &sdkefs.CreateFileSystemInput{CreationToken: aws.String("t"), AvailabilityZoneName: aws.String("us-east-1b")})
	require.NoError(t, err)
	e.clk.Advance(time.Minute)
	_, err = e.efs.CreateMountTarget(context.Background(), &sdkefs.CreateMountTargetInput{FileSystemId: out.FileSystemId, SubnetId: aws.String(efstest.SubnetA)})
	var mismatch *types.AvailabilityZonesMismatch
	require.ErrorAs(t, err, &mismatch)
}

func TestCreateMountTargetWithoutNetworkIsSubnetNotFound(t *testing.T) {
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(account.WithClock(clk))
	efs.Register(w)
	client := sdkefs.NewFromConfig(w.Config("us-east-1"))
	out, err := client.CreateFileSystem(context.Background(), &sdkefs.CreateFileSystemInput{CreationToken: aws.String("t")})
	require.NoError(t, err)
	clk.Advance(time.Minute)
	_, err = client.CreateMountTarget(context.Background(), &sdkefs.CreateMountTargetInput{FileSystemId: out.FileSystemId, SubnetId: aws.String(efstest.SubnetA)})
	requireCode(t, err, "SubnetNotFound")
}

func TestDescribeMountTargets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fsID := e.fileSystem(t, "t")
	a := e.mountTarget(t, fsID, efstest.SubnetA)
	b := e.mountTarget(t, fsID, efstest.SubnetB)
	assert.Equal(t, "10.0.1.4", aws.ToString(b.IpAddress))

	t.Run("by file system, paged", func(t *testing.T) {
		p := sdkefs.NewDescribeMountTargetsPaginator(e.efs, &sdkefs.DescribeMountTargetsInput{FileSystemId: aws.String(fsID), MaxItems: aws.Int32(1)})
		var ids []string
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			require.NoError(t, err)
			for _, mt := range out.MountTargets {
				ids = append(ids, aws.ToString(mt.MountTargetId))
			}
		}
		assert.Equal(t, []string{aws.ToString(a.MountTargetId), aws.ToString(b.MountTargetId)}, ids)
	})
	tests := []struct {
		name string
		in   sdkefs.DescribeMountTargetsInput
		code string
	}{
		{"unknown mount target", sdkefs.DescribeMountTargetsInput{MountTargetId: aws.String("fsmt-404")}, "MountTargetNotFound"},
		{"unknown file system", sdkefs.DescribeMountTargetsInput{FileSystemId: aws.String("fs-404")}, "FileSystemNotFound"},
		{"access point", sdkefs.DescribeMountTargetsInput{AccessPointId: aws.String("fsap-404")}, "AccessPointNotFound"},
		{"nothing to describe", sdkefs.DescribeMountTargetsInput{}, "BadRequest"},
		{"bad marker", sdkefs.DescribeMountTargetsInput{FileSystemId: aws.String(fsID), Marker: aws.String("9")}, "BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.efs.DescribeMountTargets(ctx, &tt.in)
			requireCode(t, err, tt.code)
		})
	}
}

func TestDeleteMountTargetKeepsENIUntilGone(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fsID := e.fileSystem(t, "t")
	out := e.mountTarget(t, fsID, efstest.SubnetA)
	e.clk.Advance(90 * time.Second)

	_, err := e.efs.DeleteMountTarget(ctx, &sdkefs.DeleteMountTargetInput{MountTargetId: out.MountTargetId})
	require.NoError(t, err)
	assert.Equal(t, types.LifeCycleStateDeleting, e.mtState(t, aws.ToString(out.MountTargetId)))
	e.clk.Advance(30 * time.Second)
	_, err = e.efs.DeleteMountTarget(ctx, &sdkefs.DeleteMountTargetInput{MountTargetId: out.MountTargetId})
	require.NoError(t, err, "a repeated delete is accepted")
	assert.Contains(t, e.net.ENIs, aws.ToString(out.NetworkInterfaceId))

	e.clk.Advance(30 * time.Second)
	_, err = e.efs.DescribeMountTargets(ctx, &sdkefs.DescribeMountTargetsInput{MountTargetId: out.MountTargetId})
	var nf *types.MountTargetNotFound
	require.ErrorAs(t, err, &nf)
	assert.NotContains(t, e.net.ENIs, aws.ToString(out.NetworkInterfaceId))

	_, err = e.efs.DeleteMountTarget(ctx, &sdkefs.DeleteMountTargetInput{MountTargetId: out.MountTargetId})
	require.ErrorAs(t, err, &nf)
	_, err = e.efs.DescribeMountTargetSecurityGroups(ctx, &sdkefs.DescribeMountTargetSecurityGroupsInput{MountTargetId: out.MountTargetId})
	require.ErrorAs(t, err, &nf)
}

func TestInventoryListsWhatIsNotDeleted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fsID, err := e.efs.CreateFileSystem(ctx, &sdkefs.CreateFileSystemInput{
		CreationToken: aws.String("t"), Tags: []types.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}},
	})
	require.NoError(t, err)
	e.clk.Advance(20 * time.Second)
	mt := e.mountTarget(t, aws.ToString(fsID.FileSystemId), efstest.SubnetA)

	inv := e.w.Inventory()
	require.Len(t, inv, 2)
	assert.Equal(t, account.Resource{Service: "EFS", Type: "file-system", ID: aws.ToString(fsID.FileSystemId), State: "available", Region: "us-east-1", Tags: map[string]string{"geusemaker:deployment": "demo"}}, inv[0])
	assert.Equal(t, account.Resource{Service: "EFS", Type: "mount-target", ID: aws.ToString(mt.MountTargetId), State: "creating", Region: "us-east-1"}, inv[1])

	_, err = e.efs.DeleteMountTarget(ctx, &sdkefs.DeleteMountTargetInput{MountTargetId: mt.MountTargetId})
	require.NoError(t, err)
	e.clk.Advance(time.Minute)
	_, err = e.efs.DeleteFileSystem(ctx, &sdkefs.DeleteFileSystemInput{FileSystemId: fsID.FileSystemId})
	require.NoError(t, err)
	e.clk.Advance(time.Minute)
	assert.Empty(t, e.w.Inventory())
	assert.Empty(t, e.net.ENIs)
}

func TestLatencyOverride(t *testing.T) {
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(account.WithClock(clk), account.WithLatency(efs.LatencyCreate, 0))
	efs.Register(w)
	client := sdkefs.NewFromConfig(w.Config("us-east-1"))
	out, err := client.CreateFileSystem(context.Background(), &sdkefs.CreateFileSystemInput{CreationToken: aws.String("t")})
	require.NoError(t, err)
	assert.Equal(t, types.LifeCycleStateAvailable, out.LifeCycleState)
}
