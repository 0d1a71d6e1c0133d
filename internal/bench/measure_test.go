package bench

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/sim/account"
	simcf "geusemaker/internal/sim/cloudfront"
	simec2 "geusemaker/internal/sim/ec2"
	simelb "geusemaker/internal/sim/elbv2"
)

var t0 = account.Epoch

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func TestNoticeDelayIsTheFirstPollAtOrAfterTheTransition(t *testing.T) {
	polls := []time.Time{at(15), at(22), at(27)}
	tests := []struct {
		name       string
		transition time.Time
		want       time.Duration
		ok         bool
	}{
		{"between two polls", at(20), 2 * time.Second, true},
		{"exactly at a poll", at(22), 0, true},
		{"before the first poll", at(0), 15 * time.Second, true},
		{"after the last poll: never noticed", at(30), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := NoticeDelay(tt.transition, polls)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, d)
		})
	}
}

func TestTransitionsComeFromTheCallLogAndTheLatencyModel(t *testing.T) {
	l := DefaultLatencies()
	calls := []account.Call{
		{Time: at(0), Operation: "CreateLoadBalancer"},
		{Time: at(1), Operation: "RunInstances", ErrorCode: "InsufficientInstanceCapacity"},
		{Time: at(5), Operation: "RunInstances"},
		{Time: at(200), Operation: "RegisterTargets"},
		{Time: at(200), Operation: "CreateDistributionWithTags"},
		{Time: at(900), Operation: "UpdateDistribution"},
		{Time: at(950), Operation: "UpdateDistribution"},
	}
	r := &Run{Tier: document.TierGPU, Latencies: l, Calls: calls}
	workload := 5 + int((l[simec2.LatencyRunGPU]+l[simec2.LatencyWorkload])/time.Second)
	tests := []struct {
		key  string
		want time.Time
		ok   bool
	}{
		{contract.StatusInstance, at(5 + int(l[simec2.LatencyRunGPU]/time.Second)), true},
		{contract.StatusALB, at(int(l[simelb.LatencyProvision] / time.Second)), true},
		{contract.StatusTargets, at(workload + 60), true},
		{contract.StatusCloudFront, at(200 + int(l[simcf.LatencyDeploy]/time.Second)), true},
		{contract.StatusSmoke, at(200 + int(l[simcf.LatencyDeploy]/time.Second)), true}, // CloudFront after the target
		{contract.StatusCloudFrontDelete, at(950 + int(l[simcf.LatencyUpdate]/time.Second)), true},
		{contract.StatusEFS, time.Time{}, false},
		{"unknown", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, ok := transition(tt.key, r)
			assert.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, tt.want, got)
			}
		})
	}
	r.Tier = document.TierDev
	got, _ := transition(contract.StatusSmoke, r)
	assert.Equal(t, at(5+int((l[simec2.LatencyRun]+l[simec2.LatencyWorkload])/time.Second)), got, "Tier 1 users reach the instance")
}

func TestHistoryEventsCountStepFunctionsEventsPerStateType(t *testing.T) {
	d := Definition{"T": {Type: "Task"}, "W": {Type: "Wait"}, "C": {Type: "Choice"}, "P": {Type: "Parallel"}}
	x := &engine.Execution{History: []engine.Event{
		{Type: engine.EventExecutionStarted},
		{Type: engine.EventStateEntered, State: "P"},
		{Type: engine.EventStateEntered, State: "T"},
		{Type: engine.EventStateRetried, State: "T"},
		{Type: engine.EventStateEntered, State: "W"},
		{Type: engine.EventStateEntered, State: "C"},
		{Type: engine.EventExecutionSucceeded},
	}}
	assert.Equal(t, 2+4+5+3+2+2, HistoryEvents(x, d))
}
