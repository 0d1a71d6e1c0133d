package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"geusemaker/internal/asl/jsonpath"
)

// ValidationError lists every problem found in a definition.
type ValidationError struct {
	Problems []string
}

func (e *ValidationError) Error() string {
	return "invalid state machine definition:\n  " + strings.Join(e.Problems, "\n  ")
}

// problems collects what is wrong with a definition, so that one run
// reports all of it.
type problems struct {
	list []string
}

func (p *problems) addf(where, format string, args ...any) {
	p.list = append(p.list, where+": "+fmt.Sprintf(format, args...))
}

// object is one JSON object of the definition being decoded; where names it
// in messages.
type object struct {
	where string
	m     map[string]json.RawMessage
	p     *problems
}

func newObject(where string, raw json.RawMessage, p *problems) (object, bool) {
	o := object{where: where, p: p}
	if err := json.Unmarshal(raw, &o.m); err != nil || o.m == nil {
		p.addf(where, "must be a JSON object")
		return o, false
	}
	return o, true
}

func (o object) has(key string) bool { _, ok := o.m[key]; return ok }

func (o object) isNull(key string) bool {
	return o.has(key) && bytes.Equal(bytes.TrimSpace(o.m[key]), []byte("null"))
}

func (o object) addf(format string, args ...any) { o.p.addf(o.where, format, args...) }

// allowOnly reports fields outside allowed.
func (o object) allowOnly(allowed ...string) {
	for _, k := range slices.Sorted(maps.Keys(o.m)) {
		if !slices.Contains(allowed, k) {
			o.addf("field %q is not supported here", k)
		}
	}
}

// decode unmarshals field key into dst, reporting a type mismatch. It
// reports false when the field is absent or invalid.
func (o object) decode(key, want string, dst any) bool {
	raw, ok := o.m[key]
	if !ok {
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil || o.isNull(key) {
		o.addf("%s must be %s", key, want)
		return false
	}
	return true
}

func (o object) str(key string) string {
	var s string
	o.decode(key, "a string", &s)
	return s
}

func (o object) requiredStr(key string) string {
	if !o.has(key) {
		o.addf("%s is required", key)
	}
	return o.str(key)
}

// number reads a JSON number (json.Number alone would accept "5" too).
func (o object) number(key string) (json.Number, bool) {
	var n json.Number
	if bytes.HasPrefix(bytes.TrimSpace(o.m[key]), []byte(`"`)) {
		o.addf("%s must be a number", key)
		return n, false
	}
	return n, o.decode(key, "a number", &n)
}

// integer reads a whole number not below minimum.
func (o object) integer(key string, minimum int) (int, bool) {
	n, ok := o.number(key)
	if !ok {
		return 0, false
	}
	i, ok := jsonpath.Int(n)
	if !ok || i < int64(minimum) {
		o.addf("%s must be an integer >= %d, got %s", key, minimum, n)
		return 0, false
	}
	return int(i), true
}

func (o object) value(key string) any {
	v, err := jsonpath.Decode(o.m[key])
	if err != nil {
		o.addf("%s: %v", key, err)
	}
	return v
}

func (o object) path(key string) *jsonpath.Path {
	src := o.str(key)
	if src == "" {
		return nil
	}
	p, err := jsonpath.Parse(src)
	if err != nil {
		o.addf("%s: %v", key, err)
	}
	return p
}

// pathField reads an InputPath/OutputPath (reference false) or a ResultPath.
func (o object) pathField(key string, reference bool) PathField {
	if o.isNull(key) {
		return PathField{Null: true}
	}
	src := o.str(key)
	if src == "" {
		return PathField{}
	}
	parse := jsonpath.Parse
	if reference {
		parse = jsonpath.ParseReference
	}
	p, err := parse(src)
	if err != nil {
		o.addf("%s: %v", key, err)
	}
	return PathField{Path: p}
}

func (o object) expr(key string) jsonpath.Expr {
	src := o.str(key)
	if src == "" {
		return nil
	}
	e, err := jsonpath.ParseExpr(src)
	if err != nil {
		o.addf("%s: %v", key, err)
	}
	return e
}

func (o object) template(key string) *jsonpath.Template {
	if !o.has(key) {
		return nil
	}
	t, err := jsonpath.CompileTemplate(o.value(key))
	if err != nil {
		o.addf("%s: %v", key, err)
	}
	return t
}

func (o object) timestamp(key string) *time.Time {
	src := o.str(key)
	if src == "" {
		return nil
	}
	t, err := ParseTimestamp(src)
	if err != nil {
		o.addf("%s: %v", key, err)
		return nil
	}
	return &t
}

// exclusive reports when more than one of keys is present.
func (o object) exclusive(keys ...string) {
	var present []string
	for _, k := range keys {
		if o.has(k) {
			present = append(present, k)
		}
	}
	if len(present) > 1 {
		o.addf("only one of %s may be given", strings.Join(present, ", "))
	}
}

// objects reads an array of JSON objects.
func (o object) objects(key string) []object {
	var raws []json.RawMessage
	if !o.decode(key, "an array", &raws) {
		return nil
	}
	out := make([]object, 0, len(raws))
	for i, raw := range raws {
		if c, ok := newObject(fmt.Sprintf("%s.%s[%d]", o.where, key, i), raw, o.p); ok {
			out = append(out, c)
		}
	}
	return out
}

// ParseTimestamp parses an RFC 3339 timestamp as the Timestamp fields and
// comparisons use it.
func ParseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
	}
	return t, nil
}
