package lambdaio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/lambdaio"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/step"
)

func invoke(t *testing.T, actions step.Actions, payload string) ([]byte, *bytes.Buffer, error) {
	t.Helper()
	var logs bytes.Buffer
	h := lambda.NewHandler(lambdaio.Handler("cloudfront", actions, slog.New(slog.NewJSONHandler(&logs, nil))))
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-9"})
	out, err := h.Invoke(ctx, []byte(payload))
	return out, &logs, err
}

const payload = `{"action":"create","document":{"request":{"deployment_id":"demo","tier":"gpu"},"resources":{"alb_dns":"a.elb.amazonaws.com"}}}`

func TestRunsTheActionAndReturnsTheDocument(t *testing.T) {
	actions := step.Actions{"create": func(_ context.Context, d *document.Document) error {
		d.Resources.CloudFrontID = "E1"
		return nil
	}}
	out, logs, err := invoke(t, actions, payload)
	require.NoError(t, err)
	var doc document.Document
	require.NoError(t, json.Unmarshal(out, &doc))
	assert.Equal(t, "E1", doc.Resources.CloudFrontID)
	assert.Equal(t, "a.elb.amazonaws.com", doc.Resources.ALBDNS, "the rest of the document flows through")
	assert.Contains(t, logs.String(), `"aws_request_id":"req-9"`)
	assert.Contains(t, logs.String(), `"deployment_id":"demo"`)
}

func invokeError(t *testing.T, err error) messages.InvokeResponse_Error {
	t.Helper()
	var ie messages.InvokeResponse_Error
	require.True(t, errors.As(err, &ie), "got %T %v", err, err)
	return ie
}

func TestStepErrorBecomesNamedLambdaError(t *testing.T) {
	actions := step.Actions{"create": func(context.Context, *document.Document) error {
		return steperr.FromAWS(contract.CloudFrontCreateFailed, "cloudfront", &smithy.GenericAPIError{Code: "TooManyDistributions"}, "ask for more")
	}}
	_, _, err := invoke(t, actions, payload)
	ie := invokeError(t, err)
	assert.Equal(t, contract.CloudFrontCreateFailed, ie.Type)
	c, err := document.Failure{Error: ie.Type, Cause: ie.Message}.DecodeCause()
	require.NoError(t, err)
	assert.Equal(t, "TooManyDistributions", c.AWSErrorCode)
	assert.Equal(t, "ask for more", c.Remediation)
}

func TestUnnamedErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain error is internal", errors.New("boom"), contract.InternalError},
		{"throttling is retryable", &smithy.GenericAPIError{Code: "Throttling"}, contract.Throttled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actions := step.Actions{"create": func(context.Context, *document.Document) error { return tt.err }}
			_, _, err := invoke(t, actions, payload)
			ie := invokeError(t, err)
			assert.Equal(t, tt.want, ie.Type)
			c, err := document.Failure{Error: ie.Type, Cause: ie.Message}.DecodeCause()
			require.NoError(t, err)
			assert.NotEmpty(t, c.Remediation)
			assert.Equal(t, "cloudfront", c.Step)
		})
	}
}

func TestUnknownActionNamesTheKnownOnes(t *testing.T) {
	actions := step.Actions{"create": nil, "delete": nil}
	_, _, err := invoke(t, actions, `{"action":"explode","document":{"request":{"deployment_id":"demo"}}}`)
	ie := invokeError(t, err)
	assert.Equal(t, contract.InternalError, ie.Type)
	assert.Contains(t, ie.Message, "create, delete")
}

func TestInvalidDocumentIsAValidationError(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"invalid request names each field", `{"action":"create","document":{"request":{"deployment_id":"1bad","tier":"huge"}}}`, "tier"},
		{"not a document", `{"action":"create","document":[]}`, "not a deployment document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			actions := step.Actions{"create": func(context.Context, *document.Document) error { called = true; return nil }}
			_, _, err := invoke(t, actions, tt.payload)
			ie := invokeError(t, err)
			assert.Equal(t, contract.ValidationError, ie.Type)
			assert.Contains(t, ie.Message, tt.want)
			assert.False(t, called, "no action runs on an invalid document")
		})
	}
}
