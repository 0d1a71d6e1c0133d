package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loopASL has a loop inside a Parallel branch whose cycle publishes an
// event, and a top-level loop.
const loopASL = `{
  "StartAt": "Fan",
  "States": {
    "Fan": {"Type": "Parallel", "Next": "Start", "Branches": [{"StartAt": "Create", "States": {
      "Create": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:x", "Next": "Wait for X"},
      "Wait for X": {"Type": "Wait", "Seconds": 60, "Next": "Check X"},
      "Wait for X again": {"Type": "Wait", "SecondsPath": "$.status.x.next_poll_seconds", "Next": "Check X"},
      "Check X": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:x", "Next": "Publish X"},
      "Publish X": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents", "Next": "X done?"},
      "X done?": {"Type": "Choice", "Choices": [{"Variable": "$.status.x.done", "BooleanEquals": false, "Next": "Wait for X again"}], "Default": "X ok"},
      "X ok": {"Type": "Succeed"}
    }}]},
    "Start": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:y", "Next": "Wait for Y again"},
    "Wait for Y again": {"Type": "Wait", "SecondsPath": "$.status.y.next_poll_seconds", "Next": "Check Y"},
    "Check Y": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:y", "Next": "Y done?"},
    "Y done?": {"Type": "Choice", "Choices": [{"Variable": "$.status.y.done", "BooleanEquals": false, "Next": "Wait for Y again"}], "Default": "End"},
    "End": {"Type": "Succeed"}
  }
}`

func TestLoopsAreFoundWithTheirFirstWaitAndEventsPerPoll(t *testing.T) {
	d, err := ParseDefinition([]byte(loopASL))
	require.NoError(t, err)
	assert.Equal(t, []Loop{
		// Wait 2 + Task 5 + putEvents Task 5 + Choice 2.
		{Key: "x", Check: "Check X", FirstWait: time.Minute, Iteration: 14},
		{Key: "y", Check: "Check Y", Iteration: 9},
	}, d.Loops())

	_, err = ParseDefinition([]byte("{"))
	assert.Error(t, err)
}

func TestFirstWaitsFromStatusMakesEveryFirstWaitReadTheSchedule(t *testing.T) {
	patched, err := FirstWaitsFromStatus([]byte(loopASL))
	require.NoError(t, err)
	d, err := ParseDefinition(patched)
	require.NoError(t, err)
	assert.Equal(t, "$.status.x.next_poll_seconds", d["Wait for X"].SecondsPath)
	assert.Nil(t, d["Wait for X"].Seconds)
	for _, l := range d.Loops() {
		assert.Zero(t, l.FirstWait, l.Key)
	}
	assert.Equal(t, "Check X", d["Wait for X"].Next, "the rest of the state is kept")

	_, err = FirstWaitsFromStatus([]byte("["))
	assert.Error(t, err)
	_, err = Variant{Name: "broken", Apply: FirstWaitsFromStatus}.apply(map[string][]byte{"deploy": []byte("[")})
	assert.ErrorContains(t, err, "variant broken of deploy")
}
