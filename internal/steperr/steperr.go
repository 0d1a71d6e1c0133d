// Package steperr is the error a step ends with: its name is the ASL error
// name (package contract) that Retry and Catch match on; the cause is JSON (message,
// step, AWS error code, request id, remediation) that tells the user what
// happened and what to do.
//
// It imports contract, document (for the Cause type) and awsapi (to read
// AWS errors).
package steperr

import (
	"encoding/json"
	"fmt"
	"time"

	"geusemaker/internal/awsapi"
	"geusemaker/internal/contract"
	"geusemaker/internal/document"
)

// Error is a step failure with its ASL name and cause.
type Error struct {
	Name  string
	Cause document.Cause
}

// Error returns the name and message.
func (e *Error) Error() string { return e.Name + ": " + e.Cause.Message }

// CauseJSON is the cause as the JSON Step Functions carries.
func (e *Error) CauseJSON() string {
	b, err := json.Marshal(e.Cause)
	if err != nil { // a struct of strings always marshals
		panic(err)
	}
	return string(b)
}

// New returns a named error for step with a message and what to do.
func New(name, step, message, remediation string) *Error {
	return &Error{Name: name, Cause: document.Cause{Message: message, Step: step, Remediation: remediation}}
}

// FromAWS names a failed AWS call: message, error code and request id come
// from err. Throttling is always Throttled, whatever name the step chose, so
// the state machine retries it.
func FromAWS(name, step string, err error, remediation string) *Error {
	if awsapi.IsThrottle(err) {
		name = contract.Throttled
		remediation = "AWS is throttling this account's API calls; the step is retried with back-off. If it persists, lower the number of concurrent deployments or request a higher API rate limit."
	}
	return &Error{Name: name, Cause: document.Cause{
		Message:      err.Error(),
		Step:         step,
		AWSErrorCode: awsapi.Code(err),
		AWSRequestID: awsapi.RequestID(err),
		Remediation:  remediation,
	}}
}

// FromAWSWith is FromAWS with the remediation looked up by err's AWS code
// in remediations, else fallback.
func FromAWSWith(name, step string, err error, remediations map[string]string, fallback string) *Error {
	remediation, ok := remediations[awsapi.Code(err)]
	if !ok {
		remediation = fallback
	}
	return FromAWS(name, step, err, remediation)
}

// Timeout says a wait passed its deadline.
func Timeout(step, resource string, deadline time.Time, remediation string) *Error {
	return New(contract.Timeout, step,
		fmt.Sprintf("%s not ready by its deadline %s", resource, deadline.UTC().Format(time.RFC3339)),
		remediation)
}
