package servicequotas

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas/types"

	"geusemaker/internal/sim/account"
)

// Operations maps the modeled operations to their handlers.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"GetServiceQuota":           account.Op(m.getServiceQuota),
		"GetAWSDefaultServiceQuota": account.Op(m.getAWSDefaultServiceQuota),
	}
}

// find resolves a request's quota in the calling region; a global quota
// exists only in us-east-1.
func find(ctx context.Context, service, code *string) (quota, string, error) {
	q, err := lookup(aws.ToString(service), aws.ToString(code))
	if err != nil {
		return quota{}, "", err
	}
	region := account.Region(ctx)
	if q.global && region != globalRegion {
		return quota{}, "", errNoSuchQuota()
	}
	return q, region, nil
}

func (m *Model) getServiceQuota(ctx context.Context, in *sdk.GetServiceQuotaInput) (*sdk.GetServiceQuotaOutput, error) {
	q, region, err := find(ctx, in.ServiceCode, in.QuotaCode)
	if err != nil {
		return nil, err
	}
	v, ok := m.appliedValue(region, q)
	if !ok {
		return nil, errNoAppliedValue()
	}
	return &sdk.GetServiceQuotaOutput{Quota: q.sdk(region, account.AccountID, v)}, nil
}

func (m *Model) getAWSDefaultServiceQuota(ctx context.Context, in *sdk.GetAWSDefaultServiceQuotaInput) (*sdk.GetAWSDefaultServiceQuotaOutput, error) {
	q, region, err := find(ctx, in.ServiceCode, in.QuotaCode)
	if err != nil {
		return nil, err
	}
	// Default quotas belong to no account: their ARN has none.
	return &sdk.GetAWSDefaultServiceQuotaOutput{Quota: q.sdk(region, "", q.def)}, nil
}

func (q quota) sdk(region, accountID string, v float64) *types.ServiceQuota {
	return &types.ServiceQuota{
		ServiceCode: aws.String(q.service), ServiceName: aws.String(q.serviceName),
		QuotaCode: aws.String(q.code), QuotaName: aws.String(q.name),
		QuotaArn:    aws.String(fmt.Sprintf("arn:%s:servicequotas:%s:%s:%s/%s", account.PartitionOf(region), region, accountID, q.service, q.code)),
		Value:       aws.Float64(v),
		Unit:        aws.String("None"), // vCPU and count quotas alike
		Adjustable:  true,
		GlobalQuota: q.global,
	}
}
