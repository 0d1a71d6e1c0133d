package elbv2test_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/elbv2/elbv2test"
)

func TestNetworkFixture(t *testing.T) {
	var n account.Network = elbv2test.NewNetwork()
	net := n.(*elbv2test.Network)

	s, ok := n.Subnet(elbv2test.SubnetB)
	require.True(t, ok)
	assert.Equal(t, elbv2test.VPC, s.VPCID)
	vpc, ok := n.SecurityGroupVPC(elbv2test.GroupX)
	require.True(t, ok)
	assert.Equal(t, elbv2test.OtherVPC, vpc)
	assert.True(t, n.HasInternetGateway(elbv2test.VPC))
	assert.False(t, n.HasInternetGateway(elbv2test.OtherVPC))

	id, err := n.CreateNetworkInterface(elbv2test.SubnetA, []string{elbv2test.GroupALB}, "ELB", false)
	require.NoError(t, err)
	assert.Equal(t, []string{elbv2test.GroupALB}, net.ENIs[id])
	net.ENIErr = errors.New("no addresses")
	_, err = n.CreateNetworkInterface(elbv2test.SubnetB, nil, "ELB", false)
	require.Error(t, err)
	n.DeleteNetworkInterface(id)
	assert.Empty(t, net.ENIs)

	up := time.Date(2026, 1, 1, 0, 4, 0, 0, time.UTC)
	net.Run("i-1", up)
	net.SetState("i-1", "stopped")
	inst, ok := n.Instance("i-1")
	require.True(t, ok)
	assert.Equal(t, "stopped", inst.State)
	assert.Equal(t, up, inst.WorkloadUpAt)
}
