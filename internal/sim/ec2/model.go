// Package ec2 is the simulated Amazon EC2: VPCs, subnets, internet
// gateways, route tables, security groups, network interfaces, instances
// and the read-only catalogues the steps consult (availability zones,
// instance types and their offerings, managed prefix lists, images).
//
// It answers the typed inputs of real aws-sdk-go-v2 EC2 clients from inside
// their middleware stack (see package account), with AWS's error codes and
// preconditions, and evaluates instance lifecycles lazily on the account's
// clock. It also implements account.Network, through which the simulated EFS,
// ELBv2 and SSM reach subnets, security groups, ENIs and instances.
//
// It imports account, clock and the SDK's EC2 types; never steps or engine.
package ec2

import (
	"maps"
	"time"

	"geusemaker/internal/sim/account"
)

// ServiceID is the SDK's service id for EC2.
const ServiceID = "EC2"

// Model is the simulated EC2 of one account, across regions. Every method
// runs under the account's lock: operations are called by the account with it
// held, and the exported helpers for tests take it themselves.
type Model struct {
	w       *account.Account
	regions map[string]*region

	// InstanceProfileReady tells whether IAM would let RunInstances use the
	// named instance profile yet. The simulated IAM sets it to model the
	// propagation delay of a fresh profile; nil means every profile is ready.
	InstanceProfileReady func(name string) bool
	// Boot tells whether an instance's UserData brings its workload up
	// (it may need a secret, an EFS mount); asked once per instance, under
	// the account's lock, when the workload is due. nil means it always does.
	Boot func(inst account.Instance) bool
	// TamperUserData, when set, changes what a launched instance runs:
	// for tests proving that a broken bootstrap fails a deployment.
	TamperUserData func(userData []byte) []byte

	// MaxPage, when positive, bounds every page of a paged Describe call
	// as if the caller had asked for MaxResults=MaxPage, even below AWS's
	// minimum: tests set it (before any call) to drive the steps'
	// pagination loops over many pages with a few resources, as a large
	// account would. Calls AWS never pages (an id list where MaxResults is
	// refused) are left whole.
	MaxPage int
}

// region holds one region's resources, keyed by id.
type region struct {
	m           *Model
	name        string
	vpcs        map[string]*vpc
	subnets     map[string]*subnet
	igws        map[string]*internetGateway
	routeTables map[string]*routeTable
	groups      map[string]*securityGroup
	enis        map[string]*networkInterface
	instances   map[string]*instance
	// volumes are the volumes that outlived their instance
	// (DeleteOnTermination false): "available" until deleted.
	volumes map[string]Volume
	// reservations maps a RunInstances ClientToken to its reservation.
	reservations map[string]*reservation
	prefixLists  map[string]*prefixList
	nextIP       int
}

// Register adds the simulated EC2 to w and makes it w's Network.
func Register(w *account.Account) *Model {
	m := &Model{w: w, regions: map[string]*region{}}
	w.Register(m)
	w.Network = m
	return m
}

// ServiceID returns "EC2".
func (m *Model) ServiceID() string { return ServiceID }

// region returns a region's state, creating it with its default VPC on
// first use: every AWS region starts with one.
func (m *Model) region(name string) *region {
	if r, ok := m.regions[name]; ok {
		return r
	}
	r := &region{
		m:            m,
		name:         name,
		vpcs:         map[string]*vpc{},
		subnets:      map[string]*subnet{},
		igws:         map[string]*internetGateway{},
		routeTables:  map[string]*routeTable{},
		groups:       map[string]*securityGroup{},
		enis:         map[string]*networkInterface{},
		volumes:      map[string]Volume{},
		instances:    map[string]*instance{},
		reservations: map[string]*reservation{},
		prefixLists:  seedPrefixLists(),
	}
	m.regions[name] = r
	r.createDefaultVPC()
	return r
}

// now is the account's time.
func (r *region) now() time.Time { return r.m.w.Now() }

// newID returns a fresh id with AWS's 17-hex-digit form, e.g. "vpc-0000…1".
func (r *region) newID(prefix string) string { return r.m.w.NewID(prefix, 17) }

// settle applies what the clock has made true since the last call: the
// network interfaces of terminated instances go away, and terminated
// instances drop out of sight after terminatedVisible.
func (r *region) settle() {
	now := r.now()
	for id, inst := range r.instances {
		if inst.state(now) != stateTerminated {
			continue
		}
		for eniID, eni := range r.enis {
			if eni.instanceID == id {
				delete(r.enis, eniID)
			}
		}
		// A volume lives as long as its instance unless DeleteOnTermination
		// is false: then it outlives it, "available" and billed ("Preserve
		// data when an instance is terminated", EC2 user guide: true by
		// default for the root volume, false for others).
		for _, v := range inst.volumes {
			if !v.DeleteOnTermination {
				r.volumes[v.VolumeID] = v
			}
		}
		if now.Sub(inst.terminatedAt) >= terminatedVisible {
			delete(r.instances, id)
		}
	}
}

// Inventory lists the live resources a deployment can create: VPCs,
// subnets, internet gateways, route tables and security groups other than a
// region's defaults, network interfaces, instances not yet terminated and
// EBS volumes (attached, or left by a terminated instance).
func (m *Model) Inventory(now time.Time) []account.Resource {
	var out []account.Resource
	add := func(r *region, typ, id, state string, tags map[string]string) {
		out = append(out, account.Resource{Service: ServiceID, Type: typ, ID: id, State: state, Region: r.name, Tags: maps.Clone(tags)})
	}
	for _, r := range m.regions {
		r.settle()
		for _, v := range r.vpcs {
			if !v.isDefault {
				add(r, "vpc", v.id, "available", v.tags)
			}
		}
		for _, s := range r.subnets {
			if !s.defaultForAZ {
				add(r, "subnet", s.id, "available", s.tags)
			}
		}
		for _, g := range r.igws {
			if !g.isDefault {
				add(r, "internet-gateway", g.id, g.attachmentState(), g.tags)
			}
		}
		for _, t := range r.routeTables {
			if !t.main {
				add(r, "route-table", t.id, "", t.tags)
			}
		}
		for _, g := range r.groups {
			if !g.isDefault {
				add(r, "security-group", g.id, "", g.tags)
			}
		}
		for _, e := range r.enis {
			add(r, "network-interface", e.id, e.status(), e.tags)
		}
		for _, i := range r.instances {
			if s := i.state(now); s != stateTerminated {
				add(r, "instance", i.id, s, i.tags)
				for _, v := range i.volumes {
					add(r, "volume", v.VolumeID, "in-use", v.Tags)
				}
			}
		}
		for _, v := range r.volumes {
			add(r, "volume", v.VolumeID, "available", v.Tags)
		}
	}
	return out
}

// DeleteDefaultVPC removes region's default VPC with its subnets, gateway,
// main route table and default security group, as a user can: tests use it
// to make the network step create a VPC of its own.
func (m *Model) DeleteDefaultVPC(regionName string) {
	m.w.Do(func() {
		r := m.region(regionName)
		for id, v := range r.vpcs {
			if v.isDefault {
				r.removeVPC(id, true)
			}
		}
	})
}

// UserData returns the decoded UserData an instance was launched with.
func (m *Model) UserData(instanceID string) ([]byte, bool) {
	var data []byte
	var ok bool
	m.w.Do(func() {
		if i := m.findInstance(instanceID); i != nil {
			data, ok = i.userData, true
		}
	})
	return data, ok
}

// Volumes returns the EBS volumes attached to an instance at launch.
func (m *Model) Volumes(instanceID string) []Volume {
	var out []Volume
	m.w.Do(func() {
		if i := m.findInstance(instanceID); i != nil {
			out = append(out, i.volumes...)
		}
	})
	return out
}

// MetadataOptions returns an instance's IMDS settings as launched.
func (m *Model) MetadataOptions(instanceID string) (MetadataOptions, bool) {
	var out MetadataOptions
	var ok bool
	m.w.Do(func() {
		if i := m.findInstance(instanceID); i != nil {
			out, ok = i.metadata, true
		}
	})
	return out, ok
}

func (m *Model) findInstance(id string) *instance {
	for _, r := range m.regions {
		if i, ok := r.instances[id]; ok {
			return i
		}
	}
	return nil
}
