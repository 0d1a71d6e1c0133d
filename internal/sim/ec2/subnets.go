package ec2

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/sim/account"
)

// zoneCount is how many availability zones each simulated region has.
const zoneCount = 3

// reservedPerSubnet is how many addresses AWS keeps in every subnet (the
// first four and the last).
const reservedPerSubnet = 5

type subnet struct {
	id           string
	vpcID        string
	cidr         netip.Prefix
	zone         string
	defaultForAZ bool
	mapPublicIP  bool
	// hosts counts the addresses handed out, for the next private IP.
	hosts int
	tags  map[string]string
}

// zones lists the region's availability zone names: <region>a, b, c.
func (r *region) zones() []string {
	out := make([]string, zoneCount)
	for i := range out {
		out[i] = r.name + string(rune('a'+i))
	}
	return out
}

// zoneID is AWS's location-independent AZ id, e.g. use1-az1.
func (r *region) zoneID(zone string) string {
	parts := strings.Split(r.name, "-")
	code := parts[0]
	for _, p := range parts[1:] {
		code += p[:1]
	}
	return fmt.Sprintf("%s-az%d", code, zone[len(zone)-1]-'a'+1)
}

func (r *region) addSubnet(vpcID string, cidr netip.Prefix, zone string, tags map[string]string) *subnet {
	s := &subnet{id: r.newID("subnet-"), vpcID: vpcID, cidr: cidr, zone: zone, tags: tags}
	r.subnets[s.id] = s
	return s
}

func (r *region) subnet(id string) (*subnet, error) {
	if id == "" {
		return nil, errMissing("subnetId")
	}
	s, ok := r.subnets[id]
	if !ok {
		return nil, errSubnetNotFound(id)
	}
	return s, nil
}

// nextIP hands out the subnet's next private address, after the four AWS
// reserves at the start.
func (s *subnet) nextIP() string {
	s.hosts++
	a := s.cidr.Addr().As4()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n += uint32(3 + s.hosts)
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}).String()
}

func (r *region) subnetSDK(s *subnet) types.Subnet {
	used := 0
	for _, e := range r.enis {
		if e.subnetID == s.id {
			used++
		}
	}
	return types.Subnet{
		SubnetId:                aws.String(s.id),
		SubnetArn:               aws.String(fmt.Sprintf("arn:%s:ec2:%s:%s:subnet/%s", account.PartitionOf(r.name), r.name, account.AccountID, s.id)),
		VpcId:                   aws.String(s.vpcID),
		CidrBlock:               aws.String(s.cidr.String()),
		AvailabilityZone:        aws.String(s.zone),
		AvailabilityZoneId:      aws.String(r.zoneID(s.zone)),
		DefaultForAz:            aws.Bool(s.defaultForAZ),
		MapPublicIpOnLaunch:     aws.Bool(s.mapPublicIP),
		AvailableIpAddressCount: aws.Int32(int32(1<<(32-s.cidr.Bits()) - reservedPerSubnet - used)),
		State:                   types.SubnetStateAvailable,
		OwnerId:                 aws.String(account.AccountID),
		Tags:                    sdkTags(s.tags),
	}
}

func (r *region) createSubnet(in *awsec2.CreateSubnetInput) (*awsec2.CreateSubnetOutput, error) {
	v, err := r.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	raw := aws.ToString(in.CidrBlock)
	cidr, perr := netip.ParsePrefix(raw)
	// A subnet lies inside its VPC's CIDR with a netmask between /16 and /28.
	if perr != nil || !cidr.Addr().Is4() || cidr.Bits() < 16 || cidr.Bits() > 28 ||
		cidr.Bits() < v.cidr.Bits() || !v.cidr.Contains(cidr.Addr()) {
		return nil, apiError(CodeInvalidSubnetRange, "The CIDR '%s' is invalid.", raw)
	}
	cidr = cidr.Masked()
	for _, s := range r.subnets {
		if s.vpcID == v.id && s.cidr.Overlaps(cidr) {
			return nil, apiError(CodeInvalidSubnetConflict, "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	zone, err := r.pickZone(aws.ToString(in.AvailabilityZone), aws.ToString(in.AvailabilityZoneId))
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(in.TagSpecifications, types.ResourceTypeSubnet)
	if err != nil {
		return nil, err
	}
	out := r.subnetSDK(r.addSubnet(v.id, cidr, zone, tags))
	return &awsec2.CreateSubnetOutput{Subnet: &out}, nil
}

// pickZone resolves the AZ of a new subnet; without one AWS chooses (here:
// the first).
func (r *region) pickZone(name, id string) (string, error) {
	zones := r.zones()
	for _, z := range zones {
		if (name != "" && z == name) || (id != "" && r.zoneID(z) == id) {
			return z, nil
		}
	}
	if name == "" && id == "" {
		return zones[0], nil
	}
	return "", errInvalidParameter("Value (%s%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.",
		name, id, strings.Join(zones, ", "))
}

var subnetFields = fields[*subnet]{
	"subnet-id":         func(s *subnet) []string { return []string{s.id} },
	"vpc-id":            func(s *subnet) []string { return []string{s.vpcID} },
	"default-for-az":    func(s *subnet) []string { return boolString(s.defaultForAZ) },
	"defaultForAz":      func(s *subnet) []string { return boolString(s.defaultForAZ) },
	"availability-zone": func(s *subnet) []string { return []string{s.zone} },
	"cidr-block":        func(s *subnet) []string { return []string{s.cidr.String()} },
	"map-public-ip-on-launch": func(s *subnet) []string {
		return boolString(s.mapPublicIP)
	},
	"state": func(*subnet) []string { return []string{string(types.SubnetStateAvailable)} },
}

func (r *region) describeSubnets(in *awsec2.DescribeSubnetsInput) (*awsec2.DescribeSubnetsOutput, error) {
	items, missing := only(r.subnets, in.SubnetIds)
	if len(missing) > 0 {
		return nil, errSubnetNotFound(missing[0])
	}
	items, err := filter(items, in.Filters, subnetFields, func(s *subnet) map[string]string { return s.tags })
	if err != nil {
		return nil, err
	}
	items, next, err := page(r, pagingSubnets, pageIn{in.MaxResults, in.NextToken, len(in.SubnetIds)}, items, func(s *subnet) string { return s.id })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeSubnetsOutput{Subnets: []types.Subnet{}, NextToken: next}
	for _, s := range items {
		out.Subnets = append(out.Subnets, r.subnetSDK(s))
	}
	return out, nil
}

// deleteSubnet refuses while network interfaces (instances, mount targets,
// load balancer nodes) live in the subnet.
func (r *region) deleteSubnet(in *awsec2.DeleteSubnetInput) (*awsec2.DeleteSubnetOutput, error) {
	s, err := r.subnet(aws.ToString(in.SubnetId))
	if err != nil {
		return nil, err
	}
	for _, e := range r.enis {
		if e.subnetID == s.id {
			return nil, errHasDependencies("subnet", s.id)
		}
	}
	// Deleting a subnet drops its route table association with it.
	for _, t := range r.routeTables {
		t.assocs = slices.DeleteFunc(t.assocs, func(a association) bool { return a.subnetID == s.id })
	}
	delete(r.subnets, s.id)
	return &awsec2.DeleteSubnetOutput{}, nil
}

func (r *region) modifySubnetAttribute(in *awsec2.ModifySubnetAttributeInput) (*awsec2.ModifySubnetAttributeOutput, error) {
	s, err := r.subnet(aws.ToString(in.SubnetId))
	if err != nil {
		return nil, err
	}
	if in.MapPublicIpOnLaunch != nil {
		s.mapPublicIP = aws.ToBool(in.MapPublicIpOnLaunch.Value)
	}
	return &awsec2.ModifySubnetAttributeOutput{}, nil
}
