package secrets_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/account"
	simsm "geusemaker/internal/sim/secretsmanager"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/secrets"
	"geusemaker/internal/steps/step"
	"geusemaker/internal/workload"
)

type env struct {
	w       *account.Account
	clk     *clock.Virtual
	model   *simsm.Model
	api     *sm.Client
	actions step.Actions
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewVirtual(account.Epoch)
	w := account.New(account.WithClock(clk))
	m := simsm.Register(w)
	// The Lambda runs in another region than the deployment: clients must
	// follow the request's region.
	step := secrets.New(w.Config("us-east-1"), clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &env{w: w, clk: clk, model: m, api: sm.NewFromConfig(w.Config("eu-west-1")), actions: step.Actions()}
}

func newDoc() *document.Document {
	return &document.Document{Run: "run1", Request: document.Request{DeploymentID: "demo", Tier: document.TierDev, Region: "eu-west-1"}}
}

func (e *env) run(action string, doc *document.Document) error {
	return e.actions[action](context.Background(), doc)
}

func stepError(t *testing.T, err error) *steperr.Error {
	t.Helper()
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	return se
}

func TestCreateStoresFreshCredentialsAndRecordsOnlyTheARN(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	require.NoError(t, e.run(contract.ActionCreate, doc))
	require.Regexp(t, `^arn:aws:secretsmanager:eu-west-1:123456789012:secret:geusemaker/demo/workload-`, doc.Resources.SecretARN)

	out, err := e.api.GetSecretValue(context.Background(), &sm.GetSecretValueInput{SecretId: aws.String(doc.Resources.SecretARN)})
	require.NoError(t, err)
	value, err := workload.ParseSecret(aws.ToString(out.SecretString))
	require.NoError(t, err)
	whole, err := json.Marshal(doc)
	require.NoError(t, err)
	for _, v := range value.Values() {
		assert.NotContains(t, string(whole), v, "a secret value reached the document")
	}
	d, err := e.api.DescribeSecret(context.Background(), &sm.DescribeSecretInput{SecretId: aws.String(doc.Resources.SecretARN)})
	require.NoError(t, err)
	tags := map[string]string{}
	for _, tg := range d.Tags {
		tags[*tg.Key] = *tg.Value
	}
	assert.Equal(t, "demo", tags[document.TagDeployment])
	assert.Equal(t, "geusemaker/demo/workload", tags["Name"])

	again := newDoc()
	require.NoError(t, e.run(contract.ActionCreate, again), "a redelivered create adopts the deployment's secret")
	assert.Equal(t, doc.Resources.SecretARN, again.Resources.SecretARN)
	assert.Len(t, e.w.Inventory(), 1)
}

func TestCreateRefusesAnotherOwnersSecret(t *testing.T) {
	e := newEnv(t)
	_, err := e.api.CreateSecret(context.Background(), &sm.CreateSecretInput{Name: aws.String("geusemaker/demo/workload"), SecretString: aws.String("theirs"),
		Tags: []types.Tag{{Key: aws.String(document.TagDeployment), Value: aws.String("other")}}})
	require.NoError(t, err)
	doc := newDoc()
	se := stepError(t, e.run(contract.ActionCreate, doc))
	assert.Equal(t, contract.SecretFailed, se.Name)
	assert.Contains(t, se.Cause.Message, "is not deployment demo's")
	assert.Contains(t, se.Cause.Remediation, "--force-delete-without-recovery")
	assert.Empty(t, doc.Resources.SecretARN)

	require.NoError(t, e.run(contract.ActionDelete, doc))
	v, ok := e.model.Value("eu-west-1", "geusemaker/demo/workload")
	assert.True(t, ok, "destroy never deletes another owner's secret")
	assert.Equal(t, "theirs", v)
}

func TestRedeployRightAfterDestroyWaitsOutTheAsynchronousDeletion(t *testing.T) {
	e := newEnv(t)
	first := newDoc()
	require.NoError(t, e.run(contract.ActionCreate, first))
	require.NoError(t, e.run(contract.ActionDelete, first))
	require.NoError(t, e.run(contract.ActionDelete, first), "deleting twice is done")

	redeploy := newDoc()
	redeploy.Run = "run2"
	se := stepError(t, e.run(contract.ActionCreate, redeploy))
	assert.Equal(t, contract.ResourceBusy, se.Name, "the state machine retries ResourceBusy")
	assert.Equal(t, "InvalidRequestException", se.Cause.AWSErrorCode)

	e.clk.Advance(simsm.Defaults()[simsm.LatencyForceDelete])
	require.NoError(t, e.run(contract.ActionCreate, redeploy))
	assert.NotEqual(t, first.Resources.SecretARN, redeploy.Resources.SecretARN)
}

func TestDeleteFindsTheSecretByNameWhenTheLedgerLostIt(t *testing.T) {
	e := newEnv(t)
	doc := newDoc()
	require.NoError(t, e.run(contract.ActionCreate, doc))
	require.NoError(t, e.run(contract.ActionDelete, newDoc()))
	e.clk.Advance(time.Minute)
	assert.Empty(t, e.w.Inventory())
}

func TestErrorsAreNamedWithRemediations(t *testing.T) {
	for _, tc := range []struct {
		name, action, op, code, want string
	}{
		{"create denied", contract.ActionCreate, "CreateSecret", "AccessDeniedException", contract.SecretFailed},
		// The SDK's retryer counts LimitExceededException among its throttle
		// codes (aws/retry DefaultThrottleErrorCodes), so a persistent one
		// ends as Throttled, as it would against AWS.
		{"create quota", contract.ActionCreate, "CreateSecret", "LimitExceededException", contract.Throttled},
		{"create throttled", contract.ActionCreate, "CreateSecret", "ThrottlingException", contract.Throttled},
		{"adoption look-up denied", contract.ActionCreate, "DescribeSecret", "AccessDeniedException", contract.SecretFailed},
		{"delete denied", contract.ActionDelete, "DeleteSecret", "AccessDeniedException", contract.SecretFailed},
		{"sweep denied", contract.ActionDelete, "DescribeSecret", "AccessDeniedException", contract.SecretFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			doc := newDoc()
			if tc.op == "DescribeSecret" && tc.action == contract.ActionCreate {
				// The adoption path: the name is taken by an earlier attempt.
				require.NoError(t, e.run(contract.ActionCreate, newDoc()))
			}
			if tc.op == "DeleteSecret" {
				require.NoError(t, e.run(contract.ActionCreate, doc))
			}
			e.w.Inject(account.Fault{Service: simsm.ServiceID, Operation: tc.op, Code: tc.code, Times: 10})
			se := stepError(t, e.run(tc.action, doc))
			assert.Equal(t, tc.want, se.Name)
			assert.Equal(t, tc.code, se.Cause.AWSErrorCode)
			assert.NotEmpty(t, se.Cause.Remediation)
		})
	}
}
