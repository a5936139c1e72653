package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

func TestIncidentTransitions(t *testing.T) {
	for _, d := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, fixtureOpts{dialect: d})

			f.apply(fire("w1:9100", "Web"))
			f.wantPage("Web", status.PartialOutage, 0)
			if got := f.component("w1:9100 | Web"); got.Status != 4 || got.Enabled || got.Description != "critical: no\nInstanceDown," {
				t.Errorf("invisible w1 = %+v, want major, disabled, alert listed", got)
			}

			f.apply(fire("w2:9100", "Web"), fire("w3:9100", "Web"))
			f.wantPage("Web", status.MajorOutage, 1)
			in := open(f.incidentsOf("Web"))[0]
			if in.Name != "Web is experiencing issues" || in.Message != "We are investigating." || in.Visible != 1 || in.Status != cachet.IncidentInvestigating {
				t.Errorf("incident = %+v, want the configured public investigating incident", in)
			}

			// Partly back: the page must show Partial, not the incident's outage.
			f.apply(resolve("w3:9100", "Web"))
			f.wantPage("Web", status.PartialOutage, 1)
			in = open(f.incidentsOf("Web"))[0]
			if len(in.Updates) != 1 || in.Updates[0].Message != "Still investigating." {
				t.Errorf("updates after major→partial = %+v, want one recurring update", in.Updates)
			}

			// A repeat of the same truth posts nothing more.
			f.apply(resolve("w3:9100", "Web"), fire("w1:9100", "Web"))
			if got := len(open(f.incidentsOf("Web"))[0].Updates); got != 1 {
				t.Errorf("updates after a repeated notification = %d, want still 1", got)
			}

			f.apply(resolve("w1:9100", "Web"), resolve("w2:9100", "Web"))
			f.wantPage("Web", status.Operational, 0)
			all := f.incidentsOf("Web")
			if len(all) != 1 {
				t.Fatalf("incidents = %d, want 1", len(all))
			}
			last := all[0].Updates[len(all[0].Updates)-1]
			if last.Status != cachet.IncidentFixed || last.Message != "Resolved." {
				t.Errorf("last update = %+v, want fixed with the resolved message", last)
			}

			// A new outage is a new incident.
			f.apply(ev("w1:9100", "Web", "InstanceDown", true, t0.Add(time.Hour)),
				ev("w2:9100", "Web", "InstanceDown", true, t0.Add(time.Hour)),
				ev("w3:9100", "Web", "InstanceDown", true, t0.Add(time.Hour)))
			f.wantPage("Web", status.MajorOutage, 1)
			if got := len(f.incidentsOf("Web")); got != 2 {
				t.Errorf("incidents after a second outage = %d, want 2", got)
			}
		})
	}
}

func TestCriticalTargetForcesMajor(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.apply(fire("d1:5432", "DB"))
	// One of two targets down would be partial; d1 is critical.
	f.wantPage("DB", status.MajorOutage, 1)
}

func TestStatusRulesEndToEnd(t *testing.T) {
	tests := []struct {
		name string
		down []string
		want map[string]status.Status
	}{
		{"one_of_three_is_partial", []string{"w1:9100"}, map[string]status.Status{"Web": 3, "DB": 1}},
		{"all_three_is_major", []string{"w1:9100", "w2:9100", "w3:9100"}, map[string]status.Status{"Web": 4}},
		{"critical_alone_is_major", []string{"d1:5432"}, map[string]status.Status{"DB": 4}},
		{"noncritical_half_is_partial", []string{"d2:5432"}, map[string]status.Status{"DB": 3}},
		{"multi_component_target_hits_both", []string{"b1:9100"}, map[string]status.Status{"Backend": 4, "API": 3}},
	}
	raw := map[string]string{}
	for _, tg := range testTargets {
		raw[tg.Instance] = tg.ComponentsRaw
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, fixtureOpts{})
			var evs []alertmanager.Event
			for _, in := range tt.down {
				evs = append(evs, fire(in, raw[in]))
			}
			f.apply(evs...)
			for name, want := range tt.want {
				wantOpen := 0
				if want == status.MajorOutage {
					wantOpen = 1
				}
				f.wantPage(name, want, wantOpen)
			}
		})
	}
}

func TestLateAndDuplicateNotifications(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	firing := fire("w1:9100", "Web")
	resolved := resolve("w1:9100", "Web")
	f.apply(firing, firing) // an HA pair sends everything twice
	f.apply(resolved)
	res := f.apply(firing) // a late retry of the first notification
	if res.Stale != 1 {
		t.Errorf("late firing: Result = %+v, want it counted stale", res)
	}
	f.wantPage("Web", status.Operational, 0)
	if got := f.component("w1:9100 | Web").Status; got != 1 {
		t.Errorf("invisible w1 status = %d, want 1: a late firing must not undo a resolve", got)
	}

	// A resolved of an older episode does not end a newer one.
	refire := ev("w1:9100", "Web", "InstanceDown", true, t0.Add(time.Hour))
	f.apply(refire)
	res = f.apply(resolved)
	if res.Stale != 1 {
		t.Errorf("old resolved: Result = %+v, want it counted stale", res)
	}
	if got := f.component("w1:9100 | Web").Status; got != 4 {
		t.Errorf("invisible w1 status = %d, want 4: the newer episode still fires", got)
	}
}

func TestNewTargetOnFirstSight(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	e := fire("w9:9100", "Web")
	e.Critical = true
	f.apply(e)
	c := f.component("w9:9100 | Web")
	if c.Enabled || c.Status != 4 || c.Description != "critical: yes\nInstanceDown," {
		t.Errorf("new invisible component = %+v, want disabled, major, critical", c)
	}
	// The discovered target is critical: Web goes major though 1 of 4 is down.
	f.wantPage("Web", status.MajorOutage, 1)
}

func TestUnknownVisibleComponentIsReportedNotInvented(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	before := len(f.emu.Components())
	f.apply(fire("x1:9100", "Nowhere"))
	if got := len(f.emu.Components()); got != before+1 {
		t.Errorf("components = %d, want %d (only the target's invisible one)", got, before+1)
	}
	if !strings.Contains(f.logs.String(), "Nowhere") {
		t.Errorf("log does not report the unmapped component:\n%s", f.logs)
	}
}

func TestManyAlertsFitTheDescription(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	var evs []alertmanager.Event
	for i := range 80 {
		evs = append(evs, ev("w1:9100", "Web", fmt.Sprintf("SomeLongAlertName%03d", i), true, t0))
	}
	f.apply(evs...) // the emulator answers 500 past 255 characters, as PostgreSQL does
	d := f.component("w1:9100 | Web").Description
	if len(d) > status.MaxDescription || !strings.HasPrefix(d, "critical: no\nSomeLongAlertName000,") {
		t.Errorf("description (%d chars) = %q", len(d), d)
	}
}

// TestConcurrentWebhooks fires 50 webhooks at once at one component, in
// random order, and compares the outcome with a serial run.
func TestConcurrentWebhooks(t *testing.T) {
	t.Parallel()
	cfg := testConfig
	var targets []config.Target
	for i := range 25 {
		targets = append(targets, target(fmt.Sprintf("n%02d:9100", i), "Web", false))
	}
	// Round 1: every target fires, each notification sent twice as an HA
	// pair does: 50 webhooks, all down, one incident. Round 2: the even
	// targets resolve while the odd ones repeat their firing: partial, and
	// the incident stays open. Both truths are order-independent.
	var round1, round2 [][]alertmanager.Event
	for i, tg := range targets {
		round1 = append(round1, []alertmanager.Event{fire(tg.Instance, "Web")}, []alertmanager.Event{fire(tg.Instance, "Web")})
		if i%2 == 0 {
			round2 = append(round2, []alertmanager.Event{resolve(tg.Instance, "Web")}, []alertmanager.Event{fire(tg.Instance, "Web")})
		} else {
			round2 = append(round2, []alertmanager.Event{fire(tg.Instance, "Web")}, []alertmanager.Event{fire(tg.Instance, "Web")})
		}
	}
	type outcome struct {
		components map[string]cachettest.Component
		incidents  []cachettest.Incident
	}
	run := func(parallel bool) outcome {
		emu := cachettest.NewServer(cachettest.Options{})
		t.Cleanup(emu.Close)
		seed(emu.Emulator, &cfg, targets)
		client, _ := cachet.New(cachet.Options{BaseURL: emu.APIURL(), Token: cachettest.DefaultToken})
		r, _ := alertmanager.NewRenderer()
		br := bridge.New(bridge.Options{Cachet: client, Renderer: r, Config: &cfg, Targets: targets})
		if err := br.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, hooks := range [][][]alertmanager.Event{round1, round2} {
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, i := range rand.Perm(len(hooks)) {
				apply := func() {
					if _, err := br.Apply(t.Context(), hooks[i]); err != nil {
						t.Errorf("Apply: %v", err)
					}
				}
				if !parallel {
					apply()
					continue
				}
				wg.Go(func() { <-start; apply() })
			}
			close(start)
			wg.Wait()
			if got := len(emu.Incidents()); got != 1 {
				t.Errorf("parallel=%v: incidents = %d, want exactly 1", parallel, got)
			}
		}
		out := outcome{components: map[string]cachettest.Component{}, incidents: emu.Incidents()}
		for _, c := range emu.Components() {
			out.components[c.Name] = c
		}
		return out
	}
	serial, concurrent := run(false), run(true)
	if len(serial.components) != len(concurrent.components) {
		t.Fatalf("components: serial %d, concurrent %d", len(serial.components), len(concurrent.components))
	}
	for name, want := range serial.components {
		if got := concurrent.components[name]; got.Status != want.Status || got.Description != want.Description || got.Enabled != want.Enabled {
			t.Errorf("%s: concurrent %+v, serial %+v", name, got, want)
		}
	}
	if got := serial.components["Web"].Status; got != 3 {
		t.Errorf("Web = %d, want 3 (partial: half the targets down)", got)
	}
	for _, o := range []outcome{serial, concurrent} {
		if in := o.incidents[0]; in.Status == cachet.IncidentFixed || len(in.Updates) != 1 {
			t.Errorf("incident = %+v, want open with one update (the major→partial change)", in)
		}
	}
}

func TestCachetDownKeepsChangeAndConverges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.emu.SetDown(true)
	_, err := f.br.Apply(t.Context(), []alertmanager.Event{fire("d1:5432", "DB")})
	if err == nil {
		t.Fatalf("Apply while Cachet is down: err = %v, want a Cachet error", err)
	}
	if f.br.Pending() == 0 {
		t.Fatalf("Pending() = 0 after a failed write, want the change kept")
	}
	f.emu.SetDown(false)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { f.br.Run(ctx); close(done) }()
	waitFor(t, func() bool { return f.br.Pending() == 0 })
	cancel()
	<-done
	f.wantPage("DB", status.MajorOutage, 1)
	if got := f.component("d1:5432 | DB").Status; got != 4 {
		t.Errorf("invisible d1 = %d, want 4", got)
	}
}

func TestNotLoadedAnswersError(t *testing.T) {
	t.Parallel()
	cfg := testConfig
	r, _ := alertmanager.NewRenderer()
	br := bridge.New(bridge.Options{Renderer: r, Config: &cfg})
	if _, err := br.Apply(t.Context(), []alertmanager.Event{fire("w1:9100", "Web")}); !errors.Is(err, bridge.ErrNotLoaded) {
		t.Errorf("Apply before Load: err = %v, want ErrNotLoaded", err)
	}
}

func TestRestartNeitherDuplicatesNorOrphans(t *testing.T) {
	for _, d := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, fixtureOpts{dialect: d})
			f.apply(fire("d1:5432", "DB"))
			f.wantPage("DB", status.MajorOutage, 1)

			f.restart()
			f.apply(fire("d1:5432", "DB")) // Alertmanager repeats
			f.wantPage("DB", status.MajorOutage, 1)
			if got := len(f.incidentsOf("DB")); got != 1 {
				t.Errorf("incidents after restart and repeat = %d, want 1", got)
			}

			f.restart()
			f.apply(resolve("d1:5432", "DB"))
			f.wantPage("DB", status.Operational, 0)
		})
	}
}

func TestRestartKeepsRestoredAlertsUntilResolved(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.apply(fire("w1:9100", "Web"), fire("w2:9100", "Web"))
	f.restart()
	// Only w2 resolves after the restart: w1 must still count as down.
	f.apply(resolve("w2:9100", "Web"))
	f.wantPage("Web", status.PartialOutage, 0)
}

func TestLostIncidentCreateIsNotRepeated(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	var n atomic.Int32
	f.emu.Inject(func(r *http.Request) *cachettest.Fault {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/incidents") && n.Add(1) == 1 {
			return &cachettest.Fault{LoseResponse: true}
		}
		return nil
	})
	if _, err := f.br.Apply(t.Context(), []alertmanager.Event{fire("d1:5432", "DB")}); err == nil {
		t.Fatalf("Apply with a lost incident answer succeeded, want an error (503 to Alertmanager)")
	}
	f.apply(fire("d1:5432", "DB")) // Alertmanager's retry
	if got := len(f.emu.Incidents()); got != 1 {
		t.Errorf("incidents = %d, want 1: a create whose answer was lost must be found, not repeated", got)
	}
	f.wantPage("DB", status.MajorOutage, 1)
}

func TestLostResolveIsNotRepeated(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.apply(fire("d1:5432", "DB"))
	var n atomic.Int32
	f.emu.Inject(func(r *http.Request) *cachettest.Fault {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/updates") && n.Add(1) == 1 {
			return &cachettest.Fault{LoseResponse: true}
		}
		return nil
	})
	if _, err := f.br.Apply(t.Context(), []alertmanager.Event{resolve("d1:5432", "DB")}); err == nil {
		t.Fatalf("Apply with a lost update answer succeeded, want an error")
	}
	f.apply(resolve("d1:5432", "DB"))
	ins := f.incidentsOf("DB")
	if len(ins) != 1 || len(ins[0].Updates) != 1 {
		t.Fatalf("incidents = %+v, want one with exactly one (fixed) update", ins)
	}
	f.wantPage("DB", status.Operational, 0)
}

func TestAdoptsOlderMiddlewareState(t *testing.T) {
	t.Parallel()
	// The Python middleware opened a new incident per firing alert and never
	// resolved them (BASE, no metadata, linked by component).
	f := newFixture(t, fixtureOpts{dialect: cachettest.Base, noSeed: true})
	gid := f.emu.AddGroup(cachettest.Group{Name: "Data", Visible: 1})
	db := f.emu.AddComponent(cachettest.Component{Name: "DB", Status: 4, Enabled: true, GroupID: gid})
	f.emu.AddComponent(cachettest.Component{Name: "d1:5432 | DB", Status: 4, Description: "critical: yes\nInstanceDown,"})
	f.emu.AddComponent(cachettest.Component{Name: "d2:5432 | DB", Status: 1, Description: "critical: no\nno alerts"})
	for range 3 {
		f.emu.AddIncident(cachettest.Incident{Name: "DB down", Message: "x", Status: 1, Visible: 1, LegacyComponentID: db, Impacts: []cachettest.Impact{{ComponentID: db, Status: 4}}})
	}
	f.restart()
	f.apply(resolve("d1:5432", "DB"))
	f.wantPage("DB", status.Operational, 0)
	if got := len(open(f.emu.Incidents())); got != 0 {
		t.Errorf("open incidents after recovery = %d, want 0", got)
	}
}

func TestTargetDownWithoutNamesIsRestored(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	w1 := f.component("w1:9100 | Web").ID
	f.emu.SetComponentStatus(w1, 4) // down, but its description names no alert
	f.restart()
	f.apply(fire("w2:9100", "Web"))
	f.wantPage("Web", status.PartialOutage, 0)
	f.apply(ev("w1:9100", "Web", "Other", false, t0)) // any news about w1 replaces the unknown
	f.apply(resolve("w2:9100", "Web"))
	f.wantPage("Web", status.Operational, 0)
}

func TestLogsStatusChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.apply(fire("d1:5432", "DB"))
	logs := f.logs.String()
	for _, want := range []string{
		`msg=[COMPONENT_STATUS_CHANGE] component=DB old_status="1 (Operational)" new_status="4 (Major Outage)"`,
		`msg=[COMPONENT_STATUS_CHANGE] component="d1:5432 | DB" old_status="1 (Operational)" new_status="4 (Major Outage)"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

// waitFor polls cond until it holds or the test's deadline nears.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestKilledBetweenComponentAndIncident: the process dies after writing the
// components but before (or while) opening the incident; after a restart
// and Alertmanager's repeat, there is exactly one incident.
func TestKilledBetweenComponentAndIncident(t *testing.T) {
	tests := []struct {
		name  string
		fault cachettest.Fault
	}{
		{"incident_never_created", cachettest.Fault{Reset: true}},
		{"incident_created_answer_lost", cachettest.Fault{LoseResponse: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, fixtureOpts{})
			f.emu.Inject(func(r *http.Request) *cachettest.Fault {
				if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/incidents") {
					return &tt.fault
				}
				return nil
			})
			if _, err := f.br.Apply(t.Context(), []alertmanager.Event{fire("d1:5432", "DB")}); err == nil {
				t.Fatal("Apply succeeded though the incident write failed")
			}
			if got := f.component("DB").Status; got != 4 {
				t.Fatalf("DB = %d before the kill, want 4 (components are written first)", got)
			}
			f.emu.Inject(nil)
			f.restart() // kill -9: nothing of the old process survives
			f.apply(fire("d1:5432", "DB"))
			f.wantPage("DB", status.MajorOutage, 1)
			if got := len(f.incidentsOf("DB")); got != 1 {
				t.Errorf("incidents = %d, want exactly 1", got)
			}
			f.apply(resolve("d1:5432", "DB"))
			f.wantPage("DB", status.Operational, 0)
		})
	}
}

// TestPersonsIncidentIsNotAdopted: where Cachet keeps metadata, an open
// incident without statusbridge's tag was opened by a person; a restart
// must not take it over (nor resolve it).
func TestPersonsIncidentIsNotAdopted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	db := f.component("DB").ID
	person := f.emu.AddIncident(cachettest.Incident{Name: "Planned DB work", Message: "x", Status: 1, Visible: 1,
		Impacts: []cachettest.Impact{{ComponentID: db, Status: 1}}})
	f.restart()
	f.apply(fire("d1:5432", "DB"))
	f.apply(resolve("d1:5432", "DB"))
	for _, in := range f.emu.Incidents() {
		if in.ID == person && in.Status == cachet.IncidentFixed {
			t.Errorf("statusbridge resolved a person's incident")
		}
	}
	// Spec §13 (people first): while a person's own incident is open on
	// a component, statusbridge opens none there. (Before §13 it opened
	// its own beside it, and this test wanted 2.)
	if got := len(f.incidentsOf("DB")); got != 1 {
		t.Errorf("incidents on DB = %d, want 1 (the person's alone)", got)
	}
}

// TestIncidentTextTemplates: a Go-template incident text sees the firing
// alerts' labels (kept only when a text is a template).
func TestIncidentTextTemplates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.cfg.NewIncidentName = `{{ .Component }}: {{ len .Alerts }} alert(s) on {{ (index .Alerts 0).Labels.instance }}`
	f.restart()
	f.apply(fire("d1:5432", "DB"))
	ins := f.incidentsOf("DB")
	if len(ins) != 1 || ins[0].Name != "DB: 1 alert(s) on d1:5432" {
		t.Errorf("incidents = %+v, want one named from the template", ins)
	}
}

// TestReconfigure: a reloaded configuration adds components and targets,
// and a changed critical flag reaches Cachet at the next resync.
func TestReconfigure(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	cfg := testConfig
	cfg.Groups = append(slices.Clone(cfg.Groups), config.Group{Name: "Extra", Components: []string{"Search"}})
	gid := f.emu.AddGroup(cachettest.Group{Name: "Extra", Visible: 1})
	f.emu.AddComponent(cachettest.Component{Name: "Search", Status: 1, Enabled: true, GroupID: gid})
	targets := slices.Clone(testTargets)
	targets[5].Critical = true // d2 becomes critical
	targets = append(targets, target("s1:9200", "Search", false))
	if err := f.br.Reconfigure(t.Context(), &cfg, targets); err != nil {
		t.Fatal(err)
	}
	f.apply(fire("s1:9200", "Search"))
	f.wantPage("Search", status.MajorOutage, 1)
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := f.component("d2:5432 | DB").Description; got != "critical: yes\nno alerts" {
		t.Errorf("d2 description after reload and resync = %q, want critical", got)
	}
	f.apply(fire("d2:5432", "DB"))
	f.wantPage("DB", status.MajorOutage, 1) // one of two, but now critical
}

// TestLostComponentCreateIsNotRepeated: a new target's hidden component
// whose create answer was lost is found by name, not created twice.
func TestLostComponentCreateIsNotRepeated(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	var n atomic.Int32
	f.emu.Inject(func(r *http.Request) *cachettest.Fault {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/components") && n.Add(1) == 1 {
			return &cachettest.Fault{LoseResponse: true}
		}
		return nil
	})
	if _, err := f.br.Apply(t.Context(), []alertmanager.Event{fire("w9:9100", "Web")}); err == nil {
		t.Fatal("Apply with a lost create answer succeeded, want an error")
	}
	f.apply(fire("w9:9100", "Web"))
	named := 0
	for _, c := range f.emu.Components() {
		if c.Name == "w9:9100 | Web" {
			named++
		}
	}
	if named != 1 {
		t.Errorf("components named w9:9100 | Web = %d, want 1", named)
	}
	if got := f.component("w9:9100 | Web").Status; got != 4 {
		t.Errorf("w9 = %d, want 4", got)
	}
}
