package jsonpath_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl/jsonpath"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	v, err := jsonpath.Decode([]byte(s))
	require.NoError(t, err)
	return v
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := jsonpath.Encode(v)
	require.NoError(t, err)
	return string(b)
}

func TestPathEval(t *testing.T) {
	// The first document is the ASL specification's example for paths.
	doc := `{"foo":123,"bar":["a","b","c"],"car":{"cdr":true},
		"items":[{"id":1,"tag":"x","size":5},{"id":2,"tag":"y","size":15},{"id":3,"size":25}],
		"odd key":{"a.b":"dotted"},"nested":{"deep":{"id":9}}}`
	ctx := `{"Execution":{"Id":"arn:x","Input":{"a":1}},"State":{"Name":"S"}}`
	tests := []struct {
		path, want string
	}{
		{"$", doc},
		{"$.foo", `123`},
		{"$.bar", `["a","b","c"]`},
		{"$.car.cdr", `true`},
		{"$.bar[0]", `"a"`},
		{"$.bar[-1]", `"c"`},
		{"$['odd key']['a.b']", `"dotted"`},
		{`$["odd key"]`, `{"a.b":"dotted"}`},
		{"$.items[1].tag", `"y"`},
		{"$.bar[*]", `["a","b","c"]`},
		{"$.car.*", `[true]`},
		{"$.items[*].id", `[1,2,3]`},
		{"$.items[*].tag", `["x","y"]`},
		{"$.bar[0:2]", `["a","b"]`},
		{"$.bar[1:]", `["b","c"]`},
		{"$.bar[-2:]", `["b","c"]`},
		{"$.bar[::2]", `["a","c"]`},
		{"$.bar[0,2]", `["a","c"]`},
		{"$['foo','car']", `[123,{"cdr":true}]`},
		{"$..id", `[1,2,3,9]`},
		{"$.items..tag", `["x","y"]`},
		{"$..[0]", `["a",{"id":1,"size":5,"tag":"x"}]`},
		{"$.items[?(@.size > 10)].id", `[2,3]`},
		{"$.items[?(@.size >= 15)].id", `[2,3]`},
		{"$.items[?(@.size < 15)].id", `[1]`},
		{"$.items[?(@.size <= 15)].id", `[1,2]`},
		{"$.items[?(@.tag == 'y')].id", `[2]`},
		{`$.items[?(@.tag != "y")].id`, `[1]`}, // a member without the field never matches
		{"$.items[?(@.tag)].id", `[1,2]`},
		{"$.items[?(@.tag > 'x')].id", `[2]`},
		{"$.items[?(@.size > 'x')].id", `[]`},
		{"$.items[?(@.tag == null)].id", `[]`},
		{"$.missing[*]", `[]`},
		{"$$.Execution.Id", `"arn:x"`},
		{"$$.Execution.Input.a", `1`},
		{"$$", ctx},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := jsonpath.Parse(tt.path)
			require.NoError(t, err)
			require.Equal(t, tt.path, p.String())
			v, err := p.Eval(&jsonpath.Env{Input: decode(t, doc), Context: decode(t, ctx)})
			require.NoError(t, err)
			require.JSONEq(t, tt.want, encode(t, v))
		})
	}
}

func TestPathNotFound(t *testing.T) {
	for _, path := range []string{"$.missing", "$.foo.bar", "$.bar[3]", "$.bar[-4]", "$.bar.x", "$.foo[0]"} {
		t.Run(path, func(t *testing.T) {
			p, err := jsonpath.Parse(path)
			require.NoError(t, err)
			env := &jsonpath.Env{Input: decode(t, `{"foo":1,"bar":[1,2,3]}`)}
			_, err = p.Eval(env)
			var perr *jsonpath.PathError
			require.ErrorAs(t, err, &perr)
			require.Contains(t, err.Error(), "could not be found")
			require.False(t, p.Exists(env))
		})
	}
}

func TestPathExists(t *testing.T) {
	p, err := jsonpath.Parse("$$.State.Name")
	require.NoError(t, err)
	require.True(t, p.Exists(&jsonpath.Env{Context: decode(t, `{"State":{"Name":null}}`)}), "a null value is present")
}

func TestParseRejectsBadPaths(t *testing.T) {
	for _, path := range []string{"", "a.b", "$.", "$..", "$a", "$.a[", "$.a['b]", "$.a[x]", "$.a[1:2:3:4]", "$.a[a:b]",
		"$['a' 'b']", "$.a b", "$.a[?(x > 1)]", "$.a[?(@.b > )]", "$.a[?(@.b == 'x' y)]", "$.a[?(@.b == [1])]", "$.a[?(@[ == 1)]", "$.a[?(@.b == 'x)]"} {
		t.Run(path, func(t *testing.T) {
			_, err := jsonpath.Parse(path)
			require.Error(t, err)
		})
	}
}

func TestParseReference(t *testing.T) {
	for _, ok := range []string{"$", "$.a", "$.a.b", "$['a b']", "$.a[0]"} {
		_, err := jsonpath.ParseReference(ok)
		require.NoError(t, err, ok)
	}
	for _, bad := range []string{"$.a[*]", "$..a", "$.a[0:1]", "$$.a", "$.a[?(@.b)]", "nope"} {
		_, err := jsonpath.ParseReference(bad)
		require.Error(t, err, bad)
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		name, path, doc, value, want string
	}{
		{"root replaces the document", "$", `{"a":1}`, `2`, `2`},
		{"new field", "$.b", `{"a":1}`, `2`, `{"a":1,"b":2}`},
		{"existing field", "$.a", `{"a":1}`, `{"x":true}`, `{"a":{"x":true}}`},
		{"intermediate objects are created", "$.x.y.z", `{"a":1}`, `"v"`, `{"a":1,"x":{"y":{"z":"v"}}}`},
		{"into an existing object", "$.x.y", `{"x":{"keep":1}}`, `2`, `{"x":{"keep":1,"y":2}}`},
		{"array element", "$.list[1].v", `{"list":[{"v":1},{"v":2}]}`, `9`, `{"list":[{"v":1},{"v":9}]}`},
		{"bracket name", "$['a b']", `{}`, `1`, `{"a b":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := jsonpath.ParseReference(tt.path)
			require.NoError(t, err)
			doc := decode(t, tt.doc)
			before := encode(t, doc)
			out, err := p.Set(doc, decode(t, tt.value))
			require.NoError(t, err)
			require.JSONEq(t, tt.want, encode(t, out))
			require.Equal(t, before, encode(t, doc), "the input is not modified")
		})
	}
}

func TestSetFailures(t *testing.T) {
	tests := []struct {
		name, path, doc string
	}{
		{"through a string", "$.a.b", `{"a":"text"}`},
		{"through null", "$.a.b", `{"a":null}`},
		{"into a non-object document", "$.a", `[1]`},
		{"index into an object", "$.a[0]", `{"a":{}}`},
		{"index out of range", "$.a[5]", `{"a":[1]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := jsonpath.ParseReference(tt.path)
			require.NoError(t, err)
			_, err = p.Set(decode(t, tt.doc), "v")
			var perr *jsonpath.PathError
			require.ErrorAs(t, err, &perr)
		})
	}
}

func TestValueHelpers(t *testing.T) {
	_, err := jsonpath.Decode([]byte(`{} {}`))
	require.Error(t, err)
	_, err = jsonpath.Decode([]byte(`{`))
	require.Error(t, err)
	require.True(t, jsonpath.Equal(decode(t, `{"a":[1,2.0,{"b":null}]}`), decode(t, `{"a":[1.0,2,{"b":null}]}`)))
	require.False(t, jsonpath.Equal(decode(t, `{"a":1}`), decode(t, `{"a":1,"b":2}`)))
	require.False(t, jsonpath.Equal(decode(t, `{"a":1}`), decode(t, `{"b":1}`)))
	require.False(t, jsonpath.Equal(decode(t, `[1]`), decode(t, `[1,2]`)))
	require.False(t, jsonpath.Equal(decode(t, `[1]`), decode(t, `[2]`)))
	require.False(t, jsonpath.Equal(decode(t, `1`), decode(t, `"1"`)))
	require.True(t, jsonpath.Equal("a", "a"))
	n, ok := jsonpath.Int(decode(t, `3.0`))
	require.True(t, ok)
	require.EqualValues(t, 3, n)
	_, ok = jsonpath.Int(decode(t, `3.5`))
	require.False(t, ok)
	_, ok = jsonpath.Int("3")
	require.False(t, ok)
	_, ok = jsonpath.Float("3")
	require.False(t, ok)
	for v, want := range map[string]string{`null`: "null", `"s"`: "string", `1`: "number", `true`: "boolean", `[]`: "array", `{}`: "object"} {
		require.Equal(t, want, jsonpath.TypeName(decode(t, v)))
	}
	require.Equal(t, "int", jsonpath.TypeName(1))
	_, err = jsonpath.Encode(func() {})
	require.Error(t, err)
	require.Equal(t, `"<a&b>"`, encode(t, "<a&b>"), "no HTML escaping")
}
