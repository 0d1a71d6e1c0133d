package account

import (
	"errors"
	"net/http"

	"github.com/aws/smithy-go"
)

// APIError returns the error AWS gives for an unmodeled code, the shape the
// SDK builds from a response it has no type for, so step code matching on
// ErrorCode() behaves as it does against AWS.
func APIError(code, message string) error {
	return &smithy.GenericAPIError{Code: code, Message: message, Fault: smithy.FaultClient}
}

// statusError carries the HTTP status the middleware reports with err.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// WithStatus attaches the HTTP status AWS answers err with (default 400).
func WithStatus(status int, err error) error { return &statusError{status: status, err: err} }

// httpStatus is the status of err as the middleware reports it.
func httpStatus(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorFault() == smithy.FaultServer {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// unwrapStatus removes the status wrapper so callers see the API error.
func unwrapStatus(err error) error {
	var se *statusError
	if errors.As(err, &se) {
		return se.err
	}
	return err
}
