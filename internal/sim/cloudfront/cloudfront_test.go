package cloudfront_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	simcf "geusemaker/internal/sim/cloudfront"
)

type fixture struct {
	w      *account.Account
	clock  *clock.Virtual
	client *sdk.Client
}

func newFixture(t *testing.T, opts ...account.Option) fixture {
	t.Helper()
	w := account.New(opts...)
	simcf.Register(w)
	return fixture{w: w, clock: w.Clock().(*clock.Virtual), client: sdk.NewFromConfig(w.Config("eu-west-1"))}
}

// config is a valid distribution config in front of a custom origin.
func config(ref string) *types.DistributionConfig {
	return &types.DistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String("test " + ref),
		Enabled:         aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id:         aws.String("origin"),
			DomainName: aws.String("alb-1.us-east-1.elb.amazonaws.com"),
			CustomHeaders: &types.CustomHeaders{Quantity: aws.Int32(1), Items: []types.OriginCustomHeader{
				{HeaderName: aws.String("X-Secret"), HeaderValue: aws.String("s")},
			}},
			CustomOriginConfig: &types.CustomOriginConfig{
				HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
				OriginProtocolPolicy:   types.OriginProtocolPolicyHttpOnly,
				OriginReadTimeout:      aws.Int32(30),
				OriginKeepaliveTimeout: aws.Int32(5),
				OriginSslProtocols:     &types.OriginSslProtocols{Quantity: aws.Int32(1), Items: []types.SslProtocol{types.SslProtocolTLSv12}},
			},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:        aws.String("origin"),
			ViewerProtocolPolicy:  types.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId:         aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
			OriginRequestPolicyId: aws.String("216adef6-5c7f-47e4-b989-5492eafa07d3"),
			AllowedMethods: &types.AllowedMethods{
				Quantity: aws.Int32(2), Items: []types.Method{types.MethodGet, types.MethodHead},
				CachedMethods: &types.CachedMethods{Quantity: aws.Int32(2), Items: []types.Method{types.MethodGet, types.MethodHead}},
			},
		},
		ViewerCertificate: &types.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true)},
	}
}

func (f fixture) create(t *testing.T, cfg *types.DistributionConfig) *sdk.CreateDistributionWithTagsOutput {
	t.Helper()
	out, err := f.client.CreateDistributionWithTags(context.Background(), &sdk.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: &types.DistributionConfigWithTags{
			DistributionConfig: cfg,
			Tags:               &types.Tags{Items: []types.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}}},
		},
	})
	require.NoError(t, err)
	return out
}

func (f fixture) get(t *testing.T, id string) *sdk.GetDistributionOutput {
	t.Helper()
	out, err := f.client.GetDistribution(context.Background(), &sdk.GetDistributionInput{Id: aws.String(id)})
	require.NoError(t, err)
	return out
}

// disable turns a distribution off and returns the new ETag.
func (f fixture) disable(t *testing.T, id string) string {
	t.Helper()
	ctx := context.Background()
	cur, err := f.client.GetDistributionConfig(ctx, &sdk.GetDistributionConfigInput{Id: aws.String(id)})
	require.NoError(t, err)
	cur.DistributionConfig.Enabled = aws.Bool(false)
	out, err := f.client.UpdateDistribution(ctx, &sdk.UpdateDistributionInput{Id: aws.String(id), IfMatch: cur.ETag, DistributionConfig: cur.DistributionConfig})
	require.NoError(t, err)
	return aws.ToString(out.ETag)
}

func requireAPIError[T error](t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	var target T
	require.True(t, errors.As(err, &target), "want %T, got %v", target, err)
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, code, ae.ErrorCode())
}

func TestCreateDistributionWithTagsReturnsAnInProgressDistribution(t *testing.T) {
	f := newFixture(t)
	out := f.create(t, config("ref-1"))
	d := out.Distribution
	id := aws.ToString(d.Id)

	assert.Regexp(t, regexp.MustCompile(`^E[0-9A-Z]{13}$`), id)
	assert.Regexp(t, regexp.MustCompile(`^d[0-9a-z]{13}\.cloudfront\.net$`), aws.ToString(d.DomainName))
	assert.Equal(t, "arn:aws:cloudfront::"+account.AccountID+":distribution/"+id, aws.ToString(d.ARN))
	assert.Regexp(t, regexp.MustCompile(`^E[0-9A-Z]{13}$`), aws.ToString(out.ETag))
	assert.Equal(t, "https://cloudfront.amazonaws.com/2020-05-31/distribution/"+id, aws.ToString(out.Location))
	assert.Equal(t, simcf.StatusInProgress, aws.ToString(d.Status))
	assert.Equal(t, account.Epoch, aws.ToTime(d.LastModifiedTime))
	// With the default certificate CloudFront sets TLSv1 whatever was asked.
	assert.Equal(t, types.MinimumProtocolVersionTLSv1, d.DistributionConfig.ViewerCertificate.MinimumProtocolVersion)

	tags, err := f.client.ListTagsForResource(context.Background(), &sdk.ListTagsForResourceInput{Resource: d.ARN})
	require.NoError(t, err)
	require.Len(t, tags.Tags.Items, 1)
	assert.Equal(t, "demo", aws.ToString(tags.Tags.Items[0].Value))

	assert.Equal(t, []account.Resource{{
		Service: "CloudFront", Type: "distribution", ID: id, State: "InProgress/enabled",
		Tags: map[string]string{"geusemaker:deployment": "demo"},
	}}, f.w.Inventory())
}

func TestDistributionDeploysOnlyWhenTheClockAdvances(t *testing.T) {
	f := newFixture(t)
	id := aws.ToString(f.create(t, config("ref-1")).Distribution.Id)

	f.clock.Advance(3*time.Minute - time.Second)
	assert.Equal(t, simcf.StatusInProgress, aws.ToString(f.get(t, id).Distribution.Status))
	f.clock.Advance(time.Second)
	assert.Equal(t, simcf.StatusDeployed, aws.ToString(f.get(t, id).Distribution.Status))

	// An update deploys again, for cloudfront.update.
	f.disable(t, id)
	assert.Equal(t, simcf.StatusInProgress, aws.ToString(f.get(t, id).Distribution.Status))
	f.clock.Advance(2*time.Minute - time.Second)
	assert.Equal(t, simcf.StatusInProgress, aws.ToString(f.get(t, id).Distribution.Status))
	f.clock.Advance(time.Second)
	assert.Equal(t, simcf.StatusDeployed, aws.ToString(f.get(t, id).Distribution.Status))
}

func TestLatenciesCanBeOverridden(t *testing.T) {
	f := newFixture(t, account.WithLatency(simcf.LatencyDeploy, 0), account.WithLatency(simcf.LatencyUpdate, time.Hour))
	id := aws.ToString(f.create(t, config("ref-1")).Distribution.Id)
	assert.Equal(t, simcf.StatusDeployed, aws.ToString(f.get(t, id).Distribution.Status))
	f.disable(t, id)
	f.clock.Advance(59 * time.Minute)
	assert.Equal(t, simcf.StatusInProgress, aws.ToString(f.get(t, id).Distribution.Status))
}

func TestCallerReferenceIdempotency(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first := f.create(t, config("ref-1"))

	t.Run("identical config returns the existing distribution", func(t *testing.T) {
		again, err := f.client.CreateDistribution(ctx, &sdk.CreateDistributionInput{DistributionConfig: config("ref-1")})
		require.NoError(t, err)
		assert.Equal(t, aws.ToString(first.Distribution.Id), aws.ToString(again.Distribution.Id))
		assert.Len(t, f.w.Inventory(), 1)
	})
	t.Run("different config is DistributionAlreadyExists", func(t *testing.T) {
		cfg := config("ref-1")
		cfg.Comment = aws.String("changed")
		_, err := f.client.CreateDistribution(ctx, &sdk.CreateDistributionInput{DistributionConfig: cfg})
		requireAPIError[*types.DistributionAlreadyExists](t, err, "DistributionAlreadyExists")
		assert.Len(t, f.w.Inventory(), 1)
	})
	t.Run("a new reference creates a new distribution", func(t *testing.T) {
		out, err := f.client.CreateDistribution(ctx, &sdk.CreateDistributionInput{DistributionConfig: config("ref-2")})
		require.NoError(t, err)
		assert.NotEqual(t, aws.ToString(first.Distribution.Id), aws.ToString(out.Distribution.Id))
		assert.Len(t, f.w.Inventory(), 2)
	})
}

func TestMissingCallerReferenceFailsInTheSDKBeforeSending(t *testing.T) {
	f := newFixture(t)
	cfg := config("ref-1")
	cfg.CallerReference = nil
	_, err := f.client.CreateDistributionWithTags(context.Background(), &sdk.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: &types.DistributionConfigWithTags{DistributionConfig: cfg, Tags: &types.Tags{}},
	})
	var invalid smithy.InvalidParamsError
	require.ErrorAs(t, err, &invalid)
	assert.Contains(t, err.Error(), "CallerReference")
	assert.Empty(t, f.w.Calls(), "the SDK validates before the simulated AWS answers")
}

func TestUpdateDistributionPreconditions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	created := f.create(t, config("ref-1"))
	id := created.Distribution.Id

	tests := []struct {
		name    string
		id      *string
		ifMatch *string
		mutate  func(*types.DistributionConfig)
		check   func(*testing.T, error)
	}{
		{"missing IfMatch is InvalidIfMatchVersion", id, nil, nil, func(t *testing.T, err error) {
			requireAPIError[*types.InvalidIfMatchVersion](t, err, "InvalidIfMatchVersion")
		}},
		{"stale IfMatch is PreconditionFailed", id, aws.String("ESTALE"), nil, func(t *testing.T, err error) {
			requireAPIError[*types.PreconditionFailed](t, err, "PreconditionFailed")
		}},
		{"unknown id is NoSuchDistribution", aws.String("EUNKNOWN"), created.ETag, nil, func(t *testing.T, err error) {
			requireAPIError[*types.NoSuchDistribution](t, err, "NoSuchDistribution")
		}},
		{"changing the CallerReference is IllegalUpdate", id, created.ETag,
			func(c *types.DistributionConfig) { c.CallerReference = aws.String("other") },
			func(t *testing.T, err error) { requireAPIError[*types.IllegalUpdate](t, err, "IllegalUpdate") }},
		{"an invalid config is refused", id, created.ETag,
			func(c *types.DistributionConfig) { c.DefaultCacheBehavior.TargetOriginId = aws.String("nope") },
			func(t *testing.T, err error) { requireAPIError[*types.NoSuchOrigin](t, err, "NoSuchOrigin") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config("ref-1")
			if tt.mutate != nil {
				tt.mutate(cfg)
			}
			_, err := f.client.UpdateDistribution(ctx, &sdk.UpdateDistributionInput{Id: tt.id, IfMatch: tt.ifMatch, DistributionConfig: cfg})
			tt.check(t, err)
		})
	}

	t.Run("a current IfMatch succeeds and changes the ETag", func(t *testing.T) {
		etag := f.disable(t, aws.ToString(id))
		assert.NotEqual(t, aws.ToString(created.ETag), etag)
		cfg, err := f.client.GetDistributionConfig(ctx, &sdk.GetDistributionConfigInput{Id: id})
		require.NoError(t, err)
		assert.Equal(t, etag, aws.ToString(cfg.ETag))
		assert.False(t, aws.ToBool(cfg.DistributionConfig.Enabled))
	})
}

func TestDeleteDistributionPreconditions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	created := f.create(t, config("ref-1"))
	id := aws.ToString(created.Distribution.Id)
	del := func(id string, ifMatch *string) error {
		_, err := f.client.DeleteDistribution(ctx, &sdk.DeleteDistributionInput{Id: aws.String(id), IfMatch: ifMatch})
		return err
	}

	f.clock.Advance(time.Hour)
	requireAPIError[*types.DistributionNotDisabled](t, del(id, created.ETag), "DistributionNotDisabled")

	etag := f.disable(t, id)
	requireAPIError[*types.InvalidIfMatchVersion](t, del(id, nil), "InvalidIfMatchVersion")
	requireAPIError[*types.PreconditionFailed](t, del(id, created.ETag), "PreconditionFailed")
	// Disabled, but the change has not finished deploying.
	requireAPIError[*types.DistributionNotDisabled](t, del(id, aws.String(etag)), "DistributionNotDisabled")

	f.clock.Advance(2 * time.Minute)
	// Deployed, and still refused for a moment: the edge lags the status.
	require.Equal(t, simcf.StatusDeployed, aws.ToString(f.get(t, id).Distribution.Status))
	requireAPIError[*types.DistributionNotDisabled](t, del(id, aws.String(etag)), "DistributionNotDisabled")
	f.clock.Advance(simcf.Defaults()[simcf.WindowDeleteAfterDisable])
	require.NoError(t, del(id, aws.String(etag)))
	assert.Empty(t, f.w.Inventory())
	requireAPIError[*types.NoSuchDistribution](t, del(id, aws.String(etag)), "NoSuchDistribution")
	_, err := f.client.GetDistributionConfig(ctx, &sdk.GetDistributionConfigInput{Id: aws.String(id)})
	requireAPIError[*types.NoSuchDistribution](t, err, "NoSuchDistribution")

	// The caller reference is free again.
	again := f.create(t, config("ref-1"))
	assert.NotEqual(t, id, aws.ToString(again.Distribution.Id))
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*types.DistributionConfig)
		code   string
	}{
		{"origins quantity mismatch", func(c *types.DistributionConfig) { c.Origins.Quantity = aws.Int32(2) }, "InconsistentQuantities"},
		{"allowed methods quantity mismatch", func(c *types.DistributionConfig) { c.DefaultCacheBehavior.AllowedMethods.Quantity = aws.Int32(7) }, "InconsistentQuantities"},
		{"cached methods quantity mismatch", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.AllowedMethods.CachedMethods.Quantity = aws.Int32(3)
		}, "InconsistentQuantities"},
		{"custom headers quantity mismatch", func(c *types.DistributionConfig) { c.Origins.Items[0].CustomHeaders.Quantity = aws.Int32(0) }, "InconsistentQuantities"},
		{"ssl protocols quantity mismatch", func(c *types.DistributionConfig) {
			c.Origins.Items[0].CustomOriginConfig.OriginSslProtocols.Quantity = aws.Int32(0)
		}, "InconsistentQuantities"},
		{"aliases quantity mismatch", func(c *types.DistributionConfig) { c.Aliases = &types.Aliases{Quantity: aws.Int32(1)} }, "InconsistentQuantities"},
		{"unknown target origin", func(c *types.DistributionConfig) { c.DefaultCacheBehavior.TargetOriginId = aws.String("x") }, "NoSuchOrigin"},
		{"unknown cache policy", func(c *types.DistributionConfig) { c.DefaultCacheBehavior.CachePolicyId = aws.String("x") }, "NoSuchCachePolicy"},
		{"neither cache policy nor forwarded values", func(c *types.DistributionConfig) { c.DefaultCacheBehavior.CachePolicyId = nil }, "InvalidArgument"},
		{"unknown origin request policy", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.OriginRequestPolicyId = aws.String("x")
		}, "NoSuchOriginRequestPolicy"},
		{"read timeout above 60 s", func(c *types.DistributionConfig) {
			c.Origins.Items[0].CustomOriginConfig.OriginReadTimeout = aws.Int32(61)
		}, "InvalidOriginReadTimeout"},
		{"keepalive timeout of 0 s", func(c *types.DistributionConfig) {
			c.Origins.Items[0].CustomOriginConfig.OriginKeepaliveTimeout = aws.Int32(0)
		}, "InvalidOriginKeepaliveTimeout"},
		{"default and custom certificate", func(c *types.DistributionConfig) {
			c.ViewerCertificate.ACMCertificateArn = aws.String("arn:aws:acm:us-east-1:1:certificate/x")
		}, "InvalidViewerCertificate"},
		{"no certificate", func(c *types.DistributionConfig) {
			c.ViewerCertificate = &types.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(false)}
		}, "InvalidViewerCertificate"},
		{"aliases with the default certificate", func(c *types.DistributionConfig) {
			c.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"n8n.example.com"}}
		}, "InvalidViewerCertificate"},
		{"custom certificate without SSL support method", func(c *types.DistributionConfig) {
			c.ViewerCertificate = &types.ViewerCertificate{ACMCertificateArn: aws.String("arn:aws:acm:us-east-1:1:certificate/x")}
		}, "InvalidViewerCertificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			cfg := config("ref-1")
			tt.mutate(cfg)
			_, err := f.client.CreateDistribution(context.Background(), &sdk.CreateDistributionInput{DistributionConfig: cfg})
			var ae smithy.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.code, ae.ErrorCode())
			assert.Empty(t, f.w.Inventory())
		})
	}

	t.Run("a custom certificate with aliases is accepted as sent", func(t *testing.T) {
		f := newFixture(t)
		cfg := config("ref-1")
		cfg.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"n8n.example.com"}}
		cfg.ViewerCertificate = &types.ViewerCertificate{
			ACMCertificateArn:      aws.String("arn:aws:acm:us-east-1:1:certificate/x"),
			SSLSupportMethod:       types.SSLSupportMethodSniOnly,
			MinimumProtocolVersion: types.MinimumProtocolVersionTLSv122021,
		}
		out, err := f.client.CreateDistribution(context.Background(), &sdk.CreateDistributionInput{DistributionConfig: cfg})
		require.NoError(t, err)
		assert.Equal(t, types.MinimumProtocolVersionTLSv122021, out.Distribution.DistributionConfig.ViewerCertificate.MinimumProtocolVersion)
	})
}

func TestListDistributionsPaginates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var want []string
	for i := range 5 {
		want = append(want, aws.ToString(f.create(t, config(fmt.Sprintf("ref-%d", i))).Distribution.Id))
	}

	var got []string
	pages := 0
	p := sdk.NewListDistributionsPaginator(f.client, &sdk.ListDistributionsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		for _, s := range page.DistributionList.Items {
			got = append(got, aws.ToString(s.Id))
			assert.Equal(t, simcf.StatusInProgress, aws.ToString(s.Status))
			assert.True(t, aws.ToBool(s.Enabled))
			assert.Equal(t, "alb-1.us-east-1.elb.amazonaws.com", aws.ToString(s.Origins.Items[0].DomainName))
		}
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 3, pages)

	all, err := f.client.ListDistributions(ctx, &sdk.ListDistributionsInput{})
	require.NoError(t, err)
	assert.Len(t, all.DistributionList.Items, 5)
	assert.False(t, aws.ToBool(all.DistributionList.IsTruncated))
	assert.Nil(t, all.DistributionList.NextMarker)

	_, err = f.client.ListDistributions(ctx, &sdk.ListDistributionsInput{MaxItems: aws.Int32(0)})
	requireAPIError[*types.InvalidArgument](t, err, "InvalidArgument")
}

func TestTooManyDistributions(t *testing.T) {
	f := newFixture(t)
	for i := range 200 {
		f.create(t, config(fmt.Sprintf("ref-%d", i)))
		// Within CloudFront's write rate: 200 creates at one instant would
		// meet throttling the SDK's three attempts may not outlast.
		f.clock.Advance(time.Second)
	}
	_, err := f.client.CreateDistribution(context.Background(), &sdk.CreateDistributionInput{DistributionConfig: config("one-more")})
	requireAPIError[*types.TooManyDistributions](t, err, "TooManyDistributions")
}

func TestTagging(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	arn := f.create(t, config("ref-1")).Distribution.ARN

	_, err := f.client.TagResource(ctx, &sdk.TagResourceInput{Resource: arn, Tags: &types.Tags{Items: []types.Tag{
		{Key: aws.String("ManagedBy"), Value: aws.String("GeuseMaker")},
	}}})
	require.NoError(t, err)
	out, err := f.client.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{Resource: arn})
	require.NoError(t, err)
	assert.Equal(t, []types.Tag{
		{Key: aws.String("ManagedBy"), Value: aws.String("GeuseMaker")},
		{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")},
	}, out.Tags.Items)

	unknown := aws.String("arn:aws:cloudfront::" + account.AccountID + ":distribution/EUNKNOWN")
	_, err = f.client.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{Resource: unknown})
	requireAPIError[*types.NoSuchResource](t, err, "NoSuchResource")
	_, err = f.client.TagResource(ctx, &sdk.TagResourceInput{Resource: unknown, Tags: &types.Tags{}})
	requireAPIError[*types.NoSuchResource](t, err, "NoSuchResource")
}

func TestReturnedConfigsAreCopies(t *testing.T) {
	f := newFixture(t)
	cfg := config("ref-1")
	id := aws.ToString(f.create(t, cfg).Distribution.Id)
	cfg.Comment = aws.String("mutated by the caller")
	got := f.get(t, id).Distribution.DistributionConfig
	assert.Equal(t, "test ref-1", aws.ToString(got.Comment))
	got.Comment = aws.String("mutated again")
	assert.Equal(t, "test ref-1", aws.ToString(f.get(t, id).Distribution.DistributionConfig.Comment))
}

func TestFaultsAndLogAreTheWorlds(t *testing.T) {
	f := newFixture(t)
	f.w.Inject(account.Fault{Service: "CloudFront", Operation: "GetDistribution", Code: "AccessDenied", Times: 1})
	id := aws.ToString(f.create(t, config("ref-1")).Distribution.Id)
	_, err := f.client.GetDistribution(context.Background(), &sdk.GetDistributionInput{Id: aws.String(id)})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "AccessDenied", ae.ErrorCode())
	calls := f.w.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, "AccessDenied", calls[1].ErrorCode)
}
