package iam_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/iam"
)

const (
	trust  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	inline = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"elasticfilesystem:ClientMount","Resource":"*"}]}`
	ssm    = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
	efsRW  = "arn:aws:iam::aws:policy/AmazonElasticFileSystemClientReadWriteAccess"
)

type env struct {
	w     *account.Account
	model *iam.Model
	iam   *sdkiam.Client
	clk   *clock.Virtual
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(account.WithClock(clk))
	m := iam.Register(w)
	return &env{w: w, model: m, iam: sdkiam.NewFromConfig(w.Config("us-east-1")), clk: clk}
}

func (e *env) role(t *testing.T, name string) *types.Role {
	t.Helper()
	out, err := e.iam.CreateRole(context.Background(), &sdkiam.CreateRoleInput{
		RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust),
		Tags: []types.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}},
	})
	require.NoError(t, err)
	return out.Role
}

func (e *env) profile(t *testing.T, name string) {
	t.Helper()
	_, err := e.iam.CreateInstanceProfile(context.Background(), &sdkiam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)})
	require.NoError(t, err)
}

func (e *env) ready(name string) bool {
	var ok bool
	e.w.Do(func() { ok = e.model.ProfileReady(name) })
	return ok
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, code, ae.ErrorCode())
}

func TestCreateRole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.role(t, "demo-role")
	assert.Equal(t, "arn:aws:iam::"+account.AccountID+":role/demo-role", aws.ToString(r.Arn))
	assert.Regexp(t, `^AROA[0-9A-F]{17}$`, aws.ToString(r.RoleId))
	assert.Equal(t, "/", aws.ToString(r.Path))
	assert.Equal(t, int32(3600), aws.ToInt32(r.MaxSessionDuration))

	got, err := e.iam.GetRole(ctx, &sdkiam.GetRoleInput{RoleName: aws.String("DEMO-ROLE")})
	require.NoError(t, err, "names are case-insensitive")
	doc, err := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument))
	require.NoError(t, err)
	assert.JSONEq(t, trust, doc, "IAM returns the trust policy URL-encoded")
	assert.Equal(t, []types.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}}, got.Role.Tags)

	tests := []struct {
		name string
		in   sdkiam.CreateRoleInput
		code string
	}{
		{"existing name in another case", sdkiam.CreateRoleInput{RoleName: aws.String("Demo-Role"), AssumeRolePolicyDocument: aws.String(trust)}, "EntityAlreadyExists"},
		{"name with a space", sdkiam.CreateRoleInput{RoleName: aws.String("a b"), AssumeRolePolicyDocument: aws.String(trust)}, "ValidationError"},
		{"name too long", sdkiam.CreateRoleInput{RoleName: aws.String(strings.Repeat("r", 65)), AssumeRolePolicyDocument: aws.String(trust)}, "ValidationError"},
		{"path without slashes", sdkiam.CreateRoleInput{RoleName: aws.String("p"), Path: aws.String("x"), AssumeRolePolicyDocument: aws.String(trust)}, "ValidationError"},
		{"trust not JSON", sdkiam.CreateRoleInput{RoleName: aws.String("j"), AssumeRolePolicyDocument: aws.String("{")}, "MalformedPolicyDocument"},
		{"trust without statement", sdkiam.CreateRoleInput{RoleName: aws.String("s"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17"}`)}, "MalformedPolicyDocument"},
		{"too many tags", sdkiam.CreateRoleInput{RoleName: aws.String("t"), AssumeRolePolicyDocument: aws.String(trust), Tags: manyTags(51)}, "LimitExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.iam.CreateRole(ctx, &tt.in)
			requireCode(t, err, tt.code)
		})
	}
}

func manyTags(n int) []types.Tag {
	var out []types.Tag
	for i := range n {
		out = append(out, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
	}
	return out
}

func TestMissingEntitiesAreNoSuchEntity(t *testing.T) {
	e := newEnv(t)
	e.role(t, "r")
	e.profile(t, "p")
	ctx := context.Background()
	calls := map[string]func() error{
		"GetRole": func() error {
			_, err := e.iam.GetRole(ctx, &sdkiam.GetRoleInput{RoleName: aws.String("x")})
			return err
		},
		"DeleteRole": func() error {
			_, err := e.iam.DeleteRole(ctx, &sdkiam.DeleteRoleInput{RoleName: aws.String("x")})
			return err
		},
		"TagRole": func() error {
			_, err := e.iam.TagRole(ctx, &sdkiam.TagRoleInput{RoleName: aws.String("x"), Tags: manyTags(1)})
			return err
		},
		"AttachRolePolicy to missing role": func() error {
			_, err := e.iam.AttachRolePolicy(ctx, &sdkiam.AttachRolePolicyInput{RoleName: aws.String("x"), PolicyArn: aws.String(ssm)})
			return err
		},
		"AttachRolePolicy of unknown policy": func() error {
			_, err := e.iam.AttachRolePolicy(ctx, &sdkiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("arn:aws:iam::aws:policy/Nope")})
			return err
		},
		"DetachRolePolicy of missing role": func() error {
			_, err := e.iam.DetachRolePolicy(ctx, &sdkiam.DetachRolePolicyInput{RoleName: aws.String("x"), PolicyArn: aws.String(ssm)})
			return err
		},
		"DetachRolePolicy not attached": func() error {
			_, err := e.iam.DetachRolePolicy(ctx, &sdkiam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(ssm)})
			return err
		},
		"ListAttachedRolePolicies": func() error {
			_, err := e.iam.ListAttachedRolePolicies(ctx, &sdkiam.ListAttachedRolePoliciesInput{RoleName: aws.String("x")})
			return err
		},
		"PutRolePolicy": func() error {
			_, err := e.iam.PutRolePolicy(ctx, &sdkiam.PutRolePolicyInput{RoleName: aws.String("x"), PolicyName: aws.String("p"), PolicyDocument: aws.String(inline)})
			return err
		},
		"GetRolePolicy of missing role": func() error {
			_, err := e.iam.GetRolePolicy(ctx, &sdkiam.GetRolePolicyInput{RoleName: aws.String("x"), PolicyName: aws.String("p")})
			return err
		},
		"GetRolePolicy missing": func() error {
			_, err := e.iam.GetRolePolicy(ctx, &sdkiam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p")})
			return err
		},
		"DeleteRolePolicy of missing role": func() error {
			_, err := e.iam.DeleteRolePolicy(ctx, &sdkiam.DeleteRolePolicyInput{RoleName: aws.String("x"), PolicyName: aws.String("p")})
			return err
		},
		"DeleteRolePolicy missing": func() error {
			_, err := e.iam.DeleteRolePolicy(ctx, &sdkiam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p")})
			return err
		},
		"ListRolePolicies": func() error {
			_, err := e.iam.ListRolePolicies(ctx, &sdkiam.ListRolePoliciesInput{RoleName: aws.String("x")})
			return err
		},
		"GetInstanceProfile": func() error {
			_, err := e.iam.GetInstanceProfile(ctx, &sdkiam.GetInstanceProfileInput{InstanceProfileName: aws.String("x")})
			return err
		},
		"DeleteInstanceProfile": func() error {
			_, err := e.iam.DeleteInstanceProfile(ctx, &sdkiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("x")})
			return err
		},
		"TagInstanceProfile": func() error {
			_, err := e.iam.TagInstanceProfile(ctx, &sdkiam.TagInstanceProfileInput{InstanceProfileName: aws.String("x"), Tags: manyTags(1)})
			return err
		},
		"AddRoleToInstanceProfile of missing profile": func() error {
			_, err := e.iam.AddRoleToInstanceProfile(ctx, &sdkiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("x"), RoleName: aws.String("r")})
			return err
		},
		"AddRoleToInstanceProfile of missing role": func() error {
			_, err := e.iam.AddRoleToInstanceProfile(ctx, &sdkiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("x")})
			return err
		},
		"RemoveRoleFromInstanceProfile of missing profile": func() error {
			_, err := e.iam.RemoveRoleFromInstanceProfile(ctx, &sdkiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("x"), RoleName: aws.String("r")})
			return err
		},
		"RemoveRoleFromInstanceProfile not in it": func() error {
			_, err := e.iam.RemoveRoleFromInstanceProfile(ctx, &sdkiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("r")})
			return err
		},
		"ListInstanceProfilesForRole": func() error {
			_, err := e.iam.ListInstanceProfilesForRole(ctx, &sdkiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("x")})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			var nse *types.NoSuchEntityException
			require.ErrorAs(t, call(), &nse)
		})
	}
}

func TestManagedPolicies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.role(t, "r")
	for _, arn := range []string{ssm, efsRW, ssm} { // attaching twice is a no-op
		_, err := e.iam.AttachRolePolicy(ctx, &sdkiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(arn)})
		require.NoError(t, err)
	}
	_, err := e.iam.AttachRolePolicy(ctx, &sdkiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String("not-an-arn")})
	requireCode(t, err, "InvalidInput")

	p := sdkiam.NewListAttachedRolePoliciesPaginator(e.iam, &sdkiam.ListAttachedRolePoliciesInput{RoleName: aws.String("r"), MaxItems: aws.Int32(1)})
	var names []string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		for _, ap := range out.AttachedPolicies {
			names = append(names, aws.ToString(ap.PolicyName))
		}
	}
	assert.Equal(t, []string{"AmazonSSMManagedInstanceCore", "AmazonElasticFileSystemClientReadWriteAccess"}, names)

	out, err := e.iam.ListAttachedRolePolicies(ctx, &sdkiam.ListAttachedRolePoliciesInput{RoleName: aws.String("r"), PathPrefix: aws.String("/service-role/")})
	require.NoError(t, err)
	assert.Empty(t, out.AttachedPolicies)

	_, err = e.iam.DetachRolePolicy(ctx, &sdkiam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(ssm)})
	require.NoError(t, err)
	out, err = e.iam.ListAttachedRolePolicies(ctx, &sdkiam.ListAttachedRolePoliciesInput{RoleName: aws.String("r")})
	require.NoError(t, err)
	require.Len(t, out.AttachedPolicies, 1)
	assert.Equal(t, efsRW, aws.ToString(out.AttachedPolicies[0].PolicyArn))
}

func TestListPaging(t *testing.T) {
	e := newEnv(t)
	e.role(t, "r")
	tests := []struct {
		name string
		in   sdkiam.ListRolePoliciesInput
		code string
	}{
		{"marker not ours", sdkiam.ListRolePoliciesInput{RoleName: aws.String("r"), Marker: aws.String("zz")}, "InvalidInput"},
		{"marker past the end", sdkiam.ListRolePoliciesInput{RoleName: aws.String("r"), Marker: aws.String("5")}, "InvalidInput"},
		{"MaxItems too large", sdkiam.ListRolePoliciesInput{RoleName: aws.String("r"), MaxItems: aws.Int32(1001)}, "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.iam.ListRolePolicies(context.Background(), &tt.in)
			requireCode(t, err, tt.code)
		})
	}
}

func TestInlinePolicies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.role(t, "r")
	for _, name := range []string{"b", "a", "b"} { // a second put replaces
		_, err := e.iam.PutRolePolicy(ctx, &sdkiam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String(name), PolicyDocument: aws.String(inline)})
		require.NoError(t, err)
	}
	list, err := e.iam.ListRolePolicies(ctx, &sdkiam.ListRolePoliciesInput{RoleName: aws.String("r")})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, list.PolicyNames)
	assert.False(t, list.IsTruncated)

	got, err := e.iam.GetRolePolicy(ctx, &sdkiam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("a")})
	require.NoError(t, err)
	doc, err := url.QueryUnescape(aws.ToString(got.PolicyDocument))
	require.NoError(t, err)
	assert.JSONEq(t, inline, doc)

	huge := `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"` + strings.Repeat("x", 10240) + `"}]}`
	tests := []struct {
		name, policy, doc, code string
	}{
		{"malformed", "m", "[", "MalformedPolicyDocument"},
		{"bad name", "a b", inline, "ValidationError"},
		{"over the size quota", "big", huge, "LimitExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.iam.PutRolePolicy(ctx, &sdkiam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String(tt.policy), PolicyDocument: aws.String(tt.doc)})
			requireCode(t, err, tt.code)
		})
	}

	_, err = e.iam.DeleteRolePolicy(ctx, &sdkiam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("a")})
	require.NoError(t, err)
	list, err = e.iam.ListRolePolicies(ctx, &sdkiam.ListRolePoliciesInput{RoleName: aws.String("r")})
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, list.PolicyNames)
}

func TestDeleteRoleConflicts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		attach  func(e *env)
		release func(e *env)
	}{
		{
			name: "managed policy attached",
			attach: func(e *env) {
				_, _ = e.iam.AttachRolePolicy(ctx, &sdkiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(ssm)})
			},
			release: func(e *env) {
				_, _ = e.iam.DetachRolePolicy(ctx, &sdkiam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(ssm)})
			},
		},
		{
			name: "inline policy",
			attach: func(e *env) {
				_, _ = e.iam.PutRolePolicy(ctx, &sdkiam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(inline)})
			},
			release: func(e *env) {
				_, _ = e.iam.DeleteRolePolicy(ctx, &sdkiam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p")})
			},
		},
		{
			name: "in an instance profile",
			attach: func(e *env) {
				_, _ = e.iam.AddRoleToInstanceProfile(ctx, &sdkiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("r")})
			},
			release: func(e *env) {
				_, _ = e.iam.RemoveRoleFromInstanceProfile(ctx, &sdkiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("r")})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.role(t, "r")
			e.profile(t, "p")
			tt.attach(e)
			_, err := e.iam.DeleteRole(ctx, &sdkiam.DeleteRoleInput{RoleName: aws.String("r")})
			var conflict *types.DeleteConflictException
			require.ErrorAs(t, err, &conflict)
			tt.release(e)
			_, err = e.iam.DeleteRole(ctx, &sdkiam.DeleteRoleInput{RoleName: aws.String("r")})
			require.NoError(t, err)
		})
	}
}

func TestInstanceProfileLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.role(t, "r")
	e.role(t, "other")
	out, err := e.iam.CreateInstanceProfile(ctx, &sdkiam.CreateInstanceProfileInput{
		InstanceProfileName: aws.String("p"), Tags: []types.Tag{{Key: aws.String("ManagedBy"), Value: aws.String("GeuseMaker")}},
	})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:iam::"+account.AccountID+":instance-profile/p", aws.ToString(out.InstanceProfile.Arn))
	assert.Regexp(t, `^AIPA[0-9A-F]{17}$`, aws.ToString(out.InstanceProfile.InstanceProfileId))
	assert.Empty(t, out.InstanceProfile.Roles)
	assert.False(t, e.ready("p"), "a profile without a role is not usable")

	_, err = e.iam.CreateInstanceProfile(ctx, &sdkiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("P")})
	requireCode(t, err, "EntityAlreadyExists")
	for _, bad := range []sdkiam.CreateInstanceProfileInput{
		{InstanceProfileName: aws.String("a/b")},
		{InstanceProfileName: aws.String("q"), Path: aws.String("/x")},
		{InstanceProfileName: aws.String("q"), Tags: manyTags(51)},
	} {
		_, err = e.iam.CreateInstanceProfile(ctx, &bad)
		require.Error(t, err)
	}

	_, err = e.iam.AddRoleToInstanceProfile(ctx, &sdkiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("r")})
	require.NoError(t, err)
	assert.False(t, e.ready("p"), "IAM has not propagated yet")
	e.clk.Advance(9 * time.Second)
	assert.False(t, e.ready("P"))
	e.clk.Advance(time.Second)
	assert.True(t, e.ready("p"))
	assert.False(t, e.ready("nope"))

	for _, role := range []string{"r", "other"} {
		_, err = e.iam.AddRoleToInstanceProfile(ctx, &sdkiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String(role)})
		var limit *types.LimitExceededException
		require.ErrorAs(t, err, &limit, "a profile holds one role, the same one included")
	}

	got, err := e.iam.GetInstanceProfile(ctx, &sdkiam.GetInstanceProfileInput{InstanceProfileName: aws.String("p")})
	require.NoError(t, err)
	require.Len(t, got.InstanceProfile.Roles, 1)
	assert.Equal(t, "r", aws.ToString(got.InstanceProfile.Roles[0].RoleName))

	forRole, err := e.iam.ListInstanceProfilesForRole(ctx, &sdkiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("r")})
	require.NoError(t, err)
	require.Len(t, forRole.InstanceProfiles, 1)
	forOther, err := e.iam.ListInstanceProfilesForRole(ctx, &sdkiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("other")})
	require.NoError(t, err)
	assert.Empty(t, forOther.InstanceProfiles)

	_, err = e.iam.DeleteInstanceProfile(ctx, &sdkiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("p")})
	var conflict *types.DeleteConflictException
	require.ErrorAs(t, err, &conflict)

	_, err = e.iam.RemoveRoleFromInstanceProfile(ctx, &sdkiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("other")})
	requireCode(t, err, "NoSuchEntity")
	_, err = e.iam.RemoveRoleFromInstanceProfile(ctx, &sdkiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("r")})
	require.NoError(t, err)
	assert.False(t, e.ready("p"))
	_, err = e.iam.DeleteInstanceProfile(ctx, &sdkiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("p")})
	require.NoError(t, err)
}

func TestTagsAndInventory(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.role(t, "r")
	e.profile(t, "p")
	_, err := e.iam.TagRole(ctx, &sdkiam.TagRoleInput{RoleName: aws.String("r"), Tags: []types.Tag{
		{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo2")}, {Key: aws.String("Name"), Value: aws.String("r")},
	}})
	require.NoError(t, err)
	_, err = e.iam.TagInstanceProfile(ctx, &sdkiam.TagInstanceProfileInput{InstanceProfileName: aws.String("p"), Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("p")}}})
	require.NoError(t, err)
	_, err = e.iam.TagRole(ctx, &sdkiam.TagRoleInput{RoleName: aws.String("r"), Tags: manyTags(49)})
	requireCode(t, err, "LimitExceeded")
	_, err = e.iam.TagInstanceProfile(ctx, &sdkiam.TagInstanceProfileInput{InstanceProfileName: aws.String("p"), Tags: manyTags(50)})
	requireCode(t, err, "LimitExceeded")

	assert.Equal(t, []account.Resource{
		{Service: "IAM", Type: "instance-profile", ID: "p", Tags: map[string]string{"Name": "p"}},
		{Service: "IAM", Type: "role", ID: "r", Tags: map[string]string{"geusemaker:deployment": "demo2", "Name": "r"}},
	}, e.w.Inventory())
}

func TestLatencyOverride(t *testing.T) {
	w := account.New(account.WithLatency(iam.LatencyProfilePropagation, 0))
	m := iam.Register(w)
	client := sdkiam.NewFromConfig(w.Config("eu-west-1"))
	ctx := context.Background()
	_, err := client.CreateRole(ctx, &sdkiam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust)})
	require.NoError(t, err)
	_, err = client.CreateInstanceProfile(ctx, &sdkiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("p")})
	require.NoError(t, err)
	_, err = client.AddRoleToInstanceProfile(ctx, &sdkiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("p"), RoleName: aws.String("r")})
	require.NoError(t, err)
	var ready bool
	w.Do(func() { ready = m.ProfileReady("p") })
	assert.True(t, ready)
}
