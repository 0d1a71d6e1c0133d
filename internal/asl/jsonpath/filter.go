package jsonpath

import (
	"encoding/json"
	"fmt"
	"strings"
)

// filter is the body of `[?(...)]`: either `@.path` (the member has that
// field) or `@.path <op> literal`. A member without the field never
// matches, whatever the operator.
type filter struct {
	path    *Path
	op      string
	operand any
}

var filterOps = []string{"==", "!=", "<=", ">=", "<", ">"}

func parseFilter(body string) (*filter, error) {
	body = strings.TrimSpace(body)
	rel, ok := strings.CutPrefix(body, "@")
	if !ok {
		return nil, fmt.Errorf("filter %q must start with '@'", body)
	}
	f := &filter{}
	lhs := rel
	for _, op := range filterOps {
		if i := strings.Index(rel, op); i >= 0 {
			lhs, f.op = strings.TrimSpace(rel[:i]), op
			lit, err := parseLiteral(strings.TrimSpace(rel[i+len(op):]))
			if err != nil {
				return nil, fmt.Errorf("filter %q: %w", body, err)
			}
			f.operand = lit
			break
		}
	}
	p, err := Parse("$" + lhs)
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", body, err)
	}
	f.path = p
	return f, nil
}

// parseLiteral reads a filter operand: a quoted string, number, true, false
// or null.
func parseLiteral(s string) (any, error) {
	if strings.HasPrefix(s, "'") || strings.HasPrefix(s, `"`) {
		str, rest, err := readQuoted(s)
		if err == nil && strings.TrimSpace(rest) != "" {
			err = fmt.Errorf("unexpected %q after string", rest)
		}
		return str, err
	}
	v, err := Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("invalid literal %q", s)
	}
	switch v.(type) {
	case map[string]any, []any:
		return nil, fmt.Errorf("invalid literal %q", s)
	}
	return v, nil
}

func (f *filter) match(member any) bool {
	nodes := f.path.selectFrom(member)
	if len(nodes) == 0 {
		return false
	}
	if f.op == "" {
		return true
	}
	v := nodes[0]
	switch f.op {
	case "==":
		return Equal(v, f.operand)
	case "!=":
		return !Equal(v, f.operand)
	}
	c, ok := compareOrdered(v, f.operand)
	if !ok {
		return false
	}
	switch f.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	default: // ">="
		return c >= 0
	}
}

// compareOrdered compares two numbers or two strings.
func compareOrdered(a, b any) (int, bool) {
	if _, ok := a.(json.Number); ok {
		fa, _ := Float(a)
		fb, ok := Float(b)
		if !ok {
			return 0, false
		}
		switch {
		case fa < fb:
			return -1, true
		case fa > fb:
			return 1, true
		}
		return 0, true
	}
	sa, ok := a.(string)
	sb, ok2 := b.(string)
	if !ok || !ok2 {
		return 0, false
	}
	return strings.Compare(sa, sb), true
}
