package jsonpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
)

// Env is what a path, template or intrinsic function is evaluated against.
type Env struct {
	// Input is the value `$` refers to.
	Input any
	// Context is the context object `$$` refers to.
	Context any
	// Rand feeds States.MathRandom (without a seed) and States.UUID; nil
	// uses math/rand/v2's global source. It must be safe for concurrent use.
	Rand rand.Source
}

func (e *Env) random() *rand.Rand {
	if e.Rand == nil {
		return rand.New(globalSource{})
	}
	return rand.New(e.Rand)
}

type globalSource struct{}

func (globalSource) Uint64() uint64 { return rand.Uint64() }

// Decode parses one JSON value, keeping numbers as json.Number so that they
// come out exactly as they went in.
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// Equal reports whether two JSON values are equal, comparing numbers by value.
func Equal(a, b any) bool {
	if na, ok := a.(json.Number); ok {
		nb, ok := b.(json.Number)
		if !ok {
			return false
		}
		fa, erra := na.Float64()
		fb, errb := nb.Float64()
		return erra == nil && errb == nil && fa == fb
	}
	switch av := a.(type) {
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !Equal(av[i], bv[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !Equal(x, y) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// Float returns a JSON number as a float64.
func Float(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// Int returns a JSON number that holds an integer.
func Int(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

// Number returns an integer as a JSON number.
func Number(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

// TypeName names the JSON type of v for error messages.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// Encode renders v as compact JSON without escaping <, > and &, as Step
// Functions does.
func Encode(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// compact renders v as compact JSON for messages and States.JsonToString.
func compact(v any) string {
	b, err := Encode(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
