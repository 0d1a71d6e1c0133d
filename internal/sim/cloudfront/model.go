// Package cloudfront simulates Amazon CloudFront web distributions beneath
// the real aws-sdk-go-v2 CloudFront client: CallerReference idempotency,
// the InProgress→Deployed lifecycle on the account's clock (again after every
// update), ETags with If-Match preconditions, the disable-before-delete
// rule, pagination of ListDistributions, tags, and the managed cache and
// origin request policies a distribution may reference.
//
// CloudFront is global: one set of distributions per account, whatever the
// client's region. The package imports account and the SDK's CloudFront
// types; never steps or engine.
package cloudfront

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"geusemaker/internal/sim/account"
)

// Distribution statuses, as GetDistribution reports them.
const (
	StatusInProgress = "InProgress"
	StatusDeployed   = "Deployed"
)

const (
	// maxDistributions is CloudFront's default quota of web distributions
	// per account (Service Quotas, "Web distributions per AWS account").
	maxDistributions = 200
	// quotaDistributions is that quota's Service Quotas code (global,
	// read in us-east-1), which CreateDistribution enforces.
	quotaDistributions = "L-24B04930"
	// maxOriginTimeoutSeconds bounds OriginReadTimeout and
	// OriginKeepaliveTimeout (1–60 s) unless a quota increase was granted.
	maxOriginTimeoutSeconds = 60
	// defaultMaxItems is ListDistributions' page size when MaxItems is absent.
	defaultMaxItems = 100
	// idDigits is the length of the random part of distribution ids and
	// domain names (E2QWRUHAPOMQZL, d111111abcdef8.cloudfront.net).
	idDigits = 13
)

// managedCachePolicies and managedOriginRequestPolicies are the AWS-managed
// policy ids (CloudFront Developer Guide, "Use managed cache policies" and
// "Use managed origin request policies") a distribution may reference
// without creating a policy of its own.
var (
	managedCachePolicies = map[string]string{
		"4135ea2d-6df8-44a3-9df3-4b5a84be39ad": "Managed-CachingDisabled",
		"2e54312d-136d-493c-8eb9-b001f22f67d2": "Managed-Amplify",
	}
	managedOriginRequestPolicies = map[string]string{
		"216adef6-5c7f-47e4-b989-5492eafa07d3": "Managed-AllViewer",
		"33f36d7e-f396-46d9-90e0-52428a34d9dc": "Managed-AllViewerAndCloudFrontHeaders-2022-06",
		"b689b0a8-53d0-40ab-baf2-68738e2966ac": "Managed-AllViewerExceptHostHeader",
	}
)

// Model is the simulated CloudFront of one account. Its methods run under
// the account's lock (every operation does); tests read it through the SDK
// client or account.Do.
type Model struct {
	w     *account.Account
	dists map[string]*distribution // by id
	refs  map[string]string        // CallerReference → id of a live distribution
	// origins are the VPC origins, by id (vpcorigin.go); groups the
	// service security group of each VPC that has had one, by VPC id, and
	// groupsGone when CloudFront deletes a group no VPC origin uses.
	origins    map[string]*vpcOrigin
	groups     map[string]string
	groupsGone map[string]time.Time
	// LoadBalancer reads a load balancer by ARN, for VPC origins; set by
	// the sim facade from ELBv2.
	LoadBalancer func(arn string) (account.LoadBalancer, bool)
}

// distribution is one web distribution. Configs are stored as JSON so that
// no caller can alter the model through a pointer it passed in or got back.
type distribution struct {
	id, arn, domain string
	// requested is the config of the create request, the one a retried
	// create with the same CallerReference is compared against.
	requested []byte
	// config is the current config as CloudFront stores it.
	config  []byte
	enabled bool
	etag    string
	// modified is when the last create or update was accepted; the
	// distribution is InProgress until modified+settle.
	modified time.Time
	settle   time.Duration
	// deletable is how long after Deployed a disabled distribution still
	// refuses its delete (WindowDeleteAfterDisable).
	deletable time.Duration
	tags      map[string]string
}

// Register adds a simulated CloudFront to w.
func Register(w *account.Account) *Model {
	m := &Model{w: w, dists: map[string]*distribution{}, refs: map[string]string{}, origins: map[string]*vpcOrigin{},
		groups: map[string]string{}, groupsGone: map[string]time.Time{}}
	w.Register(m)
	return m
}

// ServiceID is the SDK's service id.
func (m *Model) ServiceID() string { return "CloudFront" }

// Inventory lists the distributions and VPC origins that exist at now.
func (m *Model) Inventory(now time.Time) []account.Resource {
	out := m.vpcOriginInventory(now)
	for _, d := range m.dists {
		state := d.status(now) + "/disabled"
		if d.enabled {
			state = d.status(now) + "/enabled"
		}
		out = append(out, account.Resource{
			Service: m.ServiceID(), Type: "distribution", ID: d.id, State: state, Tags: maps.Clone(d.tags),
		})
	}
	return out
}

func (d *distribution) status(now time.Time) string {
	if now.Before(d.modified.Add(d.settle)) {
		return StatusInProgress
	}
	return StatusDeployed
}

// suffix returns a fresh 13-digit hex counter for kind, distinct per kind.
func (m *Model) suffix(kind string) string {
	prefix := "cloudfront-" + kind + ":"
	return strings.TrimPrefix(m.w.NewID(prefix, idDigits), prefix)
}

// newETag returns a new version token; it changes on every accepted write.
func (m *Model) newETag() string { return "E" + strings.ToUpper(m.suffix("etag")) }

// create adds a distribution, or returns the existing one for a retried
// request.
func (m *Model) create(cfg *types.DistributionConfig, tags *types.Tags) (*distribution, error) {
	requested, err := encode(cfg)
	if err != nil {
		return nil, err
	}
	// CloudFront API reference, DistributionConfig.CallerReference: a
	// reference already used with an identical config returns the original
	// distribution; with a different config, DistributionAlreadyExists.
	if id, ok := m.refs[aws.ToString(cfg.CallerReference)]; ok {
		d := m.dists[id]
		if !bytes.Equal(d.requested, requested) {
			return nil, errDistributionAlreadyExists()
		}
		return d, nil
	}
	if err := m.validate(cfg); err != nil {
		return nil, err
	}
	limit := float64(maxDistributions)
	if q := m.w.Quota; q != nil {
		limit = q("us-east-1", "cloudfront", quotaDistributions)
	}
	if float64(len(m.dists)) >= limit {
		return nil, errTooManyDistributions(int(limit))
	}
	stored, err := encode(normalize(cfg))
	if err != nil {
		return nil, err
	}
	id := "E" + strings.ToUpper(m.suffix("id"))
	d := &distribution{
		id:        id,
		arn:       fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s", m.w.Partition(), account.AccountID, id),
		domain:    "d" + m.suffix("domain") + ".cloudfront.net",
		requested: requested,
		config:    stored,
		enabled:   aws.ToBool(cfg.Enabled),
		etag:      m.newETag(),
		modified:  m.w.Now(),
		settle:    m.w.Latency(LatencyDeploy, defaultDeploy),
		tags:      map[string]string{},
	}
	if tags != nil {
		for _, t := range tags.Items {
			d.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	m.dists[id] = d
	m.refs[aws.ToString(cfg.CallerReference)] = id
	return d, nil
}

// find returns a distribution by id.
func (m *Model) find(id string) (*distribution, error) {
	d, ok := m.dists[id]
	if !ok {
		return nil, errNoSuchDistribution(id)
	}
	return d, nil
}

// checkIfMatch applies CloudFront's optimistic locking: every write names
// the ETag it read.
func checkIfMatch(d *distribution, ifMatch *string) error {
	switch {
	case aws.ToString(ifMatch) == "":
		return errInvalidIfMatchVersion()
	case *ifMatch != d.etag:
		return errPreconditionFailed()
	}
	return nil
}

// update replaces a distribution's config; it deploys again.
func (m *Model) update(id string, ifMatch *string, cfg *types.DistributionConfig) (*distribution, error) {
	d, err := m.find(id)
	if err != nil {
		return nil, err
	}
	if err := checkIfMatch(d, ifMatch); err != nil {
		return nil, err
	}
	current := decode(d.config)
	if aws.ToString(cfg.CallerReference) != aws.ToString(current.CallerReference) {
		return nil, errIllegalUpdate("The CallerReference of a distribution cannot be changed.")
	}
	if err := m.validate(cfg); err != nil {
		return nil, err
	}
	stored, err := encode(normalize(cfg))
	if err != nil {
		return nil, err
	}
	d.config = stored
	d.enabled = aws.ToBool(cfg.Enabled)
	d.etag = m.newETag()
	d.modified = m.w.Now()
	d.settle = m.w.Latency(LatencyUpdate, defaultUpdate)
	d.deletable = m.w.Window(WindowDeleteAfterDisable, windowDeleteMin, windowDeleteMax)
	return d, nil
}

// remove deletes a disabled, deployed distribution.
func (m *Model) remove(id string, ifMatch *string) error {
	d, err := m.find(id)
	if err != nil {
		return err
	}
	if err := checkIfMatch(d, ifMatch); err != nil {
		return err
	}
	// A distribution must be disabled and that change fully deployed
	// before it can be deleted; until then CloudFront refuses, typically
	// for the ~2 minutes the disable takes to propagate.
	if d.enabled || m.w.Now().Before(d.modified.Add(d.settle+d.deletable)) {
		return errDistributionNotDisabled(id)
	}
	delete(m.dists, id)
	// The API reference speaks of references "already sent" without saying
	// whether a deleted distribution's reference stays taken; the model
	// frees it, so a deployment id can be reused after a destroy.
	delete(m.refs, aws.ToString(decode(d.config).CallerReference))
	return nil
}

// tagsOf returns the tags of a distribution or VPC origin by ARN, for the
// tagging operations.
func (m *Model) tagsOf(arn string) (map[string]string, error) {
	for _, d := range m.dists {
		if d.arn == arn {
			return d.tags, nil
		}
	}
	for _, o := range m.origins {
		if o.arn == arn {
			return o.tags, nil
		}
	}
	return nil, errNoSuchResource(arn)
}

// sortedIDs lists distribution ids in order; ids come from a counter, so
// this is creation order, and a Marker stays meaningful after its
// distribution is deleted.
func (m *Model) sortedIDs() []string {
	return slices.Sorted(maps.Keys(m.dists))
}

// normalize returns the config as CloudFront stores it.
func normalize(cfg *types.DistributionConfig) *types.DistributionConfig {
	out := *cfg
	// ViewerCertificate.MinimumProtocolVersion: with the default
	// *.cloudfront.net certificate (also what an absent ViewerCertificate
	// means), CloudFront sets the security policy to TLSv1 whatever the
	// request says.
	if vc := cfg.ViewerCertificate; vc == nil || aws.ToBool(vc.CloudFrontDefaultCertificate) {
		out.ViewerCertificate = &types.ViewerCertificate{
			CloudFrontDefaultCertificate: aws.Bool(true),
			MinimumProtocolVersion:       types.MinimumProtocolVersionTLSv1,
			//lint:ignore SA1019 CloudFront still returns it for the default certificate
			CertificateSource: types.CertificateSourceCloudfront,
		}
	}
	return &out
}

// validate applies the checks CloudFront makes beyond the SDK's own
// required-field validation.
func (m *Model) validate(cfg *types.DistributionConfig) error {
	if err := quantities(cfg); err != nil {
		return err
	}
	origins := map[string]bool{}
	for _, o := range cfg.Origins.Items {
		origins[aws.ToString(o.Id)] = true
		if o.VpcOriginConfig != nil {
			if err := m.validateVPCOrigin(o); err != nil {
				return err
			}
		}
		if c := o.CustomOriginConfig; c != nil {
			if !timeoutInRange(c.OriginReadTimeout) {
				return errInvalidOriginReadTimeout()
			}
			if !timeoutInRange(c.OriginKeepaliveTimeout) {
				return errInvalidOriginKeepaliveTimeout()
			}
		}
	}
	b := cfg.DefaultCacheBehavior
	if target := aws.ToString(b.TargetOriginId); !origins[target] {
		return errNoSuchOrigin(target)
	}
	switch id := aws.ToString(b.CachePolicyId); {
	//lint:ignore SA1019 CloudFront still accepts the legacy field, and so must its model
	case id == "" && b.ForwardedValues == nil:
		// A behavior needs a cache policy or the legacy ForwardedValues.
		return errInvalidArgument("The parameter ForwardedValues is required when no CachePolicyId is given.")
	case id != "" && managedCachePolicies[id] == "":
		return errNoSuchCachePolicy(id)
	}
	if id := aws.ToString(b.OriginRequestPolicyId); id != "" && managedOriginRequestPolicies[id] == "" {
		return errNoSuchOriginRequestPolicy(id)
	}
	return validateCertificate(cfg)
}

func validateCertificate(cfg *types.DistributionConfig) error {
	vc := cfg.ViewerCertificate
	hasAliases := cfg.Aliases != nil && len(cfg.Aliases.Items) > 0
	custom := vc != nil && (aws.ToString(vc.ACMCertificateArn) != "" || aws.ToString(vc.IAMCertificateId) != "")
	def := vc == nil || aws.ToBool(vc.CloudFrontDefaultCertificate)
	switch {
	case def && custom:
		return errInvalidViewerCertificate("Specify only one of CloudFrontDefaultCertificate, ACMCertificateArn and IAMCertificateId.")
	case !def && !custom:
		return errInvalidViewerCertificate("Specify a certificate: CloudFrontDefaultCertificate, ACMCertificateArn or IAMCertificateId.")
	case hasAliases && def:
		return errInvalidViewerCertificate("Alternate domain names (CNAMEs) require a custom certificate that covers them.")
	case custom && vc.SSLSupportMethod == "":
		return errInvalidViewerCertificate("A custom certificate requires SSLSupportMethod and MinimumProtocolVersion.")
	}
	return nil
}

func timeoutInRange(v *int32) bool {
	return v == nil || (*v >= 1 && *v <= maxOriginTimeoutSeconds)
}

// quantities checks every Quantity against its Items, as CloudFront's XML
// API does.
func quantities(cfg *types.DistributionConfig) error {
	type list struct {
		name     string
		quantity *int32
		items    int
	}
	lists := []list{{"Origins", cfg.Origins.Quantity, len(cfg.Origins.Items)}}
	for _, o := range cfg.Origins.Items {
		if o.CustomHeaders != nil {
			lists = append(lists, list{"CustomHeaders", o.CustomHeaders.Quantity, len(o.CustomHeaders.Items)})
		}
		if c := o.CustomOriginConfig; c != nil && c.OriginSslProtocols != nil {
			lists = append(lists, list{"OriginSslProtocols", c.OriginSslProtocols.Quantity, len(c.OriginSslProtocols.Items)})
		}
	}
	if am := cfg.DefaultCacheBehavior.AllowedMethods; am != nil {
		lists = append(lists, list{"AllowedMethods", am.Quantity, len(am.Items)})
		if cm := am.CachedMethods; cm != nil {
			lists = append(lists, list{"CachedMethods", cm.Quantity, len(cm.Items)})
		}
	}
	if a := cfg.Aliases; a != nil {
		lists = append(lists, list{"Aliases", a.Quantity, len(a.Items)})
	}
	for _, l := range lists {
		if int(aws.ToInt32(l.quantity)) != l.items {
			return errInconsistentQuantities(l.name)
		}
	}
	return nil
}

// encode stores a config as JSON, refusing the few SDK shapes (unions
// under mTLS settings) that do not round-trip and that this model does
// not simulate.
func encode(cfg *types.DistributionConfig) ([]byte, error) {
	b, err := json.Marshal(cfg)
	if err == nil {
		err = json.Unmarshal(b, new(types.DistributionConfig))
	}
	if err != nil {
		return nil, errInvalidArgument(fmt.Sprintf("sim: this DistributionConfig is not modeled: %v", err))
	}
	return b, nil
}

// decode returns a fresh copy of a config stored by encode, which has
// already proven that it decodes.
func decode(b []byte) *types.DistributionConfig {
	cfg := new(types.DistributionConfig)
	if err := json.Unmarshal(b, cfg); err != nil {
		panic(fmt.Sprintf("sim: stored distribution config no longer decodes: %v", err))
	}
	return cfg
}
