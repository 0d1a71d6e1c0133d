package smoke_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	simsm "geusemaker/internal/sim/secretsmanager"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/smoke"
	"geusemaker/internal/workload"
)

const (
	cdn    = "https://d111.cloudfront.net"
	alb    = "http://demo-alb-1.us-east-1.elb.amazonaws.com"
	ip     = "http://3.80.0.1"
	cdnURL = cdn + "/healthz"
	albURL = alb + "/healthz"
	ipURL  = ip + "/healthz"
	apiKey = "k3y"
)

// answer is what the fake internet gives one URL: a status, or an error.
type answer struct {
	status int
	body   string
	err    error
}

// web is a RoundTripper: a table of answers by URL first, else each served
// base answers as a healthy, locked-down workload; it records the requests.
type web struct {
	answers map[string]answer
	// served are the entry points that answer as the workload does.
	served map[string]bool
	// open lets anonymous requests through to the protected routes.
	open bool
	// claimable is n8n without an owner.
	claimable bool
	asked     []*http.Request
}

func (w *web) RoundTrip(req *http.Request) (*http.Response, error) {
	w.asked = append(w.asked, req)
	a, ok := w.answers[req.URL.String()]
	if !ok {
		base := req.URL.Scheme + "://" + req.URL.Host
		if !w.served[base] {
			return nil, errors.New("unexpected request " + req.URL.String())
		}
		a = w.workload(req)
	}
	if a.err != nil {
		return nil, a.err
	}
	body := a.body
	if body == "" {
		body = "body " + http.StatusText(a.status)
	}
	return &http.Response{StatusCode: a.status, Status: http.StatusText(a.status), Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

func (w *web) workload(req *http.Request) answer {
	switch req.URL.Path {
	case "/healthz":
		return answer{status: 200}
	case workload.SettingsPath:
		return answer{status: 200, body: fmt.Sprintf(`{"data":{"userManagement":{"showSetupOnFirstLoad":%t}}}`, w.claimable)}
	}
	if !w.open && req.Header.Get("Authorization") != "Bearer "+apiKey {
		return answer{status: 401}
	}
	return answer{status: 200, body: "data"}
}

type fixture struct {
	web  *web
	clk  *clock.Virtual
	sim  *account.Account
	step *smoke.Step
}

func newFixture(t *testing.T, answers map[string]answer, served ...string) *fixture {
	t.Helper()
	w := &web{answers: answers, served: map[string]bool{}}
	for _, s := range served {
		w.served[s] = true
	}
	clk := clock.NewVirtual(account.Epoch)
	sim := account.New(account.WithClock(clk))
	simsm.Register(sim)
	for _, region := range []string{"us-east-1", publicOriginRegion} {
		_, err := sm.NewFromConfig(sim.Config(region)).CreateSecret(context.Background(), &sm.CreateSecretInput{
			Name: aws.String("geusemaker/demo/workload"), SecretString: aws.String(workload.Secret{
				N8NOwnerEmail: workload.OwnerEmail, N8NOwnerPassword: "P4ssword", APIKey: apiKey, PostgresPassword: "pg"}.JSON()),
		})
		require.NoError(t, err)
	}
	return &fixture{web: w, clk: clk, sim: sim,
		step: smoke.NewWithHTTP(sim.Config("us-west-2"), clk, slog.New(slog.NewTextHandler(io.Discard, nil)), &http.Client{Transport: w})}
}

func (f *fixture) run(doc *document.Document, action string) error {
	return f.step.Actions()[action](context.Background(), doc)
}

// publicOriginRegion offers no CloudFront VPC origins: its Tier 3 ALB is
// internet-facing and answers 403 without CloudFront's header.
const publicOriginRegion = "ap-southeast-6"

// secretARN is the ARN the fixture's simulated account gives its secret.
func (f *fixture) secretARN(t *testing.T, region string) string {
	t.Helper()
	out, err := sm.NewFromConfig(f.sim.Config(region)).DescribeSecret(context.Background(), &sm.DescribeSecretInput{SecretId: aws.String("geusemaker/demo/workload")})
	require.NoError(t, err)
	return *out.ARN
}

func (f *fixture) document(t *testing.T, tier string, extra map[string]any) *document.Document {
	t.Helper()
	req := map[string]any{"deployment_id": "demo", "tier": tier, "region": "us-east-1"}
	for k, v := range extra {
		req[k] = v
	}
	raw, err := json.Marshal(map[string]any{"request": req, "resources": map[string]any{
		"cloudfront_domain": "d111.cloudfront.net", "alb_dns": "demo-alb-1.us-east-1.elb.amazonaws.com", "public_ip": "3.80.0.1",
		"secret_arn": f.secretARN(t, req["region"].(string)),
	}})
	require.NoError(t, err)
	var d document.Document
	require.NoError(t, json.Unmarshal(raw, &d))
	return &d
}

// servedURLs are the requests the smoke test makes of an entry point that
// answers: health, n8n's settings, each route without and with the key.
func servedURLs(base string) []string {
	out := []string{base + "/healthz", base + workload.SettingsPath}
	for _, r := range workload.Routes() {
		out = append(out, base+r.Probe, base+r.Probe)
	}
	return out
}

var (
	ok        = answer{status: 200}
	forbidden = answer{status: 403}
	refused   = answer{err: &url.Error{Op: "Get", URL: albURL, Err: syscall.ECONNREFUSED}}
	timeout   = answer{err: &url.Error{Op: "Get", URL: albURL, Err: timeoutErr{}}}
	noHost    = answer{err: errors.New("dial tcp: lookup: no such host")}
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestPassesAtOnceWhenTrafficFlows(t *testing.T) {
	tests := []struct {
		name    string
		tier    string
		extra   map[string]any
		answers map[string]answer
		served  string
		asked   []string
	}{
		{"Tier 3: CloudFront serves, the internal ALB and the instance are unreachable", "gpu", nil,
			map[string]answer{albURL: timeout, ipURL: timeout}, cdn, append(servedURLs(cdn), albURL, ipURL)},
		{"Tier 3: the ALB refuses the connection", "gpu", nil, map[string]answer{albURL: refused, ipURL: refused}, cdn, append(servedURLs(cdn), albURL, ipURL)},
		{"Tier 3 without VPC origins: the public ALB refuses with 403", "gpu", map[string]any{"region": publicOriginRegion},
			map[string]answer{albURL: forbidden, ipURL: timeout}, cdn, append(servedURLs(cdn), albURL, ipURL)},
		{"Tier 3 without VPC origins: the ALB's group drops the connection", "gpu", map[string]any{"region": publicOriginRegion},
			map[string]answer{albURL: timeout, ipURL: timeout}, cdn, append(servedURLs(cdn), albURL, ipURL)},
		{"Tier 3 asynchronous: only the closed paths", "gpu", map[string]any{"wait_for_cloudfront": false}, map[string]answer{albURL: timeout, ipURL: timeout}, "", []string{albURL, ipURL}},
		{"Tier 2: through the ALB", "automation", nil, map[string]answer{ipURL: timeout}, alb, append(servedURLs(alb), ipURL)},
		{"Tier 1: through the instance's address", "dev", nil, nil, ip, servedURLs(ip)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.answers, tt.served)
			d := f.document(t, tt.tier, tt.extra)
			require.NoError(t, f.run(d, contract.ActionStart))
			p := d.Status[contract.StatusSmoke]
			require.True(t, p.Done, p.Detail)
			assert.Equal(t, 100, p.Percent)
			assert.Equal(t, document.StageSmoke, d.Progress.Stage)
			assert.Contains(t, d.Progress.Message, "Smoke test passed")
			var asked []string
			authorized := 0
			for _, r := range f.web.asked {
				asked = append(asked, r.URL.String())
				assert.Empty(t, r.Header.Values("X-Origin-Verify"), "the test never sends the origin secret")
				if r.Header.Get("Authorization") != "" {
					authorized++
				}
			}
			assert.Equal(t, tt.asked, asked)
			if tt.served != "" {
				assert.Equal(t, len(workload.Routes()), authorized, "only the with-key probes carry the key")
			}
			assert.Equal(t, document.Timestamp(account.Epoch.Add(10*time.Minute)), d.Deadlines[contract.StatusSmoke])
			whole, err := json.Marshal(d)
			require.NoError(t, err)
			assert.NotContains(t, string(whole), apiKey, "the key never reaches the document")
		})
	}
}

func TestWaitsThenPassesWhenPropagationCatchesUp(t *testing.T) {
	f := newFixture(t, map[string]answer{cdnURL: noHost, albURL: timeout, ipURL: timeout}, cdn)
	d := f.document(t, "gpu", nil)
	require.NoError(t, f.run(d, contract.ActionStart))
	p := d.Status[contract.StatusSmoke]
	assert.False(t, p.Done)
	assert.Equal(t, 20, p.NextPollSeconds)
	assert.Contains(t, d.Progress.Message, "waiting for "+cdnURL)
	assert.Contains(t, p.Detail, "no such host")
	assert.Len(t, f.web.asked, 3, "nothing behind a silent /healthz is tried")

	f.clk.Advance(5 * time.Minute)
	f.web.answers[cdnURL] = answer{status: 502}
	require.NoError(t, f.run(d, contract.ActionStatus))
	assert.False(t, d.Status[contract.StatusSmoke].Done)
	assert.Contains(t, d.Status[contract.StatusSmoke].Detail, "502")

	delete(f.web.answers, cdnURL)
	require.NoError(t, f.run(d, contract.ActionStatus))
	assert.True(t, d.Status[contract.StatusSmoke].Done)
	require.NoError(t, f.run(d, contract.ActionStart), "a retried start keeps the deadline")
	assert.Equal(t, document.Timestamp(account.Epoch.Add(10*time.Minute)), d.Deadlines[contract.StatusSmoke])
}

func TestFailsWithWhatWasAskedAndWhatCameBack(t *testing.T) {
	tests := []struct {
		name    string
		tier    string
		extra   map[string]any
		answers map[string]answer
		served  string
		change  func(*web)
		wait    time.Duration
		want    []string
	}{
		{"past the deadline", "gpu", nil, map[string]answer{cdnURL: {status: 504}, albURL: timeout, ipURL: timeout}, cdn, nil, 10 * time.Minute,
			[]string{"GET " + cdnURL + " (CloudFront) → 504", "want 200", "Everything was rolled back"}},
		{"the internal ALB answers from the internet: at once", "gpu", nil, map[string]answer{albURL: forbidden, ipURL: timeout}, cdn, nil, 0,
			[]string{"GET " + albURL + " (the internal ALB) → 403", "want no connection"}},
		{"the ALB serves without the origin header: at once", "gpu", map[string]any{"region": publicOriginRegion},
			map[string]answer{albURL: ok, ipURL: timeout}, cdn, nil, 0,
			[]string{"GET " + albURL + " (the ALB without the origin header) → 200", "want refused"}},
		{"the instance answers behind the ALB: at once", "automation", nil, map[string]answer{ipURL: {status: 401}}, alb, nil, 0,
			[]string{"GET " + ipURL + " (the instance's own address) → 401", "want no connection"}},
		{"a route serves without the key: at once", "dev", nil, nil, ip, func(w *web) { w.open = true }, 0,
			[]string{"GET " + ip + "/api/ollama/api/tags (the instance, ollama without the API key) → 200", "want 401"}},
		{"n8n's owner can be claimed: at once", "automation", nil, map[string]answer{ipURL: timeout}, alb, func(w *web) { w.claimable = true }, 0,
			[]string{"GET " + alb + workload.SettingsPath + " (the ALB, n8n's owner)", "showSetupOnFirstLoad false"}},
		{"kept for debugging", "dev", map[string]any{"keep_on_smoke_failure": true}, map[string]answer{ipURL: refused}, "", nil, 11 * time.Minute,
			[]string{"connection refused", "kept for debugging", `{"request": {"deployment_id": "demo", "region": "us-east-1"}}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.answers, tt.served)
			if tt.change != nil {
				tt.change(f.web)
			}
			d := f.document(t, tt.tier, tt.extra)
			err := f.run(d, contract.ActionStart)
			if tt.wait > 0 {
				require.NoError(t, err)
				f.clk.Advance(tt.wait)
				err = f.run(d, contract.ActionStatus)
			}
			var se *steperr.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, contract.SmokeTestFailed, se.Name)
			for _, w := range tt.want {
				assert.Contains(t, se.Cause.Message+" "+se.Cause.Remediation, w)
			}
			assert.NotContains(t, se.CauseJSON(), apiKey)
		})
	}
}

func TestUnreadableSecretFailsWithTheAWSCode(t *testing.T) {
	f := newFixture(t, nil, ip)
	d := f.document(t, "dev", nil)
	f.sim.Inject(account.Fault{Service: simsm.ServiceID, Operation: "GetSecretValue", Code: "AccessDeniedException", Times: 5})
	var se *steperr.Error
	require.ErrorAs(t, f.run(d, contract.ActionStart), &se)
	assert.Equal(t, contract.SmokeTestFailed, se.Name)
	assert.Equal(t, "AccessDeniedException", se.Cause.AWSErrorCode)
	assert.Contains(t, se.Cause.Remediation, "secretsmanager:GetSecretValue")
	assert.Empty(t, f.web.asked)
}

func TestNoEndpointInTheLedger(t *testing.T) {
	f := newFixture(t, nil)
	d := f.document(t, "automation", nil)
	d.Resources.ALBDNS = ""
	err := f.run(d, contract.ActionStart)
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Cause.Message, "the ledger lacks alb_dns")
	assert.Empty(t, f.web.asked)
}

func TestDefaultClientReportsRedirects(t *testing.T) {
	c := smoke.DefaultHTTPClient()
	assert.Equal(t, 10*time.Second, c.Timeout)
	assert.ErrorIs(t, c.CheckRedirect(nil, nil), http.ErrUseLastResponse)
	assert.NotNil(t, smoke.New(aws.Config{}, clock.Real{}, slog.Default()).Actions()[contract.ActionStatus])
}
