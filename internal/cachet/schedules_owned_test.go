package cachet_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// One list finds every window carrying the tag, whatever its value; windows
// without it, complete ones and deleted ones are left out.
func TestSchedulesTagged(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{})
	now := time.Now().UTC()
	tag := func(v string) map[string]any { return map[string]any{"statusbridge_silence": v} }
	running := srv.AddSchedule(cachettest.Schedule{Name: "a", ScheduledAt: now.Add(-time.Hour), CompletedAt: now.Add(time.Hour), Meta: tag("s1")})
	upcoming := srv.AddSchedule(cachettest.Schedule{Name: "b", ScheduledAt: now.Add(time.Hour), Meta: tag("s2")})
	srv.AddSchedule(cachettest.Schedule{Name: "done", ScheduledAt: now.Add(-2 * time.Hour), CompletedAt: now.Add(-time.Hour), Meta: tag("s3")})
	srv.AddSchedule(cachettest.Schedule{Name: "theirs", ScheduledAt: now.Add(-time.Hour), Meta: map[string]any{"other": "x"}})
	srv.AddSchedule(cachettest.Schedule{Name: "untagged", ScheduledAt: now.Add(-time.Hour)})
	srv.ResetStats()
	got, err := c.SchedulesTagged(t.Context(), "statusbridge_silence")
	if err != nil {
		t.Fatalf("SchedulesTagged: %v", err)
	}
	var ids []int
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if diff := cmp.Diff([]int{running, upcoming}, ids); diff != "" {
		t.Errorf("SchedulesTagged ids (-want +got):\n%s", diff)
	}
	if len(got) == 2 && got[0].Meta["statusbridge_silence"] != "s1" {
		t.Errorf("SchedulesTagged meta = %v, want the tag's value", got[0].Meta)
	}
	if n := srv.Stats().Reads; n != 1 {
		t.Errorf("SchedulesTagged made %d reads, want 1", n)
	}
}

// Spec 7.11 item 4: a later end and a new component set in one PUT; the
// zero fields are not sent, so they stay.
func TestUpdateSchedule(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{})
	a := srv.AddComponent(cachettest.Component{Name: "a", Status: 1, Enabled: true})
	b := srv.AddComponent(cachettest.Component{Name: "b", Status: 1, Enabled: true})
	now := time.Now().UTC()
	id := srv.AddSchedule(cachettest.Schedule{Name: "w", ScheduledAt: now.Add(-time.Minute), CompletedAt: now.Add(time.Hour),
		Impacts: []cachettest.Impact{{ComponentID: a, Status: 6}}})
	end := now.Add(2 * time.Hour)
	got, err := c.UpdateSchedule(t.Context(), id, cachet.ScheduleChange{CompletedAt: end, Components: []cachet.Impact{{ComponentID: b, Status: status.UnderMaintenance}}})
	if err != nil {
		t.Fatalf("UpdateSchedule: %v", err)
	}
	if !got.CompletedAt.Equal(end.Truncate(time.Second)) || !cmp.Equal(got.ComponentIDs, []int{b}) || got.Status != cachet.ScheduleInProgress {
		t.Errorf("UpdateSchedule = %+v, want in progress on %d until %s", got, b, end)
	}
	if srv.LatestStatus(a) != 1 || srv.LatestStatus(b) != 6 {
		t.Errorf("latest_status a=%d b=%d, want 1 and 6", srv.LatestStatus(a), srv.LatestStatus(b))
	}
	got, err = c.UpdateSchedule(t.Context(), id, cachet.ScheduleChange{CompletedAt: end.Add(time.Hour)})
	if err != nil {
		t.Fatalf("UpdateSchedule (end only): %v", err)
	}
	if !cmp.Equal(got.ComponentIDs, []int{b}) {
		t.Errorf("components after an end-only update = %v, want unchanged [%d]", got.ComponentIDs, b)
	}
}
