package servicequotas

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
)

// The errors are the SDK's modeled Service Quotas errors, with AWS's
// messages, so callers matching with errors.As see what AWS sends.

func errNoSuchService() error {
	return &types.NoSuchResourceException{Message: aws.String("The request failed because the specified service does not exist.")}
}

func errNoSuchQuota() error {
	return &types.NoSuchResourceException{Message: aws.String("The request failed because the specified quota does not exist.")}
}

// errNoAppliedValue is GetServiceQuota's answer for a quota whose applied
// value is not available: AWS documents that such a quota "is not
// retrieved", and answers NoSuchResourceException.
func errNoAppliedValue() error {
	return &types.NoSuchResourceException{Message: aws.String("The request failed because applied value for the specified quota does not exist.")}
}
