package efs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkefs "github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/efs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	simefs "geusemaker/internal/sim/efs"
	"geusemaker/internal/sim/efs/efstest"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/efs"
	"geusemaker/internal/steps/step"
)

type env struct {
	w       *account.Account
	net     *efstest.Network
	clk     *clock.Virtual
	efs     *sdkefs.Client
	actions step.Actions
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(account.WithClock(clk))
	net := efstest.NewNetwork()
	w.Network = net
	simefs.Register(w)
	cfg := w.Config("us-east-1")
	step := efs.New(cfg, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &env{w: w, net: net, clk: clk, efs: sdkefs.NewFromConfig(cfg), actions: step.Actions()}
}

// run is the run id the validate step recorded in newDoc's document.
const run = "run1"

func newDoc() *document.Document {
	return &document.Document{
		Request: document.Request{DeploymentID: "demo", Tier: document.TierDev, Region: "us-east-1"},
		Run:     run,
		Resources: document.Ledger{
			VPCID:            efstest.VPC,
			SubnetIDs:        []string{efstest.SubnetA, efstest.SubnetA2, efstest.SubnetB},
			SecurityGroupIDs: map[string]string{document.SGRoleEFS: efstest.GroupEFS},
		},
	}
}

func (e *env) run(t *testing.T, action string, doc *document.Document) error {
	t.Helper()
	act, ok := e.actions[action]
	require.True(t, ok, action)
	return act(context.Background(), doc)
}

func (e *env) mustRun(t *testing.T, action string, doc *document.Document) {
	t.Helper()
	require.NoError(t, e.run(t, action, doc))
}

// ready runs the file system and mount target creates and lets them become available.
func (e *env) ready(t *testing.T, doc *document.Document) {
	t.Helper()
	e.mustRun(t, contract.ActionCreateFileSystem, doc)
	e.clk.Advance(20 * time.Second)
	e.mustRun(t, contract.ActionCreateMountTargets, doc)
	e.clk.Advance(90 * time.Second)
}

func (e *env) fileSystems(t *testing.T) []types.FileSystemDescription {
	t.Helper()
	out, err := e.efs.DescribeFileSystems(context.Background(), &sdkefs.DescribeFileSystemsInput{})
	require.NoError(t, err)
	return out.FileSystems
}

func (e *env) mountTargets(t *testing.T, fsID string) []types.MountTargetDescription {
	t.Helper()
	out, err := e.efs.DescribeMountTargets(context.Background(), &sdkefs.DescribeMountTargetsInput{FileSystemId: aws.String(fsID)})
	require.NoError(t, err)
	return out.MountTargets
}

func (e *env) fault(op, code string, times int) {
	e.w.Inject(account.Fault{Service: "EFS", Operation: op, Code: code, Times: times})
}

// requireStepError checks the ASL name, the AWS code and that the cause
// JSON tells the user what to do.
func requireStepError(t *testing.T, err error, name, code string) {
	t.Helper()
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, name, se.Name)
	var cause document.Cause
	require.NoError(t, json.Unmarshal([]byte(se.CauseJSON()), &cause))
	assert.Equal(t, code, cause.AWSErrorCode)
	assert.NotEmpty(t, cause.Remediation)
	assert.NotEmpty(t, cause.Message)
	assert.Contains(t, cause.Step, "efs-")
	if code != "" {
		assert.NotEmpty(t, cause.AWSRequestID)
	}
}

func TestCreateFileSystemCreatesOneEncryptedTaggedFileSystem(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	e.mustRun(t, contract.ActionCreateFileSystem, doc)

	fss := e.fileSystems(t)
	require.Len(t, fss, 1)
	fs := fss[0]
	assert.Equal(t, aws.ToString(fs.FileSystemId), doc.Resources.EFSID)
	assert.Equal(t, doc.Token("efs"), aws.ToString(fs.CreationToken))
	assert.True(t, aws.ToBool(fs.Encrypted))
	assert.Equal(t, "demo-efs", aws.ToString(fs.Name))
	tags := map[string]string{}
	for _, tag := range fs.Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	assert.Equal(t, "demo", tags[document.TagDeployment])
	assert.Equal(t, document.ManagedByValue, tags[document.TagManagedBy])
	assert.Equal(t, document.Timestamp(account.Epoch.Add(10*time.Minute)), doc.Deadlines[contract.StatusEFS])
	assert.Equal(t, document.Poll{Status: "creating", Percent: 1, NextPollSeconds: 22}, doc.Status[contract.StatusEFS],
		"the first wait can read when to poll: just after the typical 20 s")
	assert.Equal(t, document.StageStorage, doc.Progress.Stage)
	assert.Equal(t, doc.Resources.EFSID, doc.Progress.ResourceID)
	assert.False(t, doc.Resources.Supplied(document.KeyEFSID))
}

func TestCreateFileSystemTwiceCreatesOne(t *testing.T) {
	tests := []struct {
		name  string
		again func(first *document.Document) *document.Document
		fault string // injected on the second CreateFileSystem
	}{
		{"same document", func(first *document.Document) *document.Document { return first }, ""},
		{"ledger lost: the token's FileSystemAlreadyExists names the id", func(*document.Document) *document.Document { return newDoc() }, ""},
		{"ledger lost: an already-exists without id is found by token", func(*document.Document) *document.Document { return newDoc() }, "FileSystemAlreadyExists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			first := newDoc()
			e.mustRun(t, contract.ActionCreateFileSystem, first)
			deadline := first.Deadlines[contract.StatusEFS]
			e.clk.Advance(time.Second)
			if tt.fault != "" {
				e.fault("CreateFileSystem", tt.fault, 1)
			}
			second := tt.again(first)
			e.mustRun(t, contract.ActionCreateFileSystem, second)
			assert.Len(t, e.fileSystems(t), 1)
			assert.Equal(t, first.Resources.EFSID, second.Resources.EFSID)
			if second == first {
				assert.Equal(t, deadline, second.Deadlines[contract.StatusEFS], "a retry never extends the deadline")
			}
		})
	}
}

func TestCreateFileSystemAlreadyExistsButGone(t *testing.T) {
	e := newEnv(t)
	e.fault("CreateFileSystem", "FileSystemAlreadyExists", 1)
	requireStepError(t, e.run(t, contract.ActionCreateFileSystem, newDoc()), contract.StorageFailed, "")
}

func TestCreateFileSystemErrors(t *testing.T) {
	tests := []struct {
		name, op, code, want string
	}{
		{"quota reached", "CreateFileSystem", "FileSystemLimitExceeded", contract.StorageFailed},
		{"access denied", "CreateFileSystem", "AccessDeniedException", contract.StorageFailed},
		{"throttled beyond the SDK's retries", "CreateFileSystem", "ThrottlingException", contract.Throttled},
		{"adoption lookup fails", "DescribeFileSystems", "InternalServerError", contract.StorageFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.op == "DescribeFileSystems" {
				e.fault("CreateFileSystem", "FileSystemAlreadyExists", 1)
			}
			e.fault(tt.op, tt.code, 0)
			doc := newDoc()
			requireStepError(t, e.run(t, contract.ActionCreateFileSystem, doc), tt.want, tt.code)
			assert.Empty(t, doc.Resources.EFSID)
		})
	}
}

func TestCreateFileSystemWithSuppliedID(t *testing.T) {
	e := newEnv(t)
	out, err := e.efs.CreateFileSystem(context.Background(), &sdkefs.CreateFileSystemInput{CreationToken: aws.String("user")})
	require.NoError(t, err)
	userFS := aws.ToString(out.FileSystemId)

	t.Run("verified, marked supplied, nothing created", func(t *testing.T) {
		doc := newDoc()
		doc.Request.EFSID = userFS
		e.mustRun(t, contract.ActionCreateFileSystem, doc)
		assert.Equal(t, userFS, doc.Resources.EFSID)
		assert.True(t, doc.Resources.Supplied(document.KeyEFSID))
		assert.Len(t, e.fileSystems(t), 1)
	})
	t.Run("missing is StorageFailed", func(t *testing.T) {
		doc := newDoc()
		doc.Request.EFSID = "fs-00000000000000404"
		requireStepError(t, e.run(t, contract.ActionCreateFileSystem, doc), contract.StorageFailed, "")
	})
	t.Run("describe failing is StorageFailed", func(t *testing.T) {
		e.fault("DescribeFileSystems", "AccessDeniedException", 1)
		doc := newDoc()
		doc.Request.EFSID = userFS
		requireStepError(t, e.run(t, contract.ActionCreateFileSystem, doc), contract.StorageFailed, "AccessDeniedException")
	})
	t.Run("deleting is StorageFailed", func(t *testing.T) {
		e.clk.Advance(time.Minute)
		_, err := e.efs.DeleteFileSystem(context.Background(), &sdkefs.DeleteFileSystemInput{FileSystemId: aws.String(userFS)})
		require.NoError(t, err)
		doc := newDoc()
		doc.Request.EFSID = userFS
		requireStepError(t, e.run(t, contract.ActionCreateFileSystem, doc), contract.StorageFailed, "")
	})
}

func TestFileSystemStatus(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	e.mustRun(t, contract.ActionCreateFileSystem, doc)

	e.mustRun(t, contract.ActionFileSystemStatus, doc)
	poll := doc.Status[contract.StatusEFS]
	assert.Equal(t, document.Poll{Status: "creating", Percent: 1, NextPollSeconds: 22}, poll)
	waiting := *doc.Progress

	e.clk.Advance(time.Duration(poll.NextPollSeconds) * time.Second)
	e.mustRun(t, contract.ActionFileSystemStatus, doc)
	assert.Equal(t, document.Poll{Status: "available", Done: true, Percent: 100}, doc.Status[contract.StatusEFS])
	assert.Equal(t, "EFS file system available", doc.Progress.Message)
	assert.Equal(t, 100, doc.Progress.StagePercent)
	assert.Greater(t, doc.Progress.Percent, waiting.Percent, "22 s later the deployment is further along")
	assert.Less(t, doc.Progress.Percent, 100)
}

func TestFileSystemStatusFailures(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env, doc *document.Document)
		want    string
		code    string
	}{
		{
			name:    "past the deadline is Timeout",
			prepare: func(_ *testing.T, e *env, _ *document.Document) { e.clk.Advance(11 * time.Minute) },
			want:    contract.Timeout,
		},
		{
			name: "deleted underneath is StorageFailed",
			prepare: func(t *testing.T, e *env, doc *document.Document) {
				e.clk.Advance(time.Minute)
				_, err := e.efs.DeleteFileSystem(context.Background(), &sdkefs.DeleteFileSystemInput{FileSystemId: aws.String(doc.Resources.EFSID)})
				require.NoError(t, err)
				e.clk.Advance(time.Minute)
			},
			want: contract.StorageFailed,
		},
		{
			name: "deleting is StorageFailed",
			prepare: func(t *testing.T, e *env, doc *document.Document) {
				e.clk.Advance(time.Minute)
				_, err := e.efs.DeleteFileSystem(context.Background(), &sdkefs.DeleteFileSystemInput{FileSystemId: aws.String(doc.Resources.EFSID)})
				require.NoError(t, err)
			},
			want: contract.StorageFailed,
		},
		{
			name: "describe failing is StorageFailed",
			prepare: func(_ *testing.T, e *env, _ *document.Document) {
				e.fault("DescribeFileSystems", "InternalServerError", 0)
			},
			want: contract.StorageFailed,
			code: "InternalServerError",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.want == contract.Timeout {
				e.w.SetLatency(simefs.LatencyCreate, time.Hour)
			}
			doc := newDoc()
			e.mustRun(t, contract.ActionCreateFileSystem, doc)
			tt.prepare(t, e, doc)
			requireStepError(t, e.run(t, contract.ActionFileSystemStatus, doc), tt.want, tt.code)
			poll := doc.Status[contract.StatusEFS]
			assert.True(t, poll.Failed || poll.TimedOut || tt.code != "")
		})
	}
}

func TestActionsBeforeTheirInputsAreInternalError(t *testing.T) {
	tests := []struct {
		action string
		strip  func(*document.Ledger)
	}{
		{contract.ActionFileSystemStatus, func(*document.Ledger) {}},
		{contract.ActionMountTargetsStatus, func(*document.Ledger) {}},
		{contract.ActionCreateMountTargets, func(*document.Ledger) {}},
		{contract.ActionCreateMountTargets, func(l *document.Ledger) { l.EFSID = "fs-1"; l.SubnetIDs = nil }},
		{contract.ActionCreateMountTargets, func(l *document.Ledger) { l.EFSID = "fs-1"; l.SecurityGroupIDs = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc()
			tt.strip(&doc.Resources)
			var se *steperr.Error
			require.ErrorAs(t, e.run(t, tt.action, doc), &se)
			assert.Equal(t, contract.InternalError, se.Name)
			assert.NotEmpty(t, se.Cause.Remediation)
		})
	}
}

func TestCreateMountTargetsOnePerZone(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	e.mustRun(t, contract.ActionCreateFileSystem, doc)
	e.clk.Advance(20 * time.Second)
	e.mustRun(t, contract.ActionCreateMountTargets, doc)

	mts := e.mountTargets(t, doc.Resources.EFSID)
	require.Len(t, mts, 2, "subnet A2 shares A's zone")
	assert.Equal(t, efstest.SubnetA, aws.ToString(mts[0].SubnetId), "the instance's subnet first")
	assert.Equal(t, efstest.SubnetB, aws.ToString(mts[1].SubnetId))
	assert.Equal(t, []string{aws.ToString(mts[0].MountTargetId), aws.ToString(mts[1].MountTargetId)}, doc.Resources.MountTargetIDs)
	for _, eni := range e.net.ENIs {
		assert.Equal(t, []string{efstest.GroupEFS}, eni.Groups)
	}
	assert.Equal(t, document.Timestamp(account.Epoch.Add(20*time.Second+30*time.Minute)), doc.Deadlines[contract.StatusMountTargets])

	t.Run("twice creates nothing new", func(t *testing.T) {
		e.mustRun(t, contract.ActionCreateMountTargets, doc)
		assert.Len(t, e.mountTargets(t, doc.Resources.EFSID), 2)
		assert.Len(t, doc.Resources.MountTargetIDs, 2)
	})
	t.Run("a lost ledger is completed from the file system", func(t *testing.T) {
		lost := newDoc()
		lost.Resources.EFSID = doc.Resources.EFSID
		e.mustRun(t, contract.ActionCreateMountTargets, lost)
		assert.Equal(t, doc.Resources.MountTargetIDs, lost.Resources.MountTargetIDs)
		assert.Len(t, e.mountTargets(t, doc.Resources.EFSID), 2)
	})
}

func TestCreateMountTargetsErrors(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env, doc *document.Document)
		want    string
		code    string
	}{
		{
			name:    "file system still creating is ResourceBusy",
			prepare: func(_ *testing.T, e *env, _ *document.Document) { e.w.SetLatency(simefs.LatencyCreate, time.Hour) },
			want:    contract.ResourceBusy, code: "IncorrectFileSystemLifeCycleState",
		},
		{
			name:    "unknown subnet is StorageFailed",
			prepare: func(_ *testing.T, _ *env, doc *document.Document) { doc.Resources.SubnetIDs = []string{"subnet-404"} },
			want:    contract.StorageFailed, code: "SubnetNotFound",
		},
		{
			name: "security group of another VPC is StorageFailed",
			prepare: func(_ *testing.T, _ *env, doc *document.Document) {
				doc.Resources.SecurityGroupIDs[document.SGRoleEFS] = efstest.GroupX
			},
			want: contract.StorageFailed, code: "SecurityGroupNotFound",
		},
		{
			name: "no free addresses is StorageFailed",
			prepare: func(_ *testing.T, e *env, _ *document.Document) {
				e.fault("CreateMountTarget", "NoFreeAddressesInSubnet", 0)
			},
			want: contract.StorageFailed, code: "NoFreeAddressesInSubnet",
		},
		{
			name: "describe failing is StorageFailed",
			prepare: func(_ *testing.T, e *env, _ *document.Document) {
				e.fault("DescribeMountTargets", "AccessDeniedException", 0)
			},
			want: contract.StorageFailed, code: "AccessDeniedException",
		},
		{
			name: "throttling is Throttled",
			prepare: func(_ *testing.T, e *env, _ *document.Document) {
				e.fault("CreateMountTarget", "ThrottlingException", 0)
			},
			want: contract.Throttled, code: "ThrottlingException",
		},
		{
			name: "every zone refused is StorageFailed",
			prepare: func(_ *testing.T, e *env, _ *document.Document) {
				e.fault("CreateMountTarget", "MountTargetConflict", 0)
			},
			want: contract.StorageFailed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc()
			tt.prepare(t, e, doc)
			e.mustRun(t, contract.ActionCreateFileSystem, doc)
			e.clk.Advance(20 * time.Second)
			requireStepError(t, e.run(t, contract.ActionCreateMountTargets, doc), tt.want, tt.code)
		})
	}
}

// userFileSystem plants a user's available file system with a mount target
// in subnet, as a supplied efs_id.
func (e *env) userFileSystem(t *testing.T, subnet, group string) (fsID, mtID string) {
	t.Helper()
	ctx := context.Background()
	out, err := e.efs.CreateFileSystem(ctx, &sdkefs.CreateFileSystemInput{CreationToken: aws.String("user")})
	require.NoError(t, err)
	e.clk.Advance(20 * time.Second)
	mt, err := e.efs.CreateMountTarget(ctx, &sdkefs.CreateMountTargetInput{FileSystemId: out.FileSystemId, SubnetId: aws.String(subnet), SecurityGroups: []string{group}})
	require.NoError(t, err)
	return aws.ToString(out.FileSystemId), aws.ToString(mt.MountTargetId)
}

func TestSuppliedFileSystemMountTargets(t *testing.T) {
	t.Run("mount targets in another VPC is StorageFailed", func(t *testing.T) {
		e := newEnv(t)
		fsID, _ := e.userFileSystem(t, efstest.SubnetX, efstest.GroupX)
		doc := newDoc()
		doc.Request.EFSID = fsID
		e.mustRun(t, contract.ActionCreateFileSystem, doc)
		requireStepError(t, e.run(t, contract.ActionCreateMountTargets, doc), contract.StorageFailed, "")
	})
	t.Run("only the created mount targets are deleted, never the file system", func(t *testing.T) {
		e := newEnv(t)
		fsID, userMT := e.userFileSystem(t, efstest.SubnetA2, efstest.GroupEFS)
		doc := newDoc()
		doc.Request.EFSID = fsID
		e.mustRun(t, contract.ActionCreateFileSystem, doc)
		e.mustRun(t, contract.ActionCreateMountTargets, doc)
		require.Len(t, doc.Resources.MountTargetIDs, 1, "zone a is the user's; only b is created")
		e.clk.Advance(90 * time.Second)
		e.mustRun(t, contract.ActionMountTargetsStatus, doc)
		assert.True(t, doc.Status[contract.StatusMountTargets].Done)
		assert.Equal(t, "2 of 2 mount targets available", doc.Status[contract.StatusMountTargets].Detail)

		e.mustRun(t, contract.ActionDeleteMountTargets, doc)
		assert.Equal(t, 62, doc.Status[contract.StatusMountTargetDelete].NextPollSeconds, "just after the typical 60 s")
		e.clk.Advance(time.Minute)
		e.mustRun(t, contract.ActionMountTargetsDeletedStatus, doc)
		assert.True(t, doc.Status[contract.StatusMountTargetDelete].Done)
		e.mustRun(t, contract.ActionDeleteFileSystem, doc)

		mts := e.mountTargets(t, fsID)
		require.Len(t, mts, 1)
		assert.Equal(t, userMT, aws.ToString(mts[0].MountTargetId))
		assert.Len(t, e.fileSystems(t), 1)
	})
}

func TestMountTargetsStatus(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	e.mustRun(t, contract.ActionCreateFileSystem, doc)
	e.clk.Advance(20 * time.Second)
	e.mustRun(t, contract.ActionCreateMountTargets, doc)

	e.mustRun(t, contract.ActionMountTargetsStatus, doc)
	poll := doc.Status[contract.StatusMountTargets]
	assert.Equal(t, document.Poll{Status: "creating", Percent: 1, NextPollSeconds: 92, Detail: "0 of 2 mount targets available"}, poll)

	e.clk.Advance(time.Duration(poll.NextPollSeconds) * time.Second)
	e.mustRun(t, contract.ActionMountTargetsStatus, doc)
	assert.Equal(t, document.Poll{Status: "available", Done: true, Percent: 100, Detail: "2 of 2 mount targets available"}, doc.Status[contract.StatusMountTargets])
}

func TestMountTargetsStatusFailures(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env, doc *document.Document)
		want    string
		code    string
	}{
		{
			name:    "past the deadline is Timeout",
			prepare: func(_ *testing.T, e *env, _ *document.Document) { e.clk.Advance(31 * time.Minute) },
			want:    contract.Timeout,
		},
		{
			name: "a mount target deleting is StorageFailed",
			prepare: func(t *testing.T, e *env, doc *document.Document) {
				_, err := e.efs.DeleteMountTarget(context.Background(), &sdkefs.DeleteMountTargetInput{MountTargetId: aws.String(doc.Resources.MountTargetIDs[0])})
				require.NoError(t, err)
			},
			want: contract.StorageFailed,
		},
		{
			name: "none left is StorageFailed",
			prepare: func(t *testing.T, e *env, doc *document.Document) {
				for _, id := range doc.Resources.MountTargetIDs {
					_, err := e.efs.DeleteMountTarget(context.Background(), &sdkefs.DeleteMountTargetInput{MountTargetId: aws.String(id)})
					require.NoError(t, err)
				}
				e.clk.Advance(time.Minute)
			},
			want: contract.StorageFailed,
		},
		{
			name: "describe failing is StorageFailed",
			prepare: func(_ *testing.T, e *env, _ *document.Document) {
				e.fault("DescribeMountTargets", "InternalServerError", 0)
			},
			want: contract.StorageFailed, code: "InternalServerError",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.w.SetLatency(simefs.LatencyMountTarget, time.Hour)
			doc := newDoc()
			e.mustRun(t, contract.ActionCreateFileSystem, doc)
			e.clk.Advance(20 * time.Second)
			e.mustRun(t, contract.ActionCreateMountTargets, doc)
			tt.prepare(t, e, doc)
			requireStepError(t, e.run(t, contract.ActionMountTargetsStatus, doc), tt.want, tt.code)
		})
	}
}

func TestDeleteLeavesNothingAndSucceedsTwice(t *testing.T) {
	tests := []struct {
		name   string
		ledger func(doc *document.Document) *document.Document
	}{
		{"from the ledger", func(doc *document.Document) *document.Document { return doc }},
		{"from a lost ledger, by creation token", func(*document.Document) *document.Document { return newDoc() }},
		{"from a destroy of the request alone, by tag", func(*document.Document) *document.Document { return inRun("") }},
		{"from a later run's rollback, by tag", func(*document.Document) *document.Document { return inRun("run2") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			built := newDoc()
			e.ready(t, built)
			doc := tt.ledger(built)
			doc.Error = &document.Failure{Error: contract.InstanceLaunchFailed}

			e.mustRun(t, contract.ActionDeleteMountTargets, doc)
			assert.Equal(t, document.StageRollback, doc.Progress.Stage)
			assert.Len(t, e.net.ENIs, 2, "ENIs stay while mount targets are deleting")
			requireStepError(t, e.run(t, contract.ActionDeleteFileSystem, doc), contract.ResourceBusy, "FileSystemInUse")

			e.mustRun(t, contract.ActionDeleteMountTargets, doc) // a retry skips those deleting
			e.mustRun(t, contract.ActionMountTargetsDeletedStatus, doc)
			poll := doc.Status[contract.StatusMountTargetDelete]
			assert.False(t, poll.Done)
			assert.Equal(t, 62, poll.NextPollSeconds)
			assert.Equal(t, "2 mount targets left", poll.Detail)

			e.clk.Advance(time.Duration(poll.NextPollSeconds) * time.Second)
			e.mustRun(t, contract.ActionMountTargetsDeletedStatus, doc)
			assert.True(t, doc.Status[contract.StatusMountTargetDelete].Done)
			assert.Empty(t, e.net.ENIs)

			e.mustRun(t, contract.ActionDeleteFileSystem, doc)
			e.mustRun(t, contract.ActionDeleteFileSystem, doc) // while deleting
			e.clk.Advance(time.Minute)
			assert.Empty(t, e.w.Inventory())

			// Everything again, on what is already gone.
			for _, action := range []string{contract.ActionDeleteMountTargets, contract.ActionMountTargetsDeletedStatus, contract.ActionDeleteFileSystem} {
				e.mustRun(t, action, doc)
			}
			assert.True(t, doc.Status[contract.StatusMountTargetDelete].Done)
		})
	}
}

// inRun is newDoc in another run ("" for a destroy, which has none).
func inRun(id string) *document.Document {
	d := newDoc()
	d.Run = id
	return d
}

func TestRedeployAfterDestroyCreatesANewFileSystem(t *testing.T) {
	e := newEnv(t)
	first := newDoc()
	e.mustRun(t, contract.ActionCreateFileSystem, first)
	e.clk.Advance(20 * time.Second)
	e.mustRun(t, contract.ActionDeleteFileSystem, inRun(""))
	require.Equal(t, types.LifeCycleStateDeleting, e.fileSystems(t)[0].LifeCycleState)

	// The same deployment id again while the first file system is still
	// deleting: a new run's token is new, so EFS creates another one
	// rather than answering FileSystemAlreadyExists with the deleting one.
	second := inRun("run2")
	e.mustRun(t, contract.ActionCreateFileSystem, second)
	assert.NotEqual(t, first.Resources.EFSID, second.Resources.EFSID)
	assert.Equal(t, second.Token("efs"), aws.ToString(findFS(t, e, second.Resources.EFSID).CreationToken))

	// A destroy finds the new one by tag, never the one being deleted.
	destroy := inRun("")
	e.mustRun(t, contract.ActionDeleteMountTargets, destroy)
	assert.Equal(t, second.Resources.EFSID, destroy.Resources.EFSID)
}

func TestSweepByTagSkipsOtherDeploymentsAndPages(t *testing.T) {
	e := newEnv(t)
	// More file systems of another deployment than one page holds (the
	// SDK's default MaxItems is 100; the paginator asks for the next page).
	for i := range 101 {
		e.clk.Advance(time.Second) // within EFS's write rate, whatever the retries' jitter
		_, err := e.efs.CreateFileSystem(context.Background(), &sdkefs.CreateFileSystemInput{
			CreationToken: aws.String(fmt.Sprintf("other-%d", i)),
			Tags:          []types.Tag{{Key: aws.String(document.TagDeployment), Value: aws.String("other")}},
		})
		require.NoError(t, err)
	}
	built := newDoc()
	e.mustRun(t, contract.ActionCreateFileSystem, built)
	destroy := inRun("")
	e.mustRun(t, contract.ActionDeleteMountTargets, destroy)
	assert.Equal(t, built.Resources.EFSID, destroy.Resources.EFSID)

	e.fault("DescribeFileSystems", "AccessDeniedException", 1)
	requireStepError(t, e.run(t, contract.ActionDeleteFileSystem, inRun("")), contract.StorageFailed, "AccessDeniedException")
}

func findFS(t *testing.T, e *env, id string) types.FileSystemDescription {
	t.Helper()
	for _, fs := range e.fileSystems(t) {
		if aws.ToString(fs.FileSystemId) == id {
			return fs
		}
	}
	t.Fatalf("no file system %s", id)
	return types.FileSystemDescription{}
}

func TestDeleteWithNothingCreated(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	for _, action := range []string{contract.ActionDeleteMountTargets, contract.ActionMountTargetsDeletedStatus, contract.ActionDeleteFileSystem} {
		e.mustRun(t, action, doc)
	}
	assert.Equal(t, document.StageDestroy, doc.Progress.Stage)
	assert.True(t, doc.Status[contract.StatusMountTargetDelete].Done)
}

func TestDeleteErrors(t *testing.T) {
	tests := []struct {
		name    string
		action  string
		prepare func(e *env)
		want    string
		code    string
	}{
		{"mount target mid-transition is ResourceBusy", contract.ActionDeleteMountTargets,
			func(e *env) { e.fault("DeleteMountTarget", "IncorrectMountTargetState", 0) }, contract.ResourceBusy, "IncorrectMountTargetState"},
		{"mount target delete denied is StorageFailed", contract.ActionDeleteMountTargets,
			func(e *env) { e.fault("DeleteMountTarget", "AccessDeniedException", 0) }, contract.StorageFailed, "AccessDeniedException"},
		{"sweep failing is StorageFailed", contract.ActionDeleteMountTargets,
			func(e *env) { e.fault("DescribeFileSystems", "InternalServerError", 0) }, contract.StorageFailed, "InternalServerError"},
		{"listing failing is StorageFailed", contract.ActionDeleteMountTargets,
			func(e *env) { e.fault("DescribeMountTargets", "InternalServerError", 0) }, contract.StorageFailed, "InternalServerError"},
		{"status sweep failing is StorageFailed", contract.ActionMountTargetsDeletedStatus,
			func(e *env) { e.fault("DescribeFileSystems", "InternalServerError", 0) }, contract.StorageFailed, "InternalServerError"},
		{"status listing failing is StorageFailed", contract.ActionMountTargetsDeletedStatus,
			func(e *env) { e.fault("DescribeMountTargets", "InternalServerError", 0) }, contract.StorageFailed, "InternalServerError"},
		{"file system still creating is ResourceBusy", contract.ActionDeleteFileSystem,
			func(e *env) { e.fault("DeleteFileSystem", "IncorrectFileSystemLifeCycleState", 0) }, contract.ResourceBusy, "IncorrectFileSystemLifeCycleState"},
		{"file system delete denied is StorageFailed", contract.ActionDeleteFileSystem,
			func(e *env) { e.fault("DeleteFileSystem", "AccessDeniedException", 0) }, contract.StorageFailed, "AccessDeniedException"},
		{"file system sweep failing is StorageFailed", contract.ActionDeleteFileSystem,
			func(e *env) { e.fault("DescribeFileSystems", "InternalServerError", 0) }, contract.StorageFailed, "InternalServerError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.ready(t, newDoc())
			tt.prepare(e)
			requireStepError(t, e.run(t, tt.action, newDoc()), tt.want, tt.code)
		})
	}
}

func TestMountTargetDeletionTimeout(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	e.ready(t, doc)
	e.w.SetLatency(simefs.LatencyMountTargetDelete, time.Hour)
	e.mustRun(t, contract.ActionDeleteMountTargets, doc)
	e.clk.Advance(11 * time.Minute)
	err := e.run(t, contract.ActionMountTargetsDeletedStatus, doc)
	requireStepError(t, err, contract.Timeout, "")
	assert.True(t, doc.Status[contract.StatusMountTargetDelete].TimedOut)
}

func TestStatusOfMissingSuppliedMountTarget(t *testing.T) {
	e := newEnv(t)
	fsID, _ := e.userFileSystem(t, efstest.SubnetA, efstest.GroupEFS)
	doc := newDoc()
	doc.Request.EFSID = fsID
	doc.Resources.EFSID = fsID
	doc.Resources.MarkSupplied(document.KeyEFSID)
	doc.Resources.MountTargetIDs = []string{"fsmt-00000000000000404"}
	e.mustRun(t, contract.ActionMountTargetsDeletedStatus, doc)
	assert.True(t, doc.Status[contract.StatusMountTargetDelete].Done)

	e.fault("DescribeMountTargets", "InternalServerError", 0)
	requireStepError(t, e.run(t, contract.ActionDeleteMountTargets, doc), contract.StorageFailed, "InternalServerError")
}
