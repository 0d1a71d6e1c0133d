package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// efsPolicy is what the efs Lambda may do.
func efsPolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		// DescribeSecurityGroups finds the deployment's EFS group, which
		// marks its mount targets on a supplied file system.
		reads("elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeMountTargets",
			"ec2:DescribeSubnets", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups"),
		statement([]string{"elasticfilesystem:CreateFileSystem"}, []string{p.fileSystems}, requestTagged),
		statement([]string{"elasticfilesystem:TagResource"}, []string{p.fileSystems},
			map[string]any{"StringEquals": map[string]any{"elasticfilesystem:CreateAction": "CreateFileSystem"}}),
		statement([]string{"elasticfilesystem:DeleteFileSystem"}, []string{p.fileSystems}, resourceTagged),
		// Mount targets may be added to a file system the user supplied.
		statement([]string{"elasticfilesystem:CreateMountTarget", "elasticfilesystem:DeleteMountTarget",
			"elasticfilesystem:DescribeMountTargetSecurityGroups"}, []string{p.fileSystems}, nil),
		// EFS creates and deletes the mount targets' ENIs as the caller.
		statement([]string{"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"},
			p.ec2("network-interface", "subnet", "security-group"), nil),
		statement([]string{"kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt"},
			[]string{p.regional("kms", "key/*")}, p.viaService("elasticfilesystem")),
	}
}
