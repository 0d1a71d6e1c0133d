package elbv2

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/sim/account"
)

// minAZs is how many Availability Zones an application load balancer needs.
const minAZs = 2

// Load balancer attributes GeuseMaker sets, and their defaults.
const (
	attrDeletionProtection = "deletion_protection.enabled"
	attrDropInvalidHeaders = "routing.http.drop_invalid_header_fields.enabled"
	attrIdleTimeout        = "idle_timeout.timeout_seconds"
)

// defaultAttributes are an application load balancer's attributes at
// creation (a subset of AWS's: the ones a deployment may touch).
var defaultAttributes = map[string]string{
	attrDeletionProtection:                    "false",
	attrDropInvalidHeaders:                    "false",
	attrIdleTimeout:                           "60",
	"access_logs.s3.enabled":                  "false",
	"routing.http2.enabled":                   "true",
	"routing.http.desync_mitigation_mode":     "defensive",
	"routing.http.xff_header_processing.mode": "append",
	"waf.fail_open.enabled":                   "false",
}

// maxIdleTimeout is the largest idle timeout ELBv2 accepts, in seconds.
const maxIdleTimeout = 4000

func (m *Model) createLoadBalancer(ctx context.Context, in *elb.CreateLoadBalancerInput) (*elb.CreateLoadBalancerOutput, error) {
	region, now := account.Region(ctx), m.w.Now()
	name := deref(in.Name)
	if err := validName("Load balancer", name); err != nil {
		return nil, err
	}
	if strings.HasPrefix(name, "internal-") {
		return nil, errValidation("Load balancer name '%s' cannot begin with 'internal-'", name)
	}
	if in.Type != "" && in.Type != types.LoadBalancerTypeEnumApplication {
		return nil, errValidation("sim: load balancer type '%s' is not modeled", in.Type)
	}
	if in.IpAddressType != "" && in.IpAddressType != types.IpAddressTypeIpv4 {
		return nil, errValidation("sim: IP address type '%s' is not modeled", in.IpAddressType)
	}
	scheme := in.Scheme
	if scheme == "" {
		scheme = types.LoadBalancerSchemeEnumInternetFacing
	}
	subnets, err := m.lbSubnets(in)
	if err != nil {
		return nil, err
	}
	vpcID := subnets[0].VPCID
	groups, err := m.lbGroups(vpcID, in.SecurityGroups)
	if err != nil {
		return nil, err
	}
	for _, lb := range m.lbs {
		if lb.region != region || lb.name != name {
			continue
		}
		// CreateLoadBalancer is idempotent: the same name with the same
		// settings returns the existing load balancer.
		if lb.scheme == scheme && slices.Equal(subnetIDs(lb.subnets), subnetIDs(subnets)) && slices.Equal(lb.groups, groups) {
			return &elb.CreateLoadBalancerOutput{LoadBalancers: []types.LoadBalancer{lb.render(now)}}, nil
		}
		return nil, &types.DuplicateLoadBalancerNameException{Message: msg("A load balancer with the same name '%s' exists, but with different settings", name)}
	}
	tags, err := newTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if q := m.w.Quota; q != nil {
		n := 0
		for _, lb := range m.lbs {
			if lb.region == region {
				n++
			}
		}
		if float64(n) >= q(region, "elasticloadbalancing", quotaALBs) {
			return nil, &types.TooManyLoadBalancersException{Message: msg("The maximum number of load balancers has been reached")}
		}
	}
	seq := m.next()
	id := hexID(seq)
	lb := &loadBalancer{
		seq: seq, id: id, name: name, region: region, vpcID: vpcID, scheme: scheme,
		arn:     arn(region, fmt.Sprintf("%s/app/%s/%s", kindLoadBalancer, name, id)),
		dnsName: dnsName(name, seq, region, scheme),
		subnets: subnets, groups: groups, created: now, tags: tags,
		attrs: maps.Clone(defaultAttributes),
	}
	// An internet-facing load balancer in a VPC without an internet gateway
	// stays provisioning: it is never given activeAt. The SDK's waiter
	// then polls until its own deadline; callers must check the gateway
	// (or bound their wait) to fail early.
	if scheme == types.LoadBalancerSchemeEnumInternal || m.w.Network.HasInternetGateway(vpcID) {
		lb.activeAt = now.Add(m.w.Latency(LatencyProvision, defaultProvision))
	}
	for _, s := range subnets {
		eni, err := m.w.Network.CreateNetworkInterface(s.ID, groups, fmt.Sprintf("ELB app/%s/%s", name, id),
			scheme == types.LoadBalancerSchemeEnumInternetFacing)
		if err != nil {
			for _, made := range lb.enis {
				m.w.Network.DeleteNetworkInterface(made)
			}
			return nil, fmt.Errorf("create network interface in %s: %w", s.ID, err)
		}
		lb.enis = append(lb.enis, eni)
	}
	m.lbs[lb.arn] = lb
	return &elb.CreateLoadBalancerOutput{LoadBalancers: []types.LoadBalancer{lb.render(now)}}, nil
}

// dnsName is a load balancer's DNS name; an internal one's starts with
// "internal-" (and resolves to private addresses only).
func dnsName(name string, seq int, region string, scheme types.LoadBalancerSchemeEnum) string {
	n := fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", strings.ToLower(name), 1_000_000_000+seq*7919, region)
	if scheme == types.LoadBalancerSchemeEnumInternal {
		return "internal-" + n
	}
	return n
}

// lbSubnets resolves the subnets of a new load balancer: all in one VPC,
// one per Availability Zone, at least two zones.
func (m *Model) lbSubnets(in *elb.CreateLoadBalancerInput) ([]account.Subnet, error) {
	ids := slices.Clone(in.Subnets)
	if len(in.SubnetMappings) > 0 {
		if len(ids) > 0 {
			return nil, errValidation("Subnets and SubnetMappings cannot be specified together")
		}
		for _, sm := range in.SubnetMappings {
			ids = append(ids, deref(sm.SubnetId))
		}
	}
	var out []account.Subnet
	zones := map[string]bool{}
	for _, id := range ids {
		s, ok := m.w.Network.Subnet(id)
		if !ok {
			return nil, &types.SubnetNotFoundException{Message: msg("The subnet ID '%s' is not valid", id)}
		}
		if len(out) > 0 && s.VPCID != out[0].VPCID {
			return nil, &types.InvalidSubnetException{Message: msg("Subnets '%s' and '%s' are not in the same VPC", out[0].ID, id)}
		}
		if zones[s.AvailabilityZone] {
			return nil, &types.InvalidConfigurationRequestException{
				Message: msg("A load balancer cannot be attached to multiple subnets in the same Availability Zone '%s'", s.AvailabilityZone),
			}
		}
		zones[s.AvailabilityZone] = true
		out = append(out, s)
	}
	if len(out) < minAZs {
		return nil, &types.InvalidConfigurationRequestException{
			Message: msg("At least two subnets in two different Availability Zones must be specified"),
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// lbGroups checks that each security group exists in the load balancer's VPC.
func (m *Model) lbGroups(vpcID string, ids []string) ([]string, error) {
	for _, id := range ids {
		vpc, ok := m.w.Network.SecurityGroupVPC(id)
		if !ok {
			return nil, &types.InvalidSecurityGroupException{Message: msg("Security group '%s' does not exist", id)}
		}
		if vpc != vpcID {
			return nil, &types.InvalidSecurityGroupException{Message: msg("Security group '%s' does not belong to VPC '%s'", id, vpcID)}
		}
	}
	groups := slices.Clone(ids)
	sort.Strings(groups)
	return slices.Compact(groups), nil
}

func subnetIDs(subnets []account.Subnet) []string {
	out := make([]string, len(subnets))
	for i, s := range subnets {
		out[i] = s.ID
	}
	return out
}

func (lb *loadBalancer) render(now time.Time) types.LoadBalancer {
	out := types.LoadBalancer{
		CreatedTime:      ptr(lb.created),
		DNSName:          ptr(lb.dnsName),
		IpAddressType:    types.IpAddressTypeIpv4,
		LoadBalancerArn:  ptr(lb.arn),
		LoadBalancerName: ptr(lb.name),
		Scheme:           lb.scheme,
		SecurityGroups:   slices.Clone(lb.groups),
		State:            &types.LoadBalancerState{Code: lb.state(now)},
		Type:             types.LoadBalancerTypeEnumApplication,
		VpcId:            ptr(lb.vpcID),
	}
	for _, s := range lb.subnets {
		out.AvailabilityZones = append(out.AvailabilityZones, types.AvailabilityZone{
			SubnetId: ptr(s.ID), ZoneName: ptr(s.AvailabilityZone),
		})
	}
	return out
}

func (m *Model) describeLoadBalancers(ctx context.Context, in *elb.DescribeLoadBalancersInput) (*elb.DescribeLoadBalancersOutput, error) {
	region, now := account.Region(ctx), m.w.Now()
	if len(in.Names) > 0 && len(in.LoadBalancerArns) > 0 {
		return nil, errValidation("Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	all := bySeq(m.lbs, func(lb *loadBalancer) int { return lb.seq })
	var found []*loadBalancer
	switch {
	case len(in.Names) > 0:
		for _, name := range in.Names {
			i := slices.IndexFunc(all, func(lb *loadBalancer) bool { return lb.region == region && lb.name == name })
			if i < 0 {
				return nil, &types.LoadBalancerNotFoundException{Message: msg("Load balancers '[%s]' not found", name)}
			}
			found = append(found, all[i])
		}
	case len(in.LoadBalancerArns) > 0:
		for _, arn := range in.LoadBalancerArns {
			lb, err := m.loadBalancer(region, arn)
			if err != nil {
				return nil, err
			}
			found = append(found, lb)
		}
	default:
		for _, lb := range all {
			if lb.region == region {
				found = append(found, lb)
			}
		}
	}
	page, next, err := paginate(found, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elb.DescribeLoadBalancersOutput{NextMarker: next}
	for _, lb := range page {
		out.LoadBalancers = append(out.LoadBalancers, lb.render(now))
	}
	return out, nil
}

// deleteLoadBalancer answers DeleteLoadBalancer, which succeeds when the load balancer does not exist or is
// already deleted (AWS documents it so). It removes the listeners and their
// rules; target groups and their registrations remain. The network
// interfaces linger for LatencyENIRelease.
func (m *Model) deleteLoadBalancer(ctx context.Context, in *elb.DeleteLoadBalancerInput) (*elb.DeleteLoadBalancerOutput, error) {
	lb, ok := m.lbs[deref(in.LoadBalancerArn)]
	if !ok || lb.region != account.Region(ctx) {
		return &elb.DeleteLoadBalancerOutput{}, nil
	}
	if lb.attrs[attrDeletionProtection] == "true" {
		return nil, &types.OperationNotPermittedException{
			Message: msg("Load balancer '%s' cannot be deleted because deletion protection is enabled", lb.arn),
		}
	}
	// AWS does not document deleting a load balancer a VPC origin still
	// points at; ELB refuses to delete one associated with another
	// service ("Load balancer ... cannot be deleted because it is currently
	// associated with another service", its VPC endpoint services), and the
	// model takes that stricter reading: CloudFront's VPC origin first.
	if m.HeldBy != nil {
		if holder := m.HeldBy(lb.arn); holder != "" {
			return nil, &types.ResourceInUseException{
				Message: msg("Load balancer '%s' cannot be deleted because it is currently associated with another service (%s)", lb.arn, holder),
			}
		}
	}
	for _, l := range m.listeners {
		if l.lbARN == lb.arn {
			m.removeListener(l)
		}
	}
	at := m.w.Now().Add(m.w.Latency(LatencyENIRelease, defaultENIRelease))
	for _, eni := range lb.enis {
		m.releases = append(m.releases, release{eni: eni, at: at})
	}
	delete(m.lbs, lb.arn)
	return &elb.DeleteLoadBalancerOutput{}, nil
}

func (m *Model) modifyLoadBalancerAttributes(ctx context.Context, in *elb.ModifyLoadBalancerAttributesInput) (*elb.ModifyLoadBalancerAttributesOutput, error) {
	lb, err := m.loadBalancer(account.Region(ctx), deref(in.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	changed := maps.Clone(lb.attrs)
	for _, a := range in.Attributes {
		key, value := deref(a.Key), deref(a.Value)
		if err := checkAttribute(key, value); err != nil {
			return nil, err
		}
		changed[key] = value
	}
	lb.attrs = changed
	return &elb.ModifyLoadBalancerAttributesOutput{Attributes: renderAttributes(lb.attrs)}, nil
}

// checkAttribute validates one attribute: known key, boolean for the
// ".enabled" keys, a number in range for the idle timeout.
func checkAttribute(key, value string) error {
	if _, ok := defaultAttributes[key]; !ok {
		return errValidation("Load balancer attribute key '%s' is not recognized", key)
	}
	switch {
	case strings.HasSuffix(key, ".enabled"):
		if value != "true" && value != "false" {
			return errValidation("Load balancer attribute '%s' must be 'true' or 'false', not '%s'", key, value)
		}
	case key == attrIdleTimeout:
		if n, err := strconv.Atoi(value); err != nil || n < 1 || n > maxIdleTimeout {
			return errValidation("Load balancer attribute '%s' must be an integer from 1 to %d", key, maxIdleTimeout)
		}
	}
	return nil
}

func (m *Model) describeLoadBalancerAttributes(ctx context.Context, in *elb.DescribeLoadBalancerAttributesInput) (*elb.DescribeLoadBalancerAttributesOutput, error) {
	lb, err := m.loadBalancer(account.Region(ctx), deref(in.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	return &elb.DescribeLoadBalancerAttributesOutput{Attributes: renderAttributes(lb.attrs)}, nil
}

func renderAttributes(attrs map[string]string) []types.LoadBalancerAttribute {
	out := make([]types.LoadBalancerAttribute, 0, len(attrs))
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		out = append(out, types.LoadBalancerAttribute{Key: ptr(k), Value: ptr(attrs[k])})
	}
	return out
}

// quotaALBs is "Application Load Balancers per Region" (Service Quotas),
// which CreateLoadBalancer enforces.
const quotaALBs = "L-53DA6B97"
