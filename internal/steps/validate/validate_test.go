package validate_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/document"
	"geusemaker/internal/sim/world"
	"geusemaker/internal/steps/validate"
)

func TestValidateRecordsStageAndProgress(t *testing.T) {
	var doc document.Document
	require.NoError(t, json.Unmarshal([]byte(`{"request":{"deployment_id":"demo","tier":"gpu"}}`), &doc))
	s := validate.New(aws.Config{}, clock.NewVirtual(world.Epoch), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, s.Actions()["validate"](context.Background(), &doc))

	require.NotNil(t, doc.Progress)
	assert.Equal(t, document.StageValidate, doc.Progress.Stage)
	assert.Contains(t, doc.Progress.Message, "demo")
	assert.Contains(t, doc.Progress.Message, "g4dn.xlarge")
	assert.Equal(t, document.Timestamp(world.Epoch), doc.Timings[document.StageValidate].StartedAt)
}
