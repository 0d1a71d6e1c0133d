package internet

import (
	"fmt"
	"net/http"
	"syscall"
)

// Codes of connection failures: the model's own (a name that does not
// resolve, a port that refuses, an address nobody answers on) and, given
// as a account.Fault's Code on service "HTTP", injected ones.
const (
	CodeNoSuchHost        = "NoSuchHost"
	CodeConnectionRefused = "ConnectionRefused"
	CodeTimeout           = "Timeout"
)

// faultStatus maps the other fault codes to the HTTP status the request
// then gets; a code not listed gets the fault's Status (default 400).
var faultStatus = map[string]int{
	"BadGateway":          http.StatusBadGateway,
	"ServiceUnavailable":  http.StatusServiceUnavailable,
	"GatewayTimeout":      http.StatusGatewayTimeout,
	"InternalServerError": http.StatusInternalServerError,
	"Forbidden":           http.StatusForbidden,
	"NotFound":            http.StatusNotFound,
}

// ConnError is a request that got no HTTP answer.
type ConnError struct {
	// Code is one of the Code* constants.
	Code string
	// Host is the host asked for.
	Host string
}

// Error says what happened, in the words of Go's net package.
func (e *ConnError) Error() string {
	switch e.Code {
	case CodeNoSuchHost:
		return fmt.Sprintf("dial tcp: lookup %s: no such host", e.Host)
	case CodeConnectionRefused:
		return fmt.Sprintf("dial tcp %s: connect: connection refused", e.Host)
	case CodeTimeout:
		return fmt.Sprintf("dial tcp %s: i/o timeout", e.Host)
	}
	return fmt.Sprintf("dial tcp %s: %s", e.Host, e.Code)
}

// ErrorCode is the code, for the account's call log.
func (e *ConnError) ErrorCode() string { return e.Code }

// Timeout tells whether the failure was a timeout (net.Error).
func (e *ConnError) Timeout() bool { return e.Code == CodeTimeout }

// Unwrap is the system error behind a refused connection, as Go's net
// package wraps it, so callers can test errors.Is(err, syscall.ECONNREFUSED).
func (e *ConnError) Unwrap() error {
	if e.Code == CodeConnectionRefused {
		return syscall.ECONNREFUSED
	}
	return nil
}

// Temporary is net.Error's legacy method: every failure here may pass.
func (e *ConnError) Temporary() bool { return true }

func refused(host string) error    { return &ConnError{Code: CodeConnectionRefused, Host: host} }
func noSuchHost(host string) error { return &ConnError{Code: CodeNoSuchHost, Host: host} }
func timedOut(host string) error   { return &ConnError{Code: CodeTimeout, Host: host} }
