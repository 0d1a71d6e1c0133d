// Package smoke proves a finished deployment serves its users and nobody
// else, as they reach it: Tier 3 through the CloudFront domain, Tier 2
// through the ALB, Tier 1 through the instance's public address. On that
// entry point /healthz must answer 200, n8n's owner account must already
// exist (nobody can claim the editor), and every protected route
// (workload.Routes) must answer 401 without the API key and 200 with it
// (read from the deployment's secret, never shown). The paths that must
// stay closed must not serve: the ALB without CloudFront's secret origin
// header, and behind an ALB the instance's own address. DNS and
// CloudFront's edges lag behind the resources' own status, so a request
// that does not pass yet is retried (by the state machine's poll loop)
// until the test's deadline; only then, or at once for an answer that
// cannot improve (a route served without the key, a closed path open, a
// claimable n8n), it fails with SmokeTestFailed, naming what was requested
// and what came back.
//
// With wait_for_cloudfront false the distribution may not be deployed yet:
// the test then checks only the closed paths, and the CloudFront watcher
// announces the distribution.
//
// Actions: start, status. Status key: smoke.
//
// It imports document, steperr, clock, step, workload and the SDK's
// Secrets Manager client, and makes plain HTTP requests through the
// *http.Client it is given (the simulated account's in local runs); never
// sim or engine.
package smoke

import (
	"context"
	"encoding/json"
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
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steps/step"
	"geusemaker/internal/workload"
)

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
	// maxBody is how much of a response is read (n8n's settings are a few KB).
	maxBody = 64 << 10
)

// Step is the smoke test Lambda's logic.
type Step struct {
	step.Base
	http *http.Client
}

// secretsAPI is what the step calls on Secrets Manager.
type secretsAPI interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

func (s *Step) secrets(doc *document.Document) secretsAPI {
	return secretsmanager.NewFromConfig(s.Config(doc))
}

// New returns the step with DefaultHTTPClient, as a Lambda runs it.
func New(cfg aws.Config, c clock.Clock, log *slog.Logger) *Step {
	return NewWithHTTP(cfg, c, log, DefaultHTTPClient())
}

// NewWithHTTP returns the step making its requests with h: the simulated
// account's client (sim.Cloud.HTTPClient) in local runs and tests. Its one
// AWS call reads the API key from the deployment's secret, in the
// request's region.
func NewWithHTTP(cfg aws.Config, c clock.Clock, log *slog.Logger, h *http.Client) *Step {
	return &Step{Base: step.New(family, cfg, c, log), http: h}
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
func (s *Step) Actions() step.Actions {
	return step.Actions{
		contract.ActionStart:  s.start,
		contract.ActionStatus: s.status,
	}
}

// start computes the deadline once and makes the first attempt.
func (s *Step) start(ctx context.Context, doc *document.Document) error {
	if doc.Deadlines == nil {
		doc.Deadlines = map[string]string{}
	}
	if _, ok := doc.Deadlines[contract.StatusSmoke]; !ok {
		doc.Deadlines[contract.StatusSmoke] = document.Timestamp(s.Clock.Now().Add(deadline))
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

// answer is what one request got: status 0 when the request got none.
type answer struct {
	status int
	body   []byte
	err    error
}

// probe is one request and what it must get.
type probe struct {
	// what names the request in messages.
	what string
	url  string
	// authorized requests carry the API key (never shown in messages).
	authorized bool
	judge      func(answer) verdict
	want       string
	// gate: when it does not pass, the probes after it on the same entry
	// point are not tried in this attempt (nothing behind a silent
	// /healthz can answer yet).
	gate bool
}

// probes are the requests that prove the deployment's tier, or an error
// naming the ledger keys they need and lack. The entry point users reach
// (CloudFront, else the ALB, else the instance) must serve /healthz, must
// not let anyone claim n8n's owner account, and must answer every
// protected route with 401 without the API key and with 200 with it. The
// paths that must stay closed must not serve: the ALB without CloudFront's
// origin header (Tier 3), the instance's own address behind an ALB.
func probes(doc *document.Document) ([]probe, error) {
	req, r := doc.Request, doc.Resources
	var out []probe
	var need []string
	switch {
	case req.EnableCDN:
		if req.WaitForCloudFront {
			out = append(out, served("CloudFront", "https://"+r.CloudFrontDomain)...)
			need = append(need, document.KeyCloudFrontDomain, document.KeySecretARN)
		}
		if req.PrivateOrigin() {
			out = append(out, probe{
				what: "the internal ALB", url: "http://" + r.ALBDNS + workload.HealthPath, judge: unreachable,
				want: "no connection (an internal ALB has no address on the internet)",
			})
		} else {
			out = append(out, probe{
				what: "the ALB without the origin header", url: "http://" + r.ALBDNS + workload.HealthPath, judge: refused,
				want: "refused (403 from the listener's default action, or no connection)",
			})
		}
		need = append(need, document.KeyALBDNS)
	case req.EnableALB:
		out, need = served("the ALB", "http://"+r.ALBDNS), []string{document.KeyALBDNS, document.KeySecretARN}
	default:
		out, need = served("the instance", "http://"+r.PublicIP), []string{document.KeyPublicIP, document.KeySecretARN}
	}
	if req.EnableALB && r.PublicIP != "" {
		out = append(out, probe{
			what: "the instance's own address", url: "http://" + r.PublicIP + workload.HealthPath, judge: unreachable,
			want: "no connection (only the ALB reaches the instance)",
		})
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

// served are the probes of the entry point users reach at base.
func served(what, base string) []probe {
	out := []probe{
		{what: what, url: base + workload.HealthPath, want: "200", judge: status(http.StatusOK), gate: true},
		{what: what + ", n8n's owner", url: base + workload.SettingsPath, judge: ownerTaken,
			want: "200 with showSetupOnFirstLoad false (the owner account exists)"},
	}
	for _, route := range workload.Routes() {
		out = append(out,
			probe{what: what + ", " + route.Service + " without the API key", url: base + route.Probe, judge: unauthorized,
				want: "401 (the route needs the API key)"},
			probe{what: what + ", " + route.Service + " with the API key", url: base + route.Probe, authorized: true,
				judge: status(http.StatusOK), want: "200"})
	}
	return out
}

func status(want int) func(answer) verdict {
	return func(a answer) verdict {
		if a.status == want {
			return pass
		}
		return retry
	}
}

// unauthorized judges an anonymous request to a protected route: 401,
// while anything served means the route is open to anyone.
func unauthorized(a answer) verdict {
	switch {
	case a.status == http.StatusUnauthorized:
		return pass
	case a.status >= 200 && a.status < 400:
		return fail
	}
	return retry
}

// ownerTaken judges n8n's public settings: while showSetupOnFirstLoad is
// true, whoever opens the editor first becomes its owner.
func ownerTaken(a answer) verdict {
	if a.status != http.StatusOK {
		return retry
	}
	var s struct {
		Data struct {
			UserManagement struct {
				ShowSetupOnFirstLoad *bool `json:"showSetupOnFirstLoad"`
			} `json:"userManagement"`
		} `json:"data"`
	}
	if json.Unmarshal(a.body, &s) != nil || s.Data.UserManagement.ShowSetupOnFirstLoad == nil {
		return retry
	}
	if *s.Data.UserManagement.ShowSetupOnFirstLoad {
		return fail
	}
	return pass
}

// refused judges a request that must not reach the workload: the
// listener's 403, or (on AWS, where the ALB's group admits only
// CloudFront's addresses) no connection at all. An answer from the
// workload means the origin is open to anyone.
func refused(a answer) verdict {
	switch {
	case a.status == http.StatusForbidden, noConnection(a.err):
		return pass
	case a.status >= 200 && a.status < 400:
		return fail
	}
	return retry
}

// unreachable judges a path that must not connect at all (security groups
// drop it, or the address is private): only no connection passes. A
// served, redirected or guarded answer (2xx, 3xx, 401, 403) proves a
// listener and fails at once; other errors (throttling, a gateway's) say
// nothing yet and are asked again until the deadline.
func unreachable(a answer) verdict {
	switch {
	case noConnection(a.err):
		return pass
	case a.status >= 200 && a.status < 400, a.status == http.StatusUnauthorized, a.status == http.StatusForbidden:
		return fail
	}
	return retry
}

func noConnection(err error) bool {
	var ne net.Error
	// No route to a private address (an internal ALB's) is no connection too.
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
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
	key := ""
	if doc.Resources.SecretARN != "" {
		if key, err = s.apiKey(ctx, doc); err != nil {
			return err
		}
	}
	var results []result
	worst := pass
	skipping := ""
	for _, p := range ps {
		if skipping != "" && strings.HasPrefix(p.url, skipping) {
			continue
		}
		r := s.get(ctx, p, key)
		results = append(results, r)
		worst = max(worst, r.verdict)
		if p.gate && r.verdict != pass {
			skipping = strings.TrimSuffix(p.url, workload.HealthPath)
		}
	}
	now := s.Clock.Now()
	log := s.Logger(doc, testAction)
	due, _ := document.ParseTimestamp(doc.Deadlines[contract.StatusSmoke])
	if worst == fail || (worst == retry && !now.Before(due)) {
		log.Info("smoke test failed", "results", describe(results))
		return family.Failure(testAction, "smoke test failed: "+describe(results), remediation(doc))
	}
	if doc.Status == nil {
		doc.Status = map[string]document.Poll{}
	}
	if worst == pass {
		doc.Status[contract.StatusSmoke] = document.Poll{Status: "passed", Done: true, Percent: 100, Detail: describe(results)}
		p := doc.Report(now, document.StageSmoke, "Smoke test passed: "+passed(results), "")
		p.StagePercent = 100
		log.Info("smoke test passed")
		return nil
	}
	doc.Status[contract.StatusSmoke] = document.Poll{Status: "waiting", NextPollSeconds: pollSeconds, Detail: describe(results)}
	doc.Report(now, document.StageSmoke, "Smoke test: waiting for "+waiting(results), "")
	log.Debug("smoke test waiting", "results", describe(results))
	return nil
}

// apiKey reads the deployment's API key from its secret.
func (s *Step) apiKey(ctx context.Context, doc *document.Document) (string, error) {
	out, err := s.secrets(doc).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(doc.Resources.SecretARN)})
	if err != nil {
		return "", family.AWSFailure(testAction, fmt.Errorf("read the API key from %s: %w", doc.Resources.SecretARN, err),
			"Check that the smoke Lambda may call secretsmanager:GetSecretValue on the deployment's secret, then retry.")
	}
	secret, err := workload.ParseSecret(aws.ToString(out.SecretString))
	if err != nil {
		return "", family.Failure(testAction, fmt.Sprintf("secret %s: %v", doc.Resources.SecretARN, err),
			"The secret was changed by hand: restore its JSON fields (see the user guide), or destroy and deploy again.")
	}
	return secret.APIKey, nil
}

// get makes one request; the answer, or its failure, is described.
func (s *Step) get(ctx context.Context, p probe, key string) result {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return result{probe: p, got: err.Error(), verdict: fail}
	}
	if p.authorized {
		req.Header.Set("Authorization", workload.Authorization(key))
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return result{probe: p, got: err.Error(), verdict: p.judge(answer{err: err})}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	got := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if b := strings.TrimSpace(string(body[:min(len(body), bodyExcerpt)])); b != "" && !p.authorized {
		// An authorized answer is the service's data: not quoted.
		got += fmt.Sprintf(" %q", b)
	}
	return result{probe: p, got: got, verdict: p.judge(answer{status: resp.StatusCode, body: body})}
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
var family = step.Family{Name: contract.Smoke, Error: contract.SmokeTestFailed}

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
