package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
	simcf "geusemaker/internal/sim/cloudfront"
)

// Kind is what a scenario measures.
type Kind string

// Scenario kinds.
const (
	// KindDeploy deploys, then destroys what it deployed.
	KindDeploy Kind = "deploy"
	// KindRollback deploys with a failure late in the flow and rolls back.
	KindRollback Kind = "rollback"
)

// region of every benchmark deployment.
const region = "us-east-1"

// Request is the benchmark's request for tier: the sample's shape, in one
// region, with cloudfront_timeout_minutes given.
func Request(tier document.Tier, cloudFrontTimeoutMinutes int) []byte {
	req := map[string]any{
		"deployment_id": "bench-" + string(tier), "tier": tier, "region": region,
		"cloudfront_timeout_minutes": cloudFrontTimeoutMinutes,
	}
	if tier == document.TierGPU {
		req["instance_type"] = "g4dn.xlarge"
	}
	b, _ := json.Marshal(req)
	return b
}

// Run is one measured scenario.
type Run struct {
	Tier      document.Tier
	Profile   Profile
	Kind      Kind
	Latencies Latencies
	// Deploy is the Deploy execution; Destroy the Destroy execution that
	// followed it (KindDeploy only).
	Deploy, Destroy *engine.Execution
	// Calls is the simulated account's call log.
	Calls []account.Call
	// Invocations counts the Deploy execution's Lambda invocations, Events
	// the events it published.
	Invocations, Events int
	// Wall is the real time the Deploy execution took.
	Wall time.Duration
}

// lateFailure is how a rollback scenario fails late in tier's deployment:
// Tier 3 by its CloudFront wait timing out (a ten-minute timeout, past the
// VPC origin's five, and a distribution that would take two hours), Tier 2 by the target health
// check being denied, Tier 1 by the third DescribeInstances (the status poll
// that would see it running) being denied, each once every resource exists
// or is being created.
func lateFailure(tier document.Tier) (minutes int, latencies map[string]time.Duration, fault *account.Fault) {
	switch tier {
	case document.TierGPU:
		return 10, map[string]time.Duration{simcf.LatencyDeploy: 2 * time.Hour}, nil
	case document.TierAutomation:
		return document.DefaultCloudFrontTimeoutMinutes, nil, &account.Fault{
			Service: "Elastic Load Balancing v2", Operation: "DescribeTargetHealth", Code: "AccessDenied", Times: 1,
		}
	}
	return document.DefaultCloudFrontTimeoutMinutes, nil, &account.Fault{
		Service: "EC2", Operation: "DescribeInstances", Code: "UnauthorizedOperation", Skip: 2, Times: 1,
	}
}

// Measure runs one scenario on a fresh simulated account, with the
// committed definitions or, when defs is set, with those (a variant of
// the workflow whose effect is to be measured).
func Measure(ctx context.Context, tier document.Tier, p Profile, kind Kind, defs map[string][]byte) (*Run, error) {
	minutes, overrides := document.DefaultCloudFrontTimeoutMinutes, p.Overrides
	var opts []account.Option
	if kind == KindRollback {
		var late map[string]time.Duration
		var fault *account.Fault
		minutes, late, fault = lateFailure(tier)
		overrides = Latencies(overrides).With(late)
		if fault != nil {
			opts = append(opts, account.WithFault(*fault))
		}
	}
	r := &Run{Tier: tier, Profile: p, Kind: kind, Latencies: DefaultLatencies().With(overrides)}
	for name, d := range overrides {
		opts = append(opts, account.WithLatency(name, d))
	}
	var invocations atomic.Int64
	cfg := localrun.Config{
		OnTask: func(call engine.TaskCall, _ json.RawMessage, _ error) {
			if isLambda(call.Resource) {
				invocations.Add(1)
			}
		},
	}
	s, err := localrun.Simulate(region, cfg, opts...)
	if err != nil {
		return nil, err
	}
	runner := s.Runner
	if defs != nil {
		cfg.AWS, cfg.Clock, cfg.Definitions = s.Cloud.Config(region), s.Clock, defs
		cfg.Steps = localrun.StepsWith(s.Cloud.HTTPClient(region))
		if runner, err = localrun.New(cfg); err != nil {
			return nil, err
		}
	}
	began := time.Now()
	x, _, err := runner.Run(ctx, localrun.Deploy, "bench-deploy", Request(tier, minutes))
	r.Wall = time.Since(began)
	if err != nil {
		return nil, fmt.Errorf("deploy %s (%s): %w", tier, p.Name, err)
	}
	r.Deploy, r.Invocations, r.Events = x, int(invocations.Load()), len(runner.Events())
	want := engine.StatusSucceeded
	if kind == KindRollback {
		want = engine.StatusFailed
	}
	if x.Status != want {
		return nil, fmt.Errorf("deploy %s (%s, %s): %s, want %s: %s %s", tier, p.Name, kind, x.Status, want, x.Error, x.Cause)
	}
	if kind == KindDeploy {
		d, _, err := runner.Run(ctx, localrun.Destroy, "bench-destroy", x.Output)
		if err != nil {
			return nil, fmt.Errorf("destroy %s (%s): %w", tier, p.Name, err)
		}
		if d.Status != engine.StatusSucceeded {
			return nil, fmt.Errorf("destroy %s (%s): %s: %s %s", tier, p.Name, d.Status, d.Error, d.Cause)
		}
		r.Destroy = d
	}
	r.Calls = s.Cloud.Calls()
	return r, nil
}

// isLambda reports whether a Task resource invokes a Lambda function.
func isLambda(resource string) bool {
	return resource == "arn:aws:states:::lambda:invoke" || strings.HasPrefix(resource, "arn:aws:lambda:")
}
