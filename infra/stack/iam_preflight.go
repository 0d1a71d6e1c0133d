package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// preflightPolicy is what the preflight Lambda may do.
//
// Preflight only reads: the supplied network, offerings, usage of
// each quota it checks, and the quotas themselves (applied values
// of this account's quotas of the five services it checks).
func preflightPolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		reads("ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeInternetGateways", "ec2:DescribeSecurityGroups",
			"ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeInstances",
			"ec2:DescribeManagedPrefixLists", "ec2:DescribeAvailabilityZones",
			"elasticloadbalancing:DescribeLoadBalancers", "elasticfilesystem:DescribeFileSystems",
			"elasticfilesystem:DescribeMountTargets",
			"cloudfront:ListDistributions", "servicequotas:GetAWSDefaultServiceQuota"),
		statement([]string{"servicequotas:GetServiceQuota"}, []string{
			p.regional("servicequotas", "ec2/*"), p.regional("servicequotas", "elasticloadbalancing/*"),
			p.regional("servicequotas", "cloudfront/*"), p.regional("servicequotas", "elasticfilesystem/*"),
			p.regional("servicequotas", "vpc/*"),
		}, nil),
	}
}
