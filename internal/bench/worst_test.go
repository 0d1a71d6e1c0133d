package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/steps/cloudfront"
	"geusemaker/internal/steps/compute"
)

func TestMaxPollsFollowsThePaceToTheDeadline(t *testing.T) {
	w := document.Wait{Typical: 20 * time.Second, Timeout: time.Minute}
	// First at 15 s, then 22 s (just after typical), then every 5 s while
	// the overrun is short: 27, 32, 37, 42; then a quarter of the overrun:
	// 48, 55; then a second past the deadline: 61, the timeout.
	assert.Equal(t, 9, MaxPolls(15*time.Second, w))
	// From the schedule: 22 s first.
	assert.Equal(t, 8, MaxPolls(0, w))
}

func TestWaitOfIsEachStepsOwnWait(t *testing.T) {
	w, ok := WaitOf(contract.StatusInstance, document.TierGPU)
	assert.True(t, ok)
	assert.Equal(t, compute.GPUInstanceWait, w)
	w, _ = WaitOf(contract.StatusInstance, document.TierDev)
	assert.Equal(t, compute.InstanceWait, w)
	w, _ = WaitOf(contract.StatusCloudFront, document.TierGPU)
	assert.Equal(t, cloudfront.DeployWait, w)
	_, ok = WaitOf("smoke", document.TierGPU)
	assert.False(t, ok, "the smoke test keeps its own schedule")
}

func TestWorstCaseReplacesMeasuredPollsWithPollsAtTheDeadline(t *testing.T) {
	d, err := ParseDefinition([]byte(`{"StartAt": "Start", "States": {
	  "Start": {"Type": "Task", "Resource": "r", "Next": "Wait for EFS"},
	  "Wait for EFS": {"Type": "Wait", "Seconds": 15, "Next": "Check EFS"},
	  "Wait for EFS again": {"Type": "Wait", "SecondsPath": "$.status.efs.next_poll_seconds", "Next": "Check EFS"},
	  "Check EFS": {"Type": "Task", "Resource": "r", "Next": "EFS done?"},
	  "EFS done?": {"Type": "Choice", "Choices": [{"Variable": "$.status.efs.done", "BooleanEquals": false, "Next": "Wait for EFS again"}], "Default": "End"},
	  "Wait for smoke again": {"Type": "Wait", "SecondsPath": "$.status.smoke.next_poll_seconds", "Next": "Check smoke"},
	  "Check smoke": {"Type": "Task", "Resource": "r", "Next": "smoke done?"},
	  "smoke done?": {"Type": "Choice", "Choices": [{"Variable": "$.status.smoke.done", "BooleanEquals": false, "Next": "Wait for smoke again"}], "Default": "End"},
	  "Wait for other again": {"Type": "Wait", "SecondsPath": "$.status.other.next_poll_seconds", "Next": "End"},
	  "End": {"Type": "Succeed"}
	}}`))
	require.NoError(t, err)
	x := &engine.Execution{History: []engine.Event{
		{Type: engine.EventStateEntered, State: "Start"},
		{Type: engine.EventStateEntered, State: "Wait for EFS"},
		{Type: engine.EventStateEntered, State: "Check EFS"},
		{Type: engine.EventStateEntered, State: "EFS done?"},
		{Type: engine.EventStateEntered, State: "End"},
	}}
	total, loops := WorstCase(d, document.TierDev, x)
	require.Len(t, loops, 2, "an unknown loop without a schedule is left out")
	efs := MaxPolls(15*time.Second, WaitOf0(t, contract.StatusEFS))
	assert.Equal(t, LoopBound{Loop: Loop{Key: "efs", Check: "Check EFS", FirstWait: 15 * time.Second, Iteration: 9}, Polls: efs, Events: 9 * efs}, loops[0])
	assert.Equal(t, 30, loops[1].Polls, "the smoke test: every 20 s for 10 min")
	// Measured: start and end 2, Task 5, Wait 2, Task 5, Choice 2, Succeed
	// 2 = 18, less its one poll (9).
	assert.Equal(t, 18-9+loops[0].Events+loops[1].Events, total)
}

// WaitOf0 is WaitOf of a key that has one.
func WaitOf0(t *testing.T, key string) document.Wait {
	w, ok := WaitOf(key, document.TierDev)
	require.True(t, ok)
	return w
}
