package steperr_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/steperr"
)

func TestFromAWSCarriesCodeAndRemediation(t *testing.T) {
	err := steperr.FromAWS(contract.CloudFrontCreateFailed, "cloudfront-create",
		&smithy.GenericAPIError{Code: "TooManyDistributions", Message: "limit"}, "request a quota increase")
	assert.Equal(t, contract.CloudFrontCreateFailed, err.Name)
	var c map[string]string
	require.NoError(t, json.Unmarshal([]byte(err.CauseJSON()), &c))
	assert.Equal(t, "TooManyDistributions", c["aws_error_code"])
	assert.Equal(t, "request a quota increase", c["remediation"])
	assert.Equal(t, "cloudfront-create", c["step"])
	assert.Contains(t, c["message"], "limit")
}

func TestFromAWSNamesThrottlingThrottled(t *testing.T) {
	err := steperr.FromAWS(contract.NetworkFailed, "network", &smithy.GenericAPIError{Code: "RequestLimitExceeded"}, "x")
	assert.Equal(t, contract.Throttled, err.Name)
	assert.Contains(t, contract.Retryable(), err.Name)
	assert.NotEqual(t, "x", err.Cause.Remediation)
}

func TestErrorMatchesWithErrorsAs(t *testing.T) {
	var err error = steperr.New(contract.ValidationError, "validate", "bad tier", "use dev, automation or gpu")
	var se *steperr.Error
	require.True(t, errors.As(err, &se))
	assert.Equal(t, "ValidationError: bad tier", err.Error())
}

func TestTimeoutNamesTheDeadline(t *testing.T) {
	err := steperr.Timeout("cloudfront-status", "CloudFront distribution E1", time.Date(2026, 1, 1, 0, 30, 0, 0, time.UTC), "raise cloudfront_timeout_minutes")
	assert.Equal(t, contract.Timeout, err.Name)
	assert.Contains(t, err.Cause.Message, "E1")
	assert.Contains(t, err.Cause.Message, "2026-01-01T00:30:00Z")
}

func TestFromAWSWithPicksTheRemediationByCode(t *testing.T) {
	remedies := map[string]string{"VpcLimitExceeded": "delete a VPC"}
	tests := []struct {
		name, code, wantName, wantRemedy string
	}{
		{"known code takes its remediation", "VpcLimitExceeded", contract.NetworkFailed, "delete a VPC"},
		{"unknown code takes the fallback", "InvalidVpcID.NotFound", contract.NetworkFailed, "fallback"},
		{"throttling stays Throttled", "Throttling", contract.Throttled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := steperr.FromAWSWith(contract.NetworkFailed, "network-resolve", &smithy.GenericAPIError{Code: tt.code}, remedies, "fallback")
			assert.Equal(t, tt.wantName, err.Name)
			assert.Equal(t, "network-resolve", err.Cause.Step)
			assert.Equal(t, tt.code, err.Cause.AWSErrorCode)
			if tt.wantRemedy != "" {
				assert.Equal(t, tt.wantRemedy, err.Cause.Remediation)
			} else {
				assert.NotEqual(t, "fallback", err.Cause.Remediation)
			}
		})
	}
}
