package jsonpath

import "fmt"

// PathError reports a path that selects nothing, or a value that cannot be
// used where the path points. The engine names it States.Runtime, or
// States.ParameterPathFailure inside a payload template.
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("the JSONPath '%s' %s", e.Path, e.Reason)
}

// IntrinsicError reports an intrinsic function that failed at run time
// (States.IntrinsicFailure).
type IntrinsicError struct {
	Func   string
	Reason string
}

func (e *IntrinsicError) Error() string {
	return fmt.Sprintf("%s: %s", e.Func, e.Reason)
}

func intrinsicErrorf(fn, format string, args ...any) error {
	return &IntrinsicError{Func: fn, Reason: fmt.Sprintf(format, args...)}
}
