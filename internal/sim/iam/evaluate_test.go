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

func TestAPermissionsBoundaryCapsTheRole(t *testing.T) {
	const secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:geusemaker/demo/workload-AbCdEf"
	ctx := context.Background()
	e := newEnv(t)
	policy := func(name, doc string) string {
		out, err := e.iam.CreatePolicy(ctx, &sdkiam.CreatePolicyInput{PolicyName: aws.String(name), Path: aws.String("/geusemaker/"), PolicyDocument: aws.String(doc)})
		require.NoError(t, err)
		return aws.ToString(out.Policy.Arn)
	}
	wide := policy("wide", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:geusemaker/*"}]}`)
	narrow := policy("narrow", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"}]}`)
	assert.Equal(t, "arn:aws:iam::123456789012:policy/geusemaker/wide", wide)
	_, err := e.iam.CreatePolicy(ctx, &sdkiam.CreatePolicyInput{PolicyName: aws.String("WIDE"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
	require.Error(t, err, "policy names are unique in the account")
	listed, err := e.iam.ListPolicies(ctx, &sdkiam.ListPoliciesInput{PathPrefix: aws.String("/geusemaker/")})
	require.NoError(t, err)
	assert.Len(t, listed.Policies, 2)

	_, err = e.iam.CreateRole(ctx, &sdkiam.CreateRoleInput{RoleName: aws.String("orphan"), AssumeRolePolicyDocument: aws.String(trust),
		PermissionsBoundary: aws.String("arn:aws:iam::123456789012:policy/geusemaker/none")})
	require.ErrorContains(t, err, "does not exist or is not attachable")

	allows := func(boundary string) bool {
		name := "role-" + boundary[len(boundary)-4:]
		_, err := e.iam.CreateRole(ctx, &sdkiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust), PermissionsBoundary: aws.String(boundary)})
		require.NoError(t, err)
		got, err := e.iam.GetRole(ctx, &sdkiam.GetRoleInput{RoleName: aws.String(name)})
		require.NoError(t, err)
		assert.Equal(t, boundary, aws.ToString(got.Role.PermissionsBoundary.PermissionsBoundaryArn))
		e.profile(t, name+"-profile")
		_, err = e.iam.AddRoleToInstanceProfile(ctx, &sdkiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name + "-profile"), RoleName: aws.String(name)})
		require.NoError(t, err)
		_, err = e.iam.PutRolePolicy(ctx, &sdkiam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("read"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"` + secret + `"}]}`)})
		require.NoError(t, err)
		var ok bool
		e.w.Do(func() { ok = e.model.ProfileAllows(name+"-profile", "secretsmanager:GetSecretValue", secret) })
		return ok
	}
	assert.True(t, allows(wide), "allowed by the role and within its boundary")
	assert.False(t, allows(narrow), "the role's own grant does not reach beyond its boundary")
}
