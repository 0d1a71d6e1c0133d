package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
)

func TestInputOutputProcessing(t *testing.T) {
	tests := []struct {
		name      string
		state     string // one Task or Pass state named S, ending the machine
		input     string
		result    string // the task's result
		wantInput string // what the task received ("" = no task)
		want      string
	}{
		{
			name:      "spec example: InputPath, ResultPath and OutputPath",
			state:     `"Type":"Task","Resource":"` + lambdaArn + `","InputPath":"$.numbers","ResultPath":"$.sum","OutputPath":"$"`,
			input:     `{"title":"Numbers to add","numbers":{"val1":3,"val2":4}}`,
			result:    `7`,
			wantInput: `{"val1":3,"val2":4}`,
			want:      `{"title":"Numbers to add","numbers":{"val1":3,"val2":4},"sum":7}`,
		},
		{
			name:   "no paths: the result replaces the input",
			state:  `"Type":"Task","Resource":"` + lambdaArn + `"`,
			input:  `{"a":1}`,
			result: `{"b":2}`,
			want:   `{"b":2}`,
		},
		{
			name:   "ResultPath null discards the result",
			state:  `"Type":"Task","Resource":"` + lambdaArn + `","ResultPath":null`,
			input:  `{"a":1}`,
			result: `{"b":2}`,
			want:   `{"a":1}`,
		},
		{
			name:   "ResultPath creates intermediate objects",
			state:  `"Type":"Task","Resource":"` + lambdaArn + `","ResultPath":"$.x.y.z"`,
			input:  `{"a":1,"x":{"keep":true}}`,
			result: `"r"`,
			want:   `{"a":1,"x":{"keep":true,"y":{"z":"r"}}}`,
		},
		{
			name:   "ResultPath replaces an existing field",
			state:  `"Type":"Task","Resource":"` + lambdaArn + `","ResultPath":"$.a"`,
			input:  `{"a":1,"b":2}`,
			result: `[1,2]`,
			want:   `{"a":[1,2],"b":2}`,
		},
		{
			name:      "InputPath null gives the task an empty object",
			state:     `"Type":"Task","Resource":"` + lambdaArn + `","InputPath":null,"ResultPath":"$.r"`,
			input:     `{"a":1}`,
			result:    `true`,
			wantInput: `{}`,
			want:      `{"a":1,"r":true}`,
		},
		{
			name:   "OutputPath null gives an empty object",
			state:  `"Type":"Task","Resource":"` + lambdaArn + `","OutputPath":null`,
			input:  `{"a":1}`,
			result: `1`,
			want:   `{}`,
		},
		{
			name:   "OutputPath selects from the combined output",
			state:  `"Type":"Task","Resource":"` + lambdaArn + `","ResultPath":"$.r","OutputPath":"$.r.id"`,
			input:  `{"a":1}`,
			result: `{"id":"i-123"}`,
			want:   `"i-123"`,
		},
		{
			name: "Parameters build the task input from paths, context and intrinsics",
			state: `"Type":"Task","Resource":"` + lambdaArn + `","Parameters":{
				"static":"x","nested":{"id.$":"$.id","list":[1,{"n.$":"$.n"}]},
				"state.$":"$$.State.Name","greeting.$":"States.Format('hi {}', $.name)"}`,
			input:     `{"id":"d-1","n":5,"name":"ann"}`,
			result:    `"done"`,
			wantInput: `{"static":"x","nested":{"id":"d-1","list":[1,{"n":5}]},"state":"S","greeting":"hi ann"}`,
			want:      `"done"`,
		},
		{
			name:      "InputPath applies before Parameters",
			state:     `"Type":"Task","Resource":"` + lambdaArn + `","InputPath":"$.inner","Parameters":{"v.$":"$.v"}`,
			input:     `{"inner":{"v":9}}`,
			result:    `1`,
			wantInput: `{"v":9}`,
			want:      `1`,
		},
		{
			name:   "ResultSelector shapes the result before ResultPath",
			state:  `"Type":"Task","Resource":"` + lambdaArn + `","ResultSelector":{"id.$":"$.Payload.id","code":200},"ResultPath":"$.out"`,
			input:  `{"a":1}`,
			result: `{"Payload":{"id":"x","noise":true},"StatusCode":200}`,
			want:   `{"a":1,"out":{"id":"x","code":200}}`,
		},
		{
			name:  "spec example: Pass Result placed by ResultPath",
			state: `"Type":"Pass","Result":{"x-datum":0.381018,"y-datum":622.2269926397355},"ResultPath":"$.coords"`,
			input: `{"georefOf":"Home"}`,
			want:  `{"georefOf":"Home","coords":{"x-datum":0.381018,"y-datum":622.2269926397355}}`,
		},
		{
			name:  "Pass without Result passes its effective input",
			state: `"Type":"Pass","InputPath":"$.a","Parameters":{"b.$":"$.b"}`,
			input: `{"a":{"b":[1,2]}}`,
			want:  `{"b":[1,2]}`,
		},
		{
			name:  "large numbers pass through unchanged",
			state: `"Type":"Pass"`,
			input: `{"n":12345678901234567890,"f":1.50}`,
			want:  `{"n":12345678901234567890,"f":1.50}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, map[string][]step{"S": {ok(tt.result)}})
			x := h.run(`{"StartAt":"S","States":{"S":{`+tt.state+`,"End":true}}}`, tt.input)
			requireSucceeded(t, x, tt.want)
			if tt.wantInput != "" {
				calls := h.tasks.callsTo("S")
				require.Len(t, calls, 1)
				require.JSONEq(t, tt.wantInput, string(calls[0].Input))
			}
		})
	}
}

func TestInputOutputErrors(t *testing.T) {
	tests := []struct {
		name, state, input, wantError string
	}{
		{"InputPath that selects nothing is States.Runtime", `"InputPath":"$.missing"`, `{}`, asl.StatesRuntime},
		{"OutputPath that selects nothing is States.Runtime", `"OutputPath":"$.missing"`, `{}`, asl.StatesRuntime},
		{"Parameters path that selects nothing is States.ParameterPathFailure", `"Parameters":{"a.$":"$.missing"}`, `{}`, asl.StatesParameterPathFailure},
		{"failing intrinsic is States.IntrinsicFailure", `"Parameters":{"a.$":"States.StringToJson('{bad')"}`, `{}`, asl.StatesIntrinsicFailure},
		{"ResultPath into a non-object is States.ResultPathMatchFailure", `"ResultPath":"$.a.b"`, `{"a":"text"}`, asl.StatesResultPathMatchFailure},
		{"ResultPath into a null field is States.ResultPathMatchFailure", `"ResultPath":"$.a.b"`, `{"a":null}`, asl.StatesResultPathMatchFailure},
		{"ResultPath into a string input is States.ResultPathMatchFailure", `"ResultPath":"$.a"`, `"text"`, asl.StatesResultPathMatchFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, nil).run(`{"StartAt":"S","States":{"S":{"Type":"Pass",`+tt.state+`,"End":true}}}`, tt.input)
			requireFailed(t, x, tt.wantError)
			require.NotEmpty(t, x.Cause)
		})
	}
}

func TestRuntimeErrorIsNeitherRetriedNorCaught(t *testing.T) {
	h := newHarness(t, nil)
	x := h.run(`{"StartAt":"S","States":{
		"S":{"Type":"Task","Resource":"`+lambdaArn+`","InputPath":"$.missing",
			"Retry":[{"ErrorEquals":["States.ALL"]}],
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
		"Caught":{"Type":"Succeed"}}}`, `{}`)
	requireFailed(t, x, asl.StatesRuntime)
	require.Equal(t, []string{"S"}, x.Path())
	require.Empty(t, h.tasks.callsTo("S"))
}

func TestParameterPathFailureCanBeCaught(t *testing.T) {
	x := newHarness(t, nil).run(`{"StartAt":"S","States":{
		"S":{"Type":"Task","Resource":"`+lambdaArn+`","Parameters":{"a.$":"$.missing"},
			"Catch":[{"ErrorEquals":["States.ParameterPathFailure"],"ResultPath":"$.err","Next":"Caught"}],"End":true},
		"Caught":{"Type":"Pass","OutputPath":"$.err.Error","End":true}}}`, `{}`)
	requireSucceeded(t, x, `"States.ParameterPathFailure"`)
}
