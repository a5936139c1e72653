package bridge_test

import (
	"testing"
	"time"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/config"
	"statusbridge/internal/status"
)

// TestMaintenanceWindowCoversAnOutage is spec §13: while a published
// maintenance window is in progress on a component, Cachet shows it Under
// Maintenance by itself; statusbridge keeps tracking its targets but opens
// no incident. When the window ends and the outage is still there, the
// incident opens then.
func TestMaintenanceWindowCoversAnOutage(t *testing.T) {
	f, clock := withRules(t, nil)
	db := f.component("DB").ID
	f.emu.AddSchedule(cachettest.Schedule{Name: "DB upgrade", Message: "Planned.", ScheduledAt: t0.Add(-time.Minute),
		CompletedAt: t0.Add(30 * time.Minute), PublishedAt: t0.Add(-time.Hour), Impacts: []cachettest.Impact{{ComponentID: db, Status: 6}}})
	f.apply(fire("d1:5432", "DB"))
	c := f.component("DB")
	if status.Status(c.Status) != status.MajorOutage {
		t.Errorf("DB's own status = %d, want Major Outage (statusbridge keeps tracking)", c.Status)
	}
	if got := status.Status(f.emu.LatestStatus(db)); got != status.UnderMaintenance {
		t.Errorf("DB latest_status = %v during the window, want Under Maintenance", got)
	}
	if n := len(open(f.incidentsOf("DB"))); n != 0 {
		t.Fatalf("%d incidents opened for announced maintenance", n)
	}

	*clock = t0.Add(31 * time.Minute) // the window is over, the outage is not
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.wantPage("DB", status.MajorOutage, 1)
}

// TestPersonsIncidentKeepsOursClosed is spec §13: while a person's own
// incident is open on a component, statusbridge opens none; once it is
// resolved and the outage goes on, statusbridge's opens.
func TestPersonsIncidentKeepsOursClosed(t *testing.T) {
	f, clock := withRules(t, map[string]config.Rules{})
	db := f.component("DB").ID
	person := f.emu.AddIncident(cachettest.Incident{Name: "We are looking at the database", Message: "x", Status: 1, Visible: 1,
		Impacts: []cachettest.Impact{{ComponentID: db, Status: 1}}, Meta: map[string]any{}})
	f.apply(fire("d1:5432", "DB"))
	if n := len(f.incidentsOf("DB")); n != 1 {
		t.Fatalf("incidents on DB = %d, want the person's alone", n)
	}
	if _, err := f.client.UpdateIncident(t.Context(), person, cachetFixed()); err != nil {
		t.Fatal(err)
	}
	*clock = t0.Add(2 * time.Minute)
	if err := f.br.Resync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(open(f.incidentsOf("DB"))); n != 1 {
		t.Errorf("open incidents on DB = %d after the person's was resolved, want statusbridge's one", n)
	}
}

func cachetFixed() cachet.IncidentFields {
	return cachet.IncidentFields{Status: cachet.Ptr(cachet.IncidentFixed)}
}
