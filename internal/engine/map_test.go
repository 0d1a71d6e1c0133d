package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/engine"
)

func TestMap(t *testing.T) {
	waitItem := `{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":10,"End":true}}}`
	tests := []struct {
		name        string
		fields      string
		input       string
		want        string
		wantElapsed time.Duration
	}{
		{
			name:   "ItemsPath and ItemSelector with the Map item context",
			fields: `"ItemsPath":"$.items","ItemSelector":{"index.$":"$$.Map.Item.Index","value.$":"$$.Map.Item.Value","region.$":"$.region"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			input:  `{"region":"eu","items":["a","b"]}`,
			want:   `[{"index":0,"value":"a","region":"eu"},{"index":1,"value":"b","region":"eu"}]`,
		},
		{
			name:   "legacy Iterator and Parameters",
			fields: `"ItemsPath":"$.items","Parameters":{"v.$":"$$.Map.Item.Value"},"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"$.v","End":true}}}`,
			input:  `{"items":[3,1,2]}`,
			want:   `[3,1,2]`,
		},
		{
			name:   "without ItemsPath the input is the array",
			fields: `"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"n.$":"$"},"End":true}}}`,
			input:  `[1,2]`,
			want:   `[{"n":1},{"n":2}]`,
		},
		{
			name:   "an empty array gives an empty array",
			fields: `"ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			input:  `{"items":[]}`,
			want:   `[]`,
		},
		{
			name:        "no MaxConcurrency runs every item at once",
			fields:      `"ItemsPath":"$.items","ItemProcessor":` + waitItem,
			input:       `{"items":[1,2,3]}`,
			want:        `[1,2,3]`,
			wantElapsed: 10 * time.Second,
		},
		{
			name:        "MaxConcurrency 1 runs items one after another",
			fields:      `"ItemsPath":"$.items","MaxConcurrency":1,"ItemProcessor":` + waitItem,
			input:       `{"items":[1,2,3]}`,
			want:        `[1,2,3]`,
			wantElapsed: 30 * time.Second,
		},
		{
			name:        "MaxConcurrencyPath 2 runs two at a time",
			fields:      `"ItemsPath":"$.items","MaxConcurrencyPath":"$.limit","ItemProcessor":` + waitItem,
			input:       `{"limit":2,"items":[1,2,3]}`,
			want:        `[1,2,3]`,
			wantElapsed: 20 * time.Second,
		},
		{
			name:   "ResultSelector and ResultPath apply to the results",
			fields: `"ItemsPath":"$.items","ResultSelector":{"all.$":"$"},"ResultPath":"$.out","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			input:  `{"items":[1]}`,
			want:   `{"items":[1],"out":{"all":[1]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, nil).run(`{"StartAt":"M","States":{"M":{"Type":"Map",`+tt.fields+`,"End":true}}}`, tt.input)
			requireSucceeded(t, x, tt.want)
			require.Equal(t, tt.wantElapsed, elapsed(x))
		})
	}
}

func TestMapErrors(t *testing.T) {
	proc := `"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	tests := []struct {
		name, fields, input, wantError string
	}{
		{"ItemsPath to a non-array is States.Runtime", `"ItemsPath":"$.items",` + proc, `{"items":"x"}`, asl.StatesRuntime},
		{"ItemsPath that selects nothing is States.Runtime", `"ItemsPath":"$.items",` + proc, `{}`, asl.StatesRuntime},
		{"MaxConcurrencyPath that is not an integer is States.Runtime", `"ItemsPath":"$.items","MaxConcurrencyPath":"$.n",` + proc, `{"items":[],"n":"x"}`, asl.StatesRuntime},
		{"ItemSelector path that selects nothing is States.ParameterPathFailure", `"ItemsPath":"$.items","ItemSelector":{"a.$":"$.nope"},` + proc, `{"items":[1]}`, asl.StatesParameterPathFailure},
		{"a failing iteration fails the Map with its error",
			`"ItemsPath":"$.items","ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"Bad"}],"Default":"Good"},"Good":{"Type":"Succeed"},"Bad":{"Type":"Fail","Error":"ItemFailed"}}}`,
			`{"items":[1,2,3]}`, "ItemFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, nil).run(`{"StartAt":"M","States":{"M":{"Type":"Map",`+tt.fields+`,"End":true}}}`, tt.input)
			requireFailed(t, x, tt.wantError)
			if tt.wantError == "ItemFailed" {
				require.Equal(t, 1, x.Count(engine.EventMapFailed))
			}
		})
	}
}

func TestMapIterationBranchNames(t *testing.T) {
	x := newHarness(t, nil).run(`{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
		"ItemProcessor":{"StartAt":"Item","States":{"Item":{"Type":"Pass","End":true}}}}}}`, `[1,2]`)
	require.Equal(t, []string{"Item"}, x.BranchPath("M[0]"))
	require.Equal(t, []string{"Item"}, x.BranchPath("M[1]"))
	require.Equal(t, 3, x.Transitions())
}
