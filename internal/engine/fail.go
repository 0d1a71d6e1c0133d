package engine

import (
	"fmt"

	"geusemaker/internal/asl"
	"geusemaker/internal/asl/jsonpath"
)

// fail raises the Fail state's error, taking Error and Cause from the
// definition or from ErrorPath and CausePath.
func fail(in *stateInput) error {
	name, err := failField(in, in.st.Error, in.st.ErrorPath, "ErrorPath")
	if err != nil {
		return err
	}
	cause, err := failField(in, in.st.Cause, in.st.CausePath, "CausePath")
	if err != nil {
		return err
	}
	return &Error{Name: name, Cause: cause}
}

func failField(in *stateInput, literal string, expr jsonpath.Expr, field string) (string, error) {
	if expr == nil {
		return literal, nil
	}
	v, err := expr.Eval(in.env)
	if err != nil {
		return "", dataError(err, asl.StatesRuntime)
	}
	s, ok := v.(string)
	if !ok {
		return "", runtimeError(fmt.Sprintf("%s %s selected %s, not a string", field, expr, jsonpath.TypeName(v)))
	}
	return s, nil
}
