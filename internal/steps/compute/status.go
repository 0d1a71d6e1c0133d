package compute

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
)

// status reads the instance once: pending (poll again), running (done,
// public IP recorded) or a state it cannot come back from (failed).
func (s *Step) status(ctx context.Context, doc *document.Document) error {
	step := family.StepName(contract.ActionStatus)
	ec2c, _ := s.clients(doc)
	id := doc.Resources.InstanceID
	deadline := doc.Deadline(contract.StatusInstance, s.Clock.Now(), InstanceWait.Timeout)
	if id == "" {
		return steperr.New(contract.InstanceLaunchFailed, step, "no instance in the ledger to wait for",
			"The launch action did not record an instance: check its output, then retry the deployment.")
	}
	inst, ok, err := findInstanceByID(ctx, ec2c, id)
	if err != nil {
		return steperr.FromAWS(contract.InstanceLaunchFailed, step, err, remedyLaunch)
	}
	state := statePending
	// Quirk: DescribeInstances can answer InvalidInstanceID.NotFound for a
	// few seconds after RunInstances returned the id (EC2 is eventually
	// consistent); until the deadline, an unknown id counts as pending.
	if ok {
		state = string(inst.State.Name)
	}
	switch state {
	case stateRunning:
		record(doc, inst)
		// The compute stage's timing tells the load balancer step when the
		// workload should answer (it boots after running).
		doc.SetTiming(document.StageCompute, aws.ToTime(inst.LaunchTime), s.Clock.Now())
		doc.SetStatus(contract.StatusInstance, document.Poll{Status: state, Done: true, Percent: 100})
		doc.Report(s.Clock.Now(), document.StageCompute, fmt.Sprintf("Instance %s is running", id), id).StagePercent = 100
		s.Logger(doc, contract.ActionStatus).Info("instance running", "resource", "instance", "id", id, "public_ip", doc.Resources.PublicIP)
		return nil
	case statePending:
		now := s.Clock.Now()
		if !now.Before(deadline) {
			doc.SetStatus(contract.StatusInstance, document.Poll{Status: state, TimedOut: true})
			return steperr.Timeout(step, "instance "+id, deadline, remedyInstanceTimeout)
		}
		doc.SetStatus(contract.StatusInstance, launchWait(doc).Pending(state, deadline, now))
		s.Logger(doc, contract.ActionStatus).Debug("instance pending", "resource", "instance", "id", id)
		return nil
	default:
		doc.SetStatus(contract.StatusInstance, document.Poll{Status: state, Failed: true, Detail: stateReason(inst)})
		return steperr.New(contract.InstanceLaunchFailed, step,
			fmt.Sprintf("instance %s is %s before running: %s", id, state, stateReason(inst)), remedyState)
	}
}

// launchWait is the wait for the instance launched: GPUInstanceWait for a
// GPU type, whose Deep Learning AMI boots slowly, InstanceWait otherwise.
func launchWait(doc *document.Document) document.Wait {
	if document.IsGPUInstanceType(doc.Resources.InstanceType) {
		return GPUInstanceWait
	}
	return InstanceWait
}

// stateReason is why EC2 says the instance left pending/running.
func stateReason(i types.Instance) string {
	if i.StateReason != nil {
		return aws.ToString(i.StateReason.Message)
	}
	return aws.ToString(i.StateTransitionReason)
}
