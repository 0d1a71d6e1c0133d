package localrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/localrun"
	"geusemaker/internal/sim/account"
)

// sample reads a request from events/.
func sample(t *testing.T, name string) ([]byte, document.Request) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	require.NoError(t, err)
	req, err := document.Parse(raw)
	require.NoError(t, err)
	return raw, req
}

// run is one workflow run on a fresh simulated account.
type run struct {
	sim  *localrun.Simulation
	req  document.Request
	raw  []byte
	exec *engine.Execution
	kids []*engine.Execution
}

func simulate(t *testing.T, name string, opts ...account.Option) *run {
	t.Helper()
	raw, req := sample(t, name)
	s, err := localrun.Simulate(req.Region, localrun.Config{}, opts...)
	require.NoError(t, err)
	return &run{sim: s, req: req, raw: raw}
}

func (r *run) do(t *testing.T, wf localrun.Workflow) *engine.Execution {
	t.Helper()
	x, kids, err := r.sim.Run(context.Background(), wf, r.req.DeploymentID+"-"+string(wf), r.raw)
	require.NoError(t, err)
	r.exec, r.kids = x, kids
	return x
}

func (r *run) output(t *testing.T) document.Document {
	t.Helper()
	var doc document.Document
	require.NoError(t, json.Unmarshal(r.exec.Output, &doc))
	return doc
}

// progress is the detail of a Deployment Progress event.
type progress struct {
	Stage            string `json:"stage"`
	Message          string `json:"message"`
	Percent          int    `json:"percent"`
	CloudFrontDomain string `json:"cloudfront_domain"`
}

func (r *run) progress(t *testing.T) []progress {
	t.Helper()
	var out []progress
	for _, e := range r.sim.Events() {
		if e.DetailType != "Deployment Progress" {
			continue
		}
		var p progress
		require.NoError(t, json.Unmarshal(e.Detail, &p))
		out = append(out, p)
	}
	return out
}

func (r *run) detailTypes() []string {
	var out []string
	for _, e := range r.sim.Events() {
		out = append(out, e.DetailType)
	}
	return out
}

func requireEmptyAccount(t *testing.T, r *run) {
	t.Helper()
	alive := r.sim.Leftovers()
	require.Empty(t, alive, "leftover resources: %v", alive)
}

func TestDeployThenDestroyEachTier(t *testing.T) {
	tests := []struct {
		file     string
		urlStart func(document.Ledger) string
	}{
		{"tier1-dev.json", func(l document.Ledger) string { return "http://" + l.PublicIP }},
		{"tier2-automation.json", func(l document.Ledger) string { return "http://" + l.ALBDNS }},
		{"tier3-gpu.json", func(l document.Ledger) string { return "https://" + l.CloudFrontDomain }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := simulate(t, tt.file)
			x := r.do(t, localrun.Deploy)
			require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)

			doc := r.output(t)
			l := doc.Resources
			assert.NotEmpty(t, l.InstanceID)
			assert.NotEmpty(t, l.EFSID)
			assert.Equal(t, tt.urlStart(l), l.N8NURL)
			assert.Equal(t, doc.Request.EnableALB, l.ALBARN != "", "an ALB exactly when the tier asks for one")
			assert.Equal(t, doc.Request.EnableCDN, l.CloudFrontID != "", "CloudFront exactly when the tier asks for it")

			events := r.progress(t)
			require.NotEmpty(t, events)
			for i := 1; i < len(events); i++ {
				assert.GreaterOrEqual(t, events[i].Percent, events[i-1].Percent,
					"percent went back from %d (%s) to %d (%s)", events[i-1].Percent, events[i-1].Message, events[i].Percent, events[i].Message)
			}
			assert.Contains(t, r.detailTypes(), "Deployment Succeeded")
			assert.NotEmpty(t, r.sim.Cloud.Inventory(), "a deployment leaves its stack running")

			x = r.do(t, localrun.Destroy)
			require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
			requireEmptyAccount(t, r)
		})
	}
}

func TestTier3ReportsTheStorysCloudFrontProgress(t *testing.T) {
	r := simulate(t, "tier3-gpu.json")
	r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusSucceeded, r.exec.Status)
	domain := r.output(t).Resources.CloudFrontDomain

	var messages []string
	waiting := 0
	for _, p := range r.progress(t) {
		messages = append(messages, p.Message)
		if p.Message == "Waiting for deployment..." {
			waiting++
			assert.Less(t, p.Percent, 100, "never 100 until Deployed")
		}
	}
	want := []string{"CloudFront distribution created: ", "Waiting for deployment...", "CloudFront distribution deployed successfully"}
	at := 0
	for _, m := range messages {
		if at < len(want) && strings.HasPrefix(m, want[at]) {
			at++
		}
	}
	assert.Equal(t, len(want), at, "the story's messages in order, got %q", messages)
	assert.GreaterOrEqual(t, waiting, 1)

	var final map[string]any
	for _, e := range r.sim.Events() {
		if e.DetailType == "Deployment Succeeded" {
			require.NoError(t, json.Unmarshal(e.Detail, &final))
		}
	}
	assert.Contains(t, fmt.Sprint(final), domain, "the final event names the CloudFront domain")
}

func TestAsyncCloudFrontEndsEarlyAndAWatcherAnnouncesDeployed(t *testing.T) {
	r := simulate(t, "tier3-gpu-async.json")
	r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusSucceeded, r.exec.Status, "%s: %s", r.exec.Error, r.exec.Cause)
	require.Len(t, r.kids, 1, "one watcher execution")
	assert.Equal(t, engine.StatusSucceeded, r.kids[0].Status)
	assert.Contains(t, r.detailTypes(), "CloudFront Deployed")
	assert.NotContains(t, r.exec.Path(), "Check CloudFront", "the deployment itself does not wait for CloudFront")
}

// failed asserts a failed deployment ended in a named step error with a
// remediation, after a rollback that left nothing behind.
func failed(t *testing.T, r *run, wantError string) {
	t.Helper()
	x := r.exec
	require.Equal(t, engine.StatusFailed, x.Status)
	if wantError != "" {
		assert.Equal(t, wantError, x.Error)
	}
	assert.False(t, strings.HasPrefix(x.Error, "States."), "a named error, not %s", x.Error)
	assert.Contains(t, r.detailTypes(), "Rollback Completed")
	assert.Contains(t, r.detailTypes(), "Deployment Failed")
	requireEmptyAccount(t, r)
}

func TestCloudFrontNeverDeployedTimesOutAndRollsBack(t *testing.T) {
	r := simulate(t, "tier3-gpu.json", account.WithLatency("cloudfront.deploy", 2*time.Hour))
	r.do(t, localrun.Deploy)
	failed(t, r, contract.Timeout)
	assert.Contains(t, r.exec.Cause, "E0000000000001", "the cause names the distribution")
}

func TestNoCapacityInAnyZoneOrFallbackFailsCleanly(t *testing.T) {
	r := simulate(t, "tier3-gpu.json", account.WithFault(account.Fault{Service: "EC2", Operation: "RunInstances", Code: "InsufficientInstanceCapacity"}))
	r.do(t, localrun.Deploy)
	failed(t, r, contract.InsufficientCapacity)

	// Deployment Failed carries the cause decoded: an EventBridge rule can
	// match on its step and AWS error code.
	var detail struct {
		Error string         `json:"error"`
		Cause document.Cause `json:"cause"`
	}
	n := 0
	for _, e := range r.sim.Cloud.EventBridge.Events() {
		if e.DetailType == contract.DetailFailed {
			n++
			require.NoError(t, json.Unmarshal([]byte(e.Detail), &detail), e.Detail)
		}
	}
	require.Equal(t, 1, n)
	assert.Equal(t, contract.InsufficientCapacity, detail.Error)
	assert.Equal(t, "compute-launch", detail.Cause.Step)
	assert.Equal(t, "InsufficientInstanceCapacity", detail.Cause.AWSErrorCode)
	assert.NotEmpty(t, detail.Cause.Remediation)
}

func TestAFailureInsideRollbackDoesNotStopTheOtherDeletions(t *testing.T) {
	r := simulate(t, "tier3-gpu.json",
		account.WithFault(account.Fault{Service: "CloudFront", Operation: "CreateDistributionWithTags", Code: "TooManyDistributions", Times: 1}),
		account.WithFault(account.Fault{Service: "Elastic Load Balancing v2", Operation: "DeleteLoadBalancer", Code: "AccessDenied"}))
	r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusFailed, r.exec.Status)
	assert.Equal(t, contract.CloudFrontCreateFailed, r.exec.Error, "the original error, not the rollback's")
	assert.Contains(t, r.exec.Cause, "AccessDenied", "the cause reports what rollback left behind and why")

	types := map[string]bool{}
	for _, res := range r.sim.Leftovers() { // the deletions accepted finish
		types[res.Service+" "+res.Type] = true
	}
	assert.True(t, types["Elastic Load Balancing v2 load-balancer"], "the load balancer could not be deleted")
	for _, gone := range []string{"EC2 instance", "EFS file-system", "IAM role", "IAM instance-profile", "CloudFront distribution"} {
		assert.False(t, types[gone], "%s was deleted despite the failed load balancer deletion", gone)
	}
}

// TestEveryTaskDeliveredTwiceCreatesNothingTwice runs the deployment with
// every Lambda task delivered twice (Lambda's at-least-once delivery).
func TestEveryTaskDeliveredTwiceCreatesNothingTwice(t *testing.T) {
	count := func(inv []account.Resource) map[string]int {
		m := map[string]int{}
		for _, r := range inv {
			m[r.Service+" "+r.Type]++
		}
		return m
	}
	once := simulate(t, "tier3-gpu.json")
	require.Equal(t, engine.StatusSucceeded, once.do(t, localrun.Deploy).Status)

	raw, req := sample(t, "tier3-gpu.json")
	s, err := localrun.Simulate(req.Region, localrun.Config{AtLeastOnce: true})
	require.NoError(t, err)
	twice := &run{sim: s, req: req, raw: raw}
	x := twice.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	assert.Equal(t, count(once.sim.Cloud.Inventory()), count(twice.sim.Cloud.Inventory()))

	x = twice.do(t, localrun.Destroy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	requireEmptyAccount(t, twice)
}

// opsOf lists the distinct operations a clean Tier 3 deployment calls,
// each with the number of times it is called (in Times).
func opsOf(t *testing.T) []account.Fault {
	t.Helper()
	r := simulate(t, "tier3-gpu.json")
	require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Deploy).Status)
	index := map[[2]string]int{}
	var out []account.Fault
	for _, c := range r.sim.Cloud.Calls() {
		k := [2]string{c.Service, c.Operation}
		i, seen := index[k]
		if !seen {
			i = len(out)
			index[k] = i
			out = append(out, account.Fault{Service: c.Service, Operation: c.Operation})
		}
		out[i].Times++
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Service+out[i].Operation < out[j].Service+out[j].Operation
	})
	return out
}

// toleratedBy tells whether the injected failure of op hit a caller
// allowed to go on after it.
func toleratedBy(r *run, op account.Fault) bool {
	if op.Service == "EventBridge" || op.Service == "HTTP" {
		return true
	}
	for _, c := range r.sim.Cloud.Calls() {
		if c.Service == op.Service && c.Operation == op.Operation && c.ErrorCode == "UnauthorizedOperation" {
			return c.Principal == "preflight"
		}
	}
	return false
}

// throttleCode is the throttling code each service family answers with.
func throttleCode(service string) string {
	if service == "EC2" {
		return "RequestLimitExceeded"
	}
	return "Throttling"
}

// TestFaultMatrix injects, for every AWS operation a Tier 3 deployment
// calls, a non-retryable error on its first call and on its last call (the
// deployment must end in a named error after a rollback that leaves
// nothing, unless the step treats that call's failure as non-fatal), and a
// burst of two throttling errors (the SDK's retries must absorb it).
func TestFaultMatrix(t *testing.T) {
	ops := opsOf(t)
	require.GreaterOrEqual(t, len(ops), 20, "a Tier 3 deployment calls many operations")
	passed, total := 0, 0
	scenario := func(name string, fn func(t *testing.T)) {
		total++
		if t.Run(name, fn) {
			passed++
		}
	}
	for _, op := range ops {
		name := op.Service + ":" + op.Operation
		calls := op.Times
		for _, at := range []struct {
			label string
			skip  int
		}{{"first", 0}, {"last", calls - 1}} {
			if at.label == "last" && calls == 1 {
				continue
			}
			scenario(name+"/error-"+at.label, func(t *testing.T) {
				f := account.Fault{Service: op.Service, Operation: op.Operation, Code: "UnauthorizedOperation", Skip: at.skip, Times: 1}
				r := simulate(t, "tier3-gpu.json", account.WithFault(f))
				x := r.do(t, localrun.Deploy)
				if x.Status == engine.StatusSucceeded {
					// Only preflight's reads (a warning), the state
					// machine's own EventBridge publishes (retried) and the
					// smoke test's requests (retried until its deadline)
					// may fail without failing the deployment; the stack
					// must then be whole and destroyable.
					require.True(t, toleratedBy(r, op), "%s failed and the deployment went on regardless", name)
					t.Logf("%s (%s call): tolerated", name, at.label)
					x = r.do(t, localrun.Destroy)
					require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
					requireEmptyAccount(t, r)
					return
				}
				failed(t, r, "")
				assert.Contains(t, x.Cause, "UnauthorizedOperation", "the cause carries the AWS error code")
			})
		}
		scenario(name+"/throttled", func(t *testing.T) {
			f := account.Fault{Service: op.Service, Operation: op.Operation, Code: throttleCode(op.Service), Times: 2}
			r := simulate(t, "tier3-gpu.json", account.WithFault(f))
			x := r.do(t, localrun.Deploy)
			require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
		})
	}
	t.Logf("%d scenarios, %d passed", total, passed)
}

// plantNetwork creates, as the user would have, a VPC with an internet
// gateway, two subnets in two zones, a security group and an encrypted
// EFS file system, and returns the request fields that name them.
func plantNetwork(t *testing.T, s *localrun.Simulation, region string) map[string]any {
	t.Helper()
	ctx := context.Background()
	cfg := s.Cloud.Config(region)
	c := ec2.NewFromConfig(cfg)
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16")})
	require.NoError(t, err)
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	require.NoError(t, err)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: aws.String(vpcID)})
	require.NoError(t, err)
	var subnets []string
	for i, zone := range []string{"a", "b"} {
		sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), AvailabilityZone: aws.String(region + zone),
			CidrBlock: aws.String(fmt.Sprintf("10.20.%d.0/24", i))})
		require.NoError(t, err)
		subnets = append(subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("team-app"), Description: aws.String("team"), VpcId: aws.String(vpcID)})
	require.NoError(t, err)
	fs, err := efs.NewFromConfig(cfg).CreateFileSystem(ctx, &efs.CreateFileSystemInput{CreationToken: aws.String("team-data"), Encrypted: aws.Bool(true)})
	require.NoError(t, err)
	s.Clock.Advance(time.Minute)
	return map[string]any{"vpc_id": vpcID, "subnet_ids": subnets, "security_group_id": aws.ToString(sg.GroupId), "efs_id": aws.ToString(fs.FileSystemId)}
}

// What the user supplied (VPC, subnets, security group, EFS) is used and
// never deleted, by a destroy or by a rollback.
func TestSuppliedResourcesAreUsedAndNeverDeleted(t *testing.T) {
	for _, failing := range []bool{false, true} {
		t.Run(fmt.Sprintf("rollback=%v", failing), func(t *testing.T) {
			const region = "us-east-1"
			var opts []account.Option
			if failing {
				opts = append(opts, account.WithFault(account.Fault{Service: "Elastic Load Balancing v2", Operation: "RegisterTargets", Code: "UnauthorizedOperation"}))
			}
			s, err := localrun.Simulate(region, localrun.Config{}, opts...)
			require.NoError(t, err)
			req := plantNetwork(t, s, region)
			before := s.Cloud.Inventory()
			req["deployment_id"], req["tier"], req["region"] = "own-net", "automation", region
			raw, err := json.Marshal(req)
			require.NoError(t, err)
			parsed, err := document.Parse(raw)
			require.NoError(t, err)
			r := &run{sim: s, req: parsed, raw: raw}

			x := r.do(t, localrun.Deploy)
			if failing {
				require.Equal(t, engine.StatusFailed, x.Status)
			} else {
				require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
				doc := r.output(t)
				assert.Equal(t, req["efs_id"], doc.Resources.EFSID, "the supplied file system is used")
				assert.Equal(t, req["security_group_id"], doc.Resources.SecurityGroupIDs[document.SGRoleSupplied])
				assert.ElementsMatch(t, []string{"vpc_id", "subnet_ids", "efs_id", "security_group_ids.supplied"}, doc.Resources.SuppliedKeys)
				x = r.do(t, localrun.Destroy)
				require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
			}
			assert.Equal(t, before, s.Leftovers(), "exactly what the user had before is left, unchanged")
		})
	}
}

// A deployment in a China region lives in the aws-cn partition: every ARN
// says so, and the AWS managed policies the instance role needs are
// attached by their aws-cn ARNs (an aws ARN there is NoSuchEntity).
func TestADeploymentInChinaUsesItsPartitionsARNs(t *testing.T) {
	raw, _ := sample(t, "tier1-dev.json")
	var req map[string]any
	require.NoError(t, json.Unmarshal(raw, &req))
	req["region"] = "cn-north-1"
	raw, err := json.Marshal(req)
	require.NoError(t, err)
	parsed, err := document.Parse(raw)
	require.NoError(t, err)
	s, err := localrun.Simulate(parsed.Region, localrun.Config{})
	require.NoError(t, err)
	r := &run{sim: s, req: parsed, raw: raw}
	x := r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	var doc document.Document
	require.NoError(t, json.Unmarshal(x.Output, &doc))
	assert.True(t, strings.HasPrefix(doc.Resources.SecretARN, "arn:aws-cn:secretsmanager:cn-north-1:"), doc.Resources.SecretARN)
	for _, c := range s.Cloud.Calls() {
		if c.Operation == "AttachRolePolicy" {
			in := c.Input.(*iamsdk.AttachRolePolicyInput)
			assert.True(t, strings.HasPrefix(aws.ToString(in.PolicyArn), "arn:aws-cn:iam::aws:policy/"), aws.ToString(in.PolicyArn))
			assert.Empty(t, c.ErrorCode)
		}
	}
	require.Equal(t, engine.StatusSucceeded, r.do(t, localrun.Destroy).Status)
	requireEmptyAccount(t, r)
}

// Without a default VPC, Tier 3 creates its own VPC: CloudFront's service
// security group for the VPC origin lives in it, keeps it from being
// deleted for a while after the VPC origin is gone, and the destroy waits
// it out (the network deletion polls) and leaves nothing.
func TestTier3InItsOwnVPCWaitsOutCloudFrontsServiceGroup(t *testing.T) {
	r := simulate(t, "tier3-gpu.json")
	r.sim.Cloud.EC2.DeleteDefaultVPC(r.req.Region)
	x := r.do(t, localrun.Deploy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	doc := r.output(t)
	require.NotEmpty(t, doc.Resources.VPCOriginID)
	groups, err := ec2.NewFromConfig(r.sim.Cloud.Config(r.req.Region)).DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"CloudFront-VPCOrigins-Service-SG"}}}})
	require.NoError(t, err)
	require.Len(t, groups.SecurityGroups, 1)
	assert.Equal(t, doc.Resources.VPCID, aws.ToString(groups.SecurityGroups[0].VpcId), "in the deployment's own VPC")

	x = r.do(t, localrun.Destroy)
	require.Equal(t, engine.StatusSucceeded, x.Status, "%s: %s", x.Error, x.Cause)
	requireEmptyAccount(t, r)
}
