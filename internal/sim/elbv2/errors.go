package elbv2

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/sim/account"
)

// Errors are the SDK's modeled types (types.<Code>Exception), built inline
// as &types.XException{Message: msg(...)} so that errors.As in step code
// behaves as against AWS. ValidationError, ELBv2's code for malformed
// parameters, has no type and goes through account.APIError.

// codeValidation is the code ELBv2 answers malformed parameters with.
const codeValidation = "ValidationError"

// msg formats an error message the way the SDK's error types hold it.
func msg(format string, args ...any) *string { return aws.String(fmt.Sprintf(format, args...)) }

func errValidation(format string, args ...any) error {
	return account.APIError(codeValidation, fmt.Sprintf(format, args...))
}

func errLoadBalancerNotFound(arn string) error {
	return &types.LoadBalancerNotFoundException{Message: msg("Load balancer '%s' not found", arn)}
}

func errTargetGroupNotFound(arn string) error {
	return &types.TargetGroupNotFoundException{Message: msg("Target group '%s' not found", arn)}
}

func errListenerNotFound(arn string) error {
	return &types.ListenerNotFoundException{Message: msg("Listener '%s' not found", arn)}
}

func errRuleNotFound(arn string) error {
	return &types.RuleNotFoundException{Message: msg("Rule '%s' not found", arn)}
}

// errNotFound is the not-found error of whatever kind of resource arn names,
// as the tagging operations answer for an unknown ARN.
func errNotFound(arn string) error {
	switch {
	case strings.Contains(arn, ":"+kindLoadBalancer+"/"):
		return errLoadBalancerNotFound(arn)
	case strings.Contains(arn, ":"+kindTargetGroup+"/"):
		return errTargetGroupNotFound(arn)
	case strings.Contains(arn, ":"+kindRule+"/"):
		return errRuleNotFound(arn)
	case strings.Contains(arn, ":"+kindListener+"/"):
		return errListenerNotFound(arn)
	}
	return errValidation("'%s' is not a valid Elastic Load Balancing ARN", arn)
}
