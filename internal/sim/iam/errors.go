package iam

import (
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"geusemaker/internal/sim/account"
)

// IAM answers with the SDK's modeled error types and the HTTP status of
// the API reference; messages follow AWS's wording.

func noSuchEntity(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return account.WithStatus(http.StatusNotFound, &types.NoSuchEntityException{Message: &msg})
}

func noSuchRole(name string) error {
	return noSuchEntity("The role with name %s cannot be found.", name)
}

func noSuchProfile(name string) error {
	return noSuchEntity("Instance Profile %s cannot be found.", name)
}

func entityAlreadyExists(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return account.WithStatus(http.StatusConflict, &types.EntityAlreadyExistsException{Message: &msg})
}

func deleteConflict(what string) error {
	msg := "Cannot delete entity, must " + what + " first."
	return account.WithStatus(http.StatusConflict, &types.DeleteConflictException{Message: &msg})
}

func limitExceeded(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return account.WithStatus(http.StatusConflict, &types.LimitExceededException{Message: &msg})
}

func malformedPolicy(reason string) error {
	msg := "Syntax errors in policy. " + reason
	return account.WithStatus(http.StatusBadRequest, &types.MalformedPolicyDocumentException{Message: &msg})
}

func invalidInput(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return account.WithStatus(http.StatusBadRequest, &types.InvalidInputException{Message: &msg})
}

// validationError is IAM's answer to a parameter outside its constraints;
// the SDK has no type for it.
func validationError(format string, args ...any) error {
	return account.APIError("ValidationError", fmt.Sprintf(format, args...))
}
