package jsonpath

import (
	"errors"
	"fmt"
	"strings"
)

// call is a compiled intrinsic function call.
type call struct {
	name string
	src  string
	args []Expr
	fn   func(a *args) (any, error)
}

// literal is a constant argument of an intrinsic function.
type literal struct {
	v   any
	raw string // a string literal's text between the quotes, escapes kept
	src string
}

// formatTemplate is States.Format's first argument when written as a
// literal: it keeps its escapes so that `\{` stays a brace, not a placeholder.
type formatTemplate string

func (l *literal) Eval(*Env) (any, error) { return l.v, nil }
func (l *literal) String() string         { return l.src }
func (c *call) String() string            { return c.src }

// Eval evaluates the arguments, then the function.
func (c *call) Eval(env *Env) (any, error) {
	vals := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.Eval(env)
		if pe, ok := errors.AsType[*PathError](err); ok {
			return nil, &IntrinsicError{Func: c.name, Reason: pe.Error()}
		}
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return c.fn(&args{fn: c.name, v: vals, env: env})
}

type parser struct {
	s string
	i int
}

func parseCall(src string) (*call, error) {
	p := &parser{s: src}
	c, err := p.call()
	if err == nil {
		p.skipSpace()
		if p.i < len(p.s) {
			err = fmt.Errorf("unexpected %q after the call", p.s[p.i:])
		}
	}
	if err != nil {
		return nil, fmt.Errorf("intrinsic function %q: %w", src, err)
	}
	return c, nil
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *parser) call() (*call, error) {
	start := p.i
	open := strings.IndexByte(p.s[p.i:], '(')
	if open < 0 {
		return nil, errors.New("missing '('")
	}
	name := strings.TrimSpace(p.s[p.i : p.i+open])
	spec, ok := intrinsics[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %q", name)
	}
	p.i += open + 1
	c := &call{name: name, fn: spec.fn}
	p.skipSpace()
	if p.peek() == ')' {
		p.i++
	} else if err := p.argList(c); err != nil {
		return nil, err
	}
	c.src = p.s[start:p.i]
	if len(c.args) < spec.min || (spec.max >= 0 && len(c.args) > spec.max) {
		return nil, fmt.Errorf("%s takes %s, got %d", name, spec.arity(), len(c.args))
	}
	if l, ok := firstArg(c).(*literal); ok && name == "States.Format" {
		if _, isString := l.v.(string); isString {
			c.args[0] = &literal{v: formatTemplate(l.raw), src: l.src}
		}
	}
	return c, nil
}

func firstArg(c *call) Expr {
	if len(c.args) == 0 {
		return nil
	}
	return c.args[0]
}

// argList reads `arg, arg, ...)`.
func (p *parser) argList(c *call) error {
	for {
		p.skipSpace()
		a, err := p.arg()
		if err != nil {
			return err
		}
		c.args = append(c.args, a)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.i++
		case ')':
			p.i++
			return nil
		default:
			return fmt.Errorf("expected ',' or ')' at %q", p.s[p.i:])
		}
	}
}

func (p *parser) arg() (Expr, error) {
	rest := p.s[p.i:]
	switch {
	case strings.HasPrefix(rest, "'"):
		return p.stringLiteral()
	case strings.HasPrefix(rest, "$"):
		end := p.argEnd()
		path, err := Parse(strings.TrimSpace(p.s[p.i:end]))
		p.i = end
		return path, err
	case strings.HasPrefix(rest, "States."):
		return p.call()
	}
	end := p.argEnd()
	src := strings.TrimSpace(p.s[p.i:end])
	v, err := parseLiteral(src)
	if err != nil || src == "" || strings.HasPrefix(src, `"`) {
		return nil, fmt.Errorf("invalid argument %q", src)
	}
	p.i = end
	return &literal{v: v, src: src}, nil
}

// stringLiteral reads a single-quoted string in which `\` escapes the next
// character.
func (p *parser) stringLiteral() (Expr, error) {
	start := p.i
	var b strings.Builder
	for i := start + 1; i < len(p.s); i++ {
		switch c := p.s[i]; {
		case c == '\\' && i+1 < len(p.s):
			i++
			b.WriteByte(p.s[i])
		case c == '\'':
			p.i = i + 1
			return &literal{v: b.String(), raw: p.s[start+1 : i], src: p.s[start:p.i]}, nil
		default:
			b.WriteByte(c)
		}
	}
	return nil, fmt.Errorf("unterminated string at %q", p.s[start:])
}

// argEnd finds the ',' or ')' that ends the argument starting at p.i,
// skipping brackets and quoted text inside a path.
func (p *parser) argEnd() int {
	depth := 0
	var quote byte
	for i := p.i; i < len(p.s); i++ {
		c := p.s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']':
			depth--
		case c == ')' && depth > 0:
			depth--
		case (c == ',' || c == ')') && depth == 0:
			return i
		}
	}
	return len(p.s)
}
