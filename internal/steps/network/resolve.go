package network

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/ec2tag"
)

// resolve settles the VPC and subnets and records them in the ledger,
// preferred subnet first.
//
// Every resource it creates is tagged at creation and found again by tag,
// so a run that fails between two creates (and loses its ledger with its
// output) leaves nothing a retry duplicates or a destroy misses.
func (s *Step) resolve(ctx context.Context, doc *document.Document) error {
	c := s.client(doc)
	var subnets []types.Subnet
	var err error
	if doc.Request.VPCID != "" {
		subnets, err = s.useSupplied(ctx, c, doc)
	} else {
		subnets, err = s.useOwnOrDefault(ctx, c, doc)
	}
	if err != nil {
		return err
	}
	if doc.Request.PrivateOrigin() {
		if subnets, err = servedByVPCOrigins(doc, subnets); err != nil {
			return err
		}
	}
	if err := checkForALB(ctx, c, doc, subnets); err != nil {
		return err
	}
	rank, err := zoneRanks(ctx, c, candidateTypes(doc.Request))
	if err != nil {
		return family.AWSFailure(contract.ActionResolve, err, remedyCreate)
	}
	// Zones offering the instance type first, so the compute step launches
	// in the first subnet without an Unsupported error.
	slices.SortStableFunc(subnets, func(a, b types.Subnet) int {
		return cmp.Compare(rank(aws.ToString(a.AvailabilityZone)), rank(aws.ToString(b.AvailabilityZone)))
	})
	doc.Resources.SubnetIDs = nil
	for _, sn := range subnets {
		doc.Resources.SubnetIDs = append(doc.Resources.SubnetIDs, aws.ToString(sn.SubnetId))
	}
	doc.Report(s.Clock.Now(), document.StageNetwork,
		fmt.Sprintf("Network ready: VPC %s with %d subnets", doc.Resources.VPCID, len(subnets)), doc.Resources.VPCID)
	return nil
}

// useSupplied checks the user's VPC and subnets (all of the VPC's subnets
// when none are named) and marks them supplied.
func (s *Step) useSupplied(ctx context.Context, c ec2API, doc *document.Document) ([]types.Subnet, error) {
	const action = contract.ActionResolve
	req := doc.Request
	vpc, err := findVPCByID(ctx, c, req.VPCID)
	if err != nil {
		return nil, family.AWSFailure(action, err, remedyVPCNotFound)
	}
	if vpc == nil {
		return nil, family.Failure(action, fmt.Sprintf("VPC %s given in vpc_id does not exist in %s", req.VPCID, req.Region), remedyVPCNotFound)
	}
	in := &ec2.DescribeSubnetsInput{SubnetIds: req.SubnetIDs}
	if len(req.SubnetIDs) == 0 {
		in = &ec2.DescribeSubnetsInput{Filters: []types.Filter{ec2tag.Filter("vpc-id", req.VPCID)}}
	}
	subnets, err := listSubnets(ctx, c, in)
	if err != nil {
		// InvalidSubnetID.NotFound names the missing subnet.
		return nil, family.AWSFailure(action, fmt.Errorf("describe subnets %v: %w", req.SubnetIDs, err), remedySubnets)
	}
	if len(subnets) == 0 {
		return nil, family.Failure(action, fmt.Sprintf("VPC %s has no subnets", req.VPCID), remedySubnets)
	}
	for _, sn := range subnets {
		if aws.ToString(sn.VpcId) != req.VPCID {
			return nil, family.Failure(action, fmt.Sprintf("subnet %s belongs to %s, not to vpc_id %s", aws.ToString(sn.SubnetId), aws.ToString(sn.VpcId), req.VPCID), remedySubnets)
		}
	}
	doc.Resources.VPCID = req.VPCID
	doc.Resources.MarkSupplied(document.KeyVPCID)
	doc.Resources.MarkSupplied(document.KeySubnetIDs)
	s.Logger(doc, action).Info("using supplied network", "resource", "vpc", "id", req.VPCID, "subnets", len(subnets))
	return subnets, nil
}

// useOwnOrDefault resumes the network this deployment created, else uses
// the default VPC's default subnets, else creates a network.
func (s *Step) useOwnOrDefault(ctx context.Context, c ec2API, doc *document.Document) ([]types.Subnet, error) {
	const action = contract.ActionResolve
	if !doc.Resources.Created(document.KeyVPCID) {
		own, err := findVPC(ctx, c, ec2tag.Deployment(doc.Request))
		if err != nil {
			return nil, family.AWSFailure(action, err, remedyCreate)
		}
		if own != nil {
			doc.Resources.VPCID = aws.ToString(own.VpcId)
		}
	}
	if doc.Resources.Created(document.KeyVPCID) {
		return s.createNetwork(ctx, c, doc)
	}
	def, err := findVPC(ctx, c, ec2tag.Filter("isDefault", "true"))
	if err != nil {
		return nil, family.AWSFailure(action, err, remedyCreate)
	}
	if def != nil {
		id := aws.ToString(def.VpcId)
		subnets, err := listSubnets(ctx, c, &ec2.DescribeSubnetsInput{Filters: []types.Filter{ec2tag.Filter("vpc-id", id), ec2tag.Filter("default-for-az", "true")}})
		if err != nil {
			return nil, family.AWSFailure(action, fmt.Errorf("describe default subnets of %s: %w", id, err), remedyCreate)
		}
		if len(subnets) > 0 {
			// The default VPC is the account's: never deleted, and not
			// the user's either.
			slices.SortFunc(subnets, func(a, b types.Subnet) int {
				return cmp.Compare(aws.ToString(a.AvailabilityZone), aws.ToString(b.AvailabilityZone))
			})
			doc.Resources.VPCID = id
			doc.Resources.MarkDefault(document.KeyVPCID)
			doc.Resources.MarkDefault(document.KeySubnetIDs)
			s.Logger(doc, action).Info("using default VPC", "resource", "vpc", "id", id, "subnets", len(subnets))
			return subnets, nil
		}
	}
	return s.createNetwork(ctx, c, doc)
}

// checkForALB fails early what an internet-facing ALB cannot live with.
func checkForALB(ctx context.Context, c ec2API, doc *document.Document, subnets []types.Subnet) error {
	const action = contract.ActionResolve
	if !doc.Request.EnableALB {
		return nil
	}
	zones := map[string]bool{}
	for _, sn := range subnets {
		zones[aws.ToString(sn.AvailabilityZone)] = true
	}
	if len(zones) < 2 {
		return family.Failure(action, fmt.Sprintf("the ALB needs subnets in two Availability Zones; the subnets of %s span %d", doc.Resources.VPCID, len(zones)), remedyTwoZones)
	}
	ok, err := hasInternetGateway(ctx, c, doc.Resources.VPCID)
	if err != nil {
		return family.AWSFailure(action, err, remedyNoGateway)
	}
	if !ok {
		return family.Failure(action, fmt.Sprintf("VPC %s has no internet gateway: an internet-facing ALB in it would never become active", doc.Resources.VPCID), remedyNoGateway)
	}
	return nil
}

// servedByVPCOrigins keeps the subnets in zones CloudFront VPC origins
// reach (document.VPCOriginsServe): the ALB behind one, its target and the
// mount targets live in them. Subnets the user named elsewhere are refused.
func servedByVPCOrigins(doc *document.Document, subnets []types.Subnet) ([]types.Subnet, error) {
	var kept []types.Subnet
	var elsewhere []string
	for _, sn := range subnets {
		if zone := aws.ToString(sn.AvailabilityZoneId); !document.VPCOriginsServe(zone) {
			elsewhere = append(elsewhere, aws.ToString(sn.SubnetId)+" ("+zone+")")
			continue
		}
		kept = append(kept, sn)
	}
	if len(elsewhere) > 0 && len(doc.Request.SubnetIDs) > 0 {
		return nil, family.Failure(contract.ActionResolve,
			fmt.Sprintf("subnet_ids %s are in Availability Zones CloudFront VPC origins do not serve", strings.Join(elsewhere, ", ")),
			"Name subnets in other zones (the ALB needs two), or leave subnet_ids out to use the VPC's others.")
	}
	return kept, nil
}

// createNetwork creates (or completes) the deployment's own VPC, subnets,
// gateway and route table, recording each id as soon as AWS returns it.
func (s *Step) createNetwork(ctx context.Context, c ec2API, doc *document.Document) ([]types.Subnet, error) {
	const action = contract.ActionResolve
	req := doc.Request
	log := s.Logger(doc, action)
	if doc.Resources.VPCID == "" {
		out, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(vpcCIDR), TagSpecifications: ec2tag.Specs(req, req.DeploymentID+"-vpc", types.ResourceTypeVpc)})
		if err != nil {
			return nil, family.AWSFailure(action, fmt.Errorf("create VPC: %w", err), remedyCreate)
		}
		doc.Resources.VPCID = aws.ToString(out.Vpc.VpcId)
		log.Info("created VPC", "resource", "vpc", "id", doc.Resources.VPCID)
	}
	vpcID := doc.Resources.VPCID
	// Public DNS names for the instance; a repeated modify is harmless.
	if _, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpcID), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		return nil, family.AWSFailure(action, fmt.Errorf("enable DNS hostnames on %s: %w", vpcID, err), remedyCreate)
	}
	subnets, err := s.ensureSubnets(ctx, c, doc)
	if err != nil {
		return nil, err
	}
	igw, err := s.ensureGateway(ctx, c, doc)
	if err != nil {
		return nil, err
	}
	if err := s.ensureRouteTable(ctx, c, doc, igw, subnets); err != nil {
		return nil, err
	}
	return subnets, nil
}

// ensureSubnets creates the public subnets 10.0.1.0/24, 10.0.2.0/24, … in
// distinct zones, reusing those a previous run created (matched by CIDR).
func (s *Step) ensureSubnets(ctx context.Context, c ec2API, doc *document.Document) ([]types.Subnet, error) {
	const action = contract.ActionResolve
	req := doc.Request
	vpcID := doc.Resources.VPCID
	have, err := listSubnets(ctx, c, &ec2.DescribeSubnetsInput{Filters: []types.Filter{ec2tag.Filter("vpc-id", vpcID), ec2tag.Deployment(req)}})
	if err != nil {
		return nil, family.AWSFailure(action, fmt.Errorf("describe subnets of %s: %w", vpcID, err), remedyCreate)
	}
	zones, err := chooseZones(ctx, c, req)
	if err != nil {
		return nil, err
	}
	var out []types.Subnet
	for i, zone := range zones {
		cidr := fmt.Sprintf("10.0.%d.0/24", i+1)
		k := slices.IndexFunc(have, func(sn types.Subnet) bool { return aws.ToString(sn.CidrBlock) == cidr })
		if k < 0 {
			created, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(zone),
				TagSpecifications: ec2tag.Specs(req, req.DeploymentID+"-public-"+zone, types.ResourceTypeSubnet)})
			if err != nil {
				return nil, family.AWSFailure(action, fmt.Errorf("create subnet %s in %s: %w", cidr, vpcID, err), remedyCreate)
			}
			have = append(have, *created.Subnet)
			k = len(have) - 1
			s.Logger(doc, action).Info("created subnet", "resource", "subnet", "id", aws.ToString(created.Subnet.SubnetId), "zone", zone)
		}
		sn := have[k]
		id := aws.ToString(sn.SubnetId)
		if !slices.Contains(doc.Resources.SubnetIDs, id) {
			doc.Resources.SubnetIDs = append(doc.Resources.SubnetIDs, id)
		}
		if !aws.ToBool(sn.MapPublicIpOnLaunch) {
			if _, err := c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(id), MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
				return nil, family.AWSFailure(action, fmt.Errorf("map public IPs in %s: %w", id, err), remedyCreate)
			}
			sn.MapPublicIpOnLaunch = aws.Bool(true)
		}
		out = append(out, sn)
	}
	return out, nil
}

// chooseZones picks subnetCount available zones, those offering the
// instance type first.
func chooseZones(ctx context.Context, c ec2API, req document.Request) ([]string, error) {
	const action = contract.ActionResolve
	out, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{ec2tag.Filter("state", "available"), ec2tag.Filter("zone-type", "availability-zone")}})
	if err != nil {
		return nil, family.AWSFailure(action, fmt.Errorf("describe availability zones: %w", err), remedyCreate)
	}
	var zones []string
	for _, z := range out.AvailabilityZones {
		if req.PrivateOrigin() && !document.VPCOriginsServe(aws.ToString(z.ZoneId)) {
			continue // no VPC origin reaches it (servedByVPCOrigins)
		}
		zones = append(zones, aws.ToString(z.ZoneName))
	}
	slices.Sort(zones)
	rank, err := zoneRanks(ctx, c, candidateTypes(req))
	if err != nil {
		return nil, family.AWSFailure(action, err, remedyCreate)
	}
	slices.SortStableFunc(zones, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
	if len(zones) < subnetCount {
		return nil, family.Failure(action, fmt.Sprintf("region %s has %d available Availability Zones; the network needs %d", req.Region, len(zones), subnetCount), remedyTwoZones)
	}
	return zones[:subnetCount], nil
}

// ensureGateway creates (or finds) the deployment's internet gateway and
// attaches it to the VPC.
func (s *Step) ensureGateway(ctx context.Context, c ec2API, doc *document.Document) (string, error) {
	const action = contract.ActionResolve
	req := doc.Request
	vpcID := doc.Resources.VPCID
	igws, err := listGateways(ctx, c, ec2tag.Deployment(req))
	if err != nil {
		return "", family.AWSFailure(action, fmt.Errorf("describe internet gateways: %w", err), remedyCreate)
	}
	var igw types.InternetGateway
	if len(igws) > 0 {
		igw = igws[0]
	} else {
		out, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: ec2tag.Specs(req, req.DeploymentID+"-igw", types.ResourceTypeInternetGateway)})
		if err != nil {
			return "", family.AWSFailure(action, fmt.Errorf("create internet gateway: %w", err), remedyCreate)
		}
		igw = *out.InternetGateway
		s.Logger(doc, action).Info("created internet gateway", "resource", "internet-gateway", "id", aws.ToString(igw.InternetGatewayId))
	}
	id := aws.ToString(igw.InternetGatewayId)
	doc.Resources.InternetGatewayID = id
	attached := slices.ContainsFunc(igw.Attachments, func(a types.InternetGatewayAttachment) bool { return aws.ToString(a.VpcId) == vpcID })
	if !attached {
		_, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpcID)})
		// Resource.AlreadyAssociated: a retried attach that reached AWS.
		if err != nil && awsapi.Code(err) != codeAlreadyAssociated {
			return "", family.AWSFailure(action, fmt.Errorf("attach internet gateway %s to %s: %w", id, vpcID, err), remedyCreate)
		}
	}
	return id, nil
}

// ensureRouteTable creates (or finds) the deployment's route table, routes
// 0.0.0.0/0 to the gateway and associates every subnet with it.
func (s *Step) ensureRouteTable(ctx context.Context, c ec2API, doc *document.Document, igw string, subnets []types.Subnet) error {
	const action = contract.ActionResolve
	req := doc.Request
	vpcID := doc.Resources.VPCID
	tables, err := listRouteTables(ctx, c, ec2tag.Filter("vpc-id", vpcID), ec2tag.Deployment(req))
	if err != nil {
		return family.AWSFailure(action, fmt.Errorf("describe route tables of %s: %w", vpcID, err), remedyCreate)
	}
	var rt types.RouteTable
	if len(tables) > 0 {
		rt = tables[0]
	} else {
		out, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID), TagSpecifications: ec2tag.Specs(req, req.DeploymentID+"-public", types.ResourceTypeRouteTable)})
		if err != nil {
			return family.AWSFailure(action, fmt.Errorf("create route table in %s: %w", vpcID, err), remedyCreate)
		}
		rt = *out.RouteTable
		s.Logger(doc, action).Info("created route table", "resource", "route-table", "id", aws.ToString(rt.RouteTableId))
	}
	id := aws.ToString(rt.RouteTableId)
	doc.Resources.RouteTableID = id
	routed := slices.ContainsFunc(rt.Routes, func(r types.Route) bool { return aws.ToString(r.DestinationCidrBlock) == anywhere })
	if !routed {
		_, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(id), DestinationCidrBlock: aws.String(anywhere), GatewayId: aws.String(igw)})
		// RouteAlreadyExists: a retried CreateRoute that reached AWS.
		if err != nil && awsapi.Code(err) != codeRouteAlreadyExists {
			return family.AWSFailure(action, fmt.Errorf("route %s to %s in %s: %w", anywhere, igw, id, err), remedyCreate)
		}
	}
	for _, sn := range subnets {
		subnetID := aws.ToString(sn.SubnetId)
		if slices.ContainsFunc(rt.Associations, func(a types.RouteTableAssociation) bool { return aws.ToString(a.SubnetId) == subnetID }) {
			continue
		}
		if _, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(id), SubnetId: aws.String(subnetID)}); err != nil {
			return family.AWSFailure(action, fmt.Errorf("associate %s with %s: %w", subnetID, id, err), remedyCreate)
		}
	}
	return nil
}
