package cloudfront

import "time"

// Latency names, overridable with account.WithLatency or Account.SetLatency.
const (
	// LatencyDeploy is how long a new distribution stays InProgress.
	LatencyDeploy = "cloudfront.deploy"
	// LatencyUpdate is how long an updated (e.g. disabled) distribution
	// stays InProgress.
	LatencyUpdate = "cloudfront.update"
	// WindowDeleteAfterDisable names how long DeleteDistribution still
	// answers DistributionNotDisabled once the disable reads Deployed (the
	// edge lags the status): a account.Window drawn in [5 s, 30 s].
	// terraform-provider-aws retries this delete on DistributionNotDisabled
	// after waiting for Deployed (internal/service/cloudfront/distribution.go);
	// the figure is an assumption.
	WindowDeleteAfterDisable = "cloudfront.delete_after_disable"
	// LatencyVPCOriginDeploy is how long a new VPC origin is Deploying.
	LatencyVPCOriginDeploy = "cloudfront.vpc_origin_deploy"
	// LatencyVPCOriginDelete is how long a deleted VPC origin stays
	// Deploying before it is gone.
	LatencyVPCOriginDelete = "cloudfront.vpc_origin_delete"
	windowDeleteMin        = 5 * time.Second
	windowDeleteMax        = 30 * time.Second
	// WindowServiceGroupLinger names how long CloudFront keeps a VPC's
	// service security group after the last VPC origin there is gone,
	// drawn in [1 min, 5 min]. AWS documents no figure; its service-linked
	// role may delete the group (AWSCloudFrontVPCOriginServiceRolePolicy),
	// and teardowns report it still there after the VPC origin (a
	// DependencyViolation on the VPC): the window is an assumption.
	WindowServiceGroupLinger = "cloudfront.service_group_linger"
	windowGroupLingerMin     = time.Minute
	windowGroupLingerMax     = 5 * time.Minute
)

const (
	// defaultDeploy: create→Deployed took 166 s (Terraform) and 232 s
	// (CloudFormation) in 2026 public measurements, rounded to 3 min.
	defaultDeploy = 3 * time.Minute
	// defaultUpdate: disable→Deployed ≈ 2 min in public measurements.
	defaultUpdate = 2 * time.Minute
	// defaultVPCOriginDeploy: the SDK's example VPC origin went from
	// Deploying (created 17:19:42) to Deployed (17:24:35), about 5 min; the
	// Developer Guide says "up to 15 minutes".
	defaultVPCOriginDeploy = 5 * time.Minute
	// defaultVPCOriginDelete: AWS publishes no figure; the model takes the
	// deploy's.
	defaultVPCOriginDelete = 5 * time.Minute
)

// Defaults returns every latency of the simulated CloudFront by name, with
// its default (for benchmarks that compute critical paths from them).
func Defaults() map[string]time.Duration {
	return map[string]time.Duration{
		LatencyDeploy: defaultDeploy, LatencyUpdate: defaultUpdate, WindowDeleteAfterDisable: windowDeleteMax,
		LatencyVPCOriginDeploy: defaultVPCOriginDeploy, LatencyVPCOriginDelete: defaultVPCOriginDelete,
		WindowServiceGroupLinger: windowGroupLingerMax,
	}
}
