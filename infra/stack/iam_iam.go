package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// iamPolicy is what the iam Lambda may do.
func iamPolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		// The role finds its boundary by name.
		reads("iam:ListPolicies"),
		// Roles and profiles are created only with the deployment tag,
		// a role only with the boundary.
		statement([]string{"iam:CreateRole"}, []string{p.instanceRole}, merge(requestTagged, p.bounded)),
		statement([]string{"iam:CreateInstanceProfile"}, []string{p.instanceProfile}, requestTagged),
		statement([]string{"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy"}, []string{p.instanceRole}, p.bounded),
		statement([]string{"iam:GetRole", "iam:DeleteRole", "iam:TagRole", "iam:ListRolePolicies",
			"iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"}, []string{p.instanceRole}, nil),
		// Only the two AWS managed policies the role needs, and only
		// under the boundary.
		statement([]string{"iam:AttachRolePolicy"}, []string{p.instanceRole},
			merge(p.bounded, map[string]any{"ArnEquals": map[string]any{"iam:PolicyARN": []string{
				"arn:" + p.partition + ":iam::aws:policy/AmazonSSMManagedInstanceCore",
				"arn:" + p.partition + ":iam::aws:policy/AmazonElasticFileSystemClientReadWriteAccess",
			}}})),
		statement([]string{"iam:GetInstanceProfile", "iam:DeleteInstanceProfile",
			"iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"},
			[]string{p.instanceProfile}, nil),
		statement([]string{"iam:PassRole"}, []string{p.instanceRole},
			map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}}),
	}
}
