package ssm

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// The error shapes below are the SDK's modeled SSM errors, so step code
// using errors.As or ErrorCode() sees what AWS sends.

func errParameterNotFound(name string) error {
	return &types.ParameterNotFound{Message: aws.String(fmt.Sprintf("Parameter %s not found.", name))}
}

func errInvalidInstanceID(ids []string) error {
	// AWS's wording, including the doubled brackets.
	return &types.InvalidInstanceId{Message: aws.String(fmt.Sprintf(
		"Instances [[%s]] not in a valid state for account %s", strings.Join(ids, ", "), accountID))}
}

func errInvocationDoesNotExist() error {
	return &types.InvocationDoesNotExist{}
}

func errInvalidDocument(name string) error {
	return &types.InvalidDocument{Message: aws.String(fmt.Sprintf("Document with name %s does not exist.", name))}
}

func errInvalidParameters(msg string) error {
	return &types.InvalidParameters{Message: aws.String(msg)}
}
