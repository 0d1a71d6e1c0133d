package preflight_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/servicequotas"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/preflight"
)

const region = "us-west-2"

type env struct {
	cloud *sim.Cloud
	ec2   *ec2.Client
	// planted counts the calls a test made to set the account up.
	planted int
}

func newEnv(t *testing.T, opts ...account.Option) *env {
	t.Helper()
	// Consistent: the windows are the end-to-end tests' (internal/localrun).
	c := sim.New(append([]account.Option{account.WithConsistency()}, opts...)...)
	return &env{cloud: c, ec2: ec2.NewFromConfig(c.Config(region))}
}

// doc is a Tier 3 request in us-west-2 with fields overridden.
func doc(t *testing.T, fields map[string]any) *document.Document {
	t.Helper()
	req := map[string]any{"deployment_id": "demo", "tier": "gpu", "region": region, "gpu_instance_fallbacks": []string{"g5.xlarge"}}
	for k, v := range fields {
		req[k] = v
	}
	if _, given := fields["gpu_instance_fallbacks"]; !given && req["tier"] != "gpu" {
		delete(req, "gpu_instance_fallbacks") // they apply to a GPU instance only
	}
	raw, err := json.Marshal(map[string]any{"request": req})
	require.NoError(t, err)
	var d document.Document
	require.NoError(t, json.Unmarshal(raw, &d))
	return &d
}

func (e *env) check(d *document.Document) error {
	s := preflight.New(e.cloud.Config(region), e.cloud.Clock(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return s.Actions()[contract.ActionCheck](context.Background(), d)
}

// failure runs the check and returns its PreflightFailed cause.
func (e *env) failure(t *testing.T, d *document.Document) document.Cause {
	t.Helper()
	err := e.check(d)
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, contract.PreflightFailed, se.Name, "%v", err)
	e.noChanges(t)
	return se.Cause
}

func (e *env) noChanges(t *testing.T) {
	t.Helper()
	for _, c := range e.cloud.Calls()[e.planted:] {
		assert.True(t, strings.HasPrefix(c.Operation, "Describe") || strings.HasPrefix(c.Operation, "Get") || strings.HasPrefix(c.Operation, "List"),
			"preflight only reads, called %s:%s", c.Service, c.Operation)
	}
}

func TestCleanAccountPasses(t *testing.T) {
	for _, fields := range []map[string]any{
		nil,
		{"tier": "dev", "instance_type": "t3.medium"},
	} {
		e := newEnv(t)
		d := doc(t, fields)
		require.NoError(t, e.check(d))
		require.NotNil(t, d.Progress)
		assert.Equal(t, document.StagePreflight, d.Progress.Stage)
		assert.Contains(t, d.Progress.Message, "Preflight passed: "+d.Request.InstanceType+" offered in "+region+"a")
		assert.NotContains(t, d.Progress.Message, "not checked")
		e.noChanges(t)
	}
}

func TestQuotaWithoutRoomFails(t *testing.T) {
	tests := []struct {
		name, service, code string
		value               float64
		fields              map[string]any
		want                []string
	}{
		{"G vCPUs", servicequotas.ServiceEC2, servicequotas.CodeGVCPUs, 3, nil,
			[]string{"L-DB2E81BA (Running On-Demand G and VT instances) is 3 vCPUs: 0 in use, the deployment adds 4", "to at least 4 vCPUs in us-west-2"}},
		{"P vCPUs", servicequotas.ServiceEC2, servicequotas.CodePVCPUs, 0, map[string]any{"instance_type": "p3.2xlarge", "gpu_instance_fallbacks": []string{}},
			[]string{"L-417A185B", "adds 8"}},
		{"standard vCPUs", servicequotas.ServiceEC2, servicequotas.CodeStandardVCPUs, 1, map[string]any{"tier": "dev", "instance_type": "t3.medium"},
			[]string{"L-1216C47A", "to at least 2 vCPUs"}},
		{"ALBs", servicequotas.ServiceELB, servicequotas.CodeALBs, 0, nil, []string{"L-53DA6B97", "delete unused load balancers"}},
		{"distributions", servicequotas.ServiceCloudFront, servicequotas.CodeDistributions, 0, nil, []string{"L-24B04930", "in us-east-1"}},
		{"file systems", servicequotas.ServiceEFS, servicequotas.CodeFileSystems, 0, nil, []string{"L-848C634D", "give efs_id"}},
		{"security groups", servicequotas.ServiceVPC, servicequotas.CodeSecurityGroups, 1, map[string]any{"tier": "dev", "instance_type": "t3.medium"},
			[]string{"L-E79EC296", "1 in use, the deployment adds 2"}},
		{"rules per group", servicequotas.ServiceVPC, servicequotas.CodeRulesPerGroup, 54, nil, []string{"L-0EA8095F", "to at least 55 rules", "weighs 55 rules"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.cloud.Quotas.SetApplied(region, tt.service, tt.code, tt.value)
			c := e.failure(t, doc(t, tt.fields))
			for _, w := range tt.want {
				assert.Contains(t, c.Message+" "+c.Remediation, w)
			}
		})
	}
}

func TestRunningInstancesOfTheFamilyCount(t *testing.T) {
	e := newEnv(t)
	subnets, err := e.ec2.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	for range 3 { // 12 G vCPUs in use, 4 more fit in 16
		_, err := e.ec2.RunInstances(context.Background(), &ec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"),
			InstanceType: types.InstanceTypeG4dnXlarge, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: subnets.Subnets[0].SubnetId})
		require.NoError(t, err)
	}
	_, err = e.ec2.RunInstances(context.Background(), &ec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"),
		InstanceType: types.InstanceTypeT3Medium, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: subnets.Subnets[0].SubnetId})
	require.NoError(t, err)
	require.NoError(t, e.check(doc(t, nil)), "12 + 4 fit in 16; the t3 counts against another quota")

	e.cloud.Quotas.SetApplied(region, servicequotas.ServiceEC2, servicequotas.CodeGVCPUs, 15)
	err = e.check(doc(t, nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "12 in use, the deployment adds 4")
}

func TestOfferings(t *testing.T) {
	t.Run("the first type offered in the subnets' zones is the one checked", func(t *testing.T) {
		e := newEnv(t)
		vpc := e.vpc(t, true, "us-west-2a", "us-west-2b")
		d := doc(t, map[string]any{"instance_type": "p5.48xlarge", "gpu_instance_fallbacks": []string{"g5.xlarge"}, "vpc_id": vpc})
		require.NoError(t, e.check(d), "p5 (zone c only, no P quota) is skipped for g5.xlarge, offered in zone b")
		assert.Contains(t, d.Progress.Message, "g5.xlarge offered in us-west-2b,")
	})
	t.Run("offered nowhere", func(t *testing.T) {
		e := newEnv(t)
		c := e.failure(t, doc(t, map[string]any{"instance_type": "p6.48xlarge", "gpu_instance_fallbacks": []string{"g6e.48xlarge"}}))
		assert.Contains(t, c.Message, "no instance type of p6.48xlarge, g6e.48xlarge is offered")
		assert.Contains(t, c.Remediation, "p6.48xlarge: nowhere in us-west-2")
	})
	t.Run("offered in other zones than the subnets'", func(t *testing.T) {
		e := newEnv(t)
		vpc := e.vpc(t, true, "us-west-2c")
		c := e.failure(t, doc(t, map[string]any{"tier": "dev", "instance_type": "g4dn.xlarge", "gpu_instance_fallbacks": []string{}, "vpc_id": vpc}))
		assert.Contains(t, c.Message, "(us-west-2c)")
		assert.Contains(t, c.Remediation, "g4dn.xlarge: us-west-2a, us-west-2b")
	})
}

// vpc creates a VPC with a subnet per zone and, if asked, an internet gateway.
func (e *env) vpc(t *testing.T, gateway bool, zones ...string) string {
	t.Helper()
	ctx := context.Background()
	v, err := e.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	require.NoError(t, err)
	id := aws.ToString(v.Vpc.VpcId)
	for i, z := range zones {
		_, err := e.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(id), AvailabilityZone: aws.String(z), CidrBlock: aws.String("10.9." + string(rune('1'+i)) + ".0/24")})
		require.NoError(t, err)
	}
	if gateway {
		g, err := e.ec2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
		require.NoError(t, err)
		_, err = e.ec2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: g.InternetGateway.InternetGatewayId, VpcId: aws.String(id)})
		require.NoError(t, err)
	}
	e.planted = len(e.cloud.Calls())
	return id
}

func TestSuppliedNetwork(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, e *env) map[string]any
		want  []string
	}{
		{"missing VPC", func(*testing.T, *env) map[string]any {
			return map[string]any{"vpc_id": "vpc-0123456789abcdef0"}
		}, []string{"VPC vpc-0123456789abcdef0 given in vpc_id does not exist in us-west-2"}},
		{"missing subnet", func(t *testing.T, e *env) map[string]any {
			return map[string]any{"vpc_id": e.vpc(t, true, "us-west-2a", "us-west-2b"), "subnet_ids": []string{"subnet-0123456789abcdef0", "subnet-0123456789abcdef1"}}
		}, []string{"subnet_ids:", "subnet-0123456789abcdef0"}},
		{"a VPC without subnets", func(t *testing.T, e *env) map[string]any {
			return map[string]any{"vpc_id": e.vpc(t, true)}
		}, []string{"has no subnets"}},
		{"one zone and no gateway for an ALB, and a missing group", func(t *testing.T, e *env) map[string]any {
			return map[string]any{"vpc_id": e.vpc(t, false, "us-west-2a"), "security_group_id": "sg-0123456789abcdef0"}
		}, []string{"(1) security group sg-0123456789abcdef0 given in security_group_id does not exist", "(2) the ALB needs subnets in two Availability Zones", "(3) VPC vpc-", "no internet gateway"}},
		{"a group of another VPC", func(t *testing.T, e *env) map[string]any {
			vpc := e.vpc(t, true, "us-west-2a", "us-west-2b")
			groups, err := e.ec2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{})
			require.NoError(t, err)
			for _, g := range groups.SecurityGroups {
				if aws.ToString(g.VpcId) != vpc {
					e.planted = len(e.cloud.Calls())
					return map[string]any{"vpc_id": vpc, "security_group_id": aws.ToString(g.GroupId)}
				}
			}
			t.Fatal("no default group")
			return nil
		}, []string{"not to the deployment's VPC vpc-"}},
		{"a supplied group and no default VPC", func(t *testing.T, e *env) map[string]any {
			vpc := e.vpc(t, true, "us-west-2a")
			g, err := e.ec2.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("mine"), Description: aws.String("mine"), VpcId: aws.String(vpc)})
			require.NoError(t, err)
			e.cloud.EC2.DeleteDefaultVPC(region)
			e.planted = len(e.cloud.Calls())
			return map[string]any{"tier": "dev", "instance_type": "t3.medium", "security_group_id": aws.ToString(g.GroupId)}
		}, []string{"the deployment will create a new VPC", "give vpc_id " + "vpc-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.failure(t, doc(t, tt.setup(t, e)))
			for _, w := range tt.want {
				assert.Contains(t, c.Message, w)
			}
			assert.NotEmpty(t, c.Remediation)
		})
	}
}

func TestSuppliedNetworkThatFits(t *testing.T) {
	e := newEnv(t)
	vpc := e.vpc(t, true, "us-west-2a", "us-west-2b")
	d := doc(t, map[string]any{"vpc_id": vpc})
	require.NoError(t, e.check(d))
	assert.Contains(t, d.Progress.Message, "g4dn.xlarge offered in us-west-2a, us-west-2b")
}

func TestNoDefaultVPCChecksTheWholeRegion(t *testing.T) {
	e := newEnv(t)
	e.cloud.EC2.DeleteDefaultVPC(region)
	d := doc(t, nil)
	require.NoError(t, e.check(d))
	assert.Contains(t, d.Progress.Message, "offered in us-west-2a, us-west-2b")
}

func TestUnreadableDataWarnsAndGoesOn(t *testing.T) {
	tests := []struct {
		fault account.Fault
		want  string
	}{
		{account.Fault{Service: "Service Quotas", Code: "AccessDeniedException"}, "could not read quota L-DB2E81BA (Running On-Demand G and VT instances) (AccessDeniedException)"},
		{account.Fault{Service: "Service Quotas", Operation: "GetAWSDefaultServiceQuota", Code: "ServiceException", Status: 500}, "could not read quota L-53DA6B97"},
		{account.Fault{Service: "EC2", Operation: "DescribeInstanceTypeOfferings", Code: "UnauthorizedOperation"}, "could not read the instance type offerings"},
		{account.Fault{Service: "EC2", Operation: "DescribeVpcs", Code: "UnauthorizedOperation"}, "could not read the default VPC"},
		{account.Fault{Service: "EC2", Operation: "DescribeInstances", Code: "UnauthorizedOperation"}, "could not read the usage of quota L-DB2E81BA"},
		{account.Fault{Service: "EC2", Operation: "DescribeManagedPrefixLists", Code: "UnauthorizedOperation"}, "could not read the CloudFront prefix list"},
		{account.Fault{Service: "CloudFront", Operation: "ListDistributions", Code: "AccessDenied"}, "could not read the usage of quota L-24B04930"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.Service+":"+tt.fault.Operation, func(t *testing.T) {
			e := newEnv(t, account.WithFault(tt.fault))
			d := doc(t, nil)
			require.NoError(t, e.check(d))
			assert.Contains(t, d.Progress.Message, tt.want)
			assert.Regexp(t, `^Preflight found no problem in what it could read, but [0-9]+ check\(s\) could not run .*; not checked: could not read `, d.Progress.Message)
			assert.NotContains(t, d.Progress.Message, "passed", "a preflight that skipped a check does not say it passed")
		})
	}
}

func TestThrottlingIsRetriedByTheStateMachine(t *testing.T) {
	e := newEnv(t, account.WithFault(account.Fault{Service: "EC2", Operation: "DescribeVpcs", Code: "RequestLimitExceeded"}))
	err := e.check(doc(t, nil))
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, contract.Throttled, se.Name)
}

func TestATypeOutsideTheCatalogueIsOfferedNowhere(t *testing.T) {
	e := newEnv(t)
	d := doc(t, map[string]any{"tier": "dev", "instance_type": "inf2.xlarge"})
	err := e.check(d)
	require.Error(t, err, "inf2 is not in the simulated catalogue: offered nowhere")
	assert.Contains(t, err.Error(), "inf2.xlarge")
}

// plantFileSystem creates an available file system, with a mount target
// in each of zones (in the default VPC's subnets), as the user would have.
func (e *env) plantFileSystem(t *testing.T, zones ...string) string {
	t.Helper()
	ctx := context.Background()
	c := efs.NewFromConfig(e.cloud.Config(region))
	fs, err := c.CreateFileSystem(ctx, &efs.CreateFileSystemInput{CreationToken: aws.String("team"), Encrypted: aws.Bool(true)})
	require.NoError(t, err)
	e.cloud.Clock().(*clock.Virtual).Advance(time.Minute)
	for _, z := range zones {
		sn, err := e.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{
			{Name: aws.String("availability-zone"), Values: []string{z}}, {Name: aws.String("default-for-az"), Values: []string{"true"}}}})
		require.NoError(t, err)
		require.NotEmpty(t, sn.Subnets)
		_, err = c.CreateMountTarget(ctx, &efs.CreateMountTargetInput{FileSystemId: fs.FileSystemId, SubnetId: sn.Subnets[0].SubnetId})
		require.NoError(t, err)
	}
	e.planted = len(e.cloud.Calls())
	return aws.ToString(fs.FileSystemId)
}

func TestSuppliedFileSystem(t *testing.T) {
	tests := []struct {
		name   string
		zones  []string
		fields func(fsID string) map[string]any
		want   string // "" passes
	}{
		{"without mount targets: ours will be created", nil,
			func(id string) map[string]any { return map[string]any{"efs_id": id} }, ""},
		{"with the user's mount target in a zone of ours", []string{region + "a"},
			func(id string) map[string]any { return map[string]any{"efs_id": id} }, "already has mount targets in " + region + "a"},
		{"missing", nil,
			func(string) map[string]any { return map[string]any{"efs_id": "fs-0123456789abcdef0"} }, "does not exist in " + region},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			d := doc(t, tt.fields(e.plantFileSystem(t, tt.zones...)))
			if tt.want == "" {
				require.NoError(t, e.check(d))
				return
			}
			c := e.failure(t, d)
			assert.Contains(t, c.Message, tt.want)
			assert.NotEmpty(t, c.Remediation)
		})
	}
}

func TestSuppliedFileSystemWithTheUsersOwnInstanceGroup(t *testing.T) {
	e := newEnv(t)
	id := e.plantFileSystem(t, region+"a")
	groups, err := e.ec2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{})
	require.NoError(t, err)
	e.planted = len(e.cloud.Calls())
	d := doc(t, map[string]any{"efs_id": id, "security_group_id": aws.ToString(groups.SecurityGroups[0].GroupId)})
	require.NoError(t, e.check(d), "the user's own group is the user's to admit")
}

// A resource another deployment created is refused as a supplied one: that
// deployment's destroy would delete it from under this one. Its tag names
// the owner; the deployment's own tag, or none, is fine.
func TestAnotherDeploymentsResourcesAreRefused(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	vpc := e.vpc(t, true, "us-west-2a", "us-west-2b")
	tag := func(id, owner string) {
		_, err := e.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String(document.TagDeployment), Value: aws.String(owner)}}})
		require.NoError(t, err)
	}
	g, err := e.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("theirs"), Description: aws.String("theirs"), VpcId: aws.String(vpc)})
	require.NoError(t, err)
	fs, err := efs.NewFromConfig(e.cloud.Config(region)).CreateFileSystem(ctx, &efs.CreateFileSystemInput{CreationToken: aws.String("theirs"), Encrypted: aws.Bool(true),
		Tags: []efstypes.Tag{{Key: aws.String(document.TagDeployment), Value: aws.String("other")}}})
	require.NoError(t, err)
	tag(vpc, "other")
	tag(aws.ToString(g.GroupId), "other")
	e.planted = len(e.cloud.Calls())
	d := doc(t, map[string]any{"vpc_id": vpc, "security_group_id": aws.ToString(g.GroupId), "efs_id": aws.ToString(fs.FileSystemId)})
	cause := e.failure(t, d)
	for _, kind := range []string{"VPC " + vpc, "security group " + aws.ToString(g.GroupId), "file system " + aws.ToString(fs.FileSystemId)} {
		assert.Contains(t, cause.Message, kind+" belongs to GeuseMaker deployment other")
	}
	assert.Contains(t, cause.Remediation, "not one deployment other created")

	tag(vpc, d.Request.DeploymentID)
	e.planted = len(e.cloud.Calls())
	own := doc(t, map[string]any{"vpc_id": vpc})
	require.NoError(t, e.check(own), "the deployment's own tag is fine")
}
