package account

import "time"

// Network is the simulated EC2 as the other services need it: EFS mount
// targets and load balancers live in subnets and own network interfaces,
// target health and SSM depend on instances. All methods are called under
// the account's lock, from inside another service's operation.
type Network interface {
	// Subnet returns a subnet by id.
	Subnet(id string) (Subnet, bool)
	// SecurityGroupVPC returns the VPC of a security group.
	SecurityGroupVPC(id string) (vpcID string, ok bool)
	// HasInternetGateway tells whether an internet gateway is attached to the VPC.
	HasInternetGateway(vpcID string) bool
	// CreateNetworkInterface adds an ENI owned by another service (a mount
	// target, a load balancer node); it keeps its security groups in use,
	// and with a public address (an internet-facing load balancer's node)
	// the VPC's internet gateway attached.
	CreateNetworkInterface(subnetID string, groups []string, description string, public bool) (string, error)
	// DeleteNetworkInterface removes an ENI; an unknown id is ignored.
	DeleteNetworkInterface(id string)
	// CreateServiceGroup returns the security group named name that a
	// service keeps in the VPC for itself (CloudFront's for its VPC
	// origins), creating it with tags when there is none; until
	// DeleteServiceGroup it keeps the VPC from being deleted.
	CreateServiceGroup(vpcID, name string, tags map[string]string) (string, error)
	// DeleteServiceGroup removes such a group; an unknown id is ignored.
	DeleteServiceGroup(id string)
	// Instance returns an instance as it is at the account's current time.
	Instance(id string) (Instance, bool)
	// Admits tells whether security groups let a TCP connection from src
	// in on port: one ingress rule of one of the groups must allow the
	// protocol (tcp or all), the port, and the source (a CIDR holding the
	// source's every address, a group the source is in, or a prefix list
	// the source belongs to). Security groups are stateful, so replies
	// need no rule ("Security group rules", Amazon VPC user guide).
	Admits(groups []string, port int32, src Source) bool
}

// Source is where a simulated connection comes from.
type Source struct {
	// Internet is any address on the internet: only a rule open to
	// 0.0.0.0/0 (or ::/0) admits it, since nobody knows the client's.
	Internet bool
	// CIDRs are the source's addresses (a subnet's CIDR for a load
	// balancer's nodes, an instance's /32): a rule's CIDR must hold each.
	CIDRs []string
	// Groups are the source's security groups.
	Groups []string
	// PrefixLists are the AWS-managed prefix lists (by name) the source's
	// address belongs to, e.g. CloudFront's origin-facing list.
	PrefixLists []string
}

// Subnet is what other services read of a subnet.
type Subnet struct {
	ID               string
	VPCID            string
	AvailabilityZone string
	// AvailabilityZoneID is the zone's account-independent id, e.g. use1-az1.
	AvailabilityZoneID string
	CIDR               string
}

// Instance is what other services read of an instance.
type Instance struct {
	ID        string
	Type      string
	State     string // pending | running | shutting-down | terminated | stopped
	SubnetID  string
	PrivateIP string
	PublicIP  string
	// WorkloadUpAt is when the UserData's services answer on port 80
	// (zero while not running).
	WorkloadUpAt time.Time
	// GPUs is the number of GPUs the instance type has (0 for CPU types).
	GPUs int
	// Groups are the instance's security groups.
	Groups []string
	// Profile is its instance profile, a name or an ARN as launched with.
	Profile string
	// UserData is the decoded script it was launched with (read-only).
	UserData []byte
}

// LoadBalancer is what other services read of a load balancer (CloudFront's
// VPC origins point at one).
type LoadBalancer struct {
	ARN, Region, VPCID string
	Subnets            []string
	Internal, Active   bool
}
