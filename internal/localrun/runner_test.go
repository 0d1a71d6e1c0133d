package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steps/step"
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

// A step that panics fails its task, as in the Lambda Go runtime, instead
// of ending the whole run.
func TestPanickingStepFailsItsTask(t *testing.T) {
	r, err := New(Config{
		AWS:   aws.Config{Region: "us-east-1"},
		Clock: clock.Real{},
		Steps: map[string]lambdaio.Builder{"boom": func(aws.Config, clock.Clock, *slog.Logger) step.Actions {
			return step.Actions{"explode": func(context.Context, *document.Document) error { panic(errors.New("kaboom")) }}
		}},
	})
	require.NoError(t, err)
	_, err = r.invoke(context.Background(), "arn:aws:lambda:us-east-1:123456789012:function:geusemaker-boom",
		[]byte(`{"action":"explode","document":{"request":{"deployment_id":"d"}}}`))
	var ee *engine.Error
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "errorString", ee.Name, "the panic value's type names the error, as Lambda reports it")
	assert.Contains(t, ee.Cause, "kaboom")
}
