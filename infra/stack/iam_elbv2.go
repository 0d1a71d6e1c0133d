package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// elbv2Policy is what the elbv2 Lambda may do.
func elbv2Policy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		reads("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
			"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
			"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags",
			"ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeSecurityGroups", "ec2:DescribeInternetGateways",
			"ec2:DescribeRouteTables", "ec2:DescribeManagedPrefixLists"),
		statement([]string{"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup",
			"elasticloadbalancing:CreateListener", "elasticloadbalancing:CreateRule"},
			append(append(append([]string{}, p.lb...), p.tg...), p.listeners...), requestTagged),
		statement([]string{"elasticloadbalancing:AddTags"}, append(append(append([]string{}, p.lb...), p.tg...), p.listeners...),
			map[string]any{"StringEquals": map[string]any{"elasticloadbalancing:CreateAction": []string{
				"CreateLoadBalancer", "CreateTargetGroup", "CreateListener", "CreateRule"}}}),
		statement([]string{"elasticloadbalancing:CreateListener", "elasticloadbalancing:CreateRule",
			"elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup",
			"elasticloadbalancing:DeleteListener", "elasticloadbalancing:DeleteRule",
			"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
			"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:ModifyTargetGroupAttributes"},
			append(append(append([]string{}, p.lb...), p.tg...), p.listeners...), resourceTagged),
		// The first ALB of an account creates ELB's service-linked role.
		statement([]string{"iam:CreateServiceLinkedRole"},
			[]string{p.global("iam", "role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing")},
			map[string]any{"StringEquals": map[string]any{"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}),
	}
}
