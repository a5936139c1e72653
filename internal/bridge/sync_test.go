package bridge_test

import (
	"testing"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/status"
)

func (f *fixture) sync(cur alertmanager.Current, fetchedAt time.Time, maintenance bool) {
	f.t.Helper()
	if _, err := f.br.Sync(f.t.Context(), cur, fetchedAt, maintenance); err != nil {
		f.t.Fatalf("Sync: %v", err)
	}
}

func TestSyncRecoversLostResolved(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.apply(fire("d1:5432", "DB"))
	f.wantPage("DB", status.MajorOutage, 1)
	// Alertmanager no longer lists the alert: its resolved never arrived.
	f.sync(alertmanager.Current{}, time.Now(), false)
	f.wantPage("DB", status.Operational, 0)
	if got := f.component("d1:5432 | DB").Status; got != 1 {
		t.Errorf("invisible d1 = %d, want 1", got)
	}
}

func TestSyncLeavesAlertsNewerThanTheList(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	fetchedAt := time.Now().Add(-time.Second) // the list was read before the webhook came
	f.apply(fire("d1:5432", "DB"))
	f.sync(alertmanager.Current{}, fetchedAt, false)
	f.wantPage("DB", status.MajorOutage, 1)
}

func TestSyncRecoversLostFiring(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.sync(alertmanager.Current{Active: []alertmanager.Event{fire("d1:5432", "DB")}}, time.Now(), false)
	f.wantPage("DB", status.MajorOutage, 1)
	// A repeat of the same list changes nothing.
	before := len(f.emu.Incidents())
	f.sync(alertmanager.Current{Active: []alertmanager.Event{fire("d1:5432", "DB")}}, time.Now(), false)
	if got := len(f.emu.Incidents()); got != before {
		t.Errorf("incidents after a repeated sync = %d, want %d", got, before)
	}
}

func TestSyncSilenced(t *testing.T) {
	tests := []struct {
		name        string
		maintenance bool
		wantDB      status.Status
		wantTarget  int
	}{
		{"silenced_counts_as_resolved", false, status.Operational, 1},
		{"silenced_is_maintenance", true, status.UnderMaintenance, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, fixtureOpts{})
			f.apply(fire("d1:5432", "DB"))
			f.sync(alertmanager.Current{Silenced: []alertmanager.Event{fire("d1:5432", "DB")}}, time.Now(), tt.maintenance)
			f.wantPage("DB", tt.wantDB, 0)
			if got := f.component("d1:5432 | DB").Status; got != tt.wantTarget {
				t.Errorf("invisible d1 = %d, want %d", got, tt.wantTarget)
			}
			// The silence expires and the same alert still fires: an outage
			// again, not a late notification.
			f.sync(alertmanager.Current{Active: []alertmanager.Event{fire("d1:5432", "DB")}}, time.Now(), tt.maintenance)
			f.wantPage("DB", status.MajorOutage, 1)
			// A webhook after a silence also counts.
			f.sync(alertmanager.Current{Silenced: []alertmanager.Event{fire("d1:5432", "DB")}}, time.Now(), tt.maintenance)
			f.wantPage("DB", tt.wantDB, 0)
			f.apply(fire("d1:5432", "DB"))
			f.wantPage("DB", status.MajorOutage, 1)
		})
	}
}

func TestSyncResolvesAlertsRestoredFromCachet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{})
	f.apply(fire("w1:9100", "Web"), fire("w2:9100", "Web"))
	f.restart()
	f.sync(alertmanager.Current{Active: []alertmanager.Event{fire("w2:9100", "Web")}}, time.Now(), false)
	f.wantPage("Web", status.PartialOutage, 0)
}
