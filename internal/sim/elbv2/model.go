// Package elbv2 simulates Elastic Load Balancing v2 as GeuseMaker uses it:
// internet-facing application load balancers with their provisioning
// lifecycle and network interfaces, target groups with health checks driven
// by the instances' workload, HTTP listeners, header-matching listener rules,
// attributes and tags.
//
// Subnets, security groups, internet gateways, network interfaces and
// instances belong to the simulated EC2; this package reaches them only
// through account.Network. It imports account and the SDK's ELBv2 types; never
// another service model, steps or engine.
package elbv2

import (
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

// Latency names (account.WithLatency) and their defaults.
const (
	// LatencyProvision is how long a load balancer stays provisioning
	// before it turns active. About 3 min in public measurements
	// (docs/architecture.md, Latencies); AWS documents no bound and it
	// can reach 30 min.
	LatencyProvision = "elbv2.provision"
	defaultProvision = 180 * time.Second

	// LatencyENIRelease is how long a deleted load balancer's network
	// interfaces outlive it: "some minutes" (hashicorp/terraform#3758,
	// moved to terraform-provider-aws#40, which retries the group delete
	// for up to 15 min; kubernetes-sigs/aws-load-balancer-controller#208
	// saw about one). While they linger, EC2 refuses to delete their
	// security groups with DependencyViolation and, the ALB being
	// internet-facing, to detach the VPC's internet gateway (mapped public
	// addresses): the reasons a teardown retries both.
	LatencyENIRelease = "elbv2.eni_release"

	// WindowTargetGroupInUse names how long a target group stays "in use"
	// (DeleteTargetGroup: ResourceInUse) after the listener or rule that
	// forwarded to it is deleted, its load balancer's deletion included:
	// a account.Window drawn in [1 s, 10 s]. terraform-provider-aws retries
	// this delete on "is currently in use by a listener or a rule" for
	// 2 minutes (internal/service/elbv2/target_group.go); the figure is an
	// assumption.
	WindowTargetGroupInUse = "elbv2.target_group_in_use"
	windowInUseMin         = time.Second
	windowInUseMax         = 10 * time.Second
	defaultENIRelease      = 3 * time.Minute
)

// Defaults returns every latency of the simulated ELBv2 by name, with its
// default (for benchmarks that compute critical paths from them).
func Defaults() map[string]time.Duration {
	return map[string]time.Duration{LatencyProvision: defaultProvision, LatencyENIRelease: defaultENIRelease, WindowTargetGroupInUse: windowInUseMax}
}

// Resource kinds: the ARN resource-type segments.
const (
	kindLoadBalancer = "loadbalancer"
	kindTargetGroup  = "targetgroup"
	kindListener     = "listener"
	kindRule         = "listener-rule"
)

// Model is the simulated ELBv2 of one account, all regions. Its state is
// guarded by the account's lock: every method runs inside an operation or
// under Account.Do.
type Model struct {
	w         *account.Account
	ops       map[string]account.Handler
	seq       int
	lbs       map[string]*loadBalancer
	tgs       map[string]*targetGroup
	listeners map[string]*listener
	rules     map[string]*rule
	// releases are network interfaces of deleted load balancers, due for
	// deletion in EC2 at their time.
	releases []release
	// Probe is the HTTP status a target's workload answers a health check
	// request with (0: no answer), set by the sim facade from the
	// simulated instance; nil keeps the workload's up time alone.
	Probe func(instanceID string, port int32, path string) int
	// HeldBy names what outside ELBv2 still points at a load balancer (a
	// CloudFront VPC origin), "" when nothing does; set by the sim facade.
	HeldBy func(arn string) string
}

// LoadBalancer is a load balancer as other services read it, by ARN in any
// region (CloudFront's VPC origins name one). Callers hold the account's lock.
func (m *Model) LoadBalancer(arn string) (account.LoadBalancer, bool) {
	lb, ok := m.lbs[arn]
	if !ok {
		return account.LoadBalancer{}, false
	}
	return account.LoadBalancer{
		ARN: lb.arn, Region: lb.region, VPCID: lb.vpcID, Subnets: subnetIDs(lb.subnets),
		Internal: lb.scheme == types.LoadBalancerSchemeEnumInternal,
		Active:   lb.state(m.w.Now()) == types.LoadBalancerStateEnumActive,
	}, true
}

type release struct {
	eni string
	at  time.Time
}

type loadBalancer struct {
	seq     int
	arn     string
	id      string
	name    string
	region  string
	dnsName string
	vpcID   string
	scheme  types.LoadBalancerSchemeEnum
	subnets []account.Subnet
	groups  []string
	created time.Time
	// activeAt is when provisioning ends; zero means never (an
	// internet-facing load balancer in a VPC without an internet gateway).
	activeAt time.Time
	enis     []string
	tags     tagSet
	attrs    map[string]string
}

// state is the load balancer's lifecycle state at now.
func (lb *loadBalancer) state(now time.Time) types.LoadBalancerStateEnum {
	if lb.activeAt.IsZero() || now.Before(lb.activeAt) {
		return types.LoadBalancerStateEnumProvisioning
	}
	return types.LoadBalancerStateEnumActive
}

type targetGroup struct {
	seq        int
	arn        string
	name       string
	region     string
	vpcID      string
	protocol   types.ProtocolEnum
	port       int32
	targetType types.TargetTypeEnum
	health     healthCheck
	targets    map[string]*target
	tags       tagSet
	// inUseUntil is when ELBv2 stops seeing the listener or rule that
	// forwarded to the group, deleted a moment ago (WindowTargetGroupInUse).
	inUseUntil time.Time
}

// healthCheck is a target group's health check settings, comparable so
// that a repeated CreateTargetGroup can be recognized.
type healthCheck struct {
	enabled   bool
	protocol  types.ProtocolEnum
	port      string
	path      string
	interval  int32
	timeout   int32
	healthy   int32
	unhealthy int32
	matcher   string
}

type target struct {
	id         string
	port       int32
	registered time.Time
}

type listener struct {
	seq      int
	arn      string
	lbARN    string
	port     int32
	protocol types.ProtocolEnum
	actions  []action
	created  time.Time
	// defaultRuleARN names the listener's default rule, which carries
	// its default actions.
	defaultRuleARN string
	tags           tagSet
}

type rule struct {
	seq         int
	arn         string
	listenerARN string
	priority    int32
	conditions  []condition
	actions     []action
	created     time.Time
	tags        tagSet
}

// Register adds the simulated ELBv2 to w and returns it.
func Register(w *account.Account) *Model {
	m := &Model{
		w:         w,
		lbs:       map[string]*loadBalancer{},
		tgs:       map[string]*targetGroup{},
		listeners: map[string]*listener{},
		rules:     map[string]*rule{},
	}
	m.ops = m.operations()
	w.Register(m)
	return m
}

// ServiceID is the SDK's service id, "Elastic Load Balancing v2".
func (m *Model) ServiceID() string { return elb.ServiceID }

// Operations maps the modeled operations to their handlers.
func (m *Model) Operations() map[string]account.Handler { return m.ops }

// Settle deletes, in EC2, the network interfaces of deleted load balancers
// whose linger time has passed by now. The account settles before every call
// of any service (account.Settler), so a security group delete in EC2 sees
// the interfaces gone on time.
func (m *Model) Settle(now time.Time) {
	kept := m.releases[:0]
	for _, r := range m.releases {
		if now.Before(r.at) {
			kept = append(kept, r)
			continue
		}
		m.w.Network.DeleteNetworkInterface(r.eni)
	}
	m.releases = kept
}

// Inventory lists the live load balancers, target groups, listeners and
// non-default rules.
func (m *Model) Inventory(now time.Time) []account.Resource {
	var out []account.Resource
	add := func(typ, arn, state, region string, tags tagSet) {
		out = append(out, account.Resource{
			Service: elb.ServiceID, Type: typ, ID: arn, State: state,
			Region: region, Tags: maps.Clone(tags),
		})
	}
	for _, lb := range m.lbs {
		add("load-balancer", lb.arn, string(lb.state(now)), lb.region, lb.tags)
	}
	for _, tg := range m.tgs {
		add("target-group", tg.arn, "", tg.region, tg.tags)
	}
	for _, l := range m.listeners {
		add("listener", l.arn, "", m.lbs[l.lbARN].region, l.tags)
	}
	for _, r := range m.rules {
		add("listener-rule", r.arn, "", m.regionOfListener(r.listenerARN), r.tags)
	}
	return out
}

func (m *Model) regionOfListener(arn string) string {
	return m.lbs[m.listeners[arn].lbARN].region
}

// next returns the next sequence number, which orders resources by creation
// and makes their ids deterministic.
func (m *Model) next() int {
	m.seq++
	return m.seq
}

// arn builds an ELBv2 ARN for a resource path such as "loadbalancer/app/x/id".
func arn(region, path string) string {
	return fmt.Sprintf("arn:%s:elasticloadbalancing:%s:%s:%s", account.PartitionOf(region), region, account.AccountID, path)
}

// hexID is a 16-hex-digit resource id, the shape ELBv2 uses in ARNs.
func hexID(n int) string { return fmt.Sprintf("%016x", 0x5a1b000000000000+n) }

// bySeq returns the values of m ordered by creation.
func bySeq[T any](m map[string]*T, seq func(*T) int) []*T {
	out := slices.Collect(maps.Values(m))
	sort.Slice(out, func(i, j int) bool { return seq(out[i]) < seq(out[j]) })
	return out
}

// loadBalancer returns the load balancer arn names in region.
func (m *Model) loadBalancer(region, arn string) (*loadBalancer, error) {
	if lb, ok := m.lbs[arn]; ok && lb.region == region {
		return lb, nil
	}
	return nil, errLoadBalancerNotFound(arn)
}

func (m *Model) targetGroup(region, arn string) (*targetGroup, error) {
	if tg, ok := m.tgs[arn]; ok && tg.region == region {
		return tg, nil
	}
	return nil, errTargetGroupNotFound(arn)
}

func (m *Model) listener(region, arn string) (*listener, error) {
	if l, ok := m.listeners[arn]; ok && m.lbs[l.lbARN].region == region {
		return l, nil
	}
	return nil, errListenerNotFound(arn)
}

// tagsOf returns the tag set of the resource arn names, of any kind.
func (m *Model) tagsOf(region, arn string) (tagSet, error) {
	if lb, ok := m.lbs[arn]; ok && lb.region == region {
		return lb.tags, nil
	}
	if tg, ok := m.tgs[arn]; ok && tg.region == region {
		return tg.tags, nil
	}
	if l, ok := m.listeners[arn]; ok && m.lbs[l.lbARN].region == region {
		return l.tags, nil
	}
	if r, ok := m.rules[arn]; ok && m.regionOfListener(r.listenerARN) == region {
		return r.tags, nil
	}
	return nil, errNotFound(arn)
}

// use is one listener or rule forwarding to a target group.
type use struct {
	lb      *loadBalancer
	created time.Time
}

// usesOf lists the listeners and rules that forward to the target group.
// releaseTargetGroups starts the in-use window of the groups actions
// forwarded to, their listener or rule just deleted.
func (m *Model) releaseTargetGroups(actions []action) {
	until := m.w.Now().Add(m.w.Window(WindowTargetGroupInUse, windowInUseMin, windowInUseMax))
	for _, a := range actions {
		for _, arn := range a.targetGroups {
			if tg, ok := m.tgs[arn]; ok && until.After(tg.inUseUntil) {
				tg.inUseUntil = until
			}
		}
	}
}

func (m *Model) usesOf(tgARN string) []use {
	var out []use
	for _, l := range m.listeners {
		if forwardsTo(l.actions, tgARN) {
			out = append(out, use{lb: m.lbs[l.lbARN], created: l.created})
		}
	}
	for _, r := range m.rules {
		if forwardsTo(r.actions, tgARN) {
			l := m.listeners[r.listenerARN]
			out = append(out, use{lb: m.lbs[l.lbARN], created: r.created})
		}
	}
	return out
}

// loadBalancerARNsOf lists the load balancers that route to the target group.
func (m *Model) loadBalancerARNsOf(tgARN string) []string {
	var out []string
	for _, u := range m.usesOf(tgARN) {
		if !slices.Contains(out, u.lb.arn) {
			out = append(out, u.lb.arn)
		}
	}
	sort.Strings(out)
	return out
}

// Target health reasons and descriptions, as ELBv2 reports them.
const (
	descNotInUse      = "Target group is not configured to receive traffic from the load balancer"
	descNotRegistered = "Target is not registered to the target group"
	descRegistration  = "Target registration is in progress"
	descInitial       = "Initial health checking in progress"
	descFailed        = "Health checks failed"
)

// health is a registered target's health at now. Health checks start once
// the target is registered and a listener or rule of an active load
// balancer forwards to its group. Before the instance's workload answers,
// the target stays initial for unhealthy-threshold intervals, then turns
// unhealthy; once the workload is up it turns healthy after
// healthy-threshold intervals.
func (m *Model) health(tg *targetGroup, t *target, now time.Time) types.TargetHealth {
	uses := m.usesOf(tg.arn)
	if len(uses) == 0 {
		return targetHealth(types.TargetHealthStateEnumUnused, types.TargetHealthReasonEnumNotInUse, descNotInUse)
	}
	inst, ok := m.w.Network.Instance(t.id)
	if !ok || inst.State != instanceRunningState {
		// AWS reports a stopped or terminated target as unused with
		// Target.InvalidState, not as unhealthy.
		state := "terminated"
		if ok {
			state = inst.State
		}
		return targetHealth(types.TargetHealthStateEnumUnused, types.TargetHealthReasonEnumInvalidState,
			fmt.Sprintf("Target is in the %s state", state))
	}
	var start time.Time
	for _, u := range uses {
		if u.lb.activeAt.IsZero() {
			continue
		}
		since := latest(u.created, u.lb.activeAt, t.registered)
		if start.IsZero() || since.Before(start) {
			start = since
		}
	}
	if start.IsZero() || now.Before(start) {
		return targetHealth(types.TargetHealthStateEnumInitial, types.TargetHealthReasonEnumRegistrationInProgress, descRegistration)
	}
	interval := time.Duration(tg.health.interval) * time.Second
	up := inst.WorkloadUpAt
	if !m.passes(tg, t, inst, uses, now) {
		up = time.Time{}
	}
	if !up.IsZero() && !now.Before(latest(start, up).Add(time.Duration(tg.health.healthy)*interval)) {
		return types.TargetHealth{State: types.TargetHealthStateEnumHealthy}
	}
	if !now.Before(start.Add(time.Duration(tg.health.unhealthy) * interval)) {
		return targetHealth(types.TargetHealthStateEnumUnhealthy, types.TargetHealthReasonEnumFailedHealthChecks, descFailed)
	}
	return targetHealth(types.TargetHealthStateEnumInitial, types.TargetHealthReasonEnumInitialHealthChecking, descInitial)
}

// passes tells whether the health check request gets through and is
// answered as the matcher wants: the target's security groups must admit
// a load balancer's nodes on the health check port ("Target security
// groups", ELB user guide: the targets' groups must allow the load
// balancer on both the listener and the health check port), and its
// workload must answer the path with a matching code. Without a Probe only
// the reachability counts.
func (m *Model) passes(tg *targetGroup, t *target, inst account.Instance, uses []use, now time.Time) bool {
	port := t.port
	if p, err := strconv.Atoi(tg.health.port); err == nil {
		port = int32(p)
	}
	reachable := false
	for _, u := range uses {
		src := account.Source{Groups: u.lb.groups}
		for _, s := range u.lb.subnets {
			src.CIDRs = append(src.CIDRs, s.CIDR)
		}
		if !u.lb.activeAt.IsZero() && !now.Before(u.lb.activeAt) && m.w.Network.Admits(inst.Groups, port, src) {
			reachable = true
		}
	}
	if !reachable {
		return false
	}
	if m.Probe == nil || inst.WorkloadUpAt.IsZero() || now.Before(inst.WorkloadUpAt) {
		// Nothing answers before the workload is up; the caller's up time
		// already says so.
		return true
	}
	return matchesCode(tg.health.matcher, m.Probe(t.id, port, tg.health.path))
}

// matchesCode evaluates a matcher: codes, ranges and lists ("200",
// "200-299", "200,302").
func matchesCode(matcher string, code int) bool {
	for _, part := range strings.Split(matcher, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		from, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		to := from
		if isRange {
			if to, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		if from <= code && code <= to {
			return true
		}
	}
	return false
}

func targetHealth(state types.TargetHealthStateEnum, reason types.TargetHealthReasonEnum, desc string) types.TargetHealth {
	return types.TargetHealth{State: state, Reason: reason, Description: &desc}
}

func latest(ts ...time.Time) time.Time {
	out := ts[0]
	for _, t := range ts[1:] {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// maxTags is ELBv2's limit of tags per resource.
const maxTags = 50

// tagSet is a resource's tags.
type tagSet map[string]string

// add merges tags, rejecting a key given twice in one call and more than
// maxTags tags on the resource.
func (s tagSet) add(tags []types.Tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		k := deref(t.Key)
		if seen[k] {
			return &types.DuplicateTagKeysException{Message: msg("Tag key '%s' is duplicated", k)}
		}
		seen[k] = true
	}
	merged := maps.Clone(s)
	for _, t := range tags {
		merged[deref(t.Key)] = deref(t.Value)
	}
	if len(merged) > maxTags {
		return &types.TooManyTagsException{Message: msg("A resource can have at most %d tags", maxTags)}
	}
	maps.Copy(s, merged)
	return nil
}

// render returns the tags sorted by key.
func (s tagSet) render() []types.Tag {
	out := make([]types.Tag, 0, len(s))
	for _, k := range slices.Sorted(maps.Keys(s)) {
		out = append(out, types.Tag{Key: ptr(k), Value: ptr(s[k])})
	}
	return out
}

// newTags builds the tag set of a resource being created.
func newTags(tags []types.Tag) (tagSet, error) {
	s := tagSet{}
	return s, s.add(tags)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// validName checks a load balancer or target group name: at most 32
// alphanumerics and hyphens, not starting or ending with a hyphen.
func validName(kind, name string) error {
	switch {
	case name == "" || len(name) > maxNameLen:
		return errValidation("%s name '%s' must be 1 to %d characters long", kind, name, maxNameLen)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return errValidation("%s name '%s' cannot begin or end with a hyphen", kind, name)
	case strings.TrimFunc(name, isNameRune) != "":
		return errValidation("%s name '%s' can contain only alphanumeric characters and hyphens", kind, name)
	}
	return nil
}

// maxNameLen is ELBv2's limit on load balancer and target group names.
const maxNameLen = 32

func isNameRune(r rune) bool {
	return r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
