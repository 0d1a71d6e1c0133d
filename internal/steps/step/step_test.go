package step_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/step"
)

var family = step.Family{
	Name:         "network",
	Error:        contract.NetworkFailed,
	Remediations: map[string]string{"VpcLimitExceeded": "delete a VPC"},
	Busy:         map[string]string{"DependencyViolation": "still in use: retried"},
}

func request(t *testing.T, js string) document.Request {
	t.Helper()
	var req document.Request
	require.NoError(t, json.Unmarshal([]byte(js), &req))
	return req
}

func TestFamilyNamesItsFailures(t *testing.T) {
	apiErr := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "m"} }
	tests := []struct {
		name                         string
		got                          *steperr.Error
		wantName, wantStep, wantCode string
		wantRemedy                   string
	}{
		{"AWS failure with a known code takes its remediation", family.AWSFailure("resolve", apiErr("VpcLimitExceeded"), "fallback"),
			contract.NetworkFailed, "network-resolve", "VpcLimitExceeded", "delete a VPC"},
		{"AWS failure with another code takes the fallback", family.AWSFailure("delete", apiErr("InvalidVpcID.NotFound"), "fallback"),
			contract.NetworkFailed, "network-delete", "InvalidVpcID.NotFound", "fallback"},
		{"throttling is Throttled whatever the family", family.AWSFailure("resolve", apiErr("RequestLimitExceeded"), "fallback"),
			contract.Throttled, "network-resolve", "RequestLimitExceeded", ""},
		{"AWS failure with a busy code is retried ResourceBusy", family.AWSFailure("delete", apiErr("DependencyViolation"), "fallback"),
			contract.ResourceBusy, "network-delete", "DependencyViolation", "still in use: retried"},
		{"failure without AWS error", family.Failure("resolve", "no subnets", "add subnets"),
			contract.NetworkFailed, "network-resolve", "", "add subnets"},
		{"busy is retried ResourceBusy", family.ResourceBusy("delete", apiErr("DependencyViolation"), "wait"),
			contract.ResourceBusy, "network-delete", "DependencyViolation", "wait"},
		{"missing input is an InternalError", family.Missing("delete", "VPC id"),
			contract.InternalError, "network-delete", "", "The state machine and the Lambda code are from different versions: redeploy the stack."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantName, tt.got.Name)
			assert.Equal(t, tt.wantStep, tt.got.Cause.Step)
			assert.Equal(t, tt.wantCode, tt.got.Cause.AWSErrorCode)
			if tt.wantRemedy == "" {
				assert.NotEqual(t, "fallback", tt.got.Cause.Remediation)
			} else {
				assert.Equal(t, tt.wantRemedy, tt.got.Cause.Remediation)
			}
		})
	}
	assert.Contains(t, family.Missing("delete", "VPC id").Cause.Message, "the ledger has no VPC id; delete runs after")
}

func TestConfigIsInTheRequestsRegionWithoutChangingTheLambdas(t *testing.T) {
	tests := []struct {
		name, request, want string
	}{
		{"request region wins", `{"deployment_id":"demo","region":"eu-west-1"}`, "eu-west-1"},
		{"no region keeps the Lambda's", `{"deployment_id":"demo"}`, "us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := step.New(family, aws.Config{Region: "us-east-1"}, clock.NewVirtual(time.Unix(0, 0)), slog.Default())
			doc := &document.Document{Request: request(t, tt.request)}
			assert.Equal(t, tt.want, base.Config(doc).Region)
			assert.Equal(t, "us-east-1", base.Config(&document.Document{}).Region, "the Lambda's config is copied, not changed")
		})
	}
}

func TestLoggerAddsDeploymentAndStep(t *testing.T) {
	var buf bytes.Buffer
	base := step.New(family, aws.Config{}, clock.NewVirtual(time.Unix(0, 0)), slog.New(slog.NewJSONHandler(&buf, nil)))
	base.Logger(&document.Document{Request: request(t, `{"deployment_id":"demo"}`)}, "resolve").Info("hello")
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	assert.Equal(t, "demo", line["deployment_id"])
	assert.Equal(t, "network-resolve", line["step"])
}

func TestTagsAreTheRequestsPlusNameSortedByKey(t *testing.T) {
	type kv struct{ k, v string }
	tag := func(k, v string) kv { return kv{k, v} }
	req := request(t, `{"deployment_id":"demo","region":"us-east-1","tags":{"Team":"ai","Alpha":"a"}}`)
	tests := []struct {
		name, tagName string
		wantName      bool
	}{
		{"with a name", "demo-efs", true},
		{"empty name adds no Name tag", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := step.Tags(req, tt.tagName, tag)
			keys := make([]string, len(got))
			values := map[string]string{}
			for i, g := range got {
				keys[i] = g.k
				values[g.k] = g.v
			}
			assert.IsIncreasing(t, keys, "sorted by key")
			assert.Equal(t, "demo", values[document.TagDeployment])
			assert.Equal(t, "ai", values["Team"])
			assert.Equal(t, "a", values["Alpha"])
			name, ok := values["Name"]
			assert.Equal(t, tt.wantName, ok)
			assert.Equal(t, tt.tagName, name)
			assert.Len(t, got, len(req.Tags())+map[bool]int{true: 1}[tt.wantName])
		})
	}
}
