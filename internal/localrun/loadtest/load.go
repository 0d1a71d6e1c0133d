// Package loadtest is a load scenario for the local engine on one
// simulated account: many deployments of every tier started at once, some
// with late failures scoped to them, then destroyed, with the invariants
// checked (no leftovers, no call on another deployment's resources, every
// rollback announced). Tests and benchmarks use it; no product code does.
package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/servicequotas"
)

// LoadConfig shapes the load scenario (Load). Zero fields take the
// defaults in brackets.
type LoadConfig struct {
	// Deployments started at once in one account [50], tiers in turn dev,
	// automation, gpu; every sixth gpu one does not wait for CloudFront.
	Deployments int
	// FailEvery gives every n-th deployment a late failure scoped to it
	// [5]; negative: none.
	FailEvery int
	// Region of every deployment [us-east-1].
	Region string
	// Account configures the account, e.g. account.WithRateLimits.
	Account []account.Option
}

// LoadReport is what the load scenario measured. Its invariants hold when
// Unexpected, Trespasses, Leftovers and Disturbed are all empty.
type LoadReport struct {
	Deployments int `json:"deployments"`
	Failing     int `json:"failing"`
	// Unexpected lists each deployment, rollback or destroy that ended
	// other than planned, and why.
	Unexpected []string `json:"unexpected,omitempty"`
	// Trespasses lists each mutating call that named a resource another
	// deployment created.
	Trespasses []string `json:"trespasses,omitempty"`
	// Leftovers are the resources alive after every deployment was
	// destroyed, besides those that were there before.
	Leftovers []account.Resource `json:"leftovers,omitempty"`
	// Disturbed lists the pre-existing resources that were deleted or
	// changed (state, tags).
	Disturbed []string `json:"disturbed,omitempty"`

	// Calls the deployments and destroys made; Throttles of them were
	// answered with a throttling code; SDKRetries of those were retried by
	// the SDK (the next attempt of the same invocation).
	Calls      int `json:"calls"`
	Throttles  int `json:"throttles"`
	SDKRetries int `json:"sdk_retries"`
	// ThrottledOps counts the throttled calls by "Service Operation".
	ThrottledOps map[string]int `json:"throttled_ops,omitempty"`
	// ASLRetries are the Retry attempts the state machines scheduled, in
	// total and at most in one execution.
	ASLRetries    int `json:"asl_retries"`
	MaxASLRetries int `json:"max_asl_retries"`
	// Transitions are the state transitions billed for every execution.
	Transitions int `json:"transitions"`
	// Slowest is the healthy deployment that took longest, Duration its
	// time and Solo the time of the same kind of deployment alone in an
	// account.
	Slowest  string        `json:"slowest"`
	Duration time.Duration `json:"duration"`
	Solo     time.Duration `json:"solo"`
	// Elapsed is the virtual time from the start to the last destroy.
	Elapsed time.Duration `json:"elapsed"`
}

// Load defaults.
const (
	defaultLoadDeployments = 50
	defaultLoadFailEvery   = 5
	defaultLoadRegion      = "us-east-1"
	loadPrefix             = "lt-"
)

// planted are deployments made before the load, whose resources the load
// must leave alone: their ids extend the load's ids ("lt-1" is a prefix of
// "lt-1-old" and "lt-10"), so their names and tags look alike.
var planted = []struct{ id, tier string }{
	{"lt-1-old", "gpu"},
	{"lt-2x", "automation"},
	{"lt-3-0", "dev"},
}

// lateFailure is the failure injected into one deployment of a tier, late
// in its run, and the error it must end with.
type lateFailure struct {
	service, op, code string
	// match picks the deployment's calls from its id.
	match     func(id string) func(any) bool
	wantError string
}

// byTag matches the calls that tag a resource for the deployment: its id
// as a whole JSON string.
func byTag(id string) func(any) bool { return account.InputContains(`"` + id + `"`) }

var lateFailures = map[string]lateFailure{
	// The instance launch comes after the network, EFS and IAM exist.
	"dev": {"EC2", "RunInstances", "UnauthorizedOperation", byTag, contract.InstanceLaunchFailed},
	// Registering the running instance with the target group is the last
	// step but the health wait; the call names the group's ARN only.
	"automation": {"Elastic Load Balancing v2", "RegisterTargets", "AccessDenied",
		func(id string) func(any) bool {
			return account.InputContains("/" + document.Request{DeploymentID: id}.TargetGroupName() + "/")
		}, contract.LoadBalancerFailed},
	// CloudFront is created once the ALB is active, minutes in.
	"gpu": {"CloudFront", "CreateDistributionWithTags", "AccessDenied", byTag, contract.CloudFrontCreateFailed},
}

// loadDeployment is one deployment of the scenario.
type loadDeployment struct {
	id, tier string
	async    bool
	fail     *lateFailure
}

// kind names what a deployment's solo time depends on.
func (d loadDeployment) kind() string { return fmt.Sprintf("%s/async=%t", d.tier, d.async) }

func (d loadDeployment) request(region string) []byte {
	req := map[string]any{"deployment_id": d.id, "tier": d.tier, "region": region}
	if d.tier == "gpu" {
		req["wait_for_cloudfront"] = !d.async
	}
	b, _ := json.Marshal(req)
	return b
}

func (c LoadConfig) withDefaults() LoadConfig {
	if c.Deployments == 0 {
		c.Deployments = defaultLoadDeployments
	}
	if c.FailEvery == 0 {
		c.FailEvery = defaultLoadFailEvery
	}
	if c.Region == "" {
		c.Region = defaultLoadRegion
	}
	return c
}

func (c LoadConfig) deployments() []loadDeployment {
	tiers := []string{"dev", "automation", "gpu"}
	out := make([]loadDeployment, c.Deployments)
	for i := range out {
		n := i + 1
		d := loadDeployment{id: fmt.Sprintf("%s%d", loadPrefix, n), tier: tiers[i%len(tiers)]}
		d.async = d.tier == "gpu" && n%6 == 0
		if c.FailEvery > 0 && n%c.FailEvery == 0 {
			f := lateFailures[d.tier]
			d.fail = &f
		}
		out[i] = d
	}
	return out
}

// Load runs the load scenario: planted look-alike deployments, then every
// deployment of cfg started at once in one account, a fifth of them failing
// late by a fault scoped to each, then every one destroyed at once. It
// checks that each ended as planned, that no call touched another
// deployment's resources, and that the account ends as it began; and it
// measures throttling, retries and transitions. The error is for a
// scenario that could not run; broken invariants are in the report.
func Load(ctx context.Context, cfg LoadConfig) (*LoadReport, error) {
	cfg = cfg.withDefaults()
	deps := cfg.deployments()
	solo, err := soloDurations(ctx, cfg, deps)
	if err != nil {
		return nil, err
	}
	s, err := localrun.Simulate(cfg.Region, localrun.Config{}, cfg.Account...)
	if err != nil {
		return nil, err
	}
	raiseQuotas(s, cfg.Region)
	if err := plant(ctx, s, cfg.Region); err != nil {
		return nil, err
	}
	before := s.Cloud.Inventory()
	firstCall := len(s.Cloud.Calls())
	start := s.Clock.Now()

	rep := &LoadReport{Deployments: len(deps)}
	jobs := make([]localrun.Job, len(deps))
	for i, d := range deps {
		jobs[i] = localrun.Job{Workflow: localrun.Deploy, Name: d.id + "-deploy", Input: d.request(cfg.Region)}
		if f := d.fail; f != nil {
			rep.Failing++
			s.Cloud.Inject(account.Fault{Service: f.service, Operation: f.op, Code: f.code, Match: f.match(d.id)})
		}
	}
	deployed, err := s.RunAll(ctx, jobs)
	if err != nil {
		return nil, err
	}
	for i, d := range deps {
		rep.Unexpected = append(rep.Unexpected, checkDeploy(s, d, deployed[i])...)
		if dur := deployed[i].Execution.StopTime.Sub(deployed[i].Execution.StartTime); d.fail == nil && dur > rep.Duration {
			rep.Slowest, rep.Duration, rep.Solo = d.id, dur, solo[d.kind()]
		}
	}
	s.Cloud.ClearFaults()

	for i := range jobs {
		jobs[i].Workflow, jobs[i].Name = localrun.Destroy, deps[i].id+"-destroy"
	}
	destroyed, err := s.RunAll(ctx, jobs)
	if err != nil {
		return nil, err
	}
	for _, r := range destroyed {
		if x := r.Execution; x.Status != engine.StatusSucceeded {
			rep.Unexpected = append(rep.Unexpected, fmt.Sprintf("%s: destroy %s: %s: %s", r.DeploymentID, x.Status, x.Error, x.Cause))
		}
	}
	rep.Elapsed = s.Clock.Now().Sub(start)
	rep.Leftovers, rep.Disturbed = compareAccount(before, s.Leftovers())

	calls := s.Cloud.Calls()
	rep.Trespasses = Trespasses(calls)
	rep.Calls, rep.Throttles, rep.SDKRetries, rep.ThrottledOps = retryStats(calls[firstCall:])
	for _, r := range slices.Concat(deployed, destroyed) {
		for _, x := range append([]*engine.Execution{r.Execution}, r.Children...) {
			n := x.Count(engine.EventStateRetried)
			rep.ASLRetries += n
			rep.MaxASLRetries = max(rep.MaxASLRetries, n)
			rep.Transitions += x.Transitions()
		}
	}
	return rep, nil
}

// soloDurations times one deployment of each kind alone in a fresh
// account, the yardstick of the slowest deployment under load.
func soloDurations(ctx context.Context, cfg LoadConfig, deps []loadDeployment) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for _, d := range deps {
		if _, done := out[d.kind()]; done || d.fail != nil {
			continue
		}
		s, err := localrun.Simulate(cfg.Region, localrun.Config{}, cfg.Account...)
		if err != nil {
			return nil, err
		}
		x, _, err := s.Run(ctx, localrun.Deploy, d.id, d.request(cfg.Region))
		if err != nil {
			return nil, err
		}
		if x.Status != engine.StatusSucceeded {
			return nil, fmt.Errorf("solo %s deployment %s: %s: %s", d.kind(), x.Status, x.Error, x.Cause)
		}
		out[d.kind()] = x.StopTime.Sub(x.StartTime)
	}
	return out, nil
}

// plant deploys the look-alike deployments the load must leave alone.
// raiseQuotas gives the account room for the whole scenario at once, as
// an account running that many deployments would have asked for: the
// create operations enforce the quotas.
func raiseQuotas(s *localrun.Simulation, region string) {
	for _, q := range []struct {
		service, code string
		value         float64
	}{
		{servicequotas.ServiceEC2, servicequotas.CodeStandardVCPUs, 2048},
		{servicequotas.ServiceEC2, servicequotas.CodeGVCPUs, 2048},
		{servicequotas.ServiceELB, servicequotas.CodeALBs, 500},
		{servicequotas.ServiceCloudFront, servicequotas.CodeDistributions, 500},
	} {
		s.Cloud.Quotas.SetApplied(region, q.service, q.code, q.value)
	}
}

func plant(ctx context.Context, s *localrun.Simulation, region string) error {
	jobs := make([]localrun.Job, len(planted))
	for i, p := range planted {
		jobs[i] = localrun.Job{Workflow: localrun.Deploy, Name: p.id, Input: loadDeployment{id: p.id, tier: p.tier}.request(region)}
	}
	res, err := s.RunAll(ctx, jobs)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Execution.Status != engine.StatusSucceeded {
			return fmt.Errorf("plant %s: %s: %s", r.DeploymentID, r.Execution.Error, r.Execution.Cause)
		}
	}
	return nil
}

// checkDeploy says how a deployment ended other than planned: a healthy
// one succeeds (and its watcher too); a failing one fails with its error
// after a rollback that announced its completion.
func checkDeploy(s *localrun.Simulation, d loadDeployment, r localrun.Result) []string {
	x := r.Execution
	var out []string
	if d.fail == nil {
		if x.Status != engine.StatusSucceeded {
			return []string{fmt.Sprintf("%s: deploy %s: %s: %s", d.id, x.Status, x.Error, x.Cause)}
		}
		if d.async && len(r.Children) != 1 {
			out = append(out, fmt.Sprintf("%s: %d watchers, want 1", d.id, len(r.Children)))
		}
		for _, c := range r.Children {
			if c.Status != engine.StatusSucceeded {
				out = append(out, fmt.Sprintf("%s: watcher %s: %s: %s", d.id, c.Status, c.Error, c.Cause))
			}
		}
		return out
	}
	if x.Status != engine.StatusFailed || x.Error != d.fail.wantError {
		out = append(out, fmt.Sprintf("%s: deploy %s %s, want FAILED %s: %s", d.id, x.Status, x.Error, d.fail.wantError, x.Cause))
	}
	if !announced(s, contract.DetailRollbackCompleted, d.id) {
		out = append(out, d.id+": no Rollback Completed event")
	}
	return out
}

// announced reports whether an event of detailType was published for the
// deployment.
func announced(s *localrun.Simulation, detailType, id string) bool {
	for _, e := range s.Events() {
		var d struct {
			DeploymentID string `json:"deployment_id"`
		}
		if e.DetailType == detailType && json.Unmarshal(e.Detail, &d) == nil && d.DeploymentID == id {
			return true
		}
	}
	return false
}

// compareAccount sets what is alive after against what was alive before:
// resources that are new (leftovers) and old ones gone or changed.
func compareAccount(before, after []account.Resource) (leftovers []account.Resource, disturbed []string) {
	key := func(r account.Resource) string { return r.Service + " " + r.Type + " " + r.ID }
	was := map[string]account.Resource{}
	for _, r := range before {
		was[key(r)] = r
	}
	for _, r := range after {
		old, ok := was[key(r)]
		switch {
		case !ok:
			leftovers = append(leftovers, r)
		case old.State != r.State || !maps.Equal(old.Tags, r.Tags):
			disturbed = append(disturbed, fmt.Sprintf("%s changed: %s %v -> %s %v", key(r), old.State, old.Tags, r.State, r.Tags))
		}
		delete(was, key(r))
	}
	for k := range was {
		disturbed = append(disturbed, k+" deleted")
	}
	sort.Strings(disturbed)
	return leftovers, disturbed
}

// Trespasses lists the calls in which a caller changed what another caller
// created. Every identifier (id, name, ARN) a creation call returned
// belongs to its caller, unless several callers got it back (a shared
// default VPC, an AZ name); any mutating call whose input names an
// identifier belonging to another caller is a trespass.
func Trespasses(calls []account.Call) []string {
	owners := map[string]map[string]bool{}
	for _, c := range calls {
		if c.Caller == "" || c.Output == nil || !isCreate(c.Operation) {
			continue
		}
		for _, s := range identifiers(c.Output) {
			if owners[s] == nil {
				owners[s] = map[string]bool{}
			}
			owners[s][c.Caller] = true
		}
	}
	var out []string
	for _, c := range calls {
		if c.Caller == "" || account.IsRead(c.Operation) {
			continue
		}
		for _, s := range identifiers(c.Input) {
			if o := owners[s]; len(o) == 1 && !o[c.Caller] {
				out = append(out, fmt.Sprintf("%s %s.%s named %s of %s", c.Caller, c.Service, c.Operation, s, slices.Collect(maps.Keys(o))[0]))
			}
		}
	}
	return out
}

// isCreate reports whether an operation creates a resource.
func isCreate(op string) bool {
	return strings.HasPrefix(op, "Create") || strings.HasPrefix(op, "Run") || strings.HasPrefix(op, "Allocate")
}

// versionKeys hold version tokens, not identifiers: a CloudFront ETag
// looks like a distribution id ("E2QWRUHAPOMQZL") but names a version.
var versionKeys = map[string]bool{"ETag": true, "IfMatch": true}

// identifiers lists the strings in v's JSON form but timestamps and
// version tokens.
func identifiers(v any) []string {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var tree any
	if json.Unmarshal(b, &tree) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case string:
			if _, err := time.Parse(time.RFC3339Nano, n); err != nil && n != "" {
				out = append(out, n)
			}
		case []any:
			for _, e := range n {
				walk(e)
			}
		case map[string]any:
			for k, e := range n {
				if !versionKeys[k] {
					walk(e)
				}
			}
		}
	}
	walk(tree)
	return out
}

// retryStats counts the calls, those throttled (also by operation), and
// the throttled ones the SDK retried: an attempt that follows a throttled
// attempt of the same invocation.
func retryStats(calls []account.Call) (total, throttles, retries int, byOp map[string]int) {
	throttled := map[string]bool{} // invocation/attempt
	byOp = map[string]int{}
	for _, c := range calls {
		key := func(attempt int) string { return fmt.Sprintf("%s/%d", c.Invocation, attempt) }
		if isThrottle(c.ErrorCode) {
			throttles++
			byOp[c.Service+" "+c.Operation]++
			throttled[key(c.Attempt)] = true
		}
		if c.Attempt > 1 && throttled[key(c.Attempt-1)] {
			retries++
		}
	}
	return len(calls), throttles, retries, byOp
}

// isThrottle reports whether an error code is throttling, by the project's
// one definition (the SDK's throttle codes).
func isThrottle(code string) bool {
	return code != "" && awsapi.IsThrottle(&smithy.GenericAPIError{Code: code})
}

// errLoad is returned when the scenario's invariants do not hold.
var errLoad = errors.New("load scenario: invariants broken")

// Err returns nil when the report's invariants hold, else an error listing
// what broke.
func (r *LoadReport) Err() error {
	var lines []string
	lines = append(lines, r.Unexpected...)
	lines = append(lines, r.Trespasses...)
	for _, l := range r.Leftovers {
		lines = append(lines, fmt.Sprintf("left over: %s %s %s", l.Service, l.Type, l.ID))
	}
	lines = append(lines, r.Disturbed...)
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("%w:\n%s", errLoad, strings.Join(lines, "\n"))
}
