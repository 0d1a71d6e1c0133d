package internet

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cf "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"geusemaker/internal/sim/account"
)

// Response is the model's answer to one request.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

func answer(status int, body string) *Response {
	return &Response{Status: status, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: body}
}

// Host name suffixes of the services answering.
const (
	cloudFrontSuffix = ".cloudfront.net"
	elbSuffix        = ".elb.amazonaws.com"
)

func (m *Model) get(ctx context.Context, req *http.Request) (*Response, error) {
	host := strings.ToLower(req.URL.Hostname())
	switch {
	case strings.HasSuffix(host, cloudFrontSuffix):
		return m.viaCloudFront(ctx, req, host)
	case strings.HasSuffix(host, elbSuffix):
		return m.viaLoadBalancer(ctx, req, host)
	case net.ParseIP(host) != nil:
		return m.viaAddress(ctx, req, host)
	}
	return nil, noSuchHost(host)
}

// viaCloudFront answers as the distribution whose domain is host.
func (m *Model) viaCloudFront(ctx context.Context, req *http.Request, host string) (*Response, error) {
	id, err := m.distributionID(ctx, host)
	if err != nil || id == "" {
		return nil, orNoSuchHost(err, host)
	}
	out, err := call[cf.GetDistributionOutput](ctx, m.b.CloudFront, "GetDistribution", &cf.GetDistributionInput{Id: aws.String(id)})
	if err != nil {
		return nil, err
	}
	d := out.Distribution
	cfg := d.DistributionConfig
	switch {
	case aws.ToString(d.Status) != "Deployed":
		// A distribution's domain resolves once its first deployment
		// reached the edge.
		return nil, noSuchHost(host)
	case !aws.ToBool(cfg.Enabled):
		return answer(http.StatusForbidden, "The request could not be satisfied: the distribution is disabled."), nil
	}
	if req.URL.Scheme == "http" {
		switch cfg.DefaultCacheBehavior.ViewerProtocolPolicy {
		case cftypes.ViewerProtocolPolicyRedirectToHttps:
			r := answer(http.StatusMovedPermanently, "")
			r.Header.Set("Location", "https://"+host+req.URL.RequestURI())
			return r, nil
		case cftypes.ViewerProtocolPolicyHttpsOnly:
			return answer(http.StatusForbidden, "The request could not be satisfied: HTTPS is required."), nil
		}
	}
	if cfg.Origins == nil || len(cfg.Origins.Items) == 0 {
		return answer(http.StatusBadGateway, "The request could not be satisfied: no origin."), nil
	}
	origin := cfg.Origins.Items[0]
	forwarded := req.Clone(ctx)
	forwarded.URL.Scheme, forwarded.URL.Host = "http", aws.ToString(origin.DomainName)
	if cfg := origin.CustomOriginConfig; cfg != nil && cfg.OriginProtocolPolicy != cftypes.OriginProtocolPolicyHttpOnly {
		forwarded.URL.Scheme = "https"
	}
	if origin.CustomHeaders != nil {
		for _, h := range origin.CustomHeaders.Items {
			forwarded.Header.Set(aws.ToString(h.HeaderName), aws.ToString(h.HeaderValue))
		}
	}
	resp, err := m.toOrigin(ctx, forwarded, origin)
	if err != nil {
		// CloudFront answers 504 when the origin times out and 502 when
		// it cannot connect to it at all.
		var ce *ConnError
		if errors.As(err, &ce) && ce.Timeout() {
			return answer(http.StatusGatewayTimeout, "The request could not be satisfied: origin timeout."), nil
		}
		return answer(http.StatusBadGateway, "The request could not be satisfied: CloudFront wasn't able to connect to the origin."), nil
	}
	return resp, nil
}

// toOrigin sends CloudFront's request to the origin: through a deployed VPC
// origin to the load balancer it names, internal or not; else over the
// internet to the origin's domain, where an internal load balancer's
// private addresses cannot be reached. Either way CloudFront's requests
// come from its origin-facing addresses ("Restrict access with VPC
// origins": the origin's group may admit the prefix list).
func (m *Model) toOrigin(ctx context.Context, req *http.Request, origin cftypes.Origin) (*Response, error) {
	from := account.Source{PrefixLists: []string{cloudFrontOriginFacing}}
	host := strings.ToLower(req.URL.Hostname())
	if c := origin.VpcOriginConfig; c != nil {
		out, err := call[cf.GetVpcOriginOutput](ctx, m.b.CloudFront, "GetVpcOrigin", &cf.GetVpcOriginInput{Id: c.VpcOriginId})
		if err != nil || aws.ToString(out.VpcOrigin.Status) != "Deployed" {
			return nil, timedOut(host)
		}
		lb, err := m.loadBalancerByARN(ctx, aws.ToString(out.VpcOrigin.VpcOriginEndpointConfig.Arn))
		if err != nil || lb == nil {
			return nil, timedOut(host)
		}
		return m.serve(ctx, req, lb, from)
	}
	if !strings.HasSuffix(host, elbSuffix) {
		return answer(http.StatusBadGateway, "The request could not be satisfied: the origin is not modeled."), nil
	}
	return m.loadBalancerFrom(ctx, req, host, from)
}

// distributionID finds the distribution serving domain.
func (m *Model) distributionID(ctx context.Context, domain string) (string, error) {
	in := &cf.ListDistributionsInput{}
	for {
		out, err := call[cf.ListDistributionsOutput](ctx, m.b.CloudFront, "ListDistributions", in)
		if err != nil {
			return "", err
		}
		list := out.DistributionList
		for _, d := range list.Items {
			if strings.EqualFold(aws.ToString(d.DomainName), domain) {
				return aws.ToString(d.Id), nil
			}
		}
		if !aws.ToBool(list.IsTruncated) {
			return "", nil
		}
		in.Marker = list.NextMarker
	}
}

// cloudFrontOriginFacing is the AWS-managed prefix list of CloudFront's
// addresses towards origins.
const cloudFrontOriginFacing = "com.amazonaws.global.cloudfront.origin-facing"

// viaLoadBalancer answers as the load balancer whose DNS name is host, to
// a client on the internet.
func (m *Model) viaLoadBalancer(ctx context.Context, req *http.Request, host string) (*Response, error) {
	return m.loadBalancerFrom(ctx, req, host, account.Source{Internet: true})
}

// loadBalancerFrom answers as the load balancer whose DNS name is host, to
// a client at src on the internet (CloudFront's custom origins included):
// an internal load balancer's name resolves to private addresses, which
// nobody there reaches.
func (m *Model) loadBalancerFrom(ctx context.Context, req *http.Request, host string, src account.Source) (*Response, error) {
	lb, err := m.loadBalancer(ctx, host)
	if err != nil || lb == nil || lb.State == nil || lb.State.Code != elbtypes.LoadBalancerStateEnumActive {
		// A provisioning load balancer's name does not resolve yet.
		return nil, orNoSuchHost(err, host)
	}
	if lb.Scheme == elbtypes.LoadBalancerSchemeEnumInternal {
		return nil, timedOut(host)
	}
	return m.serve(ctx, req, lb, src)
}

// serve answers as an active load balancer to a client at src.
func (m *Model) serve(ctx context.Context, req *http.Request, lb *elbtypes.LoadBalancer, src account.Source) (*Response, error) {
	host := aws.ToString(lb.DNSName)
	if lb.State == nil || lb.State.Code != elbtypes.LoadBalancerStateEnumActive {
		return nil, timedOut(host)
	}
	port := portOf(req.URL)
	if !m.admits(lb.SecurityGroups, port, src) {
		return nil, timedOut(host)
	}
	listeners, err := call[elb.DescribeListenersOutput](ctx, m.b.ELBv2, "DescribeListeners", &elb.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(listeners.Listeners, func(l elbtypes.Listener) bool { return aws.ToInt32(l.Port) == port })
	if i < 0 {
		return nil, refused(host)
	}
	rules, err := call[elb.DescribeRulesOutput](ctx, m.b.ELBv2, "DescribeRules", &elb.DescribeRulesInput{ListenerArn: listeners.Listeners[i].ListenerArn})
	if err != nil {
		return nil, err
	}
	r := matchingRule(rules.Rules, req)
	if r == nil || len(r.Actions) == 0 {
		return answer(http.StatusServiceUnavailable, "503 Service Temporarily Unavailable"), nil
	}
	a := r.Actions[0]
	switch a.Type {
	case elbtypes.ActionTypeEnumFixedResponse:
		c := a.FixedResponseConfig
		status, _ := strconv.Atoi(aws.ToString(c.StatusCode))
		resp := answer(status, aws.ToString(c.MessageBody))
		if c.ContentType != nil {
			resp.Header.Set("Content-Type", *c.ContentType)
		}
		return resp, nil
	case elbtypes.ActionTypeEnumForward:
		return m.forward(ctx, req, lb, forwardTarget(a))
	}
	return answer(http.StatusServiceUnavailable, "503 Service Temporarily Unavailable"), nil
}

// loadBalancerByARN finds a load balancer by ARN, nil when there is none.
func (m *Model) loadBalancerByARN(ctx context.Context, arn string) (*elbtypes.LoadBalancer, error) {
	out, err := call[elb.DescribeLoadBalancersOutput](ctx, m.b.ELBv2, "DescribeLoadBalancers", &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if err != nil || len(out.LoadBalancers) == 0 {
		return nil, err
	}
	return &out.LoadBalancers[0], nil
}

// loadBalancer finds the load balancer named host in the caller's region.
func (m *Model) loadBalancer(ctx context.Context, host string) (*elbtypes.LoadBalancer, error) {
	in := &elb.DescribeLoadBalancersInput{}
	for {
		out, err := call[elb.DescribeLoadBalancersOutput](ctx, m.b.ELBv2, "DescribeLoadBalancers", in)
		if err != nil {
			return nil, err
		}
		for i, lb := range out.LoadBalancers {
			if strings.EqualFold(aws.ToString(lb.DNSName), host) {
				return &out.LoadBalancers[i], nil
			}
		}
		if out.NextMarker == nil {
			return nil, nil
		}
		in.Marker = out.NextMarker
	}
}

// portOf is the port a URL connects to.
func portOf(u *url.URL) int32 {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return int32(p)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// matchingRule is the first rule in priority order whose conditions all
// hold, the default rule last.
func matchingRule(rules []elbtypes.Rule, req *http.Request) *elbtypes.Rule {
	var def *elbtypes.Rule
	ordered := make([]*elbtypes.Rule, 0, len(rules))
	for i := range rules {
		if aws.ToBool(rules[i].IsDefault) {
			def = &rules[i]
			continue
		}
		ordered = append(ordered, &rules[i])
	}
	slices.SortFunc(ordered, func(a, b *elbtypes.Rule) int {
		pa, _ := strconv.Atoi(aws.ToString(a.Priority))
		pb, _ := strconv.Atoi(aws.ToString(b.Priority))
		return pa - pb
	})
	for _, r := range ordered {
		if matches(r.Conditions, req) {
			return r
		}
	}
	return def
}

// matches tells whether every condition holds for req. Header names and
// the values of http-header and host-header conditions compare without
// case; path patterns with case; * and ? are wildcards (ELBv2's rules).
func matches(conds []elbtypes.RuleCondition, req *http.Request) bool {
	for _, c := range conds {
		var values, patterns []string
		fold := true
		switch aws.ToString(c.Field) {
		case "http-header":
			values = req.Header.Values(aws.ToString(c.HttpHeaderConfig.HttpHeaderName))
			patterns = c.HttpHeaderConfig.Values
		case "host-header":
			values, patterns = []string{req.URL.Hostname()}, c.Values
		case "path-pattern":
			values, patterns, fold = []string{req.URL.Path}, c.Values, false
		default:
			return false
		}
		if !anyMatch(values, patterns, fold) {
			return false
		}
	}
	return true
}

func anyMatch(values, patterns []string, fold bool) bool {
	for _, p := range patterns {
		expr := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
		if fold {
			expr = "(?i)" + expr
		}
		re := regexp.MustCompile(expr)
		for _, v := range values {
			if re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

// forwardTarget is the target group a forward action sends to.
func forwardTarget(a elbtypes.Action) *string {
	if a.TargetGroupArn != nil {
		return a.TargetGroupArn
	}
	if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
		return a.ForwardConfig.TargetGroups[0].TargetGroupArn
	}
	return nil
}

// forward sends req to a target of the group: a healthy one, else (ALB
// fails open) an unhealthy one; 503 when none can take traffic, 502 when
// the target does not answer.
func (m *Model) forward(ctx context.Context, req *http.Request, lb *elbtypes.LoadBalancer, tgARN *string) (*Response, error) {
	unavailable := answer(http.StatusServiceUnavailable, "503 Service Temporarily Unavailable")
	if tgARN == nil {
		return unavailable, nil
	}
	out, err := call[elb.DescribeTargetHealthOutput](ctx, m.b.ELBv2, "DescribeTargetHealth", &elb.DescribeTargetHealthInput{TargetGroupArn: tgARN})
	if err != nil {
		return nil, err
	}
	var target string
	targetPort := int32(80)
	for _, state := range []elbtypes.TargetHealthStateEnum{elbtypes.TargetHealthStateEnumHealthy, elbtypes.TargetHealthStateEnumUnhealthy} {
		i := slices.IndexFunc(out.TargetHealthDescriptions, func(d elbtypes.TargetHealthDescription) bool {
			return d.TargetHealth != nil && d.TargetHealth.State == state
		})
		if i >= 0 {
			t := out.TargetHealthDescriptions[i].Target
			target = aws.ToString(t.Id)
			if t.Port != nil {
				targetPort = *t.Port
			}
			break
		}
	}
	if target == "" {
		return unavailable, nil
	}
	inst, ok := m.w.Network.Instance(target)
	if !ok || !m.admits(inst.Groups, targetPort, LoadBalancerSource(m.w.Network, lb.SecurityGroups, subnetIDsOf(lb))) {
		// The target's groups drop the load balancer's connection.
		return answer(http.StatusGatewayTimeout, "504 Gateway Time-out"), nil
	}
	resp, err := m.workload(target, targetPort, req)
	if err != nil {
		return answer(http.StatusBadGateway, "502 Bad Gateway"), nil
	}
	return resp, nil
}

// LoadBalancerSource is where a load balancer's connections to its targets
// come from: its nodes, in its subnets, with its security groups.
func LoadBalancerSource(n account.Network, groups, subnets []string) account.Source {
	src := account.Source{Groups: groups}
	for _, id := range subnets {
		if s, ok := n.Subnet(id); ok {
			src.CIDRs = append(src.CIDRs, s.CIDR)
		}
	}
	return src
}

func subnetIDsOf(lb *elbtypes.LoadBalancer) []string {
	var out []string
	for _, z := range lb.AvailabilityZones {
		out = append(out, aws.ToString(z.SubnetId))
	}
	return out
}

// admits asks EC2 whether groups let src in on port.
func (m *Model) admits(groups []string, port int32, src account.Source) bool {
	return m.w.Network != nil && m.w.Network.Admits(groups, port, src)
}

// viaAddress answers as the running instance with public address ip.
func (m *Model) viaAddress(ctx context.Context, req *http.Request, ip string) (*Response, error) {
	in := &ec2.DescribeInstancesInput{}
	for {
		out, err := call[ec2.DescribeInstancesOutput](ctx, m.b.EC2, "DescribeInstances", in)
		if err != nil {
			return nil, err
		}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				if aws.ToString(i.PublicIpAddress) == ip && i.State != nil && i.State.Name == ec2types.InstanceStateNameRunning {
					var groups []string
					for _, g := range i.SecurityGroups {
						groups = append(groups, aws.ToString(g.GroupId))
					}
					port := portOf(req.URL)
					if !m.admits(groups, port, account.Source{Internet: true}) {
						return nil, timedOut(ip)
					}
					return m.workload(aws.ToString(i.InstanceId), port, req)
				}
			}
		}
		if out.NextToken == nil {
			// Nobody answers on an address no instance holds.
			return nil, timedOut(ip)
		}
		in.NextToken = out.NextToken
	}
}

// workload answers as the instance on port: once the UserData's services
// are up, else the port is closed.
func (m *Model) workload(instanceID string, port int32, req *http.Request) (*Response, error) {
	inst, ok := m.w.Network.Instance(instanceID)
	if !ok || inst.State != "running" || inst.WorkloadUpAt.IsZero() || m.w.Now().Before(inst.WorkloadUpAt) {
		return nil, refused(req.URL.Host)
	}
	return m.instanceWorkload(instanceID, port, req)
}

// Probe is the status the instance's workload answers a GET of path on
// port with (0 when nothing answers): what an ALB health check sees, for
// the ELBv2 model. Callers hold the account's lock.
func (m *Model) Probe(instanceID string, port int32, path string) int {
	req, err := http.NewRequest(http.MethodGet, "http://"+instanceID+path, nil)
	if err != nil {
		return 0
	}
	resp, err := m.workload(instanceID, port, req)
	if err != nil {
		return 0
	}
	return resp.Status
}

// orNoSuchHost is err, or when there is none, a name that does not resolve.
func orNoSuchHost(err error, host string) error {
	if err != nil {
		return err
	}
	return noSuchHost(host)
}
