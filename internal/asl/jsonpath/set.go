package jsonpath

import (
	"fmt"
	"maps"
	"slices"
)

// Set returns a copy of doc with value placed where the reference path p
// points (ResultPath), creating missing intermediate objects. Only the
// containers along the path are copied; doc itself is left untouched.
func (p *Path) Set(doc, value any) (any, error) {
	return p.set(doc, true, p.segs, value)
}

func (p *Path) set(cur any, present bool, segs []segment, value any) (any, error) {
	if len(segs) == 0 {
		return value, nil
	}
	s := segs[0]
	switch {
	case s.kind == segName:
		var m map[string]any
		switch c := cur.(type) {
		case map[string]any:
			m = maps.Clone(c)
		case nil:
			if present {
				return nil, p.mismatch(cur)
			}
			m = map[string]any{}
		default:
			return nil, p.mismatch(cur)
		}
		child, ok := m[s.name]
		v, err := p.set(child, ok, segs[1:], value)
		if err != nil {
			return nil, err
		}
		m[s.name] = v
		return m, nil
	case s.kind == segIndex:
		a, ok := cur.([]any)
		if !ok {
			return nil, p.mismatch(cur)
		}
		i, ok := arrayIndex(s.index, len(a))
		if !ok {
			return nil, &PathError{Path: p.src, Reason: fmt.Sprintf("index %d is outside the array of %d items", s.index, len(a))}
		}
		a = slices.Clone(a)
		v, err := p.set(a[i], true, segs[1:], value)
		if err != nil {
			return nil, err
		}
		a[i] = v
		return a, nil
	}
	return nil, &PathError{Path: p.src, Reason: "is not a reference path"}
}

func (p *Path) mismatch(cur any) error {
	return &PathError{Path: p.src, Reason: "cannot be applied to the " + TypeName(cur) + " " + compact(cur)}
}
