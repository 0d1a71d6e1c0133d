// Package sim assembles the simulated AWS: one account (a account.Account) with
// every service GeuseMaker calls registered and wired to each other. Tests
// and local runs build their own with New; nothing is global.
//
//	cloud := sim.New(account.WithLatency("cloudfront.deploy", time.Hour))
//	cfg := cloud.Config("us-east-1") // real SDK clients answer from cloud
package sim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/acm"
	"geusemaker/internal/sim/cloudfront"
	"geusemaker/internal/sim/ec2"
	"geusemaker/internal/sim/efs"
	"geusemaker/internal/sim/elbv2"
	"geusemaker/internal/sim/eventbridge"
	"geusemaker/internal/sim/iam"
	"geusemaker/internal/sim/internet"
	"geusemaker/internal/sim/route53"
	"geusemaker/internal/sim/secretsmanager"
	"geusemaker/internal/sim/servicequotas"
	"geusemaker/internal/sim/ssm"
)

// Cloud is a simulated AWS account with handles on each service model, for
// tests that plant or inspect state.
type Cloud struct {
	*account.Account
	EC2         *ec2.Model
	EFS         *efs.Model
	IAM         *iam.Model
	ELBv2       *elbv2.Model
	CloudFront  *cloudfront.Model
	SSM         *ssm.Model
	Secrets     *secretsmanager.Model
	EventBridge *eventbridge.Model
	Quotas      *servicequotas.Model
	ACM         *acm.Model
	Route53     *route53.Model
	// Internet answers plain HTTP requests (the smoke test's) from the
	// account's state: see HTTPClient.
	Internet *internet.Model
}

// New returns an account with every service registered.
func New(opts ...account.Option) *Cloud {
	w := account.New(opts...)
	c := &Cloud{
		Account:     w,
		EC2:         ec2.Register(w),
		EFS:         efs.Register(w),
		IAM:         iam.Register(w),
		ELBv2:       elbv2.Register(w),
		CloudFront:  cloudfront.Register(w),
		SSM:         ssm.Register(w),
		Secrets:     secretsmanager.Register(w),
		EventBridge: eventbridge.Register(w),
		Quotas:      servicequotas.Register(w),
		ACM:         acm.Register(w),
		Route53:     route53.Register(w),
	}
	// ACM validates a certificate by resolving its CNAME through Route 53.
	// Route 53's alias targets (ALBs, distributions) are not wired yet: it
	// refuses every alias until the domain step of issue 15 lands.
	c.ACM.DNS = c.Route53.Lookup
	c.Internet = internet.Register(w, internet.Backends{
		EC2: c.EC2, ELBv2: c.ELBv2, CloudFront: c.CloudFront,
		Secrets: c.Secrets, Roles: c.IAM, FileSystems: c.EFS,
	})
	// EC2 refuses a fresh instance profile until IAM has propagated it.
	c.EC2.InstanceProfileReady = c.IAM.ProfileReady
	// The instance's workload comes up only if its bootstrap can read its
	// secret and mount its file system; the ALB's health checks ask it.
	c.EC2.Boot = c.Internet.Boots
	c.ELBv2.Probe = c.Internet.Probe
	// A VPC origin points at a load balancer, which it then holds.
	c.CloudFront.LoadBalancer = c.ELBv2.LoadBalancer
	c.ELBv2.HeldBy = c.CloudFront.HeldBy
	return c
}

// Latencies returns every named latency and consistency window of the
// simulated services with its default (a window's is its upper bound):
// the names --latency and account.WithLatency accept.
func Latencies() map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, d := range []map[string]time.Duration{
		acm.Defaults(), cloudfront.Defaults(), ec2.Defaults(), efs.Defaults(), elbv2.Defaults(), iam.Defaults(), route53.Defaults(), ssm.Defaults(), secretsmanager.Defaults(),
	} {
		maps.Copy(out, d)
	}
	return out
}

// CheckFault refuses a fault that names a service or an operation the
// simulated AWS does not have (a wildcard, "" or "*", names any).
func CheckFault(f account.Fault) error {
	ops := New().Account.Operations()
	wild := func(s string) bool { return s == "" || s == "*" }
	for service, names := range ops {
		if !wild(f.Service) && !strings.EqualFold(service, f.Service) {
			continue
		}
		if wild(f.Operation) || slices.Contains(names, f.Operation) {
			return nil
		}
	}
	if !wild(f.Service) && !slices.ContainsFunc(slices.Collect(maps.Keys(ops)), func(s string) bool { return strings.EqualFold(s, f.Service) }) {
		return fmt.Errorf("fault %s:%s: no simulated service %q (one of %s)", f.Service, f.Operation, f.Service, strings.Join(slices.Sorted(maps.Keys(ops)), ", "))
	}
	return fmt.Errorf("fault %s:%s: the simulated %s has no operation %q", f.Service, f.Operation, f.Service, f.Operation)
}

// HTTPClient returns an HTTP client whose requests this account answers
// (package internet), made from region: what the smoke test uses locally where
// a Lambda uses a real client.
func (c *Cloud) HTTPClient(region string) *http.Client {
	return internet.Client(c.Config(region))
}
