package efs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/steps/efs"
)

// TestWithSimulatedEC2 runs the EFS lifecycle against the whole
// simulated account: mount targets own ENIs in the simulated EC2, which
// keep the EFS security group in use until they are gone.
func TestWithSimulatedEC2(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewVirtual(account.Epoch)
	cloud := sim.New(account.WithClock(clk))
	cfg := cloud.Config("us-east-1")
	before := len(cloud.Inventory())
	ec2c := ec2.NewFromConfig(cfg)

	subnets, err := ec2c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	require.NoError(t, err)
	require.NotEmpty(t, subnets.Subnets)
	doc := newDoc()
	doc.Resources.VPCID = aws.ToString(subnets.Subnets[0].VpcId)
	doc.Resources.SubnetIDs = nil
	for _, s := range subnets.Subnets {
		doc.Resources.SubnetIDs = append(doc.Resources.SubnetIDs, aws.ToString(s.SubnetId))
	}
	sg, err := ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("demo-efs-sg"), Description: aws.String("EFS"), VpcId: aws.String(doc.Resources.VPCID),
	})
	require.NoError(t, err)
	doc.Resources.SecurityGroupIDs = map[string]string{document.SGRoleEFS: aws.ToString(sg.GroupId)}

	step := efs.New(cfg, clk, slog.New(slog.NewTextHandler(io.Discard, nil))).Actions()
	run := func(action string) {
		t.Helper()
		require.NoError(t, step[action](ctx, doc), action)
	}
	// poll runs a status action the way the state machine's loop does.
	poll := func(action, key string) {
		t.Helper()
		for range 20 {
			run(action)
			if doc.Status[key].Done {
				return
			}
			clk.Advance(time.Duration(doc.Status[key].NextPollSeconds) * time.Second)
		}
		t.Fatalf("%s never done", action)
	}

	run(contract.ActionCreateFileSystem)
	poll(contract.ActionFileSystemStatus, contract.StatusEFS)
	run(contract.ActionCreateMountTargets)
	assert.Len(t, doc.Resources.MountTargetIDs, len(subnets.Subnets), "one per default subnet, each in its own zone")
	poll(contract.ActionMountTargetsStatus, contract.StatusMountTargets)

	run(contract.ActionDeleteMountTargets)
	_, err = ec2c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
	assert.Equal(t, "DependencyViolation", awsapi.Code(err), "mount target ENIs hold the group while deleting")
	poll(contract.ActionMountTargetsDeletedStatus, contract.StatusMountTargetDelete)
	run(contract.ActionDeleteFileSystem)
	_, err = ec2c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
	require.NoError(t, err)

	clk.Advance(time.Minute)
	assert.Len(t, cloud.Inventory(), before)
}
