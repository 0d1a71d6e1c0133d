package iam_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProfileAllowsEvaluatesTheRolesInlinePolicies(t *testing.T) {
	const secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:geusemaker/demo/workload-AbCdEf"
	ctx := context.Background()
	e := newEnv(t)
	e.role(t, "demo-role")
	e.profile(t, "demo-profile")
	e.profile(t, "empty-profile")
	_, err := e.iam.AddRoleToInstanceProfile(ctx, &sdkiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("demo-profile"), RoleName: aws.String("demo-role")})
	require.NoError(t, err)
	put := func(name, doc string) {
		_, err := e.iam.PutRolePolicy(ctx, &sdkiam.PutRolePolicyInput{RoleName: aws.String("demo-role"), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
		require.NoError(t, err)
	}
	allows := func(profile, action, resource string) bool {
		var ok bool
		e.w.Do(func() { ok = e.model.ProfileAllows(profile, action, resource) })
		return ok
	}
	assert.False(t, allows("demo-profile", "secretsmanager:GetSecretValue", secret), "no policy, no access")

	put("read", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:GetSecretValue"],"Resource":"`+secret+`"}]}`)
	assert.True(t, allows("demo-profile", "secretsmanager:GetSecretValue", secret))
	assert.True(t, allows("arn:aws:iam::123456789012:instance-profile/demo-profile", "SecretsManager:getSecretValue", secret), "by ARN; actions ignore case")
	assert.False(t, allows("demo-profile", "secretsmanager:GetSecretValue", secret+"x"), "another secret")
	assert.False(t, allows("demo-profile", "secretsmanager:DeleteSecret", secret), "another action")
	assert.False(t, allows("empty-profile", "secretsmanager:GetSecretValue", secret), "a profile without a role")
	assert.False(t, allows("nope", "secretsmanager:GetSecretValue", secret))

	put("conditional", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}`)
	assert.False(t, allows("demo-profile", "secretsmanager:DeleteSecret", secret), "a conditional statement never applies")

	put("deny", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"secretsmanager:Get*","Resource":"arn:aws:secretsmanager:*:*:secret:geusemaker/*"}}`)
	assert.False(t, allows("demo-profile", "secretsmanager:GetSecretValue", secret), "an explicit deny wins")
}
