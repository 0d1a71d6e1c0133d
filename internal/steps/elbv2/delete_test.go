package elbv2_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	simelb "geusemaker/internal/sim/elbv2"
)

func TestDeleteRemovesEverything(t *testing.T) {
	for _, ledger := range []string{"recorded", "lost"} {
		t.Run("ledger "+ledger, func(t *testing.T) {
			// Tier 3 where there are no VPC origins: an internet-facing ALB
			// with the origin rule too.
			const region = "ap-southeast-6"
			e := newEnv(t)
			doc := newDoc(true)
			doc.Request.Region = region
			e.mustRun(contract.ActionCreate, doc)
			require.Len(t, e.inventory(), 4)
			if ledger == "lost" {
				doc = newDoc(true)
				doc.Request.Region = region
			}

			e.mustRun(contract.ActionDelete, doc)
			assert.Empty(t, e.inventory())
			require.Len(t, doc.Removal.Deleted, 4, "the sweep completed the ledger: %v", doc.Removal.Deleted)
			for i, kind := range []string{"listener rule arn:", "listener arn:", "load balancer arn:", "target group arn:"} {
				assert.True(t, strings.HasPrefix(doc.Removal.Deleted[i], kind), doc.Removal.Deleted[i])
			}
			assert.Equal(t, document.RemovalDeleted, doc.Removal.Status)
			assert.Equal(t, document.StageDestroy, doc.Progress.Stage)
			assert.NotEmpty(t, doc.Deadlines[contract.StatusALBDelete])

			e.mustRun(contract.ActionDeleteStatus, doc)
			assert.True(t, doc.Status[contract.StatusALBDelete].Done)

			t.Run("twice succeeds", func(t *testing.T) {
				again := newDoc(true)
				e.mustRun(contract.ActionDelete, again)
				e.mustRun(contract.ActionDeleteStatus, again)
				assert.True(t, again.Status[contract.StatusALBDelete].Done)
				assert.Equal(t, document.RemovalNothing, again.Removal.Status)
				assert.Equal(t, []string{"load balancer"}, again.Removal.NeverCreated)
			})
		})
	}
}

func TestDeleteFreesTheSecurityGroupAfterTheInterfacesDrain(t *testing.T) {
	e := newEnv(t)
	doc := newDoc(false)
	e.mustRun(contract.ActionCreate, doc)
	e.mustRun(contract.ActionDelete, doc)
	enis := func() int {
		var n int
		e.w.Do(func() { n = len(e.net.ENIs) })
		return n
	}
	assert.Equal(t, 2, enis(), "interfaces linger after the delete")
	e.clock.Advance(simelb.Defaults()[simelb.LatencyENIRelease])
	e.w.Inventory() // the account settles every service before an inventory
	assert.Zero(t, enis())
}

func TestDeleteWithNothingToDelete(t *testing.T) {
	e := newEnv(t)
	doc := newDoc(false)
	doc.Error = &document.Failure{Error: contract.InstanceLaunchFailed}
	e.mustRun(contract.ActionDelete, doc)
	assert.True(t, doc.Status[contract.StatusALBDelete].Done)
	assert.Equal(t, document.StageRollback, doc.Progress.Stage)
	e.mustRun(contract.ActionDeleteStatus, doc)
	assert.True(t, doc.Status[contract.StatusALBDelete].Done)
}

func TestDeleteLeavesAnotherDeploymentAlone(t *testing.T) {
	e := newEnv(t)
	require.NoError(t, plantLB(e, "d2"))
	e.mustRun(contract.ActionDelete, newDoc(false))
	assert.Equal(t, map[string]int{"load-balancer": 1}, e.inventory())
}

func TestDeleteNamesAWSErrors(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		code   string
		want   string
		remedy string
	}{
		{"deletion protection", "DeleteLoadBalancer", "OperationNotPermitted", contract.LoadBalancerFailed, "deletion_protection"},
		{"rule denied", "DeleteRule", "AccessDenied", contract.LoadBalancerFailed, "destroy again"},
		{"listener denied", "DeleteListener", "AccessDenied", contract.LoadBalancerFailed, "destroy again"},
		{"target group denied", "DeleteTargetGroup", "AccessDenied", contract.LoadBalancerFailed, "destroy again"},
		{"sweep denied", "DescribeLoadBalancers", "AccessDenied", contract.LoadBalancerFailed, "destroy again"},
		{"throttled", "DeleteListener", "Throttling", contract.Throttled, "throttling"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			created := newDoc(true)
			e.mustRun(contract.ActionCreate, created)
			e.w.Inject(fault(tt.op, tt.code))
			doc := newDoc(true)
			if tt.op != "DescribeLoadBalancers" {
				doc.Resources = created.Resources
			}
			cause := requireStepError(t, e.run(contract.ActionDelete, doc), tt.want, tt.code)
			assert.Contains(t, cause.Remediation, tt.remedy)
		})
	}
}

func TestDeleteSweepFailures(t *testing.T) {
	for _, op := range []string{"DescribeTargetGroups", "DescribeListeners", "DescribeRules"} {
		t.Run(op, func(t *testing.T) {
			e := newEnv(t)
			e.mustRun(contract.ActionCreate, newDoc(true))
			e.w.Inject(fault(op, "AccessDenied"))
			requireStepError(t, e.run(contract.ActionDelete, newDoc(true)), contract.LoadBalancerFailed, "AccessDenied")
		})
	}
}

func TestDeleteStatusWaitsForTheLoadBalancerToGo(t *testing.T) {
	e := newEnv(t)
	doc := newDoc(false)
	e.mustRun(contract.ActionCreate, doc)
	// Still described (as right after DeleteLoadBalancer in some regions).
	e.mustRun(contract.ActionDeleteStatus, doc)
	poll := doc.Status[contract.StatusALBDelete]
	assert.False(t, poll.Done)
	assert.Equal(t, "deleting", poll.Status)
	assert.Equal(t, 7, poll.NextPollSeconds, "just after the typical 5 s")

	e.clock.Advance(10*time.Minute + time.Second)
	requireStepError(t, e.run(contract.ActionDeleteStatus, doc), contract.Timeout, "")

	e.w.Inject(fault("DescribeLoadBalancers", "AccessDenied"))
	requireStepError(t, e.run(contract.ActionDeleteStatus, doc), contract.LoadBalancerFailed, "AccessDenied")
}

// A target group is "in use" for seconds after the listener that
// forwarded to it went with its load balancer: the delete leaves it, and
// the deletion's poll deletes it once ELBv2 catches up.
func TestDeleteWaitsOutTheTargetGroupStillInUse(t *testing.T) {
	e, doc := activeWithTarget(t, time.Minute)
	e.w.SetLatency(simelb.WindowTargetGroupInUse, 5*time.Second)
	tg := doc.Resources.TargetGroupARN
	e.mustRun(contract.ActionDelete, doc)
	assert.Equal(t, tg, doc.Resources.TargetGroupARN, "left for the poll")
	assert.NotContains(t, doc.Removal.Deleted, "target group "+tg)

	e.mustRun(contract.ActionDeleteStatus, doc)
	assert.False(t, doc.Status[contract.StatusALBDelete].Done, "still in use")
	e.clock.Advance(5 * time.Second)
	e.mustRun(contract.ActionDeleteStatus, doc)
	assert.True(t, doc.Status[contract.StatusALBDelete].Done)
	assert.Empty(t, e.inventory())
	assert.Contains(t, doc.Removal.Deleted, "target group "+tg)
}

// A target group in use past the deletion's deadline is a timeout that
// names it.
func TestDeleteStatusTimesOutOnATargetGroupInUse(t *testing.T) {
	e, doc := activeWithTarget(t, time.Minute)
	e.w.SetLatency(simelb.WindowTargetGroupInUse, time.Hour)
	e.mustRun(contract.ActionDelete, doc)
	e.clock.Advance(10*time.Minute + time.Second)
	cause := requireStepError(t, e.run(contract.ActionDeleteStatus, doc), contract.Timeout, "")
	assert.Contains(t, cause.Message, "target group")
}
