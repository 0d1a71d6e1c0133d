package account

import (
	"net"
	"slices"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// regions are the AWS Regions of the aws, aws-cn and aws-us-gov
// partitions, as the SDK's endpoint partitions list them
// (aws-sdk-go-v2's internal/endpoints/awsrulesfn/partitions.json, which
// TestTheRegionsAreTheSDKs compares with this list). A client configured
// for another region resolves its endpoint to a host that does not exist.
// The other partitions (ISO, European Sovereign Cloud) are not modeled.
var regions = []string{
	"af-south-1",
	"ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1", "me-central-1", "me-south-1", "me-west-1", "mx-central-1", "sa-east-1", "sa-west-1",
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"cn-north-1", "cn-northwest-1",
	"us-gov-east-1", "us-gov-west-1",
}

// Regions returns the regions the simulated AWS has.
func Regions() []string { return slices.Clone(regions) }

// globalServices answer at one endpoint whatever region their client is
// configured for (iam.amazonaws.com, cloudfront.amazonaws.com).
var globalServices = []string{"IAM", "CloudFront"}

// unreachable is what the SDK gets for a regional call in a region that
// does not exist: its endpoint's host does not resolve, a
// RequestSendError around a *net.DNSError that the SDK's retryer does not
// retry (NXDOMAIN). AWS never sees the call, so it is not in the call log.
func unreachable(service, region string, req *smithyhttp.Request) error {
	if slices.Contains(regions, region) || slices.Contains(globalServices, service) {
		return nil
	}
	host := service + "." + region + ".amazonaws.com"
	if req != nil && req.URL != nil {
		host = req.URL.Hostname()
	}
	return &smithyhttp.RequestSendError{Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
}
