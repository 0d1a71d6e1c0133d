package clock_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"geusemaker/internal/clock"
)

func TestGoAndIdleShareOneTimeline(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := clock.NewVirtual(start)
	ctx := context.Background()
	var wg sync.WaitGroup
	var spawnedDone time.Time
	// The caller works 30 s, starting a goroutine that sleeps 60 s at +10 s.
	if err := v.Sleep(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	clock.Go(v, func() {
		defer wg.Done()
		_ = v.Sleep(ctx, 60*time.Second)
		spawnedDone = v.Now()
	})
	if err := v.Sleep(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := v.Now().Sub(start); got != 30*time.Second {
		t.Fatalf("caller woke at +%v, want +30s", got)
	}
	clock.Idle(v, wg.Wait)
	if got := spawnedDone.Sub(start); got != 70*time.Second {
		t.Fatalf("spawned goroutine woke at +%v, want +70s", got)
	}
}

func TestGoAndIdleOnTheRealClock(t *testing.T) {
	var wg sync.WaitGroup
	ran := false
	wg.Add(1)
	clock.Go(clock.Real{}, func() { defer wg.Done(); ran = true })
	clock.Idle(clock.Real{}, wg.Wait)
	if !ran {
		t.Fatal("fn did not run")
	}
}
