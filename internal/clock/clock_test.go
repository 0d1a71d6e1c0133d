package clock_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"geusemaker/internal/clock"
)

var t0 = time.Date(2026, 11, 27, 2, 54, 34, 0, time.UTC)

func TestVirtualSleepAdvancesTime(t *testing.T) {
	v := clock.NewVirtual(t0)
	start := time.Now()
	require.NoError(t, v.Sleep(context.Background(), 10*time.Minute))
	require.Equal(t, t0.Add(10*time.Minute), v.Now())
	require.Less(t, time.Since(start), time.Second, "a virtual sleep costs no wall time")
	require.NoError(t, v.Sleep(context.Background(), 0))
	require.Equal(t, t0.Add(10*time.Minute), v.Now(), "a zero sleep does not move time")
}

func TestParallelBranchesShareOneTimeline(t *testing.T) {
	v := clock.NewVirtual(t0)
	var mu sync.Mutex
	woke := map[string]time.Time{}
	sleep := func(name string, d time.Duration) func() {
		return func() {
			require.NoError(t, v.Sleep(context.Background(), d))
			mu.Lock()
			defer mu.Unlock()
			woke[name] = v.Now()
		}
	}
	clock.Parallel(v, sleep("a", 60*time.Second), sleep("b", 60*time.Second), sleep("c", 30*time.Second))
	require.Equal(t, t0.Add(60*time.Second), v.Now(), "two 60 s branches finish at +60 s, not +120 s")
	require.Equal(t, map[string]time.Time{"a": t0.Add(time.Minute), "b": t0.Add(time.Minute), "c": t0.Add(30 * time.Second)}, woke)
}

func TestParallelBranchesSleepInSequence(t *testing.T) {
	v := clock.NewVirtual(t0)
	var times []time.Time
	clock.Parallel(v, func() {
		for range 3 {
			require.NoError(t, v.Sleep(context.Background(), 5*time.Second))
			times = append(times, v.Now())
		}
	})
	require.Equal(t, []time.Time{t0.Add(5 * time.Second), t0.Add(10 * time.Second), t0.Add(15 * time.Second)}, times)
	clock.Parallel(v) // no branches: returns at once
}

func TestVirtualSleepStopsWhenContextIsCancelled(t *testing.T) {
	v := clock.NewVirtual(t0)
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	slept := make(chan struct{})
	clock.Parallel(v,
		func() {
			defer close(slept)
			err = v.Sleep(ctx, time.Hour)
		},
		func() {
			require.NoError(t, v.Sleep(context.Background(), time.Minute))
			cancel()
			// Blocking here (not in Sleep) holds time still until the sleeper
			// has noticed; returning at once would let time jump to its wake-up.
			<-slept
		})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, t0.Add(time.Minute), v.Now())

	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	require.ErrorIs(t, v.Sleep(done, 0), context.Canceled)
}

func TestAdvance(t *testing.T) {
	v := clock.NewVirtual(t0)
	v.Advance(10 * time.Second)
	require.Equal(t, t0.Add(10*time.Second), v.Now())

	var woke time.Time
	clock.Parallel(v,
		func() {
			require.NoError(t, v.Sleep(context.Background(), 30*time.Second))
			woke = v.Now()
		},
		func() {
			// Time moves only once both branches sleep, so after this the
			// other branch is asleep until +40 s.
			require.NoError(t, v.Sleep(context.Background(), time.Second))
			v.Advance(20 * time.Second) // +31 s: not yet due
			require.True(t, woke.IsZero())
			v.Advance(40 * time.Second) // +71 s: wakes the sleeper
		})
	require.Equal(t, t0.Add(71*time.Second), v.Now())
	require.Equal(t, t0.Add(71*time.Second), woke)
}

func TestRealClock(t *testing.T) {
	var c clock.Clock = clock.Real{}
	before := time.Now()
	require.False(t, c.Now().Before(before))
	require.NoError(t, c.Sleep(context.Background(), time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, c.Sleep(ctx, time.Hour), context.Canceled)
	ran := 0
	var mu sync.Mutex
	clock.Parallel(c, func() { mu.Lock(); ran++; mu.Unlock() }, func() { mu.Lock(); ran++; mu.Unlock() })
	require.Equal(t, 2, ran)
}
