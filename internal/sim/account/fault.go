package account

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LostReply is the Fault code of a reply lost on its way back: the service
// applies the call, then the client sees a 500 InternalError (as after a
// timeout or a dropped connection), which the SDK retries. Idempotency
// tokens and look-ups are what keep a retried create from making a second
// resource ("Ensuring idempotency in Amazon EC2 API requests": a retried
// RunInstances with its ClientToken answers the first call's instances).
const LostReply = "LostReply"

// Fault makes an operation fail with an AWS error code.
type Fault struct {
	Service   string // SDK service id, e.g. "CloudFront"; "" or "*" matches any
	Operation string // e.g. "CreateDistribution"; "" or "*" matches any
	Code      string // AWS error code returned, e.g. "InvalidViewerCertificate"
	Message   string // optional message; a default names the fault
	Status    int    // HTTP status; 0 means 400 (503 for EC2's RequestLimitExceeded)
	Skip      int    // let this many matching calls succeed first
	Times     int    // fail this many calls; 0 means every call
	// Match, if set, narrows the fault to the calls whose typed input it
	// accepts, e.g. one deployment's calls (see InputContains).
	Match func(in any) bool
	fired int
}

// InputContains matches an input whose JSON form contains s: with s a
// quoted JSON string such as `"dep-1"`, the calls carrying exactly that
// value (a tag, a name), whatever the operation's shape.
func InputContains(s string) func(any) bool {
	return func(in any) bool {
		b, err := json.Marshal(in)
		return err == nil && strings.Contains(string(b), s)
	}
}

// ParseFault reads SERVICE:Operation:ErrorCode[:COUNT], the form the CLI's
// --fault flag takes. COUNT 0 or absent means always.
func ParseFault(s string) (Fault, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 3 || len(parts) > 4 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return Fault{}, fmt.Errorf("fault %q: want SERVICE:Operation:ErrorCode[:COUNT]", s)
	}
	f := Fault{Service: parts[0], Operation: parts[1], Code: parts[2]}
	if len(parts) == 4 {
		n, err := strconv.Atoi(parts[3])
		if err != nil || n < 0 {
			return Fault{}, fmt.Errorf("fault %q: COUNT must be a whole number ≥ 0", s)
		}
		f.Times = n
	}
	return f, nil
}

// Inject adds a fault from now on.
func (w *Account) Inject(f Fault) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.faults = append(w.faults, &f)
}

// ClearFaults removes every fault.
func (w *Account) ClearFaults() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.faults = nil
}

func (f *Fault) matches(service, op string, in any) bool {
	return (f.Service == "" || f.Service == "*" || strings.EqualFold(f.Service, service)) &&
		(f.Operation == "" || f.Operation == "*" || f.Operation == op) &&
		(f.Match == nil || f.Match(in))
}

// fault returns the error response of the first live fault matching the
// call, or nil. Callers hold mu.
func (w *Account) fault(service, op string, in any) *wireError {
	for _, f := range w.faults {
		if !f.matches(service, op, in) {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			continue
		}
		if f.Times > 0 && f.fired >= f.Times {
			continue
		}
		f.fired++
		msg := f.Message
		if msg == "" {
			msg = fmt.Sprintf("injected fault %s on %s.%s", f.Code, service, op)
		}
		if f.Code == LostReply {
			return &wireError{status: 500, code: "InternalError", message: "We encountered an internal error. Please try again.", lost: true}
		}
		status := f.Status
		if status == 0 {
			status = 400
			if f.Code == "RequestLimitExceeded" || f.Code == "ServiceUnavailable" {
				status = 503
			}
		}
		return &wireError{status: status, code: f.Code, message: msg}
	}
	return nil
}

// Call is one operation the account answered (or failed).
type Call struct {
	Time      time.Time `json:"time"`
	Service   string    `json:"service"`
	Operation string    `json:"operation"`
	Region    string    `json:"region,omitempty"`
	ErrorCode string    `json:"error_code,omitempty"`
	// Caller is who made the call (WithCaller), e.g. a deployment id.
	Caller string `json:"caller,omitempty"`
	// Principal is the IAM principal the call was made as (WithPrincipal),
	// e.g. the Lambda whose role signs it.
	Principal string `json:"principal,omitempty"`
	// Attempt counts the SDK's attempts at one operation from 1, and
	// Invocation is the SDK's id of the operation, the same on every
	// attempt: a call with Attempt > 1 is a retry by the SDK.
	Attempt    int    `json:"attempt,omitempty"`
	Invocation string `json:"-"`
	// Input and Output are the typed SDK input and, on success, output.
	Input  any `json:"-"`
	Output any `json:"-"`
}

type callerKey struct{}

// WithCaller marks the calls made with ctx as who's; the call log records
// it, so a test can attribute every call to, e.g., its deployment.
func WithCaller(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, callerKey{}, who)
}

// CallerOf is the caller WithCaller set on ctx, or "".
func CallerOf(ctx context.Context) string {
	who, _ := ctx.Value(callerKey{}).(string)
	return who
}

type principalKey struct{}

// WithPrincipal marks the calls made with ctx as made by principal (the
// Lambda whose role would sign them), so a test can check each call against
// that principal's IAM policy.
func WithPrincipal(ctx context.Context, principal string) context.Context {
	return context.WithValue(ctx, principalKey{}, principal)
}

// PrincipalOf is the principal WithPrincipal set on ctx, or "".
func PrincipalOf(ctx context.Context) string {
	p, _ := ctx.Value(principalKey{}).(string)
	return p
}

// Calls returns the call log in order.
func (w *Account) Calls() []Call {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Call(nil), w.calls...)
}
