package stack

import awsiam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

// smokePolicy is what the smoke Lambda may do.
//
// The smoke test reads the deployment's API key (to prove the routes
// open with it and only with it); the rest is plain HTTPS. The
// AWS managed key aws/secretsmanager needs no KMS grant.
func smokePolicy(p patterns) []awsiam.PolicyStatement {
	return []awsiam.PolicyStatement{
		statement([]string{"secretsmanager:GetSecretValue"}, []string{p.secrets}, resourceTagged),
	}
}
