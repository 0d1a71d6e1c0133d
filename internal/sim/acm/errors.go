package acm

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm/types"

	"geusemaker/internal/sim/account"
)

// The SDK's modeled errors, with ACM's wording where it is on record.

// errValidation is AWS's answer to a request off the API's constraints,
// before ACM sees it.
func errValidation(value, field, constraint string) error {
	return &types.ValidationException{Message: aws.String(fmt.Sprintf(
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint))}
}

// errLength is errValidation for a length outside [lo, hi].
func errLength(value, field string, n, lo, hi int) error {
	if n < lo {
		return errValidation(value, field, fmt.Sprintf("Member must have length greater than or equal to %d", lo))
	}
	return errValidation(value, field, fmt.Sprintf("Member must have length less than or equal to %d", hi))
}

func errNotFound(arn string) error {
	return &types.ResourceNotFoundException{Message: aws.String(fmt.Sprintf("Could not find certificate %s in account %s.", arn, account.AccountID))}
}

func errInvalidArn(arn string) error {
	return &types.InvalidArnException{Message: aws.String(fmt.Sprintf("The ARN %s does not refer to a certificate.", arn))}
}

func errInUse(arn string) error {
	return &types.ResourceInUseException{Message: aws.String(fmt.Sprintf("Certificate %s in account %s is in use.", arn, account.AccountID))}
}

func errTooManyTags() error {
	return &types.TooManyTagsException{Message: aws.String("The request contains too many tags. Try the request again with fewer tags.")}
}

func errInvalidTag(key string) error {
	return &types.InvalidTagException{Message: aws.String(fmt.Sprintf("The tag %q is not valid: keys and values beginning with aws: are reserved.", key))}
}

func errLimitExceeded(format string, args ...any) error {
	return &types.LimitExceededException{Message: aws.String(fmt.Sprintf(format, args...))}
}

func errInvalidParameter(format string, args ...any) error {
	return &types.InvalidParameterException{Message: aws.String(fmt.Sprintf(format, args...))}
}

func errInvalidArgs(format string, args ...any) error {
	return &types.InvalidArgsException{Message: aws.String(fmt.Sprintf(format, args...))}
}

// errNotModeled refuses what AWS accepts but this model does not simulate.
func errNotModeled(what string) error {
	return errInvalidParameter("sim: %s is not modeled", what)
}
