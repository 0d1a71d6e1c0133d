package elbv2

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/sim/account"
)

// Rule priorities ELBv2 accepts, and how the default rule shows its own.
const (
	minPriority     = 1
	maxPriority     = 50000
	defaultPriority = "default"
)

func (m *Model) createListener(ctx context.Context, in *elb.CreateListenerInput) (*elb.CreateListenerOutput, error) {
	lb, err := m.loadBalancer(account.Region(ctx), deref(in.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	protocol := in.Protocol
	if protocol == "" {
		protocol = types.ProtocolEnumHttp
	}
	port := deref(in.Port)
	switch {
	case protocol != types.ProtocolEnumHttp:
		return nil, errValidation("sim: listener protocol '%s' is not modeled", protocol)
	case port < 1 || port > maxPort:
		return nil, errValidation("Port %d is not between 1 and %d", port, maxPort)
	}
	actions, err := m.parseActions(lb, in.DefaultActions)
	if err != nil {
		return nil, err
	}
	for _, l := range m.listeners {
		if l.lbARN != lb.arn || l.port != port {
			continue
		}
		// CreateListener is idempotent: the same port with the same
		// settings returns the existing listener.
		if l.protocol == protocol && reflect.DeepEqual(l.actions, actions) {
			return &elb.CreateListenerOutput{Listeners: []types.Listener{l.render()}}, nil
		}
		return nil, &types.DuplicateListenerException{Message: msg("A listener already exists on port %d of load balancer '%s'", port, lb.arn)}
	}
	tags, err := newTags(in.Tags)
	if err != nil {
		return nil, err
	}
	seq := m.next()
	path := fmt.Sprintf("app/%s/%s/%s", lb.name, lb.id, hexID(seq))
	l := &listener{
		seq: seq, lbARN: lb.arn, port: port, protocol: protocol, actions: actions,
		arn:            arn(lb.region, kindListener+"/"+path),
		defaultRuleARN: arn(lb.region, fmt.Sprintf("%s/%s/%s", kindRule, path, hexID(m.next()))),
		created:        m.w.Now(), tags: tags,
	}
	m.listeners[l.arn] = l
	return &elb.CreateListenerOutput{Listeners: []types.Listener{l.render()}}, nil
}

func (l *listener) render() types.Listener {
	return types.Listener{
		DefaultActions:  renderActions(l.actions),
		ListenerArn:     ptr(l.arn),
		LoadBalancerArn: ptr(l.lbARN),
		Port:            ptr(l.port),
		Protocol:        l.protocol,
	}
}

func (m *Model) describeListeners(ctx context.Context, in *elb.DescribeListenersInput) (*elb.DescribeListenersOutput, error) {
	region := account.Region(ctx)
	var found []*listener
	switch {
	case len(in.ListenerArns) > 0 && in.LoadBalancerArn != nil:
		return nil, errValidation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
	case len(in.ListenerArns) > 0:
		for _, arn := range in.ListenerArns {
			l, err := m.listener(region, arn)
			if err != nil {
				return nil, err
			}
			found = append(found, l)
		}
	case in.LoadBalancerArn != nil:
		lb, err := m.loadBalancer(region, *in.LoadBalancerArn)
		if err != nil {
			return nil, err
		}
		for _, l := range bySeq(m.listeners, func(l *listener) int { return l.seq }) {
			if l.lbARN == lb.arn {
				found = append(found, l)
			}
		}
	default:
		return nil, errValidation("You must specify either listener ARNs or a load balancer ARN")
	}
	page, next, err := paginate(found, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elb.DescribeListenersOutput{NextMarker: next}
	for _, l := range page {
		out.Listeners = append(out.Listeners, l.render())
	}
	return out, nil
}

func (m *Model) deleteListener(ctx context.Context, in *elb.DeleteListenerInput) (*elb.DeleteListenerOutput, error) {
	l, err := m.listener(account.Region(ctx), deref(in.ListenerArn))
	if err != nil {
		return nil, err
	}
	m.removeListener(l)
	return &elb.DeleteListenerOutput{}, nil
}

// removeListener deletes a listener with its rules.
func (m *Model) removeListener(l *listener) {
	for _, r := range m.rules {
		if r.listenerARN == l.arn {
			m.releaseTargetGroups(r.actions)
			delete(m.rules, r.arn)
		}
	}
	m.releaseTargetGroups(l.actions)
	delete(m.listeners, l.arn)
}

func (m *Model) createRule(ctx context.Context, in *elb.CreateRuleInput) (*elb.CreateRuleOutput, error) {
	l, err := m.listener(account.Region(ctx), deref(in.ListenerArn))
	if err != nil {
		return nil, err
	}
	priority := deref(in.Priority)
	if priority < minPriority || priority > maxPriority {
		return nil, errValidation("Priority %d is not between %d and %d", priority, minPriority, maxPriority)
	}
	for _, r := range m.rules {
		if r.listenerARN == l.arn && r.priority == priority {
			return nil, &types.PriorityInUseException{Message: msg("Priority '%d' is currently in use", priority)}
		}
	}
	conds, err := parseConditions(in.Conditions)
	if err != nil {
		return nil, err
	}
	actions, err := m.parseActions(m.lbs[l.lbARN], in.Actions)
	if err != nil {
		return nil, err
	}
	tags, err := newTags(in.Tags)
	if err != nil {
		return nil, err
	}
	seq := m.next()
	listenerPath := strings.SplitN(l.arn, ":"+kindListener+"/", 2)[1]
	r := &rule{
		seq: seq, listenerARN: l.arn, priority: priority, conditions: conds, actions: actions,
		arn:     arn(m.lbs[l.lbARN].region, fmt.Sprintf("%s/%s/%s", kindRule, listenerPath, hexID(seq))),
		created: m.w.Now(), tags: tags,
	}
	m.rules[r.arn] = r
	return &elb.CreateRuleOutput{Rules: []types.Rule{r.render()}}, nil
}

func (r *rule) render() types.Rule {
	return types.Rule{
		Actions:    renderActions(r.actions),
		Conditions: renderConditions(r.conditions),
		IsDefault:  ptr(false),
		Priority:   ptr(strconv.Itoa(int(r.priority))),
		RuleArn:    ptr(r.arn),
	}
}

// defaultRule renders a listener's default rule: its default actions, no
// conditions, priority "default".
func (l *listener) defaultRule() types.Rule {
	return types.Rule{
		Actions:    renderActions(l.actions),
		Conditions: []types.RuleCondition{},
		IsDefault:  ptr(true),
		Priority:   ptr(defaultPriority),
		RuleArn:    ptr(l.defaultRuleARN),
	}
}

// describeRules lists a listener's rules by priority, the default rule
// last, or the rules named by ARN.
func (m *Model) describeRules(ctx context.Context, in *elb.DescribeRulesInput) (*elb.DescribeRulesOutput, error) {
	region := account.Region(ctx)
	var found []types.Rule
	switch {
	case in.ListenerArn != nil && len(in.RuleArns) > 0:
		return nil, errValidation("A listener ARN and rule ARNs cannot be specified at the same time")
	case in.ListenerArn != nil:
		l, err := m.listener(region, *in.ListenerArn)
		if err != nil {
			return nil, err
		}
		var rules []*rule
		for _, r := range m.rules {
			if r.listenerARN == l.arn {
				rules = append(rules, r)
			}
		}
		sort.Slice(rules, func(i, j int) bool { return rules[i].priority < rules[j].priority })
		for _, r := range rules {
			found = append(found, r.render())
		}
		found = append(found, l.defaultRule())
	case len(in.RuleArns) > 0:
		for _, arn := range in.RuleArns {
			r, err := m.ruleByARN(region, arn)
			if err != nil {
				return nil, err
			}
			found = append(found, r)
		}
	default:
		return nil, errValidation("You must specify either a listener ARN or rule ARNs")
	}
	page, next, err := paginate(found, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	return &elb.DescribeRulesOutput{Rules: page, NextMarker: next}, nil
}

// ruleByARN renders the rule arn names, a listener's default rule included.
func (m *Model) ruleByARN(region, arn string) (types.Rule, error) {
	if r, ok := m.rules[arn]; ok && m.regionOfListener(r.listenerARN) == region {
		return r.render(), nil
	}
	for _, l := range m.listeners {
		if l.defaultRuleARN == arn && m.lbs[l.lbARN].region == region {
			return l.defaultRule(), nil
		}
	}
	return types.Rule{}, errRuleNotFound(arn)
}

func (m *Model) deleteRule(ctx context.Context, in *elb.DeleteRuleInput) (*elb.DeleteRuleOutput, error) {
	region, ruleARN := account.Region(ctx), deref(in.RuleArn)
	r, ok := m.rules[ruleARN]
	if ok && m.regionOfListener(r.listenerARN) == region {
		m.releaseTargetGroups(r.actions)
		delete(m.rules, r.arn)
		return &elb.DeleteRuleOutput{}, nil
	}
	if _, err := m.ruleByARN(region, ruleARN); err != nil {
		return nil, err
	}
	return nil, &types.OperationNotPermittedException{Message: msg("Default rule '%s' cannot be deleted", ruleARN)}
}
