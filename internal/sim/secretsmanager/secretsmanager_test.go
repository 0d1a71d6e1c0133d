package secretsmanager_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	simsm "geusemaker/internal/sim/secretsmanager"
)

const token = "geusemaker-d1-us-east-1-run0000000001-secret"

type fixture struct {
	w   *account.Account
	m   *simsm.Model
	clk *clock.Virtual
	api *sm.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	w := account.New()
	m := simsm.Register(w)
	return &fixture{w: w, m: m, clk: w.Clock().(*clock.Virtual), api: sm.NewFromConfig(w.Config("us-east-1"))}
}

func (f *fixture) create(value string) (*sm.CreateSecretOutput, error) {
	return f.api.CreateSecret(context.Background(), &sm.CreateSecretInput{
		Name: aws.String("geusemaker/d1/workload"), SecretString: aws.String(value), ClientRequestToken: aws.String(token),
		Tags: []types.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("d1")}},
	})
}

func TestCreateIsIdempotentOnTokenAndValueOnly(t *testing.T) {
	f := newFixture(t)
	first, err := f.create("v1")
	require.NoError(t, err)
	assert.Regexp(t, `^arn:aws:secretsmanager:us-east-1:123456789012:secret:geusemaker/d1/workload-[A-Za-z]{6}$`, *first.ARN)

	again, err := f.create("v1")
	require.NoError(t, err, "the same token and value repeat the create")
	assert.Equal(t, *first.ARN, *again.ARN)

	_, err = f.create("v2")
	var exists *types.ResourceExistsException
	require.ErrorAs(t, err, &exists, "another value under the same token cannot change the secret")
	assert.Len(t, f.w.Inventory(), 1)
}

func TestForceDeleteKeepsTheNameTakenUntilTheAsynchronousDeletionEnds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, err := f.create("v1")
	require.NoError(t, err)
	_, err = f.api.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: out.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	require.NoError(t, err)

	d, err := f.api.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String("geusemaker/d1/workload")})
	require.NoError(t, err)
	assert.NotNil(t, d.DeletedDate)
	_, err = f.api.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: out.ARN})
	var invalid *types.InvalidRequestException
	require.ErrorAs(t, err, &invalid)
	_, err = f.create("v2")
	require.ErrorAs(t, err, &invalid)
	assert.Contains(t, err.Error(), "scheduled for deletion")
	assert.Equal(t, "deleting", f.w.Inventory()[0].State)

	f.clk.Advance(simsm.Defaults()[simsm.LatencyForceDelete] + time.Second)
	_, err = f.api.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: out.ARN})
	var notFound *types.ResourceNotFoundException
	require.ErrorAs(t, err, &notFound)
	assert.Empty(t, f.w.Inventory())
	again, err := f.create("v2")
	require.NoError(t, err, "the name is free once the deletion ended")
	assert.NotEqual(t, *out.ARN, *again.ARN)
	v, ok := f.m.Value("us-east-1", "geusemaker/d1/workload")
	assert.True(t, ok)
	assert.Equal(t, "v2", v)
}

func TestRefusesWhatSecretsManagerRefuses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.create("v1")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		call func() error
		want any
	}{
		{"force and window together", func() error {
			_, err := f.api.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("geusemaker/d1/workload"), ForceDeleteWithoutRecovery: aws.Bool(true), RecoveryWindowInDays: aws.Int64(7)})
			return err
		}, &types.InvalidParameterException{}},
		{"window under 7 days", func() error {
			_, err := f.api.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("geusemaker/d1/workload"), RecoveryWindowInDays: aws.Int64(3)})
			return err
		}, &types.InvalidParameterException{}},
		{"bad name", func() error {
			_, err := f.api.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("a b"), SecretString: aws.String("x")})
			return err
		}, &types.InvalidParameterException{}},
		{"short token", func() error {
			_, err := f.api.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String("x"), SecretString: aws.String("x"), ClientRequestToken: aws.String("short")})
			return err
		}, &types.InvalidParameterException{}},
		{"unknown secret", func() error {
			_, err := f.api.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("nope")})
			return err
		}, &types.ResourceNotFoundException{}},
		{"other region", func() error {
			_, err := sm.NewFromConfig(f.w.Config("eu-west-1")).GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("geusemaker/d1/workload")})
			return err
		}, &types.ResourceNotFoundException{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			target := tc.want
			switch target.(type) {
			case *types.InvalidParameterException:
				var e *types.InvalidParameterException
				assert.True(t, errors.As(err, &e), err)
			case *types.ResourceNotFoundException:
				var e *types.ResourceNotFoundException
				assert.True(t, errors.As(err, &e), err)
			}
		})
	}
	v, err := f.api.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String("geusemaker/d1/workload")})
	require.NoError(t, err)
	assert.Equal(t, "v1", *v.SecretString)
	assert.True(t, strings.HasPrefix(f.w.Inventory()[0].ID, "arn:aws:secretsmanager:us-east-1:"))
}

func TestRecoveryWindowDeletionLastsItsDays(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.create("v1")
	require.NoError(t, err)
	out, err := f.api.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: aws.String("geusemaker/d1/workload"), RecoveryWindowInDays: aws.Int64(7)})
	require.NoError(t, err)
	assert.Equal(t, f.w.Now().Add(7*24*time.Hour), *out.DeletionDate)
	f.clk.Advance(6 * 24 * time.Hour)
	assert.Len(t, f.w.Inventory(), 1)
	f.clk.Advance(2 * 24 * time.Hour)
	assert.Empty(t, f.w.Inventory())
}
