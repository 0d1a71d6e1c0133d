package jsonpath

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

type segKind int

const (
	segName     segKind = iota // .name or ['name']
	segIndex                   // [n]
	segWildcard                // .* or [*]
	segSlice                   // [start:end:step]
	segUnion                   // ['a','b'] or [0,1]
	segFilter                  // [?(@.x > 1)]
)

type segment struct {
	kind    segKind
	descend bool // preceded by "..": applies to every descendant
	name    string
	index   int
	names   []string
	indexes []int
	slice   [3]*int
	filter  *filter
}

// Path is a compiled JSONPath: `$` selects from the input, `$$` from the
// context object.
type Path struct {
	src     string
	context bool
	segs    []segment
}

// Parse compiles a path such as `$.a.b[0]`, `$['x y']`, `$.items[*].id`,
// `$..id`, `$.a[1:3]`, `$.a[?(@.n > 1)]` or `$$.Execution.Id`.
func Parse(src string) (*Path, error) {
	rest, ok := strings.CutPrefix(src, "$")
	if !ok {
		return nil, fmt.Errorf("path %q must start with '$'", src)
	}
	p := &Path{src: src}
	if r, ok := strings.CutPrefix(rest, "$"); ok {
		p.context, rest = true, r
	}
	for rest != "" {
		seg, r, err := parseSegment(rest)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", src, err)
		}
		p.segs, rest = append(p.segs, seg), r
	}
	return p, nil
}

// ParseReference compiles a reference path (ResultPath): one that names a
// single node of the input, with names and indexes only.
func ParseReference(src string) (*Path, error) {
	p, err := Parse(src)
	if err != nil {
		return nil, err
	}
	if p.context || !p.Definite() {
		return nil, fmt.Errorf("reference path %q must select a single node of the input", src)
	}
	return p, nil
}

// String returns the path as written.
func (p *Path) String() string { return p.src }

// Definite reports whether the path selects at most one node, in which case
// Eval returns that node rather than an array of matches.
func (p *Path) Definite() bool {
	for _, s := range p.segs {
		if s.descend || (s.kind != segName && s.kind != segIndex) {
			return false
		}
	}
	return true
}

// Eval selects from env.Input, or env.Context for a `$$` path. A definite
// path that selects nothing is a *PathError; an indefinite one returns the
// (possibly empty) array of matches.
func (p *Path) Eval(env *Env) (any, error) {
	root := env.Input
	if p.context {
		root = env.Context
	}
	nodes := p.selectFrom(root)
	if !p.Definite() {
		if nodes == nil {
			nodes = []any{}
		}
		return nodes, nil
	}
	if len(nodes) == 0 {
		return nil, &PathError{Path: p.src, Reason: "could not be found in the input " + compact(root)}
	}
	return nodes[0], nil
}

// Exists reports whether a definite path selects a node (Choice IsPresent).
func (p *Path) Exists(env *Env) bool {
	root := env.Input
	if p.context {
		root = env.Context
	}
	return len(p.selectFrom(root)) > 0
}

func (p *Path) selectFrom(root any) []any {
	nodes := []any{root}
	for _, s := range p.segs {
		var next []any
		for _, n := range nodes {
			if s.descend {
				for _, d := range descendants(n, nil) {
					next = s.apply(d, next)
				}
			} else {
				next = s.apply(n, next)
			}
		}
		nodes = next
	}
	return nodes
}

// descendants lists n and everything below it, objects in key order.
func descendants(n any, out []any) []any {
	out = append(out, n)
	switch v := n.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out = descendants(v[k], out)
		}
	case []any:
		for _, c := range v {
			out = descendants(c, out)
		}
	}
	return out
}

// children lists the members of an object (in key order) or array.
func children(n any) []any {
	switch v := n.(type) {
	case map[string]any:
		out := make([]any, 0, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out = append(out, v[k])
		}
		return out
	case []any:
		return v
	}
	return nil
}

// apply appends what s selects from n to out.
func (s *segment) apply(n any, out []any) []any {
	switch s.kind {
	case segName:
		if m, ok := n.(map[string]any); ok {
			if v, ok := m[s.name]; ok {
				out = append(out, v)
			}
		}
	case segIndex:
		if a, ok := n.([]any); ok {
			if i, ok := arrayIndex(s.index, len(a)); ok {
				out = append(out, a[i])
			}
		}
	case segWildcard:
		out = append(out, children(n)...)
	case segUnion:
		for _, name := range s.names {
			out = (&segment{kind: segName, name: name}).apply(n, out)
		}
		for _, i := range s.indexes {
			out = (&segment{kind: segIndex, index: i}).apply(n, out)
		}
	case segSlice:
		if a, ok := n.([]any); ok {
			out = appendSlice(a, s.slice, out)
		}
	case segFilter:
		for _, c := range children(n) {
			if s.filter.match(c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// arrayIndex resolves a possibly negative index into an array of length n.
func arrayIndex(i, n int) (int, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

func appendSlice(a []any, bounds [3]*int, out []any) []any {
	step := 1
	if bounds[2] != nil {
		step = *bounds[2]
	}
	if step <= 0 {
		return out
	}
	start, end := 0, len(a)
	if bounds[0] != nil {
		start = clampIndex(*bounds[0], len(a))
	}
	if bounds[1] != nil {
		end = clampIndex(*bounds[1], len(a))
	}
	for i := start; i < end; i += step {
		out = append(out, a[i])
	}
	return out
}

func clampIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

// parseSegment reads one segment from the front of s.
func parseSegment(s string) (segment, string, error) {
	switch {
	case strings.HasPrefix(s, ".."):
		s = s[2:]
		if strings.HasPrefix(s, "[") {
			seg, rest, err := parseBracket(s)
			seg.descend = true
			return seg, rest, err
		}
		seg, rest, err := parseDotted(s)
		seg.descend = true
		return seg, rest, err
	case strings.HasPrefix(s, "."):
		return parseDotted(s[1:])
	case strings.HasPrefix(s, "["):
		return parseBracket(s)
	}
	return segment{}, "", fmt.Errorf("unexpected %q", s)
}

func parseDotted(s string) (segment, string, error) {
	end := strings.IndexAny(s, ".[")
	if end < 0 {
		end = len(s)
	}
	name := s[:end]
	switch {
	case name == "":
		return segment{}, "", fmt.Errorf("empty name")
	case name == "*":
		return segment{kind: segWildcard}, s[end:], nil
	case strings.ContainsAny(name, "]'\" \t()"):
		return segment{}, "", fmt.Errorf("invalid name %q", name)
	}
	return segment{kind: segName, name: name}, s[end:], nil
}

// parseBracket reads `[...]` from the front of s.
func parseBracket(s string) (segment, string, error) {
	end, err := closingBracket(s)
	if err != nil {
		return segment{}, "", err
	}
	body, rest := strings.TrimSpace(s[1:end]), s[end+1:]
	switch {
	case body == "*":
		return segment{kind: segWildcard}, rest, nil
	case strings.HasPrefix(body, "?(") && strings.HasSuffix(body, ")"):
		f, err := parseFilter(body[2 : len(body)-1])
		return segment{kind: segFilter, filter: f}, rest, err
	case strings.HasPrefix(body, "'") || strings.HasPrefix(body, `"`):
		names, err := parseQuotedList(body)
		if err != nil {
			return segment{}, "", err
		}
		if len(names) == 1 {
			return segment{kind: segName, name: names[0]}, rest, nil
		}
		return segment{kind: segUnion, names: names}, rest, nil
	case strings.Contains(body, ":"):
		seg, err := parseSlice(body)
		return seg, rest, err
	}
	var idx []int
	for part := range strings.SplitSeq(body, ",") {
		i, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return segment{}, "", fmt.Errorf("invalid index %q", part)
		}
		idx = append(idx, i)
	}
	if len(idx) == 1 {
		return segment{kind: segIndex, index: idx[0]}, rest, nil
	}
	return segment{kind: segUnion, indexes: idx}, rest, nil
}

// closingBracket finds the `]` that closes the `[` at s[0], skipping quoted
// text and nested brackets.
func closingBracket(s string) (int, error) {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("unclosed '[' in %q", s)
}

func parseQuotedList(body string) ([]string, error) {
	var names []string
	for {
		name, rest, err := readQuoted(body)
		if err != nil {
			return nil, err
		}
		names = append(names, name)
		rest = strings.TrimSpace(rest)
		if rest == "" {
			return names, nil
		}
		after, ok := strings.CutPrefix(rest, ",")
		if !ok {
			return nil, fmt.Errorf("expected ',' before %q", rest)
		}
		body = strings.TrimSpace(after)
	}
}

// readQuoted reads a '...' or "..." string with backslash escapes from the
// front of s.
func readQuoted(s string) (string, string, error) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", "", fmt.Errorf("expected a quoted string at %q", s)
	}
	quote := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == quote:
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated string %q", s)
}

func parseSlice(body string) (segment, error) {
	parts := strings.Split(body, ":")
	if len(parts) > 3 {
		return segment{}, fmt.Errorf("invalid slice %q", body)
	}
	seg := segment{kind: segSlice}
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			return segment{}, fmt.Errorf("invalid slice %q", body)
		}
		seg.slice[i] = &n
	}
	return seg, nil
}
