package localrun

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Lambda result must stay intact after the same handler runs again:
// aws-lambda-go reuses its output buffer between invocations, so a shorter
// second result would overwrite the first in place.
func TestInvokeResultSurvivesTheNextInvocation(t *testing.T) {
	s, err := Simulate("us-east-1", Config{})
	require.NoError(t, err)
	fn := "arn:aws:lambda:us-east-1:123456789012:function:geusemaker-validate"
	payload := func(id string) []byte {
		return []byte(`{"action":"validate","document":{"request":{"deployment_id":"` + id + `"}}}`)
	}
	first, err := s.invoke(context.Background(), fn, payload("first-and-longer"))
	require.NoError(t, err)
	kept := string(first)
	_, err = s.invoke(context.Background(), fn, payload("second"))
	require.NoError(t, err)
	assert.Equal(t, kept, string(first))

	var doc struct {
		Request struct {
			DeploymentID string `json:"deployment_id"`
		} `json:"request"`
	}
	require.NoError(t, json.Unmarshal(first, &doc))
	assert.Equal(t, "first-and-longer", doc.Request.DeploymentID)
}
