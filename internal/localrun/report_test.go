package localrun_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
)

// rollbackReport reads the report of a failed deployment (its cause) or of
// a destroy (its output, or its cause when incomplete).
func rollbackReport(t *testing.T, x *engine.Execution) map[string]document.RollbackEntry {
	t.Helper()
	raw := []byte(x.Cause)
	if x.Status == engine.StatusSucceeded {
		raw = x.Output
	}
	var doc struct {
		Rollback map[string]document.RollbackEntry `json:"rollback"`
	}
	if x.Error == contract.DestroyIncomplete {
		require.NoError(t, json.Unmarshal(raw, &doc.Rollback))
	} else {
		require.NoError(t, json.Unmarshal(raw, &doc), "%s", raw)
	}
	require.Len(t, doc.Rollback, 7, "one entry per family: %s", raw)
	return doc.Rollback
}

// hasPrefixes asserts that list holds one item with each prefix, in any
// order, and nothing else.
func hasPrefixes(t *testing.T, list []string, prefixes ...string) {
	t.Helper()
	require.Len(t, list, len(prefixes), "%q", list)
	for _, p := range prefixes {
		n := 0
		for _, item := range list {
			if strings.HasPrefix(item, p) {
				n++
			}
		}
		assert.Equal(t, 1, n, "%q in %q", p, list)
	}
}

// A Tier 2 deployment that fails after its load balancer is up: the
// report names what each family deleted, the distribution Tier 2 never
// creates, and the default VPC it only used.
func TestTheRollbackReportSaysWhatEachFamilyDid(t *testing.T) {
	r := simulate(t, "tier2-automation.json", account.WithFault(account.Fault{Service: "Elastic Load Balancing v2", Operation: "RegisterTargets", Code: "AccessDenied"}))
	x := r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusFailed, x.Status)
	rep := rollbackReport(t, x)

	assert.Equal(t, document.RollbackEntry{Removal: document.Removal{Status: document.RemovalNothing, Deleted: []string{}, AlreadyGone: []string{},
		NeverCreated: []string{"CloudFront distribution"}, Kept: []string{}}}, rep["cloudfront"])
	lb := rep["load_balancer"]
	assert.Equal(t, "deleted", lb.Status)
	hasPrefixes(t, lb.Deleted, "listener arn:aws:elasticloadbalancing:", "load balancer arn:aws:elasticloadbalancing:", "target group arn:aws:elasticloadbalancing:")
	hasPrefixes(t, rep["instance"].Deleted, "EC2 instance i-", "IAM instance profile geuse-automation-", "IAM role geuse-automation-")
	storage := rep["storage"]
	assert.Equal(t, "deleted", storage.Status)
	require.NotEmpty(t, storage.Deleted)
	assert.Regexp(t, `^EFS file system fs-[0-9a-f]+$`, storage.Deleted[len(storage.Deleted)-1], "the file system last, after its mount targets")
	for _, mt := range storage.Deleted[:len(storage.Deleted)-1] {
		assert.Regexp(t, `^EFS mount target fsmt-[0-9a-f]+$`, mt)
	}
	hasPrefixes(t, rep["secret"].Deleted, "secret arn:aws:secretsmanager:")
	hasPrefixes(t, rep["security_groups"].Deleted, "alb security group sg-", "instance security group sg-", "efs security group sg-")

	network := rep["network"]
	assert.Equal(t, "kept", network.Status, "the default VPC is the account's")
	assert.Empty(t, network.Deleted)
	require.NotEmpty(t, network.Kept)
	for _, k := range network.Kept {
		assert.Regexp(t, `^(VPC vpc|subnet subnet)-[0-9a-f]+ \(the account's default VPC\)$`, k)
	}
	assert.ElementsMatch(t, []string{"route table", "internet gateway"}, network.NeverCreated)

	assert.Contains(t, r.detailTypes(), contract.DetailRollbackCompleted)
	assert.NotContains(t, r.detailTypes(), contract.DetailRollbackIncomplete)
	requireEmptyAccount(t, r)
}

// A rollback that cannot delete the load balancer says so (Rollback
// Incomplete, the entry's error and status) and still reports the other
// families; a destroy then deletes it and reports only that.
func TestARollbackThatLeavesSomethingSaysIncomplete(t *testing.T) {
	r := simulate(t, "tier3-gpu.json",
		account.WithFault(account.Fault{Service: "CloudFront", Operation: "CreateDistributionWithTags", Code: "TooManyDistributions", Times: 1}),
		account.WithFault(account.Fault{Service: "Elastic Load Balancing v2", Operation: "DeleteLoadBalancer", Code: "AccessDenied", Times: 1}))
	x := r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusFailed, x.Status)
	rep := rollbackReport(t, x)
	lb := rep["load_balancer"]
	assert.Equal(t, "left behind", lb.Status)
	assert.Equal(t, contract.LoadBalancerFailed, lb.Error)
	assert.Contains(t, lb.Cause, "AccessDenied")
	assert.Equal(t, "deleted", rep["instance"].Status, "the other deletions went on")
	// The load balancer still uses its group: the rollback deleted the
	// other two and, the load balancer being left behind, did not wait for
	// it.
	sg := rep["security_groups"]
	assert.Equal(t, "left behind", sg.Status)
	assert.Equal(t, contract.SecurityGroupFailed, sg.Error)
	assert.Contains(t, sg.Cause, "(used by load_balancer)")
	hasPrefixes(t, sg.Deleted, "instance security group sg-", "efs security group sg-")
	assert.Contains(t, r.detailTypes(), contract.DetailRollbackIncomplete)
	assert.NotContains(t, r.detailTypes(), contract.DetailRollbackCompleted)

	d := r.do(t, localrun.Destroy)
	require.Equal(t, engine.StatusSucceeded, d.Status, "%s: %s", d.Error, d.Cause)
	rep = rollbackReport(t, d)
	assert.Equal(t, "deleted", rep["load_balancer"].Status)
	hasPrefixes(t, rep["load_balancer"].Deleted, "load balancer arn:", "target group arn:")
	hasPrefixes(t, rep["security_groups"].Deleted, "alb security group sg-")
	for _, family := range []string{"cloudfront", "instance", "storage", "secret"} {
		assert.Empty(t, rep[family].Deleted, "%s: deleted by the rollback already", family)
		assert.NotEqual(t, "deleted", rep[family].Status, family)
	}
	assert.Contains(t, r.detailTypes(), contract.DetailDestroyCompleted)
	requireEmptyAccount(t, r)
}

// A destroy of a deployment destroyed already deletes nothing and says so.
func TestASecondDestroyHasNothingToDelete(t *testing.T) {
	r := simulate(t, "tier1-dev.json")
	require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Deploy).Status)
	first := rollbackReport(t, r.do(t, localrun.Destroy))
	for _, family := range []string{"instance", "storage", "secret", "security_groups"} {
		assert.Equal(t, "deleted", first[family].Status, family)
	}
	again := rollbackReport(t, r.do(t, localrun.Destroy))
	for family, e := range again {
		assert.Empty(t, e.Deleted, family)
		assert.Contains(t, []string{"nothing to delete", "kept"}, e.Status, family)
	}
	assert.Equal(t, []string{"CloudFront distribution"}, again["cloudfront"].NeverCreated)
}

// deniedCode is the code each service answers a call its caller may not
// make with.
var deniedCode = map[string]string{
	"EC2": "UnauthorizedOperation", "EFS": "AccessDeniedException", "Secrets Manager": "AccessDeniedException",
	"SSM": "AccessDeniedException", "IAM": "AccessDenied", "Elastic Load Balancing v2": "AccessDenied", "CloudFront": "AccessDenied",
}

// TestADestroyThatMeetsADeniedCallSaysWhatItLeft denies, once, each
// operation a Tier 3 destroy calls. The destroy either finishes anyway
// (then the account is empty) or ends DestroyIncomplete with Destroy
// Incomplete published and the failed family's entry left behind with its
// error; never "completed" with something alive. A second destroy then
// finishes.
func TestADestroyThatMeetsADeniedCallSaysWhatItLeft(t *testing.T) {
	clean := simulate(t, "tier3-gpu.json")
	require.Equal(t, engine.StatusSucceeded, clean.do(t, localrun.Deploy).Status)
	before := len(clean.sim.Cloud.Calls())
	require.Equal(t, engine.StatusSucceeded, clean.do(t, localrun.Destroy).Status)
	seen := map[[2]string]bool{}
	var ops [][2]string
	for _, c := range clean.sim.Cloud.Calls()[before:] {
		k := [2]string{c.Service, c.Operation}
		if _, ok := deniedCode[c.Service]; ok && !seen[k] {
			seen[k] = true
			ops = append(ops, k)
		}
	}
	require.Greater(t, len(ops), 20, "the destroy's operations: %v", ops)
	for _, op := range ops {
		t.Run(op[0]+":"+op[1], func(t *testing.T) {
			r := simulate(t, "tier3-gpu.json")
			require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Deploy).Status)
			r.sim.Cloud.Inject(account.Fault{Service: op[0], Operation: op[1], Code: deniedCode[op[0]], Times: 1})
			x := r.do(t, localrun.Destroy)
			rep := rollbackReport(t, x)
			var left []string
			denied := false
			for family, e := range rep {
				if e.Status == document.RemovalLeftBehind {
					left = append(left, family)
					assert.NotEmpty(t, e.Error, family)
					assert.NotEqual(t, contract.Timeout, e.Error, "%s: no wait for what this destroy left behind: %s", family, e.Cause)
					denied = denied || strings.Contains(e.Cause, deniedCode[op[0]])
				}
			}
			assert.Equal(t, len(left) > 0, denied, "what is left behind is the denied call's family (and what it holds): %v", left)
			types := r.detailTypes()
			if x.Status == engine.StatusSucceeded {
				assert.Empty(t, left)
				requireEmptyAccount(t, r)
				assert.Equal(t, contract.DetailDestroyCompleted, types[len(types)-1])
				return
			}
			assert.Equal(t, contract.DestroyIncomplete, x.Error)
			assert.NotEmpty(t, left, "an incomplete destroy names what it left")
			assert.Equal(t, contract.DetailDestroyIncomplete, types[len(types)-1])

			again := r.do(t, localrun.Destroy)
			require.Equal(t, engine.StatusSucceeded, again.Status, "%s: %s", again.Error, again.Cause)
			requireEmptyAccount(t, r)
		})
	}
}

// A destroy given a document whose deadlines an earlier teardown wrote
// (long past) waits afresh: each deletion starts its own wait.
func TestADestroyOfAnOldDocumentWaitsAfresh(t *testing.T) {
	r := simulate(t, "tier3-gpu.json")
	require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Deploy).Status)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(r.exec.Output, &doc))
	stale := map[string]any{}
	for _, key := range []string{contract.StatusSecurityGroupsDelete, contract.StatusNetworkDelete, contract.StatusALBDelete,
		contract.StatusInstanceTerminate, contract.StatusMountTargetDelete, contract.StatusCloudFrontDelete} {
		stale[key] = "2025-01-01T00:00:00Z"
	}
	doc["deadlines"] = stale
	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	x, _, err := r.sim.Run(context.Background(), localrun.Destroy, "destroy-old", raw)
	require.NoError(t, err)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	requireEmptyAccount(t, r)
}

// The stages that used to be silent (minutes without a word) publish their
// progress: the security groups, the secret, the role, the file system's
// mount, and on Tier 3 the GPU check.
func TestEveryCreationStagePublishesItsProgress(t *testing.T) {
	r := simulate(t, "tier3-gpu.json")
	require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Deploy).Status)
	published := map[string][]string{}
	for _, p := range r.progress(t) {
		published[p.Stage] = append(published[p.Stage], p.Message)
	}
	for stage, want := range map[string]string{
		document.StageSecurity: "Security groups ready",
		document.StageSecrets:  "Workload credentials stored",
		document.StageIdentity: "IAM role and instance profile ready",
		document.StageStorage:  "EFS mount targets available",
		document.StageGPU:      "GPU check passed",
	} {
		require.NotEmpty(t, published[stage], "nothing published for stage %s: %v", stage, published)
		assert.Contains(t, strings.Join(published[stage], " | "), want, stage)
	}
}

// A teardown is not silent either: each family's removal publishes what it
// did, in the teardown's stage.
func TestEveryRemovalPublishesItsProgress(t *testing.T) {
	r := simulate(t, "tier3-gpu.json")
	require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Deploy).Status)
	before := len(r.progress(t))
	require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Destroy).Status)
	var messages []string
	last := 0
	for _, p := range r.progress(t)[before:] {
		assert.Equal(t, document.StageDestroy, p.Stage, p.Message)
		assert.GreaterOrEqual(t, p.Percent, last, "%s: the percent never goes back", p.Message)
		last = p.Percent
		messages = append(messages, p.Message)
	}
	assert.Equal(t, 100, last, "the network goes last")
	for _, want := range []string{"CloudFront: deleted", "Load balancer: deleted", "Instance: deleted", "Storage: deleted",
		"Secret: deleted", "Security groups: deleted", "Network: nothing to delete"} {
		assert.Contains(t, messages, want)
	}

	failed := simulate(t, "tier2-automation.json", account.WithFault(account.Fault{Service: "Elastic Load Balancing v2", Operation: "RegisterTargets", Code: "AccessDenied"}))
	failed.do(t, localrun.Deploy)
	stages := map[string]string{}
	for _, p := range failed.progress(t) {
		stages[p.Message] = p.Stage
	}
	assert.Equal(t, document.StageRollback, stages["CloudFront: nothing to delete"])
	assert.Equal(t, document.StageRollback, stages["Network: kept"])
}

// Progress that cannot be published never fails a run: with every
// Deployment Progress event refused by the bus, the deployment and its
// destroy still succeed and announce their end.
func TestProgressThatCannotBePublishedIsSkipped(t *testing.T) {
	r := simulate(t, "tier3-gpu.json", account.WithFault(account.Fault{Service: "EventBridge", Operation: "PutEvents",
		Code: "InternalException", Status: 500, Match: account.InputContains(`"` + contract.DetailProgress + `"`)}))
	x := r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Destroy).Status)
	onBus := map[string]int{}
	for _, e := range r.sim.Cloud.EventBridge.Events() {
		onBus[e.DetailType]++
	}
	assert.Zero(t, onBus[contract.DetailProgress], "none reached the bus")
	assert.Equal(t, 1, onBus[contract.DetailSucceeded])
	assert.Equal(t, 1, onBus[contract.DetailDestroyCompleted])
	assert.Contains(t, r.exec.Path(), "Publish network removal skipped")
	requireEmptyAccount(t, r)
}

// A deployment that succeeded stays: its announcement, refused by the bus,
// is skipped, not a reason to roll it back.
func TestASuccessThatCannotBeAnnouncedIsNotRolledBack(t *testing.T) {
	r := simulate(t, "tier1-dev.json", account.WithFault(account.Fault{Service: "EventBridge", Operation: "PutEvents",
		Code: "InternalException", Status: 500, Match: account.InputContains(`"` + contract.DetailSucceeded + `"`)}))
	x := r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	assert.NotContains(t, x.Path(), "Let AWS settle", "no rollback")
	assert.NotEmpty(t, r.sim.Leftovers(), "the stack is up")
}
