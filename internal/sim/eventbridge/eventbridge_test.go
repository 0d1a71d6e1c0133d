package eventbridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
	"geusemaker/internal/sim/account"
	simeb "geusemaker/internal/sim/eventbridge"
)

func entry(bus, detailType, detail string) types.PutEventsRequestEntry {
	e := types.PutEventsRequestEntry{Source: aws.String("geusemaker"), DetailType: aws.String(detailType), Detail: aws.String(detail)}
	if bus != "" {
		e.EventBusName = aws.String(bus)
	}
	return e
}

func newFixture(t *testing.T) (*account.Account, *simeb.Model, *sdk.Client) {
	t.Helper()
	w := account.New()
	return w, simeb.Register(w), sdk.NewFromConfig(w.Config("us-east-1"))
}

func TestPutEventsCapturesEventsInOrder(t *testing.T) {
	w, m, client := newFixture(t)
	ctx := context.Background()
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	withTime := entry("", "Deployment Completed", `{"n8n_url":"https://d1.cloudfront.net"}`)
	withTime.Time = &at

	out, err := client.PutEvents(ctx, &sdk.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		entry("geusemaker", "Deployment Progress", `{"stage":"cdn","percent":40}`),
		entry("arn:aws:events:us-east-1:123456789012:event-bus/geusemaker", "Deployment Progress", `{"stage":"cdn","percent":80}`),
	}})
	require.NoError(t, err)
	assert.Zero(t, out.FailedEntryCount)
	require.Len(t, out.Entries, 2)
	assert.NotEmpty(t, aws.ToString(out.Entries[0].EventId))

	w.Clock().(*clock.Virtual).Advance(time.Minute)
	_, err = client.PutEvents(ctx, &sdk.PutEventsInput{Entries: []types.PutEventsRequestEntry{withTime}})
	require.NoError(t, err)

	events := m.Events()
	require.Len(t, events, 3)
	assert.Equal(t, simeb.Event{
		ID: aws.ToString(out.Entries[0].EventId), Time: account.Epoch, Bus: "geusemaker", Source: "geusemaker",
		DetailType: "Deployment Progress", Detail: `{"stage":"cdn","percent":40}`,
	}, events[0])
	assert.Equal(t, "geusemaker", events[1].Bus, "a bus ARN is recorded by name")
	assert.Equal(t, simeb.DefaultBus, events[2].Bus)
	assert.Equal(t, at, events[2].Time, "an entry's own time wins")

	progress := m.EventsOfType("Deployment Progress")
	require.Len(t, progress, 2)
	assert.Contains(t, progress[1].Detail, `"percent":80`)
	assert.Len(t, m.EventsOfType("Deployment Completed"), 1)
	assert.Empty(t, w.Inventory())
}

func TestPutEventsFailsInvalidEntriesOneByOne(t *testing.T) {
	_, m, client := newFixture(t)
	noDetail := entry("", "Deployment Progress", "")
	out, err := client.PutEvents(context.Background(), &sdk.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		entry("", "Deployment Progress", `{"ok":true}`),
		noDetail,
		entry("", "Deployment Progress", `not json`),
		entry("", "Deployment Progress", `[1,2]`),
	}})
	require.NoError(t, err)
	assert.Equal(t, int32(3), out.FailedEntryCount)
	assert.NotEmpty(t, aws.ToString(out.Entries[0].EventId))
	assert.Equal(t, simeb.ErrInvalidArgument, aws.ToString(out.Entries[1].ErrorCode))
	assert.Equal(t, simeb.ErrMalformedDetail, aws.ToString(out.Entries[2].ErrorCode))
	assert.Equal(t, simeb.ErrMalformedDetail, aws.ToString(out.Entries[3].ErrorCode))
	assert.Len(t, m.Events(), 1)
}

func TestPutEventsRejectsWholeRequests(t *testing.T) {
	tests := []struct {
		name    string
		entries []types.PutEventsRequestEntry
	}{
		{"no entry has the required fields", []types.PutEventsRequestEntry{{Source: aws.String("geusemaker")}}},
		{"more than 10 entries", make11()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, m, client := newFixture(t)
			_, err := client.PutEvents(context.Background(), &sdk.PutEventsInput{Entries: tt.entries})
			var ae smithy.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "ValidationException", ae.ErrorCode())
			assert.Empty(t, m.Events())
		})
	}
}

func make11() []types.PutEventsRequestEntry {
	out := make([]types.PutEventsRequestEntry, 11)
	for i := range out {
		out[i] = entry("", "Deployment Progress", `{}`)
	}
	return out
}

func TestPutTakesTheStepFunctionsIntegrationsEntries(t *testing.T) {
	w, m, _ := newFixture(t)
	e := entry("geusemaker", "Deployment Progress", `{"stage":"validate"}`)
	e.Resources = []string{"arn:aws:states:us-east-1:123456789012:execution:deploy:run-1"}

	out, err := m.Put([]types.PutEventsRequestEntry{e, entry("geusemaker", "", `{}`)})
	require.NoError(t, err)
	assert.Equal(t, int32(1), out.FailedEntryCount)
	events := m.Events()
	require.Len(t, events, 1)
	assert.Equal(t, e.Resources, events[0].Resources)
	assert.Empty(t, w.Calls(), "Put bypasses the SDK and the call log")

	_, err = m.Put(nil)
	require.Error(t, err)
}
