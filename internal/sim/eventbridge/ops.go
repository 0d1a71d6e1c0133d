package eventbridge

import (
	"context"

	sdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"geusemaker/internal/sim/world"
)

// Operations maps the EventBridge operations GeuseMaker uses to handlers.
func (m *Model) Operations() map[string]world.Handler {
	return map[string]world.Handler{
		"PutEvents": world.Op(m.putEvents),
	}
}

func (m *Model) putEvents(_ context.Context, in *sdk.PutEventsInput) (*sdk.PutEventsOutput, error) {
	return m.put(in.Entries)
}
