package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/engine"
)

func TestParallelBranchesShareTheClock(t *testing.T) {
	h := newHarness(t, map[string][]step{"B": {ok(`"b"`)}})
	x := h.run(`{"StartAt":"Fan","States":{
		"Fan":{"Type":"Parallel","ResultPath":"$.results","Next":"Done","Branches":[
			{"StartAt":"WaitA","States":{"WaitA":{"Type":"Wait","Seconds":60,"Next":"A"},"A":{"Type":"Pass","Result":"a","End":true}}},
			{"StartAt":"WaitB","States":{"WaitB":{"Type":"Wait","Seconds":60,"Next":"B"},"B":{"Type":"Task","Resource":"`+lambdaArn+`","End":true}}}]},
		"Done":{"Type":"Succeed"}}}`, `{"id":1}`)
	requireSucceeded(t, x, `{"id":1,"results":["a","b"]}`)
	require.Equal(t, 60*time.Second, elapsed(x), "two 60 s branches take 60 s, not 120 s")
	require.Equal(t, []string{"Fan", "Done"}, x.Path())
	require.Equal(t, []string{"WaitA", "A"}, x.BranchPath("Fan[0]"))
	require.Equal(t, []string{"WaitB", "B"}, x.BranchPath("Fan[1]"))
	require.Equal(t, 6, x.Transitions())
	require.Equal(t, 1, x.Count(engine.EventParallelSucceeded))
}

func TestParallelInputProcessingAndResultSelector(t *testing.T) {
	x := newHarness(t, nil).run(`{"StartAt":"Fan","States":{
		"Fan":{"Type":"Parallel","InputPath":"$.in","Parameters":{"v.$":"$.v"},
			"ResultSelector":{"first.$":"$[0]","second.$":"$[1].v"},"ResultPath":"$.out","End":true,"Branches":[
			{"StartAt":"P1","States":{"P1":{"Type":"Pass","Result":1,"End":true}}},
			{"StartAt":"P2","States":{"P2":{"Type":"Pass","End":true}}}]}}}`, `{"in":{"v":7,"x":0}}`)
	requireSucceeded(t, x, `{"in":{"v":7,"x":0},"out":{"first":1,"second":7}}`)
}

func TestParallelBranchFailureStopsTheOthersAndIsCaught(t *testing.T) {
	h := newHarness(t, map[string][]step{"Flaky": {step{Error: "Boom", Cause: "branch broke", Sleep: 5 * time.Second}}})
	x := h.run(`{"StartAt":"Fan","States":{
		"Fan":{"Type":"Parallel","Next":"Done","Catch":[{"ErrorEquals":["Boom"],"ResultPath":"$.error","Next":"Rollback"}],"Branches":[
			{"StartAt":"Slow","States":{"Slow":{"Type":"Wait","Seconds":3600,"Next":"After"},"After":{"Type":"Pass","End":true}}},
			{"StartAt":"Flaky","States":{"Flaky":{"Type":"Task","Resource":"`+lambdaArn+`","End":true}}}]},
		"Done":{"Type":"Succeed"},
		"Rollback":{"Type":"Pass","End":true}}}`, `{"id":1}`)
	requireSucceeded(t, x, `{"id":1,"error":{"Error":"Boom","Cause":"branch broke"}}`)
	require.Equal(t, []string{"Fan", "Rollback"}, x.Path())
	require.Equal(t, 5*time.Second, elapsed(x), "the hour-long branch was stopped")
	require.Equal(t, []string{"Slow"}, x.BranchPath("Fan[0]"))
	require.Equal(t, 1, x.Count(engine.EventParallelFailed))
}

func TestParallelUncaughtBranchFailureFailsTheExecution(t *testing.T) {
	x := newHarness(t, nil).run(`{"StartAt":"Fan","States":{
		"Fan":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"Ok","States":{"Ok":{"Type":"Pass","End":true}}},
			{"StartAt":"Bad","States":{"Bad":{"Type":"Fail","Error":"BranchError","Cause":"nope"}}}]}}}`, `{}`)
	requireFailed(t, x, "BranchError")
	require.Equal(t, "nope", x.Cause)
}

func TestParallelRetryRunsEveryBranchAgain(t *testing.T) {
	h := newHarness(t, map[string][]step{"T": {fails("Boom", "x"), ok(`2`)}})
	x := h.run(`{"StartAt":"Fan","States":{
		"Fan":{"Type":"Parallel","End":true,"Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":3}],"Branches":[
			{"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"End":true}}},
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaArn+`","End":true}}}]}}}`, `{}`)
	requireSucceeded(t, x, `[1,2]`)
	require.Equal(t, []string{"P", "P"}, x.BranchPath("Fan[0]"))
	require.Equal(t, 3*time.Second, elapsed(x))
}

func TestNestedBranchNames(t *testing.T) {
	x := newHarness(t, nil).run(`{"StartAt":"Outer","States":{
		"Outer":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"Inner","States":{"Inner":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"Leaf","States":{"Leaf":{"Type":"Pass","End":true}}}]}}}]}}}`, `{"v":1}`)
	requireSucceeded(t, x, `[[{"v":1}]]`)
	require.Equal(t, []string{"Leaf"}, x.BranchPath("Outer[0]/Inner[0]"))
}
