// Package preflight checks, before anything is created, that a deployment
// can succeed: the supplied network exists and fits the tier, the instance
// type (for GPU types, one of it and its fallbacks) is offered in the
// Availability Zones the deployment will use, and the account's quotas
// have room for what the deployment adds (On-Demand vCPUs of the
// instance's family, ALBs, CloudFront distributions, EFS file systems,
// security groups, rules per security group). Usage comes from the
// services' own APIs, quota values from Service Quotas (the applied value,
// else AWS's default).
//
// Every problem found is reported at once in one PreflightFailed whose
// cause lists each with its remediation. A check whose data cannot be read
// (access denied, the quota API unavailable) is skipped with a warning in
// the progress message; throttling that outlives the SDK's retries is
// Throttled, which the state machine retries. It only reads.
//
// Usage counts every live resource, this deployment's included: re-running
// a deployment that already exists needs the same headroom as a new one.
//
// Actions: check. No status keys.
//
// It imports document, steperr, awsapi, clock, step and the SDK clients of the
// services it reads; never sim or engine.
package preflight

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/step"
)

// family names the step's failures PreflightFailed.
var family = step.Family{Name: contract.Preflight, Error: contract.PreflightFailed}

// stepName is the cause's step of the only action.
var stepName = family.StepName(contract.ActionCheck)

// quotaRegion is where Service Quotas serves the quotas of global services
// (CloudFront's distributions per account).
const quotaRegion = "us-east-1"

// ec2API is what the step reads of EC2.
type ec2API interface {
	ec2.DescribeVpcsAPIClient
	ec2.DescribeSubnetsAPIClient
	ec2.DescribeInternetGatewaysAPIClient
	ec2.DescribeSecurityGroupsAPIClient
	ec2.DescribeInstanceTypeOfferingsAPIClient
	ec2.DescribeInstanceTypesAPIClient
	ec2.DescribeInstancesAPIClient
	ec2.DescribeManagedPrefixListsAPIClient
	DescribeAvailabilityZones(context.Context, *ec2.DescribeAvailabilityZonesInput, ...func(*ec2.Options)) (*ec2.DescribeAvailabilityZonesOutput, error)
}

// quotasAPI is what the step reads of Service Quotas.
type quotasAPI interface {
	GetServiceQuota(context.Context, *servicequotas.GetServiceQuotaInput, ...func(*servicequotas.Options)) (*servicequotas.GetServiceQuotaOutput, error)
	GetAWSDefaultServiceQuota(context.Context, *servicequotas.GetAWSDefaultServiceQuotaInput, ...func(*servicequotas.Options)) (*servicequotas.GetAWSDefaultServiceQuotaOutput, error)
}

// clients are the step's clients for one deployment's region.
type clients struct {
	ec2 ec2API
	elb elb.DescribeLoadBalancersAPIClient
	efs efsAPI
	cf  cloudfront.ListDistributionsAPIClient
	// quotas is the deployment's region; globalQuotas is us-east-1.
	quotas, globalQuotas quotasAPI
}

// Step is the preflight Lambda's logic.
type Step struct{ step.Base }

// New returns the step. Clients are built per call for the request's
// region, so one Lambda serves deployments in any region.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return &Step{step.New(family, cfg, c, log)}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() step.Actions {
	return step.Actions{contract.ActionCheck: s.check}
}

func (s *Step) clients(doc *document.Document) clients {
	cfg := s.Config(doc)
	global := cfg.Copy()
	global.Region = quotaRegion
	return clients{
		ec2:          ec2.NewFromConfig(cfg),
		elb:          elb.NewFromConfig(cfg),
		efs:          efs.NewFromConfig(cfg),
		cf:           cloudfront.NewFromConfig(cfg),
		quotas:       servicequotas.NewFromConfig(cfg),
		globalQuotas: servicequotas.NewFromConfig(global),
	}
}

// problem is one reason the deployment would fail, and what to do.
type problem struct {
	message, remediation string
}

// findings collects the problems and warnings of one check.
type findings struct {
	problems []problem
	warnings []string
	// noEndpoint is set once a call found no endpoint for the region.
	noEndpoint bool
}

func (f *findings) fail(remediation, format string, args ...any) {
	f.problems = append(f.problems, problem{message: fmt.Sprintf(format, args...), remediation: remediation})
}

// unreadable handles a read that failed: throttling is returned (the state
// machine retries the step); anything else skips the check with a warning.
func (f *findings) unreadable(what string, err error) error {
	if awsapi.IsThrottle(err) {
		return steperr.FromAWS(contract.Throttled, stepName, err, "")
	}
	if awsapi.IsUnknownHost(err) {
		// Every call of the region fails alike: one problem says it.
		if !f.noEndpoint {
			f.noEndpoint = true
			f.fail("Check the request's region: it must be an AWS Region that exists (e.g. us-east-1).",
				"no AWS endpoint answers in the request's region: %v", err)
		}
		return nil
	}
	f.warnings = append(f.warnings, fmt.Sprintf("could not read %s (%s)", what, orText(awsapi.Code(err), err)))
	return nil
}

func orText(code string, err error) string {
	if code != "" {
		return code
	}
	return err.Error()
}

// check runs every check and reports all problems at once.
func (s *Step) check(ctx context.Context, doc *document.Document) error {
	c := s.clients(doc)
	f := &findings{}
	zones, err := network(ctx, c.ec2, doc.Request, f)
	if err != nil {
		return err
	}
	if err := fileSystem(ctx, c.efs, doc.Request, zones, f); err != nil {
		return err
	}
	typ, offering, err := offered(ctx, c.ec2, doc.Request, zones, f)
	if err != nil {
		return err
	}
	if err := quotas(ctx, c, doc.Request, typ, f); err != nil {
		return err
	}
	log := s.Logger(doc, contract.ActionCheck)
	if len(f.problems) > 0 {
		log.Info("preflight failed", "problems", len(f.problems))
		return f.failure()
	}
	msg := "Preflight passed: quotas have room"
	if typ != "" {
		msg = fmt.Sprintf("Preflight passed: %s offered in %s, quotas have room", typ, strings.Join(offering, ", "))
	}
	if len(f.warnings) > 0 {
		// "Passed" would claim what was not checked.
		msg = fmt.Sprintf("Preflight found no problem in what it could read, but %d check(s) could not run (nothing is created yet; a later step may fail on them)", len(f.warnings))
		if typ != "" {
			msg += fmt.Sprintf("; %s offered in %s", typ, strings.Join(offering, ", "))
		}
		msg += "; not checked: " + strings.Join(f.warnings, "; ")
		log.Warn("preflight skipped checks", "warnings", f.warnings)
	}
	doc.Report(s.Clock.Now(), document.StagePreflight, msg, "")
	log.Info("preflight passed", "instance_type", typ)
	return nil
}

// failure is the PreflightFailed naming every problem, numbered, with the
// remediations numbered alike.
func (f *findings) failure() error {
	msgs := make([]string, len(f.problems))
	fixes := make([]string, len(f.problems))
	for i, p := range f.problems {
		msgs[i] = fmt.Sprintf("(%d) %s", i+1, p.message)
		fixes[i] = fmt.Sprintf("(%d) %s", i+1, p.remediation)
	}
	return family.Failure(contract.ActionCheck,
		fmt.Sprintf("preflight found %d problem(s), nothing was created: %s", len(f.problems), strings.Join(msgs, "; ")),
		strings.Join(fixes, " "))
}
