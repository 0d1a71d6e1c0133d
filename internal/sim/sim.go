// Package sim assembles the simulated AWS: one account (a world.World) with
// every service GeuseMaker calls registered and wired to each other. Tests
// and local runs build their own with New; nothing is global.
//
//	cloud := sim.New(world.WithLatency("cloudfront.deploy", time.Hour))
//	cfg := cloud.Config("us-east-1") // real SDK clients answer from cloud
package sim

import (
	"net/http"

	"geusemaker/internal/sim/cloudfront"
	"geusemaker/internal/sim/ec2"
	"geusemaker/internal/sim/efs"
	"geusemaker/internal/sim/elbv2"
	"geusemaker/internal/sim/eventbridge"
	"geusemaker/internal/sim/iam"
	"geusemaker/internal/sim/secretsmanager"
	"geusemaker/internal/sim/servicequotas"
	"geusemaker/internal/sim/ssm"
	"geusemaker/internal/sim/web"
	"geusemaker/internal/sim/world"
)

// Cloud is a simulated AWS account with handles on each service model, for
// tests that plant or inspect state.
type Cloud struct {
	*world.World
	EC2         *ec2.Model
	EFS         *efs.Model
	IAM         *iam.Model
	ELBv2       *elbv2.Model
	CloudFront  *cloudfront.Model
	SSM         *ssm.Model
	Secrets     *secretsmanager.Model
	EventBridge *eventbridge.Model
	Quotas      *servicequotas.Model
	// Web answers plain HTTP requests (the smoke test's) from the
	// account's state: see HTTPClient.
	Web *web.Model
}

// New returns an account with every service registered.
func New(opts ...world.Option) *Cloud {
	w := world.New(opts...)
	c := &Cloud{
		World:       w,
		EC2:         ec2.Register(w),
		EFS:         efs.Register(w),
		IAM:         iam.Register(w),
		ELBv2:       elbv2.Register(w),
		CloudFront:  cloudfront.Register(w),
		SSM:         ssm.Register(w),
		Secrets:     secretsmanager.Register(w),
		EventBridge: eventbridge.Register(w),
		Quotas:      servicequotas.Register(w),
	}
	c.Web = web.Register(w, web.Backends{
		EC2: c.EC2, ELBv2: c.ELBv2, CloudFront: c.CloudFront,
		Secrets: c.Secrets, Roles: c.IAM, FileSystems: c.EFS,
	})
	// EC2 refuses a fresh instance profile until IAM has propagated it.
	c.EC2.InstanceProfileReady = c.IAM.ProfileReady
	// The instance's workload comes up only if its bootstrap can read its
	// secret and mount its file system; the ALB's health checks ask it.
	c.EC2.Boot = c.Web.Boots
	c.ELBv2.Probe = c.Web.Probe
	return c
}

// HTTPClient returns an HTTP client whose requests this account answers
// (package web), made from region: what the smoke test uses locally where
// a Lambda uses a real client.
func (c *Cloud) HTTPClient(region string) *http.Client {
	return web.Client(c.Config(region))
}
