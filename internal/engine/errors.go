package engine

import (
	"errors"
	"slices"

	"geusemaker/internal/asl"
	"geusemaker/internal/asl/jsonpath"
)

// Error is an ASL error: the Name that Retry and Catch match on and its
// Cause. A TaskRunner returns one to fail a task with a given name.
type Error struct {
	Name  string
	Cause string
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

// output is what a Catch passes on: {"Error": ..., "Cause": ...}.
func (e *Error) output() map[string]any {
	return map[string]any{"Error": e.Name, "Cause": e.Cause}
}

// taskError names a TaskRunner's error: an *Error keeps its name, anything
// else is States.TaskFailed with the error's text as the cause.
func taskError(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	return &Error{Name: asl.StatesTaskFailed, Cause: err.Error()}
}

// dataError names an error from evaluating a path, template or intrinsic
// function: intrinsic failures are States.IntrinsicFailure, the rest name.
func dataError(err error, name string) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*jsonpath.IntrinsicError](err); ok {
		return &Error{Name: asl.StatesIntrinsicFailure, Cause: err.Error()}
	}
	return &Error{Name: name, Cause: err.Error()}
}

// runtimeError is a States.Runtime error, which no retrier or catcher matches.
func runtimeError(cause string) error {
	return &Error{Name: asl.StatesRuntime, Cause: cause}
}

// matches reports whether a retrier's or catcher's ErrorEquals matches e.
func matches(errorEquals []string, e *Error) bool {
	switch e.Name {
	case asl.StatesRuntime:
		return false
	case asl.StatesDataLimitExceeded:
		return slices.Contains(errorEquals, e.Name)
	}
	for _, name := range errorEquals {
		switch name {
		case e.Name, asl.StatesALL:
			return true
		case asl.StatesTaskFailed:
			if e.Name != asl.StatesTimeout {
				return true
			}
		}
	}
	return false
}
