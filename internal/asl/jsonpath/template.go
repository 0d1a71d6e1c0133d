package jsonpath

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Expr is a compiled path or intrinsic function call.
type Expr interface {
	Eval(env *Env) (any, error)
	String() string
}

// ParseExpr compiles the value of a `.$` field: a path (`$.a`, `$$.State.Name`)
// or an intrinsic function call (`States.Format('{}', $.a)`).
func ParseExpr(src string) (Expr, error) {
	switch {
	case strings.HasPrefix(src, "$"):
		return Parse(src)
	case strings.HasPrefix(src, "States."):
		return parseCall(src)
	}
	return nil, fmt.Errorf("%q is neither a path nor an intrinsic function", src)
}

// Template is a compiled payload template (Parameters, ResultSelector,
// ItemSelector): a JSON value whose object fields named `key.$` are replaced
// by a field `key` holding the value of their path or intrinsic function.
type Template struct {
	root tnode
}

type tnode interface {
	eval(env *Env) (any, error)
}

type tliteral struct{ v any }

type tarray []tnode

type tfield struct {
	key  string
	node tnode
}

type tobject []tfield

// texpr is a `key.$` field's value.
type texpr struct {
	field string
	expr  Expr
}

// CompileTemplate compiles a decoded JSON value into a template.
func CompileTemplate(v any) (*Template, error) {
	n, err := compileNode(v)
	if err != nil {
		return nil, err
	}
	return &Template{root: n}, nil
}

func compileNode(v any) (tnode, error) {
	switch x := v.(type) {
	case []any:
		arr := make(tarray, len(x))
		for i, c := range x {
			n, err := compileNode(c)
			if err != nil {
				return nil, err
			}
			arr[i] = n
		}
		return arr, nil
	case map[string]any:
		obj := make(tobject, 0, len(x))
		seen := map[string]bool{}
		for _, key := range slices.Sorted(maps.Keys(x)) {
			f, err := compileField(key, x[key])
			if err != nil {
				return nil, err
			}
			if seen[f.key] {
				return nil, fmt.Errorf("field %q appears both with and without '.$'", f.key)
			}
			seen[f.key] = true
			obj = append(obj, f)
		}
		return obj, nil
	}
	return tliteral{v}, nil
}

func compileField(key string, v any) (tfield, error) {
	name, dynamic := strings.CutSuffix(key, ".$")
	if !dynamic {
		n, err := compileNode(v)
		return tfield{key: key, node: n}, err
	}
	src, ok := v.(string)
	if !ok {
		return tfield{}, fmt.Errorf("field %q must be a string holding a path or an intrinsic function", key)
	}
	e, err := ParseExpr(src)
	if err != nil {
		return tfield{}, fmt.Errorf("field %q: %w", key, err)
	}
	return tfield{key: name, node: texpr{field: key, expr: e}}, nil
}

// Eval builds the payload from env.
func (t *Template) Eval(env *Env) (any, error) { return t.root.eval(env) }

func (l tliteral) eval(*Env) (any, error) { return l.v, nil }

func (a tarray) eval(env *Env) (any, error) {
	out := make([]any, len(a))
	for i, n := range a {
		v, err := n.eval(env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (o tobject) eval(env *Env) (any, error) {
	out := make(map[string]any, len(o))
	for _, f := range o {
		v, err := f.node.eval(env)
		if err != nil {
			return nil, err
		}
		out[f.key] = v
	}
	return out, nil
}

func (e texpr) eval(env *Env) (any, error) {
	v, err := e.expr.Eval(env)
	if pe, ok := errors.AsType[*PathError](err); ok {
		return nil, &PathError{Path: pe.Path, Reason: fmt.Sprintf("specified for the field '%s' %s", e.field, pe.Reason)}
	}
	return v, err
}
