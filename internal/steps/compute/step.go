// Package compute owns the deployment's EC2 instance: it resolves the AMI
// from SSM public parameters, launches the instance with the workload's
// UserData (falling back across subnets and GPU types when EC2 has no
// capacity), polls it to running, checks its GPU through SSM Run Command,
// and terminates it on rollback and destroy.
//
// Actions: launch, status, gpu_check, gpu_check_status, terminate,
// terminate_status. Status keys: instance, gpu, instance_terminate.
//
// It imports document, steperr, awsapi, clock, step, its userdata subpackage and
// the SDK's EC2 and SSM clients; never sim or engine.
package compute

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

// The step's waits (read-only), paced by document.Pace.
var (
	// InstanceWait: pending→running takes about 20 s (the design's
	// measurements); ten minutes means something is wrong.
	InstanceWait = document.Wait{Typical: 20 * time.Second, Timeout: 10 * time.Minute}
	// GPUInstanceWait: a GPU type booting a Deep Learning AMI takes about
	// a minute to run.
	GPUInstanceWait = document.Wait{Typical: time.Minute, Timeout: 10 * time.Minute}
	// GPUCheckWait: the SSM agent registers about a minute after it first
	// sees the instance running (30–90 s observed), the invocation becomes
	// visible in ~2 s and nvidia-smi takes seconds.
	GPUCheckWait = document.Wait{Typical: 70 * time.Second, Timeout: 10 * time.Minute}
	// TerminateWait: shutting-down→terminated takes about a minute; GPU
	// instances with large volumes take longer.
	TerminateWait = document.Wait{Typical: time.Minute, Timeout: 15 * time.Minute}
)

// ec2API is what the step calls on EC2.
type ec2API interface {
	RunInstances(context.Context, *ec2.RunInstancesInput, ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error)
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	TerminateInstances(context.Context, *ec2.TerminateInstancesInput, ...func(*ec2.Options)) (*ec2.TerminateInstancesOutput, error)
	DescribeImages(context.Context, *ec2.DescribeImagesInput, ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
}

// ssmAPI is what the step calls on Systems Manager.
type ssmAPI interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	SendCommand(context.Context, *ssm.SendCommandInput, ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
	GetCommandInvocation(context.Context, *ssm.GetCommandInvocationInput, ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error)
}

// Step is the compute Lambda's logic.
type Step struct{ step.Base }

// New returns the compute step. Clients are built per call for the
// request's region, so one Lambda serves deployments in any region.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{step.New(family, cfg, c, log)}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{
		contract.ActionLaunch:          s.launch,
		contract.ActionStatus:          s.status,
		contract.ActionGPUCheck:        s.gpuCheck,
		contract.ActionGPUCheckStatus:  s.gpuCheckStatus,
		contract.ActionTerminate:       s.terminate,
		contract.ActionTerminateStatus: s.terminateStatus,
	}
}

// clients returns EC2 and SSM clients for the deployment's region.
func (s *Step) clients(doc *document.Document) (ec2API, ssmAPI) {
	cfg := s.Config(doc)
	return ec2.NewFromConfig(cfg), ssm.NewFromConfig(cfg)
}

// family names the step's failures (compute picks the error name per
// call: InstanceLaunchFailed, InsufficientCapacity, GpuCheckFailed).
var family = step.Family{Name: contract.Compute, Error: contract.InstanceLaunchFailed}
