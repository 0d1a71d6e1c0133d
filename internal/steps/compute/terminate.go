package compute

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
)

// terminate terminates every instance of the deployment the sweep finds.
func (s *Step) terminate(ctx context.Context, doc *document.Document) error {
	step := family.StepName(contract.ActionTerminate)
	if doc.Resources.Supplied(document.KeyInstanceID) {
		doc.SetStatus(contract.StatusInstanceTerminate, document.Poll{Status: "supplied", Done: true})
		doc.Kept("EC2 instance " + doc.Resources.InstanceID + " (yours)")
		return nil
	}
	ec2c, _ := s.clients(doc)
	// A new wait: a deadline a previous teardown left must not end it.
	deadline := doc.StartWait(contract.StatusInstanceTerminate, s.Clock.Now(), TerminateWait.Timeout)
	found, err := sweep(ctx, ec2c, doc)
	if err != nil {
		return steperr.FromAWS(contract.InstanceTerminateFailed, step, err, remedyTerminate)
	}
	var ids []string
	for _, i := range found {
		id := aws.ToString(i.InstanceId)
		gone, err := awsapi.Gone(ec2c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
		if err != nil {
			return steperr.FromAWS(contract.InstanceTerminateFailed, step, fmt.Errorf("terminate instance %s: %w", id, err), remedyTerminate)
		}
		ids = append(ids, id)
		doc.Removed("EC2 instance "+id, gone)
		s.Logger(doc, contract.ActionTerminate).Info("terminating instance", "resource", "instance", "id", id, "already_gone", gone)
	}
	switch id := doc.Resources.InstanceID; {
	case len(ids) > 0:
	case id != "":
		// Recorded, but terminated already.
		doc.Removed("EC2 instance "+id, true)
	default:
		doc.NeverCreated("EC2 instance")
	}
	p := TerminateWait.Pending(stateShuttingDown, deadline, s.Clock.Now())
	p.Done = len(ids) == 0
	doc.SetStatus(contract.StatusInstanceTerminate, p)
	doc.Report(s.Clock.Now(), doc.TeardownStage(), "Terminating instances: "+strings.Join(ids, ", "), doc.Resources.InstanceID)
	return nil
}

// terminateStatus is done once no instance of the deployment is left
// that is not terminated.
func (s *Step) terminateStatus(ctx context.Context, doc *document.Document) error {
	step := family.StepName(contract.ActionTerminateStatus)
	if doc.Resources.Supplied(document.KeyInstanceID) {
		doc.SetStatus(contract.StatusInstanceTerminate, document.Poll{Status: "supplied", Done: true})
		return nil
	}
	ec2c, _ := s.clients(doc)
	deadline := doc.Deadline(contract.StatusInstanceTerminate, s.Clock.Now(), TerminateWait.Timeout)
	found, err := sweep(ctx, ec2c, doc)
	if err != nil {
		return steperr.FromAWS(contract.InstanceTerminateFailed, step, err, remedyTerminate)
	}
	if len(found) == 0 {
		doc.SetStatus(contract.StatusInstanceTerminate, document.Poll{Status: stateTerminated, Done: true, Percent: 100})
		doc.Report(s.Clock.Now(), doc.TeardownStage(), "Instances terminated", doc.Resources.InstanceID)
		return nil
	}
	var states []string
	for _, i := range found {
		states = append(states, aws.ToString(i.InstanceId)+" "+string(i.State.Name))
	}
	now := s.Clock.Now()
	if !now.Before(deadline) {
		doc.SetStatus(contract.StatusInstanceTerminate, document.Poll{Status: string(found[0].State.Name), TimedOut: true})
		return steperr.Timeout(step, "termination of "+strings.Join(states, ", "), deadline, remedyTerminateTimeout)
	}
	p := TerminateWait.Pending(string(found[0].State.Name), deadline, now)
	p.Detail = strings.Join(states, ", ")
	doc.SetStatus(contract.StatusInstanceTerminate, p)
	return nil
}
