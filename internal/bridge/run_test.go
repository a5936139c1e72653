package bridge_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
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

// bubble is a seeded emulator, a client and a bridge wired in-process, for
// use inside a synctest bubble where time is fake and deterministic.
type bubble struct {
	emu    *cachettest.Emulator
	client *cachet.Client
	br     *bridge.Bridge
	logs   *syncBuffer
}

func newBubble(t *testing.T, resync time.Duration) *bubble {
	t.Helper()
	logs := &syncBuffer{}
	emu, client, br := inProcess(t, bridge.Options{Logger: slog.New(slog.NewTextHandler(logs, nil)),
		RetryMin: time.Second, RetryMax: 8 * time.Second, Resync: resync,
		Probe: time.Hour}) // the probe's POST is not a retry: keep it out of the counts
	return &bubble{emu: emu, client: client, br: br, logs: logs}
}

// inProcess seeds an emulator and loads a bridge that reaches it with no
// network, for synctest bubbles and many fast runs. o's Cachet, Renderer,
// Config and Targets are filled in.
func inProcess(tb testing.TB, o bridge.Options) (*cachettest.Emulator, *cachet.Client, *bridge.Bridge) {
	tb.Helper()
	cfg := testConfig
	return inProcessWith(tb, &cfg, o)
}

// inProcessWith is inProcess with another config.json.
func inProcessWith(tb testing.TB, cfg *config.Config, o bridge.Options) (*cachettest.Emulator, *cachet.Client, *bridge.Bridge) {
	tb.Helper()
	emu := cachettest.New(cachettest.Options{})
	seed(emu, cfg, testTargets)
	client, err := cachet.New(cachet.Options{BaseURL: "http://cachet.invalid/api", Token: cachettest.DefaultToken,
		HTTPClient: emu.HTTPClient(), Attempts: 1})
	if err != nil {
		tb.Fatal(err)
	}
	r, err := alertmanager.NewRenderer()
	if err != nil {
		tb.Fatal(err)
	}
	o.Cachet, o.Renderer, o.Config, o.Targets = client, r, cfg, testTargets
	br := bridge.New(o)
	if err := br.Load(tb.Context()); err != nil {
		tb.Fatal(err)
	}
	return emu, client, br
}

func (b *bubble) status(t *testing.T, name string) status.Status {
	t.Helper()
	for _, c := range b.emu.Components() {
		if c.Name == name {
			return status.Status(c.Status)
		}
	}
	t.Fatalf("no component %q", name)
	return 0
}

// TestBackgroundRetryBacksOff: while Cachet fails, Run retries at 1, 2, 4
// and then every 8 s; once Cachet is back it converges with no webhook.
func TestBackgroundRetryBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 0)
		start := time.Now()
		var mu sync.Mutex
		var tries []time.Duration
		b.emu.Inject(func(r *http.Request) *cachettest.Fault {
			if r.Method == http.MethodGet {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			if d := time.Since(start); len(tries) == 0 || tries[len(tries)-1] != d {
				tries = append(tries, d)
			}
			return &cachettest.Fault{Status: 503}
		})
		if _, err := b.br.Apply(t.Context(), []alertmanager.Event{fire("d1:5432", "DB")}); err == nil {
			t.Fatal("Apply while Cachet fails: no error, want one (503 to Alertmanager)")
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { b.br.Run(ctx); close(done) }()

		time.Sleep(30 * time.Second)
		synctest.Wait()
		mu.Lock()
		got := tries
		mu.Unlock()
		want := []time.Duration{0, 1 * time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second, 23 * time.Second}
		if len(got) != len(want) {
			t.Fatalf("write attempts at %v, want at %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("write attempts at %v, want at %v", got, want)
			}
		}

		b.emu.Inject(nil)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if p := b.br.Pending(); p != 0 {
			t.Errorf("Pending() = %d after Cachet recovered, want 0", p)
		}
		if got := b.status(t, "DB"); got != status.MajorOutage {
			t.Errorf("DB = %v, want major outage", got)
		}
		if got := len(b.emu.Incidents()); got != 1 {
			t.Errorf("incidents = %d, want 1", got)
		}
		cancel()
		<-done // the bubble also fails the test if any goroutine outlives it
	})
}

// TestResyncRepairsDrift: a status edited in the dashboard is restored on
// the next resync, and logged.
func TestResyncRepairsDrift(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, time.Minute)
		if _, err := b.br.Apply(t.Context(), []alertmanager.Event{fire("d1:5432", "DB"), fire("w1:9100", "Web")}); err != nil {
			t.Fatal(err)
		}
		ids := map[string]int{}
		for _, c := range b.emu.Components() {
			ids[c.Name] = c.ID
		}
		b.emu.SetComponentStatus(ids["DB"], 1)
		b.emu.SetComponentStatus(ids["w1:9100 | Web"], 1)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { b.br.Run(ctx); close(done) }()

		time.Sleep(59 * time.Second)
		synctest.Wait()
		if got := b.status(t, "DB"); got != status.Operational {
			t.Fatalf("DB = %v before the first resync, want the drifted operational", got)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := b.status(t, "DB"); got != status.MajorOutage {
			t.Errorf("DB = %v after resync, want major outage restored", got)
		}
		if got := b.status(t, "w1:9100 | Web"); got != status.MajorOutage {
			t.Errorf("w1 = %v after resync, want major outage restored", got)
		}
		if !strings.Contains(b.logs.String(), "drift: component status changed in Cachet") {
			t.Errorf("drift not logged:\n%s", b.logs)
		}
		cancel()
		<-done
	})
}

// TestPersonResolvedIncidentIsRespected: when someone resolves the incident
// by hand during the outage, no new one is opened until the outage ends.
func TestPersonResolvedIncidentIsRespected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t, 0)
		ctx := t.Context()
		apply := func(evs ...alertmanager.Event) {
			t.Helper()
			if _, err := b.br.Apply(ctx, evs); err != nil {
				t.Fatal(err)
			}
		}
		apply(fire("d1:5432", "DB"))
		in := b.emu.Incidents()[0]
		if err := b.client.AddUpdate(ctx, in.ID, cachet.IncidentFixed, "Closed by the on-call engineer."); err != nil {
			t.Fatal(err)
		}
		if err := b.br.Resync(ctx); err != nil {
			t.Fatal(err)
		}
		apply(fire("d1:5432", "DB"), fire("d2:5432", "DB"))
		if got := len(b.emu.Incidents()); got != 1 {
			t.Errorf("incidents during the same outage = %d, want 1", got)
		}
		apply(resolve("d1:5432", "DB"), resolve("d2:5432", "DB"))
		apply(ev("d1:5432", "DB", "InstanceDown", true, t0.Add(time.Hour)))
		if got := len(b.emu.Incidents()); got != 2 {
			t.Errorf("incidents after a new outage = %d, want 2", got)
		}
	})
}

// TestResyncForgetsOldResolvedAlerts: a resolved alert is remembered for a
// day, long enough to recognise a late firing, then forgotten.
func TestResyncForgetsOldResolvedAlerts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, _, br := inProcess(t, bridge.Options{Logger: slog.New(slog.DiscardHandler)})
		apply := func(e alertmanager.Event) bridge.Result {
			t.Helper()
			res, err := br.Apply(t.Context(), []alertmanager.Event{e})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		apply(fire("w1:9100", "Web"))
		apply(resolve("w1:9100", "Web"))
		time.Sleep(23 * time.Hour)
		if err := br.Resync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if res := apply(fire("w1:9100", "Web")); res.Stale != 1 {
			t.Errorf("late firing 23 h after the resolve: %+v, want stale", res)
		}
		time.Sleep(2 * time.Hour)
		if err := br.Resync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if res := apply(fire("w1:9100", "Web")); res.Applied != 1 {
			t.Errorf("firing 25 h after the resolve: %+v, want applied (the resolve is forgotten)", res)
		}
	})
}
