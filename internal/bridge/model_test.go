package bridge_test

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// model is the reference: per alert, the newest notification wins (by
// startsAt, a resolved after its firing); a target is down while one of
// its alerts fires; visible components follow status.Aggregate.
type model struct {
	alerts map[string]modelAlert // fingerprint → newest notification
}

type modelAlert struct {
	target, name string
	firing       bool
	at           time.Time
}

func (m *model) record(e alertmanager.Event) {
	key := status.InvisibleName(e.Instance, e.ComponentsRaw)
	old, ok := m.alerts[e.Fingerprint]
	newer := !ok || e.StartsAt.After(old.at) || (e.StartsAt.Equal(old.at) && old.firing && !e.Firing)
	if newer {
		m.alerts[e.Fingerprint] = modelAlert{target: key, name: e.AlertName, firing: e.Firing, at: e.StartsAt}
	}
}

func (m *model) firing(target string) []string {
	var names []string
	for _, a := range m.alerts {
		if a.target == target && a.firing {
			names = append(names, a.name)
		}
	}
	return names
}

func (m *model) service(name string) status.Status {
	var ts []status.Target
	for _, tg := range testTargets {
		for _, c := range tg.Components {
			if c == name {
				ts = append(ts, status.Target{Down: len(m.firing(tg.InvisibleName())) > 0, Critical: tg.Critical})
			}
		}
	}
	s, _ := status.Aggregate(ts)
	return s
}

// TestModel drives the bridge with random notifications — firing,
// resolved, duplicated, late, several episodes, sent in parallel webhooks
// while Cachet randomly fails or loses answers — then lets Cachet recover,
// and checks Cachet against the reference model. At no point may a
// component have two open incidents.
func TestModel(t *testing.T) {
	services := []string{"Web", "API", "DB", "Backend"}
	rapid.Check(t, func(rt *rapid.T) {
		emu, _, br := inProcess(t, bridge.Options{Logger: slog.New(slog.DiscardHandler)})
		ctx := t.Context()

		var mu sync.Mutex
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(rt, "seed"), 1))
		failRate := rapid.SampledFrom([]float64{0, 0.1, 0.4}).Draw(rt, "fail_rate")
		emu.Inject(func(req *http.Request) *cachettest.Fault {
			if req.Method == http.MethodGet {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			x := rng.Float64()
			switch {
			case x < failRate/2:
				return &cachettest.Fault{Status: 500}
			case x < failRate:
				return &cachettest.Fault{LoseResponse: true}
			}
			return nil
		})

		m := &model{alerts: map[string]modelAlert{}}
		genEvent := rapid.Custom(func(t *rapid.T) alertmanager.Event {
			tg := rapid.SampledFrom(testTargets).Draw(t, "target")
			name := rapid.SampledFrom([]string{"InstanceDown", "HighLoad"}).Draw(t, "alertname")
			episode := rapid.IntRange(0, 2).Draw(t, "episode")
			firing := rapid.Bool().Draw(t, "firing")
			return ev(tg.Instance, tg.ComponentsRaw, name, firing, t0.Add(time.Duration(episode)*time.Hour))
		})
		steps := rapid.IntRange(1, 12).Draw(rt, "steps")
		for step := range steps {
			hooks := rapid.SliceOfN(rapid.SliceOfN(genEvent, 1, 4), 1, 4).Draw(rt, fmt.Sprintf("webhooks_%d", step))
			var wg sync.WaitGroup
			for _, h := range hooks {
				for _, e := range h {
					m.record(e)
				}
				wg.Go(func() { _, _ = br.Apply(ctx, h) })
			}
			wg.Wait()
			for _, name := range services {
				if n := openIncidents(emu, name); n > 1 {
					rt.Fatalf("step %d: %s has %d open incidents", step, name, n)
				}
			}
		}

		emu.Inject(nil)
		if err := br.Resync(ctx); err != nil {
			rt.Fatalf("Resync after recovery: %v", err)
		}
		for _, tg := range testTargets {
			names := m.firing(tg.InvisibleName())
			want := status.Operational
			if len(names) > 0 {
				want = status.MajorOutage
			}
			got := component(emu, tg.InvisibleName())
			if status.Status(got.Status) != want || got.Description != status.Description(tg.Critical, names) || got.Enabled {
				rt.Errorf("%s = status %d %q enabled=%v, want %v %q disabled", tg.InvisibleName(), got.Status, got.Description, got.Enabled, want, status.Description(tg.Critical, names))
			}
		}
		for _, name := range services {
			want := m.service(name)
			c := component(emu, name)
			if got := status.Status(c.Status); got != want {
				rt.Errorf("%s = %v, want %v", name, got, want)
			}
			if got := status.Status(emu.LatestStatus(c.ID)); got != want {
				rt.Errorf("%s latest_status = %v, want %v", name, got, want)
			}
			n := openIncidents(emu, name)
			switch {
			case want == status.MajorOutage && n != 1:
				rt.Errorf("%s is in major outage with %d open incidents, want 1", name, n)
			case want == status.Operational && n != 0:
				rt.Errorf("%s is operational with %d open incidents, want 0", name, n)
			case n > 1:
				rt.Errorf("%s has %d open incidents", name, n)
			}
		}
	})
}

func component(emu *cachettest.Emulator, name string) cachettest.Component {
	for _, c := range emu.Components() {
		if c.Name == name {
			return c
		}
	}
	return cachettest.Component{}
}

func openIncidents(emu *cachettest.Emulator, name string) int {
	id := component(emu, name).ID
	n := 0
	for _, in := range emu.Incidents() {
		if in.Status == cachet.IncidentFixed {
			continue
		}
		for _, im := range in.Impacts {
			if im.ComponentID == id {
				n++
			}
		}
	}
	return n
}
