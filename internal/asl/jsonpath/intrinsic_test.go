package jsonpath_test

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl/jsonpath"
)

func evalExpr(t *testing.T, src, input string, r rand.Source) (any, error) {
	t.Helper()
	e, err := jsonpath.ParseExpr(src)
	require.NoError(t, err)
	require.Equal(t, src, e.String())
	return e.Eval(&jsonpath.Env{Input: decode(t, input), Context: decode(t, `{"State":{"Name":"S"}}`), Rand: r})
}

func TestIntrinsicFunctions(t *testing.T) {
	input := `{"name":"Ann","n":3,"list":[1,2,2,3,1],"obj":{"a":1,"b":{"c":2}},"other":{"b":3,"d":4},
		"json":"{\"x\":[1,2]}","csv":"a,b,,c","tmpl":"{} and {}","big":1.5}`
	tests := []struct {
		name, expr, want string
	}{
		// Examples from the Step Functions documentation of intrinsic functions.
		{"Format", `States.Format('Hello, my name is {}.', $.name)`, `"Hello, my name is Ann."`},
		{"Format with several kinds of values", `States.Format('{} {} {} {}', $.n, true, null, $.big)`, `"3 true null 1.5"`},
		{"Format with escaped braces and quote", `States.Format('\{\} it\'s {}\\', $.name)`, `"{} it's Ann\\"`},
		{"Format with a template from a path", `States.Format($.tmpl, 1, 'b')`, `"1 and b"`},
		{"Format with the context object", `States.Format('state {}', $$.State.Name)`, `"state S"`},
		{"StringToJson", `States.StringToJson($.json)`, `{"x":[1,2]}`},
		{"JsonToString", `States.JsonToString($.obj)`, `"{\"a\":1,\"b\":{\"c\":2}}"`},
		{"Array", `States.Array('a', 1, $.name, States.Array())`, `["a",1,"Ann",[]]`},
		{"ArrayPartition", `States.ArrayPartition($.list, 2)`, `[[1,2],[2,3],[1]]`},
		{"ArrayPartition of an empty array", `States.ArrayPartition(States.Array(), 2)`, `[]`},
		{"ArrayContains", `States.ArrayContains($.list, 3)`, `true`},
		{"ArrayContains missing", `States.ArrayContains($.list, 9)`, `false`},
		{"ArrayRange", `States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
		{"ArrayRange down", `States.ArrayRange(3, -3, -3)`, `[3,0,-3]`},
		{"ArrayGetItem", `States.ArrayGetItem($.list, 3)`, `3`},
		{"ArrayLength", `States.ArrayLength($.list)`, `5`},
		{"ArrayUnique", `States.ArrayUnique($.list)`, `[1,2,3]`},
		{"Base64Encode", `States.Base64Encode('Data to encode')`, `"RGF0YSB0byBlbmNvZGU="`},
		{"Base64Decode", `States.Base64Decode('RGF0YSB0byBlbmNvZGU=')`, `"Data to encode"`},
		{"Hash SHA-1", `States.Hash('input data', 'SHA-1')`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"Hash MD5", `States.Hash('', 'MD5')`, `"d41d8cd98f00b204e9800998ecf8427e"`},
		{"Hash SHA-256", `States.Hash('abc', 'SHA-256')`, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{"Hash SHA-384", `States.Hash('abc', 'SHA-384')`, `"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"`},
		{"Hash SHA-512", `States.Hash('abc', 'SHA-512')`, `"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"`},
		{"JsonMerge is shallow", `States.JsonMerge($.obj, $.other, false)`, `{"a":1,"b":3,"d":4}`},
		{"MathAdd", `States.MathAdd($.n, -1)`, `2`},
		{"MathAdd with a fraction", `States.MathAdd($.big, 1)`, `2.5`},
		{"MathRandom with a seed is deterministic", `States.MathRandom(1, 1000, 42)`, ``},
		{"StringSplit", `States.StringSplit($.csv, ',')`, `["a","b","c"]`},
		{"StringSplit on several delimiters", `States.StringSplit('This.is+a,test=string', '.+,=')`, `["This","is","a","test","string"]`},
		{"nested calls", `States.ArrayLength(States.StringSplit(States.Format('{}-{}', 'a', 'b'), '-'))`, `2`},
		{"path with brackets and commas", `States.Format('{}', $['obj']['a'])`, `"1"`},
		{"whitespace between arguments", `States.Array( 1 ,	2 )`, `[1,2]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := evalExpr(t, tt.expr, input, nil)
			require.NoError(t, err)
			if tt.want == "" {
				again, err := evalExpr(t, tt.expr, input, nil)
				require.NoError(t, err)
				require.Equal(t, v, again)
				n, ok := jsonpath.Int(v)
				require.True(t, ok && n >= 1 && n < 1000, "got %v", v)
				return
			}
			require.JSONEq(t, tt.want, encode(t, v))
		})
	}
}

func TestRandomIntrinsicsUseTheEnvironmentSource(t *testing.T) {
	draw := func(seed uint64) (any, any) {
		r := rand.NewPCG(seed, 0)
		n, err := evalExpr(t, `States.MathRandom(0, 1000000)`, `{}`, r)
		require.NoError(t, err)
		u, err := evalExpr(t, `States.UUID()`, `{}`, r)
		require.NoError(t, err)
		return n, u
	}
	n1, u1 := draw(7)
	n2, u2 := draw(7)
	require.Equal(t, n1, n2)
	require.Equal(t, u1, u2)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), u1)
	n3, _ := draw(8)
	require.NotEqual(t, n1, n3)
	v, err := evalExpr(t, `States.MathRandom(5, 6)`, `{}`, nil)
	require.NoError(t, err)
	require.JSONEq(t, `5`, encode(t, v), "the end is exclusive")
}

func TestIntrinsicFailures(t *testing.T) {
	input := `{"s":"text","list":[1],"obj":{"a":1}}`
	tests := []struct {
		name, expr, want string
	}{
		{"Format with too few arguments", `States.Format('{} {}', 1)`, "more placeholders"},
		{"Format with too many arguments", `States.Format('{}', 1, 2)`, "1 placeholders for 2 arguments"},
		{"Format of an object", `States.Format('{}', $.obj)`, "must be a string, number, boolean or null"},
		{"Format template not a string", `States.Format(1)`, "argument 1 must be a string"},
		{"StringToJson of bad JSON", `States.StringToJson('{bad')`, "invalid JSON"},
		{"StringToJson of a number", `States.StringToJson(1)`, "must be a string"},
		{"ArrayPartition of a string", `States.ArrayPartition($.s, 1)`, "must be an array"},
		{"ArrayPartition size 0", `States.ArrayPartition($.list, 0)`, "chunk size must be positive"},
		{"ArrayPartition size not an integer", `States.ArrayPartition($.list, 1.5)`, "must be an integer"},
		{"ArrayContains of an object", `States.ArrayContains($.obj, 1)`, "must be an array"},
		{"ArrayRange step 0", `States.ArrayRange(1, 5, 0)`, "step must not be 0"},
		{"ArrayRange too long", `States.ArrayRange(1, 2000, 1)`, "more than 1000 items"},
		{"ArrayRange bad bound", `States.ArrayRange('a', 5, 1)`, "must be an integer"},
		{"ArrayGetItem out of range", `States.ArrayGetItem($.list, 1)`, "outside the array"},
		{"ArrayGetItem of an object", `States.ArrayGetItem($.obj, 0)`, "must be an array"},
		{"ArrayGetItem bad index", `States.ArrayGetItem($.list, 'x')`, "must be an integer"},
		{"ArrayLength of a string", `States.ArrayLength($.s)`, "must be an array"},
		{"ArrayUnique of a string", `States.ArrayUnique($.s)`, "must be an array"},
		{"Base64Encode of a number", `States.Base64Encode(1)`, "must be a string"},
		{"Base64Decode of bad data", `States.Base64Decode('***')`, "invalid base64"},
		{"Base64Decode of a number", `States.Base64Decode(1)`, "must be a string"},
		{"Hash with an unknown algorithm", `States.Hash('x', 'SHA-3')`, "unknown algorithm"},
		{"Hash of a number", `States.Hash(1, 'MD5')`, "must be a string"},
		{"Hash algorithm not a string", `States.Hash('x', 1)`, "must be a string"},
		{"JsonMerge deep is not supported", `States.JsonMerge($.obj, $.obj, true)`, "deep merge is not supported"},
		{"JsonMerge of an array", `States.JsonMerge($.list, $.obj, false)`, "must be an object"},
		{"JsonMerge second not an object", `States.JsonMerge($.obj, $.list, false)`, "must be an object"},
		{"JsonMerge flag not a boolean", `States.JsonMerge($.obj, $.obj, 'no')`, "must be a boolean"},
		{"MathRandom with end before start", `States.MathRandom(5, 5)`, "must be greater than start"},
		{"MathRandom bad start", `States.MathRandom('a', 5)`, "must be an integer"},
		{"MathRandom bad end", `States.MathRandom(1, 'b')`, "must be an integer"},
		{"MathRandom bad seed", `States.MathRandom(1, 5, 'c')`, "must be an integer"},
		{"MathAdd of a string", `States.MathAdd('a', 1)`, "argument 1 must be a number"},
		{"MathAdd of a string second", `States.MathAdd(1.5, 'b')`, "argument 2 must be a number"},
		{"StringSplit of a number", `States.StringSplit(1, ',')`, "must be a string"},
		{"StringSplit delimiter not a string", `States.StringSplit('a', 1)`, "must be a string"},
		{"argument path that selects nothing", `States.ArrayLength($.missing)`, "could not be found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := evalExpr(t, tt.expr, input, nil)
			var ierr *jsonpath.IntrinsicError
			require.ErrorAs(t, err, &ierr)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseExprRejectsBadCalls(t *testing.T) {
	for _, src := range []string{
		"Format('x')", "States.Nope()", "States.Format", "States.Format('x'", "States.Format('x) ",
		"States.Array(1 2)", "States.Array(foo)", "States.Array(\"x\")", "States.Array(,)",
		"States.UUID(1)", "States.ArrayLength()", "States.Array() x", "States.Array($.a[)",
	} {
		t.Run(src, func(t *testing.T) {
			_, err := jsonpath.ParseExpr(src)
			require.Error(t, err)
		})
	}
}
