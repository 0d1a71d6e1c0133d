package preflight

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/document"
)

// candidates are the instance types the compute step may launch, in its
// order: the requested type, then for a GPU type its fallbacks.
func candidates(req document.Request) []string {
	out := []string{req.InstanceType}
	if document.IsGPUInstanceType(req.InstanceType) {
		out = append(out, req.GPUInstanceFallbacks...)
	}
	return out
}

// offered returns the first candidate offered in one of zones (the type
// the compute step will launch) and the zones offering it. None offered is
// a problem naming where each candidate is offered. No zones (the network
// has a problem, or could not be read) checks nothing.
func offered(ctx context.Context, c ec2API, req document.Request, zones []string, f *findings) (string, []string, error) {
	if len(zones) == 0 {
		return "", nil, nil
	}
	kinds := candidates(req)
	where := map[string][]string{}
	p := ec2.NewDescribeInstanceTypeOfferingsPaginator(c, &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: types.LocationTypeAvailabilityZone,
		Filters:      []types.Filter{filter("instance-type", kinds...)},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", nil, f.unreadable("the instance type offerings", err)
		}
		for _, o := range page.InstanceTypeOfferings {
			t := string(o.InstanceType)
			where[t] = append(where[t], aws.ToString(o.Location))
		}
	}
	var elsewhere []string
	for _, t := range kinds {
		var in []string
		for _, z := range where[t] {
			if slices.Contains(zones, z) {
				in = append(in, z)
			}
		}
		if len(in) > 0 {
			slices.Sort(in)
			return t, in, nil
		}
		if len(where[t]) == 0 {
			elsewhere = append(elsewhere, t+": nowhere in "+req.Region)
			continue
		}
		slices.Sort(where[t])
		elsewhere = append(elsewhere, t+": "+strings.Join(where[t], ", "))
	}
	f.fail(fmt.Sprintf("Where each type is offered: %s. Choose subnets in a zone that offers one (subnet_ids), another instance_type, or gpu_instance_fallbacks offered in %s.",
		strings.Join(elsewhere, "; "), strings.Join(zones, ", ")),
		"no instance type of %s is offered in the deployment's Availability Zones (%s)", strings.Join(kinds, ", "), strings.Join(zones, ", "))
	return "", nil, nil
}
