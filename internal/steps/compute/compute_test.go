package compute_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	simec2 "geusemaker/internal/sim/ec2"
	simssm "geusemaker/internal/sim/ssm"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/compute"
	"geusemaker/internal/steps/compute/userdata"
	"geusemaker/internal/steps/step"
)

const (
	region = "us-east-1"
	efsID  = "fs-0123456789abcdef0"
)

type env struct {
	t       *testing.T
	w       *account.Account
	ec2m    *simec2.Model
	ssm     *simssm.Model
	clk     *clock.Virtual
	api     *ec2.Client
	actions step.Actions
	subnets map[string]string // AZ → default subnet
	sg      string
}

func newEnv(t *testing.T, opts ...account.Option) *env {
	t.Helper()
	// Consistent: the windows are the end-to-end tests' (internal/localrun).
	w := account.New(append([]account.Option{account.WithConsistency()}, opts...)...)
	e := &env{t: t, w: w, ec2m: simec2.Register(w), clk: w.Clock().(*clock.Virtual), subnets: map[string]string{}}
	e.ssm = simssm.Register(w)
	// The Lambda's own region differs from the deployment's: clients must
	// follow the request.
	step := compute.New(w.Config("eu-west-1"), w.Clock(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.actions = step.Actions()
	e.api = ec2.NewFromConfig(w.Config(region))
	ctx := context.Background()
	out, err := e.api.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	var vpc string
	for _, s := range out.Subnets {
		e.subnets[aws.ToString(s.AvailabilityZone)] = aws.ToString(s.SubnetId)
		vpc = aws.ToString(s.VpcId)
	}
	sg, err := e.api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("demo-instance-sg"), Description: aws.String("instance"), VpcId: aws.String(vpc),
	})
	require.NoError(t, err)
	e.sg = aws.ToString(sg.GroupId)
	return e
}

// doc returns a parsed request with the ledger the earlier steps write.
func (e *env) doc(request string, zones ...string) *document.Document {
	e.t.Helper()
	req, err := document.Parse([]byte(request))
	require.NoError(e.t, err)
	if len(zones) == 0 {
		zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	}
	// The run id the validate step records.
	d := &document.Document{Request: req, Run: document.NewRun(e.clk.Now())}
	for _, z := range zones {
		d.Resources.SubnetIDs = append(d.Resources.SubnetIDs, e.subnets[z])
	}
	d.Resources.SecurityGroupIDs = map[string]string{document.SGRoleInstance: e.sg}
	d.Resources.EFSID = efsID
	d.Resources.SecretARN = "arn:aws:secretsmanager:" + req.Region + ":123456789012:secret:" + req.SecretName() + "-AbCdEf"
	d.Resources.InstanceProfileName = req.InstanceProfileName()
	return d
}

const (
	cpuRequest = `{"deployment_id":"demo","keypair_name":"me"}`
	gpuRequest = `{"deployment_id":"demo","tier":"gpu","gpu_instance_fallbacks":["g5.xlarge"]}`
)

func (e *env) run(action string, d *document.Document) error {
	e.t.Helper()
	return e.actions[action](context.Background(), d)
}

func (e *env) must(action string, d *document.Document) {
	e.t.Helper()
	require.NoError(e.t, e.run(action, d), action)
}

// instances lists the EC2 instances alive in the inventory.
func (e *env) instances() []account.Resource {
	var out []account.Resource
	for _, r := range e.w.Inventory() {
		if r.Type == "instance" {
			out = append(out, r)
		}
	}
	return out
}

func requireStepErr(t *testing.T, err error, name string) *steperr.Error {
	t.Helper()
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, name, se.Name, se.Cause.Message)
	assert.NotEmpty(t, se.Cause.Remediation)
	assert.True(t, strings.HasPrefix(se.Cause.Step, "compute-"), se.Cause.Step)
	return se
}

func publicAMI(t *testing.T, name string) string {
	t.Helper()
	ami, ok := simssm.PublicAMI(region, name)
	require.True(t, ok)
	return ami
}

func TestLaunchCPUInstanceHappyPath(t *testing.T) {
	e := newEnv(t)
	d := e.doc(cpuRequest)
	e.must(contract.ActionLaunch, d)

	r := d.Resources
	require.NotEmpty(t, r.InstanceID, "recorded before any wait")
	assert.Equal(t, "t3.medium", r.InstanceType)
	assert.Equal(t, "us-east-1a", r.AvailabilityZone, "preferred (first) subnet")
	assert.Equal(t, publicAMI(t, simssm.ParamAL2023x86), r.AMIID)
	assert.Equal(t, "pending", d.Status[contract.StatusInstance].Status)
	assert.False(t, d.Status[contract.StatusInstance].Done)
	assert.NotEmpty(t, d.Deadlines[contract.StatusInstance])
	assert.Equal(t, document.StageCompute, d.Progress.Stage)

	out, err := e.api.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{r.InstanceID}})
	require.NoError(t, err)
	inst := out.Reservations[0].Instances[0]
	assert.Equal(t, "me", aws.ToString(inst.KeyName))
	assert.Contains(t, aws.ToString(inst.IamInstanceProfile.Arn), "instance-profile/demo-instance-profile")
	tags := map[string]string{}
	for _, tg := range inst.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	assert.Equal(t, "demo", tags[document.TagDeployment])
	assert.Equal(t, "demo", tags["Name"])
	assert.Equal(t, document.ManagedByValue, tags[document.TagManagedBy])

	md, ok := e.ec2m.MetadataOptions(r.InstanceID)
	require.True(t, ok)
	assert.Equal(t, "required", md.HTTPTokens, "IMDSv2 only")
	assert.EqualValues(t, 1, md.HopLimit, "containers never reach the role's credentials")

	vols := e.ec2m.Volumes(r.InstanceID)
	require.Len(t, vols, 1)
	assert.Equal(t, "/dev/xvda", vols[0].DeviceName)
	assert.EqualValues(t, 75, vols[0].SizeGiB)
	assert.Equal(t, "gp3", vols[0].Type)
	assert.True(t, vols[0].Encrypted)

	ud, ok := e.ec2m.UserData(r.InstanceID)
	require.True(t, ok)
	assert.Contains(t, string(ud), efsID)
	assert.NotContains(t, string(ud), "nvidia-ctk", "CPU UserData")

	// pending → running after the simulated 20 s.
	e.must(contract.ActionStatus, d)
	assert.False(t, d.Status[contract.StatusInstance].Done)
	assert.Equal(t, 22, d.Status[contract.StatusInstance].NextPollSeconds, "just after the typical 20 s")
	e.clk.Advance(20 * time.Second)
	e.must(contract.ActionStatus, d)
	assert.True(t, d.Status[contract.StatusInstance].Done)
	assert.Equal(t, 100, d.Status[contract.StatusInstance].Percent)
	assert.NotEmpty(t, d.Resources.PublicIP)
	timing := d.Timings[document.StageCompute]
	assert.Equal(t, document.Timing{StartedAt: document.Timestamp(account.Epoch), EndedAt: document.Timestamp(account.Epoch.Add(20 * time.Second))}, timing,
		"launched at the start, seen running 20 s later")
}

func TestLaunchIsIdempotent(t *testing.T) {
	e := newEnv(t)
	d := e.doc(cpuRequest)
	e.must(contract.ActionLaunch, d)
	first := d.Resources.InstanceID
	deadline := d.Deadlines[contract.StatusInstance]

	e.clk.Advance(time.Minute)
	e.must(contract.ActionLaunch, d)
	assert.Equal(t, first, d.Resources.InstanceID)
	assert.Equal(t, deadline, d.Deadlines[contract.StatusInstance], "a retry never extends the deadline")

	// The Lambda's answer was lost: the ledger never saw the id.
	lost := e.doc(cpuRequest)
	e.must(contract.ActionLaunch, lost)
	assert.Equal(t, first, lost.Resources.InstanceID, "adopted by tag")
	assert.Len(t, e.instances(), 1)
}

func TestLaunchNeverRecordsAnInstanceOfASpentClientToken(t *testing.T) {
	tests := []struct {
		name    string
		wait    time.Duration // after the first instance was terminated
		newRun  bool
		zones   []string
		wantErr bool
		zone    string // of the instance launched instead
	}{
		// EC2 replays the reservation with the terminated instance: the
		// next candidate (another subnet, another token) launches.
		{name: "same run, terminated instance replayed", wait: time.Minute, zone: "us-east-1b"},
		// Once EC2 no longer lists the instance, the replayed reservation
		// is empty: with no other candidate the launch fails clearly.
		{name: "same run, empty reservation replayed", wait: 2 * time.Hour, zones: []string{"us-east-1a"}, wantErr: true},
		// A redeploy is a new run: new tokens launch in the first subnet.
		{name: "new run", wait: 2 * time.Hour, newRun: true, zones: []string{"us-east-1a"}, zone: "us-east-1a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.doc(cpuRequest, tc.zones...)
			e.must(contract.ActionLaunch, first)
			e.must(contract.ActionTerminate, first)
			e.clk.Advance(tc.wait)

			d := e.doc(cpuRequest, tc.zones...)
			if !tc.newRun {
				d.Run = first.Run
			}
			err := e.run(contract.ActionLaunch, d)
			if tc.wantErr {
				se := requireStepErr(t, err, contract.InstanceLaunchFailed)
				assert.Contains(t, se.Cause.Message, "already terminated")
				assert.Contains(t, se.Cause.Message, "client token spent")
				assert.Empty(t, d.Resources.InstanceID, "nothing recorded")
				return
			}
			require.NoError(t, err)
			assert.NotEqual(t, first.Resources.InstanceID, d.Resources.InstanceID)
			assert.Equal(t, tc.zone, d.Resources.AvailabilityZone)
			require.Len(t, e.instances(), 1, "one live instance: the new one")
			assert.Equal(t, d.Resources.InstanceID, e.instances()[0].ID)
		})
	}
}

func TestLaunchChoosesTheAMI(t *testing.T) {
	tests := []struct {
		name    string
		request string
		ami     string
		gpu     bool
	}{
		{"amazon linux x86", `{"deployment_id":"demo"}`, publicAMI(t, simssm.ParamAL2023x86), false},
		{"amazon linux graviton", `{"deployment_id":"demo","instance_type":"t4g.medium"}`, publicAMI(t, simssm.ParamAL2023arm), false},
		{"ubuntu 22.04", `{"deployment_id":"demo","os_type":"ubuntu-22.04"}`, publicAMI(t, simssm.ParamUbuntu2204), false},
		{"ubuntu 24.04", `{"deployment_id":"demo","os_type":"ubuntu-24.04"}`, publicAMI(t, simssm.ParamUbuntu2404), false},
		{"deep learning AMI", gpuRequest, publicAMI(t, simssm.ParamDLAMIAL2023), true},
		{"deep learning AMI ubuntu", `{"deployment_id":"demo","tier":"gpu","os_type":"ubuntu-22.04"}`, publicAMI(t, simssm.ParamDLAMIUbuntu2204), true},
		{"override", `{"deployment_id":"demo","tier":"gpu","ami_id":"ami-0abcdef0123456789"}`, "ami-0abcdef0123456789", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			d := e.doc(tc.request)
			e.must(contract.ActionLaunch, d)
			assert.Equal(t, tc.ami, d.Resources.AMIID)
			vols := e.ec2m.Volumes(d.Resources.InstanceID)
			require.Len(t, vols, 1, "the image's root volume resized, not a second one")
			assert.EqualValues(t, 75, vols[0].SizeGiB)
			ud, _ := e.ec2m.UserData(d.Resources.InstanceID)
			if bytes.HasPrefix(ud, []byte{0x1f, 0x8b}) {
				zr, err := gzip.NewReader(bytes.NewReader(ud))
				require.NoError(t, err)
				ud, err = io.ReadAll(zr)
				require.NoError(t, err)
			}
			assert.Equal(t, tc.gpu, strings.Contains(string(ud), "nvidia-ctk runtime configure --runtime=docker"))
		})
	}
}

func TestLaunchUnpublishedAMIParameterFails(t *testing.T) {
	e := newEnv(t)
	// No arm64 Deep Learning AMI is published for Ubuntu 22.04.
	d := e.doc(`{"deployment_id":"demo","tier":"gpu","os_type":"ubuntu-22.04","instance_type":"g5g.xlarge"}`)
	se := requireStepErr(t, e.run(contract.ActionLaunch, d), contract.InstanceLaunchFailed)
	assert.Equal(t, "ParameterNotFound", se.Cause.AWSErrorCode)
	assert.Contains(t, se.Cause.Remediation, "ami_id")
	assert.Empty(t, e.instances())
}

func TestLaunchFallsBackOnCapacity(t *testing.T) {
	tests := []struct {
		name  string
		req   string
		zones []string
		fault int // RunInstances calls failing with InsufficientInstanceCapacity
		typ   string
		zone  string
	}{
		{"next subnet", cpuRequest, nil, 1, "t3.medium", "us-east-1b"},
		{"type not offered in the preferred AZ", gpuRequest, []string{"us-east-1c", "us-east-1a"}, 0, "g4dn.xlarge", "us-east-1a"},
		{"next GPU type", gpuRequest, nil, 3, "g5.xlarge", "us-east-1b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.fault > 0 {
				e.w.Inject(account.Fault{Service: "EC2", Operation: "RunInstances", Code: "InsufficientInstanceCapacity", Times: tc.fault})
			}
			d := e.doc(tc.req, tc.zones...)
			e.must(contract.ActionLaunch, d)
			assert.Equal(t, tc.typ, d.Resources.InstanceType)
			assert.Equal(t, tc.zone, d.Resources.AvailabilityZone)
			assert.Len(t, e.instances(), 1)
		})
	}
}

func TestLaunchWithoutCapacityAnywhereFails(t *testing.T) {
	// The simulated calls take no time, so nine launches in one instant
	// would overrun RunInstances' request bucket (5, refilled 2/s) that the
	// calls' own latency spreads out on AWS: this test is about the
	// capacity fallback, not throttling.
	e := newEnv(t, account.WithRateLimits(nil))
	e.w.Inject(account.Fault{Service: "EC2", Operation: "RunInstances", Code: "InsufficientInstanceCapacity"})
	d := e.doc(gpuRequest)
	se := requireStepErr(t, e.run(contract.ActionLaunch, d), contract.InsufficientCapacity)
	assert.Equal(t, "InsufficientInstanceCapacity", se.Cause.AWSErrorCode)
	assert.NotEmpty(t, se.Cause.AWSRequestID)
	for _, want := range []string{"g4dn.xlarge in " + e.subnets["us-east-1a"], "g5.xlarge in " + e.subnets["us-east-1c"], "region", "quota", "Capacity Reservation"} {
		assert.Contains(t, se.Cause.Remediation, want)
	}
	assert.Empty(t, d.Resources.InstanceID)
	assert.Empty(t, e.instances())
}

func TestLaunchErrors(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*env, *document.Document)
		want   string
		awsErr string
	}{
		{"instance profile not yet propagated", func(e *env, _ *document.Document) {
			e.ec2m.InstanceProfileReady = func(string) bool { return false }
		}, contract.InstanceProfileNotReady, "InvalidParameterValue"},
		{"other EC2 error", func(e *env, _ *document.Document) {
			e.w.Inject(account.Fault{Service: "EC2", Operation: "RunInstances", Code: "InvalidParameterCombination"})
		}, contract.InstanceLaunchFailed, "InvalidParameterCombination"},
		{"throttled", func(e *env, _ *document.Document) {
			e.w.Inject(account.Fault{Service: "EC2", Operation: "RunInstances", Code: "RequestLimitExceeded"})
		}, contract.Throttled, "RequestLimitExceeded"},
		{"sweep fails", func(e *env, _ *document.Document) {
			e.w.Inject(account.Fault{Service: "EC2", Operation: "DescribeInstances", Code: "UnauthorizedOperation"})
		}, contract.InstanceLaunchFailed, "UnauthorizedOperation"},
		{"image not found", func(e *env, _ *document.Document) {
			e.w.Inject(account.Fault{Service: "EC2", Operation: "DescribeImages", Code: "InvalidAMIID.NotFound"})
		}, contract.InstanceLaunchFailed, "InvalidAMIID.NotFound"},
		{"no subnets", func(_ *env, d *document.Document) { d.Resources.SubnetIDs = nil }, contract.InstanceLaunchFailed, ""},
		{"no file system", func(_ *env, d *document.Document) { d.Resources.EFSID = "" }, contract.InstanceLaunchFailed, ""},
		{"no secret", func(_ *env, d *document.Document) { d.Resources.SecretARN = "" }, contract.InstanceLaunchFailed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			d := e.doc(cpuRequest)
			tc.setup(e, d)
			se := requireStepErr(t, e.run(contract.ActionLaunch, d), tc.want)
			assert.Equal(t, tc.awsErr, se.Cause.AWSErrorCode)
			assert.Empty(t, d.Resources.InstanceID)
		})
	}
}

func TestInstanceProfileNotReadyRetrySucceeds(t *testing.T) {
	e := newEnv(t)
	ready := false
	e.ec2m.InstanceProfileReady = func(string) bool { return ready }
	d := e.doc(cpuRequest)
	requireStepErr(t, e.run(contract.ActionLaunch, d), contract.InstanceProfileNotReady)
	ready = true
	e.must(contract.ActionLaunch, d)
	assert.NotEmpty(t, d.Resources.InstanceID)
}

func TestStatusFailures(t *testing.T) {
	t.Run("terminated before running", func(t *testing.T) {
		e := newEnv(t)
		d := e.doc(cpuRequest)
		e.must(contract.ActionLaunch, d)
		_, err := e.api.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{d.Resources.InstanceID}})
		require.NoError(t, err)
		e.clk.Advance(2 * time.Minute)
		se := requireStepErr(t, e.run(contract.ActionStatus, d), contract.InstanceLaunchFailed)
		assert.Contains(t, se.Cause.Message, "terminated")
		assert.Contains(t, se.Cause.Message, "Client.UserInitiatedShutdown")
		assert.True(t, d.Status[contract.StatusInstance].Failed)
	})
	t.Run("pending past the deadline", func(t *testing.T) {
		e := newEnv(t, account.WithLatency(simec2.LatencyRun, time.Hour))
		d := e.doc(cpuRequest)
		e.must(contract.ActionLaunch, d)
		e.clk.Advance(5 * time.Minute)
		e.must(contract.ActionStatus, d)
		assert.Greater(t, d.Status[contract.StatusInstance].Percent, 0)
		assert.Less(t, d.Status[contract.StatusInstance].Percent, 100)
		e.clk.Advance(5 * time.Minute)
		requireStepErr(t, e.run(contract.ActionStatus, d), contract.Timeout)
		assert.True(t, d.Status[contract.StatusInstance].TimedOut)
	})
	t.Run("not visible yet counts as pending", func(t *testing.T) {
		e := newEnv(t)
		d := e.doc(cpuRequest)
		d.Resources.InstanceID = "i-0000000000000dead"
		e.must(contract.ActionStatus, d)
		assert.Equal(t, "pending", d.Status[contract.StatusInstance].Status)
	})
	t.Run("nothing launched", func(t *testing.T) {
		e := newEnv(t)
		requireStepErr(t, e.run(contract.ActionStatus, e.doc(cpuRequest)), contract.InstanceLaunchFailed)
	})
	t.Run("describe fails", func(t *testing.T) {
		e := newEnv(t)
		d := e.doc(cpuRequest)
		e.must(contract.ActionLaunch, d)
		e.w.Inject(account.Fault{Service: "EC2", Operation: "DescribeInstances", Code: "UnauthorizedOperation"})
		se := requireStepErr(t, e.run(contract.ActionStatus, d), contract.InstanceLaunchFailed)
		assert.Equal(t, "UnauthorizedOperation", se.Cause.AWSErrorCode)
	})
}

// running launches the request and waits until the instance runs.
func (e *env) running(request string) *document.Document {
	e.t.Helper()
	d := e.doc(request)
	e.must(contract.ActionLaunch, d)
	e.clk.Advance(time.Minute)
	e.must(contract.ActionStatus, d)
	require.True(e.t, d.Status[contract.StatusInstance].Done)
	return d
}

func TestGPUCheckIsSkippedOnCPUInstances(t *testing.T) {
	e := newEnv(t)
	d := e.running(cpuRequest)
	for _, a := range []string{contract.ActionGPUCheck, contract.ActionGPUCheckStatus} {
		e.must(a, d)
		assert.True(t, d.Status[contract.StatusGPU].Done)
		assert.Equal(t, "not_applicable", d.Status[contract.StatusGPU].Status)
	}
}

func TestGPUCheckPasses(t *testing.T) {
	e := newEnv(t)
	d := e.running(gpuRequest)

	// The agent registers a minute after the instance runs.
	e.must(contract.ActionGPUCheck, d)
	gpu := d.Status[contract.StatusGPU]
	assert.Equal(t, "waiting_for_agent", gpu.Status)
	assert.Empty(t, gpu.Detail)
	assert.False(t, gpu.Done)
	assert.NotEmpty(t, d.Deadlines[contract.StatusGPU])

	e.clk.Advance(time.Minute)
	e.must(contract.ActionGPUCheckStatus, d) // sends now
	commandID := d.Status[contract.StatusGPU].Detail
	require.NotEmpty(t, commandID, "command id recorded")

	e.must(contract.ActionGPUCheck, d) // a retry does not send again
	assert.Equal(t, commandID, d.Status[contract.StatusGPU].Detail)

	e.must(contract.ActionGPUCheckStatus, d) // InvocationDoesNotExist for ~2 s
	assert.False(t, d.Status[contract.StatusGPU].Done)
	assert.Equal(t, commandID, d.Status[contract.StatusGPU].Detail)

	e.clk.Advance(2 * time.Second)
	e.must(contract.ActionGPUCheckStatus, d)
	assert.Equal(t, "InProgress", d.Status[contract.StatusGPU].Status)

	e.clk.Advance(5 * time.Second)
	e.must(contract.ActionGPUCheckStatus, d)
	gpu = d.Status[contract.StatusGPU]
	assert.True(t, gpu.Done)
	assert.Equal(t, "1 GPU(s): Tesla T4", gpu.Detail)
	assert.Equal(t, document.StageGPU, d.Progress.Stage)

	e.must(contract.ActionGPUCheckStatus, d) // done stays done
	assert.True(t, d.Status[contract.StatusGPU].Done)
}

// The GPU check runs the backend's own document, which can run nothing but
// nvidia-smi; without it (no backend in the account) it falls back to
// AWS-RunShellScript with the same query.
func TestGPUCheckRunsOnlyItsOwnDocument(t *testing.T) {
	sent := func(e *env) (docs []string, params []map[string][]string) {
		for _, c := range e.w.Calls() {
			if in, ok := c.Input.(*ssm.SendCommandInput); ok && c.ErrorCode == "" {
				docs, params = append(docs, aws.ToString(in.DocumentName)), append(params, in.Parameters)
			}
		}
		return docs, params
	}
	check := func(e *env) *document.Document {
		d := e.running(gpuRequest)
		e.must(contract.ActionGPUCheck, d) // the agent registers a minute later
		e.clk.Advance(time.Minute)
		for range 5 {
			e.clk.Advance(5 * time.Second)
			e.must(contract.ActionGPUCheckStatus, d)
		}
		require.True(t, d.Status[contract.StatusGPU].Done, "%+v", d.Status[contract.StatusGPU])
		return d
	}
	e := newEnv(t)
	require.NoError(t, e.ssm.PlantDocument(contract.GPUCheckDocument, contract.GPUCheckDocumentContent()))
	assert.Equal(t, "1 GPU(s): Tesla T4", check(e).Status[contract.StatusGPU].Detail)
	docs, params := sent(e)
	assert.Equal(t, []string{contract.GPUCheckDocument}, docs)
	assert.Empty(t, params[0], "the document takes no command")

	bare := newEnv(t)
	assert.Equal(t, "1 GPU(s): Tesla T4", check(bare).Status[contract.StatusGPU].Detail)
	docs, params = sent(bare)
	assert.Equal(t, []string{"AWS-RunShellScript"}, docs)
	assert.Equal(t, []string{"nvidia-smi --query-gpu=name --format=csv,noheader"}, params[0]["commands"])
}

func TestGPUCheckFailures(t *testing.T) {
	t.Run("instance has no GPU", func(t *testing.T) {
		e := newEnv(t)
		d := e.running(cpuRequest)
		d.Resources.InstanceType = "g4dn.xlarge" // believed GPU, actually t3.medium
		e.clk.Advance(time.Minute)
		e.must(contract.ActionGPUCheck, d)
		e.must(contract.ActionGPUCheck, d)
		e.clk.Advance(time.Minute)
		e.must(contract.ActionGPUCheck, d)
		require.NotEmpty(t, d.Status[contract.StatusGPU].Detail)
		e.clk.Advance(10 * time.Second)
		se := requireStepErr(t, e.run(contract.ActionGPUCheckStatus, d), contract.GpuCheckFailed)
		assert.Contains(t, se.Cause.Message, "exit code 9")
		assert.Contains(t, se.Cause.Remediation, "GPU instance type")
		assert.True(t, d.Status[contract.StatusGPU].Failed)
	})
	t.Run("agent never online", func(t *testing.T) {
		e := newEnv(t, account.WithLatency(simssm.LatencyAgent, time.Hour))
		d := e.running(gpuRequest)
		e.must(contract.ActionGPUCheck, d)
		e.clk.Advance(11 * time.Minute)
		se := requireStepErr(t, e.run(contract.ActionGPUCheckStatus, d), contract.Timeout)
		assert.Contains(t, se.Cause.Remediation, "AmazonSSMManagedInstanceCore")
		assert.True(t, d.Status[contract.StatusGPU].TimedOut)
	})
	t.Run("command never finishes", func(t *testing.T) {
		e := newEnv(t, account.WithLatency(simssm.LatencyAgent, 0), account.WithLatency(simssm.LatencyCommand, time.Hour))
		d := e.running(gpuRequest)
		e.must(contract.ActionGPUCheck, d)
		require.NotEmpty(t, d.Status[contract.StatusGPU].Detail)
		e.clk.Advance(11 * time.Minute)
		se := requireStepErr(t, e.run(contract.ActionGPUCheckStatus, d), contract.Timeout)
		assert.Contains(t, se.Cause.Remediation, "nvidia-smi")
	})
	t.Run("send fails", func(t *testing.T) {
		e := newEnv(t)
		d := e.running(gpuRequest)
		e.w.Inject(account.Fault{Service: "SSM", Operation: "SendCommand", Code: "AccessDeniedException"})
		se := requireStepErr(t, e.run(contract.ActionGPUCheck, d), contract.GpuCheckFailed)
		assert.Equal(t, "AccessDeniedException", se.Cause.AWSErrorCode)
	})
	t.Run("read fails", func(t *testing.T) {
		e := newEnv(t, account.WithLatency(simssm.LatencyAgent, 0))
		d := e.running(gpuRequest)
		e.must(contract.ActionGPUCheck, d)
		e.w.Inject(account.Fault{Service: "SSM", Operation: "GetCommandInvocation", Code: "AccessDeniedException"})
		se := requireStepErr(t, e.run(contract.ActionGPUCheckStatus, d), contract.GpuCheckFailed)
		assert.Equal(t, "AccessDeniedException", se.Cause.AWSErrorCode)
	})
	t.Run("instance gone before the command ran", func(t *testing.T) {
		e := newEnv(t, account.WithLatency(simssm.LatencyAgent, 0))
		d := e.running(gpuRequest)
		e.must(contract.ActionGPUCheck, d)
		_, err := e.api.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{d.Resources.InstanceID}})
		require.NoError(t, err)
		e.clk.Advance(2 * time.Minute)
		se := requireStepErr(t, e.run(contract.ActionGPUCheckStatus, d), contract.GpuCheckFailed)
		assert.Contains(t, se.Cause.Message, "Failed")
	})
}

// rawLaunch starts a t3.micro outside the step.
func (e *env) rawLaunch(subnet, token string, tags map[string]string) {
	e.t.Helper()
	in := &ec2.RunInstancesInput{
		ImageId: aws.String("ami-0abcdef0123456789"), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnet),
	}
	if token != "" {
		in.ClientToken = aws.String(token)
	}
	if tags != nil {
		spec := ec2types.TagSpecification{ResourceType: ec2types.ResourceTypeInstance}
		for k, v := range tags {
			spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		in.TagSpecifications = []ec2types.TagSpecification{spec}
	}
	_, err := e.api.RunInstances(context.Background(), in)
	require.NoError(e.t, err)
}

func TestTerminate(t *testing.T) {
	e := newEnv(t)
	d := e.running(gpuRequest)
	// Instances the ledger does not know: one tagged for the deployment,
	// one launched with one of its client tokens (untagged), and one of
	// another deployment.
	e.rawLaunch(e.subnets["us-east-1b"], "", map[string]string{document.TagDeployment: "demo"})
	e.rawLaunch(e.subnets["us-east-1c"], d.Token("instance-g5.xlarge-"+e.subnets["us-east-1c"]), nil)
	other := e.doc(`{"deployment_id":"other"}`)
	e.must(contract.ActionLaunch, other)
	require.Len(t, e.instances(), 4)

	e.must(contract.ActionTerminate, d)
	assert.False(t, d.Status[contract.StatusInstanceTerminate].Done)
	assert.NotEmpty(t, d.Deadlines[contract.StatusInstanceTerminate])
	assert.Equal(t, document.StageDestroy, d.Progress.Stage)
	e.must(contract.ActionTerminate, d) // twice is fine

	e.must(contract.ActionTerminateStatus, d)
	assert.False(t, d.Status[contract.StatusInstanceTerminate].Done)
	assert.Equal(t, "shutting-down", d.Status[contract.StatusInstanceTerminate].Status)

	e.clk.Advance(time.Minute)
	e.must(contract.ActionTerminateStatus, d)
	assert.True(t, d.Status[contract.StatusInstanceTerminate].Done)

	left := e.instances()
	require.Len(t, left, 1, "only the other deployment's instance is left")
	assert.Equal(t, other.Resources.InstanceID, left[0].ID)

	// Terminating what is already gone succeeds, now and once EC2 forgets it.
	e.must(contract.ActionTerminate, d)
	assert.True(t, d.Status[contract.StatusInstanceTerminate].Done)
	e.clk.Advance(2 * time.Hour)
	e.must(contract.ActionTerminate, d)
	e.must(contract.ActionTerminateStatus, d)
	assert.True(t, d.Status[contract.StatusInstanceTerminate].Done)
}

func TestTerminateEdges(t *testing.T) {
	t.Run("nothing launched", func(t *testing.T) {
		e := newEnv(t)
		d := e.doc(cpuRequest)
		d.Error = &document.Failure{Error: contract.InsufficientCapacity}
		e.must(contract.ActionTerminate, d)
		assert.True(t, d.Status[contract.StatusInstanceTerminate].Done)
		assert.Equal(t, document.StageRollback, d.Progress.Stage)
		assert.Equal(t, document.RemovalNothing, d.Removal.Status)
		assert.Equal(t, []string{"EC2 instance"}, d.Removal.NeverCreated)
	})
	t.Run("destroy from the request alone finds a run's instance by tag", func(t *testing.T) {
		e := newEnv(t)
		d := e.running(cpuRequest)
		destroy := &document.Document{Request: d.Request} // no run, no ledger
		e.must(contract.ActionTerminate, destroy)
		assert.Equal(t, []string{"EC2 instance " + d.Resources.InstanceID}, destroy.Removal.Deleted)
		e.clk.Advance(time.Minute)
		e.must(contract.ActionTerminateStatus, destroy)
		assert.True(t, destroy.Status[contract.StatusInstanceTerminate].Done)
		assert.Empty(t, e.instances())
	})
	t.Run("supplied is never terminated", func(t *testing.T) {
		e := newEnv(t)
		d := e.running(cpuRequest)
		d.Resources.MarkSupplied(document.KeyInstanceID)
		e.must(contract.ActionTerminate, d)
		assert.Equal(t, []string{"EC2 instance " + d.Resources.InstanceID + " (yours)"}, d.Removal.Kept)
		e.must(contract.ActionTerminateStatus, d)
		assert.True(t, d.Status[contract.StatusInstanceTerminate].Done)
		assert.Len(t, e.instances(), 1)
	})
	t.Run("terminate past the deadline", func(t *testing.T) {
		e := newEnv(t, account.WithLatency(simec2.LatencyTerminate, time.Hour))
		d := e.running(cpuRequest)
		e.must(contract.ActionTerminate, d)
		e.clk.Advance(5 * time.Minute)
		e.must(contract.ActionTerminateStatus, d)
		assert.Contains(t, d.Status[contract.StatusInstanceTerminate].Detail, d.Resources.InstanceID)
		e.clk.Advance(15 * time.Minute)
		requireStepErr(t, e.run(contract.ActionTerminateStatus, d), contract.Timeout)
	})
	t.Run("an instance terminated already is already gone", func(t *testing.T) {
		e := newEnv(t)
		d := e.running(cpuRequest)
		e.must(contract.ActionTerminate, d)
		e.clk.Advance(5 * time.Minute)
		again := &document.Document{Request: d.Request, Resources: d.Resources}
		e.must(contract.ActionTerminate, again)
		assert.Equal(t, document.RemovalAlreadyGone, again.Removal.Status)
		assert.Equal(t, []string{"EC2 instance " + d.Resources.InstanceID}, again.Removal.AlreadyGone)
	})
	t.Run("terminate refused", func(t *testing.T) {
		e := newEnv(t)
		d := e.running(cpuRequest)
		e.w.Inject(account.Fault{Service: "EC2", Operation: "TerminateInstances", Code: "OperationNotPermitted"})
		se := requireStepErr(t, e.run(contract.ActionTerminate, d), contract.InstanceTerminateFailed)
		assert.Equal(t, "OperationNotPermitted", se.Cause.AWSErrorCode)
	})
	t.Run("sweep fails", func(t *testing.T) {
		for _, action := range []string{contract.ActionTerminate, contract.ActionTerminateStatus} {
			e := newEnv(t)
			d := e.running(cpuRequest)
			e.w.Inject(account.Fault{Service: "EC2", Operation: "DescribeInstances", Code: "UnauthorizedOperation", Skip: 2})
			se := requireStepErr(t, e.run(action, d), contract.InstanceTerminateFailed)
			assert.Equal(t, "UnauthorizedOperation", se.Cause.AWSErrorCode)
		}
	})
}

// A CPU instance's script stays readable in the console; a GPU
// instance's, with its driver and toolkit sections, is gzipped to fit
// EC2's 16 KB (cloud-init unpacks it).
func TestUserDataIsGzippedOnlyWhenNeeded(t *testing.T) {
	e := newEnv(t)
	cpu, _ := e.ec2m.UserData(e.running(cpuRequest).Resources.InstanceID)
	assert.True(t, strings.HasPrefix(string(cpu), "#!/bin/bash"), "small enough to stay plain")
	e = newEnv(t)
	gpu, _ := e.ec2m.UserData(e.running(gpuRequest).Resources.InstanceID)
	require.True(t, bytes.HasPrefix(gpu, []byte{0x1f, 0x8b}), "gzipped")
	zr, err := gzip.NewReader(bytes.NewReader(gpu))
	require.NoError(t, err)
	script, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(script), "#!/bin/bash"))
	assert.LessOrEqual(t, len(gpu), userdata.MaxSize)
}

func TestActionNames(t *testing.T) {
	e := newEnv(t)
	var names []string
	for n := range e.actions {
		names = append(names, n)
	}
	sort.Strings(names)
	assert.Equal(t, []string{"gpu_check", "gpu_check_status", "launch", "status", "terminate", "terminate_status"}, names)
}
