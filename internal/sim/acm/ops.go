package acm

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/acm/types"

	"geusemaker/internal/sim/account"
)

// Constraints of the API reference and ACM's default quotas.
const (
	maxNameLen       = 253
	maxCommonNameLen = 64
	maxSANs          = 100
	maxNames         = 10
	maxTokenLen      = 32
	maxTags          = 50
	maxTagKeyLen     = 128
	maxTagValueLen   = 256
	minARNLen        = 20
	maxARNLen        = 2048
	// maxItems bounds ListCertificates' MaxItems; AWS documents no default
	// page size, so an absent MaxItems is taken as the maximum.
	maxItems = 1000
)

// The API reference's patterns. Go's regexp has no lookahead, so domainRe
// is DomainName's pattern rewritten: labels of 1–63 letters, digits and
// hyphens, neither starting nor ending with a hyphen, the last of 2–63.
const (
	domainPattern = `(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])`
	arnPattern    = `arn:[\w+=/,.@-]+:acm:[\w+=/,.@-]*:[0-9]+:[\w+=,.@-]+(/[\w+=,.@-]+)*`
	tagPattern    = `[\p{L}\p{Z}\p{N}_.:\/=+\-@]*`
)

var (
	domainRe = regexp.MustCompile(`^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$`)
	arnRe    = regexp.MustCompile("^" + arnPattern + "$")
	tokenRe  = regexp.MustCompile(`^\w+$`)
	tagRe    = regexp.MustCompile("^" + tagPattern + "$")
)

// requestable are the key algorithms ACM issues; the others are for
// imported certificates only (API reference, RequestCertificate).
var requestable = []types.KeyAlgorithm{types.KeyAlgorithmRsa2048, types.KeyAlgorithmEcPrime256v1, types.KeyAlgorithmEcSecp384r1}

func (m *Model) requestCertificate(ctx context.Context, in *sdk.RequestCertificateInput) (*sdk.RequestCertificateOutput, error) {
	now, region := m.w.Now(), account.Region(ctx)
	if err := checkRequest(in); err != nil {
		return nil, err
	}
	key := region + "/" + aws.ToString(in.IdempotencyToken)
	if t, ok := m.tokens[key]; ok && in.IdempotencyToken != nil && now.Before(t.at.Add(idempotencyWindow)) {
		// A token whose certificate was deleted requests a new one (an
		// assumption: AWS does not say).
		if c := m.find(region, t.arn); c != nil {
			return &sdk.RequestCertificateOutput{CertificateArn: aws.String(c.arn)}, nil
		}
	}
	names := []string{aws.ToString(in.DomainName)}
	for _, san := range in.SubjectAlternativeNames {
		if !slices.ContainsFunc(names, func(n string) bool { return canonical(n) == canonical(san) }) {
			names = append(names, san)
		}
	}
	keyAlgorithm := in.KeyAlgorithm
	if keyAlgorithm == "" {
		keyAlgorithm = types.KeyAlgorithmRsa2048
	}
	switch {
	case in.CertificateAuthorityArn != nil:
		return nil, errNotModeled("a private certificate (CertificateAuthorityArn)")
	case in.ValidationMethod != types.ValidationMethodDns:
		return nil, errNotModeled(fmt.Sprintf("validation other than DNS (ValidationMethod %q)", in.ValidationMethod))
	case len(in.DomainValidationOptions) > 0:
		return nil, errNotModeled("DomainValidationOptions (email validation)")
	case len(names[0]) > maxCommonNameLen:
		return nil, &types.ValidationException{Message: aws.String(fmt.Sprintf("The first domain name can be no longer than %d characters.", maxCommonNameLen))}
	case !slices.Contains(requestable, keyAlgorithm):
		return nil, errInvalidParameter("The key algorithm %s cannot be requested: ACM issues RSA_2048, EC_prime256v1 and EC_secp384r1 certificates.", keyAlgorithm)
	case len(names) > maxNames:
		return nil, errLimitExceeded("The certificate has %d domain names: the quota of domain names per ACM certificate is %d.", len(names), maxNames)
	}
	tags, err := mergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	m.seq++
	id := strings.TrimPrefix(m.w.NewID("acm-certificate:", 12), "acm-certificate:")
	c := &certificate{
		arn:          fmt.Sprintf("arn:%s:acm:%s:%s:certificate/00000000-0000-4000-a000-%s", account.PartitionOf(region), region, account.AccountID, id),
		region:       region,
		names:        names,
		keyAlgorithm: keyAlgorithm,
		seq:          m.seq,
		tags:         tags,
		created:      now,
		recordAt:     now.Add(m.w.Window(WindowValidationRecord, windowRecordMin, windowRecordMax)),
	}
	for _, n := range names {
		record, value := validationRecord(n)
		c.domains = append(c.domains, domain{name: n, record: record, value: value})
	}
	m.certs = append(m.certs, c)
	if in.IdempotencyToken != nil {
		m.tokens[key] = token{arn: c.arn, at: now}
	}
	return &sdk.RequestCertificateOutput{CertificateArn: aws.String(c.arn)}, nil
}

// checkRequest applies the API's constraints to a request.
func checkRequest(in *sdk.RequestCertificateInput) error {
	if err := checkName(aws.ToString(in.DomainName), "domainName"); err != nil {
		return err
	}
	if len(in.SubjectAlternativeNames) > maxSANs {
		return errValidation(fmt.Sprint(in.SubjectAlternativeNames), "subjectAlternativeNames", fmt.Sprintf("Member must have length less than or equal to %d", maxSANs))
	}
	for i, san := range in.SubjectAlternativeNames {
		if err := checkName(san, fmt.Sprintf("subjectAlternativeNames.%d.member", i+1)); err != nil {
			return err
		}
	}
	if t := in.IdempotencyToken; t != nil {
		if n := len(*t); n < 1 || n > maxTokenLen {
			return errLength(*t, "idempotencyToken", n, 1, maxTokenLen)
		}
		if !tokenRe.MatchString(*t) {
			return errValidation(*t, "idempotencyToken", `Member must satisfy regular expression pattern: \w+`)
		}
	}
	if err := checkEnum(in.ValidationMethod, in.ValidationMethod.Values(), "validationMethod"); err != nil {
		return err
	}
	if err := checkEnum(in.KeyAlgorithm, in.KeyAlgorithm.Values(), "keyAlgorithm"); err != nil {
		return err
	}
	return checkTags(in.Tags)
}

func checkName(name, field string) error {
	if len(name) < 1 || len(name) > maxNameLen {
		return errLength(name, field, len(name), 1, maxNameLen)
	}
	if !domainRe.MatchString(name) {
		return errValidation(name, field, "Member must satisfy regular expression pattern: "+domainPattern)
	}
	return nil
}

func checkEnum[E ~string](v E, values []E, field string) error {
	if v == "" || slices.Contains(values, v) {
		return nil
	}
	set := make([]string, len(values))
	for i, x := range values {
		set[i] = string(x)
	}
	return errValidation(string(v), field, "Member must satisfy enum value set: ["+strings.Join(set, ", ")+"]")
}

// checkTags applies the API's constraints on tag keys and values.
func checkTags(tags []types.Tag) error {
	for i, t := range tags {
		field := fmt.Sprintf("tags.%d.member", i+1)
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		if n := utf8.RuneCountInString(k); n < 1 || n > maxTagKeyLen {
			return errLength(k, field+".key", n, 1, maxTagKeyLen)
		}
		if n := utf8.RuneCountInString(v); n > maxTagValueLen {
			return errLength(v, field+".value", n, 0, maxTagValueLen)
		}
		if !tagRe.MatchString(k) {
			return errValidation(k, field+".key", "Member must satisfy regular expression pattern: "+tagPattern)
		}
		if !tagRe.MatchString(v) {
			return errValidation(v, field+".value", "Member must satisfy regular expression pattern: "+tagPattern)
		}
	}
	return nil
}

// mergeTags returns tags with add applied (a key already there takes the
// new value), refusing what ACM refuses: a key or value under the reserved
// aws: prefix, and more than 50 tags on the certificate.
func mergeTags(tags, add []types.Tag) ([]types.Tag, error) {
	out := slices.Clone(tags)
	reserved := func(s string) bool { return strings.HasPrefix(strings.ToLower(s), "aws:") }
	for _, t := range add {
		k := aws.ToString(t.Key)
		if reserved(k) || reserved(aws.ToString(t.Value)) {
			return nil, errInvalidTag(k)
		}
		if i := slices.IndexFunc(out, func(o types.Tag) bool { return aws.ToString(o.Key) == k }); i >= 0 {
			out[i] = t
		} else {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, errTooManyTags()
	}
	return out, nil
}

// lookup returns the certificate the caller's region knows by arn.
func (m *Model) lookup(ctx context.Context, in *string) (*certificate, error) {
	arn := aws.ToString(in)
	switch {
	case len(arn) < minARNLen || len(arn) > maxARNLen:
		return nil, errLength(arn, "certificateArn", len(arn), minARNLen, maxARNLen)
	case !arnRe.MatchString(arn):
		return nil, errValidation(arn, "certificateArn", "Member must satisfy regular expression pattern: "+arnPattern)
	case !strings.HasPrefix(strings.SplitN(arn, ":", 6)[5], "certificate/"):
		return nil, errInvalidArn(arn)
	}
	c := m.find(account.Region(ctx), arn)
	if c == nil {
		return nil, errNotFound(arn)
	}
	return c, nil
}

func (m *Model) describeCertificate(ctx context.Context, in *sdk.DescribeCertificateInput) (*sdk.DescribeCertificateOutput, error) {
	c, err := m.lookup(ctx, in.CertificateArn)
	if err != nil {
		return nil, err
	}
	now := m.w.Now()
	d := &types.CertificateDetail{
		CertificateArn:          aws.String(c.arn),
		CreatedAt:               aws.Time(c.created),
		DomainName:              aws.String(c.names[0]),
		SubjectAlternativeNames: slices.Clone(c.names),
		DomainValidationOptions: c.validations(now),
		InUseBy:                 append([]string{}, c.users...),
		KeyAlgorithm:            types.KeyAlgorithm(strings.ReplaceAll(string(c.keyAlgorithm), "_", "-")),
		Status:                  c.status(now),
		Type:                    types.CertificateTypeAmazonIssued,
	}
	if at, ok := c.issuedAt(); ok && !now.Before(at) {
		d.IssuedAt = aws.Time(at)
	}
	return &sdk.DescribeCertificateOutput{Certificate: d}, nil
}

func (m *Model) listCertificates(ctx context.Context, in *sdk.ListCertificatesInput) (*sdk.ListCertificatesOutput, error) {
	now, region, inc := m.w.Now(), account.Region(ctx), in.Includes
	switch {
	case in.MaxItems != nil && *in.MaxItems < 1:
		return nil, errValidation(strconv.Itoa(int(*in.MaxItems)), "maxItems", "Member must have value greater than or equal to 1")
	case in.MaxItems != nil && *in.MaxItems > maxItems:
		return nil, errValidation(strconv.Itoa(int(*in.MaxItems)), "maxItems", fmt.Sprintf("Member must have value less than or equal to %d", maxItems))
	case in.SortBy != "" || in.SortOrder != "":
		return nil, errNotModeled("sorting (SortBy, SortOrder)")
	case inc != nil && (len(inc.ExtendedKeyUsage) > 0 || len(inc.KeyUsage) > 0 || inc.ManagedBy != "" || inc.ExportOption != ""):
		return nil, errNotModeled("a filter other than Includes.KeyTypes")
	}
	keyTypes := []types.KeyAlgorithm{types.KeyAlgorithmRsa2048}
	if inc != nil && len(inc.KeyTypes) > 0 {
		keyTypes = inc.KeyTypes
	}
	limit := maxItems
	if in.MaxItems != nil {
		limit = int(*in.MaxItems)
	}
	// The token is the request number of the next certificate: a page
	// resumes where it stopped even if certificates were deleted meanwhile.
	from := 0
	if t := in.NextToken; t != nil {
		n, err := strconv.Atoi(*t)
		if err != nil {
			return nil, errInvalidArgs("The NextToken %s is not valid.", *t)
		}
		from = n
	}
	out := &sdk.ListCertificatesOutput{CertificateSummaryList: []types.CertificateSummary{}}
	for _, c := range m.certs {
		status := c.status(now)
		if c.region != region || c.seq < from || !slices.Contains(keyTypes, c.keyAlgorithm) ||
			(len(in.CertificateStatuses) > 0 && !slices.Contains(in.CertificateStatuses, status)) {
			continue
		}
		if len(out.CertificateSummaryList) == limit {
			out.NextToken = aws.String(strconv.Itoa(c.seq))
			break
		}
		s := types.CertificateSummary{
			CertificateArn: aws.String(c.arn), DomainName: aws.String(c.names[0]),
			SubjectAlternativeNameSummaries: slices.Clone(c.names), Status: status,
			Type: types.CertificateTypeAmazonIssued, KeyAlgorithm: c.keyAlgorithm,
			InUse: aws.Bool(c.inUse()), CreatedAt: aws.Time(c.created),
		}
		if at, ok := c.issuedAt(); ok && !now.Before(at) {
			s.IssuedAt = aws.Time(at)
		}
		out.CertificateSummaryList = append(out.CertificateSummaryList, s)
	}
	return out, nil
}

func (m *Model) listTagsForCertificate(ctx context.Context, in *sdk.ListTagsForCertificateInput) (*sdk.ListTagsForCertificateOutput, error) {
	c, err := m.lookup(ctx, in.CertificateArn)
	if err != nil {
		return nil, err
	}
	return &sdk.ListTagsForCertificateOutput{Tags: slices.Clone(c.tags)}, nil
}

func (m *Model) addTagsToCertificate(ctx context.Context, in *sdk.AddTagsToCertificateInput) (*sdk.AddTagsToCertificateOutput, error) {
	if len(in.Tags) == 0 {
		return nil, errValidation("[]", "tags", "Member must have length greater than or equal to 1")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	c, err := m.lookup(ctx, in.CertificateArn)
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(c.tags, in.Tags)
	if err != nil {
		return nil, err
	}
	c.tags = tags
	return &sdk.AddTagsToCertificateOutput{}, nil
}

func (m *Model) deleteCertificate(ctx context.Context, in *sdk.DeleteCertificateInput) (*sdk.DeleteCertificateOutput, error) {
	c, err := m.lookup(ctx, in.CertificateArn)
	if err != nil {
		return nil, err
	}
	if c.inUse() {
		return nil, errInUse(c.arn)
	}
	m.certs = slices.DeleteFunc(m.certs, func(x *certificate) bool { return x == c })
	return &sdk.DeleteCertificateOutput{}, nil
}
