package jsonpath_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl/jsonpath"
)

func TestTemplate(t *testing.T) {
	// The first case is the ASL specification's Parameters example.
	tests := []struct {
		name, template, input, want string
	}{
		{
			name:     "spec example",
			template: `{"flagged":true,"parts":{"first.$":"$.vals[0]","last3.$":"$.vals[-3:]"},"weekday.$":"$$.DayOfWeek","formattedOutput.$":"States.Format('Today is {}', $$.DayOfWeek)"}`,
			input:    `{"flagged":7,"vals":[0,10,20,30,40,50]}`,
			want:     `{"flagged":true,"parts":{"first":0,"last3":[30,40,50]},"weekday":"Tuesday","formattedOutput":"Today is Tuesday"}`,
		},
		{
			name:     "arrays of objects are templates too",
			template: `[{"a.$":"$.x"},"lit",[{"b.$":"$.y"}]]`,
			input:    `{"x":1,"y":2}`,
			want:     `[{"a":1},"lit",[{"b":2}]]`,
		},
		{
			name:     "a scalar template is a literal",
			template: `"just text $.x"`,
			input:    `{}`,
			want:     `"just text $.x"`,
		},
		{
			name:     "whole input",
			template: `{"all.$":"$"}`,
			input:    `{"x":1}`,
			want:     `{"all":{"x":1}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := jsonpath.CompileTemplate(decode(t, tt.template))
			require.NoError(t, err)
			v, err := tmpl.Eval(&jsonpath.Env{Input: decode(t, tt.input), Context: decode(t, `{"DayOfWeek":"Tuesday"}`)})
			require.NoError(t, err)
			require.JSONEq(t, tt.want, encode(t, v))
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	compileErrors := map[string]string{
		`{"a.$":1}`:                  "must be a string",
		`{"a.$":"plain"}`:            "neither a path nor an intrinsic function",
		`{"a.$":"$.x","a":1}`:        "both with and without",
		`[{"a.$":"$["}]`:             "unclosed",
		`{"o":{"b.$":"States.X()"}}`: "unknown function",
	}
	for tmpl, want := range compileErrors {
		_, err := jsonpath.CompileTemplate(decode(t, tmpl))
		require.ErrorContains(t, err, want, tmpl)
	}

	tmpl, err := jsonpath.CompileTemplate(decode(t, `{"o":[{"id.$":"$.missing"}]}`))
	require.NoError(t, err)
	_, err = tmpl.Eval(&jsonpath.Env{Input: decode(t, `{}`)})
	var perr *jsonpath.PathError
	require.ErrorAs(t, err, &perr)
	require.Contains(t, err.Error(), "specified for the field 'id.$' could not be found")

	tmpl, err = jsonpath.CompileTemplate(decode(t, `{"n.$":"States.ArrayLength($.s)"}`))
	require.NoError(t, err)
	_, err = tmpl.Eval(&jsonpath.Env{Input: decode(t, `{"s":"x"}`)})
	var ierr *jsonpath.IntrinsicError
	require.ErrorAs(t, err, &ierr)
}
