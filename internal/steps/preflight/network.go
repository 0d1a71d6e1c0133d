package preflight

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
)

// network checks what the network step will use, as it will choose it
// (the supplied VPC and subnets, else the default VPC's default subnets,
// else a new VPC), and returns the Availability Zones the instance may be
// placed in: the subnets' zones, or every zone of the region for a new
// VPC. No zones means the network itself is a problem (already reported)
// or could not be read.
func network(ctx context.Context, c ec2API, req document.Request, f *findings) ([]string, error) {
	n, err := chooseNetwork(ctx, c, req, f)
	if err != nil {
		return nil, err
	}
	if n.usable || n.vpcID != "" {
		if err := checkGroup(ctx, c, req, n.vpcID, f); err != nil {
			return nil, err
		}
	}
	if !n.usable {
		return nil, nil
	}
	if n.vpcID == "" {
		out, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filter("state", "available")}})
		if err != nil {
			return nil, f.unreadable("the region's Availability Zones", err)
		}
		var zones []string
		for _, z := range out.AvailabilityZones {
			zones = append(zones, aws.ToString(z.ZoneName))
		}
		slices.Sort(zones)
		return zones, nil
	}
	var zones []string
	for _, sn := range n.subnets {
		if z := aws.ToString(sn.AvailabilityZone); !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	slices.Sort(zones)
	if req.EnableALB {
		if err := checkForALB(ctx, c, n.vpcID, zones, f); err != nil {
			return nil, err
		}
	}
	return zones, nil
}

// choice is the network the deployment will use.
type choice struct {
	// vpcID is empty when the network step will create a VPC (or when the
	// default VPC could not be read).
	vpcID   string
	subnets []types.Subnet
	// usable is false when the network has a problem or could not be read.
	usable bool
}

// chooseNetwork finds the VPC and subnets the network step will use.
func chooseNetwork(ctx context.Context, c ec2API, req document.Request, f *findings) (choice, error) {
	if req.VPCID == "" {
		vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("isDefault", "true")}})
		if err != nil {
			return choice{}, f.unreadable("the default VPC", err)
		}
		if len(vpcs.Vpcs) == 0 {
			return choice{usable: true}, nil // the network step creates a VPC
		}
		id := aws.ToString(vpcs.Vpcs[0].VpcId)
		subnets, err := listSubnets(ctx, c, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", id), filter("default-for-az", "true")}})
		if err != nil {
			return choice{}, f.unreadable("the default VPC's subnets", err)
		}
		if len(subnets) == 0 {
			return choice{usable: true}, nil // the network step creates a VPC
		}
		return choice{vpcID: id, subnets: subnets, usable: true}, nil
	}
	bad := choice{vpcID: req.VPCID}
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{req.VPCID}})
	if err != nil {
		if awsapi.IsNotFound(err) {
			f.fail(remedyVPC, "VPC %s given in vpc_id does not exist in %s", req.VPCID, req.Region)
			return bad, nil
		}
		return bad, f.unreadable("VPC "+req.VPCID, err)
	}
	for _, v := range vpcs.Vpcs {
		f.notAnothers(req, "VPC", aws.ToString(v.VpcId), ec2Tags(v.Tags))
	}
	in := &ec2.DescribeSubnetsInput{SubnetIds: req.SubnetIDs}
	if len(req.SubnetIDs) == 0 {
		in = &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", req.VPCID)}}
	}
	subnets, err := listSubnets(ctx, c, in)
	switch {
	case awsapi.IsNotFound(err):
		// InvalidSubnetID.NotFound names the missing subnet.
		f.fail(remedySubnets, "subnet_ids: %s", message(err))
		return bad, nil
	case err != nil:
		return bad, f.unreadable("the subnets of "+req.VPCID, err)
	case len(subnets) == 0:
		f.fail(remedySubnets, "VPC %s has no subnets", req.VPCID)
		return bad, nil
	}
	ok := true
	for _, sn := range subnets {
		f.notAnothers(req, "subnet", aws.ToString(sn.SubnetId), ec2Tags(sn.Tags))
		if vpc := aws.ToString(sn.VpcId); vpc != req.VPCID {
			f.fail(remedySubnets, "subnet %s belongs to %s, not to vpc_id %s", aws.ToString(sn.SubnetId), vpc, req.VPCID)
			ok = false
		}
	}
	return choice{vpcID: req.VPCID, subnets: subnets, usable: ok}, nil
}

// checkForALB checks what an internet-facing ALB needs of its VPC.
func checkForALB(ctx context.Context, c ec2API, vpcID string, zones []string, f *findings) error {
	if len(zones) < 2 {
		f.fail(remedyTwoZones, "the ALB needs subnets in two Availability Zones; those of %s span %d (%v)", vpcID, len(zones), zones)
	}
	out, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", vpcID)}})
	if err != nil {
		return f.unreadable("the internet gateways of "+vpcID, err)
	}
	if len(out.InternetGateways) == 0 {
		f.fail(remedyNoGateway, "VPC %s has no internet gateway: an internet-facing ALB in it would never become active", vpcID)
	}
	return nil
}

// checkGroup checks the supplied security group: it exists, in the VPC the
// deployment will use (a new VPC holds no group of the user's).
func checkGroup(ctx context.Context, c ec2API, req document.Request, vpcID string, f *findings) error {
	id := req.SecurityGroupID
	if id == "" {
		return nil
	}
	out, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	switch {
	case awsapi.IsNotFound(err):
		f.fail(remedyGroup, "security group %s given in security_group_id does not exist in %s", id, req.Region)
		return nil
	case err != nil:
		return f.unreadable("security group "+id, err)
	}
	f.notAnothers(req, "security group", id, ec2Tags(out.SecurityGroups[0].Tags))
	got := aws.ToString(out.SecurityGroups[0].VpcId)
	switch {
	case vpcID == "":
		f.fail(remedyGroup, "security group %s belongs to %s, but the deployment will create a new VPC (there is no default VPC): give vpc_id %s", id, got, got)
	case got != vpcID:
		f.fail(remedyGroup, "security group %s belongs to %s, not to the deployment's VPC %s", id, got, vpcID)
	}
	return nil
}

// ec2Tags are EC2 tags as a map.
func ec2Tags(tags []types.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// notAnothers refuses a supplied resource that another GeuseMaker
// deployment created: that deployment's destroy would delete it from
// under this one.
func (f *findings) notAnothers(req document.Request, kind, id string, tags map[string]string) {
	if owner, ok := tags[document.TagDeployment]; ok && owner != req.DeploymentID {
		f.fail(fmt.Sprintf("Supply a %s of your own, not one deployment %s created, or leave it out for GeuseMaker to choose or create one, then retry.", kind, owner),
			"%s %s belongs to GeuseMaker deployment %s (tag %s): its destroy would delete it from under this deployment", kind, id, owner, document.TagDeployment)
	}
}

// listSubnets reads every page of a subnet query.
func listSubnets(ctx context.Context, c ec2.DescribeSubnetsAPIClient, in *ec2.DescribeSubnetsInput) ([]types.Subnet, error) {
	var out []types.Subnet
	p := ec2.NewDescribeSubnetsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Subnets...)
	}
	return out, nil
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}
