// Package lambdaio turns a step's actions into a Lambda handler: it decodes
// the state machine's payload ({"action", "document"}), runs the action,
// returns the updated document, and converts a step error into the Lambda
// error whose type is the ASL error name and whose message is the cause
// JSON, so Retry and Catch in the state machine match on it.
//
// It imports aws-lambda-go, steperr, document, awsapi and clock.
package lambdaio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/clock"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/steperr"
	"geusemaker/internal/steps/step"
)

// Event is the payload every step Lambda receives.
type Event struct {
	Action   string            `json:"action"`
	Document document.Document `json:"document"`
}

// Handler returns the Lambda handler of a step. It decodes the payload
// itself so that an invalid document ends as a ValidationError naming every
// problem, not as a decoding error of the Lambda runtime.
func Handler(name string, actions step.Actions, log *slog.Logger) func(context.Context, json.RawMessage) (*document.Document, error) {
	return func(ctx context.Context, payload json.RawMessage) (*document.Document, error) {
		var ev Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, InvokeError(name, invalid(name, err))
		}
		l := log.With("step", name, "action", ev.Action, "deployment_id", ev.Document.Request.DeploymentID)
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			l = l.With("aws_request_id", lc.AwsRequestID)
		}
		act, ok := actions[ev.Action]
		if !ok {
			err := steperr.New(contract.InternalError, name,
				fmt.Sprintf("unknown action %q (known: %s)", ev.Action, strings.Join(names(actions), ", ")),
				"The state machine and the Lambda code are from different versions: redeploy the stack.")
			return nil, InvokeError(name, err)
		}
		doc := ev.Document
		if err := act(ctx, &doc); err != nil {
			ie := InvokeError(name, err)
			l.Error("step failed", "error", ie.Type, "cause", ie.Message)
			return nil, ie
		}
		l.Info("step done")
		return &doc, nil
	}
}

// InvokeError converts err into the error Lambda reports: a named step
// error keeps its name; throttling becomes Throttled; anything else is an
// InternalError carrying err's message and AWS details.
func InvokeError(step string, err error) messages.InvokeResponse_Error {
	var se *steperr.Error
	if !errors.As(err, &se) {
		name := contract.InternalError
		if awsapi.IsThrottle(err) {
			name = contract.Throttled
		}
		se = steperr.FromAWS(name, step, err,
			"An unexpected error: check the Lambda's log group for this request id, then retry the deployment.")
	}
	return messages.InvokeResponse_Error{Type: se.Name, Message: se.CauseJSON()}
}

// invalid names a payload that does not decode.
func invalid(step string, err error) error {
	var ve *document.ValidationError
	if errors.As(err, &ve) {
		return steperr.New(contract.ValidationError, step, ve.Error(),
			"Fix the request fields named in the message and start the deployment again; nothing was created.")
	}
	return steperr.New(contract.ValidationError, step, "the payload is not a deployment document: "+err.Error(),
		`Start the state machine with {"request": {...}} as input (see events/tier1-dev.json).`)
}

func names(actions step.Actions) []string {
	out := make([]string, 0, len(actions))
	for n := range actions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Start runs a step as a Lambda function: JSON logs to stdout, AWS config
// from the standard chain, the wall clock.
func Start(name string, build Builder) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := awsapi.Load(context.Background())
	if err != nil {
		log.Error("cannot start", "step", name, "error", err)
		os.Exit(1)
	}
	lambda.Start(Handler(name, build(cfg, clock.Real{}, log), log))
}

// Builder makes a step's actions from its AWS config, clock and logger: what
// a Lambda main, the local engine and tests all construct a step with.
type Builder = func(cfg aws.Config, c clock.Clock, log *slog.Logger) step.Actions

// Step adapts a steps package's constructor (New) to a Builder.
func Step[S interface{ Actions() step.Actions }](newStep func(aws.Config, clock.Clock, *slog.Logger) S) Builder {
	return func(cfg aws.Config, c clock.Clock, log *slog.Logger) step.Actions {
		return newStep(cfg, c, log).Actions()
	}
}
