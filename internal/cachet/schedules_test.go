package cachet_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// recorder keeps the query and body of every /schedules request.
type recorder struct {
	mu      sync.Mutex
	queries []url.Values
	bodies  []map[string]any
}

func (rec *recorder) install(srv *cachettest.Server) {
	srv.Inject(func(r *http.Request) *cachettest.Fault {
		if !strings.HasPrefix(r.URL.Path, "/api/schedules") {
			return nil
		}
		var body map[string]any
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			_ = json.Unmarshal(b, &body)
		}
		rec.mu.Lock()
		rec.queries = append(rec.queries, r.URL.Query())
		rec.bodies = append(rec.bodies, body)
		rec.mu.Unlock()
		return nil
	})
}

func (rec *recorder) reset() (queries []url.Values, bodies []map[string]any) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	queries, bodies = rec.queries, rec.bodies
	rec.queries, rec.bodies = nil, nil
	return queries, bodies
}

// Spec 7.6 and 7.11: create a window on a component, see it in progress
// and on the component, find it by its tag, end it, delete it; each in
// the requests the contract gives.
func TestScheduleLifecycle(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{})
	var rec recorder
	rec.install(srv)
	ctx := t.Context()
	comp := srv.AddComponent(cachettest.Component{Name: "db", Status: 1, Enabled: true})
	other := srv.AddComponent(cachettest.Component{Name: "web", Status: 1, Enabled: true})
	now := time.Now().UTC()
	start, end := now.Add(-5*time.Second), now.Add(time.Hour)

	created, err := c.CreateSchedule(ctx, cachet.NewSchedule{
		Name: "Silence: node 10.0.0.7", Message: "Alerts silenced for planned maintenance",
		ScheduledAt: start, CompletedAt: end,
		Components: []cachet.Impact{{ComponentID: comp, Status: status.UnderMaintenance}},
		Meta:       map[string]any{"statusbridge_silence": "4b1c9e"},
	})
	if err != nil {
		t.Fatalf("CreateSchedule: %v", err)
	}
	want := cachet.Schedule{
		ID: created.ID, Name: "Silence: node 10.0.0.7", Message: "Alerts silenced for planned maintenance",
		Status: cachet.ScheduleInProgress, ScheduledAt: start.Truncate(time.Second), CompletedAt: end.Truncate(time.Second),
		ComponentIDs: []int{comp},
	}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("CreateSchedule answer (-want +got):\n%s", diff)
	}
	q, bodies := rec.reset()
	wantBody := map[string]any{
		"name": want.Name, "message": want.Message, "scheduled_at": start.Format(time.RFC3339), "completed_at": end.Format(time.RFC3339),
		"components": []any{map[string]any{"id": float64(comp), "status": float64(6)}}, "meta": map[string]any{"statusbridge_silence": "4b1c9e"},
	}
	if len(bodies) != 1 || q[0].Get("include") != "components" {
		t.Fatalf("create sent %d requests (%v), want one with include=components", len(bodies), q)
	}
	if diff := cmp.Diff(wantBody, bodies[0]); diff != "" {
		t.Errorf("create body (-want +got):\n%s", diff)
	}
	if got := srv.LatestStatus(comp); got != int(status.UnderMaintenance) {
		t.Errorf("latest_status during the window = %d, want 6", got)
	}
	if got := srv.LatestStatus(other); got != 1 {
		t.Errorf("latest_status of an uncovered component = %d, want 1", got)
	}

	running, err := c.InProgressSchedules(ctx)
	if err != nil {
		t.Fatalf("InProgressSchedules: %v", err)
	}
	if diff := cmp.Diff([]cachet.Schedule{want}, running); diff != "" {
		t.Errorf("InProgressSchedules (-want +got):\n%s", diff)
	}
	q, _ = rec.reset()
	wantQuery := url.Values{"filter[status]": {"1"}, "include": {"components"}, "sort": {"id"}, "per_page": {"100"}, "page": {"1"}}
	if len(q) != 1 || !cmp.Equal(wantQuery, q[0]) {
		t.Errorf("InProgressSchedules queries = %v, want one: %v", q, wantQuery)
	}

	tagged := want
	tagged.Meta = map[string]any{"statusbridge_silence": "4b1c9e"}
	found, err := c.SchedulesWithMeta(ctx, "statusbridge_silence", "4b1c9e")
	if err != nil {
		t.Fatalf("SchedulesWithMeta: %v", err)
	}
	if diff := cmp.Diff([]cachet.Schedule{tagged}, found); diff != "" {
		t.Errorf("SchedulesWithMeta (-want +got):\n%s", diff)
	}
	q, _ = rec.reset()
	if len(q) != 1 || q[0].Get("filter[status]") != "0,1" || q[0].Get("filter[meta][statusbridge_silence]") != "4b1c9e" || q[0].Get("sort") != "id" {
		t.Errorf("SchedulesWithMeta queries = %v", q)
	}
	if none, err := c.SchedulesWithMeta(ctx, "statusbridge_silence", "other"); err != nil || len(none) != 0 {
		t.Errorf("SchedulesWithMeta(other) = %v, %v; want none", none, err)
	}

	if err := c.CompleteSchedule(ctx, created.ID, time.Now().Add(-time.Second)); err != nil {
		t.Fatalf("CompleteSchedule: %v", err)
	}
	if got := srv.LatestStatus(comp); got != 1 {
		t.Errorf("latest_status after the window = %d, want 1", got)
	}
	if got := srv.Schedules()[0].Status; got != cachet.ScheduleComplete {
		t.Errorf("status after CompleteSchedule = %d, want complete", got)
	}
	for name, read := range map[string]func() ([]cachet.Schedule, error){
		"InProgressSchedules": func() ([]cachet.Schedule, error) { return c.InProgressSchedules(ctx) },
		"SchedulesWithMeta": func() ([]cachet.Schedule, error) {
			return c.SchedulesWithMeta(ctx, "statusbridge_silence", "4b1c9e")
		},
	} {
		if got, err := read(); err != nil || len(got) != 0 {
			t.Errorf("%s after completion = %v, %v; want none", name, got, err)
		}
	}

	if err := c.DeleteSchedule(ctx, created.ID); err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	if n := len(srv.Schedules()); n != 0 {
		t.Errorf("%d schedules after DeleteSchedule, want 0", n)
	}
	if err := c.CompleteSchedule(ctx, created.ID, time.Now()); !errors.Is(err, cachet.ErrNotFound) {
		t.Errorf("CompleteSchedule of a deleted window: err = %v, want ErrNotFound", err)
	}
}

// An open-ended window is sent without completed_at.
func TestCreateOpenEndedSchedule(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{})
	var rec recorder
	rec.install(srv)
	s, err := c.CreateSchedule(t.Context(), cachet.NewSchedule{Name: "n", Message: "m", ScheduledAt: time.Now().Add(-time.Minute)})
	if err != nil {
		t.Fatalf("CreateSchedule: %v", err)
	}
	if !s.CompletedAt.IsZero() || s.Status != cachet.ScheduleInProgress || s.ComponentIDs == nil {
		t.Errorf("open-ended window = %+v, want no end, in progress, an empty component list", s)
	}
	_, bodies := rec.reset()
	for _, k := range []string{"completed_at", "components", "meta", "notifications"} {
		if _, ok := bodies[0][k]; ok {
			t.Errorf("create body has %q: %v", k, bodies[0])
		}
	}
}

// Spec 7.11 item 2: upcoming, complete and embargoed windows are not in
// progress for the page; more than 100 take a second page.
func TestInProgressSchedules(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{PerPage: 5})
	now := time.Now().UTC()
	srv.AddSchedule(cachettest.Schedule{Name: "upcoming", ScheduledAt: now.Add(time.Hour)})
	srv.AddSchedule(cachettest.Schedule{Name: "past", ScheduledAt: now.Add(-2 * time.Hour), CompletedAt: now.Add(-time.Hour)})
	srv.AddSchedule(cachettest.Schedule{Name: "embargoed", ScheduledAt: now.Add(-time.Hour), PublishedAt: now.Add(time.Hour)})
	var want []int
	for range 130 {
		want = append(want, srv.AddSchedule(cachettest.Schedule{Name: "on", ScheduledAt: now.Add(-time.Hour), CompletedAt: now.Add(time.Hour)}))
	}
	srv.ResetStats()
	got, err := c.InProgressSchedules(t.Context())
	if err != nil {
		t.Fatalf("InProgressSchedules: %v", err)
	}
	var gotIDs []int
	for _, s := range got {
		gotIDs = append(gotIDs, s.ID)
	}
	if diff := cmp.Diff(want, gotIDs); diff != "" {
		t.Errorf("in-progress ids (-want +got):\n%s", diff)
	}
	if n := srv.Stats().Reads; n != 2 {
		t.Errorf("%d reads for 130 windows, want 2 pages of 100", n)
	}
}

// CompleteSchedule checks the answer: a core that drops completed_at
// (BASE) or whose clock is behind the end leaves the window running, and a
// window that has not started becomes an inverted, upcoming one.
func TestCompleteScheduleChecksTheAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		dialect    cachettest.Dialect
		notStarted bool
		at         time.Duration
		wantErr    string
	}{
		{"head_ends", cachettest.Head, false, -time.Second, ""},
		{"base_drops_completed_at", cachettest.Base, false, -time.Second, "not stored"},
		{"end_not_yet_reached", cachettest.Head, false, time.Hour, "still in progress"},
		{"not_started", cachettest.Head, true, -time.Second, "delete a window that has not started"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, cachettest.Options{Dialect: tt.dialect}, cachet.Options{})
			now := time.Now().UTC()
			start := now.Add(-time.Hour)
			if tt.notStarted {
				start = now.Add(time.Hour)
			}
			id := srv.AddSchedule(cachettest.Schedule{Name: "w", ScheduledAt: start, CompletedAt: now.Add(2 * time.Hour)})
			err := c.CompleteSchedule(t.Context(), id, now.Add(tt.at))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("CompleteSchedule: err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// Spec 7.1: the seed token lacks the schedule abilities; a create whose
// answer is lost is not repeated.
func TestScheduleWriteErrors(t *testing.T) {
	t.Parallel()
	sb := []string{"components.manage", "components.delete", "component-groups.manage", "component-groups.delete", "incidents.manage", "incident-updates.manage"}
	srv, c := setup(t, cachettest.Options{Abilities: sb}, cachet.Options{})
	n := cachet.NewSchedule{Name: "n", Message: "m", ScheduledAt: time.Now()}
	if _, err := c.CreateSchedule(t.Context(), n); !errors.Is(err, cachet.ErrForbidden) {
		t.Errorf("CreateSchedule without schedules.manage: err = %v, want ErrForbidden", err)
	}
	id := srv.AddSchedule(cachettest.Schedule{Name: "w", ScheduledAt: time.Now()})
	if err := c.DeleteSchedule(t.Context(), id); !errors.Is(err, cachet.ErrForbidden) {
		t.Errorf("DeleteSchedule without schedules.delete: err = %v, want ErrForbidden", err)
	}
	if _, err := c.CreateSchedule(t.Context(), cachet.NewSchedule{Message: "m", ScheduledAt: time.Now()}); !errors.Is(err, cachet.ErrValidation) {
		t.Errorf("CreateSchedule without a name: err = %v, want ErrValidation", err)
	}

	srv, c = setup(t, cachettest.Options{}, cachet.Options{Attempts: 3})
	srv.Inject(func(r *http.Request) *cachettest.Fault {
		if r.Method == http.MethodPost {
			return &cachettest.Fault{LoseResponse: true}
		}
		return nil
	})
	if _, err := c.CreateSchedule(t.Context(), n); err == nil || !cachet.Ambiguous(err) {
		t.Errorf("CreateSchedule with a lost answer: err = %v, want an ambiguous error", err)
	}
	if got := len(srv.Schedules()); got != 1 {
		t.Errorf("%d schedules after a lost create with 3 attempts, want 1", got)
	}
}
