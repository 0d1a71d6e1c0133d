package engine

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"geusemaker/internal/asl"
	"geusemaker/internal/asl/jsonpath"
)

// choose returns the Next of the first matching rule, else Default, else
// fails with States.NoChoiceMatched.
func choose(in *stateInput) (string, error) {
	for _, rule := range in.st.Choices {
		ok, err := evalRule(rule, in.env)
		if err != nil {
			return "", err
		}
		if ok {
			return rule.Next, nil
		}
	}
	if in.st.Default != "" {
		return in.st.Default, nil
	}
	return "", &Error{Name: asl.StatesNoChoiceMatched, Cause: fmt.Sprintf("no Choice rule of state %q matched, and it has no Default", in.st.Name)}
}

func evalRule(rule *asl.ChoiceRule, env *jsonpath.Env) (bool, error) {
	switch {
	case rule.And != nil:
		for _, sub := range rule.And {
			if ok, err := evalRule(sub, env); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case rule.Or != nil:
		for _, sub := range rule.Or {
			if ok, err := evalRule(sub, env); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case rule.Not != nil:
		ok, err := evalRule(rule.Not, env)
		return !ok, err
	case rule.Operator == "IsPresent":
		return rule.Variable.Exists(env) == rule.Value.(bool), nil
	}
	v, err := rule.Variable.Eval(env)
	if err != nil {
		return false, dataError(err, asl.StatesRuntime)
	}
	operand := rule.Value
	if rule.ValuePath != nil {
		if operand, err = rule.ValuePath.Eval(env); err != nil {
			return false, dataError(err, asl.StatesRuntime)
		}
	}
	return compare(rule.Operator, v, operand), nil
}

// compare applies a comparison operator (without "Path"). A value of the
// wrong type does not match, as the spec says.
func compare(op string, v, operand any) bool {
	if test, ok := typeTests[op]; ok {
		return test(v) == operand.(bool)
	}
	switch {
	case op == "StringMatches":
		s, ok := v.(string)
		return ok && wildcard(operand.(string)).MatchString(s)
	case op == "BooleanEquals":
		b, ok := v.(bool)
		want, ok2 := operand.(bool)
		return ok && ok2 && b == want
	case strings.HasPrefix(op, "String"):
		s, ok := v.(string)
		want, ok2 := operand.(string)
		return ok && ok2 && ordered(op, strings.Compare(s, want))
	case strings.HasPrefix(op, "Numeric"):
		n, ok := jsonpath.Float(v)
		want, ok2 := number(operand)
		return ok && ok2 && ordered(op, cmpFloat(n, want))
	default: // Timestamp*
		t, ok := timestamp(v)
		want, ok2 := timestamp(operand)
		return ok && ok2 && ordered(op, t.Compare(want))
	}
}

// typeTests are the Is* operators.
var typeTests = map[string]func(any) bool{
	"IsNull":      func(v any) bool { return v == nil },
	"IsNumeric":   func(v any) bool { _, ok := v.(json.Number); return ok },
	"IsString":    func(v any) bool { _, ok := v.(string); return ok },
	"IsBoolean":   func(v any) bool { _, ok := v.(bool); return ok },
	"IsTimestamp": func(v any) bool { _, ok := timestamp(v); return ok },
}

// ordered reads a comparison result through the operator's suffix.
func ordered(op string, c int) bool {
	switch {
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(op, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(op, "GreaterThan"):
		return c > 0
	case strings.HasSuffix(op, "LessThan"):
		return c < 0
	}
	return c == 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// number reads a literal operand (float64) or one selected by a path.
func number(v any) (float64, bool) {
	if f, ok := v.(float64); ok {
		return f, true
	}
	return jsonpath.Float(v)
}

// timestamp reads a literal operand (time.Time) or an RFC 3339 string.
func timestamp(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		parsed, err := asl.ParseTimestamp(t)
		return parsed, err == nil
	}
	return time.Time{}, false
}

// wildcard compiles a StringMatches pattern: `*` matches any run of
// characters, `\*` a star and `\\` a backslash.
func wildcard(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\' && i+1 < len(pattern):
			i++
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		case c == '*':
			b.WriteString(`.*`)
		default:
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}
