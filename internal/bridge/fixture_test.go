package bridge_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/template"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// The topology every test starts from:
//
//	Web Services: Web (w1, w2, w3), API (a1 and the multi-component b1)
//	Data:         DB (d1 critical, d2), Backend (b1)
var testConfig = config.Config{
	NewIncidentName:             "%s is experiencing issues",
	NewIncidentMessage:          "We are investigating.",
	ResolvedIncidentMessage:     "Resolved.",
	RecurringAlertUpdateMessage: "Still investigating.",
	PerPage:                     50,
	Groups: []config.Group{
		{Name: "Web Services", Components: []string{"Web", "API"}},
		{Name: "Data", Components: []string{"DB", "Backend"}},
	},
}

func target(instance, raw string, critical bool) config.Target {
	return config.Target{Instance: instance, Job: "node", ComponentsRaw: raw, Components: status.SplitComponents(raw), Critical: critical}
}

var testTargets = []config.Target{
	target("w1:9100", "Web", false),
	target("w2:9100", "Web", false),
	target("w3:9100", "Web", false),
	target("a1:9100", "API", false),
	target("d1:5432", "DB", true),
	target("d2:5432", "DB", false),
	target("b1:9100", "Backend, API", false),
}

// fixture is a seeded Cachet emulator, a real client and a loaded bridge.
type fixture struct {
	t      *testing.T
	emu    *cachettest.Emulator
	url    string       // the emulator's API root
	hc     *http.Client // nil for a real loopback connection
	client *cachet.Client
	br     *bridge.Bridge
	cfg    *config.Config
	logs   *syncBuffer
	// tune, when set, adjusts the bridge's options at every restart.
	tune func(*bridge.Options)
}

type fixtureOpts struct {
	dialect cachettest.Dialect
	noSeed  bool
	// inProcess serves the emulator without a network, so the whole
	// fixture can run inside a testing/synctest bubble.
	inProcess bool
	// now, when set, is the emulator's clock (its updated timestamps).
	now func() time.Time
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	cfg := testConfig
	f := &fixture{t: t, cfg: &cfg}
	if o.inProcess {
		f.emu = cachettest.New(cachettest.Options{Dialect: o.dialect, Now: o.now})
		f.url, f.hc = "http://cachet.invalid/api", f.emu.HTTPClient()
	} else {
		srv := cachettest.NewServer(cachettest.Options{Dialect: o.dialect, Now: o.now})
		t.Cleanup(srv.Close)
		f.emu, f.url = srv.Emulator, srv.APIURL()
	}
	if !o.noSeed {
		seed(f.emu, f.cfg, testTargets)
	}
	f.restart()
	return f
}

// seed fills Cachet as `statusbridge setup` would.
func seed(emu *cachettest.Emulator, cfg *config.Config, targets []config.Target) {
	for _, g := range cfg.Groups {
		gid := emu.AddGroup(cachettest.Group{Name: g.Name, Visible: 1})
		for _, c := range g.Components {
			emu.AddComponent(cachettest.Component{Name: c, Status: 1, Enabled: true, GroupID: gid})
		}
	}
	for _, t := range targets {
		emu.AddComponent(cachettest.Component{Name: t.InvisibleName(), Description: status.Description(t.Critical, nil), Status: 1})
	}
}

// restart builds a new client and bridge over the same Cachet, as a
// process restart would, and loads it.
func (f *fixture) restart() {
	f.t.Helper()
	client, err := cachet.New(cachet.Options{BaseURL: f.url, Token: cachettest.DefaultToken, HTTPClient: f.hc,
		Attempts: 2, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := alertmanager.NewRenderer()
	if err != nil {
		f.t.Fatal(err)
	}
	f.logs = &syncBuffer{}
	f.client = client
	o := bridge.Options{
		Cachet: client, Renderer: r, Config: f.cfg, Targets: testTargets,
		Logger:   slog.New(slog.NewTextHandler(f.logs, nil)),
		RetryMin: time.Millisecond, RetryMax: 10 * time.Millisecond,
	}
	if f.tune != nil {
		f.tune(&o)
	}
	f.br = bridge.New(o)
	if err := f.br.Load(f.t.Context()); err != nil {
		f.t.Fatalf("Load: %v", err)
	}
}

func (f *fixture) apply(events ...alertmanager.Event) bridge.Result {
	f.t.Helper()
	res, err := f.br.Apply(f.t.Context(), events)
	if err != nil {
		f.t.Fatalf("Apply: %v", err)
	}
	return res
}

// component returns the emulator's row with this name.
func (f *fixture) component(name string) cachettest.Component {
	f.t.Helper()
	for _, c := range f.emu.Components() {
		if c.Name == name {
			return c
		}
	}
	f.t.Fatalf("no component %q in Cachet", name)
	return cachettest.Component{}
}

// incidentsOf returns the incidents tagged for or linked to a component.
func (f *fixture) incidentsOf(name string) []cachettest.Incident {
	id := f.component(name).ID
	var out []cachettest.Incident
	for _, in := range f.emu.Incidents() {
		for _, im := range in.Impacts {
			if im.ComponentID == id {
				out = append(out, in)
				break
			}
		}
	}
	return out
}

func open(ins []cachettest.Incident) []cachettest.Incident {
	var out []cachettest.Incident
	for _, in := range ins {
		if in.Status != cachet.IncidentFixed {
			out = append(out, in)
		}
	}
	return out
}

// wantPage checks what a visitor sees for a visible component: its status,
// the status the page shows, and how many incidents are open.
func (f *fixture) wantPage(name string, want status.Status, wantOpen int) {
	f.t.Helper()
	c := f.component(name)
	if status.Status(c.Status) != want {
		f.t.Errorf("%s status = %v, want %v", name, status.Status(c.Status), want)
	}
	if f.emu.Dialect() == cachettest.Head {
		if got := status.Status(f.emu.LatestStatus(c.ID)); got != want {
			f.t.Errorf("%s latest_status (what the page shows) = %v, want %v", name, got, want)
		}
	}
	if got := len(open(f.incidentsOf(name))); got != wantOpen {
		f.t.Errorf("%s open incidents = %d, want %d", name, got, wantOpen)
	}
}

var t0 = time.Date(2026, 11, 25, 6, 35, 55, 0, time.UTC)

// ev builds a status-page event; fingerprints derive from instance and name.
func ev(instance, raw, alertname string, firing bool, startsAt time.Time) alertmanager.Event {
	st := "resolved"
	if firing {
		st = "firing"
	}
	labels := template.KV{"instance": instance, "alertname": alertname, "status_page_component": raw, "status_page_alert": "true"}
	return alertmanager.Event{
		Fingerprint: fmt.Sprintf("%s/%s", instance, alertname), Instance: instance, AlertName: alertname,
		ComponentsRaw: raw, Firing: firing, StartsAt: startsAt,
		Alert: template.Alert{Status: st, Labels: labels, StartsAt: startsAt},
	}
}

func fire(instance, raw string) alertmanager.Event {
	return ev(instance, raw, "InstanceDown", true, t0)
}

func resolve(instance, raw string) alertmanager.Event {
	return ev(instance, raw, "InstanceDown", false, t0)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
