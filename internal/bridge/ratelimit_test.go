package bridge_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// bigOutage is spec §14's scenario: 306 targets in 43 services.
func bigOutage() (*config.Config, []config.Target) {
	cfg := testConfig
	cfg.PerPage = 100
	cfg.Groups = nil
	var services []string
	for i := range 43 {
		services = append(services, fmt.Sprintf("Service %02d", i))
	}
	for g := range 5 {
		grp := config.Group{Name: fmt.Sprintf("Group %d", g)}
		for i := g; i < len(services); i += 5 {
			grp.Components = append(grp.Components, services[i])
		}
		cfg.Groups = append(cfg.Groups, grp)
	}
	var ts []config.Target
	for i := range 306 {
		ts = append(ts, target(fmt.Sprintf("10.0.%d.%d:9100", i/256, i%256), services[i%len(services)], false))
	}
	return &cfg, ts
}

// TestRestartInTheBacklog is spec §14: under Cachet's rate limit the
// visible writes go first, so the page is truthful in seconds; statusbridge
// is killed while the bookkeeping is still queued and started again; with
// Alertmanager sending again what it was not acknowledged, the final state
// is right, and after the restart the page never shows a healthier status
// than the truth, though the hidden components it reloads are stale.
func TestRestartInTheBacklog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, targets := bigOutage()
		emu := cachettest.New(cachettest.Options{RateLimit: 300})
		seed(emu, cfg, targets)
		client, err := cachet.New(cachet.Options{BaseURL: "http://cachet.invalid/api", Token: cachettest.DefaultToken,
			HTTPClient: emu.HTTPClient(), Attempts: 20, PerPage: cfg.PerPage})
		if err != nil {
			t.Fatal(err)
		}
		start := func() (*bridge.Bridge, context.CancelFunc) {
			br := bridge.New(bridge.Options{Cachet: client, Renderer: mustRender(t), Config: cfg, Targets: targets,
				Logger: slog.New(slog.DiscardHandler), Probe: time.Hour})
			for br.Load(t.Context()) != nil {
				time.Sleep(time.Second)
			}
			ctx, cancel := context.WithCancel(t.Context())
			go br.Run(ctx)
			return br, cancel
		}
		var webhooks [][]alertmanager.Event
		for i := 0; i < len(targets); i += 50 {
			var evs []alertmanager.Event
			for _, tg := range targets[i:min(i+50, len(targets))] {
				evs = append(evs, fire(tg.Instance, tg.ComponentsRaw))
			}
			webhooks = append(webhooks, evs)
		}
		// deliver is Alertmanager: each notification until it gets a 2xx
		// (each try bounded as statusbridge bounds a webhook: 10 s).
		acked := make([]bool, len(webhooks))
		var mu sync.Mutex
		deliver := func(br *bridge.Bridge, ctx context.Context) {
			var wg sync.WaitGroup
			for i, evs := range webhooks {
				mu.Lock()
				done := acked[i]
				mu.Unlock()
				if done {
					continue
				}
				wg.Go(func() {
					actx, cancel := context.WithTimeout(ctx, 10*time.Second)
					defer cancel()
					if _, err := br.Apply(actx, evs); err == nil {
						mu.Lock()
						acked[i] = true
						mu.Unlock()
					}
				})
			}
			wg.Wait()
		}
		truthful := func() bool {
			for _, g := range cfg.Groups {
				for _, name := range g.Components {
					c := component(emu, name)
					if status.Status(emu.LatestStatus(c.ID)) != status.MajorOutage || openIncidents(emu, name) != 1 {
						return false
					}
				}
			}
			return true
		}

		// The window the index load opened has passed; the outage begins.
		time.Sleep(time.Minute)
		br, stop := start()
		began := time.Now()
		alive, kill := context.WithCancel(t.Context())
		go deliver(br, alive)
		for !truthful() {
			time.Sleep(100 * time.Millisecond)
			if time.Since(began) > time.Minute {
				t.Fatal("the page is not truthful after a minute")
			}
		}
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("page truthful after %v, want at most 5 s", took)
		}
		hidden := 0
		for _, c := range emu.Components() {
			if !c.Enabled && c.Status == int(status.MajorOutage) {
				hidden++
			}
		}
		if hidden == len(targets) {
			t.Fatal("every hidden component is written already: no backlog to restart in")
		}
		t.Logf("truthful after %v with %d of %d hidden components written", time.Since(began), hidden, len(targets))

		// Killed in the backlog, started again.
		time.Sleep(5 * time.Second)
		kill()
		stop()
		synctest.Wait()
		br, stop = start()
		defer stop()
		watchDone := make(chan int)
		watching, unwatch := context.WithCancel(t.Context())
		go func() {
			worse := 0
			for watching.Err() == nil {
				for _, c := range emu.Components() {
					if c.Enabled && status.Status(emu.LatestStatus(c.ID)) != status.MajorOutage {
						worse++
					}
				}
				time.Sleep(time.Second)
			}
			watchDone <- worse
		}()
		// Alertmanager keeps retrying what it was not acknowledged; three
		// minutes cover the hold and a rate-limit window or two.
		for range 18 {
			deliver(br, t.Context())
			time.Sleep(10 * time.Second)
		}
		unwatch()
		if n := <-watchDone; n > 0 {
			t.Errorf("after the restart the page showed a healthier status than the truth %d times", n)
		}
		for _, tg := range targets {
			if c := component(emu, tg.InvisibleName()); c.Status != int(status.MajorOutage) {
				t.Errorf("%s = %d at the end, want Major Outage", tg.InvisibleName(), c.Status)
				break
			}
		}
		if !truthful() {
			t.Error("the page is not truthful at the end")
		}
		for i, ok := range acked {
			if !ok {
				t.Errorf("notification %d never acknowledged", i)
			}
		}
	})
}
