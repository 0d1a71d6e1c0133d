package account

import (
	"net"
	"slices"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// regions are the AWS Regions of the aws, aws-cn and aws-us-gov
// partitions ("AWS Regions", docs.aws.amazon.com/global-infrastructure/
// latest/regions/aws-regions.html). A client configured for another
// region resolves its endpoint to a host that does not exist.
var regions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"af-south-1",
	"ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
	"il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1",
	"cn-north-1", "cn-northwest-1",
	"us-gov-west-1", "us-gov-east-1",
}

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
