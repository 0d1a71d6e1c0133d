// Package elbv2test provides a stand-in account.Network for tests of the
// simulated ELBv2 and of the elbv2 step, so they do not depend on
// the simulated EC2: two VPCs (the first with an internet gateway), subnets
// in distinct and shared zones, security groups, instances planted by the
// test, and the network interfaces load balancers create.
//
// It imports account only; only tests import it.
package elbv2test

import (
	"fmt"
	"slices"
	"time"

	"geusemaker/internal/sim/account"
)

// Fixture ids of the stand-in network.
const (
	VPC      = "vpc-1"    // the deployment's VPC, with an internet gateway
	OtherVPC = "vpc-2"    // a VPC without an internet gateway
	SubnetA  = "subnet-a" // VPC, us-east-1a
	SubnetB  = "subnet-b" // VPC, us-east-1b
	SubnetA2 = "subnet-c" // VPC, us-east-1a again
	SubnetX  = "subnet-x" // OtherVPC, us-east-1c
	SubnetY  = "subnet-y" // OtherVPC, us-east-1d
	GroupALB = "sg-alb"   // in VPC
	GroupX   = "sg-other" // in OtherVPC
)

// Network is a account.Network with fixed subnets and groups. Tests change
// its maps under Account.Do.
type Network struct {
	Subnets   map[string]account.Subnet
	Groups    map[string]string // security group id → VPC id
	Gateways  map[string]bool   // VPC id → has an internet gateway
	ENIs      map[string][]string
	Instances map[string]account.Instance
	// ENIErr, when set, is what CreateNetworkInterface answers after the
	// first interface.
	ENIErr error
	next   int
}

// NewNetwork returns the fixture network.
func NewNetwork() *Network {
	return &Network{
		Subnets: map[string]account.Subnet{
			SubnetA:  {ID: SubnetA, VPCID: VPC, AvailabilityZone: "us-east-1a"},
			SubnetB:  {ID: SubnetB, VPCID: VPC, AvailabilityZone: "us-east-1b"},
			SubnetA2: {ID: SubnetA2, VPCID: VPC, AvailabilityZone: "us-east-1a"},
			SubnetX:  {ID: SubnetX, VPCID: OtherVPC, AvailabilityZone: "us-east-1c"},
			SubnetY:  {ID: SubnetY, VPCID: OtherVPC, AvailabilityZone: "us-east-1d"},
		},
		Groups:    map[string]string{GroupALB: VPC, GroupX: OtherVPC},
		Gateways:  map[string]bool{VPC: true},
		ENIs:      map[string][]string{},
		Instances: map[string]account.Instance{},
	}
}

// Run plants a running instance in SubnetA whose workload answers at up
// (zero: never).
func (n *Network) Run(id string, up time.Time) {
	n.Instances[id] = account.Instance{ID: id, State: "running", SubnetID: SubnetA, WorkloadUpAt: up}
}

// SetState changes an instance's state.
func (n *Network) SetState(id, state string) {
	i := n.Instances[id]
	i.State = state
	n.Instances[id] = i
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

// HasInternetGateway reads Gateways.
func (n *Network) HasInternetGateway(vpcID string) bool { return n.Gateways[vpcID] }

// CreateNetworkInterface records an ENI with its groups.
func (n *Network) CreateNetworkInterface(_ string, groups []string, _ string, _ bool) (string, error) {
	if n.ENIErr != nil && n.next > 0 {
		return "", n.ENIErr
	}
	n.next++
	id := fmt.Sprintf("eni-%017x", n.next)
	n.ENIs[id] = slices.Clone(groups)
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

// Instance returns a planted instance.
func (n *Network) Instance(id string) (account.Instance, bool) {
	i, ok := n.Instances[id]
	return i, ok
}

// Admits lets every connection in: reachability is EC2's to model, and
// these tests are about ELBv2.
func (n *Network) Admits([]string, int32, account.Source) bool { return true }
