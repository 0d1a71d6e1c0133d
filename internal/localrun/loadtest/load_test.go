package loadtest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/localrun/loadtest"
	"geusemaker/internal/sim/account"
)

// TestLoadScenarioKeepsDeploymentsApart starts 50 deployments of mixed
// tiers at once in one throttled account, a fifth failing late, then
// destroys them all: every one ends as planned, no call touches another
// deployment's (or a planted look-alike's) resources, the account ends as
// it began, and retries stay bounded.
func TestLoadScenarioKeepsDeploymentsApart(t *testing.T) {
	rep, err := loadtest.Load(context.Background(), loadtest.LoadConfig{})
	require.NoError(t, err)
	b, _ := json.MarshalIndent(rep, "", "  ")
	t.Logf("load report: %s", b)

	require.NoError(t, rep.Err())
	assert.Equal(t, 50, rep.Deployments)
	assert.Equal(t, 10, rep.Failing)
	assert.Positive(t, rep.Throttles, "50 deployments at once meet AWS's rate limits")
	assert.Positive(t, rep.SDKRetries, "the SDK retries throttled calls")
	// Bounds on the retry storm: per deployment (deploy and destroy), a few
	// dozen SDK retries and ASL retries, none near a runaway.
	assert.LessOrEqual(t, rep.SDKRetries, rep.Throttles, "every SDK retry follows a throttle")
	assert.LessOrEqual(t, rep.SDKRetries, 80*rep.Deployments)
	assert.LessOrEqual(t, rep.ASLRetries, 25*rep.Deployments)
	assert.LessOrEqual(t, rep.MaxASLRetries, 40, "no execution retries without end")
	assert.Less(t, rep.Duration, 2*rep.Solo, "the slowest healthy deployment (%s) against its solo time", rep.Slowest)
}

func TestLoadWithoutFailuresOrLimits(t *testing.T) {
	rep, err := loadtest.Load(context.Background(), loadtest.LoadConfig{
		Deployments: 6, FailEvery: -1, Account: []account.Option{account.WithRateLimits(nil)},
	})
	require.NoError(t, err)
	require.NoError(t, rep.Err())
	assert.Zero(t, rep.Failing)
	assert.Zero(t, rep.Throttles)
	assert.Zero(t, rep.SDKRetries)
	assert.Equal(t, rep.Solo, rep.Duration, "alone or beside others, an unthrottled deployment takes as long")
}

// created is a creation call of caller that returned out.
func created(caller string, out any) account.Call {
	return account.Call{Caller: caller, Service: "IAM", Operation: "CreateRole", Output: out}
}

func role(name string) *iam.CreateRoleOutput {
	return &iam.CreateRoleOutput{Role: &iamtypes.Role{RoleName: aws.String(name), Arn: aws.String("arn:aws:iam::1:role/" + name)}}
}

func TestTrespassesFindCallsOnAnotherDeploymentsResources(t *testing.T) {
	base := []account.Call{
		created("a", role("a-role")),
		created("b", role("b-role")),
		{Caller: "a", Service: "EC2", Operation: "CreateSecurityGroup", Output: &ec2.CreateSecurityGroupOutput{GroupId: aws.String("sg-1")}},
		// Both got the shared default VPC back: it is nobody's.
		{Caller: "a", Service: "EC2", Operation: "CreateSubnet", Output: map[string]string{"VpcId": "vpc-default"}},
		{Caller: "b", Service: "EC2", Operation: "CreateSubnet", Output: map[string]string{"VpcId": "vpc-default"}},
		{Caller: "b", Service: "CloudFront", Operation: "CreateDistribution", Output: &cloudfront.CreateDistributionOutput{ETag: aws.String("E2")}},
	}
	tests := []struct {
		name string
		call account.Call
		want int
	}{
		{"deleting its own role", account.Call{Caller: "a", Operation: "DeleteRole", Input: &iam.DeleteRoleInput{RoleName: aws.String("a-role")}}, 0},
		{"deleting another's role", account.Call{Caller: "a", Operation: "DeleteRole", Input: &iam.DeleteRoleInput{RoleName: aws.String("b-role")}}, 1},
		{"deleting another's group", account.Call{Caller: "b", Operation: "DeleteSecurityGroup", Input: &ec2.DeleteSecurityGroupInput{GroupId: aws.String("sg-1")}}, 1},
		{"reading another's role", account.Call{Caller: "a", Operation: "GetRole", Input: &iam.GetRoleInput{RoleName: aws.String("b-role")}}, 0},
		{"a shared parent", account.Call{Caller: "a", Operation: "CreateSecurityGroup", Input: &ec2.CreateSecurityGroupInput{VpcId: aws.String("vpc-default")}}, 0},
		{"an ETag equal to nothing's id", account.Call{Caller: "a", Operation: "DeleteDistribution", Input: &cloudfront.DeleteDistributionInput{Id: aws.String("E1"), IfMatch: aws.String("E2")}}, 0},
		{"a call of nobody's", account.Call{Operation: "DeleteRole", Input: &iam.DeleteRoleInput{RoleName: aws.String("b-role")}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadtest.Trespasses(append(append([]account.Call(nil), base...), tt.call))
			assert.Len(t, got, tt.want, "%v", got)
		})
	}
}

func TestLoadReportErrListsEveryBrokenInvariant(t *testing.T) {
	assert.NoError(t, (&loadtest.LoadReport{}).Err())
	rep := &loadtest.LoadReport{
		Unexpected: []string{"lt-1: deploy FAILED"},
		Trespasses: []string{"lt-2 IAM.DeleteRole named lt-3-role of lt-3"},
		Leftovers:  []account.Resource{{Service: "EC2", Type: "instance", ID: "i-1"}},
		Disturbed:  []string{"EC2 security-group sg-9 deleted"},
	}
	err := rep.Err()
	require.Error(t, err)
	for _, want := range []string{"lt-1: deploy FAILED", "lt-3-role", "left over: EC2 instance i-1", "sg-9 deleted"} {
		assert.ErrorContains(t, err, want)
	}
}
