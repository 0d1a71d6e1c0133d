package document

import (
	"math"
	"time"
)

// Expected durations of a whole operation, the scale of Progress.Percent,
// from the latencies docs/architecture.md lists (EFS 20 s, mount target
// 90 s, instance 20 s / 60 s GPU, workload healthy ≈ 4 min after boot, ALB 3 min, CloudFront
// ≈ 3 min, health check 2 × 30 s, terminate and mount target delete 60 s,
// CloudFront disable ≈ 2 min).
const (
	// expectedDev: EFS 20 s + mount targets 90 s + instance 20 s + steps, ≈ 3 min.
	expectedDev = 3 * time.Minute
	// expectedAutomation: the dev path + healthy 4 min + checks 60 s (the ALB's 3 min overlap), ≈ 8 min.
	expectedAutomation = 8 * time.Minute
	// expectedGPU: the automation path with a 60 s GPU launch and its check (CloudFront's 3 min overlap), ≈ 9 min.
	expectedGPU = 9 * time.Minute
	// expectedTeardownCDN: CloudFront disable ≈ 2 min, its delete, then security groups and network, ≈ 4 min.
	expectedTeardownCDN = 4 * time.Minute
	// expectedTeardown: terminate / mount target delete 60 s in parallel, then the rest, ≈ 2 min.
	expectedTeardown = 2 * time.Minute
)

// Bounds of the overall estimate: linear to linearPercent at the expected
// duration, then approaching maxPendingPercent; 100 belongs to the end.
const (
	minPendingPercent = 1
	linearPercent     = 90
	maxPendingPercent = 99
)

// Report records what the operation is doing now as d.Progress and returns
// it, so a caller can add the stage's own estimate (StagePercent). It is
// the one way steps report progress.
//
// Percent is derived from the clock alone, never from d's other content,
// because the Deploy workflow's Parallel branches each hold their own copy
// of the document: a time-based percent is the same in every branch and so
// never decreases across the events they publish. It is the time elapsed
// since the operation started against the operation's expected duration
// (see estimate), in [1, 99]; StageFinalize is 100, and so is every report
// after finalize (the CloudFront watcher), as the deployment is complete.
// The operation is the deployment, started at the validate stage, or for
// StageRollback and StageDestroy the teardown, started at its first
// report. A start missing from d.Timings is recorded as now.
func (d *Document) Report(now time.Time, stage, message, resourceID string) *Progress {
	d.Progress = &Progress{
		Stage: stage, Message: message, Percent: d.overallPercent(now, stage),
		ResourceID: resourceID, CloudFrontDomain: d.Resources.CloudFrontDomain,
	}
	return d.Progress
}

// TeardownStage is the stage a delete reports: rollback when a Catch has
// recorded an error, destroy otherwise.
func (d *Document) TeardownStage() string {
	if d.Error != nil {
		return StageRollback
	}
	return StageDestroy
}

// overallPercent is Report's Percent for stage at now.
func (d *Document) overallPercent(now time.Time, stage string) int {
	switch stage {
	case StageFinalize:
		return 100
	case StageRollback, StageDestroy:
		expected := expectedTeardown
		if d.Resources.Has(KeyCloudFrontID) {
			expected = expectedTeardownCDN
		}
		return estimate(now.Sub(d.started(stage, now)), expected)
	}
	if d.Timings[StageFinalize].EndedAt != "" {
		return 100
	}
	return estimate(now.Sub(d.started(StageValidate, now)), d.Request.expectedDuration())
}

// started is when the timing of stage started, recording now when it has
// no readable start.
func (d *Document) started(stage string, now time.Time) time.Time {
	t := d.Timings[stage]
	if start, err := ParseTimestamp(t.StartedAt); err == nil {
		return start
	}
	if d.Timings == nil {
		d.Timings = map[string]Timing{}
	}
	t.StartedAt = Timestamp(now)
	d.Timings[stage] = t
	return now
}

// expectedDuration is how long a deployment of r's tier usually takes.
func (r Request) expectedDuration() time.Duration {
	switch r.Tier {
	case TierGPU:
		return expectedGPU
	case TierAutomation:
		return expectedAutomation
	}
	return expectedDev
}

// estimate maps elapsed time against expected to a percent: linear to
// linearPercent at expected, then 90 + 9·(1 − e^(−(t−E)/E)), approaching
// maxPendingPercent without reaching it, floored and clamped to
// [minPendingPercent, maxPendingPercent]. It never decreases as elapsed grows.
func estimate(elapsed, expected time.Duration) int {
	x := max(elapsed.Seconds(), 0) / expected.Seconds()
	p := linearPercent * x
	if x > 1 {
		p = linearPercent + (maxPendingPercent-linearPercent)*(1-math.Exp(-(x-1)))
	}
	return min(max(int(p), minPendingPercent), maxPendingPercent)
}
