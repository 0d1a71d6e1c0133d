package ec2

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"geusemaker/internal/sim/account"
)

type networkInterface struct {
	id          string
	subnetID    string
	vpcID       string
	zone        string
	groups      []string
	privateIP   string
	description string
	// instanceID is the instance the ENI is attached to; "" for an ENI
	// another service (EFS, ELB) manages.
	instanceID string
	// publicIP is a service-managed ENI's public address (an
	// internet-facing load balancer's node); an instance's is its own.
	publicIP string
	tags     map[string]string
}

// status is "in-use": every modeled ENI is attached to an instance or
// managed by a service.
func (e *networkInterface) status() string { return string(types.NetworkInterfaceStatusInUse) }

// addENI creates an interface in s, checking that its groups exist in the
// subnet's VPC.
func (r *region) addENI(s *subnet, groups []string, description string) (*networkInterface, error) {
	for _, id := range groups {
		g, ok := r.groups[id]
		if !ok {
			return nil, errGroupNotFound(id)
		}
		if g.vpcID != s.vpcID {
			return nil, errInvalidParameter("Security group %s and subnet %s belong to different networks.", id, s.id)
		}
	}
	e := &networkInterface{id: r.newID("eni-"), subnetID: s.id, vpcID: s.vpcID, zone: s.zone,
		groups: slices.Clone(groups), privateIP: s.nextIP(), description: description}
	r.enis[e.id] = e
	return e, nil
}

// Subnet returns a subnet by id.
func (m *Model) Subnet(id string) (account.Subnet, bool) {
	for _, r := range m.regions {
		if s, ok := r.subnets[id]; ok {
			return account.Subnet{ID: s.id, VPCID: s.vpcID, AvailabilityZone: s.zone, AvailabilityZoneID: r.zoneID(s.zone), CIDR: s.cidr.String()}, true
		}
	}
	return account.Subnet{}, false
}

// CreateNetworkInterface adds an ENI owned by another service (a mount
// target, a load balancer node); it keeps its security groups in use and
// its subnet undeletable until DeleteNetworkInterface, and with a public
// address the VPC's internet gateway attached.
func (m *Model) CreateNetworkInterface(subnetID string, groups []string, description string, public bool) (string, error) {
	for _, r := range m.regions {
		if s, ok := r.subnets[subnetID]; ok {
			e, err := r.addENI(s, groups, description)
			if err != nil {
				return "", err
			}
			if public {
				e.publicIP = r.newPublicIP()
			}
			return e.id, nil
		}
	}
	return "", errSubnetNotFound(subnetID)
}

// DeleteNetworkInterface removes an ENI; an unknown id is ignored.
func (m *Model) DeleteNetworkInterface(id string) {
	for _, r := range m.regions {
		delete(r.enis, id)
	}
}

func (e *networkInterface) sdk(r *region) types.NetworkInterface {
	out := types.NetworkInterface{
		NetworkInterfaceId: aws.String(e.id),
		SubnetId:           aws.String(e.subnetID),
		VpcId:              aws.String(e.vpcID),
		AvailabilityZone:   aws.String(e.zone),
		AvailabilityZoneId: aws.String(r.zoneID(e.zone)),
		Description:        aws.String(e.description),
		InterfaceType:      types.NetworkInterfaceTypeInterface,
		PrivateIpAddress:   aws.String(e.privateIP),
		OwnerId:            aws.String(account.AccountID),
		RequesterManaged:   aws.Bool(e.instanceID == ""),
		Status:             types.NetworkInterfaceStatus(e.status()),
		TagSet:             sdkTags(e.tags),
	}
	if e.publicIP != "" {
		out.Association = &types.NetworkInterfaceAssociation{PublicIp: aws.String(e.publicIP), IpOwnerId: aws.String("amazon")}
	}
	for _, id := range e.groups {
		gi := types.GroupIdentifier{GroupId: aws.String(id)}
		if g, ok := r.groups[id]; ok {
			gi.GroupName = aws.String(g.name)
		}
		out.Groups = append(out.Groups, gi)
	}
	if e.instanceID != "" {
		out.Attachment = &types.NetworkInterfaceAttachment{
			InstanceId: aws.String(e.instanceID), DeviceIndex: aws.Int32(0),
			Status: types.AttachmentStatusAttached, DeleteOnTermination: aws.Bool(true),
		}
	}
	return out
}

var eniFields = fields[*networkInterface]{
	"network-interface-id":   func(e *networkInterface) []string { return []string{e.id} },
	"group-id":               func(e *networkInterface) []string { return e.groups },
	"subnet-id":              func(e *networkInterface) []string { return []string{e.subnetID} },
	"vpc-id":                 func(e *networkInterface) []string { return []string{e.vpcID} },
	"availability-zone":      func(e *networkInterface) []string { return []string{e.zone} },
	"description":            func(e *networkInterface) []string { return []string{e.description} },
	"status":                 func(e *networkInterface) []string { return []string{e.status()} },
	"attachment.instance-id": func(e *networkInterface) []string { return []string{e.instanceID} },
}

func (r *region) describeNetworkInterfaces(in *awsec2.DescribeNetworkInterfacesInput) (*awsec2.DescribeNetworkInterfacesOutput, error) {
	items, missing := only(r.enis, in.NetworkInterfaceIds)
	if len(missing) > 0 {
		return nil, errENINotFound(missing[0])
	}
	items, err := filter(items, in.Filters, eniFields, func(e *networkInterface) map[string]string { return e.tags })
	if err != nil {
		return nil, err
	}
	items, next, err := page(r, pagingNetworkInterfaces, pageIn{in.MaxResults, in.NextToken, len(in.NetworkInterfaceIds)}, items, func(e *networkInterface) string { return e.id })
	if err != nil {
		return nil, err
	}
	out := &awsec2.DescribeNetworkInterfacesOutput{NetworkInterfaces: []types.NetworkInterface{}, NextToken: next}
	for _, e := range items {
		out.NetworkInterfaces = append(out.NetworkInterfaces, e.sdk(r))
	}
	return out, nil
}
