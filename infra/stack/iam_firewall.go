package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// firewallPolicy is what the firewall Lambda may do.
func firewallPolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		reads("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeManagedPrefixLists",
			"ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs"),
		statement([]string{"ec2:CreateSecurityGroup"}, p.ec2("security-group"), requestTagged),
		// The VPC may be the user's or the default one: untagged.
		statement([]string{"ec2:CreateSecurityGroup"}, p.ec2("vpc"), nil),
		statement([]string{"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
			"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:DeleteSecurityGroup"},
			p.ec2("security-group"), resourceTagged),
		// New rules are resources of their own, untagged until created.
		statement([]string{"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"},
			p.ec2("security-group-rule"), nil),
		statement([]string{"ec2:GetManagedPrefixListEntries"}, []string{"arn:" + p.partition + ":ec2:*:aws:prefix-list/*"}, nil),
		tagOnCreate("ec2:CreateTags", "ec2:CreateAction", p.ec2("security-group", "security-group-rule"), "CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"),
	}
}
