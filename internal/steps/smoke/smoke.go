// Package smoke proves a finished deployment serves traffic, as its users
// reach it: Tier 3 through the CloudFront domain (and the ALB must refuse a
// direct request that lacks CloudFront's secret origin header), Tier 2
// through the ALB, Tier 1 through the instance's public address, each on
// the workload's /healthz. DNS and CloudFront's edges lag behind the
// resources' own status, so a request that does not pass yet is retried
// (by the state machine's poll loop) until the test's deadline; only then,
// or at once for an answer that cannot improve (the ALB serving a request
// without the origin header), it fails with SmokeTestFailed, naming what
// was requested and what came back.
//
// With wait_for_cloudfront false the distribution may not be deployed yet:
// the test then checks only that the ALB refuses direct requests, and the
// CloudFront watcher announces the distribution.
//
// Actions: start, status. Status key: smoke.
//
// It imports document, steperr, clock and stepkit, and makes plain HTTP requests
// through the *http.Client it is given (the simulated account's in local
// runs); never sim or engine.
package smoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/clock"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/stepkit"
)

// Action names, as the state machine invokes them.
const (
	ActionStart  = "start"
	ActionStatus = "status"
)

// StatusKey is the test's key in doc.Status and doc.Deadlines.
const StatusKey = "smoke"

const (
	// deadline bounds the test: DNS of a new ALB or distribution and
	// CloudFront's edges usually follow within a few minutes; in Tier 1 it
	// also covers the workload's boot (≈ 4 min after running, image pulls).
	deadline = 10 * time.Minute
	// pollSeconds is the wait between two attempts.
	pollSeconds = 20
	// requestTimeout bounds one request of the default client: a Lambda
	// makes two per attempt within its 60 s.
	requestTimeout = 10 * time.Second
	// bodyExcerpt is how much of a response body a failure quotes.
	bodyExcerpt = 200
)

// healthPath is the workload's health check (nginx's /healthz).
const healthPath = "/healthz"

// Step is the smoke test Lambda's logic.
type Step struct {
	stepkit.Base
	http *http.Client
}

// New returns the step with DefaultHTTPClient, as a Lambda runs it.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return NewWithHTTP(cfg, c, log, DefaultHTTPClient())
}

// NewWithHTTP returns the step making its requests with h: the simulated
// account's client (sim.Cloud.HTTPClient) in local runs and tests. The test
// calls no AWS API: cfg only completes the Base.
func NewWithHTTP(cfg aws.Config, c clock.Clock, log *slog.Logger, h *http.Client) *Step {
	return &Step{Base: stepkit.New(family, cfg, c, log), http: h}
}

// DefaultHTTPClient is a real client with a timeout per request that
// reports redirects instead of following them.
func DefaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout:       requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Actions returns the step's actions by name.
func (s *Step) Actions() map[string]func(context.Context, *document.Document) error {
	return map[string]func(context.Context, *document.Document) error{
		ActionStart:  s.start,
		ActionStatus: s.status,
	}
}

// start computes the deadline once and makes the first attempt.
func (s *Step) start(ctx context.Context, doc *document.Document) error {
	if doc.Deadlines == nil {
		doc.Deadlines = map[string]string{}
	}
	if _, ok := doc.Deadlines[StatusKey]; !ok {
		doc.Deadlines[StatusKey] = document.Timestamp(s.Clock.Now().Add(deadline))
	}
	return s.attempt(ctx, doc)
}

// status makes one more attempt; past the deadline a test that has not
// passed fails.
func (s *Step) status(ctx context.Context, doc *document.Document) error {
	return s.attempt(ctx, doc)
}

// verdict is what one answer means.
type verdict int

const (
	pass  verdict = iota
	retry         // may still pass: propagation, a workload still booting
	fail          // cannot pass by waiting
)

// probe is one request and what it must get.
type probe struct {
	// what names the request in messages.
	what string
	url  string
	// judge reads the answer (status 0 when the request got none).
	judge func(status int, err error) verdict
	want  string
}

// probes are the requests that prove the deployment's tier, or an error
// naming the ledger keys they need and lack.
func probes(doc *document.Document) ([]probe, error) {
	req, r := doc.Request, doc.Resources
	var out []probe
	var need []string
	switch {
	case req.EnableCDN:
		if req.WaitForCloudFront {
			out = append(out, healthy("CloudFront", "https://"+r.CloudFrontDomain+healthPath))
			need = append(need, document.KeyCloudFrontDomain)
		}
		out = append(out, probe{
			what: "the ALB without the origin header", url: "http://" + r.ALBDNS + healthPath, judge: refused,
			want: "refused (403 from the listener's default action, or no connection)",
		})
		need = append(need, document.KeyALBDNS)
	case req.EnableALB:
		out, need = []probe{healthy("the ALB", "http://"+r.ALBDNS+healthPath)}, []string{document.KeyALBDNS}
	default:
		out, need = []probe{healthy("the instance", "http://"+r.PublicIP+healthPath)}, []string{document.KeyPublicIP}
	}
	var missing []string
	for _, k := range need {
		if !r.Has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the ledger lacks %s: the deployment has no public endpoint to test", strings.Join(missing, ", "))
	}
	return out, nil
}

func healthy(what, url string) probe {
	return probe{what: what, url: url, want: "200", judge: func(status int, _ error) verdict {
		if status == http.StatusOK {
			return pass
		}
		return retry
	}}
}

// refused judges a request that must not reach the workload: the
// listener's 403, or (on AWS, where the ALB's group admits only
// CloudFront's addresses) no connection at all. An answer from the
// workload means the origin is open to anyone.
func refused(status int, err error) verdict {
	var ne net.Error
	switch {
	case status == http.StatusForbidden:
		return pass
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, syscall.ECONNREFUSED):
		return pass
	case status >= 200 && status < 400:
		return fail
	}
	return retry
}

// result is what one probe got.
type result struct {
	probe
	got     string
	verdict verdict
}

func (r result) String() string {
	return fmt.Sprintf("GET %s (%s) → %s, want %s", r.url, r.what, r.got, r.want)
}

// attempt runs every probe once and records the outcome.
func (s *Step) attempt(ctx context.Context, doc *document.Document) error {
	ps, err := probes(doc)
	if err != nil {
		return family.Failure(testAction, err.Error(), remediation(doc))
	}
	results := make([]result, len(ps))
	worst := pass
	for i, p := range ps {
		results[i] = s.get(ctx, p)
		worst = max(worst, results[i].verdict)
	}
	now := s.Clock.Now()
	log := s.Logger(doc, testAction)
	due, _ := document.ParseTimestamp(doc.Deadlines[StatusKey])
	if worst == fail || (worst == retry && !now.Before(due)) {
		log.Info("smoke test failed", "results", describe(results))
		return family.Failure(testAction, "smoke test failed: "+describe(results), remediation(doc))
	}
	if doc.Status == nil {
		doc.Status = map[string]document.Poll{}
	}
	if worst == pass {
		doc.Status[StatusKey] = document.Poll{Status: "passed", Done: true, Percent: 100, Detail: describe(results)}
		p := doc.Report(now, document.StageSmoke, "Smoke test passed: "+passed(results), "")
		p.StagePercent = 100
		log.Info("smoke test passed")
		return nil
	}
	doc.Status[StatusKey] = document.Poll{Status: "waiting", NextPollSeconds: pollSeconds, Detail: describe(results)}
	doc.Report(now, document.StageSmoke, "Smoke test: waiting for "+waiting(results), "")
	log.Debug("smoke test waiting", "results", describe(results))
	return nil
}

// get makes one request; the answer, or its failure, is described.
func (s *Step) get(ctx context.Context, p probe) result {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return result{probe: p, got: err.Error(), verdict: fail}
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return result{probe: p, got: err.Error(), verdict: p.judge(0, err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, bodyExcerpt))
	got := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if b := strings.TrimSpace(string(body)); b != "" {
		got += fmt.Sprintf(" %q", b)
	}
	return result{probe: p, got: got, verdict: p.judge(resp.StatusCode, nil)}
}

func describe(results []result) string {
	out := make([]string, len(results))
	for i, r := range results {
		out[i] = r.String()
	}
	return strings.Join(out, "; ")
}

func passed(results []result) string {
	out := make([]string, len(results))
	for i, r := range results {
		out[i] = fmt.Sprintf("%s %s → %s", r.what, r.url, r.got)
	}
	return strings.Join(out, "; ")
}

func waiting(results []result) string {
	var out []string
	for _, r := range results {
		if r.verdict != pass {
			out = append(out, fmt.Sprintf("%s (last: %s)", r.url, r.got))
		}
	}
	return strings.Join(out, ", ")
}

// family names the step's failures SmokeTestFailed.
var family = stepkit.Family{Name: "smoke", Error: steperr.SmokeTestFailed}

// testAction names the whole test in causes and logs ("smoke-test"): start
// and status make the same attempt.
const testAction = "test"

// remediation says what to do, and whether the stack is still there.
func remediation(doc *document.Document) string {
	req := doc.Request
	if req.KeepOnSmokeFailure {
		return fmt.Sprintf("The stack was kept for debugging (keep_on_smoke_failure): inspect the instance through SSM Session Manager "+
			"(/var/log/cloud-init-output.log, docker ps) and the ALB's target health. When done, destroy it: start the Destroy "+
			`state machine with {"request": {"deployment_id": %q, "region": %q}} (aws stepfunctions start-execution --state-machine-arn <DestroyStateMachineArn> --input ...).`,
			req.DeploymentID, req.Region)
	}
	return "Everything was rolled back. Check the workload's UserData log and the ALB/CloudFront configuration; " +
		"deploy again with \"keep_on_smoke_failure\": true to keep the stack up for debugging."
}
