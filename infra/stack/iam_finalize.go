package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// finalizePolicy is what the finalize Lambda may do.
func finalizePolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		reads("ec2:DescribeInstances", "elasticloadbalancing:DescribeLoadBalancers",
			"elasticloadbalancing:DescribeTargetHealth"),
		statement([]string{"cloudfront:GetDistribution"}, []string{p.distributions}, nil),
	}
}
