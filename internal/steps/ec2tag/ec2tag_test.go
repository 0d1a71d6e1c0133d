package ec2tag_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/document"
	"geusemaker/internal/steps/ec2tag"
)

func TestSpecsCarryDeploymentTagsAndNameForEachType(t *testing.T) {
	var req document.Request
	require.NoError(t, json.Unmarshal([]byte(`{"deployment_id":"demo","tags":{"Team":"ai"}}`), &req))
	specs := ec2tag.Specs(req, "demo-instance", types.ResourceTypeInstance, types.ResourceTypeVolume)
	require.Len(t, specs, 2)
	assert.Equal(t, types.ResourceTypeVolume, specs[1].ResourceType)
	got := map[string]string{}
	var keys []string
	for _, tag := range specs[0].Tags {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		keys = append(keys, aws.ToString(tag.Key))
	}
	assert.Equal(t, "demo", got[document.TagDeployment])
	assert.Equal(t, "demo-instance", got["Name"])
	assert.Equal(t, "ai", got["Team"])
	assert.IsIncreasing(t, keys, "tags are sorted for stable requests")
}

func TestDeploymentFilterSelectsTheDeploymentTag(t *testing.T) {
	var req document.Request
	require.NoError(t, json.Unmarshal([]byte(`{"deployment_id":"demo"}`), &req))
	f := ec2tag.Deployment(req)
	assert.Equal(t, "tag:"+document.TagDeployment, aws.ToString(f.Name))
	assert.Equal(t, []string{"demo"}, f.Values)
}
