package cloudfront

import (
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"geusemaker/internal/sim/account"
)

// Each constructor returns the SDK's modeled error type with the HTTP status
// CloudFront answers it with, so errors.As and ErrorCode() behave in step
// code as they do against AWS.

func errNoSuchDistribution(id string) error {
	return account.WithStatus(http.StatusNotFound, &types.NoSuchDistribution{
		Message: aws.String(fmt.Sprintf("The specified distribution does not exist: %s", id)),
	})
}

func errInvalidIfMatchVersion() error {
	return account.WithStatus(http.StatusBadRequest, &types.InvalidIfMatchVersion{
		Message: aws.String("The If-Match version is missing or not valid for the resource."),
	})
}

func errPreconditionFailed() error {
	return account.WithStatus(http.StatusPreconditionFailed, &types.PreconditionFailed{
		Message: aws.String("The precondition in one or more of the request fields evaluated to false."),
	})
}

func errDistributionNotDisabled(id string) error {
	return account.WithStatus(http.StatusConflict, &types.DistributionNotDisabled{
		Message: aws.String(fmt.Sprintf("The distribution %s you are trying to delete has not been disabled, or its disabling has not finished deploying.", id)),
	})
}

func errDistributionAlreadyExists() error {
	return account.WithStatus(http.StatusConflict, &types.DistributionAlreadyExists{
		Message: aws.String("The caller reference you attempted to create the distribution with is associated with another distribution."),
	})
}

func errTooManyDistributions(limit int) error {
	return account.WithStatus(http.StatusBadRequest, &types.TooManyDistributions{
		Message: aws.String(fmt.Sprintf("Your request contains more distributions than are allowed per AWS account (%d).", limit)),
	})
}

func errIllegalUpdate(msg string) error {
	return account.WithStatus(http.StatusBadRequest, &types.IllegalUpdate{Message: aws.String(msg)})
}

func errInconsistentQuantities(field string) error {
	return account.WithStatus(http.StatusBadRequest, &types.InconsistentQuantities{
		Message: aws.String(fmt.Sprintf("The value of %s.Quantity and the size of %s.Items don't match.", field, field)),
	})
}

func errNoSuchOrigin(id string) error {
	return account.WithStatus(http.StatusNotFound, &types.NoSuchOrigin{
		Message: aws.String(fmt.Sprintf("No origin exists with the specified Origin Id: %s", id)),
	})
}

func errNoSuchCachePolicy(id string) error {
	return account.WithStatus(http.StatusNotFound, &types.NoSuchCachePolicy{
		Message: aws.String(fmt.Sprintf("The cache policy does not exist: %s", id)),
	})
}

func errNoSuchOriginRequestPolicy(id string) error {
	return account.WithStatus(http.StatusNotFound, &types.NoSuchOriginRequestPolicy{
		Message: aws.String(fmt.Sprintf("The origin request policy does not exist: %s", id)),
	})
}

func errInvalidArgument(msg string) error {
	return account.WithStatus(http.StatusBadRequest, &types.InvalidArgument{Message: aws.String(msg)})
}

func errInvalidOriginReadTimeout() error {
	return account.WithStatus(http.StatusBadRequest, &types.InvalidOriginReadTimeout{
		Message: aws.String(fmt.Sprintf("The read timeout specified for the origin is not valid: it must be between 1 and %d seconds.", maxOriginTimeoutSeconds)),
	})
}

func errInvalidOriginKeepaliveTimeout() error {
	return account.WithStatus(http.StatusBadRequest, &types.InvalidOriginKeepaliveTimeout{
		Message: aws.String(fmt.Sprintf("The keep alive timeout specified for the origin is not valid: it must be between 1 and %d seconds.", maxOriginTimeoutSeconds)),
	})
}

func errInvalidViewerCertificate(msg string) error {
	return account.WithStatus(http.StatusBadRequest, &types.InvalidViewerCertificate{Message: aws.String(msg)})
}

func errNoSuchResource(arn string) error {
	return account.WithStatus(http.StatusNotFound, &types.NoSuchResource{
		Message: aws.String(fmt.Sprintf("The specified resource does not exist: %s", arn)),
	})
}
