package internet_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cf "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/internet"
)

const (
	domain  = "d111111abcdef8.cloudfront.net"
	albDNS  = "demo-alb-1.us-east-1.elb.amazonaws.com"
	header  = "X-Origin-Verify"
	secret  = "s3cret"
	tgARN   = "arn:tg"
	address = "3.80.0.1"
)

// state is what the fake backends answer from.
type state struct {
	cfStatus    string
	cfEnabled   bool
	albState    elbtypes.LoadBalancerStateEnum
	targetState elbtypes.TargetHealthStateEnum // "" for no target
	instance    account.Instance
	// closed are the paths security groups drop: "<groups><<source>".
	closed map[string]bool
}

type backend map[string]account.Handler

func (b backend) Operations() map[string]account.Handler { return b }

func handler[In, Out any](fn func(*In) *Out) account.Handler {
	return account.Op(func(_ context.Context, in *In) (*Out, error) { return fn(in), nil })
}

// network is just enough EC2 for the internet: one instance.
type network struct{ s *state }

func (n network) Subnet(string) (account.Subnet, bool)   { return account.Subnet{}, false }
func (n network) SecurityGroupVPC(string) (string, bool) { return "", false }
func (n network) HasInternetGateway(string) bool         { return true }
func (n network) CreateNetworkInterface(string, []string, string, bool) (string, error) {
	return "", nil
}
func (n network) DeleteNetworkInterface(string) {}
func (n network) CreateServiceGroup(string, string, map[string]string) (string, error) {
	return "", nil
}
func (n network) DeleteServiceGroup(string) {}
func (n network) Admits(groups []string, _ int32, src account.Source) bool {
	return !n.s.closed[strings.Join(groups, ",")+"<"+sourceName(src)]
}

// sourceName names a source for the state's closed paths.
func sourceName(src account.Source) string {
	switch {
	case src.Internet:
		return "internet"
	case len(src.PrefixLists) > 0:
		return "cloudfront"
	}
	return "alb"
}
func (n network) Instance(id string) (account.Instance, bool) {
	return n.s.instance, id == n.s.instance.ID
}

type fixture struct {
	s   *state
	w   *account.Account
	clk *clock.Virtual
	c   *http.Client
}

func newFixture(t *testing.T, opts ...account.Option) *fixture {
	t.Helper()
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(append([]account.Option{account.WithClock(clk)}, opts...)...)
	s := &state{
		cfStatus: "Deployed", cfEnabled: true, albState: elbtypes.LoadBalancerStateEnumActive,
		targetState: elbtypes.TargetHealthStateEnumHealthy,
		instance:    account.Instance{ID: "i-1", State: "running", PublicIP: address, WorkloadUpAt: account.Epoch},
	}
	w.Network = network{s}
	cloudFront := backend{
		"ListDistributions": handler(func(*cf.ListDistributionsInput) *cf.ListDistributionsOutput {
			return &cf.ListDistributionsOutput{DistributionList: &cftypes.DistributionList{IsTruncated: aws.Bool(false),
				Items: []cftypes.DistributionSummary{{Id: aws.String("E1"), DomainName: aws.String(domain)}}}}
		}),
		"GetDistribution": handler(func(*cf.GetDistributionInput) *cf.GetDistributionOutput {
			return &cf.GetDistributionOutput{Distribution: &cftypes.Distribution{Status: aws.String(s.cfStatus), DistributionConfig: &cftypes.DistributionConfig{
				Enabled:              aws.Bool(s.cfEnabled),
				DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps},
				Origins: &cftypes.Origins{Items: []cftypes.Origin{{
					DomainName:         aws.String(albDNS),
					CustomOriginConfig: &cftypes.CustomOriginConfig{OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly},
					CustomHeaders:      &cftypes.CustomHeaders{Items: []cftypes.OriginCustomHeader{{HeaderName: aws.String(header), HeaderValue: aws.String(secret)}}},
				}}},
			}}}
		}),
	}
	elbv2 := backend{
		"DescribeLoadBalancers": handler(func(*elb.DescribeLoadBalancersInput) *elb.DescribeLoadBalancersOutput {
			return &elb.DescribeLoadBalancersOutput{LoadBalancers: []elbtypes.LoadBalancer{{
				LoadBalancerArn: aws.String("arn:lb"), DNSName: aws.String(albDNS), State: &elbtypes.LoadBalancerState{Code: s.albState}}}}
		}),
		"DescribeListeners": handler(func(*elb.DescribeListenersInput) *elb.DescribeListenersOutput {
			return &elb.DescribeListenersOutput{Listeners: []elbtypes.Listener{{ListenerArn: aws.String("arn:l"), Port: aws.Int32(80)}}}
		}),
		"DescribeRules": handler(func(*elb.DescribeRulesInput) *elb.DescribeRulesOutput {
			return &elb.DescribeRulesOutput{Rules: []elbtypes.Rule{
				{IsDefault: aws.Bool(true), Priority: aws.String("default"), Actions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse,
					FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("403"), ContentType: aws.String("text/plain"), MessageBody: aws.String("Forbidden")}}}},
				{IsDefault: aws.Bool(false), Priority: aws.String("20"), Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/Admin*"}}},
					Actions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("401")}}}},
				{IsDefault: aws.Bool(false), Priority: aws.String("10"), Conditions: []elbtypes.RuleCondition{
					{Field: aws.String("http-header"), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{HttpHeaderName: aws.String(header), Values: []string{"S3CRET"}}},
					{Field: aws.String("host-header"), Values: []string{"*.elb.amazonaws.com"}}},
					Actions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{TargetGroups: []elbtypes.TargetGroupTuple{{TargetGroupArn: aws.String(tgARN)}}}}}},
			}}
		}),
		"DescribeTargetHealth": handler(func(*elb.DescribeTargetHealthInput) *elb.DescribeTargetHealthOutput {
			out := &elb.DescribeTargetHealthOutput{}
			if s.targetState != "" {
				out.TargetHealthDescriptions = []elbtypes.TargetHealthDescription{{Target: &elbtypes.TargetDescription{Id: aws.String("i-1")}, TargetHealth: &elbtypes.TargetHealth{State: s.targetState}}}
			}
			return out
		}),
	}
	compute := backend{
		"DescribeInstances": handler(func(*ec2.DescribeInstancesInput) *ec2.DescribeInstancesOutput {
			return &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{{Instances: []ec2types.Instance{{
				InstanceId: aws.String("i-1"), PublicIpAddress: aws.String(s.instance.PublicIP),
				State: &ec2types.InstanceState{Name: ec2types.InstanceStateName(s.instance.State)}}}}}}
		}),
	}
	internet.Register(w, internet.Backends{EC2: compute, ELBv2: elbv2, CloudFront: cloudFront})
	return &fixture{s: s, w: w, clk: clk, c: internet.Client(w.Config("us-east-1"))}
}

func (f *fixture) get(t *testing.T, url string, headers ...string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := f.c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), nil
}

func TestAnswers(t *testing.T) {
	tests := []struct {
		name       string
		change     func(*state)
		url        string
		headers    []string
		wantStatus int
		wantBody   string
	}{
		{"through CloudFront to a healthy target", nil, "https://" + domain + "/healthz", nil, 200, "ok\n"},
		{"a path the workload does not serve", nil, "https://" + domain + "/nope", nil, 404, ""},
		{"http is redirected to https", nil, "http://" + domain + "/healthz", nil, 301, ""},
		{"a disabled distribution", func(s *state) { s.cfEnabled = false }, "https://" + domain + "/healthz", nil, 403, ""},
		{"straight to the ALB without the origin header", nil, "http://" + albDNS + "/healthz", nil, 403, "Forbidden"},
		{"straight to the ALB with the header", nil, "http://" + albDNS + "/healthz", []string{header, secret}, 200, "ok\n"},
		{"a lower-priority rule matching the path", nil, "http://" + albDNS + "/Admin/x", nil, 401, ""},
		{"no healthy target: fail open to an unhealthy one that is down", func(s *state) {
			s.targetState, s.instance.WorkloadUpAt = elbtypes.TargetHealthStateEnumUnhealthy, time.Time{}
		}, "https://" + domain + "/healthz", nil, 502, ""},
		{"no target at all", func(s *state) { s.targetState = "" }, "https://" + domain + "/healthz", nil, 503, ""},
		{"a target still in initial checks", func(s *state) { s.targetState = elbtypes.TargetHealthStateEnumInitial }, "https://" + domain + "/healthz", nil, 503, ""},
		{"the origin ALB is not active", func(s *state) { s.albState = elbtypes.LoadBalancerStateEnumProvisioning }, "https://" + domain + "/healthz", nil, 502, ""},
		{"the instance's address", nil, "http://" + address + "/healthz", nil, 200, "ok\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.change != nil {
				tt.change(f.s)
			}
			status, body, err := f.get(t, tt.url, tt.headers...)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, status)
			if tt.wantBody != "" {
				assert.Equal(t, tt.wantBody, body)
			}
		})
	}
}

func TestConnectionFailures(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*state)
		url      string
		wantCode string
	}{
		{"a distribution still deploying does not resolve", func(s *state) { s.cfStatus = "InProgress" }, "https://" + domain + "/healthz", internet.CodeNoSuchHost},
		{"an unknown distribution", nil, "https://d999.cloudfront.net/healthz", internet.CodeNoSuchHost},
		{"a provisioning ALB does not resolve", func(s *state) { s.albState = elbtypes.LoadBalancerStateEnumProvisioning }, "http://" + albDNS + "/", internet.CodeNoSuchHost},
		{"no listener on the port", nil, "http://" + albDNS + ":8080/", internet.CodeConnectionRefused},
		{"the workload is not up", func(s *state) { s.instance.WorkloadUpAt = account.Epoch.Add(time.Hour) }, "http://" + address + "/healthz", internet.CodeConnectionRefused},
		{"nobody holds the address", nil, "http://3.3.3.3/healthz", internet.CodeTimeout},
		{"a name outside AWS", nil, "http://example.com/", internet.CodeNoSuchHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.change != nil {
				tt.change(f.s)
			}
			_, _, err := f.get(t, tt.url)
			var ce *internet.ConnError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.wantCode, ce.Code)
			assert.NotEmpty(t, ce.Error())
			assert.Equal(t, tt.wantCode == internet.CodeConnectionRefused, errors.Is(err, syscall.ECONNREFUSED))
			calls := f.w.Calls()
			require.Len(t, calls, 1)
			c := calls[0]
			assert.Equal(t, [4]string{"HTTP", "GET", "us-east-1", tt.wantCode}, [4]string{c.Service, c.Operation, c.Region, c.ErrorCode},
				"the request is in the call log")
		})
	}
}

func TestInjectedFaults(t *testing.T) {
	tests := []struct {
		code       string
		status     int
		wantStatus int
		wantErr    string
	}{
		{code: "BadGateway", wantStatus: 502},
		{code: "GatewayTimeout", wantStatus: 504},
		{code: "Throttling", wantStatus: 400},
		{code: "Teapot", status: 418, wantStatus: 418},
		{code: internet.CodeTimeout, wantErr: internet.CodeTimeout},
		{code: internet.CodeConnectionRefused, wantErr: internet.CodeConnectionRefused},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			f := newFixture(t, account.WithFault(account.Fault{Service: internet.ServiceID, Operation: "GET", Code: tt.code, Status: tt.status, Times: 1}))
			status, _, err := f.get(t, "https://"+domain+"/healthz")
			if tt.wantErr != "" {
				var ce *internet.ConnError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.wantErr, ce.Code)
				assert.Equal(t, domain, ce.Host, "an injected failure names the host asked for")
				assert.Equal(t, tt.wantErr == internet.CodeTimeout, ce.Timeout())
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.wantStatus, status)
			}
			status, _, err = f.get(t, "https://"+domain+"/healthz")
			require.NoError(t, err)
			assert.Equal(t, 200, status, "the fault fired once")
		})
	}
}

func TestOnlyGETIsModeled(t *testing.T) {
	f := newFixture(t)
	resp, err := f.c.Post("https://"+domain+"/healthz", "text/plain", nil)
	if resp != nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not modeled")
	assert.Empty(t, (&internet.Model{}).Inventory(account.Epoch))
}
