package compute

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
)

// Status strings of the GPU check.
const (
	gpuNotApplicable = "not_applicable"
	gpuWaitingAgent  = "waiting_for_agent"
)

// gpuCheck sends nvidia-smi to the instance through SSM Run Command and
// records the command id in doc.Status["gpu"].Detail. It does nothing on
// a CPU instance, or when a command was already sent.
func (s *Step) gpuCheck(ctx context.Context, doc *document.Document) error {
	if s.gpuSettled(doc) || doc.Status[contract.StatusGPU].Detail != "" {
		return nil
	}
	_, ssmc := s.clients(doc)
	return s.sendGPUCheck(ctx, ssmc, doc)
}

// gpuCheckStatus reads the command's result once; it (re)sends the command
// when the agent was not online for gpu_check, so one poll loop serves both.
func (s *Step) gpuCheckStatus(ctx context.Context, doc *document.Document) error {
	if s.gpuSettled(doc) {
		return nil
	}
	_, ssmc := s.clients(doc)
	commandID := doc.Status[contract.StatusGPU].Detail
	if commandID == "" {
		return s.sendGPUCheck(ctx, ssmc, doc)
	}
	step := family.StepName(contract.ActionGPUCheckStatus)
	id := doc.Resources.InstanceID
	deadline := doc.Deadline(contract.StatusGPU, s.Clock.Now(), GPUCheckWait.Timeout)
	out, err := ssmc.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{
		CommandId: aws.String(commandID), InstanceId: aws.String(id),
	})
	switch {
	case isInvocationMissing(err):
		// Quirk: GetCommandInvocation answers InvocationDoesNotExist for a
		// second or two after SendCommand, until the invocation is
		// registered; it is not an error yet.
		return s.gpuPending(doc, step, string(ssmtypes.CommandInvocationStatusPending), commandID, deadline)
	case err != nil:
		return steperr.FromAWS(contract.GpuCheckFailed, step,
			fmt.Errorf("get command %s on instance %s: %w", commandID, id, err), remedyGPUTimeout)
	}
	switch out.Status {
	case ssmtypes.CommandInvocationStatusSuccess:
		gpus := gpuLines(aws.ToString(out.StandardOutputContent))
		if len(gpus) == 0 {
			return s.gpuFailed(doc, step, fmt.Sprintf("nvidia-smi on instance %s listed no GPU", id))
		}
		detail := fmt.Sprintf("%d GPU(s): %s", len(gpus), strings.Join(gpus, ", "))
		doc.SetStatus(contract.StatusGPU, document.Poll{Status: string(out.Status), Done: true, Percent: 100, Detail: detail})
		doc.Report(s.Clock.Now(), document.StageGPU, "GPU check passed: "+detail, id).StagePercent = 100
		s.Logger(doc, contract.ActionGPUCheckStatus).Info("gpu check passed", "resource", "instance", "id", id, "gpus", len(gpus))
		return nil
	case ssmtypes.CommandInvocationStatusPending, ssmtypes.CommandInvocationStatusInProgress,
		ssmtypes.CommandInvocationStatusDelayed:
		return s.gpuPending(doc, step, string(out.Status), commandID, deadline)
	default: // Failed, TimedOut, Cancelled, Cancelling
		return s.gpuFailed(doc, step, fmt.Sprintf("nvidia-smi on instance %s: %s (exit code %d): %s",
			id, out.Status, out.ResponseCode, strings.TrimSpace(aws.ToString(out.StandardErrorContent))))
	}
}

// gpuSettled reports whether there is nothing left to do: the instance
// type has no GPU (the check is skipped and marked done) or the check
// already passed.
func (s *Step) gpuSettled(doc *document.Document) bool {
	if !document.IsGPUInstanceType(doc.Resources.InstanceType) {
		doc.SetStatus(contract.StatusGPU, document.Poll{Status: gpuNotApplicable, Done: true})
		return true
	}
	return doc.Status[contract.StatusGPU].Done
}

// sendGPUCheck sends the query, or notes that the agent is not online yet.
func (s *Step) sendGPUCheck(ctx context.Context, api ssmAPI, doc *document.Document) error {
	step := family.StepName(contract.ActionGPUCheck)
	id := doc.Resources.InstanceID
	deadline := doc.Deadline(contract.StatusGPU, s.Clock.Now(), GPUCheckWait.Timeout)
	in := &ssm.SendCommandInput{
		DocumentName:   aws.String(contract.GPUCheckDocument),
		InstanceIds:    []string{id},
		Comment:        aws.String("GeuseMaker GPU check for " + doc.Request.DeploymentID),
		TimeoutSeconds: aws.Int32(60),
	}
	out, err := api.SendCommand(ctx, in)
	var missing *ssmtypes.InvalidDocument
	if errors.As(err, &missing) {
		in.DocumentName, in.Parameters = aws.String("AWS-RunShellScript"), map[string][]string{"commands": {contract.GPUQuery}}
		out, err = api.SendCommand(ctx, in)
	}
	switch {
	case isAgentOffline(err):
		// Quirk: SendCommand answers InvalidInstanceId until the instance's
		// SSM agent has registered, about a minute after running.
		return s.gpuPending(doc, step, gpuWaitingAgent, "", deadline)
	case err != nil:
		return steperr.FromAWS(contract.GpuCheckFailed, step,
			fmt.Errorf("send GPU check to instance %s: %w", id, err), remedyAgent)
	}
	commandID := aws.ToString(out.Command.CommandId)
	s.Logger(doc, contract.ActionGPUCheck).Info("gpu check sent", "resource", "instance", "id", id, "command_id", commandID)
	return s.gpuPending(doc, step, string(out.Command.Status), commandID, deadline)
}

// gpuPending records a check still under way, or times it out.
func (s *Step) gpuPending(doc *document.Document, step, status, commandID string, deadline time.Time) error {
	now := s.Clock.Now()
	if !now.Before(deadline) {
		doc.SetStatus(contract.StatusGPU, document.Poll{Status: status, TimedOut: true, Detail: commandID})
		remedy := remedyGPUTimeout
		if commandID == "" {
			remedy = remedyAgent
		}
		return steperr.Timeout(step, "GPU check of instance "+doc.Resources.InstanceID, deadline, remedy)
	}
	p := GPUCheckWait.Pending(status, deadline, now)
	p.Detail = commandID
	doc.SetStatus(contract.StatusGPU, p)
	doc.Report(now, document.StageGPU, "Checking the instance's GPU...", doc.Resources.InstanceID).StagePercent = p.Percent
	return nil
}

// gpuFailed records and returns a failed check.
func (s *Step) gpuFailed(doc *document.Document, step, message string) error {
	doc.SetStatus(contract.StatusGPU, document.Poll{Status: string(ssmtypes.CommandInvocationStatusFailed), Failed: true, Detail: message})
	return steperr.New(contract.GpuCheckFailed, step, message, remedyGPU)
}

// gpuLines are the non-empty lines of nvidia-smi's output.
func gpuLines(out string) []string {
	var gpus []string
	for line := range strings.Lines(out) {
		if l := strings.TrimSpace(line); l != "" {
			gpus = append(gpus, l)
		}
	}
	return gpus
}
