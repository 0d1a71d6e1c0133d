// Package acm simulates AWS Certificate Manager as a deployment uses it: a
// public certificate requested with DNS validation for the deployment's
// name (RequestCertificate, idempotent on IdempotencyToken for an hour),
// read back for its validation CNAME and then until it is ISSUED
// (DescribeCertificate), found again (ListCertificates,
// ListTagsForCertificate), tagged (AddTagsToCertificate) and deleted once
// nothing uses it (DeleteCertificate).
//
// Its lifecycle runs on the account's clock:
//   - for WindowValidationRecord after the request each domain is
//     described without its ResourceRecord (see latency.go);
//   - the record is "_<hash>.<domain>." CNAME
//     "_<hash>.<label>.acm-validations.aws.", derived from the account and
//     the name: a name and its wildcard share it, and so does every
//     certificate of the name in any region ("the CNAME validation token
//     works for any AWS Region ... You can also replace a deleted
//     certificate", User Guide, "DNS validation");
//   - a domain validates LatencyIssue after ACM first sees its record
//     resolve to the value through the DNS hook (case and final dot aside,
//     with or without the value's leading underscore, User Guide,
//     "Troubleshoot DNS validation problems"); a wrong value never
//     validates. The certificate is ISSUED when its last domain is. ACM
//     looks whenever the account settles (before every call of any
//     service), so "first sees" is the first call after the record
//     resolves;
//   - a certificate not validated 72 hours after its records were
//     generated is VALIDATION_TIMED_OUT ("ACM makes repeated attempts to
//     validate a certificate for 72 hours and then times out", API
//     reference, CertificateDetail.Status).
//
// What it refuses, as ACM does (API reference, "RequestCertificate",
// "DeleteCertificate", "ListCertificates", "Tag"):
//   - input off the API's constraints, before anything else (a name over
//     253 octets or off the DomainName pattern, an IdempotencyToken off
//     \w+ or over 32 characters, a malformed ARN, MaxItems outside
//     1–1000, an unknown enum value): ValidationException naming the field
//     and the constraint;
//   - then a repeated IdempotencyToken within the hour answers the first
//     certificate whatever else the request says: AWS Support confirmed
//     ACM does not even check the rest (terraform-provider-aws PR #6666);
//   - a first domain name over 64 octets, RFC 5280's Common Name limit:
//     ValidationException ("The first domain name can be no longer than 64
//     characters", as CloudFormation relays it, convox/praxis issue #204);
//   - more than 10 names (the default quota "Domain names per ACM
//     certificate"): LimitExceededException;
//   - more than 50 tags: TooManyTagsException; a key or value starting
//     with aws:: InvalidTagException;
//   - a key algorithm ACM only imports (RSA_1024, RSA_3072, RSA_4096,
//     EC_secp521r1): InvalidParameterException;
//   - a well-formed ARN of no certificate, or of another region's:
//     ResourceNotFoundException (certificates are regional); an ACM ARN
//     that names no certificate/ resource: InvalidArnException;
//   - DeleteCertificate while another service uses the certificate ("You
//     cannot delete an ACM certificate that is being used by another AWS
//     service") and for WindowInUseLinger after: ResourceInUseException.
//
// ListCertificates lists only RSA_2048 certificates unless Includes.KeyTypes
// says otherwise ("Default filtering returns only RSA_2048 certificates").
// DescribeCertificate spells the key algorithm with hyphens (RSA-2048), as
// ACM does (terraform-provider-aws maps it back).
//
// Not modeled, refused with InvalidParameterException naming "sim": email
// and HTTP validation (including DomainValidationOptions), private
// certificates (CertificateAuthorityArn), and ListCertificates' sorting and
// filters other than KeyTypes. Options are accepted and ignored. A
// deleted certificate leaves the lists at once, and a name ACM would
// refuse to issue for (FAILED) is not modeled.
//
// It imports account and the SDK's ACM types; never steps or engine.
package acm

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/acm/types"

	"geusemaker/internal/sim/account"
)

const (
	// validationTimeout is how long ACM tries to validate a certificate.
	validationTimeout = 72 * time.Hour
	// idempotencyWindow: "Idempotency tokens time out after one hour."
	idempotencyWindow = time.Hour
)

// Model is the simulated ACM of one account. Its methods run under the
// account's lock.
type Model struct {
	w *account.Account
	// certs are the live certificates in request order (ListCertificates'
	// order; the settles' too, so the seeded windows draw in a stable
	// order).
	certs  []*certificate
	tokens map[string]token // by region + "/" + IdempotencyToken
	seq    int

	// DNS answers a validation record's name, as ResourceRecord.Name gives
	// it (lowercase, with its final dot), with the CNAME value the public
	// DNS resolves it to; set by the sim facade from Route 53. Nil: nothing
	// resolves. It runs under the account's lock.
	DNS func(name string) (value string, ok bool)
	// InUseBy lists the ARNs of the resources that use a certificate (ELBv2
	// load balancers, CloudFront distributions); set by the sim facade.
	// Nil: nothing uses any. It runs under the account's lock.
	InUseBy func(arn string) []string
}

type token struct {
	arn string
	at  time.Time
}

type certificate struct {
	arn, region string
	// names are the DomainName then the other subject alternative names,
	// each once.
	names        []string
	keyAlgorithm types.KeyAlgorithm
	seq          int
	tags         []types.Tag
	// created is the request; recordAt when the validation records appear.
	created, recordAt time.Time
	domains           []domain // one per name
	// users are the users InUseBy last reported, kept through the linger:
	// ACM still lists a user it has not yet seen go. lastUsed is when
	// InUseBy last reported any; freeAt when the linger after it ends
	// (zero while in use or never used).
	users            []string
	lastUsed, freeAt time.Time
}

type domain struct {
	name, record, value string
	// validAt is when the domain validates: zero until ACM has seen its
	// record resolve.
	validAt time.Time
}

// Cert is an issued certificate as another service reads it to attach it.
type Cert struct {
	ARN, Region string
	// Names are the names it covers, its DomainName first.
	Names []string
}

// Register adds a simulated ACM to w and returns it.
func Register(w *account.Account) *Model {
	m := &Model{w: w, tokens: map[string]token{}}
	w.Register(m)
	return m
}

// ServiceID returns "ACM".
func (m *Model) ServiceID() string { return sdk.ServiceID }

// Operations maps ACM operation names to handlers.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"RequestCertificate":     account.Op(m.requestCertificate),
		"DescribeCertificate":    account.Op(m.describeCertificate),
		"ListCertificates":       account.Op(m.listCertificates),
		"ListTagsForCertificate": account.Op(m.listTagsForCertificate),
		"AddTagsToCertificate":   account.Op(m.addTagsToCertificate),
		"DeleteCertificate":      account.Op(m.deleteCertificate),
	}
}

// Inventory lists every certificate, its state the status lowercased.
func (m *Model) Inventory(now time.Time) []account.Resource {
	var out []account.Resource
	for _, c := range m.certs {
		tags := map[string]string{}
		for _, t := range c.tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		out = append(out, account.Resource{
			Service: sdk.ServiceID, Type: "certificate", ID: c.arn,
			State: strings.ToLower(string(c.status(now))), Region: c.region, Tags: tags,
		})
	}
	return out
}

// Settle lets ACM look at the DNS for the records it waits for and at the
// users of each certificate (account.Settler): the account settles before
// every call, so ELBv2 and CloudFront see a certificate issued, and
// DeleteCertificate sees it released, when ACM would.
func (m *Model) Settle(now time.Time) {
	for _, c := range m.certs {
		m.lookUpDNS(c, now)
		m.lookUpUsers(c, now)
	}
}

func (m *Model) lookUpDNS(c *certificate, now time.Time) {
	if m.DNS == nil || now.Before(c.recordAt) || !now.Before(c.recordAt.Add(validationTimeout)) {
		return
	}
	for i := range c.domains {
		d := &c.domains[i]
		if !d.validAt.IsZero() {
			continue
		}
		if v, ok := m.DNS(d.record); ok && sameValue(v, d.value) {
			d.validAt = now.Add(m.w.Latency(LatencyIssue, defaultIssue))
		}
	}
}

func (m *Model) lookUpUsers(c *certificate, now time.Time) {
	if m.InUseBy == nil {
		return
	}
	if users := m.InUseBy(c.arn); len(users) > 0 {
		c.users, c.lastUsed, c.freeAt = slices.Sorted(slices.Values(users)), now, time.Time{}
		return
	}
	if len(c.users) > 0 && c.freeAt.IsZero() {
		c.freeAt = c.lastUsed.Add(m.w.Window(WindowInUseLinger, windowLingerMin, windowLingerMax))
	}
	if !c.freeAt.IsZero() && !now.Before(c.freeAt) {
		c.users, c.freeAt = nil, time.Time{}
	}
}

// Issued returns the certificate with that ARN if it is ISSUED, whatever
// its region: the caller compares Region with the one it needs (its own
// for an ELBv2 listener, us-east-1 for CloudFront). It does not lock:
// callers hold the account's lock.
func (m *Model) Issued(arn string) (Cert, bool) {
	for _, c := range m.certs {
		if c.arn == arn && c.status(m.w.Now()) == types.CertificateStatusIssued {
			return Cert{ARN: c.arn, Region: c.region, Names: slices.Clone(c.names)}, true
		}
	}
	return Cert{}, false
}

// Covers reports whether c is valid for host: one of its names is host
// (case and final dot aside; so a wildcard alias needs the wildcard), or is
// "*.parent" and host is one label under parent. A wildcard covers neither
// parent itself nor deeper names
// ("*.example.com protects www.example.com, site.example.com, and
// images.example.com", API reference, RequestCertificate).
func Covers(c Cert, host string) bool {
	host = canonical(host)
	for _, n := range c.names() {
		if n == host {
			return true
		}
		if parent, ok := strings.CutPrefix(n, "*."); ok {
			if label, rest, ok := strings.Cut(host, "."); ok && label != "" && rest == parent {
				return true
			}
		}
	}
	return false
}

func (c Cert) names() []string {
	out := make([]string, len(c.Names))
	for i, n := range c.Names {
		out[i] = canonical(n)
	}
	return out
}

// status is the certificate's status at now.
func (c *certificate) status(now time.Time) types.CertificateStatus {
	if at, ok := c.issuedAt(); ok && !now.Before(at) {
		return types.CertificateStatusIssued
	}
	if !now.Before(c.recordAt.Add(validationTimeout)) && !c.seen() {
		return types.CertificateStatusValidationTimedOut
	}
	return types.CertificateStatusPendingValidation
}

// seen reports whether ACM has seen every domain's record resolve.
func (c *certificate) seen() bool {
	return !slices.ContainsFunc(c.domains, func(d domain) bool { return d.validAt.IsZero() })
}

// issuedAt is when the last domain validates, once every record was seen.
func (c *certificate) issuedAt() (time.Time, bool) {
	if !c.seen() {
		return time.Time{}, false
	}
	var at time.Time
	for _, d := range c.domains {
		if d.validAt.After(at) {
			at = d.validAt
		}
	}
	return at, true
}

func (c *certificate) inUse() bool { return len(c.users) > 0 }

// validations are DescribeCertificate's DomainValidationOptions at now.
func (c *certificate) validations(now time.Time) []types.DomainValidation {
	out := make([]types.DomainValidation, len(c.domains))
	for i, d := range c.domains {
		out[i] = types.DomainValidation{
			DomainName: aws.String(d.name), ValidationDomain: aws.String(d.name),
			ValidationMethod: types.ValidationMethodDns, ValidationStatus: types.DomainStatusPendingValidation,
		}
		if !d.validAt.IsZero() && !now.Before(d.validAt) {
			out[i].ValidationStatus = types.DomainStatusSuccess
		}
		if !now.Before(c.recordAt) {
			out[i].ResourceRecord = &types.ResourceRecord{Name: aws.String(d.record), Type: types.RecordTypeCname, Value: aws.String(d.value)}
		}
	}
	return out
}

// validationRecord is the CNAME that validates name in this account: a
// wildcard is validated by its parent's record.
func validationRecord(name string) (record, value string) {
	base := canonical(strings.TrimPrefix(name, "*."))
	digest := func(kind string) string {
		s := sha256.Sum256([]byte(kind + "/" + account.AccountID + "/" + base))
		return hex.EncodeToString(s[:])
	}
	n, v := digest("name"), digest("value")
	return "_" + n[:32] + "." + base + ".", "_" + v[:32] + "." + v[32:42] + ".acm-validations.aws."
}

// sameValue compares a resolved CNAME value with the one ACM asked for:
// DNS names ignore case and the final dot, and ACM also accepts the value
// without its leading underscore for DNS providers that refuse one.
func sameValue(got, want string) bool {
	trim := func(s string) string { return strings.TrimPrefix(canonical(s), "_") }
	return trim(got) == trim(want)
}

func canonical(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) }

// find returns the live certificate with that ARN in region, or nil.
func (m *Model) find(region, arn string) *certificate {
	for _, c := range m.certs {
		if c.arn == arn && c.region == region {
			return c
		}
	}
	return nil
}
