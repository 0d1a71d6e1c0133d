// Package origin is the origin-secret contract between the load balancer
// step, which writes the secret into a listener rule, and the CloudFront
// step, which reads it back into the distribution's custom origin header:
// requests that do not come through the deployment's distribution carry no
// secret and get the listener's 403. The secret never travels in the
// deployment document.
//
// It imports the SDK's ELBv2 client and types.
package origin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Header is the header CloudFront adds to every origin request and the
// listener rule requires.
const Header = "X-Origin-Verify"

// Priority is the origin rule's priority, the only rule on the listener.
const Priority = 1

// secretBytes is the secret's entropy: 256 bits, hex-encoded in the rule.
const secretBytes = 32

// conditionHTTPHeader is the rule condition field matching a request header.
const conditionHTTPHeader = "http-header"

// ErrNoRule says the listener has no rule matching Header.
var ErrNoRule = errors.New("no " + Header + " listener rule")

// NewCondition returns the rule condition requiring Header with a fresh
// random secret.
func NewCondition() types.RuleCondition {
	b := make([]byte, secretBytes)
	// crypto/rand.Read never returns an error (it crashes the program
	// instead when the OS has no randomness).
	_, _ = rand.Read(b)
	return types.RuleCondition{
		Field:            aws.String(conditionHTTPHeader),
		HttpHeaderConfig: &types.HttpHeaderConditionConfig{HttpHeaderName: aws.String(Header), Values: []string{hex.EncodeToString(b)}},
	}
}

// Secret reads the header's name and secret value back from the
// listener's origin rule.
func Secret(ctx context.Context, c elb.DescribeRulesAPIClient, listenerARN string) (header, value string, err error) {
	rule, err := Rule(ctx, c, listenerARN)
	if err != nil {
		return "", "", err
	}
	if rule == nil {
		return "", "", fmt.Errorf("listener %s: %w", listenerARN, ErrNoRule)
	}
	return Header, condition(*rule).Values[0], nil
}

// Rule returns the listener's origin rule, or nil when it has none.
func Rule(ctx context.Context, c elb.DescribeRulesAPIClient, listenerARN string) (*types.Rule, error) {
	p := elb.NewDescribeRulesPaginator(c, &elb.DescribeRulesInput{ListenerArn: aws.String(listenerARN)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe rules of listener %s: %w", listenerARN, err)
		}
		for _, r := range out.Rules {
			if !aws.ToBool(r.IsDefault) && condition(r) != nil {
				return &r, nil
			}
		}
	}
	return nil, nil
}

// condition returns the rule's condition on Header with one value, or nil.
func condition(r types.Rule) *types.HttpHeaderConditionConfig {
	for _, c := range r.Conditions {
		h := c.HttpHeaderConfig
		if aws.ToString(c.Field) == conditionHTTPHeader && h != nil &&
			strings.EqualFold(aws.ToString(h.HttpHeaderName), Header) && len(h.Values) == 1 {
			return h
		}
	}
	return nil
}
