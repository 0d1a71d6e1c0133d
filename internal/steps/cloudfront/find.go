package cloudfront

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/document"
)

// findDistribution returns the distribution of a deployment, or nil. A
// candidate is a distribution whose comment names the deployment or whose
// origin is the deployment's ALB; it is the deployment's only if its
// geusemaker:deployment and geusemaker:region tags say so, so another
// deployment's distribution is never touched, nor that of the same
// deployment id in another region (CloudFront is global).
func findDistribution(ctx context.Context, cf *cloudfront.Client, req document.Request, albDNS string) (*types.DistributionSummary, error) {
	p := cloudfront.NewListDistributionsPaginator(cf, &cloudfront.ListDistributionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list distributions: %w", err)
		}
		for i := range page.DistributionList.Items {
			d := &page.DistributionList.Items[i]
			if !candidate(d, req.DeploymentID, albDNS) {
				continue
			}
			ok, err := taggedFor(ctx, cf, aws.ToString(d.ARN), req)
			if err != nil {
				return nil, err
			}
			if ok {
				return d, nil
			}
		}
	}
	return nil, nil
}

func candidate(d *types.DistributionSummary, deploymentID, albDNS string) bool {
	return aws.ToString(d.Comment) == comment(deploymentID) || hasOrigin(d, albDNS)
}

// hasOrigin reports whether albDNS is one of d's origins.
func hasOrigin(d *types.DistributionSummary, albDNS string) bool {
	if albDNS == "" || d.Origins == nil {
		return false
	}
	for _, o := range d.Origins.Items {
		if aws.ToString(o.DomainName) == albDNS {
			return true
		}
	}
	return false
}

// taggedFor reports whether the distribution or VPC origin arn carries the
// deployment's tags: its id and its region. One deleted since the listing
// is not the deployment's.
func taggedFor(ctx context.Context, cf *cloudfront.Client, arn string, req document.Request) (bool, error) {
	out, err := cf.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String(arn)})
	// ListTagsForResource reports a vanished resource as NoSuchResource.
	if awsapi.Code(err) == codeNoSuchResource {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("list tags of %s: %w", arn, err)
	}
	tags := map[string]string{}
	for _, t := range out.Tags.Items {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags[document.TagDeployment] == req.DeploymentID && tags[document.TagRegion] == req.Region, nil
}

// record writes a distribution into the ledger.
func record(r *document.Ledger, id, arn, domain string) {
	r.CloudFrontID, r.CloudFrontARN, r.CloudFrontDomain = id, arn, domain
}
