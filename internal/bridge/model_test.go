package bridge_test

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// model is the reference, written from the spec and not from the code
// under test: per alert the newest notification wins (by startsAt, a
// resolved after its firing); a target is down while one of its alerts
// fires; a discovered target (not in prometheus.yml) is a member of its
// components only while it is down; and a visible component is
//
//	Major Outage   if a critical member is down, or every member is;
//	Partial Outage if some member is down;
//	Operational    otherwise.
type model struct {
	alerts map[string]modelAlert // fingerprint → newest notification
	epoch  int                   // restarts so far
	rules  map[string]modelRules // per visible component; none: the defaults
}

// modelRules are spec §12's rules as the model states them: an alert of a
// degraded severity makes its target degraded, not down; Major Outage
// needs down ≥ need(members); open_incident_at says which published
// status opens an incident.
type modelRules struct {
	degraded map[string]bool
	percent  int // major_when_down as a share (default 100)
	count    int // or as a count
	openAt   string
}

func (r modelRules) need(members int) int {
	if r.count > 0 {
		return r.count
	}
	p := r.percent
	if p == 0 {
		p = 100
	}
	return (members*p + 99) / 100 // rounded up
}

// severityOf is the severity label every alert of a name carries.
func severityOf(alertname string) string {
	if alertname == "HighLoad" {
		return "warning"
	}
	return "critical"
}

type modelAlert struct {
	target     modelTarget
	name       string
	firing     bool
	at         time.Time
	epoch      int // the restart epoch it was recorded in
	acked      bool
	lastSent   alertmanager.Event
	configured bool
}

type modelTarget struct {
	instance, raw string
	critical      bool
}

func (t modelTarget) key() string { return status.InvisibleName(t.instance, t.raw) }

// newer reports whether e is newer than what the model holds for its alert.
func (m *model) newer(e alertmanager.Event) bool {
	old, ok := m.alerts[e.Fingerprint]
	return !ok || e.StartsAt.After(old.at) || (e.StartsAt.Equal(old.at) && old.firing && !e.Firing)
}

func (m *model) record(e alertmanager.Event, tg modelTarget, configured bool) {
	if m.newer(e) {
		m.alerts[e.Fingerprint] = modelAlert{target: tg, name: e.AlertName, firing: e.Firing, at: e.StartsAt,
			epoch: m.epoch, lastSent: e, configured: configured}
	}
}

// condition is whether a target is down or degraded for rules r.
func (m *model) condition(key string, r modelRules) (down, degraded bool) {
	for _, a := range m.alerts {
		if a.target.key() != key || !a.firing {
			continue
		}
		if r.degraded[severityOf(a.name)] {
			degraded = true
		} else {
			down = true
		}
	}
	return down, degraded && !down
}

func (m *model) firing(key string) []string {
	var names []string
	for _, a := range m.alerts {
		if a.target.key() == key && a.firing {
			names = append(names, a.name)
		}
	}
	return names
}

// service is the spec's rule for a visible component; ok is false when it
// has no members (it is then left as it is).
func (m *model) service(name string, discovered []modelTarget) (want status.Status, ok bool) {
	r := m.rules[name]
	members, down, degraded, criticalDown := 0, 0, 0, false
	count := func(tg modelTarget, configured bool) {
		if !slices.Contains(status.SplitComponents(tg.raw), name) {
			return
		}
		isDown, isDegraded := m.condition(tg.key(), r)
		if !configured && !isDown && !isDegraded {
			return // a discovered target counts only while it fires
		}
		members++
		switch {
		case isDown:
			down++
			criticalDown = criticalDown || tg.critical
		case isDegraded:
			degraded++
		}
	}
	for _, tg := range testTargets {
		count(modelTarget{tg.Instance, tg.ComponentsRaw, tg.Critical}, true)
	}
	for _, tg := range discovered {
		count(tg, false)
	}
	switch {
	case members == 0:
		return 0, false
	case criticalDown || down > 0 && down >= r.need(members):
		return status.MajorOutage, true
	case down > 0:
		return status.PartialOutage, true
	case degraded > 0:
		return status.PerformanceIssues, true
	default:
		return status.Operational, true
	}
}

// incidents is how many open incidents a component may have at the end:
// exactly one when its status opens one, none when it is operational (or
// never opens one), at most one otherwise (kept from a worse moment).
func (m *model) incidents(name string, s status.Status) (lo, hi int) {
	openAt := m.rules[name].openAt
	switch {
	case openAt == "never" || s == status.Operational:
		return 0, 0
	case s == status.MajorOutage, s == status.PartialOutage && openAt == "partial":
		return 1, 1
	default:
		return 0, 1
	}
}

// discoveredTargets come from service discovery: no prometheus.yml entry.
var discoveredTargets = []modelTarget{
	{"pod-a:8080", "Web", false},
	{"pod-b:8080", "API, Backend", false},
}

// TestModel drives the bridge with random notifications — firing,
// resolved, duplicated, late, several episodes, about configured and
// discovered targets, sent in parallel webhooks while Cachet randomly
// fails or loses answers — with restarts and resyncs among them. Then
// Cachet recovers, Alertmanager re-sends what was not acknowledged, and
// Cachet is checked against the model. At no point may a component have
// two open incidents.
func TestModel(t *testing.T) {
	services := []string{"Web", "API", "DB", "Backend"}
	rapid.Check(t, func(rt *rapid.T) {
		m := &model{alerts: map[string]modelAlert{}, rules: map[string]modelRules{}}
		cfg := testConfig
		cfg.Defaults, cfg.Rules = config.DefaultRules(), map[string]config.Rules{}
		if rapid.Bool().Draw(rt, "db_warning_degraded") {
			r := config.DefaultRules()
			r.DegradedSeverities = []string{"warning"}
			cfg.Rules["DB"], m.rules["DB"] = r, modelRules{degraded: map[string]bool{"warning": true}}
		}
		switch rapid.IntRange(0, 2).Draw(rt, "web_major_when_down") {
		case 1:
			r := config.DefaultRules()
			r.MajorWhenDown = config.Threshold{Percent: 50}
			cfg.Rules["Web"], m.rules["Web"] = r, modelRules{percent: 50}
		case 2:
			r := config.DefaultRules()
			r.MajorWhenDown = config.Threshold{Count: 2}
			cfg.Rules["Web"], m.rules["Web"] = r, modelRules{count: 2}
		}
		if at := rapid.SampledFrom([]string{"major", "partial", "never"}).Draw(rt, "api_open_incident_at"); at != "major" {
			r := config.DefaultRules()
			r.OpenIncidentAt = at
			cfg.Rules["API"], m.rules["API"] = r, modelRules{openAt: at}
		}
		// A clock the test moves past the hold a restart may set (spec §14).
		var clock atomic.Int64
		clock.Store(t0.UnixNano())
		now := func() time.Time { return time.Unix(0, clock.Load()) }
		emu, client, br := inProcessWith(t, &cfg, bridge.Options{Logger: slog.New(slog.DiscardHandler), Now: now})
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

		type sent struct {
			e          alertmanager.Event
			tg         modelTarget
			configured bool
		}
		genEvent := rapid.Custom(func(t *rapid.T) sent {
			configured := rapid.IntRange(0, 3).Draw(t, "kind") > 0
			var tg modelTarget
			if configured {
				c := rapid.SampledFrom(testTargets).Draw(t, "target")
				tg = modelTarget{c.Instance, c.ComponentsRaw, c.Critical}
			} else {
				tg = rapid.SampledFrom(discoveredTargets).Draw(t, "discovered")
			}
			name := rapid.SampledFrom([]string{"InstanceDown", "HighLoad"}).Draw(t, "alertname")
			episode := rapid.IntRange(0, 2).Draw(t, "episode")
			firing := rapid.Bool().Draw(t, "firing")
			e := ev(tg.instance, tg.raw, name, firing, t0.Add(time.Duration(episode)*time.Hour))
			e.Severity = severityOf(name)
			return sent{e, tg, configured}
		})
		apply := func(batch []sent) error {
			evs := make([]alertmanager.Event, len(batch))
			for i, s := range batch {
				evs[i] = s.e
			}
			_, err := br.Apply(ctx, evs)
			return err
		}
		ack := func(batch []sent, err error) {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range batch {
				if a, ok := m.alerts[s.e.Fingerprint]; ok && err == nil && a.lastSent.StartsAt.Equal(s.e.StartsAt) && a.lastSent.Firing == s.e.Firing {
					a.acked = true
					m.alerts[s.e.Fingerprint] = a
				}
			}
		}
		// resend is Alertmanager retrying what was not acknowledged: the
		// newest notification of each such alert.
		resend := func() {
			var batch []sent
			for _, a := range m.alerts {
				if !a.acked {
					batch = append(batch, sent{a.lastSent, a.target, a.configured})
				}
			}
			slices.SortFunc(batch, func(x, y sent) int { return compareFP(x.e.Fingerprint, y.e.Fingerprint) })
			ack(batch, apply(batch))
		}

		steps := rapid.IntRange(1, 12).Draw(rt, "steps")
		for step := range steps {
			switch rapid.IntRange(0, 9).Draw(rt, fmt.Sprintf("action_%d", step)) {
			case 0: // a restart: a new process over the same Cachet
				br = bridge.New(bridge.Options{Cachet: client, Renderer: mustRender(t), Config: &cfg, Targets: testTargets,
					Logger: slog.New(slog.DiscardHandler), Now: now})
				if err := br.Load(ctx); err != nil {
					rt.Fatalf("step %d: Load after restart: %v", step, err)
				}
				m.epoch++
				resend()
				continue
			case 1:
				_ = br.Resync(ctx) // may fail while Cachet fails; it is a repair, not a delivery
				continue
			}
			hooks := rapid.SliceOfN(rapid.SliceOfN(genEvent, 1, 4), 1, 4).Draw(rt, fmt.Sprintf("webhooks_%d", step))
			var batches [][]sent
			for _, h := range hooks {
				var batch []sent
				for _, s := range h {
					if a, ok := m.alerts[s.e.Fingerprint]; ok && a.epoch < m.epoch && !m.newer(s.e) {
						// A late notification older than a restart: the
						// restarted process cannot tell it is late (the
						// order of an alert's notifications is kept in
						// memory only), and Alertmanager has moved on.
						continue
					}
					m.record(s.e, s.tg, s.configured)
					batch = append(batch, s)
				}
				batches = append(batches, batch)
			}
			var wg sync.WaitGroup
			for _, batch := range batches {
				wg.Go(func() { ack(batch, apply(batch)) })
			}
			wg.Wait()
			for _, name := range services {
				if n := openIncidents(emu, name); n > 1 {
					rt.Fatalf("step %d: %s has %d open incidents", step, name, n)
				}
			}
		}

		emu.Inject(nil)
		resend()
		clock.Add(int64(time.Hour)) // past any hold after a restart
		if err := br.Resync(ctx); err != nil {
			rt.Fatalf("Resync after recovery: %v", err)
		}
		checkTargets(rt, emu, m)
		for _, name := range services {
			want, ok := m.service(name, discoveredTargets)
			c := component(emu, name)
			if !ok {
				continue
			}
			if got := status.Status(c.Status); got != want {
				rt.Errorf("%s = %v, want %v", name, got, want)
			}
			if got := status.Status(emu.LatestStatus(c.ID)); got != want {
				rt.Errorf("%s latest_status = %v, want %v", name, got, want)
			}
			n := openIncidents(emu, name)
			if lo, hi := m.incidents(name, want); n < lo || n > hi {
				rt.Errorf("%s is %v with %d open incidents, want %d to %d", name, want, n, lo, hi)
			}
		}
	})
}

// checkTargets compares every invisible component the model knows of.
func checkTargets(rt *rapid.T, emu *cachettest.Emulator, m *model) {
	all := map[string]modelTarget{}
	for _, tg := range testTargets {
		mt := modelTarget{tg.Instance, tg.ComponentsRaw, tg.Critical}
		all[mt.key()] = mt
	}
	for _, a := range m.alerts {
		all[a.target.key()] = a.target
	}
	for key, tg := range all {
		names := m.firing(key)
		want := status.Operational
		if len(names) > 0 {
			want = status.MajorOutage
		}
		got := component(emu, key)
		if got.ID == 0 {
			rt.Errorf("%s: no invisible component", key)
			continue
		}
		if status.Status(got.Status) != want || got.Description != status.Description(tg.critical, names) || got.Enabled {
			rt.Errorf("%s = status %d %q enabled=%v, want %v %q disabled", key, got.Status, got.Description, got.Enabled, want, status.Description(tg.critical, names))
		}
	}
}

func compareFP(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func mustRender(t *testing.T) bridge.Renderer {
	t.Helper()
	r, err := alertmanager.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	return r
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
