package bridge_test

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/bridge"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// withRules gives the fixture's config these per-component rules (spec
// §12) over the defaults, and restarts the bridge on a clock the test
// moves.
func withRules(t *testing.T, rs map[string]config.Rules) (*fixture, *time.Time) {
	t.Helper()
	clock := t0
	f := newFixture(t, fixtureOpts{now: func() time.Time { return clock }})
	f.cfg.Defaults = config.DefaultRules()
	f.cfg.Rules = map[string]config.Rules{}
	for name, r := range rs {
		f.cfg.Rules[name] = r
	}
	f.tune = func(o *bridge.Options) { o.Now = func() time.Time { return clock } }
	f.restart()
	return f, &clock
}

func rule(mod func(r *config.Rules)) config.Rules {
	r := config.DefaultRules()
	mod(&r)
	return r
}

func severe(e alertmanager.Event, severity string) alertmanager.Event {
	e.Severity = severity
	return e
}

func TestDegradedSeverities(t *testing.T) {
	f, _ := withRules(t, map[string]config.Rules{"DB": rule(func(r *config.Rules) { r.DegradedSeverities = []string{"warning"} })})
	f.apply(severe(ev("d2:5432", "DB", "SlowQueries", true, t0), "warning"))
	f.wantPage("DB", status.PerformanceIssues, 0)
	if got := f.component("d2:5432 | DB").Status; got != int(status.MajorOutage) {
		t.Errorf("hidden component = %d; it records the truth (an alert fires) at once", got)
	}
	f.apply(severe(ev("d2:5432", "DB", "InstanceDown", true, t0), "critical"))
	f.wantPage("DB", status.PartialOutage, 0) // d2 down, d1 up
	f.apply(severe(ev("d1:5432", "DB", "SlowQueries", true, t0), "warning"))
	f.wantPage("DB", status.PartialOutage, 0) // a degraded critical target is not down
	// Web counts no severity as degraded: the same severity is an outage there.
	f.apply(severe(ev("w1:9100", "Web", "SlowQueries", true, t0), "warning"))
	f.wantPage("Web", status.PartialOutage, 0)
}

func TestMajorWhenDown(t *testing.T) {
	f, _ := withRules(t, map[string]config.Rules{
		"Web": rule(func(r *config.Rules) { r.MajorWhenDown = config.Threshold{Percent: 50} }),
		"DB":  rule(func(r *config.Rules) { r.MajorWhenDown = config.Threshold{Count: 1} }),
	})
	f.apply(fire("w1:9100", "Web"))
	f.wantPage("Web", status.PartialOutage, 0) // 1 of 3 < 50% rounded up (2)
	f.apply(fire("w2:9100", "Web"))
	f.wantPage("Web", status.MajorOutage, 1)
	f.apply(fire("d2:5432", "DB"))
	f.wantPage("DB", status.MajorOutage, 1) // a count of 1
}

func TestOpenIncidentAt(t *testing.T) {
	f, _ := withRules(t, map[string]config.Rules{
		"Web": rule(func(r *config.Rules) { r.OpenIncidentAt = config.IncidentAtPartial }),
		"DB":  rule(func(r *config.Rules) { r.OpenIncidentAt = config.IncidentAtNever }),
	})
	f.apply(fire("w1:9100", "Web"), fire("d1:5432", "DB"))
	f.wantPage("Web", status.PartialOutage, 1)
	f.wantPage("DB", status.MajorOutage, 0)
	f.apply(resolve("w1:9100", "Web"))
	f.wantPage("Web", status.Operational, 0)
	if n := len(f.incidentsOf("Web")); n != 1 {
		t.Errorf("Web incidents = %d, want the one, resolved", n)
	}
}

// TestDampingHoldsAFlap is spec §12: a flap shorter than outage_after
// changes nothing on the page and opens no incident; a longer outage is
// published once, with one incident, and its recovery only after
// recovery_after.
func TestDampingHoldsAFlap(t *testing.T) {
	f, clock := withRules(t, map[string]config.Rules{"Web": rule(func(r *config.Rules) {
		r.OutageAfter, r.RecoveryAfter = 2*time.Minute, 5*time.Minute
	})})
	all := func(firing bool, at time.Time) []alertmanager.Event {
		return []alertmanager.Event{ev("w1:9100", "Web", "InstanceDown", firing, at), ev("w2:9100", "Web", "InstanceDown", firing, at), ev("w3:9100", "Web", "InstanceDown", firing, at)}
	}
	f.apply(all(true, t0)...)
	f.wantPage("Web", status.Operational, 0)
	if got := f.component("w1:9100 | Web").Status; got != int(status.MajorOutage) {
		t.Errorf("hidden component = %d, want Major Outage at once", got)
	}
	*clock = t0.Add(time.Minute)
	f.apply(all(false, t0)...)
	*clock = t0.Add(10 * time.Minute)
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.wantPage("Web", status.Operational, 0)
	if n := len(f.incidentsOf("Web")); n != 0 {
		t.Fatalf("a 1-minute flap opened %d incidents", n)
	}

	start := t0.Add(20 * time.Minute)
	*clock = start
	f.apply(all(true, start)...)
	*clock = start.Add(2 * time.Minute)
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.wantPage("Web", status.MajorOutage, 1)
	*clock = start.Add(3 * time.Minute)
	f.apply(all(false, start)...)
	f.wantPage("Web", status.MajorOutage, 1) // recovery waits 5 minutes
	*clock = start.Add(8 * time.Minute)
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.wantPage("Web", status.Operational, 0)
	if n := len(f.incidentsOf("Web")); n != 1 {
		t.Errorf("incidents = %d, want exactly one for the one real outage", n)
	}
}

// TestDampingWindowSurvivesRestart: the outage window counts from the
// alerts' start, not from when this process first saw them.
func TestDampingWindowSurvivesRestart(t *testing.T) {
	f, clock := withRules(t, map[string]config.Rules{"DB": rule(func(r *config.Rules) { r.OutageAfter = 2 * time.Minute })})
	f.apply(ev("d1:5432", "DB", "InstanceDown", true, t0))
	f.wantPage("DB", status.Operational, 0)
	*clock = t0.Add(90 * time.Second)
	f.restart()
	f.apply(ev("d1:5432", "DB", "InstanceDown", true, t0)) // Alertmanager's repeat
	f.wantPage("DB", status.Operational, 0)
	*clock = t0.Add(2 * time.Minute)
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.wantPage("DB", status.MajorOutage, 1) // 2 minutes after the start, not after the restart
}

// TestReloadAppliesRules: a reload applies new rules to what fires now.
func TestReloadAppliesRules(t *testing.T) {
	f, _ := withRules(t, nil)
	f.apply(fire("w1:9100", "Web"), fire("w2:9100", "Web"))
	f.wantPage("Web", status.PartialOutage, 0)
	cfg := *f.cfg
	cfg.Rules = map[string]config.Rules{"Web": rule(func(r *config.Rules) { r.MajorWhenDown = config.Threshold{Percent: 50} })}
	if err := f.br.Reconfigure(t.Context(), &cfg, testTargets); err != nil {
		t.Fatal(err)
	}
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.wantPage("Web", status.MajorOutage, 1)
}

// TestRunPublishesWhenTheWindowEnds: no webhook needed; the background
// loop publishes a damped change when its window ends, and not before.
func TestRunPublishesWhenTheWindowEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig
		cfg.Defaults = config.DefaultRules()
		cfg.Rules = map[string]config.Rules{"DB": rule(func(r *config.Rules) { r.OutageAfter = time.Minute })}
		emu, _, br := inProcessWith(t, &cfg, bridge.Options{Logger: slog.New(slog.DiscardHandler), Probe: time.Hour})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go br.Run(ctx)
		if _, err := br.Apply(ctx, []alertmanager.Event{ev("d1:5432", "DB", "InstanceDown", true, time.Now())}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if got := componentStatus(emu, "DB"); got != int(status.Operational) {
			t.Errorf("DB = %d before the window ends, want Operational", got)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if got := componentStatus(emu, "DB"); got != int(status.MajorOutage) {
			t.Errorf("DB = %d after the window, want Major Outage", got)
		}
		cancel()
	})
}

// TestRecoveryWindowSurvivesRestart: after a restart the recovery window
// runs from when Cachet recorded the last member's recovery, not from the
// restart: the page neither recovers early nor waits a window more.
func TestRecoveryWindowSurvivesRestart(t *testing.T) {
	f, clock := withRules(t, map[string]config.Rules{"DB": rule(func(r *config.Rules) { r.RecoveryAfter = 5 * time.Minute })})
	f.apply(ev("d1:5432", "DB", "InstanceDown", true, t0))
	f.wantPage("DB", status.MajorOutage, 1)
	*clock = t0.Add(10 * time.Minute)
	f.apply(ev("d1:5432", "DB", "InstanceDown", false, t0)) // recovered at 10:00
	f.wantPage("DB", status.MajorOutage, 1)
	*clock = t0.Add(13 * time.Minute)
	f.restart()
	f.apply(fire("w1:9100", "Web")) // anything that looks at the components again
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.wantPage("DB", status.MajorOutage, 1) // 3 of 5 minutes
	*clock = t0.Add(15 * time.Minute)
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.wantPage("DB", status.Operational, 0) // 5 minutes after the recovery, not after the restart
}
