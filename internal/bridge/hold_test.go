package bridge_test

import (
	"testing"
	"time"

	"statusbridge/internal/cachet"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

func setByPerson(t *testing.T, f *fixture, name string, st status.Status) {
	t.Helper()
	if _, err := f.client.UpdateComponent(t.Context(), f.component(name).ID, cachet.ComponentFields{Status: cachet.Ptr(st)}); err != nil {
		t.Fatal(err)
	}
}

// TestManualHoldExpires is spec §13 (people first): a status a person set
// is noticed before statusbridge's next write and left alone for
// manual_hold; then statusbridge writes again.
func TestManualHoldExpires(t *testing.T) {
	f, clock := withRules(t, map[string]config.Rules{"DB": rule(func(r *config.Rules) { r.ManualHold = 30 * time.Minute })})
	f.apply(fire("d1:5432", "DB"))
	setByPerson(t, f, "DB", status.PartialOutage) // "it is only partly down"
	f.apply(resolve("d1:5432", "DB"))
	if got := status.Status(f.component("DB").Status); got != status.PartialOutage {
		t.Errorf("DB = %v right after the person set it, want their Partial Outage left alone", got)
	}
	if n := f.br.Holds(); n != 1 {
		t.Errorf("Holds() = %d, want 1", n)
	}
	*clock = t0.Add(31 * time.Minute)
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := status.Status(f.component("DB").Status); got != status.Operational {
		t.Errorf("DB = %v after manual_hold, want Operational", got)
	}
	if n := f.br.Holds(); n != 0 {
		t.Errorf("Holds() = %d after the hold, want 0", n)
	}
}

// TestManualHoldEndsWhenStatusbridgeAgrees: the hold ends early once the
// computed status is the person's.
func TestManualHoldEndsWhenStatusbridgeAgrees(t *testing.T) {
	f, _ := withRules(t, map[string]config.Rules{"Web": rule(func(r *config.Rules) { r.ManualHold = time.Hour })})
	setByPerson(t, f, "Web", status.PartialOutage) // a person sees trouble first
	f.apply(fire("w1:9100", "Web"), fire("w2:9100", "Web"), fire("w3:9100", "Web"))
	if got := status.Status(f.component("Web").Status); got != status.PartialOutage {
		t.Errorf("Web = %v, want the person's Partial Outage held", got)
	}
	f.apply(resolve("w3:9100", "Web")) // now statusbridge computes Partial too
	if n := f.br.Holds(); n != 0 {
		t.Errorf("Holds() = %d once statusbridge computes the person's status, want 0", n)
	}
	f.apply(resolve("w1:9100", "Web"), resolve("w2:9100", "Web"))
	if got := status.Status(f.component("Web").Status); got != status.Operational {
		t.Errorf("Web = %v after the hold ended and all recovered, want Operational", got)
	}
}

// TestNoHoldRepairsDrift: with manual_hold 0s (the default) a person's
// status is drift, repaired at the next write or resync, as in part one.
func TestNoHoldRepairsDrift(t *testing.T) {
	f, _ := withRules(t, nil)
	f.apply(fire("d1:5432", "DB"))
	setByPerson(t, f, "DB", status.Operational)
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := status.Status(f.component("DB").Status); got != status.MajorOutage {
		t.Errorf("DB = %v after resync, want the drift repaired to Major Outage", got)
	}
}
