package compute

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/ec2tag"
)

// liveStates are the states of an instance that still costs money or may
// still come up: everything but terminated.
var liveStates = []string{statePending, stateRunning, stateShuttingDown, stateStopping, stateStopped}

// findInstanceByID returns the instance, or ok=false when EC2 does not
// know it (never launched, or terminated long ago).
func findInstanceByID(ctx context.Context, api ec2API, id string) (types.Instance, bool, error) {
	out, err := api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if awsapi.IsNotFound(err) {
		return types.Instance{}, false, nil
	}
	if err != nil {
		return types.Instance{}, false, fmt.Errorf("describe instance %s: %w", id, err)
	}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			if aws.ToString(i.InstanceId) == id {
				return i, true, nil
			}
		}
	}
	return types.Instance{}, false, nil
}

// findInstances returns the instances matching filters, across pages.
func findInstances(ctx context.Context, api ec2API, filters ...types.Filter) ([]types.Instance, error) {
	var out []types.Instance
	p := ec2.NewDescribeInstancesPaginator(api, &ec2.DescribeInstancesInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe instances: %w", err)
		}
		for _, r := range page.Reservations {
			out = append(out, r.Instances...)
		}
	}
	return out, nil
}

// sweep finds the deployment's instances that are not terminated: the
// ledger's, those tagged with the deployment id, and those launched with
// one of its client tokens. Never one tagged for another deployment: the
// tag and the tokens both carry this deployment's id.
func sweep(ctx context.Context, api ec2API, doc *document.Document) ([]types.Instance, error) {
	live := ec2tag.Filter("instance-state-name", liveStates...)
	tagged, err := findInstances(ctx, api, ec2tag.Filter("tag:"+document.TagDeployment, doc.Request.DeploymentID), live)
	if err != nil {
		return nil, err
	}
	byToken, err := findInstances(ctx, api, ec2tag.Filter("client-token", clientTokens(doc)...), live)
	if err != nil {
		return nil, err
	}
	found := append(tagged, byToken...)
	if id := doc.Resources.InstanceID; id != "" {
		i, ok, err := findInstanceByID(ctx, api, id)
		if err != nil {
			return nil, err
		}
		if ok && string(i.State.Name) != stateTerminated {
			found = append(found, i)
		}
	}
	seen := map[string]bool{}
	return slices.DeleteFunc(found, func(i types.Instance) bool {
		id := aws.ToString(i.InstanceId)
		dup := seen[id]
		seen[id] = true
		return dup
	}), nil
}
