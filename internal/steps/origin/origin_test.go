package origin_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/steps/origin"
)

// rules answers DescribeRules with fixed pages.
type rules struct {
	pages [][]types.Rule
	err   error
}

func (r rules) DescribeRules(_ context.Context, in *elb.DescribeRulesInput, _ ...func(*elb.Options)) (*elb.DescribeRulesOutput, error) {
	if r.err != nil {
		return nil, r.err
	}
	i := 0
	if in.Marker != nil {
		i = int(aws.ToString(in.Marker)[0] - '0')
	}
	out := &elb.DescribeRulesOutput{Rules: r.pages[i]}
	if i+1 < len(r.pages) {
		out.NextMarker = aws.String(string(rune('0' + i + 1)))
	}
	return out, nil
}

func TestNewConditionRequiresTheHeaderWithAFreshSecret(t *testing.T) {
	a, b := origin.NewCondition(), origin.NewCondition()
	assert.Equal(t, "http-header", aws.ToString(a.Field))
	assert.Equal(t, origin.Header, aws.ToString(a.HttpHeaderConfig.HttpHeaderName))
	require.Len(t, a.HttpHeaderConfig.Values, 1)
	assert.Regexp(t, `^[0-9a-f]{64}$`, a.HttpHeaderConfig.Values[0], "256 bits, hex")
	assert.NotEqual(t, a.HttpHeaderConfig.Values, b.HttpHeaderConfig.Values)
}

func TestSecretReadsTheOriginRuleOnAnyPage(t *testing.T) {
	other := types.Rule{RuleArn: aws.String("r1"), Conditions: []types.RuleCondition{{
		Field: aws.String("path-pattern"), Values: []string{"/x"},
	}}}
	def := types.Rule{RuleArn: aws.String("default"), IsDefault: aws.Bool(true)}
	rule := types.Rule{RuleArn: aws.String("r2"), Conditions: []types.RuleCondition{{
		Field:            aws.String("http-header"),
		HttpHeaderConfig: &types.HttpHeaderConditionConfig{HttpHeaderName: aws.String("x-origin-verify"), Values: []string{"s3cr3t"}},
	}}}
	header, value, err := origin.Secret(context.Background(), rules{pages: [][]types.Rule{{def, other}, {rule}}}, "lis")
	require.NoError(t, err)
	assert.Equal(t, origin.Header, header)
	assert.Equal(t, "s3cr3t", value, "header names match case-insensitively, as HTTP's do")

	_, _, err = origin.Secret(context.Background(), rules{pages: [][]types.Rule{{def, other}}}, "lis")
	assert.ErrorIs(t, err, origin.ErrNoRule)

	boom := errors.New("boom")
	_, _, err = origin.Secret(context.Background(), rules{err: boom}, "lis")
	assert.ErrorIs(t, err, boom)
}
