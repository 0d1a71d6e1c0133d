package efstest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/efs/efstest"
)

func TestNetworkAnswersLikeEC2(t *testing.T) {
	var n account.Network = efstest.NewNetwork()
	net := n.(*efstest.Network)

	s, ok := n.Subnet(efstest.SubnetB)
	require.True(t, ok)
	assert.Equal(t, account.Subnet{ID: efstest.SubnetB, VPCID: efstest.VPC, AvailabilityZone: "us-east-1b", CIDR: "10.0.1.0/24"}, s)
	_, ok = n.Subnet("subnet-404")
	assert.False(t, ok)
	vpc, ok := n.SecurityGroupVPC(efstest.GroupX)
	assert.True(t, ok)
	assert.Equal(t, efstest.OtherVPC, vpc)
	assert.True(t, n.HasInternetGateway(efstest.VPC))
	_, ok = n.Instance("i-1")
	assert.False(t, ok)

	id, err := n.CreateNetworkInterface(efstest.SubnetA, []string{efstest.GroupEFS}, "mount target", false)
	require.NoError(t, err)
	assert.Equal(t, efstest.ENI{SubnetID: efstest.SubnetA, Groups: []string{efstest.GroupEFS}, Description: "mount target"}, net.ENIs[id])
	n.DeleteNetworkInterface(id)
	assert.Empty(t, net.ENIs)

	net.CreateErr = account.APIError("NetworkInterfaceLimitExceeded", "limit")
	_, err = n.CreateNetworkInterface(efstest.SubnetA, nil, "", false)
	assert.ErrorIs(t, err, net.CreateErr)
}
