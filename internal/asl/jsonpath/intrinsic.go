package jsonpath

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
)

// intrinsic describes one States.* function: its arity (max -1 = any) and body.
type intrinsic struct {
	min, max int
	fn       func(a *args) (any, error)
}

func (s intrinsic) arity() string {
	switch {
	case s.max < 0:
		return fmt.Sprintf("at least %d arguments", s.min)
	case s.min == s.max:
		return fmt.Sprintf("%d arguments", s.min)
	}
	return fmt.Sprintf("%d to %d arguments", s.min, s.max)
}

// Limits Step Functions puts on intrinsic results.
const (
	maxArrayRange = 1000 // States.ArrayRange: at most 1000 items
)

// intrinsics are the supported functions by name.
var intrinsics = map[string]intrinsic{
	"States.Format":         {1, -1, format},
	"States.StringToJson":   {1, 1, stringToJSON},
	"States.JsonToString":   {1, 1, func(a *args) (any, error) { return compact(a.v[0]), nil }},
	"States.Array":          {0, -1, func(a *args) (any, error) { return append([]any{}, a.v...), nil }},
	"States.ArrayPartition": {2, 2, arrayPartition},
	"States.ArrayContains":  {2, 2, arrayContains},
	"States.ArrayRange":     {3, 3, arrayRange},
	"States.ArrayGetItem":   {2, 2, arrayGetItem},
	"States.ArrayLength":    {1, 1, arrayLength},
	"States.ArrayUnique":    {1, 1, arrayUnique},
	"States.Base64Encode":   {1, 1, base64Encode},
	"States.Base64Decode":   {1, 1, base64Decode},
	"States.Hash":           {2, 2, hashFn},
	"States.JsonMerge":      {3, 3, jsonMerge},
	"States.MathRandom":     {2, 3, mathRandom},
	"States.MathAdd":        {2, 2, mathAdd},
	"States.StringSplit":    {2, 2, stringSplit},
	"States.UUID":           {0, 0, uuid},
}

// args are the evaluated arguments of one call, with typed accessors.
type args struct {
	fn  string
	v   []any
	env *Env
}

func (a *args) errorf(format string, x ...any) error { return intrinsicErrorf(a.fn, format, x...) }

func (a *args) wrongType(i int, want string) error {
	return a.errorf("argument %d must be %s, got %s %s", i+1, want, TypeName(a.v[i]), compact(a.v[i]))
}

func (a *args) str(i int) (string, error) {
	s, ok := a.v[i].(string)
	if !ok {
		return "", a.wrongType(i, "a string")
	}
	return s, nil
}

func (a *args) integer(i int) (int64, error) {
	n, ok := Int(a.v[i])
	if !ok {
		return 0, a.wrongType(i, "an integer")
	}
	return n, nil
}

func (a *args) array(i int) ([]any, error) {
	arr, ok := a.v[i].([]any)
	if !ok {
		return nil, a.wrongType(i, "an array")
	}
	return arr, nil
}

func (a *args) object(i int) (map[string]any, error) {
	m, ok := a.v[i].(map[string]any)
	if !ok {
		return nil, a.wrongType(i, "an object")
	}
	return m, nil
}

// format replaces each `{}` in the template with the next argument.
func format(a *args) (any, error) {
	var tmpl string
	escaped := false
	switch t := a.v[0].(type) {
	case formatTemplate:
		tmpl, escaped = string(t), true
	case string:
		tmpl = t
	default:
		return nil, a.wrongType(0, "a string")
	}
	var b strings.Builder
	next := 1
	for i := 0; i < len(tmpl); i++ {
		switch c := tmpl[i]; {
		case escaped && c == '\\' && i+1 < len(tmpl):
			i++
			b.WriteByte(tmpl[i])
		case c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}':
			if next >= len(a.v) {
				return nil, a.errorf("the template has more placeholders than the %d arguments", len(a.v)-1)
			}
			s, err := formatArg(a, next)
			if err != nil {
				return nil, err
			}
			b.WriteString(s)
			next++
			i++
		default:
			b.WriteByte(c)
		}
	}
	if next != len(a.v) {
		return nil, a.errorf("the template has %d placeholders for %d arguments", next-1, len(a.v)-1)
	}
	return b.String(), nil
}

func formatArg(a *args, i int) (string, error) {
	switch v := a.v[i].(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "null", nil
	}
	return "", a.wrongType(i, "a string, number, boolean or null")
}

func stringToJSON(a *args) (any, error) {
	s, err := a.str(0)
	if err != nil {
		return nil, err
	}
	v, err := Decode([]byte(s))
	if err != nil {
		return nil, a.errorf("invalid JSON %q: %v", s, err)
	}
	return v, nil
}

func arrayPartition(a *args) (any, error) {
	arr, err := a.array(0)
	if err != nil {
		return nil, err
	}
	size, err := a.integer(1)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, a.errorf("chunk size must be positive, got %d", size)
	}
	out := []any{}
	for start := 0; start < len(arr); start += int(size) {
		end := min(start+int(size), len(arr))
		out = append(out, append([]any{}, arr[start:end]...))
	}
	return out, nil
}

func arrayContains(a *args) (any, error) {
	arr, err := a.array(0)
	if err != nil {
		return nil, err
	}
	for _, v := range arr {
		if Equal(v, a.v[1]) {
			return true, nil
		}
	}
	return false, nil
}

func arrayRange(a *args) (any, error) {
	var n [3]int64
	for i := range n {
		v, err := a.integer(i)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, a.errorf("step must not be 0")
	}
	out := []any{}
	for i := start; (step > 0 && i <= end) || (step < 0 && i >= end); i += step {
		if len(out) == maxArrayRange {
			return nil, a.errorf("the range has more than %d items", maxArrayRange)
		}
		out = append(out, Number(i))
	}
	return out, nil
}

func arrayGetItem(a *args) (any, error) {
	arr, err := a.array(0)
	if err != nil {
		return nil, err
	}
	i, err := a.integer(1)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(arr)) {
		return nil, a.errorf("index %d is outside the array of %d items", i, len(arr))
	}
	return arr[i], nil
}

func arrayLength(a *args) (any, error) {
	arr, err := a.array(0)
	if err != nil {
		return nil, err
	}
	return Number(int64(len(arr))), nil
}

func arrayUnique(a *args) (any, error) {
	arr, err := a.array(0)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, v := range arr {
		if !containsEqual(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

func containsEqual(arr []any, v any) bool {
	for _, x := range arr {
		if Equal(x, v) {
			return true
		}
	}
	return false
}

func base64Encode(a *args) (any, error) {
	s, err := a.str(0)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(a *args) (any, error) {
	s, err := a.str(0)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, a.errorf("invalid base64 %q: %v", s, err)
	}
	return string(b), nil
}

var hashes = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func hashFn(a *args) (any, error) {
	data, err := a.str(0)
	if err != nil {
		return nil, err
	}
	alg, err := a.str(1)
	if err != nil {
		return nil, err
	}
	newHash, ok := hashes[alg]
	if !ok {
		return nil, a.errorf("unknown algorithm %q (want MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", alg)
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(a *args) (any, error) {
	left, err := a.object(0)
	if err != nil {
		return nil, err
	}
	right, err := a.object(1)
	if err != nil {
		return nil, err
	}
	deep, ok := a.v[2].(bool)
	if !ok {
		return nil, a.wrongType(2, "a boolean")
	}
	if deep {
		// Step Functions supports only the shallow merge.
		return nil, a.errorf("deep merge is not supported; pass false")
	}
	out := maps.Clone(left)
	maps.Copy(out, right)
	return out, nil
}

func mathRandom(a *args) (any, error) {
	start, err := a.integer(0)
	if err != nil {
		return nil, err
	}
	end, err := a.integer(1)
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, a.errorf("end %d must be greater than start %d", end, start)
	}
	r := a.env.random()
	if len(a.v) == 3 {
		seed, err := a.integer(2)
		if err != nil {
			return nil, err
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0))
	}
	// The end is exclusive.
	return Number(start + r.Int64N(end-start)), nil
}

func mathAdd(a *args) (any, error) {
	x, okx := Int(a.v[0])
	y, oky := Int(a.v[1])
	if okx && oky {
		return Number(x + y), nil
	}
	fx, okx := Float(a.v[0])
	fy, oky := Float(a.v[1])
	if !okx {
		return nil, a.wrongType(0, "a number")
	}
	if !oky {
		return nil, a.wrongType(1, "a number")
	}
	return json.Number(strconv.FormatFloat(fx+fy, 'f', -1, 64)), nil
}

// stringSplit splits on any of the delimiter's characters, dropping empty
// pieces.
func stringSplit(a *args) (any, error) {
	s, err := a.str(0)
	if err != nil {
		return nil, err
	}
	delims, err := a.str(1)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, part)
	}
	return out, nil
}

// uuid returns a version 4 UUID drawn from the environment's random source.
func uuid(a *args) (any, error) {
	r := a.env.random()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], r.Uint64())
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
