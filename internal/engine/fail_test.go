package engine_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/engine"
)

func TestFail(t *testing.T) {
	tests := []struct {
		name, fields, input, wantError, wantCause string
	}{
		{"Error and Cause", `"Error":"DeployFailed","Cause":"no capacity"`, `{}`, "DeployFailed", "no capacity"},
		{"neither Error nor Cause", ``, `{}`, "", ""},
		{"ErrorPath and CausePath", `"ErrorPath":"$.e.Error","CausePath":"$.e.Cause"`, `{"e":{"Error":"X","Cause":"why"}}`, "X", "why"},
		{"CausePath with an intrinsic function", `"Error":"E","CausePath":"States.Format('step {} failed', $.step)"`, `{"step":"alb"}`, "E", "step alb failed"},
		{"ErrorPath that is not a string is States.Runtime", `"ErrorPath":"$.n"`, `{"n":1}`, asl.StatesRuntime, ""},
		{"CausePath that selects nothing is States.Runtime", `"CausePath":"$.missing"`, `{}`, asl.StatesRuntime, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `"Type":"Fail"`
			if tt.fields != "" {
				body += "," + tt.fields
			}
			x := newHarness(t, nil).run(`{"StartAt":"F","States":{"F":{`+body+`}}}`, tt.input)
			require.Equal(t, engine.StatusFailed, x.Status)
			require.Equal(t, tt.wantError, x.Error)
			if tt.wantCause != "" || tt.wantError != asl.StatesRuntime {
				require.Equal(t, tt.wantCause, x.Cause)
			}
		})
	}
}

func TestSucceedAppliesPaths(t *testing.T) {
	x := newHarness(t, nil).run(`{"StartAt":"S","States":{"S":{"Type":"Succeed","InputPath":"$.a","OutputPath":"$.b"}}}`, `{"a":{"b":2}}`)
	requireSucceeded(t, x, `2`)
}
