package internet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// errorTypeHeader is where the account's fault response carries its code (AWS
// JSON protocol, the default the account renders for an unknown service).
const errorTypeHeader = "X-Amzn-Errortype"

// Client returns an HTTP client whose requests the account behind cfg (the
// simulated account's config, account.Config) answers, in cfg's region.
func Client(cfg aws.Config) *http.Client {
	return &http.Client{
		Transport: &Transport{cfg: cfg},
		// The smoke test wants to see redirects, not follow them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Transport is the http.RoundTripper of Client.
type Transport struct {
	cfg aws.Config
}

// RoundTrip answers req through the account's middleware, as the operation
// <method> of the service "HTTP".
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	stack := middleware.NewStack(req.Method, smithyhttp.NewStackRequest)
	meta := &awsmiddleware.RegisterServiceMetadata{ServiceID: ServiceID, Region: t.cfg.Region, OperationName: req.Method}
	if err := stack.Initialize.Add(meta, middleware.Before); err != nil {
		return nil, err
	}
	// Added before the account's middleware, which puts its answer in front
	// of it and its fault renderer behind it: a fault's raw response
	// passes through here on its way back.
	if err := stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("WebFault", faultAnswer), middleware.After); err != nil {
		return nil, err
	}
	for _, opt := range t.cfg.APIOptions {
		if err := opt(stack); err != nil {
			return nil, err
		}
	}
	out, _, err := stack.HandleMiddleware(req.Context(), req, middleware.HandlerFunc(unanswered))
	if err != nil {
		var ce *ConnError
		if errors.As(err, &ce) {
			if ce.Host == "" { // an injected failure names no host
				ce.Host = req.URL.Host
			}
			return nil, ce
		}
		return nil, err
	}
	resp, ok := out.(*Response)
	if !ok {
		return nil, fmt.Errorf("internet: %s %s: answer %T", req.Method, req.URL, out)
	}
	return resp.http(req), nil
}

// unanswered ends the stack: the account answers every request before it.
func unanswered(context.Context, any) (any, middleware.Metadata, error) {
	return nil, middleware.Metadata{}, errors.New("internet: the request left the simulated account")
}

// faultAnswer turns an injected fault (the account's raw error response) into
// the request's answer: a connection failure for the Code* constants, else
// an HTTP status.
func faultAnswer(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	raw, ok := out.RawResponse.(*smithyhttp.Response)
	if err != nil || !ok {
		return out, md, err
	}
	code := raw.Header.Get(errorTypeHeader)
	switch code {
	case CodeNoSuchHost, CodeConnectionRefused, CodeTimeout:
		return out, md, &ConnError{Code: code}
	}
	status, ok := faultStatus[code]
	if !ok {
		status = raw.StatusCode
	}
	out.Result = answer(status, fmt.Sprintf("%d %s (injected %s)", status, http.StatusText(status), code))
	return out, md, nil
}

// http renders the answer as the response to req.
func (r *Response) http(req *http.Request) *http.Response {
	h := r.Header.Clone()
	h.Set("Content-Length", strconv.Itoa(len(r.Body)))
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status)),
		StatusCode: r.Status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader([]byte(r.Body))),
		ContentLength: int64(len(r.Body)), Request: req,
	}
}
