package bridge_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// TestStormDuringCachetFaults sends a storm of webhooks, as Alertmanager
// does during a wide outage, while Cachet misbehaves in one way, then lets
// Cachet recover without any further webhook. The background loop must
// converge to the truth with exactly one incident per outage.
func TestStormDuringCachetFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault func(r *http.Request, rng *rand.Rand) *cachettest.Fault
	}{
		{"cachet_down", func(*http.Request, *rand.Rand) *cachettest.Fault { return &cachettest.Fault{Reset: true} }},
		{"thirty_percent_500", func(_ *http.Request, rng *rand.Rand) *cachettest.Fault {
			if rng.IntN(10) < 3 {
				return &cachettest.Fault{Status: 500}
			}
			return nil
		}},
		{"rate_limited_with_retry_after", func(_ *http.Request, rng *rand.Rand) *cachettest.Fault {
			if rng.IntN(10) < 3 {
				return &cachettest.Fault{Status: 429, RetryAfter: time.Second}
			}
			return nil
		}},
		{"slow", func(*http.Request, *rand.Rand) *cachettest.Fault {
			return &cachettest.Fault{Delay: 20 * time.Millisecond}
		}},
		{"connection_reset", func(_ *http.Request, rng *rand.Rand) *cachettest.Fault {
			if rng.IntN(10) < 3 {
				return &cachettest.Fault{Reset: true}
			}
			return nil
		}},
		{"answer_lost_after_write", func(r *http.Request, rng *rand.Rand) *cachettest.Fault {
			if r.Method != http.MethodGet && rng.IntN(10) < 4 {
				return &cachettest.Fault{LoseResponse: true}
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// In a bubble: retries, Retry-After and delays run on a fake
			// clock, so "converged" is decided, not waited for.
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, fixtureOpts{inProcess: true})
				var mu sync.Mutex
				rng := rand.New(rand.NewPCG(1, uint64(len(tt.name))))
				faulty := func(r *http.Request) *cachettest.Fault {
					mu.Lock()
					defer mu.Unlock()
					return tt.fault(r, rng)
				}
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { f.br.Run(ctx); close(done) }()
				converged := func(phase string) {
					t.Helper()
					time.Sleep(time.Minute)
					synctest.Wait()
					if p := f.br.Pending(); p != 0 {
						t.Fatalf("%s: %d writes still pending a minute after Cachet recovered", phase, p)
					}
				}

				// Outage: every target fires, each notification twice (HA pair).
				f.emu.Inject(faulty)
				storm(t, f, func(raw, instance string) alertmanager.Event { return fire(instance, raw) })
				f.emu.Inject(nil)
				converged("outage")
				for _, name := range []string{"Web", "API", "DB", "Backend"} {
					f.wantPage(name, status.MajorOutage, 1)
				}

				// Recovery, under the same faults.
				f.emu.Inject(faulty)
				storm(t, f, func(raw, instance string) alertmanager.Event { return resolve(instance, raw) })
				f.emu.Inject(nil)
				converged("recovery")
				for _, name := range []string{"Web", "API", "DB", "Backend"} {
					f.wantPage(name, status.Operational, 0)
					if got := len(f.incidentsOf(name)); got != 1 {
						t.Errorf("%s: %d incidents for one outage, want exactly 1", name, got)
					}
				}
				for _, tg := range testTargets {
					if c := f.component(tg.InvisibleName()); c.Status != 1 || c.Enabled {
						t.Errorf("%s = %+v, want operational and disabled", tg.InvisibleName(), c)
					}
				}
				cancel()
				<-done
			})
		})
	}
}

// storm sends one webhook per target, twice, all at once.
func storm(t *testing.T, f *fixture, mk func(raw, instance string) alertmanager.Event) {
	t.Helper()
	var wg sync.WaitGroup
	for range 2 {
		for _, tg := range testTargets {
			wg.Go(func() { _, _ = f.br.Apply(t.Context(), []alertmanager.Event{mk(tg.ComponentsRaw, tg.Instance)}) })
		}
	}
	wg.Wait()
}

// TestNoGoroutineLeak: Run and Apply leave nothing behind once stopped.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		srv := cachettest.NewServer(cachettest.Options{})
		defer srv.Close()
		cfg := testConfig
		f := &fixture{t: t, emu: srv.Emulator, url: srv.APIURL(), cfg: &cfg}
		seed(f.emu, f.cfg, testTargets)
		f.restart()
		emu := f.emu
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { f.br.Run(ctx); close(done) }()
		emu.SetDown(true)
		storm(t, f, func(raw, instance string) alertmanager.Event { return fire(instance, raw) })
		emu.SetDown(false)
		waitFor(t, func() bool { return f.br.Pending() == 0 })
		cancel()
		<-done
		f.client = nil
		http.DefaultClient.CloseIdleConnections()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}
