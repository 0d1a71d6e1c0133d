package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/engine"
)

func TestWait(t *testing.T) {
	tests := []struct {
		name      string
		fields    string
		input     string
		want      time.Duration
		wantError string
	}{
		{"Seconds", `"Seconds":600`, `{}`, 600 * time.Second, ""},
		{"Seconds 0 does not wait", `"Seconds":0`, `{}`, 0, ""},
		{"SecondsPath", `"SecondsPath":"$.delay"`, `{"delay":90}`, 90 * time.Second, ""},
		{"Timestamp in the future", `"Timestamp":"2026-11-27T03:04:34.123Z"`, `{}`, 10 * time.Minute, ""},
		{"Timestamp in the past does not wait", `"Timestamp":"2020-01-01T00:00:00Z"`, `{}`, 0, ""},
		{"TimestampPath", `"TimestampPath":"$.until"`, `{"until":"2026-11-27T03:54:34.123Z"}`, time.Hour, ""},
		{"SecondsPath that is negative is States.Runtime", `"SecondsPath":"$.delay"`, `{"delay":-1}`, 0, asl.StatesRuntime},
		{"SecondsPath that selects nothing is States.Runtime", `"SecondsPath":"$.delay"`, `{}`, 0, asl.StatesRuntime},
		{"TimestampPath that is not a timestamp is States.Runtime", `"TimestampPath":"$.until"`, `{"until":"tomorrow"}`, 0, asl.StatesRuntime},
		{"TimestampPath that selects nothing is States.Runtime", `"TimestampPath":"$.until"`, `{}`, 0, asl.StatesRuntime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			x := newHarness(t, nil).run(`{"StartAt":"W","States":{"W":{"Type":"Wait",`+tt.fields+`,"End":true}}}`, tt.input)
			require.Less(t, time.Since(start), 5*time.Second, "a Wait costs no wall time on the virtual clock")
			require.Equal(t, tt.wantError, x.Error, x.Cause)
			require.Equal(t, tt.want, elapsed(x))
			if tt.wantError == "" {
				requireSucceeded(t, x, tt.input)
			}
		})
	}
}

func TestWaitOverride(t *testing.T) {
	var asked []string
	override := engine.WithWaitOverride(func(state string, d time.Duration) time.Duration {
		asked = append(asked, state+"="+d.String())
		return d / 60
	})
	x := newHarness(t, nil, override).run(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`, `{}`)
	require.Equal(t, engine.StatusSucceeded, x.Status)
	require.Equal(t, []string{"W=10m0s"}, asked)
	require.Equal(t, 10*time.Second, elapsed(x))
}

func TestPollLoopCountsTransitions(t *testing.T) {
	pending, done := ok(`{"Status":"InProgress"}`), ok(`{"Status":"Deployed"}`)
	h := newHarness(t, map[string][]step{"Status": {pending, pending, pending, done}})
	x := h.run(`{"StartAt":"Wait","States":{
		"Wait":{"Type":"Wait","Seconds":30,"Next":"Status"},
		"Status":{"Type":"Task","Resource":"`+lambdaArn+`","ResultPath":"$.cf","Next":"Deployed?"},
		"Deployed?":{"Type":"Choice","Choices":[{"Variable":"$.cf.Status","StringEquals":"Deployed","Next":"Done"}],"Default":"Wait"},
		"Done":{"Type":"Succeed"}}}`, `{}`)
	requireSucceeded(t, x, `{"cf":{"Status":"Deployed"}}`)
	require.Equal(t, 4*3+1, x.Transitions())
	require.Equal(t, 4, x.Count(engine.EventWaitStarted))
	require.Equal(t, 2*time.Minute, elapsed(x))
	require.Equal(t, []string{"Wait", "Status", "Deployed?", "Wait", "Status", "Deployed?",
		"Wait", "Status", "Deployed?", "Wait", "Status", "Deployed?", "Done"}, x.Path())
}
