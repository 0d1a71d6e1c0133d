// Package awsapi holds what every step needs to talk to AWS the same way:
// config from the standard chain (AWS_REGION, AWS_PROFILE,
// AWS_ENDPOINT_URL), one notion of "not found" and "throttled" across
// services whose errors are modeled (CloudFront, ELBv2, EFS, IAM) and those
// whose errors are bare codes (EC2). Idempotency tokens are the document's
// (document.Document.Token): they depend on the run recorded there.
//
// It imports the SDK core and smithy-go only.
package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
)

// Load returns the SDK config from the standard chain. Extra options (a
// region from the request, the simulated AWS) are applied after the
// environment's.
func Load(ctx context.Context, opts ...func(*config.LoadOptions) error) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}

// Code returns the AWS error code of err, or "" when err carries none.
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// RequestID returns the AWS request id of a failed call, or "".
func RequestID(err error) string {
	var re interface{ ServiceRequestID() string }
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}

// notFoundCodes are the services' codes for "no such resource" that do not
// follow EC2's "<Thing>.NotFound" pattern.
var notFoundCodes = map[string]bool{
	"NoSuchEntity":           true, // IAM
	"NoSuchDistribution":     true, // CloudFront
	"NoSuchResource":         true, // CloudFront tags of a vanished distribution
	"LoadBalancerNotFound":   true, // ELBv2
	"TargetGroupNotFound":    true,
	"ListenerNotFound":       true,
	"RuleNotFound":           true,
	"FileSystemNotFound":     true, // EFS
	"MountTargetNotFound":    true,
	"ParameterNotFound":      true, // SSM
	"InvocationDoesNotExist": true,
}

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool {
	code := Code(err)
	return notFoundCodes[code] || strings.HasSuffix(code, ".NotFound")
}

// Gone reads a delete call's result: already gone when AWS says the
// resource does not exist (a delete that treats not found as done), else
// the call's error. It takes the call's output only to be called as
// Gone(c.DeleteX(ctx, in)).
func Gone[O any](_ O, err error) (alreadyGone bool, _ error) {
	if IsNotFound(err) {
		return true, nil
	}
	return false, err
}

// IsUnknownHost reports whether err is a call that never reached AWS
// because its endpoint's host does not resolve: a region (or endpoint)
// that does not exist.
func IsUnknownHost(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns) && dns.IsNotFound
}

// IsThrottle reports whether err is AWS throttling a call; the SDK's own
// list of throttling codes decides.
func IsThrottle(err error) bool {
	return retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary
}
