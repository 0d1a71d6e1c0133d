package firewall_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	simec2 "geusemaker/internal/sim/ec2"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/firewall"
	"geusemaker/internal/steps/step"
)

type env struct {
	w       *account.Account
	clk     *clock.Virtual
	ec2     *sdkec2.Client
	vpc     string
	subnet  string
	actions step.Actions
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(account.WithClock(clk))
	simec2.Register(w)
	cfg := w.Config("us-east-1")
	c := sdkec2.NewFromConfig(cfg)
	vpcs, err := c.DescribeVpcs(context.Background(), &sdkec2.DescribeVpcsInput{})
	require.NoError(t, err)
	subnets, err := c.DescribeSubnets(context.Background(), &sdkec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	step := firewall.New(cfg, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &env{w: w, clk: clk, ec2: c, vpc: *vpcs.Vpcs[0].VpcId, subnet: *subnets.Subnets[0].SubnetId, actions: step.Actions()}
}

func (e *env) doc(tier document.Tier) *document.Document {
	return &document.Document{
		Request:   document.Request{DeploymentID: "demo", Tier: tier, Region: "us-east-1", EnableALB: tier != document.TierDev, EnableCDN: tier == document.TierGPU},
		Resources: document.Ledger{VPCID: e.vpc},
	}
}

// run invokes action as the Deploy workflow does: create's ResourceBusy
// (a new group not yet visible) is retried on the original input after
// retryBusy's pauses (5 s, doubling, 10 retries); delete's is returned, as
// the tests of its waits want it.
func (e *env) run(t *testing.T, action string, doc *document.Document) error {
	t.Helper()
	pause := 5 * time.Second
	for retries := 0; ; retries++ {
		attempt := clone(t, doc)
		err := e.actions[action](context.Background(), attempt)
		var se *steperr.Error
		if action == contract.ActionCreate && errors.As(err, &se) && se.Name == contract.ResourceBusy && retries < 10 {
			e.clk.Advance(pause)
			pause *= 2
			continue
		}
		*doc = *attempt
		return err
	}
}

// clone is a copy of the document that the action's changes leave
// untouched: what a retry starts from.
func clone(t *testing.T, doc *document.Document) *document.Document {
	t.Helper()
	out := *doc
	out.Resources.SecurityGroupIDs = maps.Clone(doc.Resources.SecurityGroupIDs)
	out.Resources.SuppliedKeys = slices.Clone(doc.Resources.SuppliedKeys)
	out.Status = maps.Clone(doc.Status)
	out.Deadlines = maps.Clone(doc.Deadlines)
	return &out
}

func requireStepError(t *testing.T, err error, name, code string) {
	t.Helper()
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, name, se.Name, se.Error())
	assert.Equal(t, code, se.Cause.AWSErrorCode)
	var cause map[string]string
	require.NoError(t, json.Unmarshal([]byte(se.CauseJSON()), &cause))
	assert.NotEmpty(t, cause["remediation"])
	if code != "" {
		assert.Equal(t, code, cause["aws_error_code"])
	}
}

// rule is one ingress rule in a comparable form.
type rule struct {
	Port int32
	From string
}

func (e *env) ingress(t *testing.T, id string) []rule {
	t.Helper()
	out, err := e.ec2.DescribeSecurityGroups(context.Background(), &sdkec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	require.NoError(t, err)
	var rules []rule
	for _, p := range out.SecurityGroups[0].IpPermissions {
		for _, r := range p.IpRanges {
			rules = append(rules, rule{*p.FromPort, *r.CidrIp})
		}
		for _, g := range p.UserIdGroupPairs {
			rules = append(rules, rule{*p.FromPort, *g.GroupId})
		}
		for _, pl := range p.PrefixListIds {
			rules = append(rules, rule{*p.FromPort, *pl.PrefixListId})
		}
	}
	return rules
}

func TestCreateGroupsPerTier(t *testing.T) {
	tests := []struct {
		name string
		tier document.Tier
		ssh  string
		want func(g map[string]string) map[string][]rule
	}{
		{"dev without SSH", document.TierDev, "", func(g map[string]string) map[string][]rule {
			return map[string][]rule{
				document.SGRoleInstance: {{80, "0.0.0.0/0"}},
				document.SGRoleEFS:      {{2049, g[document.SGRoleInstance]}},
			}
		}},
		{"dev with SSH", document.TierDev, "203.0.113.7/32", func(g map[string]string) map[string][]rule {
			return map[string][]rule{
				document.SGRoleInstance: {{22, "203.0.113.7/32"}, {80, "0.0.0.0/0"}},
				document.SGRoleEFS:      {{2049, g[document.SGRoleInstance]}},
			}
		}},
		{"automation", document.TierAutomation, "", func(g map[string]string) map[string][]rule {
			return map[string][]rule{
				document.SGRoleALB:      {{80, "0.0.0.0/0"}},
				document.SGRoleInstance: {{80, g[document.SGRoleALB]}},
				document.SGRoleEFS:      {{2049, g[document.SGRoleInstance]}},
			}
		}},
		{"gpu behind CloudFront", document.TierGPU, "", func(g map[string]string) map[string][]rule {
			return map[string][]rule{
				document.SGRoleALB:      {{80, simec2.CloudFrontPrefixListID}},
				document.SGRoleInstance: {{80, g[document.SGRoleALB]}},
				document.SGRoleEFS:      {{2049, g[document.SGRoleInstance]}},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			doc := e.doc(tt.tier)
			doc.Request.SSHCIDR = tt.ssh
			require.NoError(t, e.run(t, contract.ActionCreate, doc))
			groups := doc.Resources.SecurityGroupIDs
			want := tt.want(groups)
			require.Len(t, groups, len(want))
			for role, rules := range want {
				assert.ElementsMatch(t, rules, e.ingress(t, groups[role]), role)
			}
			inventory := e.w.Inventory()
			require.Len(t, inventory, len(want))
			for _, res := range inventory {
				assert.Equal(t, "demo", res.Tags[document.TagDeployment])
				assert.Contains(t, []string{"demo-alb-sg", "demo-instance-sg", "demo-efs-sg"}, res.Tags["Name"])
			}
			assert.Equal(t, document.StageSecurity, doc.Progress.Stage)

			// Twice, and with the ledger lost: the same groups, no new rules.
			require.NoError(t, e.run(t, contract.ActionCreate, doc))
			lost := e.doc(tt.tier)
			lost.Request.SSHCIDR = tt.ssh
			require.NoError(t, e.run(t, contract.ActionCreate, lost))
			assert.Equal(t, groups, lost.Resources.SecurityGroupIDs)
			assert.Equal(t, inventory, e.w.Inventory())

			require.NoError(t, e.run(t, contract.ActionDelete, doc))
			assert.Empty(t, e.w.Inventory())
			assert.Empty(t, doc.Resources.SecurityGroupIDs)
			require.NoError(t, e.run(t, contract.ActionDelete, doc))
			require.NoError(t, e.run(t, contract.ActionDelete, lost), "deleting what is gone succeeds")
		})
	}
}

func TestCreateWithSuppliedGroup(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mine, err := e.ec2.CreateSecurityGroup(ctx, &sdkec2.CreateSecurityGroupInput{GroupName: aws.String("mine"), Description: aws.String("mine"), VpcId: &e.vpc})
	require.NoError(t, err)
	e.clk.Advance(simec2.Defaults()[simec2.WindowGroupVisible]) // the user made it before deploying
	doc := e.doc(document.TierAutomation)
	doc.Request.SecurityGroupID = *mine.GroupId
	require.NoError(t, e.run(t, contract.ActionCreate, doc))
	assert.Equal(t, *mine.GroupId, doc.Resources.SecurityGroupIDs[document.SGRoleSupplied])
	assert.True(t, doc.Resources.Supplied(document.SecurityGroupKey(document.SGRoleSupplied)))
	assert.False(t, doc.Resources.Supplied(document.SecurityGroupKey(document.SGRoleInstance)))
	assert.Empty(t, e.ingress(t, *mine.GroupId), "a supplied group is never modified")
	ours := doc.Resources.SecurityGroupIDs[document.SGRoleInstance]
	require.NotEqual(t, *mine.GroupId, ours, "GeuseMaker's own instance group opens the workload's port beside it")
	assert.Equal(t, []rule{{80, doc.Resources.SecurityGroupIDs[document.SGRoleALB]}}, e.ingress(t, ours))
	assert.Equal(t, []rule{{2049, ours}}, e.ingress(t, doc.Resources.SecurityGroupIDs[document.SGRoleEFS]))

	require.NoError(t, e.run(t, contract.ActionDelete, doc))
	inventory := e.w.Inventory()
	require.Len(t, inventory, 1, "only the supplied group is left")
	assert.Equal(t, *mine.GroupId, inventory[0].ID)

	t.Run("does not exist", func(t *testing.T) {
		doc := e.doc(document.TierDev)
		doc.Request.SecurityGroupID = "sg-0000000000000ffff"
		requireStepError(t, e.run(t, contract.ActionCreate, doc), contract.SecurityGroupFailed, "")
	})
	t.Run("in another VPC", func(t *testing.T) {
		doc := e.doc(document.TierDev)
		doc.Request.SecurityGroupID = *mine.GroupId
		doc.Resources.VPCID = "vpc-0000000000000ffff"
		requireStepError(t, e.run(t, contract.ActionCreate, doc), contract.SecurityGroupFailed, "")
	})
}

func TestCreateFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault account.Fault
		asl   string
	}{
		{"describe denied", account.Fault{Operation: "DescribeSecurityGroups", Code: "UnauthorizedOperation"}, contract.SecurityGroupFailed},
		{"group quota", account.Fault{Operation: "CreateSecurityGroup", Code: "SecurityGroupLimitExceeded"}, contract.SecurityGroupFailed},
		// A name taken by no group the look-up sees: a group seconds old,
		// retried until EC2 lists it, then left to the rollback.
		{"duplicate without a group to adopt", account.Fault{Operation: "CreateSecurityGroup", Code: "InvalidGroup.Duplicate"}, contract.ResourceBusy},
		{"rule quota", account.Fault{Operation: "AuthorizeSecurityGroupIngress", Code: "RulesPerSecurityGroupLimitExceeded"}, contract.SecurityGroupFailed},
		{"prefix list lookup denied", account.Fault{Operation: "DescribeManagedPrefixLists", Code: "UnauthorizedOperation"}, contract.SecurityGroupFailed},
		{"throttled", account.Fault{Operation: "CreateSecurityGroup", Code: "RequestLimitExceeded"}, contract.Throttled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := tt.fault
			f.Service = "EC2"
			e.w.Inject(f)
			requireStepError(t, e.run(t, contract.ActionCreate, e.doc(document.TierGPU)), tt.asl, f.Code)
			e.w.ClearFaults()
			doc := e.doc(document.TierGPU)
			require.NoError(t, e.run(t, contract.ActionCreate, doc), "a retry completes")
			assert.Len(t, e.w.Inventory(), 3)
		})
	}
	t.Run("duplicate rule is done", func(t *testing.T) {
		e := newEnv(t)
		e.w.Inject(account.Fault{Service: "EC2", Operation: "AuthorizeSecurityGroupIngress", Code: "InvalidPermission.Duplicate"})
		require.NoError(t, e.run(t, contract.ActionCreate, e.doc(document.TierDev)))
	})
	t.Run("no VPC in the ledger", func(t *testing.T) {
		e := newEnv(t)
		doc := e.doc(document.TierDev)
		doc.Resources.VPCID = ""
		requireStepError(t, e.run(t, contract.ActionCreate, doc), contract.InternalError, "")
	})
}

func TestDeleteWaitsForNetworkInterfaces(t *testing.T) {
	e := newEnv(t)
	doc := e.doc(document.TierGPU)
	require.NoError(t, e.run(t, contract.ActionCreate, doc))
	var eni string
	e.w.Do(func() {
		var err error
		eni, err = e.w.Network.CreateNetworkInterface(e.subnet, []string{doc.Resources.SecurityGroupIDs[document.SGRoleEFS]}, "EFS mount target", false)
		require.NoError(t, err)
	})
	// The EFS group still in use: the deletion waits for it, and says
	// what it deleted meanwhile (the other two).
	efs := doc.Resources.SecurityGroupIDs[document.SGRoleEFS]
	require.NoError(t, e.run(t, contract.ActionDelete, doc))
	poll := doc.Status[contract.StatusSecurityGroupsDelete]
	assert.False(t, poll.Done)
	assert.Equal(t, "DependencyViolation", poll.Status)
	assert.Contains(t, poll.Detail, efs)
	assert.Positive(t, poll.NextPollSeconds)
	assert.Len(t, doc.Removal.Deleted, 2)
	assert.Equal(t, map[string]string{document.SGRoleEFS: efs}, doc.Resources.SecurityGroupIDs)

	e.w.Do(func() { e.w.Network.DeleteNetworkInterface(eni) })
	require.NoError(t, e.run(t, contract.ActionDeleteStatus, doc))
	assert.True(t, doc.Status[contract.StatusSecurityGroupsDelete].Done)
	assert.Len(t, doc.Removal.Deleted, 3)
	assert.Empty(t, doc.Removal.AlreadyGone, "each group deleted once, by one of the two runs")
	assert.Empty(t, doc.Removal.NeverCreated, "the poll does not take the groups it deleted for groups never created")
	assert.Empty(t, e.w.Inventory())
}

// A group in use by what this teardown could not delete is never freed:
// the deletion fails at once, naming it, instead of waiting (here both of
// Tier 1's groups are held so).
func TestDeleteDoesNotWaitForWhatTheTeardownLeftBehind(t *testing.T) {
	e := newEnv(t)
	doc := e.doc(document.TierDev)
	require.NoError(t, e.run(t, contract.ActionCreate, doc))
	e.w.Inject(account.Fault{Service: "EC2", Operation: "DeleteSecurityGroup", Code: "DependencyViolation"})
	doc.Rollback = map[string]document.RollbackEntry{
		contract.ReportSecret:   {Removal: document.Removal{Status: document.RemovalLeftBehind}},
		contract.ReportInstance: {Removal: document.Removal{Status: document.RemovalLeftBehind}},
		contract.ReportStorage:  {Removal: document.Removal{Status: document.RemovalLeftBehind}},
	}
	err := e.run(t, contract.ActionDelete, doc)
	requireStepError(t, err, contract.SecurityGroupFailed, "")
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Cause.Message, "(used by instance)")
	assert.Contains(t, se.Cause.Message, "(used by storage)")
	assert.NotContains(t, se.Cause.Message, "secret", "a secret holds no network interface")
}

// A family left behind whose record says the interfaces' owner is gone
// (here the load balancer deleted, its target group not) does not block
// the group: its interfaces drain, and the deletion waits for them.
func TestDeleteWaitsWhenTheOwnerOfTheInterfacesWasDeleted(t *testing.T) {
	e := newEnv(t)
	doc := e.doc(document.TierAutomation)
	require.NoError(t, e.run(t, contract.ActionCreate, doc))
	alb := doc.Resources.SecurityGroupIDs[document.SGRoleALB]
	e.w.Inject(account.Fault{Service: "EC2", Operation: "DeleteSecurityGroup", Code: "DependencyViolation", Times: 1, Match: account.InputContains(`"` + alb + `"`)})
	doc.Rollback = map[string]document.RollbackEntry{contract.ReportLoadBalancer: {
		Removal: document.Removal{Status: document.RemovalLeftBehind, Deleted: []string{"load balancer arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"}},
		Error:   contract.LoadBalancerFailed,
	}}
	require.NoError(t, e.run(t, contract.ActionDelete, doc))
	assert.Equal(t, "DependencyViolation", doc.Status[contract.StatusSecurityGroupsDelete].Status, "pending, not blocked")
	assert.Contains(t, doc.Status[contract.StatusSecurityGroupsDelete].Detail, alb)
	require.NoError(t, e.run(t, contract.ActionDeleteStatus, doc))
	assert.True(t, doc.Status[contract.StatusSecurityGroupsDelete].Done)
	assert.Empty(t, e.w.Inventory())
}

// A group in use past the wait's deadline fails the deletion with Timeout.
func TestDeleteTimesOutOnAGroupStillInUse(t *testing.T) {
	e := newEnv(t)
	doc := e.doc(document.TierDev)
	require.NoError(t, e.run(t, contract.ActionCreate, doc))
	e.w.Inject(account.Fault{Service: "EC2", Operation: "DeleteSecurityGroup", Code: "DependencyViolation"})
	require.NoError(t, e.run(t, contract.ActionDelete, doc))
	e.clk.Advance(firewall.DeleteWait.Timeout)
	requireStepError(t, e.run(t, contract.ActionDeleteStatus, doc), contract.Timeout, "")
	// A new teardown's delete starts a new wait.
	require.NoError(t, e.run(t, contract.ActionDelete, doc))
	assert.False(t, doc.Status[contract.StatusSecurityGroupsDelete].Done)
}

func TestDeleteFailures(t *testing.T) {
	tests := []struct {
		op, code, asl string
	}{
		{"DescribeSecurityGroups", "UnauthorizedOperation", contract.SecurityGroupFailed},
		{"RevokeSecurityGroupIngress", "UnauthorizedOperation", contract.SecurityGroupFailed},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			e := newEnv(t)
			require.NoError(t, e.run(t, contract.ActionCreate, e.doc(document.TierAutomation)))
			e.w.Inject(account.Fault{Service: "EC2", Operation: tt.op, Code: tt.code, Times: 1})
			requireStepError(t, e.run(t, contract.ActionDelete, e.doc(document.TierAutomation)), tt.asl, tt.code)
			require.NoError(t, e.run(t, contract.ActionDelete, e.doc(document.TierAutomation)))
			assert.Empty(t, e.w.Inventory())
		})
	}
	t.Run("a retried revoke that reached AWS", func(t *testing.T) {
		e := newEnv(t)
		require.NoError(t, e.run(t, contract.ActionCreate, e.doc(document.TierAutomation)))
		e.w.Inject(account.Fault{Service: "EC2", Operation: "RevokeSecurityGroupIngress", Code: "InvalidPermission.NotFound", Times: 1})
		// The reference survived the faked revoke, but the referencing
		// group is deleted before the one it references, taking it along.
		require.NoError(t, e.run(t, contract.ActionDelete, e.doc(document.TierAutomation)))
		assert.Empty(t, e.w.Inventory())
	})
	t.Run("other deployments' groups are left alone", func(t *testing.T) {
		e := newEnv(t)
		other := e.doc(document.TierDev)
		other.Request.DeploymentID = "other"
		require.NoError(t, e.run(t, contract.ActionCreate, other))
		require.NoError(t, e.run(t, contract.ActionDelete, e.doc(document.TierDev)))
		assert.Len(t, e.w.Inventory(), 2)
	})
}
