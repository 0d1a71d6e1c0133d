package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// cloudfrontPolicy is what the cloudfront Lambda may do.
func cloudfrontPolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		// DescribeRules reads the ALB's secret origin header back from
		// its listener rule (origin.Secret).
		reads("cloudfront:ListDistributions", "elasticloadbalancing:DescribeRules"),
		statement([]string{"cloudfront:CreateDistribution", "cloudfront:CreateDistributionWithTags",
			"cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution",
			"cloudfront:DeleteDistribution", "cloudfront:TagResource", "cloudfront:ListTagsForResource"},
			[]string{p.distributions}, nil),
	}
}
