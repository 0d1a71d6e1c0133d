package secretsmanager

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// The SDK's modeled errors, with Secrets Manager's wording.

func errNotFound() error {
	return &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
}

func errExists(name string) error {
	return &types.ResourceExistsException{Message: aws.String(fmt.Sprintf("The operation failed because the secret %s already exists.", name))}
}

func errScheduledForDeletion() error {
	return &types.InvalidRequestException{Message: aws.String("You can't create this secret because a secret with this name is already scheduled for deletion.")}
}

func errMarkedForDeletion() error {
	return &types.InvalidRequestException{Message: aws.String("You can't perform this operation on the secret because it was marked for deletion.")}
}

func errInvalidParameter(format string, args ...any) error {
	return &types.InvalidParameterException{Message: aws.String(fmt.Sprintf(format, args...))}
}
