package finalize_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/finalize"
)

var epoch = time.Date(2026, 1, 1, 0, 20, 0, 0, time.UTC)

func run(t *testing.T, doc *document.Document) (string, error) {
	t.Helper()
	var logs bytes.Buffer
	s := finalize.New(aws.Config{}, clock.NewVirtual(epoch), slog.New(slog.NewTextHandler(&logs, nil)))
	act, ok := s.Actions()[contract.ActionFinalize]
	require.True(t, ok)
	err := act(context.Background(), doc)
	return logs.String(), err
}

func TestFinalizeWritesTheURLOfEachTier(t *testing.T) {
	ledger := document.Ledger{CloudFrontDomain: "d0000000000001.cloudfront.net", ALBDNS: "demo-alb-1.us-east-1.elb.amazonaws.com", PublicIP: "203.0.113.7"}
	tests := []struct {
		name     string
		req      document.Request
		url, msg string
	}{
		{"tier 3 through CloudFront", document.Request{Tier: document.TierGPU, EnableALB: true, EnableCDN: true},
			"https://d0000000000001.cloudfront.net", "CloudFront Domain: d0000000000001.cloudfront.net"},
		{"tier 2 through the ALB", document.Request{Tier: document.TierAutomation, EnableALB: true},
			"http://demo-alb-1.us-east-1.elb.amazonaws.com", "n8n is available at http://demo-alb-1.us-east-1.elb.amazonaws.com"},
		{"tier 1 on the instance", document.Request{Tier: document.TierDev},
			"http://203.0.113.7", "n8n is available at http://203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := &document.Document{Request: tt.req, Resources: ledger}
			_, err := run(t, doc)
			require.NoError(t, err)
			assert.Equal(t, tt.url, doc.Resources.N8NURL)
			assert.Equal(t, &document.Progress{
				Stage: document.StageFinalize, Message: tt.msg, Percent: 100, CloudFrontDomain: ledger.CloudFrontDomain,
			}, doc.Progress)
			ts := document.Timestamp(epoch)
			assert.Equal(t, document.Timing{StartedAt: ts, EndedAt: ts}, doc.Timings[document.StageFinalize])
		})
	}
}

func TestFinalizeWithoutTheEndpointIsAnInternalError(t *testing.T) {
	doc := &document.Document{Request: document.Request{Tier: document.TierGPU, EnableALB: true, EnableCDN: true}}
	_, err := run(t, doc)
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, contract.InternalError, se.Name)
	assert.Contains(t, se.Cause.Message, "cloudfront_domain")
	assert.NotEmpty(t, se.Cause.Remediation)
	assert.Empty(t, doc.Resources.N8NURL)
}

func TestFinalizeLogsStageDurations(t *testing.T) {
	doc := &document.Document{
		Request:   document.Request{Tier: document.TierDev},
		Resources: document.Ledger{PublicIP: "203.0.113.7"},
		Timings: map[string]document.Timing{
			document.StageCompute:  {StartedAt: "2026-01-01T00:01:00Z", EndedAt: "2026-01-01T00:02:30Z"},
			document.StageNetwork:  {StartedAt: "2026-01-01T00:00:00Z", EndedAt: "2026-01-01T00:00:10Z"},
			document.StageStorage:  {StartedAt: "2026-01-01T00:00:10Z"},
			document.StageFinalize: {StartedAt: "2026-01-01T00:19:00Z"},
		},
	}
	logs, err := run(t, doc)
	require.NoError(t, err)
	assert.Contains(t, logs, "network=10s")
	assert.Contains(t, logs, "compute=1m30s")
	assert.Contains(t, logs, "finalize=1m0s")
	assert.NotContains(t, logs, "storage=")
	assert.Equal(t, "2026-01-01T00:19:00Z", doc.Timings[document.StageFinalize].StartedAt)

	assert.Equal(t, []finalize.StageDuration{
		{Stage: document.StageNetwork, Duration: 10 * time.Second},
		{Stage: document.StageCompute, Duration: 90 * time.Second},
		{Stage: document.StageFinalize, Duration: time.Minute},
	}, finalize.Durations(doc.Timings))
}

// describe_failure decodes what a Catch caught, whatever its shape, for the
// failure events: rules match on detail.cause.step and aws_error_code.
func TestDescribeFailureDecodesEveryCause(t *testing.T) {
	step := `{"errorMessage":"{\"message\":\"create VPC origin: denied\",\"step\":\"cloudfront-create\",\"aws_error_code\":\"AccessDenied\",\"remediation\":\"grant it\"}","errorType":"CloudFrontCreateFailed"}`
	rollback := map[string]document.RollbackEntry{"cloudfront": {Removal: document.Removal{Status: document.RemovalDeleted}}}
	tests := []struct {
		name  string
		cause string
		want  document.Cause
	}{
		{"a step's named error", step, document.Cause{Message: "create VPC origin: denied", Step: "cloudfront-create", AWSErrorCode: "AccessDenied", Remediation: "grant it"}},
		{"a Lambda runtime error", `{"errorMessage":"runtime error: index out of range","errorType":"Runtime.ExitError"}`, document.Cause{Message: "runtime error: index out of range"}},
		{"Step Functions' own text", "The state machine timed out", document.Cause{Message: "The state machine timed out"}},
	}
	s := finalize.New(aws.Config{}, clock.NewVirtual(epoch), slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := &document.Document{Error: &document.Failure{Error: "CloudFrontCreateFailed", Cause: tt.cause}, Rollback: rollback}
			require.NoError(t, s.Actions()[contract.ActionDescribeFailure](context.Background(), doc))
			assert.Equal(t, tt.want, *doc.Error.Detail)
			assert.Equal(t, &document.FailureReport{Error: "CloudFrontCreateFailed", Cause: &tt.want, Rollback: rollback}, doc.Failure)
		})
	}
	err := s.Actions()[contract.ActionDescribeFailure](context.Background(), &document.Document{})
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, contract.InternalError, se.Name)
}
