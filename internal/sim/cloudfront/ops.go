package cloudfront

import (
	"context"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"geusemaker/internal/sim/account"
)

// Operations maps the CloudFront operations the steps use to handlers.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"CreateDistribution":         account.Op(m.createDistribution),
		"CreateDistributionWithTags": account.Op(m.createDistributionWithTags),
		"GetDistribution":            account.Op(m.getDistribution),
		"GetDistributionConfig":      account.Op(m.getDistributionConfig),
		"UpdateDistribution":         account.Op(m.updateDistribution),
		"DeleteDistribution":         account.Op(m.deleteDistribution),
		"ListDistributions":          account.Op(m.listDistributions),
		"ListTagsForResource":        account.Op(m.listTagsForResource),
		"TagResource":                account.Op(m.tagResource),
		"CreateVpcOrigin":            account.Op(m.createVpcOrigin),
		"GetVpcOrigin":               account.Op(m.getVpcOrigin),
		"DeleteVpcOrigin":            account.Op(m.deleteVpcOrigin),
		"ListVpcOrigins":             account.Op(m.listVpcOrigins),
	}
}

func (m *Model) createDistribution(_ context.Context, in *sdk.CreateDistributionInput) (*sdk.CreateDistributionOutput, error) {
	d, err := m.create(in.DistributionConfig, nil)
	if err != nil {
		return nil, err
	}
	return &sdk.CreateDistributionOutput{Distribution: m.view(d), ETag: aws.String(d.etag), Location: location(d)}, nil
}

func (m *Model) createDistributionWithTags(_ context.Context, in *sdk.CreateDistributionWithTagsInput) (*sdk.CreateDistributionWithTagsOutput, error) {
	c := in.DistributionConfigWithTags
	d, err := m.create(c.DistributionConfig, c.Tags)
	if err != nil {
		return nil, err
	}
	return &sdk.CreateDistributionWithTagsOutput{Distribution: m.view(d), ETag: aws.String(d.etag), Location: location(d)}, nil
}

func (m *Model) getDistribution(_ context.Context, in *sdk.GetDistributionInput) (*sdk.GetDistributionOutput, error) {
	d, err := m.find(aws.ToString(in.Id))
	if err != nil {
		return nil, err
	}
	return &sdk.GetDistributionOutput{Distribution: m.view(d), ETag: aws.String(d.etag)}, nil
}

func (m *Model) getDistributionConfig(_ context.Context, in *sdk.GetDistributionConfigInput) (*sdk.GetDistributionConfigOutput, error) {
	d, err := m.find(aws.ToString(in.Id))
	if err != nil {
		return nil, err
	}
	return &sdk.GetDistributionConfigOutput{DistributionConfig: decode(d.config), ETag: aws.String(d.etag)}, nil
}

func (m *Model) updateDistribution(_ context.Context, in *sdk.UpdateDistributionInput) (*sdk.UpdateDistributionOutput, error) {
	d, err := m.update(aws.ToString(in.Id), in.IfMatch, in.DistributionConfig)
	if err != nil {
		return nil, err
	}
	return &sdk.UpdateDistributionOutput{Distribution: m.view(d), ETag: aws.String(d.etag)}, nil
}

func (m *Model) deleteDistribution(_ context.Context, in *sdk.DeleteDistributionInput) (*sdk.DeleteDistributionOutput, error) {
	if err := m.remove(aws.ToString(in.Id), in.IfMatch); err != nil {
		return nil, err
	}
	return &sdk.DeleteDistributionOutput{}, nil
}

// listDistributions pages through distributions in id order: Marker is the
// last id of the previous page (its NextMarker).
func (m *Model) listDistributions(_ context.Context, in *sdk.ListDistributionsInput) (*sdk.ListDistributionsOutput, error) {
	maxItems := int32(defaultMaxItems)
	if in.MaxItems != nil {
		maxItems = *in.MaxItems
	}
	if maxItems < 1 {
		return nil, errInvalidArgument("MaxItems must be a positive number.")
	}
	marker := aws.ToString(in.Marker)
	var items []types.DistributionSummary
	truncated := false
	for _, id := range m.sortedIDs() {
		if marker != "" && id <= marker {
			continue
		}
		if len(items) == int(maxItems) {
			truncated = true
			break
		}
		items = append(items, m.summary(m.dists[id]))
	}
	list := &types.DistributionList{
		IsTruncated: aws.Bool(truncated),
		Marker:      aws.String(marker),
		MaxItems:    aws.Int32(maxItems),
		Quantity:    aws.Int32(int32(len(items))),
		Items:       items,
	}
	if truncated {
		list.NextMarker = items[len(items)-1].Id
	}
	return &sdk.ListDistributionsOutput{DistributionList: list}, nil
}

func (m *Model) listTagsForResource(_ context.Context, in *sdk.ListTagsForResourceInput) (*sdk.ListTagsForResourceOutput, error) {
	have, err := m.tagsOf(aws.ToString(in.Resource))
	if err != nil {
		return nil, err
	}
	tags := &types.Tags{}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		tags.Items = append(tags.Items, types.Tag{Key: aws.String(k), Value: aws.String(have[k])})
	}
	return &sdk.ListTagsForResourceOutput{Tags: tags}, nil
}

func (m *Model) tagResource(_ context.Context, in *sdk.TagResourceInput) (*sdk.TagResourceOutput, error) {
	have, err := m.tagsOf(aws.ToString(in.Resource))
	if err != nil {
		return nil, err
	}
	for _, t := range in.Tags.Items {
		have[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return &sdk.TagResourceOutput{}, nil
}

// view is the distribution as Create, Get and Update return it.
func (m *Model) view(d *distribution) *types.Distribution {
	return &types.Distribution{
		ARN:                           aws.String(d.arn),
		DistributionConfig:            decode(d.config),
		DomainName:                    aws.String(d.domain),
		Id:                            aws.String(d.id),
		InProgressInvalidationBatches: aws.Int32(0),
		LastModifiedTime:              aws.Time(d.modified),
		Status:                        aws.String(d.status(m.w.Now())),
	}
}

// summary is the distribution as ListDistributions returns it.
func (m *Model) summary(d *distribution) types.DistributionSummary {
	c := decode(d.config)
	return types.DistributionSummary{
		ARN:                  aws.String(d.arn),
		Aliases:              c.Aliases,
		CacheBehaviors:       c.CacheBehaviors,
		Comment:              c.Comment,
		CustomErrorResponses: c.CustomErrorResponses,
		DefaultCacheBehavior: c.DefaultCacheBehavior,
		DomainName:           aws.String(d.domain),
		ETag:                 aws.String(d.etag),
		Enabled:              aws.Bool(d.enabled),
		HttpVersion:          c.HttpVersion,
		Id:                   aws.String(d.id),
		IsIPV6Enabled:        c.IsIPV6Enabled,
		LastModifiedTime:     aws.Time(d.modified),
		OriginGroups:         c.OriginGroups,
		Origins:              c.Origins,
		PriceClass:           c.PriceClass,
		Restrictions:         c.Restrictions,
		Staging:              aws.Bool(aws.ToBool(c.Staging)),
		Status:               aws.String(d.status(m.w.Now())),
		ViewerCertificate:    c.ViewerCertificate,
		WebACLId:             aws.String(aws.ToString(c.WebACLId)),
	}
}

func location(d *distribution) *string {
	return aws.String("https://cloudfront.amazonaws.com/2020-05-31/distribution/" + d.id)
}
