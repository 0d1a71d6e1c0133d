package document

import "time"

// The one poll schedule of every wait (see Pace). A poll costs three state
// transitions (Wait, status Task, Choice) and about nine history events, so
// the schedule spends polls where a transition is likely: just after the
// typical duration, then densely, then sparsely in a long tail.
const (
	// PollSlack puts the first computed poll just after the expected
	// transition rather than just before it, which would cost one more.
	PollSlack = 2 * time.Second
	// PollTight is the interval right after the expected transition, when
	// it is most likely to happen.
	PollTight = 5 * time.Second
	// PollMax bounds the interval of a long tail: a wait that runs long
	// backs off to one poll per PollMax (a quarter of the overrun), so a
	// 30-minute wait stays under 100 polls.
	PollMax = 30 * time.Second
	// pollBackoff is the share of the overrun the next interval grows to.
	pollBackoff = 4
	// pollFloor is the shortest interval: a Wait of 0 s would still cost
	// its transitions and find nothing new.
	pollFloor = time.Second
)

// Wait is one kind of wait on a resource: how long AWS typically takes to
// reach the target state, and how long the state machine may wait for it.
type Wait struct {
	// Typical is the usual duration of the transition, from the design's
	// public measurements; the schedule aims just past it.
	Typical time.Duration
	// Timeout bounds the wait; its deadline is computed once, at its start.
	Timeout time.Duration
	// Early, when set, is a first look this soon after the start, for a
	// transition whose duration varies widely around Typical (CloudFront:
	// one minute to half an hour): it notices a fast one early, and shows
	// progress, for one more poll.
	Early time.Duration
}

// Pending is the poll of a wait that has not reached its target state at
// now, the wait having started Timeout before deadline: status, Pace's
// percent and next poll.
func (w Wait) Pending(status string, deadline, now time.Time) Poll {
	percent, next := w.Pace(deadline.Add(-w.Timeout), deadline, now)
	return Poll{Status: status, Percent: percent, NextPollSeconds: next}
}

// Pace is the schedule of the wait that started at started, bounded by
// deadline: its progress percent at now (elapsed time against Typical, as
// the overall estimate: 90 at Typical, then approaching 99, never 100
// before done) and the seconds until the next poll.
//
// The next poll lands at Early when that is still ahead, else PollSlack
// after the expected transition; once that has passed, polls come every
// PollTight, backing off to a quarter of the overrun and at most PollMax.
// It never lands more than a second past the deadline, so a timeout is
// reported promptly, and never sooner than a second from now.
func (w Wait) Pace(started, deadline, now time.Time) (percent, nextPollSeconds int) {
	typical := w.Typical
	elapsed := now.Sub(started)
	next := typical - elapsed + PollSlack
	if elapsed < w.Early {
		next = w.Early - elapsed
	}
	if overrun := elapsed - typical; overrun >= 0 {
		next = min(max(overrun/pollBackoff, PollTight), PollMax)
	}
	next = max(min(next, deadline.Sub(now)+time.Second), pollFloor)
	return estimate(elapsed, max(typical, time.Second)), int((next + time.Second - 1) / time.Second)
}

// Deadline returns the deadline of the wait under key, setting it to
// now+timeout when none is recorded, so that retries and re-polls never
// extend it. A deadline that does not parse (an altered document) is
// replaced, which restarts the wait rather than failing it.
func (d *Document) Deadline(key string, now time.Time, timeout time.Duration) time.Time {
	if t, err := ParseTimestamp(d.Deadlines[key]); err == nil {
		return t
	}
	return d.StartWait(key, now, timeout)
}

// StartWait records the deadline of a wait under key that starts now,
// replacing an earlier one: a new wait on the same key (a destroy after a
// rollback that disabled the same distribution) gets its full timeout.
func (d *Document) StartWait(key string, now time.Time, timeout time.Duration) time.Time {
	if d.Deadlines == nil {
		d.Deadlines = map[string]string{}
	}
	t := now.Add(timeout)
	d.Deadlines[key] = Timestamp(t)
	return t
}

// SetStatus records the latest poll of the wait under key.
func (d *Document) SetStatus(key string, p Poll) {
	if d.Status == nil {
		d.Status = map[string]Poll{}
	}
	d.Status[key] = p
}

// SetTiming records when stage started and ended.
func (d *Document) SetTiming(stage string, started, ended time.Time) {
	if d.Timings == nil {
		d.Timings = map[string]Timing{}
	}
	d.Timings[stage] = Timing{StartedAt: Timestamp(started), EndedAt: Timestamp(ended)}
}
