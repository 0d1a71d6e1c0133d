package asl_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/asl/jsonpath"
)

const lambdaArn = "arn:aws:lambda:us-east-1:123456789012:function:Step"

func TestParseBuildsTypedStates(t *testing.T) {
	sm, err := asl.Parse([]byte(`{
		"Comment":"all state types","StartAt":"T","TimeoutSeconds":3600,"Version":"1.0","QueryLanguage":"JSONPath",
		"States":{
			"T":{"Type":"Task","Resource":"` + lambdaArn + `","TimeoutSeconds":60,"HeartbeatSeconds":10,
				"InputPath":"$.in","Parameters":{"a.$":"$.a"},"ResultSelector":{"r.$":"$.r"},"ResultPath":"$.out","OutputPath":null,
				"Retry":[{"ErrorEquals":["Boom"]},{"ErrorEquals":["States.ALL"],"IntervalSeconds":5,"MaxAttempts":0,"BackoffRate":1.5,"MaxDelaySeconds":30,"JitterStrategy":"FULL"}],
				"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":null,"Next":"F"}],"Next":"P"},
			"P":{"Type":"Pass","Result":{"x":1},"ResultPath":null,"Next":"W"},
			"W":{"Type":"Wait","Timestamp":"2026-11-27T03:00:00Z","Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanPath":"$.m","Next":"Par"},
				{"Not":{"Variable":"$.t","TimestampLessThan":"2026-01-01T00:00:00Z"},"Next":"M"}],"Default":"S"},
			"Par":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"Next":"S"},
			"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"Parameters":{"v.$":"$$.Map.Item.Value"},
				"Iterator":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true},
			"S":{"Type":"Succeed"},
			"F":{"Type":"Fail","ErrorPath":"$.e","Cause":"c"}}}`))
	require.NoError(t, err)
	require.Equal(t, 3600, sm.TimeoutSeconds)
	task := sm.States["T"]
	require.Equal(t, asl.TypeTask, task.Type)
	require.Equal(t, 60, task.TimeoutSeconds)
	require.Equal(t, 10, task.HeartbeatSeconds)
	require.Equal(t, "$.in", task.InputPath.Path.String())
	require.True(t, task.OutputPath.Null)
	require.Equal(t, "$.out", task.ResultPath.Path.String())
	require.Equal(t, &asl.Retrier{ErrorEquals: []string{"Boom"}, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: asl.JitterNone}, task.Retry[0])
	require.Equal(t, &asl.Retrier{ErrorEquals: []string{"States.ALL"}, IntervalSeconds: 5, MaxAttempts: 0, BackoffRate: 1.5, MaxDelaySeconds: 30, JitterStrategy: asl.JitterFull}, task.Retry[1])
	require.True(t, task.Catch[0].ResultPath.Null)
	require.Equal(t, []string{"P", "F"}, asl.Transitions(task))
	require.Equal(t, map[string]any{"x": json.Number("1")}, sm.States["P"].Result)
	require.True(t, sm.States["P"].HasResult)
	require.Equal(t, time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC), *sm.States["W"].Timestamp)
	choice := sm.States["C"]
	require.Equal(t, "NumericGreaterThan", choice.Choices[0].Operator)
	require.Equal(t, "$.m", choice.Choices[0].ValuePath.String())
	require.Equal(t, "TimestampLessThan", choice.Choices[1].Not.Operator)
	require.Equal(t, []string{"S", "Par", "M"}, asl.Transitions(choice))
	m := sm.States["M"]
	require.NotNil(t, m.ItemSelector, "a Map's Parameters is its ItemSelector")
	require.Nil(t, m.Parameters)
	require.Equal(t, "I", m.ItemProcessor.StartAt)
	require.Equal(t, 2, m.MaxConcurrency)
	require.Len(t, sm.States["Par"].Branches, 1)
	require.Equal(t, "$.e", sm.States["F"].ErrorPath.String())
	v, err := task.Parameters.Eval(&jsonpath.Env{Input: map[string]any{"a": "x"}})
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": "x"}, v)
}

func TestParseRejectsInvalidDefinitions(t *testing.T) {
	pass := `{"Type":"Pass","End":true}`
	machine := func(states string) string { return `{"StartAt":"A","States":{` + states + `}}` }
	tests := []struct {
		name, def, want string
	}{
		{"not JSON", `{`, "must be a JSON object"},
		{"no StartAt", `{"States":{"A":` + pass + `}}`, "StartAt is required"},
		{"no States", `{"StartAt":"A"}`, "States must name at least one state"},
		{"StartAt names no state", `{"StartAt":"B","States":{"A":` + pass + `}}`, `StartAt "B" is not a state`},
		{"unknown top-level field", `{"StartAt":"A","Foo":1,"States":{"A":` + pass + `}}`, `field "Foo" is not supported`},
		{"JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":` + pass + `}}`, `QueryLanguage "JSONata" is not supported`},
		{"state is not an object", machine(`"A":[]`), "must be a JSON object"},
		{"unknown state type", machine(`"A":{"Type":"Sleep","End":true}`), `unknown Type "Sleep"`},
		{"field of another type", machine(`"A":{"Type":"Pass","Resource":"x","End":true}`), `field "Resource" is not supported`},
		{"neither Next nor End", machine(`"A":{"Type":"Pass"}`), `Next or "End": true is required`},
		{"both Next and End", machine(`"A":{"Type":"Pass","Next":"A","End":true}`), "only one of Next and End"},
		{"Next to an unknown state", machine(`"A":{"Type":"Pass","Next":"Nowhere"}`), `transition to "Nowhere", which is not a state`},
		{"unreachable state", machine(`"A":` + pass + `,"B":` + pass), `state "B": is not reachable`},
		{"duplicate name across branches", machine(`"A":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"A","States":{"A":` + pass + `}}]}`), "name is used more than once"},
		{"name too long", `{"StartAt":"` + strings.Repeat("n", 81) + `","States":{"` + strings.Repeat("n", 81) + `":` + pass + `}}`, "longer than 80"},
		{"Succeed with Next", machine(`"A":{"Type":"Succeed","Next":"A"}`), `field "Next" is not supported`},
		{"Task without Resource", machine(`"A":{"Type":"Task","End":true}`), "Resource is required"},
		{"TimeoutSeconds and its Path", machine(`"A":{"Type":"Task","Resource":"r","TimeoutSeconds":5,"TimeoutSecondsPath":"$.t","End":true}`), "only one of TimeoutSeconds, TimeoutSecondsPath"},
		{"zero TimeoutSeconds", machine(`"A":{"Type":"Task","Resource":"r","TimeoutSeconds":0,"End":true}`), "TimeoutSeconds must be an integer >= 1"},
		{"heartbeat not below timeout", machine(`"A":{"Type":"Task","Resource":"r","TimeoutSeconds":5,"HeartbeatSeconds":5,"End":true}`), "must be smaller than TimeoutSeconds"},
		{"string where a number belongs", machine(`"A":{"Type":"Task","Resource":"r","TimeoutSeconds":"5","End":true}`), "TimeoutSeconds must be a number"},
		{"Wait without a duration", machine(`"A":{"Type":"Wait","End":true}`), "one of Seconds, SecondsPath, Timestamp and TimestampPath is required"},
		{"Wait with two durations", machine(`"A":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}`), "only one of Seconds, SecondsPath"},
		{"Wait with a bad timestamp", machine(`"A":{"Type":"Wait","Timestamp":"tomorrow","End":true}`), "not an RFC 3339 timestamp"},
		{"bad path", machine(`"A":{"Type":"Pass","InputPath":"a.b","End":true}`), "must start with '$'"},
		{"ResultPath with a wildcard", machine(`"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}`), "must select a single node"},
		{"ResultPath into the context", machine(`"A":{"Type":"Pass","ResultPath":"$$.a","End":true}`), "must select a single node"},
		{"bad template", machine(`"A":{"Type":"Pass","Parameters":{"a.$":"States.Nope()"},"End":true}`), `unknown function "States.Nope"`},
		{"Choice without Choices", machine(`"A":{"Type":"Choice"}`), "Choices must hold at least one rule"},
		{"Choice rule without Next", machine(`"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true}],"Default":"B"},"B":` + pass), "Next is required"},
		{"Choice rule without Variable", machine(`"A":{"Type":"Choice","Choices":[{"StringEquals":"x","Next":"B"}]},"B":` + pass), "Variable is required"},
		{"Choice rule with two operators", machine(`"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"IsString":true,"Next":"B"}]},"B":` + pass), "exactly one operator, got 2"},
		{"Choice unknown operator", machine(`"A":{"Type":"Choice","Choices":[{"Variable":"$.a","StringMatchesPath":"$.b","Next":"B"}]},"B":` + pass), `unknown comparison operator "StringMatchesPath"`},
		{"Choice operand of the wrong type", machine(`"A":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"B"}]},"B":` + pass), "NumericEquals must be a number"},
		{"Choice nested rule with Next", machine(`"A":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","IsNull":true,"Next":"B"},"Next":"B"}]},"B":` + pass), "a nested rule must not have Next"},
		{"Choice And with a Variable", machine(`"A":{"Type":"Choice","Choices":[{"Variable":"$.a","And":[{"Variable":"$.a","IsNull":true}],"Next":"B"}]},"B":` + pass), "And must not have a Variable"},
		{"Choice empty Or", machine(`"A":{"Type":"Choice","Choices":[{"Or":[],"Next":"B"}]},"B":` + pass), "Or must hold at least one rule"},
		{"Choice Default to an unknown state", machine(`"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"A"}],"Default":"Z"}`), `transition to "Z"`},
		{"Parallel without branches", machine(`"A":{"Type":"Parallel","Branches":[],"End":true}`), "Branches must hold at least one branch"},
		{"invalid branch", machine(`"A":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass"}}}],"End":true}`), `Next or "End": true is required`},
		{"Map without a processor", machine(`"A":{"Type":"Map","End":true}`), "ItemProcessor is required"},
		{"Map with both selectors", machine(`"A":{"Type":"Map","ItemSelector":{},"Parameters":{},"ItemProcessor":{"StartAt":"I","States":{"I":` + pass + `}},"End":true}`), "only one of ItemSelector, Parameters"},
		{"distributed Map", machine(`"A":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"I","States":{"I":` + pass + `}},"End":true}`), `Mode "DISTRIBUTED" is not supported`},
		{"Fail with Error and ErrorPath", machine(`"A":{"Type":"Fail","Error":"E","ErrorPath":"$.e"}`), "only one of Error, ErrorPath"},
		{"Fail with a bad CausePath", machine(`"A":{"Type":"Fail","CausePath":"cause"}`), "neither a path nor an intrinsic function"},
		{"States.ALL not alone", machine(`"A":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.ALL","Boom"]}],"End":true}`), "States.ALL must appear alone"},
		{"States.ALL retrier not last", machine(`"A":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["Boom"]}],"End":true}`), "States.ALL must be in the last retrier"},
		{"States.ALL catcher not last", machine(`"A":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["States.ALL"],"Next":"A"},{"ErrorEquals":["Boom"],"Next":"A"}],"End":true}`), "States.ALL must be in the last catcher"},
		{"empty ErrorEquals", machine(`"A":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":[]}],"End":true}`), "ErrorEquals must name at least one error"},
		{"BackoffRate below 1", machine(`"A":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["E"],"BackoffRate":0.5}],"End":true}`), "BackoffRate must be at least 1.0"},
		{"unknown JitterStrategy", machine(`"A":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["E"],"JitterStrategy":"HALF"}],"End":true}`), `JitterStrategy must be FULL or NONE, got "HALF"`},
		{"unknown retrier field", machine(`"A":{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["E"],"Max":1}],"End":true}`), `field "Max" is not supported`},
		{"catcher without Next", machine(`"A":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["E"]}],"End":true}`), "Next is required"},
		{"Retry not an array", machine(`"A":{"Type":"Task","Resource":"r","Retry":{},"End":true}`), "Retry must be an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := asl.Parse([]byte(tt.def))
			var verr *asl.ValidationError
			require.ErrorAs(t, err, &verr)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := asl.Parse([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass"},"B":{"Type":"Nope"}}}`))
	var verr *asl.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Len(t, verr.Problems, 2)
}
