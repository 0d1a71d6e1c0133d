package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// cloudfrontPolicy is what the cloudfront Lambda may do.
func cloudfrontPolicy(p patterns) []awsiam.PolicyStatement {
	vpcOrigins := p.global("cloudfront", "vpcorigin/*")
	return []awsiam.PolicyStatement{
		// DescribeRules reads the ALB's secret origin header back from
		// its listener rule (origin.Secret).
		reads("cloudfront:ListDistributions", "cloudfront:ListVpcOrigins", "elasticloadbalancing:DescribeRules"),
		// CreateDistribution names no resource type in the Service
		// Authorization Reference: "*", gated on the deployment tag in the
		// request; it also authorizes GetVpcOrigin on the origin it names.
		statement([]string{"cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags"}, []string{"*"}, requestTagged),
		statement([]string{"cloudfront:GetDistribution", "cloudfront:GetDistributionConfig",
			"cloudfront:TagResource", "cloudfront:ListTagsForResource"}, []string{p.distributions}, nil),
		// Distributions take aws:ResourceTag: only the deployments' own
		// are disabled and deleted (the look-ups read others' tags).
		statement([]string{"cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution"}, []string{p.distributions}, resourceTagged),
		// CreateVpcOrigin names no resource type: "*", gated on the
		// deployment tag in the request.
		statement([]string{"cloudfront:CreateVpcOrigin"}, []string{"*"}, requestTagged),
		statement([]string{"cloudfront:GetVpcOrigin", "cloudfront:TagResource", "cloudfront:ListTagsForResource"}, []string{vpcOrigins}, nil),
		statement([]string{"cloudfront:DeleteVpcOrigin"}, []string{vpcOrigins}, resourceTagged),
		// CloudFront makes its VPC origins' network interfaces through
		// this service-linked role, created by the account's first
		// CreateVpcOrigin ("Using service-linked roles", CloudFront
		// Developer Guide).
		statement([]string{"iam:CreateServiceLinkedRole"},
			[]string{p.global("iam", "role/aws-service-role/vpcorigin.cloudfront.amazonaws.com/AWSServiceRoleForCloudFrontVPCOrigin")},
			map[string]any{"StringEquals": map[string]any{"iam:AWSServiceName": "vpcorigin.cloudfront.amazonaws.com"}}),
	}
}
