package ec2_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/sim/account"
	simec2 "geusemaker/internal/sim/ec2"
)

func TestRunInstancesClientTokenIsIdempotent(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	in := runInput(n.subnetA, n.sg, "t3.medium")
	in.ClientToken = aws.String("deploy-d1-instance")
	first := e.run(t, in)
	second := e.run(t, in)
	assert.Equal(t, *first.ReservationId, *second.ReservationId)
	assert.Equal(t, *first.Instances[0].InstanceId, *second.Instances[0].InstanceId)

	out, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{Filters: []types.Filter{filterOf("client-token", "deploy-d1-instance")}})
	require.NoError(t, err)
	require.Len(t, out.Reservations, 1)
	require.Len(t, out.Reservations[0].Instances, 1)
	assert.Nil(t, out.NextToken)

	// Any other parameter changed with the same token is a mismatch, not
	// the first call's answer.
	for name, change := range map[string]func(*awsec2.RunInstancesInput){
		"type":      func(in *awsec2.RunInstancesInput) { in.InstanceType = "t3.large" },
		"user data": func(in *awsec2.RunInstancesInput) { in.UserData = aws.String("IyEvYmluL3NoCg==") },
		"tags": func(in *awsec2.RunInstancesInput) {
			in.TagSpecifications = tagSpec(types.ResourceTypeInstance, "k", "v")
		},
		"metadata": func(in *awsec2.RunInstancesInput) {
			in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired}
		},
	} {
		// RunInstances' bucket refills 2 calls a second: spaced calls are
		// never throttled, whatever the retries' jitter.
		e.clock.Advance(time.Second)
		changed := runInput(n.subnetA, n.sg, "t3.medium")
		changed.ClientToken = in.ClientToken
		change(changed)
		_, err = e.c.RunInstances(e.ctx, changed)
		requireCode(t, err, simec2.CodeIdempotentParameterMismatch)
		t.Log(name, "changed: mismatch")
	}

	// Without a token every call launches.
	e.run(t, runInput(n.subnetA, n.sg, "t3.medium"))
	all, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{})
	require.NoError(t, err)
	assert.Len(t, all.Reservations, 2)
}

func TestInstanceLifecycleAdvancesOnlyWithTheClock(t *testing.T) {
	tests := []struct {
		name    string
		typ     string
		running time.Duration
		gpus    int
	}{
		{"cpu", "t3.medium", 20 * time.Second, 0},
		{"gpu", "g4dn.xlarge", 60 * time.Second, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			n := e.network(t)
			run := e.run(t, runInput(n.subnetA, n.sg, tt.typ))
			id := *run.Instances[0].InstanceId
			assert.Equal(t, types.InstanceStateNamePending, run.Instances[0].State.Name)

			e.clock.Advance(tt.running - time.Second)
			assert.Equal(t, types.InstanceStateNamePending, e.instanceState(t, id))
			e.w.Do(func() {
				inst, ok := e.w.Network.Instance(id)
				require.True(t, ok)
				assert.True(t, inst.WorkloadUpAt.IsZero(), "no workload before running")
				assert.Equal(t, tt.gpus, inst.GPUs)
			})

			e.clock.Advance(time.Second)
			assert.Equal(t, types.InstanceStateNameRunning, e.instanceState(t, id))
			e.w.Do(func() {
				inst, _ := e.w.Network.Instance(id)
				assert.Equal(t, "running", inst.State)
				assert.Equal(t, account.Epoch.Add(tt.running+240*time.Second), inst.WorkloadUpAt)
				assert.NotEmpty(t, inst.PublicIP)
				assert.Equal(t, "10.0.1.4", inst.PrivateIP)
			})

			status, err := e.c.DescribeInstanceStatus(e.ctx, &awsec2.DescribeInstanceStatusInput{InstanceIds: []string{id}})
			require.NoError(t, err)
			require.Len(t, status.InstanceStatuses, 1)
			assert.Equal(t, types.SummaryStatusInitializing, status.InstanceStatuses[0].InstanceStatus.Status)
			e.clock.Advance(120 * time.Second)
			status, err = e.c.DescribeInstanceStatus(e.ctx, &awsec2.DescribeInstanceStatusInput{InstanceIds: []string{id}})
			require.NoError(t, err)
			assert.Equal(t, types.SummaryStatusOk, status.InstanceStatuses[0].InstanceStatus.Status)

			term, err := e.c.TerminateInstances(e.ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{id}})
			require.NoError(t, err)
			assert.Equal(t, types.InstanceStateNameRunning, term.TerminatingInstances[0].PreviousState.Name)
			assert.Equal(t, types.InstanceStateNameShuttingDown, term.TerminatingInstances[0].CurrentState.Name)
			status, err = e.c.DescribeInstanceStatus(e.ctx, &awsec2.DescribeInstanceStatusInput{InstanceIds: []string{id}})
			require.NoError(t, err)
			assert.Empty(t, status.InstanceStatuses, "only running instances without IncludeAllInstances")
			status, err = e.c.DescribeInstanceStatus(e.ctx, &awsec2.DescribeInstanceStatusInput{InstanceIds: []string{id}, IncludeAllInstances: aws.Bool(true)})
			require.NoError(t, err)
			assert.Equal(t, types.SummaryStatusNotApplicable, status.InstanceStatuses[0].InstanceStatus.Status)

			e.clock.Advance(59 * time.Second)
			assert.Equal(t, types.InstanceStateNameShuttingDown, e.instanceState(t, id))
			assert.Len(t, e.w.Inventory(), 8) // vpc, 2 subnets, igw, sg, eni, instance, root volume
			e.clock.Advance(time.Second)
			assert.Equal(t, types.InstanceStateNameTerminated, e.instanceState(t, id))
			again, err := e.c.TerminateInstances(e.ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{id}})
			require.NoError(t, err, "terminate is idempotent")
			assert.Equal(t, types.InstanceStateNameTerminated, again.TerminatingInstances[0].CurrentState.Name)

			enis, err := e.c.DescribeNetworkInterfaces(e.ctx, &awsec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filterOf("subnet-id", n.subnetA)}})
			require.NoError(t, err)
			assert.Empty(t, enis.NetworkInterfaces, "the ENI goes with the instance")
			_, err = e.c.DeleteSubnet(e.ctx, &awsec2.DeleteSubnetInput{SubnetId: &n.subnetA})
			require.NoError(t, err)

			e.clock.Advance(time.Hour)
			_, err = e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{InstanceIds: []string{id}})
			requireCode(t, err, simec2.CodeInvalidInstanceIDNotFound)
		})
	}
}

func TestLatencyOverride(t *testing.T) {
	e := newEnv(t, account.WithLatency(simec2.LatencyRun, 0), account.WithLatency(simec2.LatencyTerminate, 0))
	n := e.network(t)
	run := e.run(t, runInput(n.subnetA, n.sg, "t3.micro"))
	assert.Equal(t, types.InstanceStateNameRunning, run.Instances[0].State.Name)
	term, err := e.c.TerminateInstances(e.ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{*run.Instances[0].InstanceId}})
	require.NoError(t, err)
	assert.Equal(t, types.InstanceStateNameTerminated, term.TerminatingInstances[0].CurrentState.Name)
	assert.Len(t, e.w.Inventory(), 5, "no instance or ENI left")
}

func TestAVolumeOutlivesItsInstanceUnlessDeletedOnTermination(t *testing.T) {
	e := newEnv(t, account.WithLatency(simec2.LatencyRun, 0), account.WithLatency(simec2.LatencyTerminate, 0))
	n := e.network(t)
	in := runInput(n.subnetA, n.sg, "t3.micro")
	in.BlockDeviceMappings = []types.BlockDeviceMapping{
		{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(75)}},
		{DeviceName: aws.String("/dev/sdf"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(10), DeleteOnTermination: aws.Bool(false)}},
	}
	in.TagSpecifications = tagSpec(types.ResourceTypeVolume, "geusemaker:deployment", "d1")
	id := *e.run(t, in).Instances[0].InstanceId
	volumes := func() map[string]string {
		out := map[string]string{}
		for _, r := range e.w.Inventory() {
			if r.Type == "volume" {
				assert.Equal(t, "d1", r.Tags["geusemaker:deployment"])
				out[r.ID] = r.State
			}
		}
		return out
	}
	vols := e.m.Volumes(id)
	require.Len(t, vols, 2)
	assert.Equal(t, map[string]string{vols[0].VolumeID: "in-use", vols[1].VolumeID: "in-use"}, volumes())

	_, err := e.c.TerminateInstances(e.ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{id}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{vols[1].VolumeID: "available"}, volumes(),
		"the root volume (deleted on termination by default) goes, the other stays and is billed")
	e.clock.Advance(2 * time.Hour)
	assert.Equal(t, map[string]string{vols[1].VolumeID: "available"}, volumes(), "after the instance record is gone too")
}

func TestRunInstancesPreconditions(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	profileReady := false
	e.m.InstanceProfileReady = func(name string) bool { return profileReady && name == "d1-instance-profile" }
	big := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", simec2.MaxUserDataBytes+1)))

	tests := []struct {
		name   string
		modify func(in *awsec2.RunInstancesInput)
		code   string
		msg    string
	}{
		{"UserData over 16 KB decoded", func(in *awsec2.RunInstancesInput) { in.UserData = aws.String(big) }, simec2.CodeInvalidParameterValue, "User data is limited to 16384 bytes"},
		{"UserData not base64", func(in *awsec2.RunInstancesInput) { in.UserData = aws.String("#!/bin/bash") }, simec2.CodeInvalidParameterValue, "Invalid BASE64 encoding of user data."},
		{"profile not yet usable", func(in *awsec2.RunInstancesInput) {
			in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String("d1-instance-profile")}
		}, simec2.CodeInvalidParameterValue, "Value (d1-instance-profile) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"},
		{"profile ARN not yet usable", func(in *awsec2.RunInstancesInput) {
			in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Arn: aws.String("arn:aws:iam::123456789012:instance-profile/d1-instance-profile")}
		}, simec2.CodeInvalidParameterValue, "Value (arn:aws:iam::123456789012:instance-profile/d1-instance-profile) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"},
		{"type not offered in the zone", func(in *awsec2.RunInstancesInput) {
			in.InstanceType = "g5.xlarge"
		}, simec2.CodeUnsupported, "Your requested instance type (g5.xlarge) is not supported in your requested Availability Zone (us-east-1a). Please retry your request by not specifying an Availability Zone or choosing us-east-1b, us-east-1c."},
		{"unknown type", func(in *awsec2.RunInstancesInput) { in.InstanceType = "z9.huge" }, simec2.CodeInvalidParameterValue, ""},
		{"malformed AMI", func(in *awsec2.RunInstancesInput) { in.ImageId = aws.String("ami-xyz") }, simec2.CodeInvalidAMIIDMalformed, ""},
		{"unknown subnet", func(in *awsec2.RunInstancesInput) { in.SubnetId = aws.String("subnet-00000000000000099") }, simec2.CodeInvalidSubnetIDNotFound, ""},
		{"unknown group", func(in *awsec2.RunInstancesInput) { in.SecurityGroupIds = []string{"sg-00000000000000099"} }, simec2.CodeInvalidGroupNotFound, ""},
		{"group of another VPC", func(in *awsec2.RunInstancesInput) { in.SubnetId = nil }, simec2.CodeInvalidParameterValue, ""},
		{"zone differs from the subnet's", func(in *awsec2.RunInstancesInput) {
			in.Placement = &types.Placement{AvailabilityZone: aws.String("us-east-1b")}
		}, simec2.CodeInvalidParameterValue, ""},
		{"subnet and interfaces", func(in *awsec2.RunInstancesInput) {
			in.NetworkInterfaces = []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: &n.subnetA}}
		}, simec2.CodeInvalidParameterCombination, ""},
		{"hop limit", func(in *awsec2.RunInstancesInput) {
			in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpPutResponseHopLimit: aws.Int32(65)}
		}, simec2.CodeInvalidParameterValue, ""},
		{"unknown named group", func(in *awsec2.RunInstancesInput) { in.SecurityGroups = []string{"nope"} }, simec2.CodeInvalidGroupNotFound, ""},
		{"tag spec for another type", func(in *awsec2.RunInstancesInput) { in.TagSpecifications = tagSpec(types.ResourceTypeVpc, "a", "b") }, simec2.CodeInvalidParameterValue, ""},
		{"min above max", func(in *awsec2.RunInstancesInput) { in.MinCount = aws.Int32(2) }, simec2.CodeInvalidParameterValue, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// RunInstances' token bucket holds 5 and refills 2 a second:
			// without time passing, the sixth refusal would be a throttle.
			e.clock.Advance(time.Second)
			in := runInput(n.subnetA, n.sg, "t3.medium")
			tt.modify(in)
			_, err := e.c.RunInstances(e.ctx, in)
			requireCode(t, err, tt.code)
			if tt.msg != "" {
				assert.Contains(t, err.Error(), tt.msg)
			}
		})
	}
	all, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{})
	require.NoError(t, err)
	assert.Empty(t, all.Reservations, "refused launches create nothing")

	t.Run("profile ready", func(t *testing.T) {
		profileReady = true
		in := runInput(n.subnetA, n.sg, "t3.medium")
		in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String("d1-instance-profile")}
		out := e.run(t, in)
		assert.Equal(t, "arn:aws:iam::123456789012:instance-profile/d1-instance-profile", *out.Instances[0].IamInstanceProfile.Arn)
	})
	t.Run("insufficient capacity is a fault", func(t *testing.T) {
		e.w.Inject(account.Fault{Service: "EC2", Operation: "RunInstances", Code: simec2.CodeInsufficientInstanceCapacity, Times: 1})
		_, err := e.c.RunInstances(e.ctx, runInput(n.subnetB, n.sg, "g4dn.xlarge"))
		requireCode(t, err, simec2.CodeInsufficientInstanceCapacity)
		e.run(t, runInput(n.subnetB, n.sg, "g4dn.xlarge"))
	})
}

func TestRunInstancesRecordsLaunchSettings(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	_, err := e.c.ModifyVpcAttribute(e.ctx, &awsec2.ModifyVpcAttributeInput{VpcId: &n.vpc, EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	require.NoError(t, err)
	in := runInput(n.subnetB, n.sg, "g4dn.xlarge")
	in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(2), HttpEndpoint: types.InstanceMetadataEndpointStateEnabled}
	in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(75), VolumeType: types.VolumeTypeGp3, Encrypted: aws.Bool(true)}}}
	in.KeyName = aws.String("me")
	in.TagSpecifications = append(tagSpec(types.ResourceTypeInstance, "geusemaker:deployment", "d1", "Name", "d1"), tagSpec(types.ResourceTypeVolume, "geusemaker:deployment", "d1")...)
	out := e.run(t, in)
	inst := out.Instances[0]
	id := *inst.InstanceId

	assert.Equal(t, types.HttpTokensStateRequired, inst.MetadataOptions.HttpTokens)
	assert.Equal(t, int32(2), *inst.MetadataOptions.HttpPutResponseHopLimit)
	assert.Equal(t, "us-east-1b", *inst.Placement.AvailabilityZone)
	assert.Equal(t, "me", *inst.KeyName)
	assert.True(t, strings.HasPrefix(*inst.PublicDnsName, "ec2-3-"))
	assert.Equal(t, "ip-10-0-2-4.ec2.internal", *inst.PrivateDnsName)
	require.Len(t, inst.BlockDeviceMappings, 1)

	vols := e.m.Volumes(id)
	require.Len(t, vols, 1)
	assert.Equal(t, simec2.Volume{DeviceName: "/dev/xvda", VolumeID: *inst.BlockDeviceMappings[0].Ebs.VolumeId, SizeGiB: 75, Type: "gp3", Encrypted: true,
		DeleteOnTermination: true, Tags: map[string]string{"geusemaker:deployment": "d1"}}, vols[0])
	md, ok := e.m.MetadataOptions(id)
	require.True(t, ok)
	assert.Equal(t, "required", md.HTTPTokens)
	data, ok := e.m.UserData(id)
	require.True(t, ok)
	assert.Equal(t, "#!/bin/bash\necho hi\n", string(data))
	_, ok = e.m.UserData("i-00000000000000099")
	assert.False(t, ok)
	_, ok = e.m.MetadataOptions("i-00000000000000099")
	assert.False(t, ok)

	t.Run("default subnet, root volume and IMDS", func(t *testing.T) {
		out := e.run(t, &awsec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			Placement: &types.Placement{AvailabilityZone: aws.String("us-east-1c")}})
		inst := out.Instances[0]
		assert.Equal(t, "us-east-1c", *inst.Placement.AvailabilityZone)
		assert.Equal(t, types.HttpTokensStateOptional, inst.MetadataOptions.HttpTokens)
		assert.Equal(t, "default", *inst.SecurityGroups[0].GroupName)
		assert.NotNil(t, inst.PublicIpAddress, "default subnets map public IPs")
		vols := e.m.Volumes(*inst.InstanceId)
		require.Len(t, vols, 1)
		assert.False(t, vols[0].Encrypted)
	})
	t.Run("interface without public IP", func(t *testing.T) {
		out := e.run(t, &awsec2.RunInstancesInput{ImageId: aws.String("ami-0123456789abcdef0"), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: &n.subnetA, Groups: []string{n.sg}, AssociatePublicIpAddress: aws.Bool(false)}}})
		assert.Nil(t, out.Instances[0].PublicIpAddress)
		assert.Equal(t, n.sg, *out.Instances[0].SecurityGroups[0].GroupId)
	})
	t.Run("named group", func(t *testing.T) {
		in := runInput(n.subnetA, n.sg, "t3.micro")
		in.SecurityGroupIds, in.SecurityGroups = nil, []string{"inst"}
		out := e.run(t, in)
		assert.Equal(t, n.sg, *out.Instances[0].SecurityGroups[0].GroupId)
	})
	t.Run("public IPs block detaching the gateway", func(t *testing.T) {
		_, err := e.c.DetachInternetGateway(e.ctx, &awsec2.DetachInternetGatewayInput{InternetGatewayId: &n.igw, VpcId: &n.vpc})
		requireCode(t, err, simec2.CodeDependencyViolation)
	})
}

func TestDescribeInstancesFilters(t *testing.T) {
	e := newEnv(t)
	n := e.network(t)
	in := runInput(n.subnetA, n.sg, "t3.micro")
	in.TagSpecifications = tagSpec(types.ResourceTypeInstance, "geusemaker:deployment", "d1")
	tagged := *e.run(t, in).Instances[0].InstanceId
	other := *e.run(t, runInput(n.subnetB, n.sg, "t3.micro")).Instances[0].InstanceId
	_, err := e.c.TerminateInstances(e.ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{other}})
	require.NoError(t, err)

	ids := func(out *awsec2.DescribeInstancesOutput) []string {
		var got []string
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				got = append(got, *i.InstanceId)
			}
		}
		return got
	}
	tests := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"by tag", []types.Filter{filterOf("tag:geusemaker:deployment", "d1")}, []string{tagged}},
		{"by state", []types.Filter{filterOf("instance-state-name", "pending", "running")}, []string{tagged}},
		{"by id", []types.Filter{filterOf("instance-id", other)}, []string{other}},
		{"by wildcard type", []types.Filter{filterOf("instance-type", "t3.*")}, []string{tagged, other}},
		{"no match", []types.Filter{filterOf("tag:geusemaker:deployment", "d2")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{Filters: tt.filters})
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.want, ids(out))
		})
	}
	_, err = e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{InstanceIds: []string{"i-00000000000000098", "i-00000000000000099"}})
	requireCode(t, err, simec2.CodeInvalidInstanceIDNotFound)
	assert.Contains(t, err.Error(), "The instance IDs 'i-00000000000000098, i-00000000000000099' do not exist")
	_, err = e.c.DescribeInstances(e.ctx, &awsec2.DescribeInstancesInput{InstanceIds: []string{"bogus"}})
	requireCode(t, err, simec2.CodeInvalidInstanceIDMalformed)
	_, err = e.c.TerminateInstances(e.ctx, &awsec2.TerminateInstancesInput{InstanceIds: []string{"i-00000000000000099"}})
	requireCode(t, err, simec2.CodeInvalidInstanceIDNotFound)
	_, err = e.c.DescribeInstanceStatus(e.ctx, &awsec2.DescribeInstanceStatusInput{Filters: []types.Filter{filterOf("instance-status.status", "initializing")}, IncludeAllInstances: aws.Bool(true)})
	require.NoError(t, err)
	_, err = e.c.DescribeInstanceStatus(e.ctx, &awsec2.DescribeInstanceStatusInput{InstanceIds: []string{"i-00000000000000099"}})
	requireCode(t, err, simec2.CodeInvalidInstanceIDNotFound)
	_, err = e.c.DescribeInstanceStatus(e.ctx, &awsec2.DescribeInstanceStatusInput{Filters: []types.Filter{filterOf("bogus", "x")}})
	requireCode(t, err, simec2.CodeInvalidParameterValue)

	e.w.Do(func() {
		_, ok := e.w.Network.Instance("i-00000000000000099")
		assert.False(t, ok)
	})
}
