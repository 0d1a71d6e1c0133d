package account_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
)

// paramStore is a minimal service used to exercise the account's machinery.
type paramStore struct {
	w      *account.Account
	params map[string]string
}

func (p *paramStore) ServiceID() string { return "SSM" }

func (p *paramStore) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"GetParameter": account.Op(func(ctx context.Context, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
			v, ok := p.params[aws.ToString(in.Name)]
			if !ok {
				return nil, &ssmtypes.ParameterNotFound{Message: aws.String("not found")}
			}
			return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String(v + "@" + account.Region(ctx))}}, nil
		}),
		"PutParameter": account.Op(func(_ context.Context, in *ssm.PutParameterInput) (*ssm.PutParameterOutput, error) {
			p.params[aws.ToString(in.Name)] = aws.ToString(in.Value)
			return &ssm.PutParameterOutput{Version: 1}, nil
		}),
	}
}

func (p *paramStore) Inventory(time.Time) []account.Resource {
	var out []account.Resource
	for name := range p.params {
		out = append(out, account.Resource{Service: "SSM", Type: "parameter", ID: name})
	}
	return out
}

func newWorld(t *testing.T, opts ...account.Option) (*account.Account, *ssm.Client, *clock.Virtual) {
	t.Helper()
	c := clock.NewVirtual(account.Epoch)
	w := account.New(append([]account.Option{account.WithClock(c)}, opts...)...)
	w.Register(&paramStore{w: w, params: map[string]string{"/a": "1"}})
	return w, ssm.NewFromConfig(w.Config("eu-west-1")), c
}

func TestAnswersTypedOutputWithRegion(t *testing.T) {
	_, client, _ := newWorld(t)
	out, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/a")})
	require.NoError(t, err)
	assert.Equal(t, "1@eu-west-1", aws.ToString(out.Parameter.Value))
}

func TestModeledErrorKeepsItsTypeAndRequestID(t *testing.T) {
	_, client, _ := newWorld(t)
	_, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/missing")})
	var nf *ssmtypes.ParameterNotFound
	require.ErrorAs(t, err, &nf)
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 400, re.HTTPStatusCode())
	assert.NotEmpty(t, re.ServiceRequestID())
}

func TestSDKValidationFailsBeforeTheWorldIsCalled(t *testing.T) {
	w, client, _ := newWorld(t)
	_, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{})
	var invalid smithy.InvalidParamsError
	require.ErrorAs(t, err, &invalid)
	assert.Empty(t, w.Calls(), "the SDK must reject the input before sending")
}

func TestInjectedFaultSurfacesAsAPIErrorWithCode(t *testing.T) {
	w, client, _ := newWorld(t)
	w.Inject(account.Fault{Service: "SSM", Operation: "GetParameter", Code: "AccessDeniedException", Times: 1})
	_, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/a")})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "AccessDeniedException", ae.ErrorCode())

	_, err = client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/a")})
	require.NoError(t, err, "a fault with Times 1 fires once")
	calls := w.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, "AccessDeniedException", calls[0].ErrorCode)
	assert.Empty(t, calls[1].ErrorCode)
}

func TestThrottlingIsRetriedByTheSDKOnTheVirtualClock(t *testing.T) {
	w, client, c := newWorld(t)
	w.Inject(account.Fault{Service: "SSM", Operation: "GetParameter", Code: "ThrottlingException", Times: 2})
	start := time.Now()
	_, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/a")})
	require.NoError(t, err, "two throttles are within the standard retryer's three attempts")
	assert.Len(t, w.Calls(), 3)
	assert.True(t, c.Now().After(account.Epoch), "back-off is spent on the virtual clock")
	assert.Less(t, time.Since(start), 2*time.Second, "back-off costs no wall time")
}

func TestThrottlingBeyondMaxAttemptsFails(t *testing.T) {
	w, client, _ := newWorld(t)
	w.Inject(account.Fault{Service: "SSM", Operation: "GetParameter", Code: "ThrottlingException"})
	_, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/a")})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "ThrottlingException", ae.ErrorCode())
	assert.Len(t, w.Calls(), 3)
}

func TestNonRetryableFaultIsNotRetried(t *testing.T) {
	w, client, _ := newWorld(t)
	w.Inject(account.Fault{Operation: "GetParameter", Code: "ValidationException"})
	_, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/a")})
	require.Error(t, err)
	assert.Len(t, w.Calls(), 1)
}

func TestFaultSkipLetsEarlierCallsThrough(t *testing.T) {
	w, client, _ := newWorld(t)
	w.Inject(account.Fault{Service: "ssm", Operation: "GetParameter", Code: "InternalError", Status: 400, Skip: 1, Times: 1})
	ctx := context.Background()
	_, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})
	require.NoError(t, err)
	_, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})
	require.Error(t, err)
	w.ClearFaults()
	_, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})
	require.NoError(t, err)
}

func TestServerStatusFaultIsRetried(t *testing.T) {
	w, client, _ := newWorld(t, account.WithFault(account.Fault{Operation: "GetParameter", Code: "ServiceUnavailable", Times: 1}))
	_, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/a")})
	require.NoError(t, err)
	assert.Len(t, w.Calls(), 2)
}

func TestUnmodeledOperationFailsClearly(t *testing.T) {
	_, client, _ := newWorld(t)
	_, err := client.DeleteParameter(context.Background(), &ssm.DeleteParameterInput{Name: aws.String("/a")})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "UnsupportedOperation", ae.ErrorCode())
	assert.Contains(t, ae.ErrorMessage(), "SSM.DeleteParameter")
}

func TestUnregisteredServiceFailsClearly(t *testing.T) {
	w := account.New()
	_, err := ssm.NewFromConfig(w.Config("us-east-1")).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/a")})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.ErrorMessage(), `service "SSM" is not modeled`)
}

func TestInventoryIsSortedAcrossServices(t *testing.T) {
	w, client, _ := newWorld(t)
	_, err := client.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String("/0"), Value: aws.String("x")})
	require.NoError(t, err)
	inv := w.Inventory()
	require.Len(t, inv, 2)
	assert.Equal(t, "/0", inv[0].ID)
	assert.Equal(t, "/a", inv[1].ID)
}

func TestCancelledContextStopsTheCall(t *testing.T) {
	_, client, _ := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/a")})
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

func TestLatencyOverrides(t *testing.T) {
	w := account.New(account.WithLatency("x.deploy", time.Minute))
	assert.Equal(t, time.Minute, w.Latency("x.deploy", time.Second))
	assert.Equal(t, time.Second, w.Latency("y", time.Second))
	w.SetLatency("y", 2*time.Second)
	assert.Equal(t, 2*time.Second, w.Latency("y", time.Second))
}

func TestNewIDIsDeterministicPerPrefix(t *testing.T) {
	w := account.New()
	var a, b, c string
	w.Do(func() { a, b, c = w.NewID("vpc-", 17), w.NewID("vpc-", 17), w.NewID("sg-", 8) })
	assert.Equal(t, "vpc-00000000000000001", a)
	assert.Equal(t, "vpc-00000000000000002", b)
	assert.Equal(t, "sg-00000001", c)
}

func TestParseFault(t *testing.T) {
	tests := []struct {
		in      string
		want    account.Fault
		wantErr bool
	}{
		{in: "CloudFront:CreateDistribution:TooManyDistributions", want: account.Fault{Service: "CloudFront", Operation: "CreateDistribution", Code: "TooManyDistributions"}},
		{in: "EC2:RunInstances:InsufficientInstanceCapacity:3", want: account.Fault{Service: "EC2", Operation: "RunInstances", Code: "InsufficientInstanceCapacity", Times: 3}},
		{in: "EC2:RunInstances", wantErr: true},
		{in: "EC2::Code", wantErr: true},
		{in: "EC2:Op:Code:-1", wantErr: true},
		{in: "EC2:Op:Code:x", wantErr: true},
		{in: "a:b:c:1:2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := account.ParseFault(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestWindowsAreSeededBoundedAndOverridable(t *testing.T) {
	draws := func(opts ...account.Option) []time.Duration {
		w := account.New(opts...)
		var out []time.Duration
		w.Do(func() {
			for range 50 {
				out = append(out, w.Window("x.visible", time.Second, 5*time.Second))
			}
		})
		return out
	}
	a, b := draws(account.WithSeed(7)), draws(account.WithSeed(7))
	assert.Equal(t, a, b, "one seed, one run")
	assert.NotEqual(t, a, draws(account.WithSeed(8)), "another seed, other draws")
	assert.Equal(t, draws(), draws(account.WithSeed(account.DefaultSeed)))
	for _, d := range a {
		assert.GreaterOrEqual(t, d, time.Second)
		assert.LessOrEqual(t, d, 5*time.Second)
	}
	assert.NotEqual(t, slices.Min(a), slices.Max(a), "a spread, not one figure")
	for _, d := range draws(account.WithLatency("x.visible", 2*time.Second)) {
		assert.Equal(t, 2*time.Second, d, "an override fixes the window")
	}
	for _, d := range draws(account.WithConsistency()) {
		assert.Zero(t, d, "consistent: every window closes at once")
	}
}

func TestPartitionOfARegion(t *testing.T) {
	for region, want := range map[string]string{"us-east-1": "aws", "eu-west-3": "aws", "cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
		assert.Equal(t, want, account.PartitionOf(region), region)
	}
	assert.Equal(t, "aws", account.New().Partition())
	assert.Equal(t, "aws-cn", account.New(account.WithPartition("aws-cn")).Partition())
}

// A region that does not exist has no endpoint: the SDK cannot resolve its
// host, does not retry (NXDOMAIN), and the account never sees the call.
func TestARegionThatDoesNotExistHasNoEndpoint(t *testing.T) {
	w := account.New()
	w.Register(&paramStore{w: w, params: map[string]string{"k": "v"}})
	clk := w.Clock().(*clock.Virtual)
	before := clk.Now()
	_, err := ssm.NewFromConfig(w.Config("xx-fake-9")).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("k")})
	var dns *net.DNSError
	require.ErrorAs(t, err, &dns)
	assert.True(t, dns.IsNotFound)
	assert.Equal(t, "ssm.xx-fake-9.amazonaws.com", dns.Name)
	assert.Empty(t, w.Calls(), "never reached AWS")
	assert.Equal(t, before, clk.Now(), "not retried")

	out, err := ssm.NewFromConfig(w.Config("ap-southeast-7")).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("k")})
	require.NoError(t, err, "a region that exists")
	assert.Equal(t, "v@ap-southeast-7", aws.ToString(out.Parameter.Value))
}

// The simulated regions are the SDK's own list of the partitions the
// simulation models (its endpoint partitions file, read from the module
// the build uses).
func TestTheRegionsAreTheSDKs(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2").Output()
	require.NoError(t, err)
	raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "endpoints", "awsrulesfn", "partitions.json"))
	require.NoError(t, err)
	var file struct {
		Partitions []struct {
			ID      string         `json:"id"`
			Regions map[string]any `json:"regions"`
		} `json:"partitions"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	var want []string
	for _, p := range file.Partitions {
		if p.ID != "aws" && p.ID != "aws-cn" && p.ID != "aws-us-gov" {
			continue
		}
		for r := range p.Regions {
			if !strings.HasSuffix(r, "-global") {
				want = append(want, r)
			}
		}
	}
	assert.ElementsMatch(t, want, account.Regions())
}
