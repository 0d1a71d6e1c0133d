package bench

import (
	"time"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/steps/cloudfront"
	"geusemaker/internal/steps/compute"
	"geusemaker/internal/steps/efs"
	"geusemaker/internal/steps/elbv2"
)

// HistoryLimit is Step Functions' limit of history events per execution.
const HistoryLimit = 25000

// smokeSchedule is the smoke test's own schedule, which does not use
// document.Pace yet (internal/steps/smoke): an attempt every 20 s until
// its 10-minute deadline.
var smokeSchedule = struct{ interval, timeout time.Duration }{20 * time.Second, 10 * time.Minute}

// WaitOf is the wait a loop's status key stands for in tier, as its step
// paces and bounds it; false for a loop not paced by document.Pace.
func WaitOf(key string, tier document.Tier) (document.Wait, bool) {
	switch key {
	case contract.StatusEFS:
		return efs.FileSystemWait, true
	case contract.StatusMountTargets:
		return efs.MountTargetsWait, true
	case contract.StatusMountTargetDelete:
		return efs.MountTargetsDeleteWait, true
	case contract.StatusInstance:
		if tier == document.TierGPU {
			return compute.GPUInstanceWait, true
		}
		return compute.InstanceWait, true
	case contract.StatusGPU:
		return compute.GPUCheckWait, true
	case contract.StatusInstanceTerminate:
		return compute.TerminateWait, true
	case contract.StatusALB:
		return elbv2.ALBWait, true
	case contract.StatusTargets:
		return elbv2.TargetsWait, true
	case contract.StatusALBDelete:
		return elbv2.ALBDeleteWait, true
	case contract.StatusCloudFront:
		return cloudfront.DeployWait, true
	case contract.StatusCloudFrontDelete:
		return cloudfront.DisableWait, true
	}
	return document.Wait{}, false
}

// MaxPolls is how many polls a loop makes when its resource reaches the
// target state only at the deadline: the first after first (or, when 0,
// after the schedule's first interval), then as document.Pace says, the
// last one past the deadline.
func MaxPolls(first time.Duration, w document.Wait) int {
	start := time.Time{}
	deadline := start.Add(w.Timeout)
	if first == 0 {
		_, next := w.Pace(start, deadline, start)
		first = time.Duration(next) * time.Second
	}
	n := 1
	for t := start.Add(first); !t.After(deadline); n++ {
		_, next := w.Pace(start, deadline, t)
		t = t.Add(time.Duration(next) * time.Second)
	}
	return n
}

// LoopBound is one loop's share of the worst case.
type LoopBound struct {
	Loop
	Polls, Events int
}

// WorstCase bounds the history events of one Deploy execution of tier
// whose every wait lasts until its deadline (the longest
// cloudfront_timeout_minutes), then fails late and rolls back with every
// deletion wait lasting until its deadline. The fixed part is the events
// of the measured Deploy executions runs (a deployment and a rollback)
// without their polls, counting what both share twice; each loop then adds
// its maximum polls times the events of one poll. Retries beyond those
// measured are not counted.
func WorstCase(d Definition, tier document.Tier, runs ...*engine.Execution) (int, []LoopBound) {
	total := 0
	for _, x := range runs {
		total += HistoryEvents(x, d)
	}
	var loops []LoopBound
	for _, l := range d.Loops() {
		polls := int(smokeSchedule.timeout / smokeSchedule.interval)
		if w, ok := WaitOf(l.Key, tier); ok {
			polls = MaxPolls(l.FirstWait, w)
		} else if l.Key != contract.StatusSmoke {
			continue
		}
		total -= len(checks(runs, l.Check)) * l.Iteration
		b := LoopBound{Loop: l, Polls: polls, Events: polls * l.Iteration}
		loops = append(loops, b)
		total += b.Events
	}
	return total, loops
}
