package localrun_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/servicequotas"
	"geusemaker/internal/workload"
)

// simulateEdited is simulate with the sample request changed by edit.
func simulateEdited(t *testing.T, name string, edit func(map[string]any), opts ...account.Option) *run {
	t.Helper()
	raw, _ := sample(t, name)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	edit(m)
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	req, err := document.Parse(raw)
	require.NoError(t, err)
	s, err := localrun.Simulate(req.Region, localrun.Config{}, opts...)
	require.NoError(t, err)
	return &run{sim: s, req: req, raw: raw}
}

// creates lists the calls that create or change something.
func creates(r *run) []string {
	var out []string
	for _, c := range r.sim.Cloud.Calls() {
		for _, verb := range []string{"Create", "Run", "Authorize", "Register", "Put", "Attach", "Associate", "Modify", "Update", "Tag"} {
			if strings.HasPrefix(c.Operation, verb) && c.Service != "EventBridge" {
				out = append(out, c.Service+":"+c.Operation)
			}
		}
	}
	return out
}

func TestPreflightCatchesEveryProblemBeforeAnyCreate(t *testing.T) {
	const gpu = "tier3-gpu.json" // us-west-2, g4dn.xlarge (4 vCPUs) with fallbacks
	tests := []struct {
		name  string
		file  string
		quota [3]any // service, code, applied value
		edit  func(map[string]any)
		want  []string
	}{
		{name: "G vCPUs", quota: [3]any{servicequotas.ServiceEC2, servicequotas.CodeGVCPUs, 2.0},
			want: []string{"L-DB2E81BA", "to at least 4 vCPUs"}},
		{name: "ALBs", quota: [3]any{servicequotas.ServiceELB, servicequotas.CodeALBs, 0.0},
			want: []string{"L-53DA6B97", "to at least 1 load balancers"}},
		{name: "CloudFront distributions", quota: [3]any{servicequotas.ServiceCloudFront, servicequotas.CodeDistributions, 0.0},
			want: []string{"L-24B04930", "in us-east-1"}},
		{name: "EFS file systems", quota: [3]any{servicequotas.ServiceEFS, servicequotas.CodeFileSystems, 0.0},
			want: []string{"L-848C634D"}},
		{name: "security groups", quota: [3]any{servicequotas.ServiceVPC, servicequotas.CodeSecurityGroups, 2.0},
			want: []string{"L-E79EC296", "the deployment adds 3"}},
		{name: "rules per group, the prefix list weighing 55", quota: [3]any{servicequotas.ServiceVPC, servicequotas.CodeRulesPerGroup, 50.0},
			want: []string{"L-0EA8095F", "to at least 55 rules"}},
		{name: "instance type and fallbacks offered in none of the zones",
			edit: func(m map[string]any) {
				m["instance_type"], m["gpu_instance_fallbacks"] = "p6.48xlarge", []string{"g6e.48xlarge"}
			},
			want: []string{"p6.48xlarge, g6e.48xlarge", "nowhere in us-west-2"}},
		{name: "supplied VPC missing", file: "tier2-automation.json",
			edit: func(m map[string]any) { m["vpc_id"] = "vpc-0123456789abcdef0" },
			want: []string{"(1) VPC vpc-0123456789abcdef0 given in vpc_id does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edit := tt.edit
			if edit == nil {
				edit = func(map[string]any) {}
			}
			file := gpu
			if tt.file != "" {
				file = tt.file
			}
			r := simulateEdited(t, file, edit)
			if tt.quota[0] != nil {
				r.sim.Cloud.Quotas.SetApplied(r.req.Region, tt.quota[0].(string), tt.quota[1].(string), tt.quota[2].(float64))
			}
			x := r.do(t, localrun.Deploy)
			require.Equal(t, engine.StatusFailed, x.Status)
			assert.Equal(t, contract.PreflightFailed, x.Error)
			for _, w := range tt.want {
				assert.Contains(t, x.Cause, w)
			}
			assert.Empty(t, creates(r), "preflight creates nothing and nothing is created after it")
			assert.Empty(t, r.sim.Cloud.Inventory())
			assert.Contains(t, r.detailTypes(), "Deployment Failed")
			assert.NotContains(t, r.detailTypes(), "Rollback Completed", "nothing to roll back")
		})
	}
}

func TestPreflightListsEveryProblemAtOnce(t *testing.T) {
	r := simulate(t, "tier3-gpu.json")
	for _, q := range [][2]string{{servicequotas.ServiceEC2, servicequotas.CodeGVCPUs}, {servicequotas.ServiceELB, servicequotas.CodeALBs}} {
		r.sim.Cloud.Quotas.SetApplied(r.req.Region, q[0], q[1], 0)
	}
	x := r.do(t, localrun.Deploy)
	require.Equal(t, contract.PreflightFailed, x.Error)
	c, err := document.Failure{Error: x.Error, Cause: x.Cause}.DecodeCause()
	require.NoError(t, err)
	assert.Contains(t, c.Message, "2 problem(s)")
	assert.Contains(t, c.Remediation, "(1) Request a quota increase for L-DB2E81BA")
	assert.Contains(t, c.Remediation, "(2) Request a quota increase for L-53DA6B97")
}

func TestPreflightWarnsWhenQuotasCannotBeRead(t *testing.T) {
	r := simulate(t, "tier3-gpu.json", account.WithFault(account.Fault{Service: "Service Quotas", Code: "AccessDeniedException"}))
	x := r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	var warned bool
	for _, p := range r.progress(t) {
		if p.Stage == document.StagePreflight {
			warned = strings.Contains(p.Message, "not checked: could not read quota L-DB2E81BA") && strings.Contains(p.Message, "AccessDeniedException")
		}
	}
	assert.True(t, warned, "the preflight's progress event names the quota it could not read")
}

func TestProgressNamesBothChecks(t *testing.T) {
	r := simulate(t, "tier3-gpu.json")
	require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Deploy).Status)
	var stages []string
	for _, p := range r.progress(t) {
		stages = append(stages, p.Stage)
	}
	assert.Equal(t, document.StagePreflight, stages[0], "preflight reports first")
	assert.Contains(t, stages, document.StageSmoke)
	doc := r.output(t)
	assert.Contains(t, doc.Status["smoke"].Detail, "https://"+doc.Resources.CloudFrontDomain+"/healthz")
	assert.Contains(t, doc.Status["smoke"].Detail, "(the internal ALB) → Get", "the internal ALB has no address on the internet")
	assert.Contains(t, doc.Status["smoke"].Detail, "i/o timeout")
	gets := 0
	for _, c := range r.sim.Cloud.Calls() {
		if c.Service == "HTTP" {
			gets++
		}
	}
	// Through CloudFront: /healthz, n8n's settings, each route without
	// and with the key; then straight to the ALB and to the instance.
	assert.Equal(t, 2+2*len(workload.Routes())+2, gets)
}

func TestTrafficThatNeverFlowsFailsTheSmokeTestAndRollsBack(t *testing.T) {
	tests := []struct {
		name, file string
		opts       []account.Option
		want       string
	}{
		// Targets turn healthy, but every request through the edge fails.
		{"CloudFront answers 502", "tier3-gpu.json",
			[]account.Option{account.WithFault(account.Fault{Service: "HTTP", Operation: "GET", Code: "BadGateway"})}, "502 Bad Gateway"},
		// Tier 1 has no target health: the smoke test is what waits for the workload.
		{"the workload never comes up", "tier1-dev.json",
			[]account.Option{account.WithLatency("ec2.workload", 10*time.Hour)}, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := simulate(t, tt.file, tt.opts...)
			x := r.do(t, localrun.Deploy)
			failed(t, r, contract.SmokeTestFailed)
			assert.Contains(t, x.Cause, tt.want, "the cause says what came back")
			assert.Contains(t, x.Cause, "/healthz", "the cause says what was requested")
		})
	}
}

func TestTargetHealthFailsBeforeTheSmokeTestWhenTheWorkloadNeverComesUp(t *testing.T) {
	r := simulate(t, "tier2-automation.json", account.WithLatency("ec2.workload", 10*time.Hour))
	x := r.do(t, localrun.Deploy)
	failed(t, r, "")
	assert.NotEqual(t, contract.SmokeTestFailed, x.Error, "the ALB's health check sees it first")
	for _, c := range r.sim.Cloud.Calls() {
		assert.NotEqual(t, "HTTP", c.Service, "no smoke request after a failed target wait")
	}
}

func TestKeepOnSmokeFailureKeepsTheStackAndSaysHowToDestroyIt(t *testing.T) {
	r := simulateEdited(t, "tier3-gpu.json", func(m map[string]any) { m["keep_on_smoke_failure"] = true },
		account.WithFault(account.Fault{Service: "HTTP", Operation: "GET", Code: "ServiceUnavailable"}))
	x := r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusFailed, x.Status)
	assert.Equal(t, contract.SmokeTestFailed, x.Error)
	assert.Contains(t, x.Cause, "Destroy")
	assert.NotContains(t, r.detailTypes(), "Rollback Completed")
	assert.Contains(t, r.detailTypes(), "Deployment Failed")
	assert.NotEmpty(t, r.sim.Cloud.Inventory(), "the stack is kept")

	r.sim.Cloud.ClearFaults()
	x = r.do(t, localrun.Destroy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	requireEmptyAccount(t, r)
}

// When preflight cannot read the quotas (it warns and goes on), the launch
// meets the quota itself: RunInstances answers VcpuLimitExceeded, the
// deployment fails with a remediation naming the quota, and rolls back.
func TestAFullVCPUQuotaPreflightCouldNotReadFailsAtLaunchAndRollsBack(t *testing.T) {
	r := simulate(t, "tier3-gpu.json",
		account.WithFault(account.Fault{Service: "Service Quotas", Operation: "GetServiceQuota", Code: "AccessDeniedException"}),
		account.WithFault(account.Fault{Service: "Service Quotas", Operation: "GetAWSDefaultServiceQuota", Code: "AccessDeniedException"}))
	r.sim.Cloud.Quotas.SetApplied(r.req.Region, servicequotas.ServiceEC2, servicequotas.CodeGVCPUs, 0)
	x := r.do(t, localrun.Deploy)
	failed(t, r, contract.InstanceLaunchFailed)
	assert.Contains(t, x.Cause, "VcpuLimitExceeded")
	assert.Contains(t, x.Cause, "L-DB2E81BA")
}

// A region that does not exist passes the request's pattern, but no AWS
// endpoint answers there: the preflight says so, before anything is
// created, and there is no rollback.
func TestARegionThatDoesNotExistFailsThePreflight(t *testing.T) {
	r := simulateEdited(t, "tier1-dev.json", func(m map[string]any) { m["region"] = "xx-fake-9" })
	x := r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusFailed, x.Status)
	assert.Equal(t, contract.PreflightFailed, x.Error)
	assert.Contains(t, x.Cause, "no AWS endpoint answers in the request's region")
	assert.Contains(t, x.Cause, "ec2.xx-fake-9.amazonaws.com")
	assert.Contains(t, x.Cause, "Check the request's region")
	assert.Empty(t, creates(r))
	assert.NotContains(t, r.exec.Path(), "Let AWS settle", "nothing to roll back")
}
