package validate_test

import (
	"context"
	"encoding/json"
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
	"geusemaker/internal/sim/account"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/validate"
)

func TestValidateRecordsStageAndProgress(t *testing.T) {
	var doc document.Document
	require.NoError(t, json.Unmarshal([]byte(`{"request":{"deployment_id":"demo","tier":"gpu"}}`), &doc))
	s := validate.New(aws.Config{Region: "us-east-1"}, clock.NewVirtual(account.Epoch), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, s.Actions()["validate"](context.Background(), &doc))

	require.NotNil(t, doc.Progress)
	assert.Equal(t, document.StageValidate, doc.Progress.Stage)
	assert.Contains(t, doc.Progress.Message, "demo")
	assert.Contains(t, doc.Progress.Message, "g4dn.xlarge")
	assert.Equal(t, 1, doc.Progress.Percent, "the deployment starts here: the lowest overall percent")
	assert.Equal(t, document.Timestamp(account.Epoch), doc.Timings[document.StageValidate].StartedAt)
	assert.Equal(t, document.NewRun(account.Epoch), doc.Run, "the run id is recorded before anything is created")
}

func TestValidateRecordsANewRunOnlyWhenAbsent(t *testing.T) {
	clk := clock.NewVirtual(account.Epoch)
	s := validate.New(aws.Config{Region: "us-east-1"}, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	validated := func(input string) document.Document {
		var doc document.Document
		require.NoError(t, json.Unmarshal([]byte(input), &doc))
		require.NoError(t, s.Actions()["validate"](context.Background(), &doc))
		return doc
	}
	first := validated(`{"request":{"deployment_id":"demo"}}`)
	assert.Equal(t, "given", validated(`{"request":{"deployment_id":"demo"},"run":"given"}`).Run, "a run set by the caller is kept")
	clk.Advance(time.Hour)
	second := validated(`{"request":{"deployment_id":"demo"}}`)
	assert.NotEqual(t, first.Run, second.Run, "a later deploy of the same id is another run")
	assert.NotEqual(t, first.Token("efs"), second.Token("efs"))
}

func TestValidateRefusesARegionOtherThanTheBackends(t *testing.T) {
	var doc document.Document
	require.NoError(t, json.Unmarshal([]byte(`{"request":{"deployment_id":"demo","region":"eu-west-1"}}`), &doc))
	s := validate.New(aws.Config{Region: "us-east-1"}, clock.NewVirtual(account.Epoch), slog.New(slog.NewTextHandler(io.Discard, nil)))
	err := s.Actions()["validate"](context.Background(), &doc)
	var se *steperr.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, contract.ValidationError, se.Name)
	assert.Contains(t, se.Cause.Message, "eu-west-1")
	assert.NotEmpty(t, se.Cause.Remediation)
	assert.Nil(t, doc.Progress, "a refused request records no progress")
}
