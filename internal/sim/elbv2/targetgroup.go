package elbv2

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/sim/account"
)

// Health check defaults of an HTTP target group of instances, and the
// ranges ELBv2 accepts.
const (
	defaultHealthPath     = "/"
	defaultHealthPort     = "traffic-port"
	defaultHealthInterval = 30
	defaultHealthTimeout  = 5
	defaultHealthyCount   = 5
	defaultUnhealthyCount = 2
	defaultMatcher        = "200"
	minHealthInterval     = 5
	maxHealthInterval     = 300
	minHealthTimeout      = 2
	maxHealthTimeout      = 120
	minThreshold          = 2
	maxThreshold          = 10
	maxHealthCheckPathLen = 1024
	maxPort               = 65535
	instanceRunningState  = "running"
)

func (m *Model) createTargetGroup(ctx context.Context, in *elb.CreateTargetGroupInput) (*elb.CreateTargetGroupOutput, error) {
	region := account.Region(ctx)
	name := deref(in.Name)
	if err := validName("Target group", name); err != nil {
		return nil, err
	}
	targetType := in.TargetType
	if targetType == "" {
		targetType = types.TargetTypeEnumInstance
	}
	switch {
	case targetType != types.TargetTypeEnumInstance:
		return nil, errValidation("sim: target type '%s' is not modeled", targetType)
	case in.Protocol == "" || in.Port == nil || in.VpcId == nil:
		return nil, errValidation("A protocol, a port and a VPC ID must be specified for target type 'instance'")
	case in.Protocol != types.ProtocolEnumHttp:
		return nil, errValidation("sim: target group protocol '%s' is not modeled", in.Protocol)
	case *in.Port < 1 || *in.Port > maxPort:
		return nil, errValidation("Port %d is not between 1 and %d", *in.Port, maxPort)
	}
	hc, err := healthCheckOf(in)
	if err != nil {
		return nil, err
	}
	for _, tg := range m.tgs {
		if tg.region != region || tg.name != name {
			continue
		}
		// CreateTargetGroup is idempotent: the same name with the same
		// settings returns the existing target group.
		if tg.vpcID == *in.VpcId && tg.port == *in.Port && tg.protocol == in.Protocol && tg.health == hc {
			return &elb.CreateTargetGroupOutput{TargetGroups: []types.TargetGroup{m.renderTargetGroup(tg)}}, nil
		}
		return nil, &types.DuplicateTargetGroupNameException{Message: msg("A target group with the same name '%s' exists, but with different settings", name)}
	}
	tags, err := newTags(in.Tags)
	if err != nil {
		return nil, err
	}
	seq := m.next()
	tg := &targetGroup{
		seq: seq, name: name, region: region, vpcID: *in.VpcId,
		arn:      arn(region, fmt.Sprintf("%s/%s/%s", kindTargetGroup, name, hexID(seq))),
		protocol: in.Protocol, port: *in.Port, targetType: targetType, health: hc,
		targets: map[string]*target{}, tags: tags,
	}
	m.tgs[tg.arn] = tg
	return &elb.CreateTargetGroupOutput{TargetGroups: []types.TargetGroup{m.renderTargetGroup(tg)}}, nil
}

// healthCheckOf applies defaults to the health check settings of in and
// validates them.
func healthCheckOf(in *elb.CreateTargetGroupInput) (healthCheck, error) {
	hc := healthCheck{
		enabled:   in.HealthCheckEnabled == nil || *in.HealthCheckEnabled,
		protocol:  in.HealthCheckProtocol,
		port:      deref(in.HealthCheckPort),
		path:      deref(in.HealthCheckPath),
		interval:  deref(in.HealthCheckIntervalSeconds),
		timeout:   deref(in.HealthCheckTimeoutSeconds),
		healthy:   deref(in.HealthyThresholdCount),
		unhealthy: deref(in.UnhealthyThresholdCount),
	}
	if in.Matcher != nil {
		hc.matcher = deref(in.Matcher.HttpCode)
	}
	setDefault(&hc.protocol, types.ProtocolEnumHttp)
	setDefault(&hc.port, defaultHealthPort)
	setDefault(&hc.path, defaultHealthPath)
	setDefault(&hc.interval, defaultHealthInterval)
	setDefault(&hc.timeout, defaultHealthTimeout)
	setDefault(&hc.healthy, defaultHealthyCount)
	setDefault(&hc.unhealthy, defaultUnhealthyCount)
	setDefault(&hc.matcher, defaultMatcher)
	switch {
	case !strings.HasPrefix(hc.path, "/") || len(hc.path) > maxHealthCheckPathLen:
		return hc, errValidation("Health check path '%s' must begin with '/' and be at most %d characters", hc.path, maxHealthCheckPathLen)
	case hc.interval < minHealthInterval || hc.interval > maxHealthInterval:
		return hc, errValidation("Health check interval must be from %d to %d seconds", minHealthInterval, maxHealthInterval)
	case hc.timeout < minHealthTimeout || hc.timeout > maxHealthTimeout:
		return hc, errValidation("Health check timeout must be from %d to %d seconds", minHealthTimeout, maxHealthTimeout)
	case hc.timeout >= hc.interval:
		return hc, errValidation("Health check timeout '%d' must be smaller than the interval '%d'", hc.timeout, hc.interval)
	case hc.healthy < minThreshold || hc.healthy > maxThreshold || hc.unhealthy < minThreshold || hc.unhealthy > maxThreshold:
		return hc, errValidation("Health check thresholds must be from %d to %d", minThreshold, maxThreshold)
	}
	return hc, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (m *Model) renderTargetGroup(tg *targetGroup) types.TargetGroup {
	return types.TargetGroup{
		HealthCheckEnabled:         ptr(tg.health.enabled),
		HealthCheckIntervalSeconds: ptr(tg.health.interval),
		HealthCheckPath:            ptr(tg.health.path),
		HealthCheckPort:            ptr(tg.health.port),
		HealthCheckProtocol:        tg.health.protocol,
		HealthCheckTimeoutSeconds:  ptr(tg.health.timeout),
		HealthyThresholdCount:      ptr(tg.health.healthy),
		UnhealthyThresholdCount:    ptr(tg.health.unhealthy),
		IpAddressType:              types.TargetGroupIpAddressTypeEnumIpv4,
		LoadBalancerArns:           m.loadBalancerARNsOf(tg.arn),
		Matcher:                    &types.Matcher{HttpCode: ptr(tg.health.matcher)},
		Port:                       ptr(tg.port),
		Protocol:                   tg.protocol,
		ProtocolVersion:            ptr("HTTP1"),
		TargetGroupArn:             ptr(tg.arn),
		TargetGroupName:            ptr(tg.name),
		TargetType:                 tg.targetType,
		VpcId:                      ptr(tg.vpcID),
	}
}

func (m *Model) describeTargetGroups(ctx context.Context, in *elb.DescribeTargetGroupsInput) (*elb.DescribeTargetGroupsOutput, error) {
	region := account.Region(ctx)
	filters := 0
	for _, set := range []bool{len(in.Names) > 0, len(in.TargetGroupArns) > 0, in.LoadBalancerArn != nil} {
		if set {
			filters++
		}
	}
	if filters > 1 {
		return nil, errValidation("Only one of Names, TargetGroupArns and LoadBalancerArn can be specified")
	}
	var found []*targetGroup
	inRegion := func(tg *targetGroup) bool { return tg.region == region }
	all := bySeq(m.tgs, func(tg *targetGroup) int { return tg.seq })
	switch {
	case len(in.Names) > 0:
		for _, name := range in.Names {
			i := slices.IndexFunc(all, func(tg *targetGroup) bool { return inRegion(tg) && tg.name == name })
			if i < 0 {
				return nil, &types.TargetGroupNotFoundException{Message: msg("One or more target groups not found")}
			}
			found = append(found, all[i])
		}
	case len(in.TargetGroupArns) > 0:
		for _, arn := range in.TargetGroupArns {
			tg, err := m.targetGroup(region, arn)
			if err != nil {
				return nil, err
			}
			found = append(found, tg)
		}
	case in.LoadBalancerArn != nil:
		if _, err := m.loadBalancer(region, *in.LoadBalancerArn); err != nil {
			return nil, err
		}
		for _, tg := range all {
			if slices.Contains(m.loadBalancerARNsOf(tg.arn), *in.LoadBalancerArn) {
				found = append(found, tg)
			}
		}
	default:
		for _, tg := range all {
			if inRegion(tg) {
				found = append(found, tg)
			}
		}
	}
	page, next, err := paginate(found, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elb.DescribeTargetGroupsOutput{NextMarker: next}
	for _, tg := range page {
		out.TargetGroups = append(out.TargetGroups, m.renderTargetGroup(tg))
	}
	return out, nil
}

// deleteTargetGroup answers DeleteTargetGroup, which refuses while a listener or rule forwards to the group
// (ResourceInUse; right after DeleteListener this is AWS's eventual
// consistency, which callers retry). An unknown group is TargetGroupNotFound.
func (m *Model) deleteTargetGroup(ctx context.Context, in *elb.DeleteTargetGroupInput) (*elb.DeleteTargetGroupOutput, error) {
	tg, err := m.targetGroup(account.Region(ctx), deref(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	if len(m.usesOf(tg.arn)) > 0 || m.w.Now().Before(tg.inUseUntil) {
		return nil, &types.ResourceInUseException{Message: msg("Target group '%s' is currently in use by a listener or a rule", tg.arn)}
	}
	delete(m.tgs, tg.arn)
	return &elb.DeleteTargetGroupOutput{}, nil
}

// registerTargets answers RegisterTargets, which accepts only running instances in the group's VPC.
// Registering a registered target again changes nothing.
func (m *Model) registerTargets(ctx context.Context, in *elb.RegisterTargetsInput) (*elb.RegisterTargetsOutput, error) {
	tg, err := m.targetGroup(account.Region(ctx), deref(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	var add []*target
	for _, td := range in.Targets {
		id := deref(td.Id)
		inst, ok := m.w.Network.Instance(id)
		if !ok {
			return nil, &types.InvalidTargetException{Message: msg("The following targets are not valid instances: '%s'", id)}
		}
		if inst.State != instanceRunningState {
			return nil, &types.InvalidTargetException{Message: msg("The following targets are not in a running state and cannot be registered: '%s'", id)}
		}
		if s, ok := m.w.Network.Subnet(inst.SubnetID); !ok || s.VPCID != tg.vpcID {
			return nil, &types.InvalidTargetException{Message: msg("The following targets are not in the target group's VPC '%s': '%s'", tg.vpcID, id)}
		}
		port := tg.port
		if td.Port != nil {
			port = *td.Port
		}
		add = append(add, &target{id: id, port: port, registered: m.w.Now()})
	}
	for _, t := range add {
		if _, ok := tg.targets[t.id]; !ok {
			tg.targets[t.id] = t
		}
	}
	return &elb.RegisterTargetsOutput{}, nil
}

// deregisterTargets answers DeregisterTargets, which removes targets at once (connection draining is not
// modeled); a target that is not registered is InvalidTarget.
func (m *Model) deregisterTargets(ctx context.Context, in *elb.DeregisterTargetsInput) (*elb.DeregisterTargetsOutput, error) {
	tg, err := m.targetGroup(account.Region(ctx), deref(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	for _, td := range in.Targets {
		if _, ok := tg.targets[deref(td.Id)]; !ok {
			return nil, &types.InvalidTargetException{Message: msg("The following targets are not registered in target group '%s': '%s'", tg.arn, deref(td.Id))}
		}
	}
	for _, td := range in.Targets {
		delete(tg.targets, deref(td.Id))
	}
	return &elb.DeregisterTargetsOutput{}, nil
}

func (m *Model) describeTargetHealth(ctx context.Context, in *elb.DescribeTargetHealthInput) (*elb.DescribeTargetHealthOutput, error) {
	tg, err := m.targetGroup(account.Region(ctx), deref(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	now := m.w.Now()
	out := &elb.DescribeTargetHealthOutput{}
	describe := func(t *target, health types.TargetHealth) {
		td := &types.TargetDescription{Id: ptr(t.id), Port: ptr(t.port)}
		if inst, ok := m.w.Network.Instance(t.id); ok {
			if s, ok := m.w.Network.Subnet(inst.SubnetID); ok {
				td.AvailabilityZone = ptr(s.AvailabilityZone)
			}
		}
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, types.TargetHealthDescription{
			Target: td, HealthCheckPort: ptr(fmt.Sprint(t.port)), TargetHealth: &health,
		})
	}
	if len(in.Targets) == 0 {
		for _, id := range slices.Sorted(maps.Keys(tg.targets)) {
			describe(tg.targets[id], m.health(tg, tg.targets[id], now))
		}
		return out, nil
	}
	for _, td := range in.Targets {
		if t, ok := tg.targets[deref(td.Id)]; ok {
			describe(t, m.health(tg, t, now))
			continue
		}
		port := tg.port
		if td.Port != nil {
			port = *td.Port
		}
		describe(&target{id: deref(td.Id), port: port},
			targetHealth(types.TargetHealthStateEnumUnused, types.TargetHealthReasonEnumNotRegistered, descNotRegistered))
	}
	return out, nil
}
