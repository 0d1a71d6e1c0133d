package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
)

// choiceMachine has one rule going to Yes, else No.
func choiceMachine(rule string) string {
	return `{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{` + rule + `,"Next":"Yes"}],"Default":"No"},
		"Yes":{"Type":"Succeed"},"No":{"Type":"Succeed"}}}`
}

func TestChoiceRules(t *testing.T) {
	input := `{"s":"hello","n":10,"f":2.5,"b":true,"nul":null,"ts":"2026-11-27T02:54:34Z",
		"other":{"s":"hello","n":10,"b":true,"ts":"2026-11-27T03:00:00Z"},"file":"report.log","star":"a*b","arr":[1]}`
	tests := []struct {
		name string
		rule string
		want bool
	}{
		{"StringEquals", `"Variable":"$.s","StringEquals":"hello"`, true},
		{"StringEquals differs", `"Variable":"$.s","StringEquals":"world"`, false},
		{"StringEquals on a number does not match", `"Variable":"$.n","StringEquals":"10"`, false},
		{"StringLessThan", `"Variable":"$.s","StringLessThan":"world"`, true},
		{"StringGreaterThan", `"Variable":"$.s","StringGreaterThan":"abc"`, true},
		{"StringLessThanEquals equal", `"Variable":"$.s","StringLessThanEquals":"hello"`, true},
		{"StringGreaterThanEquals less", `"Variable":"$.s","StringGreaterThanEquals":"zzz"`, false},
		{"StringEqualsPath", `"Variable":"$.s","StringEqualsPath":"$.other.s"`, true},
		{"StringLessThanPath", `"Variable":"$.s","StringLessThanPath":"$.other.s"`, false},
		{"StringMatches with a wildcard", `"Variable":"$.file","StringMatches":"*.log"`, true},
		{"StringMatches with inner wildcards", `"Variable":"$.file","StringMatches":"r*t.l*"`, true},
		{"StringMatches misses", `"Variable":"$.file","StringMatches":"*.txt"`, false},
		{"StringMatches escaped star is literal", `"Variable":"$.star","StringMatches":"a\\*b"`, true},
		{"StringMatches escaped star does not wildcard", `"Variable":"$.file","StringMatches":"report\\*"`, false},
		{"StringMatches regexp characters are literal", `"Variable":"$.file","StringMatches":"report.lo?"`, false},
		{"NumericEquals", `"Variable":"$.n","NumericEquals":10`, true},
		{"NumericEquals float", `"Variable":"$.f","NumericEquals":2.5`, true},
		{"NumericEquals on a string does not match", `"Variable":"$.s","NumericEquals":10`, false},
		{"NumericLessThan", `"Variable":"$.n","NumericLessThan":11`, true},
		{"NumericGreaterThan", `"Variable":"$.n","NumericGreaterThan":10`, false},
		{"NumericLessThanEquals", `"Variable":"$.n","NumericLessThanEquals":10`, true},
		{"NumericGreaterThanEquals", `"Variable":"$.n","NumericGreaterThanEquals":10.5`, false},
		{"NumericEqualsPath", `"Variable":"$.n","NumericEqualsPath":"$.other.n"`, true},
		{"NumericGreaterThanPath", `"Variable":"$.n","NumericGreaterThanPath":"$.f"`, true},
		{"NumericLessThanPath to a string does not match", `"Variable":"$.n","NumericLessThanPath":"$.s"`, false},
		{"BooleanEquals", `"Variable":"$.b","BooleanEquals":true`, true},
		{"BooleanEquals false", `"Variable":"$.b","BooleanEquals":false`, false},
		{"BooleanEqualsPath", `"Variable":"$.b","BooleanEqualsPath":"$.other.b"`, true},
		{"TimestampEquals", `"Variable":"$.ts","TimestampEquals":"2026-11-27T02:54:34Z"`, true},
		{"TimestampEquals across zones", `"Variable":"$.ts","TimestampEquals":"2026-11-27T03:54:34+01:00"`, true},
		{"TimestampLessThan", `"Variable":"$.ts","TimestampLessThan":"2026-11-27T03:00:00Z"`, true},
		{"TimestampGreaterThan", `"Variable":"$.ts","TimestampGreaterThan":"2026-11-27T03:00:00Z"`, false},
		{"TimestampLessThanEquals", `"Variable":"$.ts","TimestampLessThanEquals":"2026-11-27T02:54:34Z"`, true},
		{"TimestampGreaterThanEquals", `"Variable":"$.ts","TimestampGreaterThanEquals":"2026-11-27T02:54:34Z"`, true},
		{"TimestampLessThanPath", `"Variable":"$.ts","TimestampLessThanPath":"$.other.ts"`, true},
		{"Timestamp comparison of a non-timestamp does not match", `"Variable":"$.s","TimestampEquals":"2026-11-27T02:54:34Z"`, false},
		{"IsPresent true", `"Variable":"$.s","IsPresent":true`, true},
		{"IsPresent on a missing field", `"Variable":"$.missing","IsPresent":true`, false},
		{"IsPresent false on a missing field", `"Variable":"$.missing","IsPresent":false`, true},
		{"IsNull", `"Variable":"$.nul","IsNull":true`, true},
		{"IsNull on a value", `"Variable":"$.s","IsNull":true`, false},
		{"IsNumeric", `"Variable":"$.f","IsNumeric":true`, true},
		{"IsNumeric false on a string", `"Variable":"$.s","IsNumeric":false`, true},
		{"IsString", `"Variable":"$.s","IsString":true`, true},
		{"IsBoolean", `"Variable":"$.b","IsBoolean":true`, true},
		{"IsTimestamp", `"Variable":"$.ts","IsTimestamp":true`, true},
		{"IsTimestamp on a plain string", `"Variable":"$.s","IsTimestamp":true`, false},
		{"And all true", `"And":[{"Variable":"$.n","NumericGreaterThan":1},{"Variable":"$.b","BooleanEquals":true}]`, true},
		{"And one false", `"And":[{"Variable":"$.n","NumericGreaterThan":1},{"Variable":"$.b","BooleanEquals":false}]`, false},
		{"Or one true", `"Or":[{"Variable":"$.n","NumericLessThan":1},{"Variable":"$.s","StringEquals":"hello"}]`, true},
		{"Or none true", `"Or":[{"Variable":"$.n","NumericLessThan":1},{"Variable":"$.s","StringEquals":"x"}]`, false},
		{"Not", `"Not":{"Variable":"$.s","StringEquals":"x"}`, true},
		{"Not and Or nested", `"Not":{"Or":[{"Variable":"$.n","NumericEquals":10},{"Variable":"$.b","IsNull":true}]}`, false},
		{"And guards a missing field with IsPresent", `"And":[{"Variable":"$.missing","IsPresent":true},{"Variable":"$.missing","NumericEquals":1}]`, false},
		{"Variable in the context object", `"Variable":"$$.State.Name","StringEquals":"C"`, true},
		{"indefinite Variable compares the match list", `"Variable":"$.arr[*]","IsNull":false`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, nil).run(choiceMachine(tt.rule), input)
			want := []string{"C", "No"}
			if tt.want {
				want = []string{"C", "Yes"}
			}
			require.Equal(t, want, x.Path())
			requireSucceeded(t, x, input)
		})
	}
}

func TestChoiceFirstMatchingRuleWins(t *testing.T) {
	x := newHarness(t, nil).run(`{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[
			{"Variable":"$.n","NumericGreaterThan":100,"Next":"Big"},
			{"Variable":"$.n","NumericGreaterThan":5,"Next":"Medium"},
			{"Variable":"$.n","NumericGreaterThan":1,"Next":"Small"}]},
		"Big":{"Type":"Succeed"},"Medium":{"Type":"Succeed"},"Small":{"Type":"Succeed"}}}`, `{"n":10}`)
	require.Equal(t, []string{"C", "Medium"}, x.Path())
}

func TestChoiceErrors(t *testing.T) {
	tests := []struct {
		name, def, wantError string
	}{
		{"no match and no Default is States.NoChoiceMatched",
			`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"Y"}]},"Y":{"Type":"Succeed"}}}`,
			asl.StatesNoChoiceMatched},
		{"missing Variable is States.Runtime", choiceMachine(`"Variable":"$.missing","StringEquals":"x"`), asl.StatesRuntime},
		{"missing operand path is States.Runtime", choiceMachine(`"Variable":"$.n","NumericEqualsPath":"$.missing"`), asl.StatesRuntime},
		{"missing Variable inside Not is States.Runtime", choiceMachine(`"Not":{"Variable":"$.missing","IsNull":true}`), asl.StatesRuntime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireFailed(t, newHarness(t, nil).run(tt.def, `{"n":2}`), tt.wantError)
		})
	}
}

func TestChoiceAppliesInputAndOutputPath(t *testing.T) {
	x := newHarness(t, nil).run(`{"StartAt":"C","States":{
		"C":{"Type":"Choice","InputPath":"$.in","OutputPath":"$.v","Choices":[{"Variable":"$.v","NumericEquals":1,"Next":"Y"}]},
		"Y":{"Type":"Succeed"}}}`, `{"in":{"v":1}}`)
	requireSucceeded(t, x, `1`)
}
