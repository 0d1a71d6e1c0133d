package account

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"geusemaker/internal/clock"
)

type inputKey struct{}

// Configure makes every client built from cfg answer from this account: the
// operation's typed input is captured after the SDK has validated it, and
// the answer is given in the Deserialize step, after serialization, endpoint
// resolution, signing and inside the SDK's retry loop, so a throttling error
// is retried by the SDK's retryer as it would be from AWS. Credentials are
// static and fake; the retryer's back-off sleeps on the account's clock, and
// the default retryer draws its jitter from the account's seed.
func (w *Account) Configure(cfg *aws.Config) {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	cfg.Credentials = credentials.NewStaticCredentialsProvider("ASIASIMULATED", "simulated", "")
	cfg.APIOptions = append(cfg.APIOptions, w.addMiddleware)
	next := cfg.Retryer
	cfg.Retryer = func() aws.Retryer {
		var base aws.Retryer
		if next != nil {
			base = next()
		} else {
			base = w.defaultRetryer()
		}
		return onClock(base, w.clock)
	}
}

// Config returns a config for region whose clients answer from this account,
// untouched by the environment.
func (w *Account) Config(region string) aws.Config {
	cfg := aws.Config{Region: region}
	w.Configure(&cfg)
	return cfg
}

func (w *Account) addMiddleware(stack *middleware.Stack) error {
	capture := middleware.InitializeMiddlewareFunc("SimCaptureInput",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(context.WithValue(ctx, inputKey{}, in.Parameters), in)
		})
	if err := stack.Initialize.Add(capture, middleware.After); err != nil {
		return err
	}
	answer := middleware.DeserializeMiddlewareFunc("SimAnswer",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			req, _ := in.Request.(*smithyhttp.Request)
			if err := unreachable(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetRegion(ctx), req); err != nil {
				return middleware.DeserializeOutput{}, middleware.Metadata{}, err
			}
			out, fault, requestID, err := w.answer(ctx, req)
			if fault != nil {
				// An injected fault goes through the SDK's own error
				// deserializer, which gives it the modeled type AWS's
				// response would get.
				fault.requestID = requestID
				return next.HandleDeserialize(context.WithValue(ctx, wireKey{}, fault), in)
			}
			var md middleware.Metadata
			awsmiddleware.SetRequestIDMetadata(&md, requestID)
			if err != nil {
				return middleware.DeserializeOutput{}, md, &awshttp.ResponseError{
					ResponseError: &smithyhttp.ResponseError{
						Response: &smithyhttp.Response{Response: &http.Response{StatusCode: httpStatus(err), Header: http.Header{}}},
						Err:      unwrapStatus(err),
					},
					RequestID: requestID,
				}
			}
			return middleware.DeserializeOutput{Result: out}, md, nil
		})
	if err := stack.Deserialize.Add(answer, middleware.Before); err != nil {
		return err
	}
	wire := middleware.DeserializeMiddlewareFunc("SimWireError",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			if fault, ok := ctx.Value(wireKey{}).(*wireError); ok {
				return middleware.DeserializeOutput{RawResponse: fault.response(awsmiddleware.GetServiceID(ctx))}, middleware.Metadata{}, nil
			}
			return next.HandleDeserialize(ctx, in)
		})
	return stack.Deserialize.Add(wire, middleware.After)
}

// answer runs one attempt of an operation under the account's lock: a
// throttle, an injected fault, or the model's output or error.
func (w *Account) answer(ctx context.Context, req *smithyhttp.Request) (any, *wireError, string, error) {
	service := awsmiddleware.GetServiceID(ctx)
	op := awsmiddleware.GetOperationName(ctx)
	region := awsmiddleware.GetRegion(ctx)
	in := ctx.Value(inputKey{})

	w.mu.Lock()
	defer w.mu.Unlock()
	w.requests++
	requestID := fmt.Sprintf("00000000-0000-4000-8000-%012x", w.requests)
	call := Call{Time: w.clock.Now(), Service: service, Operation: op, Region: region,
		Caller: CallerOf(ctx), Principal: PrincipalOf(ctx), Input: in}
	if req != nil {
		call.Attempt = attempt(req.Header.Get(headerSDKRequest))
		call.Invocation = req.Header.Get(headerInvocationID)
	}
	defer func() { w.calls = append(w.calls, call) }()
	if err := ctx.Err(); err != nil {
		call.ErrorCode = "RequestCanceled"
		return nil, nil, requestID, err
	}
	if throttled := w.throttle(service, op, region, in); throttled != nil {
		call.ErrorCode = throttled.code
		return nil, throttled, requestID, nil
	}
	fault := w.fault(service, op, in)
	if fault != nil && !fault.lost {
		call.ErrorCode = fault.code
		return nil, fault, requestID, nil
	}
	w.settle(call.Time)
	if fault != nil {
		// Applied, whatever its outcome; the client hears only the error.
		_, _ = w.dispatch(withRegion(ctx, region), service, op, in)
		call.ErrorCode = LostReply
		return nil, fault, requestID, nil
	}
	out, err := w.dispatch(withRegion(ctx, region), service, op, in)
	if err != nil {
		call.ErrorCode = errorCode(err)
	} else {
		call.Output = out
	}
	return out, nil, requestID, err
}

// The SDK's retry middleware numbers each attempt in the amz-sdk-request
// header ("attempt=2; max=3") and names the operation's invocation, the
// same on every attempt, in amz-sdk-invocation-id.
const (
	headerSDKRequest   = "Amz-Sdk-Request"
	headerInvocationID = "Amz-Sdk-Invocation-Id"
)

// attempt reads the attempt number from an amz-sdk-request header, or 0.
func attempt(header string) int {
	for part := range strings.SplitSeq(header, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "attempt="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

func (w *Account) dispatch(ctx context.Context, service, op string, in any) (any, error) {
	s, ok := w.services[service]
	if !ok {
		return nil, APIError("UnsupportedOperation", fmt.Sprintf("sim: service %q is not modeled", service))
	}
	h, ok := s.Operations()[op]
	if !ok {
		return nil, APIError("UnsupportedOperation", fmt.Sprintf("sim: %s.%s is not modeled", service, op))
	}
	return h(ctx, in)
}

type regionKey struct{}

func withRegion(ctx context.Context, region string) context.Context {
	return context.WithValue(ctx, regionKey{}, region)
}

// Region is the region of the client that made the call being answered.
func Region(ctx context.Context) string {
	r, _ := ctx.Value(regionKey{}).(string)
	return r
}

func errorCode(err error) string {
	var coder interface{ ErrorCode() string }
	if errors.As(err, &coder) {
		return coder.ErrorCode()
	}
	return "InternalFailure"
}

// clockRetryer keeps the SDK's retry decisions and delays, but spends each
// delay on the account's clock and tells the SDK to sleep for none of it, so
// back-off on a virtual clock costs no wall time.
type clockRetryer struct {
	aws.RetryerV2
	clock clockSleeper
}

type clockSleeper = clock.Clock

func (r *clockRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	if derr != nil {
		return d, derr
	}
	if _, virtual := r.clock.(*clock.Virtual); !virtual {
		return d, nil
	}
	// The SDK's Retryer interface passes no context; the virtual sleep
	// cannot block on anything but the clock itself.
	_ = r.clock.Sleep(context.Background(), d)
	return 0, nil
}
