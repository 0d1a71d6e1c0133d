package acm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	simacm "geusemaker/internal/sim/acm"
)

const (
	recordWindow = 10 * time.Second
	issue        = time.Minute
	linger       = 30 * time.Second
	lbARN        = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/d1/0000000000000001"
)

var ctx = context.Background()

type fixture struct {
	w   *account.Account
	m   *simacm.Model
	clk *clock.Virtual
	api *acm.Client
	// dns and users are what the hooks answer; tests change them between
	// calls, never during one.
	dns   map[string]string
	users map[string][]string
}

func newFixture(t *testing.T, opts ...account.Option) *fixture {
	t.Helper()
	opts = append([]account.Option{
		account.WithLatency(simacm.WindowValidationRecord, recordWindow),
		account.WithLatency(simacm.LatencyIssue, issue),
		account.WithLatency(simacm.WindowInUseLinger, linger),
	}, opts...)
	w := account.New(opts...)
	f := &fixture{w: w, m: simacm.Register(w), clk: w.Clock().(*clock.Virtual), api: acm.NewFromConfig(w.Config("us-east-1")),
		dns: map[string]string{}, users: map[string][]string{}}
	f.m.DNS = func(name string) (string, bool) { v, ok := f.dns[name]; return v, ok }
	f.m.InUseBy = func(arn string) []string { return f.users[arn] }
	return f
}

func (f *fixture) request(t *testing.T, in *acm.RequestCertificateInput) string {
	t.Helper()
	out, err := f.api.RequestCertificate(ctx, in)
	require.NoError(t, err)
	return aws.ToString(out.CertificateArn)
}

func dnsRequest(name string, sans ...string) *acm.RequestCertificateInput {
	return &acm.RequestCertificateInput{
		DomainName: aws.String(name), SubjectAlternativeNames: sans, ValidationMethod: types.ValidationMethodDns,
		Tags: []types.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("d1")}},
	}
}

func (f *fixture) describe(t *testing.T, arn string) *types.CertificateDetail {
	t.Helper()
	out, err := f.api.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	return out.Certificate
}

// publish makes every validation record of arn resolve to its value.
func (f *fixture) publish(t *testing.T, arn string) {
	t.Helper()
	for _, dv := range f.describe(t, arn).DomainValidationOptions {
		require.NotNil(t, dv.ResourceRecord)
		f.dns[*dv.ResourceRecord.Name] = *dv.ResourceRecord.Value
	}
}

// issued requests a certificate and waits for it to be issued.
func (f *fixture) issued(t *testing.T, in *acm.RequestCertificateInput) string {
	t.Helper()
	arn := f.request(t, in)
	f.clk.Advance(recordWindow)
	f.publish(t, arn)
	f.describe(t, arn) // ACM looks at the DNS now
	f.clk.Advance(issue)
	require.Equal(t, types.CertificateStatusIssued, f.describe(t, arn).Status)
	return arn
}

func TestRequestIsIdempotentOnItsTokenForOneHour(t *testing.T) {
	f := newFixture(t)
	withToken := func(name string) *acm.RequestCertificateInput {
		in := dnsRequest(name)
		in.IdempotencyToken = aws.String("geusemaker_d1")
		return in
	}
	first := f.request(t, withToken("app.example.com"))
	assert.Regexp(t, `^arn:aws:acm:us-east-1:123456789012:certificate/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`, first)

	f.clk.Advance(59 * time.Minute)
	assert.Equal(t, first, f.request(t, withToken("app.example.com")), "the same token within the hour")
	assert.Equal(t, first, f.request(t, withToken("other.example.com")),
		"ACM answers the first certificate whatever else the request says (terraform-provider-aws PR #6666)")
	assert.NotEqual(t, first, f.request(t, dnsRequest("app.example.com")), "no token: another certificate")

	f.clk.Advance(time.Minute)
	again := f.request(t, withToken("app.example.com"))
	assert.NotEqual(t, first, again, "the token timed out after an hour")
	assert.Len(t, f.w.Inventory(), 3)

	_, err := f.api.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(again)})
	require.NoError(t, err)
	assert.NotEqual(t, again, f.request(t, withToken("app.example.com")), "a deleted certificate's token requests a new one")
}

func TestTheValidationRecordAppearsOnlyAfterItsWindow(t *testing.T) {
	f := newFixture(t)
	arn := f.request(t, dnsRequest("example.com", "*.example.com", "www.example.org"))
	d := f.describe(t, arn)
	assert.Equal(t, types.CertificateStatusPendingValidation, d.Status)
	assert.Equal(t, []string{"example.com", "*.example.com", "www.example.org"}, d.SubjectAlternativeNames)
	require.Len(t, d.DomainValidationOptions, 3)
	for _, dv := range d.DomainValidationOptions {
		assert.Nil(t, dv.ResourceRecord, "no record yet for %s", *dv.DomainName)
		assert.Equal(t, types.ValidationMethodDns, dv.ValidationMethod)
		assert.Equal(t, types.DomainStatusPendingValidation, dv.ValidationStatus)
	}

	f.clk.Advance(recordWindow - time.Second)
	assert.Nil(t, f.describe(t, arn).DomainValidationOptions[0].ResourceRecord)
	f.clk.Advance(time.Second)
	dvs := f.describe(t, arn).DomainValidationOptions
	apex, wildcard, other := dvs[0].ResourceRecord, dvs[1].ResourceRecord, dvs[2].ResourceRecord
	require.NotNil(t, apex)
	assert.Equal(t, types.RecordTypeCname, apex.Type)
	assert.Regexp(t, `^_[0-9a-f]{32}\.example\.com\.$`, *apex.Name)
	assert.Regexp(t, `^_[0-9a-f]{32}\.[0-9a-f]{10}\.acm-validations\.aws\.$`, *apex.Value)
	assert.Equal(t, apex, wildcard, "a wildcard is validated by its parent's record")
	assert.Regexp(t, `^_[0-9a-f]{32}\.www\.example\.org\.$`, *other.Name)
	assert.NotEqual(t, *apex.Value, *other.Value)

	west := acm.NewFromConfig(f.w.Config("eu-west-1"))
	out, err := west.RequestCertificate(ctx, dnsRequest("example.com"))
	require.NoError(t, err)
	f.clk.Advance(recordWindow)
	d2, err := west.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: out.CertificateArn})
	require.NoError(t, err)
	assert.Equal(t, apex, d2.Certificate.DomainValidationOptions[0].ResourceRecord,
		"the record of a name is the same for every certificate of the account, in any region")
}

func TestTheValidationRecordWindowDefaultsToAFewSeconds(t *testing.T) {
	w := account.New()
	simacm.Register(w)
	api := acm.NewFromConfig(w.Config("us-east-1"))
	out, err := api.RequestCertificate(ctx, dnsRequest("example.com"))
	require.NoError(t, err)
	describe := func() *types.ResourceRecord {
		d, err := api.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: out.CertificateArn})
		require.NoError(t, err)
		return d.Certificate.DomainValidationOptions[0].ResourceRecord
	}
	w.Clock().(*clock.Virtual).Advance(time.Second)
	assert.Nil(t, describe(), "not within the window's lower bound")
	w.Clock().(*clock.Virtual).Advance(simacm.Defaults()[simacm.WindowValidationRecord])
	assert.NotNil(t, describe(), "by the window's upper bound")
}

func TestIssuesOnlyOnceTheCNAMEResolvesToItsValue(t *testing.T) {
	for _, tc := range []struct {
		name    string
		resolve func(value string) (string, bool)
		issued  bool
	}{
		{"no record", func(string) (string, bool) { return "", false }, false},
		{"another value", func(string) (string, bool) { return "_0123.acm-validations.aws.", true }, false},
		{"the value", func(v string) (string, bool) { return v, true }, true},
		{"the value without its leading underscore or final dot, in capitals", func(v string) (string, bool) {
			return strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(v, "_"), ".")), true
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			arn := f.request(t, dnsRequest("app.example.com"))
			f.clk.Advance(recordWindow)
			rr := f.describe(t, arn).DomainValidationOptions[0].ResourceRecord
			if v, ok := tc.resolve(*rr.Value); ok {
				f.dns[*rr.Name] = v
			}
			f.describe(t, arn) // ACM looks at the DNS now
			f.clk.Advance(issue - time.Second)
			d := f.describe(t, arn)
			assert.Equal(t, types.CertificateStatusPendingValidation, d.Status, "not before the issue latency")
			assert.Nil(t, d.IssuedAt)

			f.clk.Advance(time.Second)
			d = f.describe(t, arn)
			if !tc.issued {
				f.clk.Advance(time.Hour)
				assert.Equal(t, types.CertificateStatusPendingValidation, f.describe(t, arn).Status)
				_, ok := f.m.Issued(arn)
				assert.False(t, ok)
				return
			}
			assert.Equal(t, types.CertificateStatusIssued, d.Status)
			assert.Equal(t, types.DomainStatusSuccess, d.DomainValidationOptions[0].ValidationStatus)
			assert.Equal(t, account.Epoch.Add(recordWindow+issue), *d.IssuedAt)
			var c simacm.Cert
			f.w.Do(func() { c, _ = f.m.Issued(arn) })
			assert.Equal(t, simacm.Cert{ARN: arn, Region: "us-east-1", Names: []string{"app.example.com"}}, c)
		})
	}
}

func TestTheDefaultIssueLatencyRunsFromTheFirstLookAfterTheRecordResolves(t *testing.T) {
	f := newFixture(t, account.WithLatency(simacm.LatencyIssue, simacm.Defaults()[simacm.LatencyIssue]))
	arn := f.request(t, dnsRequest("app.example.com"))
	f.clk.Advance(recordWindow)
	f.publish(t, arn)
	f.clk.Advance(time.Hour)
	assert.Equal(t, types.CertificateStatusPendingValidation, f.describe(t, arn).Status, "ACM first saw the record at this call")
	f.clk.Advance(simacm.Defaults()[simacm.LatencyIssue])
	assert.Equal(t, types.CertificateStatusIssued, f.describe(t, arn).Status)
}

func TestIssuedOnlyWhenEveryDomainValidated(t *testing.T) {
	f := newFixture(t)
	arn := f.request(t, dnsRequest("example.com", "*.example.com", "www.example.org"))
	f.clk.Advance(recordWindow)
	apex := f.describe(t, arn).DomainValidationOptions[0].ResourceRecord
	f.dns[*apex.Name] = *apex.Value
	f.describe(t, arn)
	f.clk.Advance(issue)
	d := f.describe(t, arn)
	assert.Equal(t, types.CertificateStatusPendingValidation, d.Status)
	for i, want := range []types.DomainStatus{types.DomainStatusSuccess, types.DomainStatusSuccess, types.DomainStatusPendingValidation} {
		assert.Equal(t, want, d.DomainValidationOptions[i].ValidationStatus, *d.DomainValidationOptions[i].DomainName)
	}

	f.publish(t, arn)
	f.describe(t, arn)
	f.clk.Advance(issue)
	assert.Equal(t, types.CertificateStatusIssued, f.describe(t, arn).Status)
	c, ok := f.m.Issued(arn)
	require.True(t, ok)
	assert.True(t, simacm.Covers(c, "www.example.org"))
	assert.True(t, simacm.Covers(c, "app.example.com"))
}

func TestTimesOut72HoursAfterTheRecordsWereGenerated(t *testing.T) {
	f := newFixture(t)
	arn := f.request(t, dnsRequest("app.example.com"))
	f.clk.Advance(recordWindow + 72*time.Hour - time.Second)
	assert.Equal(t, types.CertificateStatusPendingValidation, f.describe(t, arn).Status)
	f.clk.Advance(time.Second)
	assert.Equal(t, types.CertificateStatusValidationTimedOut, f.describe(t, arn).Status)

	f.publish(t, arn)
	f.clk.Advance(issue)
	assert.Equal(t, types.CertificateStatusValidationTimedOut, f.describe(t, arn).Status, "a record published too late does not help")
	assert.Equal(t, "validation_timed_out", f.w.Inventory()[0].State)
}

func TestDeleteIsRefusedWhileInUseAndDuringTheLinger(t *testing.T) {
	f := newFixture(t)
	arn := f.issued(t, dnsRequest("app.example.com"))
	del := func() error {
		_, err := f.api.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)})
		return err
	}
	f.users[arn] = []string{lbARN}
	var inUse *types.ResourceInUseException
	require.ErrorAs(t, del(), &inUse)
	assert.Contains(t, inUse.ErrorMessage(), arn+" in account 123456789012 is in use")
	assert.Equal(t, []string{lbARN}, f.describe(t, arn).InUseBy)

	f.clk.Advance(time.Minute)
	f.describe(t, arn) // the listener's last moment
	delete(f.users, arn)
	f.clk.Advance(linger - time.Second)
	require.ErrorAs(t, del(), &inUse, "ACM has not yet seen the listener go")
	assert.Equal(t, []string{lbARN}, f.describe(t, arn).InUseBy)

	f.clk.Advance(time.Second)
	assert.Empty(t, f.describe(t, arn).InUseBy)
	require.NoError(t, del())
	var notFound *types.ResourceNotFoundException
	require.ErrorAs(t, del(), &notFound)
	_, err := f.api.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	require.ErrorAs(t, err, &notFound)
	assert.Empty(t, f.w.Inventory())
}

func TestListCertificatesFiltersAndPages(t *testing.T) {
	f := newFixture(t)
	var rsa []string
	for i := range 4 {
		rsa = append(rsa, f.request(t, dnsRequest(fmt.Sprintf("app%d.example.com", i))))
	}
	ec := dnsRequest("ec.example.com")
	ec.KeyAlgorithm = types.KeyAlgorithmEcPrime256v1
	ecARN := f.request(t, ec)
	f.clk.Advance(recordWindow)
	f.publish(t, rsa[1])
	f.describe(t, rsa[1])
	f.clk.Advance(issue)

	list := func(in *acm.ListCertificatesInput) []string {
		var arns []string
		p := acm.NewListCertificatesPaginator(f.api, in)
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			require.NoError(t, err)
			pages++
			for _, s := range out.CertificateSummaryList {
				arns = append(arns, *s.CertificateArn)
			}
		}
		if in.MaxItems != nil {
			assert.LessOrEqual(t, len(arns), pages*int(*in.MaxItems))
		}
		return arns
	}
	assert.Equal(t, rsa, list(&acm.ListCertificatesInput{MaxItems: aws.Int32(3)}), "RSA_2048 only by default, over pages")
	assert.Equal(t, []string{rsa[1]}, list(&acm.ListCertificatesInput{CertificateStatuses: []types.CertificateStatus{types.CertificateStatusIssued}}))
	assert.Equal(t, []string{ecARN}, list(&acm.ListCertificatesInput{Includes: &types.Filters{KeyTypes: []types.KeyAlgorithm{types.KeyAlgorithmEcPrime256v1}}}))

	page, err := f.api.ListCertificates(ctx, &acm.ListCertificatesInput{MaxItems: aws.Int32(2)})
	require.NoError(t, err)
	require.NotNil(t, page.NextToken)
	_, err = f.api.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(rsa[2])})
	require.NoError(t, err)
	next, err := f.api.ListCertificates(ctx, &acm.ListCertificatesInput{MaxItems: aws.Int32(2), NextToken: page.NextToken})
	require.NoError(t, err)
	require.Len(t, next.CertificateSummaryList, 1, "the page resumes past the deleted certificate")
	s := next.CertificateSummaryList[0]
	assert.Equal(t, rsa[3], *s.CertificateArn)
	assert.Equal(t, types.KeyAlgorithmRsa2048, s.KeyAlgorithm)
	assert.False(t, *s.InUse)
	assert.Nil(t, next.NextToken)
}

func TestCertificatesAreRegional(t *testing.T) {
	f := newFixture(t)
	arn := f.issued(t, dnsRequest("app.example.com"))
	west := acm.NewFromConfig(f.w.Config("eu-west-1"))
	_, err := west.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	var notFound *types.ResourceNotFoundException
	require.ErrorAs(t, err, &notFound)
	assert.Contains(t, notFound.ErrorMessage(), "Could not find certificate "+arn)
	_, err = west.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)})
	require.ErrorAs(t, err, &notFound)
	out, err := west.ListCertificates(ctx, &acm.ListCertificatesInput{})
	require.NoError(t, err)
	assert.Empty(t, out.CertificateSummaryList)
	c, ok := f.m.Issued(arn)
	require.True(t, ok)
	assert.Equal(t, "us-east-1", c.Region, "what CloudFront checks")

	cn, err := acm.NewFromConfig(f.w.Config("cn-north-1")).RequestCertificate(ctx, dnsRequest("app.example.cn"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(*cn.CertificateArn, "arn:aws-cn:acm:cn-north-1:123456789012:certificate/"))
}

func TestInventoryListsEveryCertificateWithItsStatusAndTags(t *testing.T) {
	f := newFixture(t)
	issued := f.issued(t, dnsRequest("app.example.com"))
	pending := f.request(t, dnsRequest("other.example.com"))
	inv := f.w.Inventory()
	require.Len(t, inv, 2)
	byID := map[string]account.Resource{inv[0].ID: inv[0], inv[1].ID: inv[1]}
	assert.Equal(t, account.Resource{Service: "ACM", Type: "certificate", ID: issued, State: "issued", Region: "us-east-1",
		Tags: map[string]string{"geusemaker:deployment": "d1"}}, byID[issued])
	assert.Equal(t, "pending_validation", byID[pending].State)
}

func TestTagsAreAddedOverwrittenAndCappedAt50(t *testing.T) {
	f := newFixture(t)
	arn := f.request(t, dnsRequest("app.example.com"))
	add := func(tags ...types.Tag) error {
		_, err := f.api.AddTagsToCertificate(ctx, &acm.AddTagsToCertificateInput{CertificateArn: aws.String(arn), Tags: tags})
		return err
	}
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	require.NoError(t, add(tag("geusemaker:deployment", "d2"), tag("Name", "app")))
	out, err := f.api.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Equal(t, []types.Tag{tag("geusemaker:deployment", "d2"), tag("Name", "app")}, out.Tags)

	var many []types.Tag
	for i := range 49 {
		many = append(many, tag(fmt.Sprintf("k%d", i), "v"))
	}
	var tooMany *types.TooManyTagsException
	require.ErrorAs(t, add(many...), &tooMany, "2 + 49 tags")
	var invalid *types.InvalidTagException
	require.ErrorAs(t, add(tag("aws:cloudformation:stack-name", "x")), &invalid)
	var validation *types.ValidationException
	require.ErrorAs(t, add([]types.Tag{}...), &validation)
	out, err = f.api.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Len(t, out.Tags, 2, "a refused call changes nothing")
	require.NoError(t, add(many[:48]...))
}

func TestRefusesWhatACMRefusesNamingTheProblem(t *testing.T) {
	f := newFixture(t)
	arn := f.request(t, dnsRequest("app.example.com"))
	with := func(edit func(*acm.RequestCertificateInput)) func() error {
		return func() error {
			in := dnsRequest("app.example.com")
			edit(in)
			_, err := f.api.RequestCertificate(ctx, in)
			return err
		}
	}
	describe := func(arn string) func() error {
		return func() error {
			_, err := f.api.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
			return err
		}
	}
	label63 := strings.Repeat("a", 63)
	var manyTags []types.Tag
	for i := range 51 {
		manyTags = append(manyTags, types.Tag{Key: aws.String(fmt.Sprintf("k%d", i))})
	}
	for _, tc := range []struct {
		name string
		call func() error
		want error
		says string
	}{
		{"one label", with(func(in *acm.RequestCertificateInput) { in.DomainName = aws.String("localhost") }), &types.ValidationException{}, "at 'domainName'"},
		{"label starting with a hyphen", with(func(in *acm.RequestCertificateInput) { in.DomainName = aws.String("-app.example.com") }), &types.ValidationException{}, "regular expression pattern"},
		{"empty name", with(func(in *acm.RequestCertificateInput) { in.DomainName = aws.String("") }), &types.ValidationException{}, "greater than or equal to 1"},
		{"name over 253", with(func(in *acm.RequestCertificateInput) {
			in.SubjectAlternativeNames = []string{strings.Repeat(label63+".", 4) + "com"}
		}), &types.ValidationException{}, "subjectAlternativeNames.1.member"},
		{"first name over 64", with(func(in *acm.RequestCertificateInput) { in.DomainName = aws.String(label63 + ".example.com") }), &types.ValidationException{}, "64 characters"},
		{"token off \\w+", with(func(in *acm.RequestCertificateInput) { in.IdempotencyToken = aws.String("geusemaker-d1") }), &types.ValidationException{}, "idempotencyToken"},
		{"token over 32", with(func(in *acm.RequestCertificateInput) { in.IdempotencyToken = aws.String(strings.Repeat("t", 33)) }), &types.ValidationException{}, "less than or equal to 32"},
		{"unknown key algorithm", with(func(in *acm.RequestCertificateInput) { in.KeyAlgorithm = "RSA_8192" }), &types.ValidationException{}, "enum value set"},
		{"import-only key algorithm", with(func(in *acm.RequestCertificateInput) { in.KeyAlgorithm = types.KeyAlgorithmRsa4096 }), &types.InvalidParameterException{}, "RSA_4096"},
		{"eleven names", with(func(in *acm.RequestCertificateInput) {
			for i := range 10 {
				in.SubjectAlternativeNames = append(in.SubjectAlternativeNames, fmt.Sprintf("n%d.example.com", i))
			}
		}), &types.LimitExceededException{}, "11 domain names"},
		{"51 tags", with(func(in *acm.RequestCertificateInput) { in.Tags = manyTags }), &types.TooManyTagsException{}, "too many tags"},
		{"reserved tag", with(func(in *acm.RequestCertificateInput) { in.Tags = []types.Tag{{Key: aws.String("aws:x")}} }), &types.InvalidTagException{}, "aws:x"},
		{"tag value over 256", with(func(in *acm.RequestCertificateInput) {
			in.Tags = []types.Tag{{Key: aws.String("k"), Value: aws.String(strings.Repeat("v", 257))}}
		}), &types.ValidationException{}, "tags.1.member.value"},
		{"101 names", with(func(in *acm.RequestCertificateInput) {
			for i := range 101 {
				in.SubjectAlternativeNames = append(in.SubjectAlternativeNames, fmt.Sprintf("n%d.example.com", i))
			}
		}), &types.ValidationException{}, "less than or equal to 100"},
		{"tag key off pattern", with(func(in *acm.RequestCertificateInput) { in.Tags = []types.Tag{{Key: aws.String("a*b")}} }), &types.ValidationException{}, "tags.1.member.key"},
		{"email validation", with(func(in *acm.RequestCertificateInput) { in.ValidationMethod = types.ValidationMethodEmail }), &types.InvalidParameterException{}, "sim: validation other than DNS"},
		{"private certificate", with(func(in *acm.RequestCertificateInput) {
			in.CertificateAuthorityArn = aws.String("arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/x")
		}), &types.InvalidParameterException{}, "sim: a private certificate"},
		{"malformed ARN", describe("nope"), &types.ValidationException{}, "at 'certificateArn'"},
		{"ARN off pattern", describe("arn:aws:s3:::bucket/key-00000000"), &types.ValidationException{}, "regular expression pattern"},
		{"ARN of no certificate", describe("arn:aws:acm:us-east-1:123456789012:account"), &types.InvalidArnException{}, "does not refer to a certificate"},
		{"unknown certificate", describe(arn + "0"), &types.ResourceNotFoundException{}, arn + "0"},
		{"tags of an unknown certificate", func() error {
			_, err := f.api.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: aws.String(arn + "0")})
			return err
		}, &types.ResourceNotFoundException{}, arn + "0"},
		{"MaxItems 0", func() error {
			_, err := f.api.ListCertificates(ctx, &acm.ListCertificatesInput{MaxItems: aws.Int32(0)})
			return err
		}, &types.ValidationException{}, "maxItems"},
		{"MaxItems 1001", func() error {
			_, err := f.api.ListCertificates(ctx, &acm.ListCertificatesInput{MaxItems: aws.Int32(1001)})
			return err
		}, &types.ValidationException{}, "less than or equal to 1000"},
		{"bad NextToken", func() error {
			_, err := f.api.ListCertificates(ctx, &acm.ListCertificatesInput{NextToken: aws.String("x")})
			return err
		}, &types.InvalidArgsException{}, "NextToken x"},
		{"sorting", func() error {
			_, err := f.api.ListCertificates(ctx, &acm.ListCertificatesInput{SortBy: types.SortByCreatedAt, SortOrder: types.SortOrderAscending})
			return err
		}, &types.InvalidParameterException{}, "sim: sorting"},
		{"other filter", func() error {
			_, err := f.api.ListCertificates(ctx, &acm.ListCertificatesInput{Includes: &types.Filters{ManagedBy: types.CertificateManagedByCloudfront}})
			return err
		}, &types.InvalidParameterException{}, "sim: a filter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			var apiErr interface{ ErrorCode() string }
			require.True(t, errors.As(err, &apiErr), err)
			assert.Equal(t, tc.want.(interface{ ErrorCode() string }).ErrorCode(), apiErr.ErrorCode(), err)
			assert.Contains(t, err.Error(), tc.says)
		})
	}
	assert.Len(t, f.w.Inventory(), 1, "nothing refused was created")
}

func TestCoversMatchesOneLabelUnderAWildcard(t *testing.T) {
	c := simacm.Cert{Names: []string{"*.Example.com", "api.example.org."}}
	for host, want := range map[string]bool{
		"www.example.com":   true,
		"WWW.example.com.":  true,
		"api.example.org":   true,
		"example.com":       false,
		"a.b.example.com":   false,
		"www.example.org":   false,
		"*.example.com":     true,
		"www.exampleXcom":   false,
		"wwwexample.com":    false,
		"www.example.com.x": false,
	} {
		assert.Equal(t, want, simacm.Covers(c, host), host)
	}
}
