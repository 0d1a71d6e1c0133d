package route53

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// The SDK's modeled errors, with Route 53's wording (API reference,
// "ChangeResourceRecordSets", "GetHostedZone", "GetChange").

func errNoSuchHostedZone(id string) error {
	return &types.NoSuchHostedZone{Message: aws.String(fmt.Sprintf("No hosted zone found with ID: %s", id))}
}

func errNoSuchChange(id string) error {
	return &types.NoSuchChange{Message: aws.String(fmt.Sprintf("A change with the specified change ID does not exist: %s", id))}
}

func errInvalidInput(format string, args ...any) error {
	return &types.InvalidInput{Message: aws.String(fmt.Sprintf(format, args...))}
}

func errInvalidChangeBatch(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &types.InvalidChangeBatch{Message: aws.String(msg), Messages: []string{msg}}
}
