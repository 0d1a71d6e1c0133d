package eventbridge

import (
	"context"

	sdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"geusemaker/internal/sim/account"
)

// Operations maps the EventBridge operations GeuseMaker uses to handlers.
func (m *Model) Operations() map[string]account.Handler {
	return map[string]account.Handler{
		"PutEvents": account.Op(m.putEvents),
	}
}

func (m *Model) putEvents(_ context.Context, in *sdk.PutEventsInput) (*sdk.PutEventsOutput, error) {
	return m.put(in.Entries)
}
