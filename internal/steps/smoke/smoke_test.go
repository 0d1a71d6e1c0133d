package smoke_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/world"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/smoke"
)

const (
	cdnURL = "https://d111.cloudfront.net/healthz"
	albURL = "http://demo-alb-1.us-east-1.elb.amazonaws.com/healthz"
	ipURL  = "http://3.80.0.1/healthz"
)

// answer is what the fake internet gives one URL: a status, or an error.
type answer struct {
	status int
	err    error
}

// web is a RoundTripper answering from a table; it records the requests.
type web struct {
	answers map[string]answer
	asked   []*http.Request
}

func (w *web) RoundTrip(req *http.Request) (*http.Response, error) {
	w.asked = append(w.asked, req)
	a, ok := w.answers[req.URL.String()]
	if !ok {
		return nil, errors.New("unexpected request " + req.URL.String())
	}
	if a.err != nil {
		return nil, a.err
	}
	return &http.Response{StatusCode: a.status, Status: http.StatusText(a.status), Body: io.NopCloser(strings.NewReader("body " + http.StatusText(a.status))), Request: req}, nil
}

type fixture struct {
	web  *web
	clk  *clock.Virtual
	step *smoke.Step
}

func newFixture(answers map[string]answer) *fixture {
	w := &web{answers: answers}
	clk := clock.NewVirtual(world.Epoch)
	return &fixture{web: w, clk: clk, step: smoke.NewWithHTTP(aws.Config{}, clk, slog.New(slog.NewTextHandler(io.Discard, nil)), &http.Client{Transport: w})}
}

func (f *fixture) run(doc *document.Document, action string) error {
	return f.step.Actions()[action](context.Background(), doc)
}

func document_(t *testing.T, tier string, extra map[string]any) *document.Document {
	t.Helper()
	req := map[string]any{"deployment_id": "demo", "tier": tier}
	for k, v := range extra {
		req[k] = v
	}
	raw, err := json.Marshal(map[string]any{"request": req, "resources": map[string]any{
		"cloudfront_domain": "d111.cloudfront.net", "alb_dns": "demo-alb-1.us-east-1.elb.amazonaws.com", "public_ip": "3.80.0.1",
	}})
	require.NoError(t, err)
	var d document.Document
	require.NoError(t, json.Unmarshal(raw, &d))
	return &d
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
		asked   []string
	}{
		{"Tier 3: CloudFront serves, the ALB refuses with 403", "gpu", nil, map[string]answer{cdnURL: ok, albURL: forbidden}, []string{cdnURL, albURL}},
		{"Tier 3: the ALB's group drops the connection", "gpu", nil, map[string]answer{cdnURL: ok, albURL: timeout}, []string{cdnURL, albURL}},
		{"Tier 3: the ALB refuses the connection", "gpu", nil, map[string]answer{cdnURL: ok, albURL: refused}, []string{cdnURL, albURL}},
		{"Tier 3 asynchronous: only the ALB's refusal", "gpu", map[string]any{"wait_for_cloudfront": false}, map[string]answer{albURL: forbidden}, []string{albURL}},
		{"Tier 2: through the ALB", "automation", nil, map[string]answer{albURL: ok}, []string{albURL}},
		{"Tier 1: through the instance's address", "dev", nil, map[string]answer{ipURL: ok}, []string{ipURL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.answers)
			d := document_(t, tt.tier, tt.extra)
			require.NoError(t, f.run(d, smoke.ActionStart))
			p := d.Status[smoke.StatusKey]
			assert.True(t, p.Done)
			assert.Equal(t, 100, p.Percent)
			assert.Equal(t, document.StageSmoke, d.Progress.Stage)
			assert.Contains(t, d.Progress.Message, "Smoke test passed")
			var asked []string
			for _, r := range f.web.asked {
				asked = append(asked, r.URL.String())
				assert.Empty(t, r.Header.Values("X-Origin-Verify"), "the test never sends the origin secret")
			}
			assert.Equal(t, tt.asked, asked)
			assert.Equal(t, document.Timestamp(world.Epoch.Add(10*time.Minute)), d.Deadlines[smoke.StatusKey])
		})
	}
}

func TestWaitsThenPassesWhenPropagationCatchesUp(t *testing.T) {
	f := newFixture(map[string]answer{cdnURL: noHost, albURL: forbidden})
	d := document_(t, "gpu", nil)
	require.NoError(t, f.run(d, smoke.ActionStart))
	p := d.Status[smoke.StatusKey]
	assert.False(t, p.Done)
	assert.Equal(t, 20, p.NextPollSeconds)
	assert.Contains(t, d.Progress.Message, "waiting for "+cdnURL)
	assert.Contains(t, p.Detail, "no such host")

	f.clk.Advance(5 * time.Minute)
	f.web.answers[cdnURL] = answer{status: 502}
	require.NoError(t, f.run(d, smoke.ActionStatus))
	assert.False(t, d.Status[smoke.StatusKey].Done)
	assert.Contains(t, d.Status[smoke.StatusKey].Detail, "502")

	f.web.answers[cdnURL] = ok
	require.NoError(t, f.run(d, smoke.ActionStatus))
	assert.True(t, d.Status[smoke.StatusKey].Done)
	require.NoError(t, f.run(d, smoke.ActionStart), "a retried start keeps the deadline")
	assert.Equal(t, document.Timestamp(world.Epoch.Add(10*time.Minute)), d.Deadlines[smoke.StatusKey])
}

func TestFailsWithWhatWasAskedAndWhatCameBack(t *testing.T) {
	tests := []struct {
		name    string
		tier    string
		extra   map[string]any
		answers map[string]answer
		wait    time.Duration
		want    []string
	}{
		{"past the deadline", "gpu", nil, map[string]answer{cdnURL: {status: 504}, albURL: forbidden}, 10 * time.Minute,
			[]string{"GET " + cdnURL + " (CloudFront) → 504", "want 200", "Everything was rolled back"}},
		{"the ALB serves without the origin header: at once", "gpu", nil, map[string]answer{cdnURL: ok, albURL: ok}, 0,
			[]string{"GET " + albURL + " (the ALB without the origin header) → 200", "want refused"}},
		{"kept for debugging", "dev", map[string]any{"keep_on_smoke_failure": true, "region": "eu-west-1"}, map[string]answer{ipURL: refused}, 11 * time.Minute,
			[]string{"connection refused", "kept for debugging", `{"request": {"deployment_id": "demo", "region": "eu-west-1"}}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.answers)
			d := document_(t, tt.tier, tt.extra)
			err := f.run(d, smoke.ActionStart)
			if tt.wait > 0 {
				require.NoError(t, err)
				f.clk.Advance(tt.wait)
				err = f.run(d, smoke.ActionStatus)
			}
			var se *steperr.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, steperr.SmokeTestFailed, se.Name)
			for _, w := range tt.want {
				assert.Contains(t, se.Cause.Message+" "+se.Cause.Remediation, w)
			}
		})
	}
}

func TestNoEndpointInTheLedger(t *testing.T) {
	f := newFixture(nil)
	d := document_(t, "automation", nil)
	d.Resources.ALBDNS = ""
	err := f.run(d, smoke.ActionStart)
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Cause.Message, "the ledger lacks alb_dns")
	assert.Empty(t, f.web.asked)
}

func TestDefaultClientReportsRedirects(t *testing.T) {
	c := smoke.DefaultHTTPClient()
	assert.Equal(t, 10*time.Second, c.Timeout)
	assert.ErrorIs(t, c.CheckRedirect(nil, nil), http.ErrUseLastResponse)
	assert.NotNil(t, smoke.New(aws.Config{}, clock.Real{}, slog.Default()).Actions()[smoke.ActionStatus])
}
