package ssm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	simssm "geusemaker/internal/sim/ssm"
)

// fakeNetwork is just enough EC2 for SSM: instances by id.
type fakeNetwork struct{ instances map[string]account.Instance }

func (f *fakeNetwork) Subnet(string) (account.Subnet, bool)   { return account.Subnet{}, false }
func (f *fakeNetwork) SecurityGroupVPC(string) (string, bool) { return "", false }
func (f *fakeNetwork) HasInternetGateway(string) bool         { return false }
func (f *fakeNetwork) DeleteNetworkInterface(string)          {}
func (f *fakeNetwork) CreateServiceGroup(string, string, map[string]string) (string, error) {
	return "", nil
}
func (f *fakeNetwork) DeleteServiceGroup(string)                   {}
func (f *fakeNetwork) Admits([]string, int32, account.Source) bool { return true }
func (f *fakeNetwork) Instance(id string) (account.Instance, bool) {
	i, ok := f.instances[id]
	return i, ok
}
func (f *fakeNetwork) CreateNetworkInterface(string, []string, string, bool) (string, error) {
	return "", errors.New("not modeled")
}

type fixture struct {
	w   *account.Account
	net *fakeNetwork
	clk *clock.Virtual
	api *ssm.Client
}

func newFixture(t *testing.T, opts ...account.Option) *fixture {
	t.Helper()
	w := account.New(opts...)
	simssm.Register(w)
	net := &fakeNetwork{instances: map[string]account.Instance{
		"i-gpu":     {ID: "i-gpu", Type: "g4dn.xlarge", State: "running", GPUs: 1},
		"i-gpu4":    {ID: "i-gpu4", Type: "g5.12xlarge", State: "running", GPUs: 4},
		"i-cpu":     {ID: "i-cpu", Type: "t3.medium", State: "running"},
		"i-odd":     {ID: "i-odd", Type: "x9.large", State: "running", GPUs: 1},
		"i-pending": {ID: "i-pending", Type: "t3.medium", State: "pending"},
	}}
	w.Network = net
	return &fixture{w: w, net: net, clk: w.Clock().(*clock.Virtual), api: ssm.NewFromConfig(w.Config("us-east-1"))}
}

func (f *fixture) send(t *testing.T, instance, command string) (string, error) {
	t.Helper()
	out, err := f.api.SendCommand(context.Background(), &ssm.SendCommandInput{
		DocumentName: aws.String("AWS-RunShellScript"),
		InstanceIds:  []string{instance},
		Parameters:   map[string][]string{"commands": {command}},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Command.CommandId), nil
}

// online sends once to register the agent clock, then waits it out.
func (f *fixture) online(t *testing.T, instance string) {
	t.Helper()
	_, _ = f.send(t, instance, "true")
	f.clk.Advance(time.Minute)
}

func (f *fixture) invocation(t *testing.T, id, instance string) (*ssm.GetCommandInvocationOutput, error) {
	t.Helper()
	return f.api.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{
		CommandId: aws.String(id), InstanceId: aws.String(instance),
	})
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestGetParameterReturnsSeededAMIPerRegion(t *testing.T) {
	f := newFixture(t)
	names := simssm.PublicParameters()
	require.Len(t, names, 11)
	west := ssm.NewFromConfig(f.w.Config("eu-west-1"))
	seen := map[string]bool{}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			east, err := f.api.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(name)})
			require.NoError(t, err)
			v := aws.ToString(east.Parameter.Value)
			assert.Regexp(t, `^ami-[0-9a-f]{17}$`, v)
			assert.Equal(t, "arn:aws:ssm:us-east-1::parameter"+name, aws.ToString(east.Parameter.ARN))
			assert.Equal(t, types.ParameterTypeString, east.Parameter.Type)
			assert.False(t, seen[v], "each parameter holds its own AMI")
			seen[v] = true

			other, err := west.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(name)})
			require.NoError(t, err)
			assert.NotEqual(t, v, aws.ToString(other.Parameter.Value), "each region has its own AMI")
		})
	}
}

func TestGetParameterUnknownNameIsParameterNotFound(t *testing.T) {
	f := newFixture(t)
	_, err := f.api.GetParameter(context.Background(), &ssm.GetParameterInput{
		Name: aws.String("/aws/service/deeplearning/ami/x86_64/no-such-ami/latest/ami-id"),
	})
	var nf *types.ParameterNotFound
	require.ErrorAs(t, err, &nf)
}

func TestGetParametersSplitsKnownAndInvalid(t *testing.T) {
	f := newFixture(t)
	out, err := f.api.GetParameters(context.Background(), &ssm.GetParametersInput{
		Names: []string{simssm.ParamAL2023x86, "/nope"},
	})
	require.NoError(t, err)
	require.Len(t, out.Parameters, 1)
	assert.Equal(t, simssm.ParamAL2023x86, aws.ToString(out.Parameters[0].Name))
	assert.Equal(t, []string{"/nope"}, out.InvalidParameters)

	_, err = f.api.GetParameters(context.Background(), &ssm.GetParametersInput{
		Names: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"},
	})
	assert.Equal(t, "ValidationException", code(err))
}

func TestSendCommandRejections(t *testing.T) {
	f := newFixture(t)
	f.online(t, "i-cpu")
	tests := []struct {
		name string
		in   ssm.SendCommandInput
		code string
	}{
		{"unknown instance", ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{"i-none"}, Parameters: map[string][]string{"commands": {"true"}}}, "InvalidInstanceId"},
		{"pending instance", ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{"i-pending"}, Parameters: map[string][]string{"commands": {"true"}}}, "InvalidInstanceId"},
		{"unknown document", ssm.SendCommandInput{DocumentName: aws.String("AWS-Nope"), InstanceIds: []string{"i-cpu"}, Parameters: map[string][]string{"commands": {"true"}}}, "InvalidDocument"},
		{"no instances", ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), Parameters: map[string][]string{"commands": {"true"}}}, "InvalidParameters"},
		{"no commands", ssm.SendCommandInput{DocumentName: aws.String("AWS-RunShellScript"), InstanceIds: []string{"i-cpu"}}, "InvalidParameters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.api.SendCommand(context.Background(), &tc.in)
			assert.Equal(t, tc.code, code(err))
		})
	}
}

func TestSendCommandWaitsForTheAgent(t *testing.T) {
	f := newFixture(t)
	_, err := f.send(t, "i-gpu", "nvidia-smi")
	var bad *types.InvalidInstanceId
	require.ErrorAs(t, err, &bad, "the agent registers a minute after the instance runs")
	assert.Contains(t, err.Error(), "i-gpu")

	f.clk.Advance(59 * time.Second)
	_, err = f.send(t, "i-gpu", "nvidia-smi")
	require.ErrorAs(t, err, &bad)

	f.clk.Advance(time.Second)
	_, err = f.send(t, "i-gpu", "nvidia-smi")
	require.NoError(t, err)
}

func TestSendCommandWithoutEC2IsInvalidInstanceID(t *testing.T) {
	f := newFixture(t)
	f.w.Network = nil
	_, err := f.send(t, "i-gpu", "true")
	assert.Equal(t, "InvalidInstanceId", code(err))
}

func TestAgentLatencyOverride(t *testing.T) {
	f := newFixture(t, account.WithLatency(simssm.LatencyAgent, 0))
	_, err := f.send(t, "i-cpu", "true")
	require.NoError(t, err)
}

func TestCommandInvocationLifecycle(t *testing.T) {
	tests := []struct {
		name     string
		instance string
		command  string
		status   types.CommandInvocationStatus
		code     int32
		stdout   string
		stderr   string
	}{
		{"nvidia-smi on one GPU", "i-gpu", "nvidia-smi --query-gpu=name --format=csv,noheader", types.CommandInvocationStatusSuccess, 0, "Tesla T4\n", ""},
		{"nvidia-smi on four GPUs", "i-gpu4", "nvidia-smi -L", types.CommandInvocationStatusSuccess, 0, "NVIDIA A10G\nNVIDIA A10G\nNVIDIA A10G\nNVIDIA A10G\n", ""},
		{"nvidia-smi on an unknown family", "i-odd", "nvidia-smi", types.CommandInvocationStatusSuccess, 0, "NVIDIA GPU\n", ""},
		{"nvidia-smi without a GPU", "i-cpu", "nvidia-smi", types.CommandInvocationStatusFailed, 9, "", "NVIDIA-SMI has failed"},
		{"any other command", "i-cpu", "uptime", types.CommandInvocationStatusSuccess, 0, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.online(t, tc.instance)
			id, err := f.send(t, tc.instance, tc.command)
			require.NoError(t, err)

			_, err = f.invocation(t, id, tc.instance)
			var missing *types.InvocationDoesNotExist
			require.ErrorAs(t, err, &missing, "invisible right after SendCommand")

			f.clk.Advance(2 * time.Second)
			out, err := f.invocation(t, id, tc.instance)
			require.NoError(t, err)
			assert.Equal(t, types.CommandInvocationStatusInProgress, out.Status)

			f.clk.Advance(3 * time.Second)
			out, err = f.invocation(t, id, tc.instance)
			require.NoError(t, err)
			assert.Equal(t, tc.status, out.Status)
			assert.Equal(t, tc.code, out.ResponseCode)
			assert.Equal(t, tc.stdout, aws.ToString(out.StandardOutputContent))
			assert.Contains(t, aws.ToString(out.StandardErrorContent), tc.stderr)
		})
	}
}

func TestCommandOnInstanceThatWentAwayFails(t *testing.T) {
	f := newFixture(t)
	f.online(t, "i-gpu")
	id, err := f.send(t, "i-gpu", "nvidia-smi")
	require.NoError(t, err)
	f.net.instances["i-gpu"] = account.Instance{ID: "i-gpu", State: "terminated"}
	f.clk.Advance(time.Minute)
	out, err := f.invocation(t, id, "i-gpu")
	require.NoError(t, err)
	assert.Equal(t, types.CommandInvocationStatusFailed, out.Status)
	assert.Equal(t, "Undeliverable", aws.ToString(out.StatusDetails))
}

func TestGetCommandInvocationUnknownIsInvocationDoesNotExist(t *testing.T) {
	f := newFixture(t)
	f.online(t, "i-cpu")
	id, err := f.send(t, "i-cpu", "true")
	require.NoError(t, err)
	f.clk.Advance(time.Minute)

	west := ssm.NewFromConfig(f.w.Config("eu-west-1"))
	_, err = west.GetCommandInvocation(context.Background(), &ssm.GetCommandInvocationInput{CommandId: aws.String(id), InstanceId: aws.String("i-cpu")})
	assert.Equal(t, "InvocationDoesNotExist", code(err), "commands are regional")

	_, err = f.invocation(t, id, "i-gpu")
	assert.Equal(t, "InvocationDoesNotExist", code(err))
	_, err = f.invocation(t, "00000000-0000-4000-8000-00000000ffff", "i-cpu")
	assert.Equal(t, "InvocationDoesNotExist", code(err))
}

func TestInventoryIsEmpty(t *testing.T) {
	f := newFixture(t)
	f.online(t, "i-cpu")
	_, err := f.send(t, "i-cpu", "true")
	require.NoError(t, err)
	assert.Empty(t, f.w.Inventory())
}

func TestPublicAMI(t *testing.T) {
	a, ok := simssm.PublicAMI("us-east-1", simssm.ParamDLAMIAL2023)
	require.True(t, ok)
	b, _ := simssm.PublicAMI("us-east-1", simssm.ParamDLAMIAL2023)
	assert.Equal(t, a, b, "deterministic")
	_, ok = simssm.PublicAMI("us-east-1", "/nope")
	assert.False(t, ok)
}
