// Package efstest provides a stand-in account.Network for tests of the
// simulated EFS and of the steps that use it, so they do not depend on the
// simulated EC2: two VPCs, three subnets and two security groups, with the
// network interfaces other services create recorded for inspection.
//
// It imports account only; only tests import it.
package efstest

import (
	"fmt"

	"geusemaker/internal/sim/account"
)

// Fixture ids of the stand-in network.
const (
	VPC      = "vpc-0000000000000000a" // the deployment's VPC
	OtherVPC = "vpc-0000000000000000b" // another VPC
	SubnetA  = "subnet-0000000000000000a"
	SubnetA2 = "subnet-000000000000000a2" // a second subnet in SubnetA's zone
	SubnetB  = "subnet-0000000000000000b"
	SubnetX  = "subnet-0000000000000000c" // in OtherVPC
	GroupEFS = "sg-0000000000000000e"     // in VPC
	GroupX   = "sg-0000000000000000f"     // in OtherVPC
)

// ENI is a network interface another service created.
type ENI struct {
	SubnetID    string
	Groups      []string
	Description string
}

// Network is a account.Network with fixed subnets and groups.
type Network struct {
	Subnets map[string]account.Subnet
	Groups  map[string]string // security group id → VPC id
	ENIs    map[string]ENI
	// CreateErr, when set, is what CreateNetworkInterface answers.
	CreateErr error
	next      int
}

// NewNetwork returns the fixture network.
func NewNetwork() *Network {
	return &Network{
		Subnets: map[string]account.Subnet{
			SubnetA:  {ID: SubnetA, VPCID: VPC, AvailabilityZone: "us-east-1a", CIDR: "10.0.0.0/24"},
			SubnetA2: {ID: SubnetA2, VPCID: VPC, AvailabilityZone: "us-east-1a", CIDR: "10.0.2.0/24"},
			SubnetB:  {ID: SubnetB, VPCID: VPC, AvailabilityZone: "us-east-1b", CIDR: "10.0.1.0/24"},
			SubnetX:  {ID: SubnetX, VPCID: OtherVPC, AvailabilityZone: "us-east-1c", CIDR: "10.1.0.0/24"},
		},
		Groups: map[string]string{GroupEFS: VPC, GroupX: OtherVPC},
		ENIs:   map[string]ENI{},
	}
}

// Subnet returns a fixture subnet.
func (n *Network) Subnet(id string) (account.Subnet, bool) {
	s, ok := n.Subnets[id]
	return s, ok
}

// SecurityGroupVPC returns the VPC of a fixture group.
func (n *Network) SecurityGroupVPC(id string) (string, bool) {
	v, ok := n.Groups[id]
	return v, ok
}

// HasInternetGateway is true for every VPC.
func (n *Network) HasInternetGateway(string) bool { return true }

// CreateNetworkInterface records an ENI, or answers CreateErr.
func (n *Network) CreateNetworkInterface(subnetID string, groups []string, description string, _ bool) (string, error) {
	if n.CreateErr != nil {
		return "", n.CreateErr
	}
	n.next++
	id := fmt.Sprintf("eni-%017x", n.next)
	n.ENIs[id] = ENI{SubnetID: subnetID, Groups: groups, Description: description}
	return id, nil
}

// DeleteNetworkInterface forgets an ENI.
func (n *Network) DeleteNetworkInterface(id string) { delete(n.ENIs, id) }

// CreateServiceGroup names a service's group in vpcID; nothing here uses it.
func (n *Network) CreateServiceGroup(vpcID, name string, _ map[string]string) (string, error) {
	return "sg-" + name + "-" + vpcID, nil
}

// DeleteServiceGroup does nothing: CreateServiceGroup keeps no state.
func (n *Network) DeleteServiceGroup(string) {}

// Instance finds no instance: the stand-in has none.
func (n *Network) Instance(string) (account.Instance, bool) { return account.Instance{}, false }

// Admits lets every connection in: reachability is EC2's to model, and
// these tests are about EFS.
func (n *Network) Admits([]string, int32, account.Source) bool { return true }
