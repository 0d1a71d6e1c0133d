package document

import (
	"sort"
	"strconv"
	"strings"
)

// ErrorName is the ASL error name of a ValidationError, as Retry and Catch
// match it. It equals the Go type name, which aws-lambda-go reports as the
// error type when the error reaches Lambda unconverted.
const ErrorName = "ValidationError"

// Problem is one thing wrong with a request.
type Problem struct {
	// Field is the path of the offending value, e.g. "deployment_id",
	// "subnet_ids[1]", "tags.aws:foo"; empty for the request as a whole.
	Field string `json:"field,omitempty"`
	// Message says what is wrong and, where useful, why.
	Message string `json:"message"`
}

// String renders the problem as "field: message".
func (p Problem) String() string {
	if p.Field == "" {
		return "request " + p.Message
	}
	return p.Field + ": " + p.Message
}

// ValidationError reports every problem of a request at once. Parse and
// Validate return it as *ValidationError, so errors.As finds it.
type ValidationError struct {
	// Problems lists each problem found, in field order.
	Problems []Problem `json:"problems"`
}

// Error lists every problem.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid request")
	if len(e.Problems) > 1 {
		b.WriteString(" (" + strconv.Itoa(len(e.Problems)) + " problems)")
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// ErrorName returns the ASL error name, ErrorName.
func (e *ValidationError) ErrorName() string { return ErrorName }

// Fields returns the distinct fields with problems, sorted.
func (e *ValidationError) Fields() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range e.Problems {
		if !seen[p.Field] {
			seen[p.Field] = true
			out = append(out, p.Field)
		}
	}
	sort.Strings(out)
	return out
}
