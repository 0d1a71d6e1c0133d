package ec2

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/sim/account"
)

// anywhere is the IPv4 default route's destination.
const anywhere = "0.0.0.0/0"

type internetGateway struct {
	id        string
	vpcID     string // "" while detached
	isDefault bool   // the default VPC's own gateway
	tags      map[string]string
}

func (g *internetGateway) attachmentState() string {
	if g.vpcID == "" {
		return "detached"
	}
	return "attached"
}

func (g *internetGateway) sdk() types.InternetGateway {
	out := types.InternetGateway{
		InternetGatewayId: aws.String(g.id),
		OwnerId:           aws.String(account.AccountID),
		Attachments:       []types.InternetGatewayAttachment{},
		Tags:              sdkTags(g.tags),
	}
	if g.vpcID != "" {
		// DescribeInternetGateways reports an attached gateway as "available".
		out.Attachments = append(out.Attachments, types.InternetGatewayAttachment{VpcId: aws.String(g.vpcID), State: types.AttachmentStatus("available")})
	}
	return out
}

type route struct {
	dest      string
	gatewayID string
}

type association struct {
	id       string
	subnetID string
}

type routeTable struct {
	id     string
	vpcID  string
	main   bool
	mainID string // association id of the main association
	routes []route
	assocs []association
	tags   map[string]string
}

func (r *region) addInternetGateway(tags map[string]string) *internetGateway {
	g := &internetGateway{id: r.newID("igw-"), tags: tags}
	r.igws[g.id] = g
	return g
}

func (r *region) igw(id string) (*internetGateway, error) {
	if id == "" {
		return nil, errMissing("internetGatewayId")
	}
	g, ok := r.igws[id]
	if !ok {
		return nil, errIGWNotFound(id)
	}
	return g, nil
}

// HasInternetGateway tells whether an internet gateway is attached to the VPC.
func (m *Model) HasInternetGateway(vpcID string) bool {
	for _, r := range m.regions {
		for _, g := range r.igws {
			if g.vpcID == vpcID {
				return true
			}
		}
	}
	return false
}

func (r *region) createInternetGateway(in *awsec2.CreateInternetGatewayInput) (*awsec2.CreateInternetGatewayOutput, error) {
	tags, err := tagsFor(in.TagSpecifications, types.ResourceTypeInternetGateway)
	if err != nil {
		return nil, err
	}
	out := r.addInternetGateway(tags).sdk()
	return &awsec2.CreateInternetGatewayOutput{InternetGateway: &out}, nil
}

func (r *region) attachInternetGateway(in *awsec2.AttachInternetGatewayInput) (*awsec2.AttachInternetGatewayOutput, error) {
	g, err := r.igw(aws.ToString(in.InternetGatewayId))
	if err != nil {
		return nil, err
	}
	v, err := r.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	if g.vpcID != "" {
		return nil, apiError(CodeResourceAlreadyAssociated, "resource %s is already attached to network %s", g.id, g.vpcID)
	}
	if m := r.m; m.HasInternetGateway(v.id) {
		return nil, apiError(CodeResourceAlreadyAssociated, "Network %s already has an internet gateway attached", v.id)
	}
	g.vpcID = v.id
	return &awsec2.AttachInternetGatewayOutput{}, nil
}

// detachInternetGateway refuses while instances in the VPC hold public
// addresses, as AWS does: they must be terminated (or their addresses
// released) first.
func (r *region) detachInternetGateway(in *awsec2.DetachInternetGatewayInput) (*awsec2.DetachInternetGatewayOutput, error) {
	g, err := r.igw(aws.ToString(in.InternetGatewayId))
	if err != nil {
		return nil, err
	}
	vpcID := aws.ToString(in.VpcId)
	if _, err := r.vpc(vpcID); err != nil {
		return nil, err
	}
	if g.vpcID != vpcID {
		return nil, apiError(CodeGatewayNotAttached, "resource %s is not attached to network %s", g.id, vpcID)
	}
	// "The VPC must not contain any running EC2 instances with Elastic IP
	// addresses or public IPv4 addresses" (DetachInternetGateway, EC2 API
	// reference), nor, while they linger, a deleted internet-facing load
	// balancer's nodes (hashicorp/terraform#3758 for its interfaces).
	if r.mapsPublicAddress(vpcID) {
		return nil, apiError(CodeDependencyViolation, "Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", vpcID)
	}
	g.vpcID = ""
	return &awsec2.DetachInternetGatewayOutput{}, nil
}

// mapsPublicAddress tells whether a live instance or a service's interface
// in the VPC has a public address.
func (r *region) mapsPublicAddress(vpcID string) bool {
	now := r.now()
	for _, i := range r.instances {
		if i.vpcID == vpcID && i.publicIP != "" && i.state(now) != stateTerminated {
			return true
		}
	}
	for _, e := range r.enis {
		if e.vpcID == vpcID && e.publicIP != "" {
			return true
		}
	}
	return false
}

func (r *region) deleteInternetGateway(in *awsec2.DeleteInternetGatewayInput) (*awsec2.DeleteInternetGatewayOutput, error) {
	g, err := r.igw(aws.ToString(in.InternetGatewayId))
	if err != nil {
		return nil, err
	}
	if g.vpcID != "" {
		return nil, errHasDependencies("internetGateway", g.id)
	}
	delete(r.igws, g.id)
	return &awsec2.DeleteInternetGatewayOutput{}, nil
}

var igwFields = fields[*internetGateway]{
	"internet-gateway-id": func(g *internetGateway) []string { return []string{g.id} },
	"attachment.vpc-id": func(g *internetGateway) []string {
		if g.vpcID == "" {
			return nil
		}
		return []string{g.vpcID}
	},
	"attachment.state": func(g *internetGateway) []string {
		if g.vpcID == "" {
			return nil
		}
		return []string{"available"}
	},
}

func (r *region) describeInternetGateways(in *awsec2.DescribeInternetGatewaysInput) (*awsec2.DescribeInternetGatewaysOutput, error) {
	items, missing := only(r.igws, in.InternetGatewayIds)
	if len(missing) > 0 {
		return nil, errIGWNotFound(missing[0])
	}
	items, err := filter(items, in.Filters, igwFields, func(g *internetGateway) map[string]string { return g.tags })
	if err != nil {
		return nil, err
	}
	items, next, err := page(r, pagingInternetGateways, pageIn{in.MaxResults, in.NextToken, len(in.InternetGatewayIds)}, items, func(g *internetGateway) string { return g.id })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeInternetGatewaysOutput{InternetGateways: []types.InternetGateway{}, NextToken: next}
	for _, g := range items {
		out.InternetGateways = append(out.InternetGateways, g.sdk())
	}
	return out, nil
}

func (r *region) addRouteTable(vpcID string, main bool, tags map[string]string) *routeTable {
	t := &routeTable{id: r.newID("rtb-"), vpcID: vpcID, main: main, tags: tags}
	if main {
		t.mainID = r.newID("rtbassoc-")
	}
	r.routeTables[t.id] = t
	return t
}

func (r *region) mainRouteTable(vpcID string) *routeTable {
	for _, t := range r.routeTables {
		if t.vpcID == vpcID && t.main {
			return t
		}
	}
	return nil
}

func (r *region) routeTable(id string) (*routeTable, error) {
	if id == "" {
		return nil, errMissing("routeTableId")
	}
	t, ok := r.routeTables[id]
	if !ok {
		return nil, errRouteTableNotFound(id)
	}
	return t, nil
}

func (r *region) routeTableSDK(t *routeTable) types.RouteTable {
	v := r.vpcs[t.vpcID]
	out := types.RouteTable{
		RouteTableId: aws.String(t.id),
		VpcId:        aws.String(t.vpcID),
		OwnerId:      aws.String(account.AccountID),
		Routes: []types.Route{{
			DestinationCidrBlock: aws.String(v.cidr.String()),
			GatewayId:            aws.String("local"),
			Origin:               types.RouteOriginCreateRouteTable,
			State:                types.RouteStateActive,
		}},
		Associations: []types.RouteTableAssociation{},
		Tags:         sdkTags(t.tags),
	}
	for _, rt := range t.routes {
		// A route to a gateway no longer attached to the VPC is a blackhole.
		state := types.RouteStateBlackhole
		if g, ok := r.igws[rt.gatewayID]; ok && g.vpcID == t.vpcID {
			state = types.RouteStateActive
		}
		out.Routes = append(out.Routes, types.Route{
			DestinationCidrBlock: aws.String(rt.dest),
			GatewayId:            aws.String(rt.gatewayID),
			Origin:               types.RouteOriginCreateRoute,
			State:                state,
		})
	}
	associated := &types.RouteTableAssociationState{State: types.RouteTableAssociationStateCodeAssociated}
	if t.main {
		out.Associations = append(out.Associations, types.RouteTableAssociation{
			Main: aws.Bool(true), RouteTableAssociationId: aws.String(t.mainID),
			RouteTableId: aws.String(t.id), AssociationState: associated,
		})
	}
	for _, a := range t.assocs {
		out.Associations = append(out.Associations, types.RouteTableAssociation{
			Main: aws.Bool(false), RouteTableAssociationId: aws.String(a.id),
			RouteTableId: aws.String(t.id), SubnetId: aws.String(a.subnetID), AssociationState: associated,
		})
	}
	return out
}

func (r *region) createRouteTable(in *awsec2.CreateRouteTableInput) (*awsec2.CreateRouteTableOutput, error) {
	v, err := r.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(in.TagSpecifications, types.ResourceTypeRouteTable)
	if err != nil {
		return nil, err
	}
	out := r.routeTableSDK(r.addRouteTable(v.id, false, tags))
	return &awsec2.CreateRouteTableOutput{RouteTable: &out}, nil
}

func (r *region) createRoute(in *awsec2.CreateRouteInput) (*awsec2.CreateRouteOutput, error) {
	t, err := r.routeTable(aws.ToString(in.RouteTableId))
	if err != nil {
		return nil, err
	}
	dest := aws.ToString(in.DestinationCidrBlock)
	if dest == "" {
		return nil, errMissing("destinationCidrBlock")
	}
	g, err := r.igw(aws.ToString(in.GatewayId))
	if err != nil {
		return nil, err
	}
	if g.vpcID != t.vpcID {
		return nil, errInvalidParameter("route table %s and network gateway %s belong to different networks", t.id, g.id)
	}
	for _, rt := range t.routes {
		if rt.dest == dest {
			return nil, apiError(CodeRouteAlreadyExists, "The route identified by %s already exists.", dest)
		}
	}
	t.routes = append(t.routes, route{dest: dest, gatewayID: g.id})
	return &awsec2.CreateRouteOutput{Return: aws.Bool(true)}, nil
}

func (r *region) associateRouteTable(in *awsec2.AssociateRouteTableInput) (*awsec2.AssociateRouteTableOutput, error) {
	t, err := r.routeTable(aws.ToString(in.RouteTableId))
	if err != nil {
		return nil, err
	}
	s, err := r.subnet(aws.ToString(in.SubnetId))
	if err != nil {
		return nil, err
	}
	if s.vpcID != t.vpcID {
		return nil, errInvalidParameter("Route table %s and subnet %s belong to different networks", t.id, s.id)
	}
	for _, other := range r.routeTables {
		for _, a := range other.assocs {
			if a.subnetID != s.id {
				continue
			}
			if other == t {
				// Associating again is answered with the existing association.
				return &awsec2.AssociateRouteTableOutput{AssociationId: aws.String(a.id), AssociationState: &types.RouteTableAssociationState{State: types.RouteTableAssociationStateCodeAssociated}}, nil
			}
			return nil, apiError(CodeResourceAlreadyAssociated, "the specified association for route table %s conflicts with an existing association", t.id)
		}
	}
	a := association{id: r.newID("rtbassoc-"), subnetID: s.id}
	t.assocs = append(t.assocs, a)
	return &awsec2.AssociateRouteTableOutput{AssociationId: aws.String(a.id), AssociationState: &types.RouteTableAssociationState{State: types.RouteTableAssociationStateCodeAssociated}}, nil
}

func (r *region) disassociateRouteTable(in *awsec2.DisassociateRouteTableInput) (*awsec2.DisassociateRouteTableOutput, error) {
	id := aws.ToString(in.AssociationId)
	for _, t := range r.routeTables {
		if t.main && t.mainID == id {
			return nil, errInvalidParameter("cannot disassociate the main route table association %s", id)
		}
		if i := slices.IndexFunc(t.assocs, func(a association) bool { return a.id == id }); i >= 0 {
			t.assocs = slices.Delete(t.assocs, i, i+1)
			return &awsec2.DisassociateRouteTableOutput{}, nil
		}
	}
	return nil, apiError(CodeInvalidAssociationIDNotFound, "The association ID '%s' does not exist", id)
}

// deleteRouteTable refuses the main table and a table still associated
// with subnets.
func (r *region) deleteRouteTable(in *awsec2.DeleteRouteTableInput) (*awsec2.DeleteRouteTableOutput, error) {
	t, err := r.routeTable(aws.ToString(in.RouteTableId))
	if err != nil {
		return nil, err
	}
	if t.main || len(t.assocs) > 0 {
		return nil, errHasDependencies("routeTable", t.id)
	}
	delete(r.routeTables, t.id)
	return &awsec2.DeleteRouteTableOutput{}, nil
}

var routeTableFields = fields[*routeTable]{
	"route-table-id": func(t *routeTable) []string { return []string{t.id} },
	"vpc-id":         func(t *routeTable) []string { return []string{t.vpcID} },
	"association.main": func(t *routeTable) []string {
		if t.main {
			return []string{"true"}
		}
		return nil
	},
	"association.subnet-id": func(t *routeTable) []string {
		var out []string
		for _, a := range t.assocs {
			out = append(out, a.subnetID)
		}
		return out
	},
	"association.route-table-association-id": func(t *routeTable) []string {
		out := []string{}
		if t.main {
			out = append(out, t.mainID)
		}
		for _, a := range t.assocs {
			out = append(out, a.id)
		}
		return out
	},
	"route.gateway-id": func(t *routeTable) []string {
		var out []string
		for _, rt := range t.routes {
			out = append(out, rt.gatewayID)
		}
		return out
	},
}

func (r *region) describeRouteTables(in *awsec2.DescribeRouteTablesInput) (*awsec2.DescribeRouteTablesOutput, error) {
	items, missing := only(r.routeTables, in.RouteTableIds)
	if len(missing) > 0 {
		return nil, errRouteTableNotFound(missing[0])
	}
	items, err := filter(items, in.Filters, routeTableFields, func(t *routeTable) map[string]string { return t.tags })
	if err != nil {
		return nil, err
	}
	items, next, err := page(r, pagingRouteTables, pageIn{in.MaxResults, in.NextToken, len(in.RouteTableIds)}, items, func(t *routeTable) string { return t.id })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeRouteTablesOutput{RouteTables: []types.RouteTable{}, NextToken: next}
	for _, t := range items {
		out.RouteTables = append(out.RouteTables, r.routeTableSDK(t))
	}
	return out, nil
}
