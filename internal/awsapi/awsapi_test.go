package awsapi_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/awsapi"
)

func apiErr(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }

func TestIsNotFound(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"ec2 code pattern", apiErr("InvalidInstanceID.NotFound"), true},
		{"ec2 group", apiErr("InvalidGroup.NotFound"), true},
		{"iam", apiErr("NoSuchEntity"), true},
		{"modeled cloudfront type", &cftypes.NoSuchDistribution{Message: strPtr("gone")}, true},
		{"wrapped", fmt.Errorf("delete: %w", apiErr("LoadBalancerNotFound")), true},
		{"efs", apiErr("FileSystemNotFound"), true},
		{"other code", apiErr("DependencyViolation"), false},
		{"plain error", errors.New("boom"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, awsapi.IsNotFound(tt.err)) })
	}
}

func strPtr(s string) *string { return &s }

func TestIsUnknownHost(t *testing.T) {
	missing := &smithyhttp.RequestSendError{Err: &net.DNSError{Err: "no such host", Name: "ec2.xx-fake-9.amazonaws.com", IsNotFound: true}}
	assert.True(t, awsapi.IsUnknownHost(fmt.Errorf("describe vpcs: %w", missing)))
	assert.False(t, awsapi.IsUnknownHost(&net.DNSError{Err: "server misbehaving", IsTemporary: true}), "a DNS outage is not a missing region")
	assert.False(t, awsapi.IsUnknownHost(apiErr("AuthFailure")))
}

func TestGoneTellsDeletedFromAlreadyGoneFromFailed(t *testing.T) {
	gone, err := awsapi.Gone(struct{}{}, nil)
	assert.False(t, gone)
	assert.NoError(t, err)
	gone, err = awsapi.Gone(struct{}{}, fmt.Errorf("delete: %w", apiErr("InvalidVpcID.NotFound")))
	assert.True(t, gone)
	assert.NoError(t, err)
	denied := apiErr("UnauthorizedOperation")
	gone, err = awsapi.Gone(struct{}{}, denied)
	assert.False(t, gone)
	assert.ErrorIs(t, err, denied)
}

func TestIsThrottle(t *testing.T) {
	assert.True(t, awsapi.IsThrottle(apiErr("Throttling")))
	assert.True(t, awsapi.IsThrottle(apiErr("RequestLimitExceeded")))
	assert.True(t, awsapi.IsThrottle(fmt.Errorf("x: %w", apiErr("TooManyRequestsException"))))
	assert.False(t, awsapi.IsThrottle(apiErr("AccessDenied")))
	assert.False(t, awsapi.IsThrottle(errors.New("boom")))
}

func TestCodeAndRequestID(t *testing.T) {
	err := fmt.Errorf("create: %w", &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 400}}, Err: apiErr("TooManyDistributions")},
		RequestID:     "req-1",
	})
	assert.Equal(t, "TooManyDistributions", awsapi.Code(err))
	assert.Equal(t, "req-1", awsapi.RequestID(err))
	assert.Empty(t, awsapi.Code(errors.New("x")))
	assert.Empty(t, awsapi.RequestID(errors.New("x")))
}

func TestLoadUsesTheStandardChain(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	cfg, err := awsapi.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "eu-central-1", cfg.Region)

	t.Setenv("AWS_PROFILE", "no-such-profile")
	_, err = awsapi.Load(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "load AWS config")
}
