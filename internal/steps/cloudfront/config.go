package cloudfront

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
)

const (
	// cachingDisabledPolicyID is the managed cache policy
	// Managed-CachingDisabled (TTL 0/0/0): n8n is dynamic and per user.
	cachingDisabledPolicyID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	// allViewerPolicyID is the managed origin request policy
	// Managed-AllViewer: every viewer header (Host, Upgrade and Connection
	// for n8n's websockets), cookie and query string reaches the origin.
	// Forwarding Host is safe because the origin is http-only: no TLS name
	// check against the ALB's certificate.
	allViewerPolicyID = "216adef6-5c7f-47e4-b989-5492eafa07d3"

	// originReadTimeout and originKeepalive are the original tool's
	// values, in seconds (CloudFront allows 1–60 without a quota increase).
	originReadTimeout = 30
	originKeepalive   = 5
)

// allMethods are the seven methods CloudFront can pass to an origin; n8n's
// API and webhooks use all of them.
var allMethods = []types.Method{
	types.MethodGet, types.MethodHead, types.MethodOptions, types.MethodPut,
	types.MethodPost, types.MethodPatch, types.MethodDelete,
}

// cachedMethods are the methods whose responses CloudFront may cache.
var cachedMethods = []types.Method{types.MethodGet, types.MethodHead}

// originSecret is the header CloudFront adds to every origin request and
// the ALB's listener rule requires (read back from the rule, so the secret
// never travels in the document). Its value is never logged.
type originSecret struct {
	header, value string
}

// comment is the distribution's comment, also how a sweep recognizes it
// before checking its tags.
func comment(deploymentID string) string { return "GeuseMaker CDN for " + deploymentID }

// originID is the id of the ALB origin, "ALB-<alb dns>" as the original tool
// named it.
func originID(albDNS string) string { return "ALB-" + albDNS }

// distributionConfig is the distribution in front of the ALB. It is a pure
// function of its inputs, so a retried create sends an identical config and
// CloudFront returns the distribution it already made.
//
// Its CallerReference is this run's token: CloudFront answers a reference
// "already sent in a previous request" with the original distribution or
// DistributionAlreadyExists (API reference, DistributionConfig), and does
// not document that deleting the distribution frees it, so a redeploy of
// the same deployment id must send a new one.
func distributionConfig(doc *document.Document, albDNS string, secret originSecret) *types.DistributionConfigWithTags {
	req := doc.Request
	origin := types.Origin{
		Id:         aws.String(originID(albDNS)),
		DomainName: aws.String(albDNS),
		// The listener rule forwards only requests carrying this header,
		// so the ALB answers CloudFront and nobody else (behind a VPC
		// origin too: a second lock on a door already closed).
		CustomHeaders: &types.CustomHeaders{Quantity: aws.Int32(1), Items: []types.OriginCustomHeader{{
			HeaderName: aws.String(secret.header), HeaderValue: aws.String(secret.value),
		}}},
	}
	if id := doc.Resources.VPCOriginID; id != "" {
		// The internal ALB, through the VPC origin: the protocol is the
		// VPC origin's (http-only, vpcOriginInput).
		origin.VpcOriginConfig = &types.VpcOriginConfig{
			VpcOriginId:            aws.String(id),
			OriginReadTimeout:      aws.Int32(originReadTimeout),
			OriginKeepaliveTimeout: aws.Int32(originKeepalive),
		}
	} else {
		origin.CustomOriginConfig = &types.CustomOriginConfig{
			HTTPPort:  aws.Int32(80),
			HTTPSPort: aws.Int32(443),
			// http-only: the raw *.elb.amazonaws.com name has no
			// certificate of the user's, and https-only to it gives 502s.
			OriginProtocolPolicy:   types.OriginProtocolPolicyHttpOnly,
			OriginSslProtocols:     &types.OriginSslProtocols{Quantity: aws.Int32(1), Items: []types.SslProtocol{types.SslProtocolTLSv12}},
			OriginReadTimeout:      aws.Int32(originReadTimeout),
			OriginKeepaliveTimeout: aws.Int32(originKeepalive),
		}
	}
	return &types.DistributionConfigWithTags{
		DistributionConfig: &types.DistributionConfig{
			CallerReference: aws.String(doc.Token("cloudfront")),
			Comment:         aws.String(comment(req.DeploymentID)),
			Enabled:         aws.Bool(true),
			Origins:         &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{origin}},
			DefaultCacheBehavior: &types.DefaultCacheBehavior{
				TargetOriginId:       aws.String(originID(albDNS)),
				ViewerProtocolPolicy: types.ViewerProtocolPolicyRedirectToHttps,
				AllowedMethods: &types.AllowedMethods{
					Quantity: aws.Int32(int32(len(allMethods))), Items: allMethods,
					CachedMethods: &types.CachedMethods{Quantity: aws.Int32(int32(len(cachedMethods))), Items: cachedMethods},
				},
				Compress:              aws.Bool(true),
				CachePolicyId:         aws.String(cachingDisabledPolicyID),
				OriginRequestPolicyId: aws.String(allViewerPolicyID),
			},
			PriceClass:    types.PriceClassPriceClass100,
			HttpVersion:   types.HttpVersionHttp2and3,
			IsIPV6Enabled: aws.Bool(true),
			// The default *.cloudfront.net certificate: CloudFront fixes its
			// security policy at TLSv1 and ignores MinimumProtocolVersion
			// (TLSv1.2_2021 applies only with a custom certificate and
			// aliases), so none is sent.
			ViewerCertificate: &types.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true)},
		},
		Tags: &types.Tags{Items: step.Tags(req, "", func(k, v string) types.Tag {
			return types.Tag{Key: aws.String(k), Value: aws.String(v)}
		})},
	}
}
