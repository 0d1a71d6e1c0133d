// Package step is what every step package shares, so each holds only its
// own logic: Actions, the shape of what a step Lambda serves; and, for the
// AWS steps (network, firewall, efs, iam, compute, elbv2, cloudfront,
// preflight, smoke), a Base with the Lambda's AWS config, clock and logger
// that builds the request's regional config, logs with the deployment's
// fields and names the step in a failure's cause; a Family that names a
// package's failures; and Tags, the sorted tag list every create call
// sends.
//
// It imports contract, document, steperr, awsapi, clock and the SDK's aws
// package.
package step

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
)

// Action is one thing a step does to the document, in place.
type Action = func(context.Context, *document.Document) error

// Actions are a step's actions by name (contract.Action*): what its
// Lambda serves.
type Actions = map[string]Action

// Family names the failures of one step package.
type Family struct {
	// Name prefixes the cause's step: "network" gives "network-resolve".
	Name string
	// Error is the ASL error name of the package's failures, e.g.
	// contract.NetworkFailed.
	Error string
	// Remediations says what to do about a failed AWS call, by AWS error
	// code; codes absent from it take the call site's fallback.
	Remediations map[string]string
	// Busy lists the AWS error codes that mean "not yet" rather than
	// "failed" for every call of the package (e.g. DependencyViolation
	// while ENIs drain), each with its remediation: AWSFailure names them
	// ResourceBusy, which the state machine retries.
	Busy map[string]string
}

// StepName is the cause's "step" for an action, e.g. "network-resolve".
func (f Family) StepName(action string) string { return f.Name + "-" + action }

// AWSFailure names a failed AWS call f.Error (Throttled when AWS
// throttles), with the remediation for its code or else fallback.
func (f Family) AWSFailure(action string, err error, fallback string) *steperr.Error {
	if remediation, ok := f.Busy[awsapi.Code(err)]; ok {
		return f.ResourceBusy(action, err, remediation)
	}
	return steperr.FromAWSWith(f.Error, f.StepName(action), err, f.Remediations, fallback)
}

// Failure names an f.Error without an AWS error behind it.
func (f Family) Failure(action, message, remediation string) *steperr.Error {
	return steperr.New(f.Error, f.StepName(action), message, remediation)
}

// ResourceBusy names a call AWS refuses until something in progress finishes (a
// dependency draining, a concurrent change); the state machine retries
// ResourceBusy.
func (f Family) ResourceBusy(action string, err error, remediation string) *steperr.Error {
	return steperr.FromAWS(contract.ResourceBusy, f.StepName(action), err, remediation)
}

// Waits tells whether err is one of the family's Busy codes: AWS refuses
// the call until something in progress finishes.
func (f Family) Waits(err error) bool {
	_, ok := f.Busy[awsapi.Code(err)]
	return err != nil && ok
}

// Pending makes a deletion that AWS refuses for now (f.Waits) wait
// instead of fail: a failed invocation's document is lost, with the record
// of what it had deleted, while a pending one returns it, and the state
// machine polls the same deletion again. It records the wait under key
// (its deadline set by the teardown's first action with StartWait, the
// next poll from w, what still blocks); past the deadline it fails with
// Timeout (through Defer: deletedNow says whether this invocation deleted
// something).
func (f Family) Pending(doc *document.Document, key string, w document.Wait, now time.Time, action, what string, err error, deletedNow bool) error {
	deadline := doc.Deadline(key, now, w.Timeout)
	if !now.Before(deadline) {
		return f.Defer(doc, key, deletedNow, steperr.Timeout(f.StepName(action), what, deadline, f.Busy[awsapi.Code(err)]))
	}
	p := w.Pending(awsapi.Code(err), deadline, now)
	p.Detail = what + ": " + err.Error()
	doc.SetStatus(key, p)
	return nil
}

// Blocked ends a deletion waiting on what this teardown could not delete
// (what names it and its holder), which never frees: it fails, through
// Defer.
func (f Family) Blocked(doc *document.Document, key, action, what string, deletedNow bool) error {
	return f.Defer(doc, key, deletedNow, f.Failure(action, what+" is still in use by what this teardown could not delete",
		"Fix what the report's entries left behind say, then run destroy again."))
}

// Defer returns a polled deletion's failure err, unless this invocation
// deleted something (deletedNow): a failed invocation's document is lost,
// and with it the record of those deletions, so it first returns pending
// under key for a poll at once (err in the poll's detail), and the next
// poll, which deletes nothing new, fails.
func (f Family) Defer(doc *document.Document, key string, deletedNow bool, err error) error {
	if !deletedNow {
		return err
	}
	doc.SetStatus(key, document.Poll{Status: "failing", NextPollSeconds: 1, Detail: err.Error()})
	return nil
}

// Missing names an action run before the one that fills its input: the
// state machine's order is broken.
func (f Family) Missing(action, what string) *steperr.Error {
	return steperr.New(contract.InternalError, f.StepName(action),
		fmt.Sprintf("the ledger has no %s; %s runs after the step that records it", what, action),
		"The state machine and the Lambda code are from different versions: redeploy the stack.")
}

// Base is what every step's Step embeds: its family, the Lambda's AWS
// config, clock and logger.
type Base struct {
	Family
	// Clock is the step's time (a virtual clock in local runs).
	Clock clock.Clock
	// Log is the Lambda's logger; Logger adds a deployment's fields.
	Log *slog.Logger
	cfg aws.Config
}

// New returns a Base. Clients are built per call from Config, so one
// Lambda serves deployments in any region.
func New(f Family, cfg aws.Config, c clock.Clock, log *slog.Logger) Base {
	return Base{Family: f, Clock: c, Log: log, cfg: cfg}
}

// Config is a copy of the Lambda's config in the deployment's region (the
// Lambda's own when the request names none), for ec2.NewFromConfig and the
// like.
func (b Base) Config(doc *document.Document) aws.Config {
	c := b.cfg.Copy()
	if doc.Request.Region != "" {
		c.Region = doc.Request.Region
	}
	return c
}

// Logger is the Lambda's logger with the deployment's id and the action's
// step name.
func (b Base) Logger(doc *document.Document, action string) *slog.Logger {
	return b.Log.With("deployment_id", doc.Request.DeploymentID, "step", b.StepName(action))
}

// Tags are the request's tags plus Name (none when name is empty), sorted
// by key so every attempt sends the same request; tag builds one of the
// service's tag values.
func Tags[T any](req document.Request, name string, tag func(k, v string) T) []T {
	all := req.Tags()
	if name != "" {
		all[document.TagName] = name
	}
	out := make([]T, 0, len(all))
	for _, k := range slices.Sorted(maps.Keys(all)) {
		out = append(out, tag(k, all[k]))
	}
	return out
}

// Owns tells whether a regional resource with these tags is the request's
// deployment's (for the global IAM and CloudFront resources the region tag
// must match too; their steps check it).
func Owns(tags map[string]string, req document.Request) bool {
	return req.DeploymentID != "" && tags[document.TagDeployment] == req.DeploymentID
}
