package document

import (
	"maps"
	"slices"
	"strings"
)

// The standard tags on every resource a deployment creates. Destroy and the
// orphan sweep find a deployment's resources by TagDeployment alone.
const (
	// TagDeployment holds the deployment id.
	TagDeployment = "geusemaker:deployment"
	// TagRegion holds the request's region. IAM and CloudFront are
	// global: the same deployment id in two regions would otherwise find,
	// adopt and delete each other's roles and distributions.
	TagRegion = "geusemaker:region"
	// TagTier holds the tier.
	TagTier = "geusemaker:tier"
	// TagManagedBy holds ManagedByValue.
	TagManagedBy = "ManagedBy"
	// TagName is the Name GeuseMaker gives each resource (e.g.
	// "<deployment_id>-vpc"); a user's Name tag is refused, not replaced.
	TagName = "Name"
	// ManagedByValue marks resources GeuseMaker manages.
	ManagedByValue = "GeuseMaker"
	// ReservedTagPrefix is GeuseMaker's own tag namespace; user tags may
	// not use it, so that later standard tags can never collide.
	ReservedTagPrefix = "geusemaker:"
)

// isReservedTagKey reports whether k is a key GeuseMaker sets itself.
func isReservedTagKey(k string) bool {
	return strings.HasPrefix(k, ReservedTagPrefix) || k == TagManagedBy
}

// Tags returns the tags for every resource of the deployment: the user's
// tags plus the standard tags. The standard tags win over a user tag with
// the same key (Validate already rejects such keys; this keeps a request
// built without validation from hiding a resource from destroy).
func (r Request) Tags() map[string]string {
	out := make(map[string]string, len(r.UserTags)+4)
	maps.Copy(out, r.UserTags)
	out[TagDeployment] = r.DeploymentID
	out[TagRegion] = r.Region
	out[TagTier] = string(r.Tier)
	out[TagManagedBy] = ManagedByValue
	return out
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
