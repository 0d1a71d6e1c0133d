package engine_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/asl"
	"geusemaker/internal/engine"
)

func TestOutputOverThePayloadQuota(t *testing.T) {
	big, err := json.Marshal(strings.Repeat("x", asl.MaxPayloadBytes))
	require.NoError(t, err)
	tests := []struct {
		name    string
		catch   string
		status  engine.Status
		path    []string
		errName string
	}{
		{"States.ALL does not catch it", `["States.ALL"]`, engine.StatusFailed, []string{"Big"}, asl.StatesDataLimitExceeded},
		{"States.TaskFailed does not catch it", `["States.TaskFailed"]`, engine.StatusFailed, []string{"Big"}, asl.StatesDataLimitExceeded},
		{"its own name catches it", `["States.DataLimitExceeded"]`, engine.StatusSucceeded, []string{"Big", "Caught"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newHarness(t, map[string][]step{"Big": {{Result: big}}}).run(`{"StartAt":"Big","States":{
				"Big":{"Type":"Task","Resource":"`+lambdaArn+`","Catch":[{"ErrorEquals":`+tt.catch+`,"ResultPath":null,"Next":"Caught"}],"End":true},
				"Caught":{"Type":"Succeed"}}}`, `{}`)
			assert.Equal(t, tt.status, x.Status)
			assert.Equal(t, tt.path, x.Path())
			assert.Equal(t, tt.errName, x.Error)
		})
	}
}

func TestOutputUnderThePayloadQuotaPasses(t *testing.T) {
	small, err := json.Marshal(strings.Repeat("x", asl.MaxPayloadBytes-10))
	require.NoError(t, err)
	x := newHarness(t, map[string][]step{"Big": {{Result: small}}}).run(`{"StartAt":"Big","States":{
		"Big":{"Type":"Task","Resource":"`+lambdaArn+`","End":true}}}`, `{}`)
	assert.Equal(t, engine.StatusSucceeded, x.Status)
}
