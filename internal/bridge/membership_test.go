package bridge_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// countHidden counts the disabled components, the bridge's per-target ones.
func (f *fixture) countHidden() int {
	n := 0
	for _, c := range f.emu.Components() {
		if !c.Enabled {
			n++
		}
	}
	return n
}

// TestDepartedInstanceDoesNotWaterDown is spec §10: a notification about
// an instance prometheus.yml does not list — even a resolved one — must
// not keep "all targets down" from being Major, also after a restart.
// Before, the departed instance joined Web for good: Partial, no incident.
func TestDepartedInstanceDoesNotWaterDown(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.apply(resolve("https://old.example.org", "Web"))
	f.apply(fire("w1:9100", "Web"), fire("w2:9100", "Web"), fire("w3:9100", "Web"))
	f.wantPage("Web", status.MajorOutage, 1)

	f.restart()
	f.apply(fire("w1:9100", "Web")) // a repeat touches Web again
	f.wantPage("Web", status.MajorOutage, 1)
}

// TestDiscoveredTargetCountsWhileFiring: a discovered target is a member
// while it fires and stops counting the moment it resolves.
func TestDiscoveredTargetCountsWhileFiring(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.apply(fire("new:9100", "Web"))
	f.wantPage("Web", status.PartialOutage, 0) // 1 of 4 down
	f.apply(fire("w1:9100", "Web"), fire("w2:9100", "Web"), fire("w3:9100", "Web"))
	f.wantPage("Web", status.MajorOutage, 1) // 4 of 4
	f.apply(resolve("new:9100", "Web"))
	f.wantPage("Web", status.MajorOutage, 1) // 3 of 3: new no longer counts
	f.apply(resolve("w1:9100", "Web"))
	f.wantPage("Web", status.PartialOutage, 1)

	f.restart() // membership is rebuilt the same way
	f.apply(fire("w2:9100", "Web"))
	f.wantPage("Web", status.PartialOutage, 1)
	if got := f.component("new:9100 | Web").Status; got != int(status.Operational) {
		t.Errorf("discovered target's hidden component = %d, want Operational", got)
	}
}

// TestDiscoveredOnlyComponentRecovers: a visible component fed only by
// discovered targets goes back to Operational when they stop firing,
// instead of being left in the outage with no members.
func TestDiscoveredOnlyComponentRecovers(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	// Backend's only configured target is b1; take the one fed by a
	// discovered target alone: a component no target in prometheus.yml feeds.
	f.cfg.Groups[1].Components = append(f.cfg.Groups[1].Components, "Cache")
	f.emu.AddComponent(cachettest.Component{Name: "Cache", Status: 1, Enabled: true, GroupID: f.component("DB").GroupID})
	f.restart()
	f.apply(fire("redis-7:6379", "Cache"))
	f.wantPage("Cache", status.MajorOutage, 1)
	f.apply(resolve("redis-7:6379", "Cache"))
	f.wantPage("Cache", status.Operational, 0)
}

// TestChurnForgetsDepartedTargets is spec §10's TTL: discovered targets
// that fired and resolved are forgotten after --discovered-ttl and their
// hidden components deleted, so churn leaves Cachet as it was. Configured
// targets, firing ones and components statusbridge does not manage stay.
func TestChurnForgetsDepartedTargets(t *testing.T) {
	clock := t0
	f := newFixture(t, fixtureOpts{})
	f.tune = func(o *bridge.Options) {
		o.Now = func() time.Time { return clock }
		o.DiscoveredTTL = time.Hour
	}
	f.restart()
	before := len(f.emu.Components())

	var churn []alertmanager.Event
	for i := range 40 {
		churn = append(churn, fire("pod-"+string(rune('a'+i%26))+strings.Repeat("x", i)+":80", "Web"))
	}
	f.apply(churn...)
	for i := range churn {
		churn[i].Firing = false
	}
	f.apply(churn...)
	f.apply(fire("still-firing:80", "API"))
	// A person's enabled component that looks like ours is not ours.
	f.emu.AddComponent(cachettest.Component{Name: "hand-made:80 | Web", Status: 1, Enabled: true})
	f.restart()
	f.apply(resolve("hand-made:80", "Web"))
	if got := len(f.emu.Components()); got != before+42 {
		t.Fatalf("components at peak = %d, want %d", got, before+42)
	}

	clock = clock.Add(59 * time.Minute)
	if n, err := f.br.ForgetDeparted(t.Context()); err != nil || n != 0 {
		t.Fatalf("ForgetDeparted inside the TTL = %d, %v; want 0", n, err)
	}
	clock = clock.Add(2 * time.Minute)
	n, err := f.br.ForgetDeparted(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != 41 { // the churn and the hand-made one, which is forgotten but kept in Cachet
		t.Errorf("forgot %d targets, want 41", n)
	}
	if got := len(f.emu.Components()); got != before+2 {
		t.Errorf("components after the TTL = %d, want %d (the firing one and the hand-made one stay)", got, before+2)
	}
	f.component("still-firing:80 | API")
	f.component("w1:9100 | Web") // configured: never deleted
	f.component("hand-made:80 | Web")

	// A forgotten target that comes back is a new target.
	f.apply(fire("pod-a:80", "Web"))
	if got := f.component("pod-a:80 | Web").Status; got != int(status.MajorOutage) {
		t.Errorf("returning target = %d, want Major Outage", got)
	}
	f.wantPage("Web", status.PartialOutage, 0)
}

// TestEarlyNotificationIsKept: a notification that arrives before the
// bridge has read Cachet is answered with ErrNotLoaded and kept; it is
// written once Cachet is readable, with no second delivery. Before, it was
// dropped: 15 s after Cachet came back the component was still Operational.
func TestEarlyNotificationIsKept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu := cachettest.New(cachettest.Options{})
		cfg := testConfig
		seed(emu, &cfg, testTargets)
		client, err := cachet.New(cachet.Options{BaseURL: "http://cachet.invalid/api", Token: cachettest.DefaultToken,
			HTTPClient: emu.HTTPClient(), Attempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := alertmanager.NewRenderer()
		br := bridge.New(bridge.Options{Cachet: client, Renderer: r, Config: &cfg, Targets: testTargets,
			Logger: slog.New(slog.DiscardHandler), RetryMin: time.Second})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go br.Run(ctx)

		emu.SetDown(true)
		if _, err := br.Apply(ctx, []alertmanager.Event{fire("d1:5432", "DB")}); !errors.Is(err, bridge.ErrNotLoaded) {
			t.Fatalf("Apply before Load = %v, want ErrNotLoaded", err)
		}
		if err := br.Load(ctx); err == nil {
			t.Fatal("Load succeeded while Cachet is down")
		}
		time.Sleep(10 * time.Second) // nothing may be written before the load
		emu.SetDown(false)
		if err := br.Load(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		for _, c := range emu.Components() {
			if c.Name == "DB" && c.Status != int(status.MajorOutage) {
				t.Errorf("DB = %d after Cachet came back, want Major Outage from the kept notification", c.Status)
			}
		}
		if n := len(emu.Incidents()); n != 1 {
			t.Errorf("incidents = %d, want 1", n)
		}
		if hidden := 0; true {
			for _, c := range emu.Components() {
				if c.Name == "d1:5432 | DB" {
					hidden++
				}
			}
			if hidden != 1 {
				t.Errorf("hidden components of d1 = %d, want 1 (none created before the load)", hidden)
			}
		}
		cancel()
	})
}

// TestPrunedComponentIsRecreatedAtOnce is spec §11 "lost object": a
// hidden component deleted while serving (setup --prune, the dashboard)
// answers 404; the bridge looks it up and recreates it in the same apply,
// instead of failing until the next resync.
func TestPrunedComponentIsRecreatedAtOnce(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.apply(fire("w1:9100", "Web"))
	if err := f.client.DeleteComponent(t.Context(), f.component("w1:9100 | Web").ID); err != nil {
		t.Fatal(err)
	}
	f.apply(resolve("w1:9100", "Web"))
	if got := f.component("w1:9100 | Web").Status; got != int(status.Operational) {
		t.Errorf("recreated hidden component = %d, want Operational", got)
	}
	f.wantPage("Web", status.Operational, 0)
}

// TestDeletedVisibleComponentIsFoundAgain: a visible component a person
// deleted and re-created is found by name on the 404, at once.
func TestDeletedVisibleComponentIsFoundAgain(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	web := f.component("Web")
	if err := f.client.DeleteComponent(t.Context(), web.ID); err != nil {
		t.Fatal(err)
	}
	f.emu.AddComponent(cachettest.Component{Name: "Web", Status: 1, Enabled: true, GroupID: web.GroupID})
	f.apply(fire("w1:9100", "Web"))
	f.wantPage("Web", status.PartialOutage, 0)
}

// skipping drops one component from every Snapshot once on is set, as a
// page read while PostgreSQL moves rows does.
type skipping struct {
	*cachet.Client
	skip string
	on   *atomic.Bool
}

func (s skipping) Snapshot(ctx context.Context) (cachet.Snapshot, error) {
	snap, err := s.Client.Snapshot(ctx)
	if s.on.Load() {
		snap.Components = slices.DeleteFunc(snap.Components, func(c cachet.Component) bool { return c.Name == s.skip })
	}
	return snap, err
}

// TestResyncConfirmsMissingComponents is spec §10: a component missing
// from a list is read directly before it is taken for deleted. Before,
// resync recreated it: a duplicate hidden component per skipped row.
func TestResyncConfirmsMissingComponents(t *testing.T) {
	for _, skip := range []string{"w1:9100 | Web", "Web"} {
		t.Run(skip, func(t *testing.T) {
			f := newFixture(t, fixtureOpts{})
			on := &atomic.Bool{}
			f.tune = func(o *bridge.Options) { o.Cachet = skipping{f.client, skip, on} }
			f.restart()
			f.apply(fire("w1:9100", "Web"))
			hidden := f.countHidden()
			on.Store(true)
			if err := f.br.Resync(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := f.countHidden(); got != hidden {
				t.Errorf("hidden components after resync = %d, want %d (no duplicate of a skipped row)", got, hidden)
			}
			if strings.Contains(f.logs.String(), "deleted in Cachet") {
				t.Errorf("a skipped row was taken for a deleted component:\n%s", f.logs)
			}
			f.apply(fire("w2:9100", "Web"))
			f.wantPage("Web", status.PartialOutage, 0)
		})
	}
}

// TestLoadLooksUpConfiguredTargetsItMissed: a configured target's hidden
// component that the load's list skipped is looked up by name before it
// is created, so a skipped row at start is no duplicate either.
func TestLoadLooksUpConfiguredTargetsItMissed(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	on := &atomic.Bool{}
	on.Store(true)
	f.tune = func(o *bridge.Options) { o.Cachet = skipping{f.client, "w1:9100 | Web", on} }
	hidden := f.countHidden()
	f.restart()
	f.apply(fire("w1:9100", "Web"))
	if got := f.countHidden(); got != hidden {
		t.Errorf("hidden components = %d, want %d", got, hidden)
	}
	if got := f.component("w1:9100 | Web").Status; got != int(status.MajorOutage) {
		t.Errorf("w1 = %d, want Major Outage", got)
	}
}

// TestLongLabelsStayWithinCachetLimits is spec §10: a 300-character
// instance used to be a 422 forever; a templated incident name over 255
// characters used to keep the Major Outage from ever getting its incident.
func TestLongLabelsStayWithinCachetLimits(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.cfg.NewIncidentName = "{{ .Component }}: {{ range .Alerts }}{{ .Labels.instance }} {{ end }}"
	f.restart()
	long := "https://" + strings.Repeat("ü", 300) + "/health"
	e := fire(long, "DB")
	e.Critical = true
	f.apply(e)
	f.wantPage("DB", status.MajorOutage, 1)
	for _, c := range f.emu.Components() {
		if n := utf8.RuneCountInString(c.Name); n > status.MaxName {
			t.Errorf("component name of %d characters: %q", n, c.Name)
		}
	}
	for _, in := range f.emu.Incidents() {
		if n := utf8.RuneCountInString(in.Name); n > status.MaxName || !strings.HasSuffix(in.Name, "…") {
			t.Errorf("incident name of %d characters, want at most %d ending in …: %q", n, status.MaxName, in.Name)
		}
	}
	f.restart()
	e.Firing = false
	f.apply(e)
	f.wantPage("DB", status.Operational, 0)
	if got := f.countHidden(); got != len(testTargets)+1 {
		t.Errorf("hidden components = %d, want %d (no duplicate after the restart)", got, len(testTargets)+1)
	}
}

// TestLabelValuesRoundTripARestart is spec §10: an alert name with a
// comma, fired, restart, resolved used to leave the target Major for good;
// an instance containing " | " left its component after a restart.
func TestLabelValuesRoundTripARestart(t *testing.T) {
	for _, dialect := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run(dialect.String(), func(t *testing.T) {
			f := newFixture(t, fixtureOpts{dialect: dialect})
			comma := ev("w1:9100", "Web", "Disk full, root", true, t0)
			f.apply(comma)
			f.apply(fire("a | b:9100", "Web"))
			f.wantPage("Web", status.PartialOutage, 0)

			f.restart()
			f.apply(fire("w2:9100", "Web"), fire("w3:9100", "Web"))
			f.wantPage("Web", status.MajorOutage, 1) // "a | b" still counts for Web
			comma.Firing = false
			f.apply(comma, resolve("a | b:9100", "Web"), resolve("w2:9100", "Web"), resolve("w3:9100", "Web"))
			f.wantPage("Web", status.Operational, 0)
			if got := f.component("w1:9100 | Web").Status; got != int(status.Operational) {
				t.Errorf("w1 = %d after its comma alert resolved, want Operational", got)
			}
		})
	}
}

// TestMetadataKeepsExactLabels: at HEAD the invisible component's metadata
// carries what its name and description cut: a 300-character instance with
// " | " in it, a component list, and alert names with commas. After a
// restart each alert is still known by its exact name.
func TestMetadataKeepsExactLabels(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	instance := "https://" + strings.Repeat("ä | ", 80) + "/probe"
	// Web comes last, past what the shortened name keeps of the list.
	raw := strings.Repeat("Zone, ", 25) + "API, Web"
	a := ev(instance, raw, "Disk full, /var", true, t0)
	b := ev(instance, raw, "Disk full", true, t0)
	f.apply(a, b)
	f.wantPage("Web", status.PartialOutage, 0)
	f.wantPage("API", status.PartialOutage, 0)

	f.restart()
	f.apply(fire("a1:9100", "API")) // API: a1, b1 and the discovered one; 2 of 3 down
	f.wantPage("API", status.PartialOutage, 0)
	b.Firing = false
	f.apply(b) // "Disk full" resolved; "Disk full, /var" still fires
	f.wantPage("Web", status.PartialOutage, 0)
	a.Firing = false
	f.apply(a)
	f.wantPage("Web", status.Operational, 0)
	f.wantPage("API", status.PartialOutage, 0) // a1 alone
	for _, c := range f.emu.Components() {
		if strings.HasPrefix(c.Name, "https://") && c.Status != int(status.Operational) {
			t.Errorf("%q = %d, want Operational", c.Name, c.Status)
		}
	}
}
