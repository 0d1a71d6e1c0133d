package elbv2

import (
	"regexp"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// action is a validated listener or rule action. Only the terminal
// actions GeuseMaker uses are modeled: forward and fixed-response.
type action struct {
	typ          types.ActionTypeEnum
	targetGroups []string
	fixed        types.FixedResponseActionConfig
}

// fixedStatus and fixedContentTypes are what ELBv2 accepts in a
// fixed-response action.
var (
	fixedStatus       = regexp.MustCompile(`^[245]\d\d$`)
	fixedContentTypes = []string{"text/plain", "text/css", "text/html", "application/javascript", "application/json"}
)

// maxFixedBody is ELBv2's limit on a fixed-response message body.
const maxFixedBody = 1024

// parseActions validates actions for a listener or rule of lb.
func (m *Model) parseActions(lb *loadBalancer, in []types.Action) ([]action, error) {
	if len(in) != 1 {
		return nil, errValidation("exactly one action is modeled, got %d", len(in))
	}
	a := in[0]
	switch a.Type {
	case types.ActionTypeEnumForward:
		tgs, err := m.forwardTargets(lb, a)
		return []action{{typ: a.Type, targetGroups: tgs}}, err
	case types.ActionTypeEnumFixedResponse:
		cfg := deref(a.FixedResponseConfig)
		switch {
		case !fixedStatus.MatchString(deref(cfg.StatusCode)):
			return nil, errValidation("fixed-response status code '%s' must be 2XX, 4XX or 5XX", deref(cfg.StatusCode))
		case cfg.ContentType != nil && !slices.Contains(fixedContentTypes, *cfg.ContentType):
			return nil, errValidation("fixed-response content type '%s' is not supported", *cfg.ContentType)
		case len(deref(cfg.MessageBody)) > maxFixedBody:
			return nil, errValidation("fixed-response message body is longer than %d characters", maxFixedBody)
		}
		return []action{{typ: a.Type, fixed: types.FixedResponseActionConfig{
			StatusCode: cfg.StatusCode, ContentType: cfg.ContentType, MessageBody: cfg.MessageBody,
		}}}, nil
	}
	return nil, &types.InvalidLoadBalancerActionException{Message: msg("sim: action type '%s' is not modeled", a.Type)}
}

// forwardTargets returns the target groups a forward action names, each of
// which must exist in lb's VPC and route for no other load balancer (an
// application load balancer's target group serves one load balancer).
func (m *Model) forwardTargets(lb *loadBalancer, a types.Action) ([]string, error) {
	var arns []string
	if a.TargetGroupArn != nil {
		arns = append(arns, *a.TargetGroupArn)
	}
	if a.ForwardConfig != nil {
		for _, t := range a.ForwardConfig.TargetGroups {
			if arn := deref(t.TargetGroupArn); !slices.Contains(arns, arn) {
				arns = append(arns, arn)
			}
		}
	}
	if len(arns) == 0 {
		return nil, errValidation("a forward action must name a target group")
	}
	for _, arn := range arns {
		tg, err := m.targetGroup(lb.region, arn)
		if err != nil {
			return nil, err
		}
		if tg.vpcID != lb.vpcID {
			return nil, errValidation("target group '%s' is not in the VPC of load balancer '%s'", arn, lb.arn)
		}
		for _, other := range m.loadBalancerARNsOf(arn) {
			if other != lb.arn {
				return nil, &types.TargetGroupAssociationLimitException{
					Message: msg("The following target groups cannot be associated with more than one load balancer: %s", arn),
				}
			}
		}
	}
	return arns, nil
}

// forwardsTo reports whether actions forward to the target group.
func forwardsTo(actions []action, tgARN string) bool {
	for _, a := range actions {
		if slices.Contains(a.targetGroups, tgARN) {
			return true
		}
	}
	return false
}

// renderActions returns actions as ELBv2 describes them: a forward to one
// target group carries both TargetGroupArn and the equivalent ForwardConfig.
func renderActions(actions []action) []types.Action {
	out := make([]types.Action, 0, len(actions))
	for i, a := range actions {
		ta := types.Action{Type: a.typ, Order: ptr(int32(i + 1))}
		switch a.typ {
		case types.ActionTypeEnumForward:
			fc := &types.ForwardActionConfig{
				TargetGroupStickinessConfig: &types.TargetGroupStickinessConfig{Enabled: ptr(false)},
			}
			for _, arn := range a.targetGroups {
				fc.TargetGroups = append(fc.TargetGroups, types.TargetGroupTuple{TargetGroupArn: ptr(arn), Weight: ptr(int32(1))})
			}
			ta.ForwardConfig = fc
			if len(a.targetGroups) == 1 {
				ta.TargetGroupArn = ptr(a.targetGroups[0])
			}
		case types.ActionTypeEnumFixedResponse:
			fixed := a.fixed
			ta.FixedResponseConfig = &fixed
		}
		out = append(out, ta)
	}
	return out
}

// condition is a validated rule condition. Only the fields GeuseMaker could
// use are modeled: http-header, host-header and path-pattern.
type condition struct {
	field  string
	header string
	values []string
}

// Condition fields.
const (
	fieldHTTPHeader  = "http-header"
	fieldHostHeader  = "host-header"
	fieldPathPattern = "path-pattern"
)

// Limits ELBv2 puts on conditions.
const (
	maxHeaderNameLen  = 40
	maxConditionValue = 128
)

// headerName is an HTTP header token as ELBv2 accepts it.
var headerName = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")

func parseConditions(in []types.RuleCondition) ([]condition, error) {
	if len(in) == 0 {
		return nil, errValidation("a rule must have at least one condition")
	}
	out := make([]condition, 0, len(in))
	for _, c := range in {
		cond := condition{field: deref(c.Field)}
		switch cond.field {
		case fieldHTTPHeader:
			cfg := deref(c.HttpHeaderConfig)
			cond.header, cond.values = deref(cfg.HttpHeaderName), cfg.Values
			if !headerName.MatchString(cond.header) || len(cond.header) > maxHeaderNameLen {
				return nil, errValidation("http-header condition header name '%s' is not valid", cond.header)
			}
		case fieldHostHeader:
			cond.values = c.Values
			if c.HostHeaderConfig != nil {
				cond.values = c.HostHeaderConfig.Values
			}
		case fieldPathPattern:
			cond.values = c.Values
			if c.PathPatternConfig != nil {
				cond.values = c.PathPatternConfig.Values
			}
		default:
			return nil, errValidation("sim: condition field '%s' is not modeled", cond.field)
		}
		if len(cond.values) == 0 {
			return nil, errValidation("%s condition needs at least one value", cond.field)
		}
		for _, v := range cond.values {
			if len(v) > maxConditionValue {
				return nil, errValidation("%s condition value is longer than %d characters", cond.field, maxConditionValue)
			}
		}
		cond.values = slices.Clone(cond.values)
		out = append(out, cond)
	}
	return out, nil
}

func renderConditions(conds []condition) []types.RuleCondition {
	out := make([]types.RuleCondition, 0, len(conds))
	for _, c := range conds {
		rc := types.RuleCondition{Field: ptr(c.field)}
		values := slices.Clone(c.values)
		switch c.field {
		case fieldHTTPHeader:
			rc.HttpHeaderConfig = &types.HttpHeaderConditionConfig{HttpHeaderName: ptr(c.header), Values: values}
		case fieldHostHeader:
			rc.Values = values
			rc.HostHeaderConfig = &types.HostHeaderConditionConfig{Values: values}
		case fieldPathPattern:
			rc.Values = values
			rc.PathPatternConfig = &types.PathPatternConditionConfig{Values: values}
		}
		out = append(out, rc)
	}
	return out
}
