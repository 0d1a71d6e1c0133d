// Package stepfunctions simulates a deployed GeuseMaker backend as the
// geusemaker CLI sees it: over real HTTP from an in-process httptest
// server, the Step Functions (awsJson1.0) operations the CLI calls and the
// CloudFormation (awsQuery) DescribeStacks that finds the backend's state
// machines, with the semantics AWS documents for them: StartExecution's
// idempotency by name and input, paginated and reversible execution
// histories, stacks that are not deployed. Executions follow a Script,
// recorded from a run of the real workflow on the simulated AWS (see Sim),
// and reveal their history a few events per DescribeExecution, as a
// running execution does.
//
// It is test support: it may import every package of the project but the
// CDK ones, and nothing imports it outside tests.
package stepfunctions

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Server is the fake endpoint. Every client whose BaseEndpoint is URL
// reaches it, whatever its service.
type Server struct {
	URL string
	srv *httptest.Server

	mu       sync.Mutex
	stacks   map[string]map[string]string // region/stack name → outputs
	machines map[string]Starter           // state machine ARN → its runs
	execs    map[string]*execution        // execution ARN → execution
	order    []string                     // execution ARNs, oldest first
	faults   map[string]string            // operation → error code, once
	calls    []string
}

// New starts a server; it stops when the test ends (Close).
func New() *Server {
	s := &Server{
		stacks:   map[string]map[string]string{},
		machines: map[string]Starter{},
		execs:    map[string]*execution{},
		faults:   map[string]string{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Config returns an SDK config for region whose clients call the server
// with static credentials.
func (s *Server) Config(region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKE", "secret", ""),
	}
}

// AddStack deploys a stack in region with these outputs.
func (s *Server) AddStack(region, name string, outputs map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stacks[region+"/"+name] = outputs
}

// signedRegion is the region a request was signed for, from its SigV4
// credential scope (Credential=KEY/DATE/REGION/SERVICE/aws4_request).
func signedRegion(r *http.Request) string {
	_, scope, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	parts := strings.Split(scope, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// Fail makes the next call of operation (e.g. "StartExecution") fail with
// code, as AWS reports it (HTTP 400).
func (s *Server) Fail(operation, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[operation] = code
}

// Calls lists the operations served so far, in order.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// apiError is an AWS error as the fake renders it.
type apiError struct {
	code, message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// awsJson1.0 (Step Functions) names the operation in X-Amz-Target;
	// awsQuery (CloudFormation) in the form's Action.
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		op := target[strings.LastIndex(target, ".")+1:]
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSONError(w, &apiError{"SerializationException", err.Error()})
			return
		}
		out, err := s.call(op, func() (any, error) { return s.sfn(op, in) })
		if err != nil {
			writeJSONError(w, err)
			return
		}
		body, err := json.Marshal(out)
		if err != nil {
			writeJSONError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write(body)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeQueryError(w, &apiError{"MalformedQueryString", err.Error()})
		return
	}
	op := r.Form.Get("Action")
	out, err := s.call(op, func() (any, error) { return s.cloudFormation(op, r) })
	if err != nil {
		writeQueryError(w, err)
		return
	}
	body, err := xml.Marshal(out)
	if err != nil {
		writeQueryError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(body)
}

// call logs op, fires its injected fault if any, else runs it.
func (s *Server) call(op string, run func() (any, error)) (any, error) {
	s.mu.Lock()
	s.calls = append(s.calls, op)
	code, fail := s.faults[op]
	delete(s.faults, op)
	s.mu.Unlock()
	if fail {
		return nil, &apiError{code, "injected by the test"}
	}
	return run()
}

// sfnErrorPrefix is the namespace Step Functions puts before its error
// codes in "__type"; the SDK strips it.
const sfnErrorPrefix = "com.amazonaws.swf.service.v2.model#"

func writeJSONError(w http.ResponseWriter, err error) {
	ae := asAPIError(err)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusBadRequest)
	body, _ := json.Marshal(map[string]string{"__type": sfnErrorPrefix + ae.code, "message": ae.message})
	_, _ = w.Write(body)
}

func writeQueryError(w http.ResponseWriter, err error) {
	ae := asAPIError(err)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>`,
		ae.code, xmlEscape(ae.message))
}

func asAPIError(err error) *apiError {
	if ae, ok := err.(*apiError); ok {
		return ae
	}
	return &apiError{"InternalFailure", err.Error()}
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// describeStacksResponse is CloudFormation's DescribeStacks reply.
type describeStacksResponse struct {
	XMLName xml.Name `xml:"DescribeStacksResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Stacks  []stack  `xml:"DescribeStacksResult>Stacks>member"`
}

type stack struct {
	StackName   string   `xml:"StackName"`
	StackStatus string   `xml:"StackStatus"`
	Outputs     []output `xml:"Outputs>member"`
}

type output struct {
	OutputKey   string `xml:"OutputKey"`
	OutputValue string `xml:"OutputValue"`
}

func (s *Server) cloudFormation(op string, r *http.Request) (any, error) {
	if op != "DescribeStacks" {
		return nil, &apiError{"InvalidAction", "the fake does not serve " + op}
	}
	name := r.Form.Get("StackName")
	s.mu.Lock()
	defer s.mu.Unlock()
	outputs, ok := s.stacks[signedRegion(r)+"/"+name]
	if !ok {
		// CloudFormation reports a missing stack as a ValidationError, not
		// a not-found code.
		return nil, &apiError{"ValidationError", fmt.Sprintf("Stack with id %s does not exist", name)}
	}
	st := stack{StackName: name, StackStatus: "CREATE_COMPLETE"}
	for k, v := range outputs {
		st.Outputs = append(st.Outputs, output{k, v})
	}
	return describeStacksResponse{Xmlns: "http://cloudformation.amazonaws.com/doc/2010-05-15/", Stacks: []stack{st}}, nil
}
