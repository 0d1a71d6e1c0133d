package document

import (
	"geusemaker/internal/contract"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

var waitStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestPaceLandsJustAfterTheTypicalDurationThenTightensThenBacksOff(t *testing.T) {
	typical := 90 * time.Second
	deadline := waitStart.Add(30 * time.Minute)
	tests := []struct {
		name    string
		elapsed time.Duration
		percent int
		next    int
	}{
		{"at the start: just after the typical duration", 0, 1, 92},
		{"half way: the rest of it", 45 * time.Second, 45, 47},
		{"a second before: still just after it", 89 * time.Second, 89, 3},
		{"just past typical: tight", 91 * time.Second, 90, 5},
		{"overrun of a minute: a quarter of it", 150 * time.Second, 94, 15},
		{"very long tail: capped", 20 * time.Minute, 98, 30},
		{"near the deadline: at most a second past it", 30*time.Minute - 3*time.Second, 98, 4},
		{"past the deadline: the floor", 31 * time.Minute, 98, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			percent, next := Wait{Typical: typical}.Pace(waitStart, deadline, waitStart.Add(tt.elapsed))
			assert.Equal(t, tt.percent, percent)
			assert.Equal(t, tt.next, next)
		})
	}
}

func TestPaceNeverReports100AndNeverGoesBack(t *testing.T) {
	deadline := waitStart.Add(time.Hour)
	last := 0
	for s := 0; s < 3600; s += 7 {
		percent, next := Wait{Typical: 3 * time.Minute, Early: time.Minute}.Pace(waitStart, deadline, waitStart.Add(time.Duration(s)*time.Second))
		assert.GreaterOrEqual(t, percent, last)
		assert.Less(t, percent, 100)
		assert.GreaterOrEqual(t, next, 1)
		last = percent
	}
}

func TestPaceOfAZeroTypicalDurationPollsTightly(t *testing.T) {
	percent, next := Wait{}.Pace(waitStart, waitStart.Add(time.Minute), waitStart)
	assert.Equal(t, 1, percent)
	assert.Equal(t, 5, next)
}

func TestPaceTakesAnEarlyLookBeforeAimingAtTheTypicalDuration(t *testing.T) {
	w := Wait{Typical: 3 * time.Minute, Early: time.Minute}
	deadline := waitStart.Add(30 * time.Minute)
	_, next := w.Pace(waitStart, deadline, waitStart)
	assert.Equal(t, 60, next, "the first look comes at Early")
	_, next = w.Pace(waitStart, deadline, waitStart.Add(time.Minute))
	assert.Equal(t, 122, next, "then just after the typical duration")
	_, next = w.Pace(waitStart, deadline, waitStart.Add(3*time.Minute+2*time.Second))
	assert.Equal(t, 5, next, "then tight")
}

func TestWaitPendingStartsTheTimeoutBeforeTheDeadline(t *testing.T) {
	w := Wait{Typical: 20 * time.Second, Timeout: 10 * time.Minute}
	deadline := waitStart.Add(w.Timeout)
	p := w.Pending("creating", deadline, waitStart.Add(10*time.Second))
	assert.Equal(t, Poll{Status: "creating", Percent: 45, NextPollSeconds: 12}, p)
}

func TestDeadlineIsComputedOnceAndStartWaitRestartsIt(t *testing.T) {
	var d Document
	first := d.Deadline(contract.StatusEFS, waitStart, time.Minute)
	assert.Equal(t, waitStart.Add(time.Minute), first)
	assert.Equal(t, Timestamp(first), d.Deadlines[contract.StatusEFS])

	later := waitStart.Add(10 * time.Minute)
	assert.Equal(t, first, d.Deadline(contract.StatusEFS, later, time.Minute), "a re-poll never extends the deadline")

	assert.Equal(t, later.Add(time.Minute), d.StartWait(contract.StatusEFS, later, time.Minute), "a new wait gets its full timeout")
	assert.Equal(t, Timestamp(later.Add(time.Minute)), d.Deadlines[contract.StatusEFS])

	d.Deadlines[contract.StatusEFS] = "altered"
	assert.Equal(t, later.Add(2*time.Minute), d.Deadline(contract.StatusEFS, later, 2*time.Minute), "an unreadable deadline restarts the wait")
}

func TestSetStatusAndSetTimingCreateTheirMaps(t *testing.T) {
	var d Document
	d.SetStatus(contract.StatusALB, Poll{Status: "active", Done: true})
	d.SetTiming(StageCompute, waitStart, waitStart.Add(time.Minute))
	assert.Equal(t, map[string]Poll{contract.StatusALB: {Status: "active", Done: true}}, d.Status)
	assert.Equal(t, Timing{StartedAt: "2026-01-01T00:00:00Z", EndedAt: "2026-01-01T00:01:00Z"}, d.Timings[StageCompute])
}
