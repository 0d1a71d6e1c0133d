package ec2_test

import (
	"testing"

	awsec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	simec2 "geusemaker/internal/sim/ec2"
)

func TestInstanceTypeOfferings(t *testing.T) {
	e := newEnv(t)
	zonesOffering := func(typ string) []string {
		out, err := e.c.DescribeInstanceTypeOfferings(e.ctx, &awsec2.DescribeInstanceTypeOfferingsInput{
			LocationType: types.LocationTypeAvailabilityZone,
			Filters:      []types.Filter{filterOf("instance-type", typ), filterOf("location", "us-east-1a", "us-east-1b", "us-east-1c")},
		})
		require.NoError(t, err)
		var zones []string
		for _, o := range out.InstanceTypeOfferings {
			zones = append(zones, *o.Location)
			assert.Equal(t, types.LocationTypeAvailabilityZone, o.LocationType)
		}
		return zones
	}
	tests := []struct {
		typ  string
		want []string
	}{
		{"t3.medium", []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{"m5.large", []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{"g4dn.xlarge", []string{"us-east-1a", "us-east-1b"}},
		{"g5.xlarge", []string{"us-east-1b", "us-east-1c"}},
		{"g6.xlarge", []string{"us-east-1a", "us-east-1c"}},
		{"p4d.24xlarge", []string{"us-east-1b"}},
		{"nope.large", nil},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			assert.Equal(t, tt.want, zonesOffering(tt.typ))
		})
	}
	t.Run("by region and zone id", func(t *testing.T) {
		out, err := e.c.DescribeInstanceTypeOfferings(e.ctx, &awsec2.DescribeInstanceTypeOfferingsInput{Filters: []types.Filter{filterOf("instance-type", "p5.48xlarge")}})
		require.NoError(t, err)
		require.Len(t, out.InstanceTypeOfferings, 1)
		assert.Equal(t, "us-east-1", *out.InstanceTypeOfferings[0].Location)
		out, err = e.c.DescribeInstanceTypeOfferings(e.ctx, &awsec2.DescribeInstanceTypeOfferingsInput{LocationType: types.LocationTypeAvailabilityZoneId, Filters: []types.Filter{filterOf("instance-type", "p5.48xlarge")}})
		require.NoError(t, err)
		assert.Equal(t, "use1-az3", *out.InstanceTypeOfferings[0].Location)
		_, err = e.c.DescribeInstanceTypeOfferings(e.ctx, &awsec2.DescribeInstanceTypeOfferingsInput{LocationType: "outpost"})
		requireCode(t, err, simec2.CodeInvalidParameterValue)
	})
}

func TestDescribeInstanceTypes(t *testing.T) {
	e := newEnv(t)
	out, err := e.c.DescribeInstanceTypes(e.ctx, &awsec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"g4dn.12xlarge", "t3.medium", "p4d.24xlarge"}})
	require.NoError(t, err)
	require.Len(t, out.InstanceTypes, 3)
	byName := map[types.InstanceType]types.InstanceTypeInfo{}
	for _, it := range out.InstanceTypes {
		byName[it.InstanceType] = it
	}
	assert.Equal(t, int32(4), *byName["g4dn.12xlarge"].GpuInfo.Gpus[0].Count)
	assert.Equal(t, "T4", *byName["g4dn.12xlarge"].GpuInfo.Gpus[0].Name)
	assert.Equal(t, int32(8), *byName["p4d.24xlarge"].GpuInfo.Gpus[0].Count)
	assert.Nil(t, byName["t3.medium"].GpuInfo)
	assert.Equal(t, int32(2), *byName["t3.medium"].VCpuInfo.DefaultVCpus)

	_, err = e.c.DescribeInstanceTypes(e.ctx, &awsec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"g3.4xlarge"}})
	requireCode(t, err, simec2.CodeInvalidInstanceType)
	gpus, err := e.c.DescribeInstanceTypes(e.ctx, &awsec2.DescribeInstanceTypesInput{Filters: []types.Filter{filterOf("instance-type", "g6*")}})
	require.NoError(t, err)
	assert.Len(t, gpus.InstanceTypes, 3)
}

func TestAvailabilityZones(t *testing.T) {
	e := newEnv(t)
	out, err := e.c.DescribeAvailabilityZones(e.ctx, &awsec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filterOf("state", "available")}})
	require.NoError(t, err)
	require.Len(t, out.AvailabilityZones, 3)
	assert.Equal(t, "use1-az1", *out.AvailabilityZones[0].ZoneId)
	one, err := e.c.DescribeAvailabilityZones(e.ctx, &awsec2.DescribeAvailabilityZonesInput{ZoneIds: []string{"use1-az2"}})
	require.NoError(t, err)
	require.Len(t, one.AvailabilityZones, 1)
	assert.Equal(t, "us-east-1b", *one.AvailabilityZones[0].ZoneName)
	_, err = e.c.DescribeAvailabilityZones(e.ctx, &awsec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1z"}})
	requireCode(t, err, simec2.CodeInvalidParameterValue)
}

func TestCloudFrontPrefixList(t *testing.T) {
	e := newEnv(t)
	for _, region := range []string{"us-east-1", "ap-southeast-2"} {
		c := awsec2.NewFromConfig(e.w.Config(region))
		out, err := c.DescribeManagedPrefixLists(e.ctx, &awsec2.DescribeManagedPrefixListsInput{Filters: []types.Filter{filterOf("prefix-list-name", simec2.CloudFrontPrefixListName)}})
		require.NoError(t, err)
		require.Len(t, out.PrefixLists, 1)
		assert.Equal(t, "pl-3b927c52", *out.PrefixLists[0].PrefixListId)
		assert.Equal(t, int32(55), *out.PrefixLists[0].MaxEntries)
	}
	_, err := e.c.DescribeManagedPrefixLists(e.ctx, &awsec2.DescribeManagedPrefixListsInput{PrefixListIds: []string{"pl-00000000"}})
	requireCode(t, err, simec2.CodeInvalidPrefixListIDNotFound)
}

func TestDescribeImages(t *testing.T) {
	e := newEnv(t)
	out, err := e.c.DescribeImages(e.ctx, &awsec2.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef0"}})
	require.NoError(t, err)
	require.Len(t, out.Images, 1)
	assert.Equal(t, types.ImageStateAvailable, out.Images[0].State)
	_, err = e.c.DescribeImages(e.ctx, &awsec2.DescribeImagesInput{ImageIds: []string{"ami-nope"}})
	requireCode(t, err, simec2.CodeInvalidAMIIDMalformed)
}
