package network_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	simec2 "geusemaker/internal/sim/ec2"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/network"
	"geusemaker/internal/steps/step"
)

type env struct {
	w       *account.Account
	m       *simec2.Model
	clk     *clock.Virtual
	ec2     *sdkec2.Client
	actions step.Actions
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(account.WithClock(clk), account.WithConsistency())
	m := simec2.Register(w)
	cfg := w.Config("us-east-1")
	step := network.New(cfg, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &env{w: w, m: m, clk: clk, ec2: sdkec2.NewFromConfig(cfg), actions: step.Actions()}
}

func newDoc(tier document.Tier, instanceType string) *document.Document {
	return &document.Document{Request: document.Request{
		DeploymentID: "demo", Tier: tier, Region: "us-east-1", InstanceType: instanceType,
		EnableALB: tier != document.TierDev, EnableCDN: tier == document.TierGPU,
	}}
}

func (e *env) run(t *testing.T, action string, doc *document.Document) error {
	t.Helper()
	act, ok := e.actions[action]
	require.True(t, ok, action)
	return act(context.Background(), doc)
}

// requireStepError checks the ASL name, the AWS code and that the cause
// JSON carries a remediation.
func requireStepError(t *testing.T, err error, name, code string) *steperr.Error {
	t.Helper()
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, name, se.Name, se.Error())
	assert.Equal(t, code, se.Cause.AWSErrorCode)
	var cause map[string]string
	require.NoError(t, json.Unmarshal([]byte(se.CauseJSON()), &cause))
	assert.NotEmpty(t, cause["remediation"])
	assert.NotEmpty(t, cause["step"])
	if code != "" {
		assert.Equal(t, code, cause["aws_error_code"])
		assert.NotEmpty(t, cause["aws_request_id"])
	}
	return se
}

func (e *env) subnetZones(t *testing.T, ids []string) []string {
	t.Helper()
	var zones []string
	for _, id := range ids {
		out, err := e.ec2.DescribeSubnets(context.Background(), &sdkec2.DescribeSubnetsInput{SubnetIds: []string{id}})
		require.NoError(t, err)
		zones = append(zones, *out.Subnets[0].AvailabilityZone)
	}
	return zones
}

func TestResolveUsesTheDefaultVPC(t *testing.T) {
	tests := []struct {
		name      string
		tier      document.Tier
		typ       string
		fallbacks []string
		zones     []string
	}{
		{"cpu type offered everywhere", document.TierDev, "t3.medium", nil, []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
		// Tier 3 leaves out us-east-1c (use1-az3), which CloudFront VPC
		// origins do not serve.
		{"g5 not offered in zone a", document.TierGPU, "g5.xlarge", nil, []string{"us-east-1b", "us-east-1a"}},
		{"fallback ranks second", document.TierGPU, "p4d.24xlarge", []string{"g6.xlarge"}, []string{"us-east-1b", "us-east-1a"}},
		{"Tier 2 keeps every zone", document.TierAutomation, "t3.medium", nil, []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc(tt.tier, tt.typ)
			doc.Request.GPUInstanceFallbacks = tt.fallbacks
			require.NoError(t, e.run(t, contract.ActionResolve, doc))
			assert.True(t, doc.Resources.Default(document.KeyVPCID))
			assert.True(t, doc.Resources.Default(document.KeySubnetIDs))
			assert.Empty(t, doc.Resources.SuppliedKeys, "the user supplied nothing")
			assert.Equal(t, tt.zones, e.subnetZones(t, doc.Resources.SubnetIDs))
			assert.Equal(t, document.StageNetwork, doc.Progress.Stage)
			assert.Empty(t, e.w.Inventory(), "nothing created")

			require.NoError(t, e.run(t, contract.ActionDelete, doc))
			vpcs, err := e.ec2.DescribeVpcs(context.Background(), &sdkec2.DescribeVpcsInput{VpcIds: []string{doc.Resources.VPCID}})
			require.NoError(t, err, "the default VPC is never deleted")
			assert.Len(t, vpcs.Vpcs, 1)
		})
	}
}

func TestResolveCreatesANetworkWithoutDefaultVPC(t *testing.T) {
	e := newEnv(t)
	e.m.DeleteDefaultVPC("us-east-1")
	doc := newDoc(document.TierGPU, "g5.xlarge")
	require.NoError(t, e.run(t, contract.ActionResolve, doc))
	r := doc.Resources
	assert.False(t, r.Supplied(document.KeyVPCID))
	require.Len(t, r.SubnetIDs, 2)
	assert.Equal(t, []string{"us-east-1b", "us-east-1a"}, e.subnetZones(t, r.SubnetIDs), "zones offering g5.xlarge first, not use1-az3 (no VPC origins)")
	assert.NotEmpty(t, r.InternetGatewayID)
	assert.NotEmpty(t, r.RouteTableID)
	inventory := e.w.Inventory()
	require.Len(t, inventory, 5) // vpc, 2 subnets, igw, route table
	for _, res := range inventory {
		assert.Equal(t, "demo", res.Tags[document.TagDeployment], res.ID)
		assert.Equal(t, document.ManagedByValue, res.Tags[document.TagManagedBy], res.ID)
		assert.NotEmpty(t, res.Tags["Name"], res.ID)
	}

	ctx := context.Background()
	attr, err := e.ec2.DescribeVpcAttribute(ctx, &sdkec2.DescribeVpcAttributeInput{VpcId: &r.VPCID, Attribute: types.VpcAttributeNameEnableDnsHostnames})
	require.NoError(t, err)
	assert.True(t, *attr.EnableDnsHostnames.Value)
	subnets, err := e.ec2.DescribeSubnets(ctx, &sdkec2.DescribeSubnetsInput{SubnetIds: r.SubnetIDs})
	require.NoError(t, err)
	for _, sn := range subnets.Subnets {
		assert.True(t, *sn.MapPublicIpOnLaunch)
	}
	rts, err := e.ec2.DescribeRouteTables(ctx, &sdkec2.DescribeRouteTablesInput{RouteTableIds: []string{r.RouteTableID}})
	require.NoError(t, err)
	require.Len(t, rts.RouteTables[0].Routes, 2)
	assert.Equal(t, r.InternetGatewayID, *rts.RouteTables[0].Routes[1].GatewayId)
	assert.Equal(t, types.RouteStateActive, rts.RouteTables[0].Routes[1].State)
	assert.Len(t, rts.RouteTables[0].Associations, 2)

	t.Run("running twice creates nothing new", func(t *testing.T) {
		again := newDoc(document.TierGPU, "g5.xlarge")
		again.Resources = r
		require.NoError(t, e.run(t, contract.ActionResolve, again))
		assert.Equal(t, r.VPCID, again.Resources.VPCID)
		assert.Equal(t, r.SubnetIDs, again.Resources.SubnetIDs)
		assert.Equal(t, inventory, e.w.Inventory())
	})
	t.Run("a lost ledger finds the network by tag", func(t *testing.T) {
		lost := newDoc(document.TierGPU, "g5.xlarge")
		require.NoError(t, e.run(t, contract.ActionResolve, lost))
		assert.Equal(t, r.VPCID, lost.Resources.VPCID)
		assert.ElementsMatch(t, r.SubnetIDs, lost.Resources.SubnetIDs)
		assert.Equal(t, inventory, e.w.Inventory())
	})
	t.Run("delete removes everything, twice", func(t *testing.T) {
		require.NoError(t, e.run(t, contract.ActionDelete, doc))
		assert.Empty(t, e.w.Inventory())
		assert.Empty(t, doc.Resources.VPCID)
		assert.Empty(t, doc.Resources.SubnetIDs)
		require.NoError(t, e.run(t, contract.ActionDelete, doc))
		stale := newDoc(document.TierGPU, "g5.xlarge")
		stale.Resources = r
		require.NoError(t, e.run(t, contract.ActionDelete, stale), "deleting what is gone succeeds")
	})
}

func TestResolveResumesAfterAFailure(t *testing.T) {
	ops := []string{"CreateVpc", "ModifyVpcAttribute", "CreateSubnet", "ModifySubnetAttribute", "CreateInternetGateway", "AttachInternetGateway", "CreateRouteTable", "CreateRoute", "AssociateRouteTable", "DescribeAvailabilityZones", "DescribeInstanceTypeOfferings"}
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			e := newEnv(t)
			e.m.DeleteDefaultVPC("us-east-1")
			e.w.Inject(account.Fault{Service: "EC2", Operation: op, Code: "UnauthorizedOperation", Times: 1})
			doc := newDoc(document.TierAutomation, "t3.medium")
			requireStepError(t, e.run(t, contract.ActionResolve, doc), contract.NetworkFailed, "UnauthorizedOperation")

			// The retry starts from the input document, as Step Functions does.
			retry := newDoc(document.TierAutomation, "t3.medium")
			require.NoError(t, e.run(t, contract.ActionResolve, retry))
			assert.Len(t, e.w.Inventory(), 5, "nothing created twice")

			require.NoError(t, e.run(t, contract.ActionDelete, newDoc(document.TierAutomation, "t3.medium")), "the sweep finds it all by tag")
			assert.Empty(t, e.w.Inventory())
		})
	}
}

func TestResolveRetriedCallsThatReachedAWS(t *testing.T) {
	e := newEnv(t)
	e.m.DeleteDefaultVPC("us-east-1")
	doc := newDoc(document.TierDev, "t3.medium")
	require.NoError(t, e.run(t, contract.ActionResolve, doc))
	ctx := context.Background()
	// Undo the association and route so the retry has to redo them, then
	// make AWS answer as if the retried calls had already succeeded.
	rts, err := e.ec2.DescribeRouteTables(ctx, &sdkec2.DescribeRouteTablesInput{RouteTableIds: []string{doc.Resources.RouteTableID}})
	require.NoError(t, err)
	for _, a := range rts.RouteTables[0].Associations {
		_, err := e.ec2.DisassociateRouteTable(ctx, &sdkec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId})
		require.NoError(t, err)
	}
	_, err = e.ec2.DetachInternetGateway(ctx, &sdkec2.DetachInternetGatewayInput{InternetGatewayId: &doc.Resources.InternetGatewayID, VpcId: &doc.Resources.VPCID})
	require.NoError(t, err)
	e.w.Inject(account.Fault{Service: "EC2", Operation: "AttachInternetGateway", Code: "Resource.AlreadyAssociated", Times: 1})
	require.NoError(t, e.run(t, contract.ActionResolve, doc))
	rts, err = e.ec2.DescribeRouteTables(ctx, &sdkec2.DescribeRouteTablesInput{RouteTableIds: []string{doc.Resources.RouteTableID}})
	require.NoError(t, err)
	assert.Len(t, rts.RouteTables[0].Associations, 2)
}

func TestResolveSuppliedNetwork(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	vpc, err := e.ec2.CreateVpc(ctx, &sdkec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	require.NoError(t, err)
	vpcID := *vpc.Vpc.VpcId
	subnet := func(cidr, zone string) string {
		out, err := e.ec2.CreateSubnet(ctx, &sdkec2.CreateSubnetInput{VpcId: &vpcID, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(zone)})
		require.NoError(t, err)
		return *out.Subnet.SubnetId
	}
	a1, a2, c := subnet("10.1.1.0/24", "us-east-1a"), subnet("10.1.2.0/24", "us-east-1a"), subnet("10.1.3.0/24", "us-east-1c")
	defaults, err := e.ec2.DescribeSubnets(ctx, &sdkec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	require.NoError(t, err)
	foreign := *defaults.Subnets[0].SubnetId

	supplied := func(tier document.Tier, subnets ...string) *document.Document {
		doc := newDoc(tier, "g4dn.xlarge")
		doc.Request.VPCID, doc.Request.SubnetIDs = vpcID, subnets
		return doc
	}
	t.Run("dev: subnets kept, preferred zone first", func(t *testing.T) {
		doc := supplied(document.TierDev, c, a1)
		require.NoError(t, e.run(t, contract.ActionResolve, doc))
		assert.Equal(t, []string{a1, c}, doc.Resources.SubnetIDs, "g4dn.xlarge is not offered in us-east-1c")
		assert.True(t, doc.Resources.Supplied(document.KeyVPCID))
		assert.True(t, doc.Resources.Supplied(document.KeySubnetIDs))
		require.NoError(t, e.run(t, contract.ActionDelete, doc))
		assert.Len(t, e.w.Inventory(), 4, "supplied resources are never deleted")
	})
	t.Run("all the VPC's subnets when none are named", func(t *testing.T) {
		doc := supplied(document.TierDev)
		require.NoError(t, e.run(t, contract.ActionResolve, doc))
		assert.ElementsMatch(t, []string{a1, a2, c}, doc.Resources.SubnetIDs)
	})

	tests := []struct {
		name string
		doc  func() *document.Document
		code string
	}{
		{"VPC does not exist", func() *document.Document {
			doc := supplied(document.TierDev)
			doc.Request.VPCID = "vpc-0000000000000ffff"
			return doc
		}, ""},
		{"subnet does not exist", func() *document.Document { return supplied(document.TierDev, a1, "subnet-0000000000000ffff") }, "InvalidSubnetID.NotFound"},
		{"subnet of another VPC", func() *document.Document { return supplied(document.TierDev, a1, foreign) }, ""},
		{"ALB with one zone", func() *document.Document { return supplied(document.TierAutomation, a1, a2) }, ""},
		{"ALB without internet gateway", func() *document.Document { return supplied(document.TierAutomation, a1, c) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireStepError(t, e.run(t, contract.ActionResolve, tt.doc()), contract.NetworkFailed, tt.code)
		})
	}
	t.Run("VPC without subnets", func(t *testing.T) {
		empty, err := e.ec2.CreateVpc(ctx, &sdkec2.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16")})
		require.NoError(t, err)
		doc := newDoc(document.TierDev, "t3.medium")
		doc.Request.VPCID = *empty.Vpc.VpcId
		requireStepError(t, e.run(t, contract.ActionResolve, doc), contract.NetworkFailed, "")
	})
}

func TestResolveThrottled(t *testing.T) {
	e := newEnv(t)
	e.w.Inject(account.Fault{Service: "EC2", Operation: "DescribeVpcs", Code: "RequestLimitExceeded"})
	requireStepError(t, e.run(t, contract.ActionResolve, newDoc(document.TierDev, "t3.medium")), contract.Throttled, "RequestLimitExceeded")
}

func TestDeleteWaitsForDependents(t *testing.T) {
	e := newEnv(t)
	e.m.DeleteDefaultVPC("us-east-1")
	ctx := context.Background()
	doc := newDoc(document.TierAutomation, "t3.medium")
	require.NoError(t, e.run(t, contract.ActionResolve, doc))
	sg, err := e.ec2.CreateSecurityGroup(ctx, &sdkec2.CreateSecurityGroupInput{GroupName: aws.String("demo-instance-sg"), Description: aws.String("x"), VpcId: &doc.Resources.VPCID})
	require.NoError(t, err)
	run, err := e.ec2.RunInstances(ctx, &sdkec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"), InstanceType: "t3.medium", MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: &doc.Resources.SubnetIDs[0], SecurityGroupIds: []string{*sg.GroupId}, UserData: aws.String(base64.StdEncoding.EncodeToString([]byte("x")))})
	require.NoError(t, err)

	// The instance's public address keeps the gateway attached: the
	// deletion waits, keeping the record of what it deleted.
	require.NoError(t, e.run(t, contract.ActionDelete, doc))
	requirePending(t, doc)
	assert.Equal(t, []string{"route table " + first(doc, "route")}, doc.Removal.Deleted)
	_, err = e.ec2.TerminateInstances(ctx, &sdkec2.TerminateInstancesInput{InstanceIds: []string{*run.Instances[0].InstanceId}})
	require.NoError(t, err)
	require.NoError(t, e.run(t, contract.ActionDeleteStatus, doc))
	requirePending(t, doc)
	e.clk.Advance(time.Minute)

	// The security group (the firewall step's) keeps the VPC.
	require.NoError(t, e.run(t, contract.ActionDeleteStatus, doc))
	requirePending(t, doc)
	assert.Empty(t, doc.Resources.SubnetIDs, "subnets went before the VPC refused")
	_, err = e.ec2.DeleteSecurityGroup(ctx, &sdkec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
	require.NoError(t, err)
	require.NoError(t, e.run(t, contract.ActionDeleteStatus, doc))
	assert.Empty(t, doc.Removal.NeverCreated, "the polls do not take what they deleted for what was never created")
	assert.True(t, doc.Status[contract.StatusNetworkDelete].Done)
	assert.Empty(t, e.w.Inventory())
	assert.Empty(t, doc.Removal.AlreadyGone, "each deleted once, by one of the runs")
	assert.Equal(t, document.RemovalDeleted, doc.Removal.Status)
	kinds := map[string]int{}
	for _, d := range doc.Removal.Deleted {
		kinds[strings.Fields(d)[0]]++
	}
	assert.Equal(t, map[string]int{"route": 1, "internet": 1, "subnet": 2, "VPC": 1}, kinds)
}

// A network held by what this teardown could not delete is never freed:
// the deletion fails at once, naming it, instead of waiting.
func TestDeleteDoesNotWaitForWhatTheTeardownLeftBehind(t *testing.T) {
	e := newEnv(t)
	e.m.DeleteDefaultVPC("us-east-1")
	require.NoError(t, e.run(t, contract.ActionResolve, newDoc(document.TierDev, "t3.medium")))
	e.w.Inject(account.Fault{Service: "EC2", Operation: "DeleteVpc", Code: "DependencyViolation"})
	doc := newDoc(document.TierDev, "t3.medium")
	doc.Rollback = map[string]document.RollbackEntry{contract.ReportSecurityGroups: {Removal: document.Removal{Status: document.RemovalLeftBehind}}}
	// The route table, the gateway and the subnets go first: the record
	// of that is returned (pending, for a poll at once), and the next
	// poll, deleting nothing, fails.
	require.NoError(t, e.run(t, contract.ActionDelete, doc))
	assert.Equal(t, "failing", doc.Status[contract.StatusNetworkDelete].Status)
	assert.Len(t, doc.Removal.Deleted, 4, "route table, gateway, two subnets")
	se := requireStepError(t, e.run(t, contract.ActionDeleteStatus, doc), contract.NetworkFailed, "")
	assert.Contains(t, se.Cause.Message, "used by security_groups")
	assert.Contains(t, se.Cause.Message, "still in use by what this teardown could not delete")
	assert.Len(t, doc.Removal.Deleted, 4, "recorded once")
}

// requirePending asserts the network's deletion is waiting on a
// dependency, not failed and not done.
func requirePending(t *testing.T, doc *document.Document) {
	t.Helper()
	p := doc.Status[contract.StatusNetworkDelete]
	require.False(t, p.Done, "%+v", p)
	assert.Equal(t, "DependencyViolation", p.Status)
	assert.Positive(t, p.NextPollSeconds)
}

// first is the first recorded deletion of kind, by its id.
func first(doc *document.Document, kind string) string {
	for _, d := range doc.Removal.Deleted {
		if f := strings.Fields(d); f[0] == kind {
			return f[len(f)-1]
		}
	}
	return ""
}

func TestDeleteFailures(t *testing.T) {
	tests := []struct {
		op, code, name string
	}{
		{"DescribeVpcs", "UnauthorizedOperation", contract.NetworkFailed},
		{"DescribeInternetGateways", "UnauthorizedOperation", contract.NetworkFailed},
		{"DescribeRouteTables", "UnauthorizedOperation", contract.NetworkFailed},
		{"DescribeSubnets", "UnauthorizedOperation", contract.NetworkFailed},
		{"DisassociateRouteTable", "UnauthorizedOperation", contract.NetworkFailed},
		{"DeleteRouteTable", "DependencyViolation", ""},
		{"DetachInternetGateway", "UnauthorizedOperation", contract.NetworkFailed},
		{"DeleteInternetGateway", "UnauthorizedOperation", contract.NetworkFailed},
		{"DeleteSubnet", "DependencyViolation", ""},
		{"DeleteVpc", "DependencyViolation", ""},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			e := newEnv(t)
			e.m.DeleteDefaultVPC("us-east-1")
			require.NoError(t, e.run(t, contract.ActionResolve, newDoc(document.TierDev, "t3.medium")))
			e.w.Inject(account.Fault{Service: "EC2", Operation: tt.op, Code: tt.code, Times: 1})
			doc := newDoc(document.TierDev, "t3.medium")
			switch err := e.run(t, contract.ActionDelete, doc); {
			case tt.name == "": // busy: the deletion waits
				require.NoError(t, err)
				requirePending(t, doc)
			case doc.RemovedCount() > 0:
				// Something went before the failure: the record is kept
				// (pending, for a poll at once) and the poll fails.
				require.NoError(t, err)
				p := doc.Status[contract.StatusNetworkDelete]
				assert.Equal(t, "failing", p.Status)
				assert.Equal(t, 1, p.NextPollSeconds)
				assert.Contains(t, p.Detail, tt.code)
			default:
				requireStepError(t, err, tt.name, tt.code)
			}
			require.NoError(t, e.run(t, contract.ActionDelete, newDoc(document.TierDev, "t3.medium")))
			assert.Empty(t, e.w.Inventory())
		})
	}
	t.Run("detach answered Gateway.NotAttached moves on", func(t *testing.T) {
		e := newEnv(t)
		e.m.DeleteDefaultVPC("us-east-1")
		require.NoError(t, e.run(t, contract.ActionResolve, newDoc(document.TierDev, "t3.medium")))
		e.w.Inject(account.Fault{Service: "EC2", Operation: "DetachInternetGateway", Code: "Gateway.NotAttached", Times: 1})
		// The gateway is in fact still attached, so its deletion is refused
		// and retried, as the state machine's Retry would.
		doc := newDoc(document.TierDev, "t3.medium")
		require.NoError(t, e.run(t, contract.ActionDelete, doc))
		requirePending(t, doc)
		require.NoError(t, e.run(t, contract.ActionDelete, newDoc(document.TierDev, "t3.medium")))
		assert.Empty(t, e.w.Inventory())
	})
}

func TestDeleteSweepIgnoresOtherDeployments(t *testing.T) {
	e := newEnv(t)
	e.m.DeleteDefaultVPC("us-east-1")
	other := newDoc(document.TierDev, "t3.medium")
	other.Request.DeploymentID = "other"
	require.NoError(t, e.run(t, contract.ActionResolve, other))
	before := e.w.Inventory()
	require.NoError(t, e.run(t, contract.ActionDelete, newDoc(document.TierDev, "t3.medium")))
	assert.Equal(t, before, e.w.Inventory())
}

// Behind a VPC origin, a subnet the user named in a zone VPC origins do not
// serve (us-east-1c is use1-az3 here) is refused; named elsewhere, or left
// out, the others are used.
func TestTier3RefusesSuppliedSubnetsVPCOriginsDoNotServe(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	subnets, err := e.ec2.DescribeSubnets(ctx, &sdkec2.DescribeSubnetsInput{Filters: []types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	require.NoError(t, err)
	byZone := map[string]string{}
	for _, sn := range subnets.Subnets {
		byZone[aws.ToString(sn.AvailabilityZone)] = aws.ToString(sn.SubnetId)
	}
	doc := newDoc(document.TierGPU, "g4dn.xlarge")
	doc.Request.VPCID = aws.ToString(subnets.Subnets[0].VpcId)
	doc.Request.SubnetIDs = []string{byZone["us-east-1a"], byZone["us-east-1c"]}
	cause := requireStepError(t, e.run(t, contract.ActionResolve, doc), contract.NetworkFailed, "")
	assert.Contains(t, cause.Cause.Message, byZone["us-east-1c"]+" (use1-az3)")

	doc = newDoc(document.TierGPU, "g4dn.xlarge")
	doc.Request.VPCID = aws.ToString(subnets.Subnets[0].VpcId)
	require.NoError(t, e.run(t, contract.ActionResolve, doc))
	assert.NotContains(t, e.subnetZones(t, doc.Resources.SubnetIDs), "us-east-1c")
}
