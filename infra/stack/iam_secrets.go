package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// secretsPolicy is what the secrets Lambda may do.
//
// One secret per deployment, under geusemaker/: created only with
// the deployment tag, read back and deleted only when tagged.
func secretsPolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		statement([]string{"secretsmanager:CreateSecret", "secretsmanager:TagResource"}, []string{p.secrets}, requestTagged),
		statement([]string{"secretsmanager:DescribeSecret", "secretsmanager:DeleteSecret"}, []string{p.secrets}, resourceTagged),
	}
}
