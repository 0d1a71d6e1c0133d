package ec2

import (
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/sim/account"
)

// defaultVPCCIDR is the CIDR of every default VPC; its default subnets are
// the consecutive /20s.
const defaultVPCCIDR = "172.31.0.0/16"

type vpc struct {
	id           string
	cidr         netip.Prefix
	isDefault    bool
	dnsSupport   bool
	dnsHostnames bool
	tags         map[string]string
}

func (v *vpc) sdk() types.Vpc {
	return types.Vpc{
		VpcId:           aws.String(v.id),
		CidrBlock:       aws.String(v.cidr.String()),
		IsDefault:       aws.Bool(v.isDefault),
		State:           types.VpcStateAvailable,
		OwnerId:         aws.String(account.AccountID),
		InstanceTenancy: types.TenancyDefault,
		DhcpOptionsId:   aws.String("dopt-00000000000000001"),
		CidrBlockAssociationSet: []types.VpcCidrBlockAssociation{{
			AssociationId:  aws.String("vpc-cidr-assoc-" + v.id[len("vpc-"):]),
			CidrBlock:      aws.String(v.cidr.String()),
			CidrBlockState: &types.VpcCidrBlockState{State: types.VpcCidrBlockStateCodeAssociated},
		}},
		Tags: sdkTags(v.tags),
	}
}

// addVPC creates a VPC with what AWS creates alongside it: the main route
// table (local route only) and the default security group.
func (r *region) addVPC(cidr netip.Prefix, isDefault bool, tags map[string]string) *vpc {
	v := &vpc{id: r.newID("vpc-"), cidr: cidr, isDefault: isDefault, dnsSupport: true, dnsHostnames: isDefault, tags: tags}
	r.vpcs[v.id] = v
	r.addRouteTable(v.id, true, nil)
	r.addSecurityGroup(v.id, defaultGroupName, "default VPC security group", true, nil)
	return v
}

// createDefaultVPC builds the default VPC every region starts with: an
// attached internet gateway routed from the main table, and one default
// subnet per availability zone that maps public IPs.
func (r *region) createDefaultVPC() {
	v := r.addVPC(netip.MustParsePrefix(defaultVPCCIDR), true, nil)
	g := r.addInternetGateway(nil)
	g.isDefault, g.vpcID = true, v.id
	r.mainRouteTable(v.id).routes = append(r.mainRouteTable(v.id).routes, route{dest: anywhere, gatewayID: g.id})
	base := v.cidr.Addr().As4()
	for i, z := range r.zones() {
		base[2] = byte(16 * i)
		s := r.addSubnet(v.id, netip.PrefixFrom(netip.AddrFrom4(base), 20), z, nil)
		s.defaultForAZ, s.mapPublicIP = true, true
	}
}

func (r *region) vpc(id string) (*vpc, error) {
	if id == "" {
		return nil, errMissing("vpcId")
	}
	v, ok := r.vpcs[id]
	if !ok {
		return nil, errVPCNotFound(id)
	}
	return v, nil
}

func (r *region) createVpc(in *awsec2.CreateVpcInput) (*awsec2.CreateVpcOutput, error) {
	cidr, err := netip.ParsePrefix(aws.ToString(in.CidrBlock))
	if err != nil || !cidr.Addr().Is4() {
		return nil, errInvalidParameter("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", aws.ToString(in.CidrBlock))
	}
	// AWS accepts VPC netmasks between /16 and /28.
	if cidr.Bits() < 16 || cidr.Bits() > 28 {
		return nil, apiError(CodeInvalidVpcRange, "The CIDR '%s' is invalid.", cidr)
	}
	tags, err := tagsFor(in.TagSpecifications, types.ResourceTypeVpc)
	if err != nil {
		return nil, err
	}
	v := r.addVPC(cidr.Masked(), false, tags)
	out := v.sdk()
	out.State = types.VpcStatePending // AWS answers a fresh VPC as pending
	return &awsec2.CreateVpcOutput{Vpc: &out}, nil
}

var vpcFields = fields[*vpc]{
	"vpc-id":     func(v *vpc) []string { return []string{v.id} },
	"isDefault":  func(v *vpc) []string { return boolString(v.isDefault) },
	"is-default": func(v *vpc) []string { return boolString(v.isDefault) },
	"cidr":       func(v *vpc) []string { return []string{v.cidr.String()} },
	"state":      func(*vpc) []string { return []string{string(types.VpcStateAvailable)} },
}

func (r *region) describeVpcs(in *awsec2.DescribeVpcsInput) (*awsec2.DescribeVpcsOutput, error) {
	items, missing := only(r.vpcs, in.VpcIds)
	if len(missing) > 0 {
		return nil, errVPCNotFound(missing[0])
	}
	items, err := filter(items, in.Filters, vpcFields, func(v *vpc) map[string]string { return v.tags })
	if err != nil {
		return nil, err
	}
	items, next, err := page(r, pagingVpcs, pageIn{in.MaxResults, in.NextToken, len(in.VpcIds)}, items, func(v *vpc) string { return v.id })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeVpcsOutput{Vpcs: []types.Vpc{}, NextToken: next}
	for _, v := range items {
		out.Vpcs = append(out.Vpcs, v.sdk())
	}
	return out, nil
}

// deleteVpc refuses while the VPC still holds subnets, an internet gateway,
// route tables or security groups of its own, or network interfaces, as
// AWS does (DependencyViolation).
func (r *region) deleteVpc(in *awsec2.DeleteVpcInput) (*awsec2.DeleteVpcOutput, error) {
	id := aws.ToString(in.VpcId)
	if _, err := r.vpc(id); err != nil {
		return nil, err
	}
	if r.vpcInUse(id) {
		return nil, errHasDependencies("vpc", id)
	}
	r.removeVPC(id, false)
	return &awsec2.DeleteVpcOutput{}, nil
}

func (r *region) vpcInUse(id string) bool {
	for _, s := range r.subnets {
		if s.vpcID == id {
			return true
		}
	}
	for _, g := range r.igws {
		if g.vpcID == id {
			return true
		}
	}
	for _, t := range r.routeTables {
		if t.vpcID == id && !t.main {
			return true
		}
	}
	for _, g := range r.groups {
		if g.vpcID == id && !g.isDefault {
			return true
		}
	}
	for _, e := range r.enis {
		if e.vpcID == id {
			return true
		}
	}
	return false
}

// removeVPC deletes a VPC with its main route table and default security
// group; cascade also removes everything else in it (the default VPC's
// deletion for tests).
func (r *region) removeVPC(id string, cascade bool) {
	for gid, g := range r.igws {
		if cascade && g.vpcID == id {
			delete(r.igws, gid)
		}
	}
	for sid, s := range r.subnets {
		if cascade && s.vpcID == id {
			delete(r.subnets, sid)
		}
	}
	for eid, e := range r.enis {
		if cascade && e.vpcID == id {
			delete(r.enis, eid)
		}
	}
	for tid, t := range r.routeTables {
		if t.vpcID == id && (cascade || t.main) {
			delete(r.routeTables, tid)
		}
	}
	for gid, g := range r.groups {
		if g.vpcID == id && (cascade || g.isDefault) {
			delete(r.groups, gid)
		}
	}
	delete(r.vpcs, id)
}

func (r *region) modifyVpcAttribute(in *awsec2.ModifyVpcAttributeInput) (*awsec2.ModifyVpcAttributeOutput, error) {
	v, err := r.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	// AWS takes exactly one attribute per call.
	switch {
	case in.EnableDnsHostnames != nil && in.EnableDnsSupport == nil:
		v.dnsHostnames = aws.ToBool(in.EnableDnsHostnames.Value)
	case in.EnableDnsSupport != nil && in.EnableDnsHostnames == nil:
		v.dnsSupport = aws.ToBool(in.EnableDnsSupport.Value)
	default:
		return nil, apiError(CodeInvalidParameterCombination, "Fields for multiple attribute types specified: enableDnsHostnames, enableDnsSupport")
	}
	return &awsec2.ModifyVpcAttributeOutput{}, nil
}

// describeVpcAttribute is used by tests and steps to verify DNS settings.
func (r *region) describeVpcAttribute(in *awsec2.DescribeVpcAttributeInput) (*awsec2.DescribeVpcAttributeOutput, error) {
	v, err := r.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeVpcAttributeOutput{VpcId: aws.String(v.id)}
	switch in.Attribute {
	case types.VpcAttributeNameEnableDnsHostnames:
		out.EnableDnsHostnames = &types.AttributeBooleanValue{Value: aws.Bool(v.dnsHostnames)}
	case types.VpcAttributeNameEnableDnsSupport:
		out.EnableDnsSupport = &types.AttributeBooleanValue{Value: aws.Bool(v.dnsSupport)}
	default:
		return nil, errInvalidParameter("Value (%s) for parameter attribute is invalid.", in.Attribute)
	}
	return out, nil
}
