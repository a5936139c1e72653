package htpasswd

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestGateTakesSourcesInTurn queues three callers from a flooding source
// ahead of one from another source: the other source must get the second
// slot handed out, not the fourth.
func TestGateTakesSourcesInTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate(1)
		if err := g.enter(t.Context(), "flood", time.Hour); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var admitted []string
		for _, c := range []struct{ name, source string }{
			{"flood1", "flood"}, {"flood2", "flood"}, {"flood3", "flood"}, {"sender", "alertmanager"},
		} {
			go func() {
				if err := g.enter(t.Context(), c.source, time.Hour); err != nil {
					t.Errorf("enter(%s) = %v", c.name, err)
					return
				}
				mu.Lock()
				admitted = append(admitted, c.name)
				mu.Unlock()
			}()
			synctest.Wait() // queued, in this order
		}
		for range 4 {
			g.leave()
			synctest.Wait()
		}
		want := []string{"flood1", "sender", "flood2", "flood3"}
		if diff := cmp.Diff(want, admitted); diff != "" {
			t.Errorf("admission order (-want +got):\n%s", diff)
		}
	})
}

// TestGateGivesUp checks the bounded wait and cancellation, and that a
// caller who gave up leaves no trace: the next slot goes to whoever still
// waits, or back to the pool.
func TestGateGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate(1)
		if err := g.enter(t.Context(), "a", time.Hour); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := g.enter(t.Context(), "a", 100*time.Millisecond); !errors.Is(err, ErrBusy) {
			t.Errorf("enter with the slot held = %v, want ErrBusy", err)
		}
		if waited := time.Since(start); waited != 100*time.Millisecond {
			t.Errorf("enter gave up after %v, want 100ms", waited)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := g.enter(ctx, "b", time.Hour); !errors.Is(err, context.Canceled) {
			t.Errorf("enter with a cancelled context = %v, want context.Canceled", err)
		}

		done := make(chan error)
		go func() { done <- g.enter(t.Context(), "c", time.Hour) }()
		go func() { _ = g.enter(t.Context(), "a", 50*time.Millisecond) }()
		synctest.Wait()
		time.Sleep(60 * time.Millisecond) // "a" gives up; "c" still waits
		g.leave()
		if err := <-done; err != nil {
			t.Errorf("enter(c) after the holder left = %v, want nil", err)
		}
		g.leave()
		if g.free != 1 || len(g.queues) != 0 || len(g.order) != 0 {
			t.Errorf("gate after everyone left: free %d, queues %v, order %v; want 1 free and nothing queued", g.free, g.queues, g.order)
		}
	})
}

func TestWaitForSlot(t *testing.T) {
	tests := []struct {
		name        string
		minWait     time.Duration
		lastCompare time.Duration
		want        time.Duration
	}{
		{name: "no_compare_yet", minWait: minCompareWait, want: minCompareWait},
		{name: "fast_compare_gets_the_minimum", minWait: minCompareWait, lastCompare: 50 * time.Millisecond, want: minCompareWait},
		{name: "slow_compare_three_times", minWait: minCompareWait, lastCompare: 400 * time.Millisecond, want: 1200 * time.Millisecond},
		{name: "capped", minWait: minCompareWait, lastCompare: time.Minute, want: maxCompareWait},
		{name: "minimum_above_the_cap_wins", minWait: time.Minute, lastCompare: time.Second, want: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := Default()
			u.minWait = tt.minWait
			u.lastCompare.Store(int64(tt.lastCompare))
			if got := u.waitForSlot(); got != tt.want {
				t.Errorf("waitForSlot() after a %v compare = %v, want %v", tt.lastCompare, got, tt.want)
			}
		})
	}
}
