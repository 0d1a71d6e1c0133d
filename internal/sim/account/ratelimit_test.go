package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/sim"
	"geusemaker/internal/sim/account"
)

// ssmLimit throttles the test service (registered as SSM) with one bucket.
func ssmLimit(b account.Bucket, global bool) account.Option {
	return account.WithRateLimits(account.RateLimits{"SSM": {
		Code: "ThrottlingException", Status: 400, Global: global,
		Bucket: func(string, any) (string, account.Bucket) { return "all", b },
	}})
}

func getA(ctx context.Context, c *ssm.Client) error {
	_, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})
	return err
}

// noRetries makes a client that shows every throttle instead of retrying.
func noRetries(o *ssm.Options) { o.Retryer = aws.NopRetryer{} }

func TestBucketThrottlesBeyondItsBurstAndRefillsOnTheClock(t *testing.T) {
	w, _, c := newWorld(t, ssmLimit(account.Bucket{Capacity: 2, Refill: 1}, false))
	client := ssm.NewFromConfig(w.Config("eu-west-1"), noRetries)
	ctx := context.Background()
	require.NoError(t, getA(ctx, client))
	require.NoError(t, getA(ctx, client))

	err := getA(ctx, client)
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "ThrottlingException", ae.ErrorCode())

	c.Advance(500 * time.Millisecond)
	require.Error(t, getA(ctx, client), "half a token is not a token")
	c.Advance(500 * time.Millisecond)
	require.NoError(t, getA(ctx, client), "one second refills one token")
}

func TestSDKRetriesAThrottledCallAsOneInvocation(t *testing.T) {
	w, client, _ := newWorld(t, ssmLimit(account.Bucket{Capacity: 1, Refill: 1000}, false))
	ctx := account.WithCaller(context.Background(), "dep-1")
	require.NoError(t, getA(ctx, client))
	require.NoError(t, getA(ctx, client), "the SDK's back-off on the clock refills the bucket")

	calls := w.Calls()
	require.Len(t, calls, 3)
	assert.Equal(t, "ThrottlingException", calls[1].ErrorCode)
	assert.Equal(t, []int{1, 1, 2}, []int{calls[0].Attempt, calls[1].Attempt, calls[2].Attempt})
	assert.Equal(t, calls[1].Invocation, calls[2].Invocation, "a retry keeps its invocation id")
	assert.NotEqual(t, calls[0].Invocation, calls[1].Invocation)
	for _, c := range calls {
		assert.Equal(t, "dep-1", c.Caller)
		assert.IsType(t, &ssm.GetParameterInput{}, c.Input)
	}
	assert.Nil(t, calls[1].Output, "a throttled call has no output")
	assert.IsType(t, &ssm.GetParameterOutput{}, calls[2].Output)
}

func TestGlobalServicesShareOneBucketAcrossRegions(t *testing.T) {
	for _, tt := range []struct {
		name          string
		global        bool
		wantThrottled bool
	}{
		{"regional", false, false},
		{"global", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, _, _ := newWorld(t, ssmLimit(account.Bucket{Capacity: 1, Refill: 1}, tt.global))
			ctx := context.Background()
			require.NoError(t, getA(ctx, ssm.NewFromConfig(w.Config("eu-west-1"), noRetries)))
			err := getA(ctx, ssm.NewFromConfig(w.Config("us-east-1"), noRetries))
			assert.Equal(t, tt.wantThrottled, err != nil, "%v", err)
		})
	}
}

func TestRateLimitsOffNeverThrottle(t *testing.T) {
	w, _, _ := newWorld(t, account.WithRateLimits(nil))
	client := ssm.NewFromConfig(w.Config("eu-west-1"), noRetries)
	for range 200 {
		require.NoError(t, getA(context.Background(), client))
	}
}

// TestEC2ThrottlesPerActionAsDocumented drives the simulated EC2 through a
// real client: DescribeInstances without a filter draws from the 50-token
// bucket of unfiltered calls and fails with RequestLimitExceeded, HTTP 503;
// with a filter it draws from the 100-token non-mutating one.
func TestEC2ThrottlesPerActionAsDocumented(t *testing.T) {
	tests := []struct {
		name   string
		in     *ec2.DescribeInstancesInput
		burst  int
		reason string
	}{
		{"unfiltered", &ec2.DescribeInstancesInput{}, 50, "unfiltered and unpaginated"},
		{"filtered", &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:x"), Values: []string{"y"}}}}, 100, "non-mutating"},
		{"paginated", &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)}, 100, "non-mutating"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cloud := sim.New()
			client := ec2.NewFromConfig(cloud.Config("us-east-1"), func(o *ec2.Options) { o.Retryer = aws.NopRetryer{} })
			ctx := context.Background()
			for i := range tt.burst {
				_, err := client.DescribeInstances(ctx, tt.in)
				require.NoError(t, err, "call %d of the %s bucket", i+1, tt.reason)
			}
			_, err := client.DescribeInstances(ctx, tt.in)
			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 503, re.HTTPStatusCode())
			var ae smithy.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "RequestLimitExceeded", ae.ErrorCode())

			_, err = client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
			assert.NoError(t, err, "another action has its own bucket")
		})
	}
}

func TestDefaultRateLimitsFollowTheDocumentedCategories(t *testing.T) {
	limits := account.DefaultRateLimits()
	tests := []struct {
		service, op string
		wantName    string
		want        account.Bucket
	}{
		{"EC2", "RunInstances", "RunInstances", account.Bucket{Capacity: 5, Refill: 2}},
		{"EC2", "CreateSecurityGroup", "CreateSecurityGroup", account.Bucket{Capacity: 50, Refill: 5}},
		{"EC2", "DescribeVpcs", "DescribeVpcs", account.Bucket{Capacity: 100, Refill: 20}},
		{"EC2", "CreateTags", "CreateTags", account.Bucket{Capacity: 100, Refill: 10}},
		{"Elastic Load Balancing v2", "DescribeLoadBalancers", "read", account.Bucket{Capacity: 40, Refill: 10}},
		{"Elastic Load Balancing v2", "RegisterTargets", "write", account.Bucket{Capacity: 40, Refill: 10}},
		{"SSM", "GetParameters", "GetParameter", account.Bucket{Capacity: 40, Refill: 40}},
		{"SSM", "SendCommand", "SendCommand", account.Bucket{Capacity: 40, Refill: 40}},
	}
	for _, tt := range tests {
		t.Run(tt.service+" "+tt.op, func(t *testing.T) {
			name, b := limits[tt.service].Bucket(tt.op, nil)
			assert.Equal(t, tt.wantName, name)
			assert.Equal(t, tt.want, b)
		})
	}
	for service, code := range map[string]string{
		"EC2": "RequestLimitExceeded", "IAM": "Throttling", "CloudFront": "Throttling",
		"Elastic Load Balancing v2": "Throttling", "EFS": "ThrottlingException", "SSM": "ThrottlingException",
	} {
		assert.Equal(t, code, limits[service].Code, service)
	}
	assert.True(t, limits["IAM"].Global)
	assert.True(t, limits["CloudFront"].Global)
	assert.False(t, limits["EC2"].Global)
}

func TestIsRead(t *testing.T) {
	for op, want := range map[string]bool{
		"DescribeVpcs": true, "GetRole": true, "ListDistributions": true, "SearchTransitGatewayRoutes": true,
		"CreateRole": false, "DeleteDistribution": false, "RunInstances": false, "RegisterTargets": false,
	} {
		assert.Equal(t, want, account.IsRead(op), op)
	}
}

func TestFaultMatchScopesAFaultToSomeInputs(t *testing.T) {
	w, client, _ := newWorld(t)
	w.Inject(account.Fault{Service: "SSM", Operation: "PutParameter", Code: "AccessDeniedException",
		Match: account.InputContains(`"/b"`)})
	ctx := context.Background()
	_, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/bb"), Value: aws.String("1")})
	require.NoError(t, err, "a longer name is another input")
	_, err = client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/b"), Value: aws.String("1")})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "AccessDeniedException", ae.ErrorCode())
}
