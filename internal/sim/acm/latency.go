package acm

import "time"

// Latency names, overridable with account.WithLatency or Account.SetLatency.
const (
	// WindowValidationRecord names how long after RequestCertificate ACM
	// describes each domain without its validation CNAME (ResourceRecord),
	// drawn in [2 s, 15 s]. The API reference (RequestCertificate) warns of
	// "a delay of several seconds before you can retrieve information about
	// the new certificate"; terraform-provider-aws waits for the record
	// after every request (waitCertificateDomainValidationsAvailable in
	// internal/service/acm/certificate.go, once
	// waitCertificateDomainValidationsKnown in resource_certificate.go,
	// allowing 5 minutes). The bounds are an assumption.
	WindowValidationRecord = "acm.validation_record"
	windowRecordMin        = 2 * time.Second
	windowRecordMax        = 15 * time.Second

	// LatencyIssue is how long after ACM first sees a domain's validation
	// CNAME resolve to its value that the domain validates (SUCCESS); the
	// certificate is ISSUED when its last domain has.
	LatencyIssue = "acm.issue"

	// WindowInUseLinger names how long DeleteCertificate still answers
	// ResourceInUseException (and InUseBy still lists the users) once no
	// service uses the certificate any more, drawn in [10 s, 60 s]. ACM's
	// view of its users is eventually consistent: "it can take around 10s
	// for ACM to acknowledge that the certificate is no longer in use"
	// after an ALB listener's deletion (aws-cdk issue #4179); Terraform
	// retries the delete on ResourceInUseException (terraform-provider-aws
	// issue #3866, "Deleting ACM certificate fails with
	// ResourceInUseException by a deleted ELB", fixed by PR #3868). The
	// upper bound, for CloudFront, is an assumption.
	WindowInUseLinger = "acm.in_use_linger"
	windowLingerMin   = 10 * time.Second
	windowLingerMax   = 60 * time.Second
)

// defaultIssue: AWS promises no figure ("wait for your DNS provider to
// propagate and for ACM to validate your domains (up to several hours)",
// Knowledge Center, acm-certificate-pending-validation); with a Route 53
// record, reports range from a minute to about 15. aws-cdk's first waiter
// gave up after 5 minutes "occasionally" (commit 5b5ca48, issue #2914) and
// Terraform waits 45 minutes by default (terraform-provider-aws issue
// #9338). One minute, the fast end with Route 53, is an assumption.
const defaultIssue = time.Minute

// Defaults returns every latency of the simulated ACM by name, with its
// default (a window's upper bound).
func Defaults() map[string]time.Duration {
	return map[string]time.Duration{
		WindowValidationRecord: windowRecordMax, LatencyIssue: defaultIssue, WindowInUseLinger: windowLingerMax,
	}
}
