package servicequotas_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/sim/account"
	"geusemaker/internal/sim/servicequotas"
)

type fixture struct {
	w *account.Account
	m *servicequotas.Model
}

func setup(region string) (*fixture, *sdk.Client) {
	w := account.New()
	return &fixture{w: w, m: servicequotas.Register(w)}, sdk.NewFromConfig(w.Config(region))
}

func (f *fixture) client(region string) *sdk.Client { return sdk.NewFromConfig(f.w.Config(region)) }

func get(c *sdk.Client, service, code string) (*sdk.GetServiceQuotaOutput, error) {
	return c.GetServiceQuota(context.Background(), &sdk.GetServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
}

func def(c *sdk.Client, service, code string) (*sdk.GetAWSDefaultServiceQuotaOutput, error) {
	return c.GetAWSDefaultServiceQuota(context.Background(), &sdk.GetAWSDefaultServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
}

func TestVCPUQuotasHaveAppliedValuesAndDefaults(t *testing.T) {
	_, c := setup("us-west-2")
	out, err := get(c, servicequotas.ServiceEC2, servicequotas.CodeGVCPUs)
	require.NoError(t, err)
	assert.Equal(t, 16.0, aws.ToFloat64(out.Quota.Value), "the simulated account was granted 16 G vCPUs")
	assert.Equal(t, "Running On-Demand G and VT instances", aws.ToString(out.Quota.QuotaName))
	assert.Equal(t, "arn:aws:servicequotas:us-west-2:123456789012:ec2/L-DB2E81BA", aws.ToString(out.Quota.QuotaArn))

	d, err := def(c, servicequotas.ServiceEC2, servicequotas.CodeGVCPUs)
	require.NoError(t, err)
	assert.Equal(t, 0.0, aws.ToFloat64(d.Quota.Value), "a new account has no G vCPUs")
	assert.Equal(t, "arn:aws:servicequotas:us-west-2::ec2/L-DB2E81BA", aws.ToString(d.Quota.QuotaArn), "defaults belong to no account")
}

func TestQuotaWithoutAppliedValueIsNotRetrieved(t *testing.T) {
	f, c := setup("us-east-1")
	_, err := get(c, servicequotas.ServiceELB, servicequotas.CodeALBs)
	var none *types.NoSuchResourceException
	require.ErrorAs(t, err, &none)

	d, err := def(c, servicequotas.ServiceELB, servicequotas.CodeALBs)
	require.NoError(t, err)
	assert.Equal(t, 50.0, aws.ToFloat64(d.Quota.Value))

	f.m.SetApplied("us-east-1", servicequotas.ServiceELB, servicequotas.CodeALBs, 3)
	out, err := get(c, servicequotas.ServiceELB, servicequotas.CodeALBs)
	require.NoError(t, err)
	assert.Equal(t, 3.0, aws.ToFloat64(out.Quota.Value), "an applied value is retrieved")
}

func TestAppliedValuesArePerRegion(t *testing.T) {
	f, east := setup("us-east-1")
	f.m.SetApplied("us-west-2", servicequotas.ServiceEC2, servicequotas.CodeStandardVCPUs, 8)
	out, err := get(east, servicequotas.ServiceEC2, servicequotas.CodeStandardVCPUs)
	require.NoError(t, err)
	assert.Equal(t, 64.0, aws.ToFloat64(out.Quota.Value), "another region's increase does not apply here")
}

func TestGlobalQuotasAreServedFromUSEast1Only(t *testing.T) {
	f, west := setup("us-west-2")
	_, err := def(west, servicequotas.ServiceCloudFront, servicequotas.CodeDistributions)
	var none *types.NoSuchResourceException
	require.ErrorAs(t, err, &none)

	f.m.SetApplied("eu-west-1", servicequotas.ServiceCloudFront, servicequotas.CodeDistributions, 7)
	east := f.client("us-east-1")
	out, err := get(east, servicequotas.ServiceCloudFront, servicequotas.CodeDistributions)
	require.NoError(t, err)
	assert.Equal(t, 7.0, aws.ToFloat64(out.Quota.Value), "a global quota set from any region lands in us-east-1")
	assert.True(t, out.Quota.GlobalQuota)
}

func TestUnknownServiceOrQuota(t *testing.T) {
	f, c := setup("us-east-1")
	for _, tt := range []struct{ service, code, msg string }{
		{"EC2", servicequotas.CodeGVCPUs, "service does not exist"},
		{servicequotas.ServiceEC2, "L-00000000", "quota does not exist"},
	} {
		_, err := def(c, tt.service, tt.code)
		var none *types.NoSuchResourceException
		require.ErrorAs(t, err, &none)
		assert.Contains(t, none.ErrorMessage(), tt.msg)
	}
	assert.Panics(t, func() { f.m.SetApplied("us-east-1", "nope", "L-1", 1) }, "a test naming an unknown quota is a bug")
	assert.Empty(t, f.m.Inventory(account.Epoch))
}
