package bench

import (
	"time"

	"geusemaker/internal/contract"
	"geusemaker/internal/document"
	"geusemaker/internal/engine"
	"geusemaker/internal/sim/account"
	simcf "geusemaker/internal/sim/cloudfront"
	simec2 "geusemaker/internal/sim/ec2"
	simefs "geusemaker/internal/sim/efs"
	simelb "geusemaker/internal/sim/elbv2"
	simssm "geusemaker/internal/sim/ssm"
	"geusemaker/internal/steps/elbv2"
)

// teardownState is the Parallel state that starts a rollback or destroy.
const teardownState = "Delete resources"

// Phase is a measured stretch of a run against its bounds.
type Phase struct {
	// Took is the simulated duration.
	Took time.Duration
	// Bound is the critical path of the phase's graph; Sequential the
	// same graph done in the original tool's strict order.
	Bound, Sequential time.Duration
	// Path is the critical path's nodes.
	Path []string
}

// Ratio is Took over Bound.
func (p Phase) Ratio() float64 { return ratio(p.Took, p.Bound) }

// SequentialRatio is Sequential over Bound.
func (p Phase) SequentialRatio() float64 { return ratio(p.Sequential, p.Bound) }

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Result is a run's figures.
type Result struct {
	*Run
	// Deploy is the deployment (KindDeploy) or the whole failed
	// execution (KindRollback); Teardown the Destroy execution or the
	// rollback, from its first teardown state.
	Deploy, Teardown Phase
	// Notice is, per poll loop (status key), how long after its resource's
	// transition the poll that saw it came; Polls how many polls it made.
	Notice map[string]time.Duration
	Polls  map[string]int
	// Transitions and HistoryEvents count the Deploy execution's billed
	// state transitions and Step Functions history events;
	// DestroyTransitions the Destroy execution's transitions.
	Transitions, HistoryEvents, DestroyTransitions int
}

// Analyze computes a run's figures against the deploy and destroy
// definitions.
func Analyze(r *Run, deploy, destroy Definition) (*Result, error) {
	res := &Result{Run: r, Notice: map[string]time.Duration{}, Polls: map[string]int{}}
	g := DeployGraph(r.Tier, r.Latencies)
	bound, path, err := g.CriticalPath()
	if err != nil {
		return nil, err
	}
	seq, err := g.Sequential(DeploySequence(r.Tier))
	if err != nil {
		return nil, err
	}
	res.Deploy = Phase{Took: r.Deploy.StopTime.Sub(r.Deploy.StartTime), Bound: bound, Sequential: seq, Path: path}

	tg := TeardownGraph(r.Tier, r.Latencies)
	tbound, tpath, err := tg.CriticalPath()
	if err != nil {
		return nil, err
	}
	tseq, err := tg.Sequential(TeardownSequence(r.Tier))
	if err != nil {
		return nil, err
	}
	res.Teardown = Phase{Bound: tbound, Sequential: tseq, Path: tpath}
	execs := []*engine.Execution{r.Deploy}
	res.Transitions = r.Deploy.Transitions()
	res.HistoryEvents = HistoryEvents(r.Deploy, deploy)
	if r.Destroy != nil {
		res.Teardown.Took = r.Destroy.StopTime.Sub(r.Destroy.StartTime)
		execs = append(execs, r.Destroy)
		res.DestroyTransitions = r.Destroy.Transitions()
	} else if start, ok := entered(r.Deploy, teardownState); ok {
		res.Teardown.Took = r.Deploy.StopTime.Sub(start)
	}

	for _, l := range append(deploy.Loops(), destroy.Loops()...) {
		polls := checks(execs, l.Check)
		if len(polls) == 0 {
			continue
		}
		res.Polls[l.Key] = len(polls)
		at, ok := transition(l.Key, r)
		if !ok {
			continue
		}
		if d, ok := NoticeDelay(at, polls); ok {
			res.Notice[l.Key] = d
		}
	}
	return res, nil
}

// NoticeDelay is how long after a transition at at the first poll at or
// after it came; false when no poll came after it.
func NoticeDelay(at time.Time, polls []time.Time) (time.Duration, bool) {
	for _, p := range polls {
		if !p.Before(at) {
			return p.Sub(at), true
		}
	}
	return 0, false
}

// checks are the times the status Task check was entered, in order.
func checks(execs []*engine.Execution, check string) []time.Time {
	var out []time.Time
	for _, x := range execs {
		for _, e := range x.History {
			if e.Type == engine.EventStateEntered && e.State == check {
				out = append(out, e.Time)
			}
		}
	}
	return out
}

// entered is when state was first entered.
func entered(x *engine.Execution, state string) (time.Time, bool) {
	for _, e := range x.History {
		if e.Type == engine.EventStateEntered && e.State == state {
			return e.Time, true
		}
	}
	return time.Time{}, false
}

// HistoryEvents estimates the Step Functions history events of an
// execution: its start and end, each state visit's events by type, and
// three per retried attempt.
func HistoryEvents(x *engine.Execution, d Definition) int {
	n := 2
	for _, e := range x.History {
		switch e.Type {
		case engine.EventStateEntered:
			n += awsEvents[d[e.State].Type]
		case engine.EventStateRetried:
			n += retryEvents
		}
	}
	return n
}

// transition is when the resource a loop waits on reached its target
// state: the call that started it plus the latency model's duration;
// false when the run never started it.
func transition(key string, r *Run) (time.Time, bool) {
	m := transitionMoment(key, r)
	return m.at, m.ok
}

// moment is a time that may be unknown.
type moment struct {
	at time.Time
	ok bool
}

// plus is m later by d.
func (m moment) plus(d time.Duration) moment { return moment{m.at.Add(d), m.ok} }

// latest is the latest of ms, known if all are.
func latest(ms ...moment) moment {
	out := ms[0]
	for _, m := range ms[1:] {
		if m.at.After(out.at) {
			out.at = m.at
		}
		out.ok = out.ok && m.ok
	}
	return out
}

func transitionMoment(key string, r *Run) moment {
	l, calls := r.Latencies, r.Calls
	run := l[simec2.LatencyRun]
	if r.Tier == document.TierGPU {
		run = l[simec2.LatencyRunGPU]
	}
	workload := firstCall(calls, "RunInstances", true).plus(run + l[simec2.LatencyWorkload])
	active := firstCall(calls, "CreateLoadBalancer", true).plus(l[simelb.LatencyProvision])
	healthy := latest(firstCall(calls, "RegisterTargets", true), active, workload).
		plus(elbv2.HealthyThreshold * elbv2.HealthCheckInterval)
	deployed := firstCall(calls, "CreateDistributionWithTags", true).plus(l[simcf.LatencyDeploy])
	switch key {
	case contract.StatusEFS:
		return firstCall(calls, "CreateFileSystem", true).plus(l[simefs.LatencyCreate])
	case contract.StatusMountTargets:
		return lastCall(calls, "CreateMountTarget").plus(l[simefs.LatencyMountTarget])
	case contract.StatusInstance:
		return firstCall(calls, "RunInstances", true).plus(run)
	case contract.StatusGPU:
		// The agent registers ssm.agent after SSM first sees the instance
		// (the first SendCommand); the check's result is readable once the
		// command has run.
		return firstCall(calls, "SendCommand", false).plus(l[simssm.LatencyAgent] + max(l[simssm.LatencyCommand], l[simssm.LatencyInvocationVisible]))
	case contract.StatusALB:
		return active
	case contract.StatusTargets:
		return healthy
	case contract.StatusCloudFront:
		return deployed
	case contract.StatusSmoke:
		// Users reach the workload through the instance, the ALB, or
		// CloudFront and the ALB.
		switch r.Tier {
		case document.TierDev:
			return workload
		case document.TierAutomation:
			return healthy
		}
		return latest(healthy, deployed)
	case contract.StatusCloudFrontDelete:
		return lastCall(calls, "UpdateDistribution").plus(l[simcf.LatencyUpdate])
	case contract.StatusALBDelete:
		return firstCall(calls, "DeleteLoadBalancer", true)
	case contract.StatusInstanceTerminate:
		return firstCall(calls, "TerminateInstances", true).plus(l[simec2.LatencyTerminate])
	case contract.StatusMountTargetDelete:
		return lastCall(calls, "DeleteMountTarget").plus(l[simefs.LatencyMountTargetDelete])
	}
	return moment{}
}

// firstCall is when op was first called (successfully, with ok).
func firstCall(calls []account.Call, op string, ok bool) moment {
	for _, c := range calls {
		if c.Operation == op && (!ok || c.ErrorCode == "") {
			return moment{c.Time, true}
		}
	}
	return moment{}
}

// lastCall is when op last succeeded.
func lastCall(calls []account.Call, op string) moment {
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Operation == op && calls[i].ErrorCode == "" {
			return moment{calls[i].Time, true}
		}
	}
	return moment{}
}
