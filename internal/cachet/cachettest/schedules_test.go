package cachettest

// Schedules (maintenance windows), spec 7.1–7.6 and 7.10, through raw HTTP.

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sbAbilities are the statusbridge seed token's abilities: none for
// schedules (spec 7.1).
var sbAbilities = []string{"components.manage", "components.delete", "component-groups.manage",
	"component-groups.delete", "incidents.manage", "incident-updates.manage"}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// createSchedule posts a schedule and returns its id.
func (c caller) createSchedule(body map[string]any) int {
	c.t.Helper()
	r := c.do("POST", "/schedules", body).want(c.t, http.StatusCreated)
	return num(get(r.body, "data", "attributes", "id"))
}

// scheduleStatus reads a schedule's status.value as this caller.
func (c caller) scheduleStatus(id int) int {
	c.t.Helper()
	r := c.do("GET", "/schedules/"+itoa(id), nil).want(c.t, http.StatusOK)
	return num(get(r.body, "data", "attributes", "status", "value"))
}

// componentStatuses reads a component's status and latest_status values.
func (c caller) componentStatuses(id int) (status, latest int) {
	c.t.Helper()
	r := c.do("GET", "/components/"+itoa(id), nil).want(c.t, http.StatusOK)
	return num(get(r.body, "data", "attributes", "status", "value")), num(get(r.body, "data", "attributes", "latest_status", "value"))
}

// Spec 7.4: the status follows the clock with no job running, the window
// shows on latest_status while in progress, and status never moves.
func TestScheduleStatusFollowsTheClock(t *testing.T) {
	t.Parallel()
	clk := &clock{now: epoch.Add(300 * time.Millisecond)}
	s := start(t, Options{Now: clk.Now})
	a := admin(t, s)
	comp := a.createComponent(map[string]any{"name": "db", "status": 1})
	id := a.createSchedule(map[string]any{
		"name": "DB work", "message": "planned", "scheduled_at": rfc(epoch.Add(4 * time.Second)),
		"completed_at": rfc(epoch.Add(9 * time.Second)), "components": []any{map[string]any{"id": comp, "status": 6}},
	})
	steps := []struct {
		at                     time.Duration
		schedule, base, latest int
	}{
		{0, 0, 1, 1},
		{4 * time.Second, 1, 1, 6},
		{6 * time.Second, 1, 1, 6},
		{9 * time.Second, 2, 1, 6}, // accessor: complete; SQL scope: same second, still in progress
		{10 * time.Second, 2, 1, 1},
		{18 * time.Second, 2, 1, 1},
	}
	for _, st := range steps {
		clk.mu.Lock()
		clk.now = epoch.Add(st.at + 300*time.Millisecond)
		clk.mu.Unlock()
		if got := a.scheduleStatus(id); got != st.schedule {
			t.Errorf("t0+%v: schedule status = %d, want %d", st.at, got, st.schedule)
		}
		base, latest := guest(t, s).componentStatuses(comp)
		if base != st.base || latest != st.latest {
			t.Errorf("t0+%v: component status/latest = %d/%d, want %d/%d", st.at, base, latest, st.base, st.latest)
		}
		if got := s.LatestStatus(comp); got != st.latest {
			t.Errorf("t0+%v: LatestStatus = %d, want %d", st.at, got, st.latest)
		}
		if got := s.Schedules()[0].Status; got != st.schedule {
			t.Errorf("t0+%v: Schedules()[0].Status = %d, want %d", st.at, got, st.schedule)
		}
	}
}

// Spec 7.4 and 7.6: ending a window at "now" leaves it on components for
// the rest of that second; now − 1 s ends it at once. A later end reopens it.
func TestScheduleEndAndReopen(t *testing.T) {
	t.Parallel()
	clk := &clock{now: epoch.Add(500 * time.Millisecond)}
	s := start(t, Options{Now: clk.Now})
	a := admin(t, s)
	comp := a.createComponent(map[string]any{"name": "db", "status": 1})
	r := a.do("POST", "/schedules?include=components", map[string]any{
		"name": "Silence", "message": "m", "scheduled_at": rfc(epoch.Add(-time.Minute)),
		"completed_at": rfc(epoch.Add(time.Hour)), "status": 2, "notifications": false,
		"components": []any{map[string]any{"id": comp, "status": 6}}, "meta": map[string]any{"statusbridge_silence": "4b1c9e"},
	}).want(t, http.StatusCreated)
	if got := num(get(r.body, "data", "attributes", "status", "value")); got != 1 {
		t.Errorf("create answer status = %d, want 1 (the body's status is ignored)", got)
	}
	if got := num(get(r.body, "included", 0, "attributes", "latest_status", "value")); got != 6 {
		t.Errorf("create answer included latest_status = %d, want 6", got)
	}
	if has(get(r.body, "data", "attributes"), "meta") || has(get(r.body, "data", "attributes"), "notifications") {
		t.Errorf("create answer attributes carry meta or notifications: %s", r.raw)
	}
	id := num(get(r.body, "data", "attributes", "id"))

	a.do("PUT", "/schedules/"+itoa(id), map[string]any{"completed_at": rfc(epoch)}).want(t, http.StatusOK)
	if got := a.scheduleStatus(id); got != 2 {
		t.Errorf("after completed_at=now: status = %d, want 2", got)
	}
	if got := s.LatestStatus(comp); got != 6 {
		t.Errorf("after completed_at=now, same second: latest = %d, want 6", got)
	}
	r = a.do("PATCH", "/schedules/"+itoa(id), map[string]any{"completed_at": rfc(epoch.Add(-time.Second))}).want(t, http.StatusOK)
	if got := num(get(r.body, "data", "attributes", "status", "value")); got != 2 {
		t.Errorf("after completed_at=now-1s: answer status = %d, want 2", got)
	}
	if got := get(r.body, "data", "attributes", "completed", "string"); got != epoch.Add(-time.Second).Format(laravelTime) {
		t.Errorf("completed.string = %v", got)
	}
	if got := s.LatestStatus(comp); got != 1 {
		t.Errorf("after completed_at=now-1s: latest = %d, want 1", got)
	}
	a.do("PUT", "/schedules/"+itoa(id), map[string]any{"completed_at": nil, "components": []any{}}).want(t, http.StatusOK)
	if got := s.Schedules()[0]; got.CompletedAt.IsZero() || len(got.Impacts) != 1 {
		t.Errorf("completed_at null and components [] changed the row: %+v", got)
	}
	a.do("PUT", "/schedules/"+itoa(id), map[string]any{"completed_at": rfc(epoch.Add(time.Hour))}).want(t, http.StatusOK)
	if st, latest := a.scheduleStatus(id), s.LatestStatus(comp); st != 1 || latest != 6 {
		t.Errorf("reopened: status %d latest %d, want 1 and 6", st, latest)
	}
}

// Spec 7.5: the window replaces the baseline, then the most severe visible
// incident impact wins; embargoed, upcoming, complete and deleted windows
// have no effect.
func TestScheduleLatestStatus(t *testing.T) {
	t.Parallel()
	past, future := epoch.Add(-time.Hour), epoch.Add(time.Hour)
	tests := []struct {
		name      string
		baseline  int
		windows   []Schedule // impacts on component 1 filled in from status
		incidents []Incident
		deleted   bool // delete the first window over the API
		want      int
	}{
		{"maintenance_over_operational", 1, []Schedule{{ScheduledAt: past, Impacts: []Impact{{1, 6}}}}, nil, false, 6},
		{"window_hides_baseline_outage", 4, []Schedule{{ScheduledAt: past, Impacts: []Impact{{1, 6}}}}, nil, false, 6},
		{"window_impact_1_shows_outage_operational", 4, []Schedule{{ScheduledAt: past, Impacts: []Impact{{1, 1}}}}, nil, false, 1},
		{"two_windows_most_severe", 4, []Schedule{{ScheduledAt: past, Impacts: []Impact{{1, 1}}}, {ScheduledAt: past, CompletedAt: future, Impacts: []Impact{{1, 3}}}}, nil, false, 3},
		{"incident_4_wins", 1, []Schedule{{ScheduledAt: past, Impacts: []Impact{{1, 6}}}}, []Incident{{Status: 1, Visible: 1, Impacts: []Impact{{1, 4}}}}, false, 4},
		{"incident_5_loses", 1, []Schedule{{ScheduledAt: past, Impacts: []Impact{{1, 6}}}}, []Incident{{Status: 1, Visible: 1, Impacts: []Impact{{1, 5}}}}, false, 6},
		{"invisible_incident_ignored", 1, []Schedule{{ScheduledAt: past, Impacts: []Impact{{1, 6}}}},
			[]Incident{{Status: 1, Visible: 1, Impacts: []Impact{{1, 2}}}, {Status: 1, Visible: 0, Impacts: []Impact{{1, 4}}}}, false, 2},
		{"embargoed_no_effect", 2, []Schedule{{ScheduledAt: past, PublishedAt: future, Impacts: []Impact{{1, 3}}}}, nil, false, 2},
		{"upcoming_no_effect", 1, []Schedule{{ScheduledAt: future, Impacts: []Impact{{1, 6}}}}, nil, false, 1},
		{"complete_no_effect", 1, []Schedule{{ScheduledAt: past, CompletedAt: epoch.Add(-time.Second), Impacts: []Impact{{1, 6}}}}, nil, false, 1},
		{"inverted_no_effect", 1, []Schedule{{ScheduledAt: past, CompletedAt: past.Add(-time.Hour), Impacts: []Impact{{1, 6}}}}, nil, false, 1},
		{"deleted_no_effect", 1, []Schedule{{ScheduledAt: past, Impacts: []Impact{{1, 6}}}}, nil, true, 1},
		{"other_component_no_effect", 1, []Schedule{{ScheduledAt: past, Impacts: []Impact{{2, 6}}}}, nil, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{})
			s.AddComponent(Component{Name: "c1", Status: tt.baseline, Enabled: true})
			s.AddComponent(Component{Name: "c2", Status: 1, Enabled: true})
			for _, w := range tt.windows {
				s.AddSchedule(w)
			}
			for _, i := range tt.incidents {
				s.AddIncident(i)
			}
			if tt.deleted {
				admin(t, s).do("DELETE", "/schedules/1", nil).want(t, http.StatusNoContent)
			}
			if got := s.LatestStatus(1); got != tt.want {
				t.Errorf("LatestStatus = %d, want %d", got, tt.want)
			}
			base, latest := guest(t, s).componentStatuses(1)
			if base != tt.baseline || latest != tt.want {
				t.Errorf("GET status/latest = %d/%d, want %d/%d", base, latest, tt.baseline, tt.want)
			}
		})
	}
}

// seedSchedules adds the spec 7.3 listing: 1 upcoming, 2–5 in progress, 6
// past, 7 embargoed, 8 inverted.
func seedSchedules(s *Server) {
	past, future := epoch.Add(-time.Hour), epoch.Add(time.Hour)
	s.AddSchedule(Schedule{Name: "zz-probe upcoming", ScheduledAt: future, CompletedAt: future.Add(time.Hour)})
	s.AddSchedule(Schedule{Name: "zz-probe in progress", ScheduledAt: past, Meta: map[string]any{"statusbridge_silence": "a"}})
	s.AddSchedule(Schedule{Name: "b in progress", ScheduledAt: past, CompletedAt: future, Meta: map[string]any{"statusbridge_silence": "b"}})
	s.AddSchedule(Schedule{Name: "c in progress", ScheduledAt: past, CompletedAt: epoch})
	s.AddSchedule(Schedule{Name: "d in progress", ScheduledAt: epoch, CompletedAt: future})
	s.AddSchedule(Schedule{Name: "past", ScheduledAt: past.Add(-time.Hour), CompletedAt: past, Meta: map[string]any{"statusbridge_silence": "b"}})
	s.AddSchedule(Schedule{Name: "embargoed", ScheduledAt: past, PublishedAt: future})
	s.AddSchedule(Schedule{Name: "zz-probe inverted", ScheduledAt: future, CompletedAt: past})
}

// Spec 7.3 and 7.4: filters, publish scoping, sorts.
func TestScheduleIndex(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	seedSchedules(s)
	sb := start(t, Options{Abilities: sbAbilities})
	seedSchedules(sb)
	all := []int{1, 2, 3, 4, 5, 6, 7, 8}
	tests := []struct {
		name  string
		as    caller
		query string
		want  []int
	}{
		{"admin_all", admin(t, s), "", all},
		{"upcoming", admin(t, s), "&filter[status]=0", []int{1, 5, 8}},
		{"in_progress", admin(t, s), "&filter[status]=1", []int{2, 3, 4, 5, 7}},
		{"complete_includes_inverted", admin(t, s), "&filter[status]=2", []int{4, 6, 8}},
		{"list_is_ored", admin(t, s), "&filter[status]=0,1", []int{1, 2, 3, 4, 5, 7, 8}},
		{"word_is_ignored", admin(t, s), "&filter[status]=upcoming", all},
		{"out_of_range_is_ignored", admin(t, s), "&filter[status]=7", all},
		{"guest_misses_embargoed", guest(t, s), "", []int{1, 2, 3, 4, 5, 6, 8}},
		{"sb_token_misses_embargoed", admin(t, sb), "&filter[status]=1", []int{2, 3, 4, 5}},
		{"name_partial_case_insensitive", admin(t, s), "&filter[name]=PROBE%20in", []int{2, 8}},
		{"meta", guest(t, s), "&filter[meta][statusbridge_silence]=b", []int{3, 6}},
		{"meta_and_status", admin(t, sb), "&filter[meta][statusbridge_silence]=b&filter[status]=0,1", []int{3}},
		{"sort_name_desc", admin(t, s), "&filter[status]=1&sort=-name", []int{2, 7, 5, 4, 3}},
		{"sort_completed_nulls_last", admin(t, s), "&filter[status]=1&sort=completed_at", []int{4, 3, 5, 2, 7}},
		{"sort_completed_desc_nulls_first", admin(t, s), "&filter[status]=1&sort=-completed_at", []int{2, 7, 3, 5, 4}},
		{"sort_scheduled", admin(t, s), "&filter[status]=0&sort=scheduled_at", []int{5, 1, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := tt.query
			if !strings.Contains(q, "sort=") {
				q += "&sort=id"
			}
			r := tt.as.do("GET", "/schedules?"+q[1:], nil).want(t, http.StatusOK)
			if diff := cmp.Diff(tt.want, ids(r.body)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no_default_order", func(t *testing.T) {
		t.Parallel()
		got := ids(admin(t, s).do("GET", "/schedules", nil).want(t, http.StatusOK).body)
		if slices.IsSorted(got) {
			t.Errorf("unsorted index %v is in id order; it should be in heap order", got)
		}
		slices.Sort(got)
		if diff := cmp.Diff(all, got); diff != "" {
			t.Errorf("unsorted index rows (-want +got):\n%s", diff)
		}
	})
	t.Run("show_embargoed", func(t *testing.T) {
		t.Parallel()
		admin(t, s).do("GET", "/schedules/7", nil).want(t, http.StatusOK)
		guest(t, s).do("GET", "/schedules/7", nil).want(t, http.StatusNotFound)
		admin(t, sb).do("GET", "/schedules/7", nil).want(t, http.StatusNotFound)
	})
	t.Run("pagination", func(t *testing.T) {
		t.Parallel()
		base := s.APIURL() + "/schedules"
		r := admin(t, s).do("GET", "/schedules?sort=id&per_page=3&page=2&filter[status]=1", nil).want(t, http.StatusOK)
		if diff := cmp.Diff([]int{5, 7}, ids(r.body)); diff != "" {
			t.Errorf("page 2 ids (-want +got):\n%s", diff)
		}
		want := map[string]any{"first": base + "?page=1", "prev": base + "?page=1"}
		if diff := cmp.Diff(want, r.body["links"]); diff != "" {
			t.Errorf("links (-want +got):\n%s", diff)
		}
		r = admin(t, s).do("GET", "/schedules?sort=id&per_page=3", nil).want(t, http.StatusOK)
		if get(r.body, "links", "next") != base+"?page=2" || num(get(r.body, "meta", "per_page")) != 3 {
			t.Errorf("page 1 links/meta = %v / %v", r.body["links"], r.body["meta"])
		}
	})
}

// Spec 7.1 and 7.3: bad list parameters and include=user.
func TestScheduleQueryErrors(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	seedSchedules(s)
	tests := []struct {
		path   string
		status int
		msg    string
	}{
		{"/schedules?filter[enabled]=1", 400, "Allowed filter(s) are `name, status, meta`."},
		{"/schedules?sort=status", 400, "sort(s) `status` is not allowed"},
		{"/schedules?include=nope", 400, "include(s) `nope` are not allowed"},
		{"/schedules?include=user", 500, "Server Error"},
		{"/schedules/2?include=user", 500, "Server Error"},
		{"/schedules?include=componentsCount,updatesCount", 200, ""},
		{"/schedules/99", 404, `No query results for model [Cachet\Models\Schedule] 99`},
		{"/schedules/x", 500, "Server Error"},
	}
	for _, tt := range tests {
		r := guest(t, s).do("GET", tt.path, nil).want(t, tt.status)
		if msg, _ := r.body["message"].(string); !strings.Contains(msg, tt.msg) {
			t.Errorf("GET %s: message %q, want it to contain %q", tt.path, msg, tt.msg)
		}
	}
}

// Spec 7.3: the resource shape and included components with their pivot,
// de-duplicated over a list page (the first schedule's pivot wins).
func TestScheduleResource(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	g := s.AddGroup(Group{Name: "hidden", Visible: 2})
	c1 := s.AddComponent(Component{Name: "c1", Status: 1, Enabled: true})
	c2 := s.AddComponent(Component{Name: "c2", Status: 1, Enabled: false, GroupID: g})
	s.AddSchedule(Schedule{Name: "w1", Message: "m", ScheduledAt: epoch.Add(-time.Hour), Impacts: []Impact{{c1, 1}, {c2, 6}}, Meta: map[string]any{"k": "v"}})
	s.AddSchedule(Schedule{Name: "w2", Message: "m", ScheduledAt: epoch.Add(-time.Hour), CompletedAt: epoch.Add(time.Hour), Impacts: []Impact{{c1, 3}}})

	r := guest(t, s).do("GET", "/schedules/1?include=meta,updates,components.group", nil).want(t, http.StatusOK)
	attrs := get(r.body, "data", "attributes").(map[string]any)
	var keys []string
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"completed", "created", "id", "message", "meta", "name", "published", "scheduled", "status", "updated"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("attribute keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"human": "In progress", "value": float64(1)}, attrs["status"]); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"human": nil, "string": nil}, attrs["completed"]); diff != "" {
		t.Errorf("completed of an open-ended window (-want +got):\n%s", diff)
	}
	if get(r.body, "data", "type") != "schedules" || get(r.body, "data", "id") != "1" {
		t.Errorf("data type/id = %v/%v", get(r.body, "data", "type"), get(r.body, "data", "id"))
	}
	if diff := cmp.Diff([]any{}, get(r.body, "data", "relationships", "updates", "data")); diff != "" {
		t.Errorf("updates relationship (-want +got):\n%s", diff)
	}
	inc := asList(r.body["included"])
	if len(inc) != 2 {
		t.Fatalf("included = %v, want the two components (the disabled one leaks to guests)", inc)
	}
	if got := num(get(inc[1], "attributes", "pivot", "component_status", "value")); got != 6 {
		t.Errorf("included c2 pivot = %d, want 6", got)
	}
	if got := get(inc[1], "relationships", "group", "data"); got != nil {
		t.Errorf("hidden group shown to a guest: %v", got)
	}

	r = guest(t, s).do("GET", "/schedules?sort=id&include=components", nil).want(t, http.StatusOK)
	inc = asList(r.body["included"])
	if len(inc) != 2 || num(get(inc[0], "attributes", "pivot", "component_status", "value")) != 1 {
		t.Errorf("list included = %v, want c1 once with the first schedule's pivot 1", inc)
	}
	if got := num(get(inc[0], "attributes", "latest_status", "value")); got != 3 {
		t.Errorf("included c1 latest_status = %d, want 3 (both windows together)", got)
	}
	if diff := cmp.Diff([]any{map[string]any{"type": "components", "id": "1"}}, get(r.body, "data", 1, "relationships", "components", "data")); diff != "" {
		t.Errorf("w2 components relationship (-want +got):\n%s", diff)
	}
}

// Spec 7.2: create and update validation, in the 401 → 404 → 422 → 403
// order, and the fields a write changes or leaves.
func TestScheduleValidation(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	s.AddComponent(Component{Name: "c31", Enabled: true})
	s.AddComponent(Component{Name: "c32", Enabled: true})
	id := s.AddSchedule(Schedule{Name: "w", Message: "m", ScheduledAt: epoch})
	tests := []struct {
		name   string
		method string
		path   string
		body   map[string]any
		fields []string
	}{
		{"empty_create", "POST", "/schedules", map[string]any{}, []string{"name", "message", "scheduled_at"}},
		{"spec_example", "POST", "/schedules", map[string]any{
			"name": "x", "message": "y", "scheduled_at": "tomorrow-ish", "completed_at": "nope", "published_at": "x",
			"notifications": "true", "components": []any{
				map[string]any{"id": 1, "status": 7}, map[string]any{"id": 1, "status": 6},
				map[string]any{"id": 9999, "status": 6}, map[string]any{"id": 2},
			},
		}, []string{"scheduled_at", "completed_at", "published_at", "notifications", "components.0.id", "components.0.status",
			"components.1.id", "components.2.id", "components.3.status"}},
		{"components_object", "POST", "/schedules", map[string]any{
			"name": "x", "message": "y", "scheduled_at": rfc(epoch), "components": map[string]any{"id": 1, "status": 6},
		}, []string{"components.id", "components.id.id", "components.id.status", "components.status", "components.status.id", "components.status.status"}},
		{"unix_time", "POST", "/schedules", map[string]any{"name": "x", "message": "y", "scheduled_at": 1796180000}, []string{"scheduled_at"}},
		{"null_scheduled_at", "POST", "/schedules", map[string]any{"name": "x", "message": "y", "scheduled_at": nil}, []string{"scheduled_at"}},
		{"update_null_name", "PUT", "/schedules/" + itoa(id), map[string]any{"name": nil}, []string{"name"}},
		{"update_bad_date", "PATCH", "/schedules/" + itoa(id), map[string]any{"completed_at": "soon"}, []string{"completed_at"}},
		{"update_bad_component", "PATCH", "/schedules/" + itoa(id), map[string]any{"components": []any{map[string]any{"id": 3, "status": 0}}},
			[]string{"components.0.id", "components.0.status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := admin(t, s).do(tt.method, tt.path, tt.body).want(t, http.StatusUnprocessableEntity)
			errs, _ := r.body["errors"].(map[string]any)
			var got []string
			for k := range errs {
				got = append(got, k)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.fields))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error fields (-want +got):\n%s\nbody %s", diff, r.raw)
			}
		})
	}
	// The spec example's message counts every error.
	r := admin(t, s).do("POST", "/schedules", tests[1].body).want(t, http.StatusUnprocessableEntity)
	if msg := r.body["message"]; msg != "The scheduled at field must be a valid date. (and 8 more errors)" {
		t.Errorf("message = %q", msg)
	}
	if n := len(s.Schedules()); n != 1 {
		t.Errorf("%d schedules after invalid writes, want 1", n)
	}
	// Offsets are converted; offset-less times are read as UTC (the app's zone).
	for in, want := range map[string]string{"2026-12-02T05:46:34+02:00": "2026-12-02 03:46:34", "2026-12-02 03:51": "2026-12-02 03:51:00"} {
		r := admin(t, s).do("POST", "/schedules", map[string]any{"name": "d", "message": "m", "scheduled_at": in}).want(t, http.StatusCreated)
		if got := get(r.body, "data", "attributes", "scheduled", "string"); got != want {
			t.Errorf("scheduled_at %q stored as %v, want %s", in, got, want)
		}
	}
}

// Spec 7.1: abilities and the order of the checks.
func TestScheduleAbilities(t *testing.T) {
	t.Parallel()
	valid := map[string]any{"name": "x", "message": "y", "scheduled_at": rfc(epoch)}
	tests := []struct {
		name      string
		abilities []string
		token     bool
		method    string
		path      string
		body      map[string]any
		want      int
	}{
		{"guest_create", nil, false, "POST", "/schedules", valid, 401},
		{"guest_delete_unknown", nil, false, "DELETE", "/schedules/99", nil, 401},
		{"sb_create_valid", sbAbilities, true, "POST", "/schedules", valid, 403},
		{"sb_create_invalid", sbAbilities, true, "POST", "/schedules", map[string]any{"message": "y"}, 422},
		{"sb_update", sbAbilities, true, "PATCH", "/schedules/1", map[string]any{"name": "z"}, 403},
		{"sb_update_unknown", sbAbilities, true, "PATCH", "/schedules/99", map[string]any{"name": "z"}, 404},
		{"sb_delete", sbAbilities, true, "DELETE", "/schedules/1", nil, 403},
		{"manage_create", []string{"schedules.manage"}, true, "POST", "/schedules", valid, 201},
		{"manage_update", []string{"schedules.manage"}, true, "PUT", "/schedules/1", map[string]any{"name": "z"}, 200},
		{"manage_cannot_delete", []string{"schedules.manage"}, true, "DELETE", "/schedules/1", nil, 403},
		{"delete_ability", []string{"schedules.delete"}, true, "DELETE", "/schedules/1", nil, 204},
		{"guest_reads", nil, false, "GET", "/schedules/1", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Abilities: tt.abilities})
			s.AddSchedule(Schedule{Name: "w", Message: "m", ScheduledAt: epoch})
			c := guest(t, s)
			if tt.token {
				c = admin(t, s)
			}
			r := c.do(tt.method, tt.path, tt.body).want(t, tt.want)
			if tt.want == 403 && r.body["message"] != "Invalid ability provided." {
				t.Errorf("403 message = %v", r.body["message"])
			}
		})
	}
}

// Spec 7.2 and 7.6: an update replaces components and meta when given,
// leaves them otherwise, ignores notifications; a delete is soft.
func TestScheduleUpdateAndDelete(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := admin(t, s)
	c1 := s.AddComponent(Component{Name: "c1", Status: 1, Enabled: true})
	c2 := s.AddComponent(Component{Name: "c2", Status: 1, Enabled: true})
	id := a.createSchedule(map[string]any{
		"name": "w", "message": "m", "scheduled_at": rfc(epoch.Add(-time.Minute)), "notifications": true,
		"components": []any{map[string]any{"id": c1, "status": 6}}, "meta": map[string]any{"k": "1"},
	})
	a.do("PATCH", "/schedules/"+itoa(id), map[string]any{
		"name": "w2", "notifications": false, "meta": nil,
		"components": []any{map[string]any{"id": c1, "status": 3}, map[string]any{"id": c2, "status": 6}},
	}).want(t, http.StatusOK)
	got := s.Schedules()[0]
	want := Schedule{
		ID: id, Name: "w2", Message: "m", Status: 1, ScheduledAt: epoch.Add(-time.Minute), PublishedAt: epoch,
		Notifications: true, Impacts: []Impact{{c1, 3}, {c2, 6}}, Meta: map[string]any{"k": "1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}
	if s.LatestStatus(c1) != 3 || s.LatestStatus(c2) != 6 {
		t.Errorf("latest = %d, %d; want 3, 6", s.LatestStatus(c1), s.LatestStatus(c2))
	}
	a.do("PUT", "/schedules/"+itoa(id), map[string]any{"meta": map[string]any{"j": "2"}}).want(t, http.StatusOK)
	if m := s.Schedules()[0].Meta; !cmp.Equal(m, map[string]any{"j": "2"}) {
		t.Errorf("meta after replace = %v", m)
	}
	a.do("DELETE", "/schedules/"+itoa(id), nil).want(t, http.StatusNoContent)
	a.do("GET", "/schedules/"+itoa(id), nil).want(t, http.StatusNotFound)
	a.do("PUT", "/schedules/"+itoa(id), map[string]any{"name": "x"}).want(t, http.StatusNotFound)
	if n := len(s.Schedules()); n != 0 || s.LatestStatus(c1) != 1 {
		t.Errorf("after delete: %d schedules, latest %d; want 0 and 1", n, s.LatestStatus(c1))
	}
}

// Spec 7.10: at BASE the routes exist without publish scoping or meta,
// dates must be Y-m-d H:i:s, an update drops completed_at, and a window
// changes nothing on components.
func TestScheduleBase(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Dialect: Base})
	a := admin(t, s)
	comp := s.AddComponent(Component{Name: "c", Status: 1, Enabled: true})
	a.do("POST", "/schedules", map[string]any{"name": "w", "message": "m", "scheduled_at": rfc(epoch)}).want(t, http.StatusInternalServerError)
	a.do("POST", "/schedules", map[string]any{"name": "w", "message": "m", "scheduled_at": epoch.Format(laravelTime),
		"components": []any{map[string]any{"id": comp, "status": 6}}}).want(t, http.StatusInternalServerError)
	r := a.do("POST", "/schedules", map[string]any{"name": "w", "message": "m",
		"scheduled_at": epoch.Add(-time.Hour).Format(laravelTime), "completed_at": epoch.Add(time.Hour).Format(laravelTime)}).want(t, http.StatusCreated)
	id := num(get(r.body, "data", "attributes", "id"))
	if has(get(r.body, "data", "attributes"), "published") || num(get(r.body, "data", "attributes", "status", "value")) != 1 {
		t.Errorf("BASE create answer: %s", r.raw)
	}
	r = a.do("PUT", "/schedules/"+itoa(id), map[string]any{"completed_at": epoch.Add(-time.Second).Format(laravelTime)}).want(t, http.StatusOK)
	if num(get(r.body, "data", "attributes", "status", "value")) != 1 {
		t.Errorf("BASE honoured completed_at on update: %s", r.raw)
	}
	a.do("GET", "/schedules?filter[meta][k]=v", nil).want(t, http.StatusBadRequest)
	a.do("GET", "/schedules?include=meta", nil).want(t, http.StatusBadRequest)
	s.AddSchedule(Schedule{Name: "embargoed", ScheduledAt: epoch.Add(-time.Hour), PublishedAt: epoch.Add(time.Hour), Impacts: []Impact{{comp, 6}}})
	guest(t, s).do("GET", "/schedules/2", nil).want(t, http.StatusOK)
	if got := s.LatestStatus(comp); got != 1 {
		t.Errorf("BASE LatestStatus = %d, want the baseline 1", got)
	}
}

// Spec 7.1, 7.4 and 7.6: schedule updates. A note with completed_at ends
// the window; edits take the message only; reads are not publish-scoped;
// the binding is scoped to the schedule; the abilities are their own.
func TestScheduleUpdates(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := admin(t, s)
	comp := s.AddComponent(Component{Name: "c", Status: 1, Enabled: true})
	w := s.AddSchedule(Schedule{Name: "w", ScheduledAt: epoch.Add(-time.Hour), Impacts: []Impact{{comp, 6}}})
	embargoed := s.AddSchedule(Schedule{Name: "e", ScheduledAt: epoch.Add(-time.Hour), PublishedAt: epoch.Add(time.Hour)})
	s.AddIncident(Incident{Name: "i", Status: 1, Updates: []Update{{Status: 1, Message: "first"}}}) // update 1

	a.do("POST", "/schedules/"+itoa(w)+"/updates", map[string]any{"completed_at": "x"}).want(t, http.StatusUnprocessableEntity)
	r := a.do("POST", "/schedules/"+itoa(w)+"/updates", map[string]any{"message": "Work finished", "completed_at": rfc(epoch.Add(-time.Second))}).want(t, http.StatusCreated)
	want := map[string]any{"id": float64(2), "updateable_id": float64(w), "updateable_type": "schedule", "message": "Work finished"}
	for k, v := range want {
		if got := get(r.body, "data", "attributes", k); got != v {
			t.Errorf("created update %s = %v, want %v", k, got, v)
		}
	}
	if has(get(r.body, "data", "attributes"), "status") {
		t.Errorf("schedule update carries a status: %s", r.raw)
	}
	if st, latest := a.scheduleStatus(w), s.LatestStatus(comp); st != 2 || latest != 1 {
		t.Errorf("after a note with completed_at: status %d latest %d, want 2 and 1", st, latest)
	}
	a.do("PATCH", "/schedules/"+itoa(w)+"/updates/2", map[string]any{"message": "Done", "completed_at": rfc(epoch.Add(time.Hour))}).want(t, http.StatusOK)
	if got := a.scheduleStatus(w); got != 2 {
		t.Errorf("an edit moved the window: status %d, want 2", got)
	}
	r = guest(t, s).do("GET", "/schedules/"+itoa(w)+"?include=updates", nil).want(t, http.StatusOK)
	if got := get(r.body, "included", 0, "attributes", "message"); got != "Done" {
		t.Errorf("included update message = %v, want Done", got)
	}

	a.do("POST", "/schedules/"+itoa(embargoed)+"/updates", map[string]any{"message": "secret"}).want(t, http.StatusCreated)
	r = guest(t, s).do("GET", "/schedules/"+itoa(embargoed)+"/updates?include=schedule", nil).want(t, http.StatusOK)
	if len(asList(r.body["data"])) != 1 || get(r.body, "included", 0, "type") != "schedules" {
		t.Errorf("embargoed schedule's updates should leak to guests with the schedule: %s", r.raw)
	}
	guest(t, s).do("GET", "/schedules/"+itoa(embargoed)+"/updates/2", nil).want(t, http.StatusNotFound)
	guest(t, s).do("GET", "/schedules/"+itoa(w)+"/updates?filter[x]=1", nil).want(t, http.StatusBadRequest)

	for _, tt := range []struct {
		abilities []string
		method    string
		want      int
	}{
		{[]string{"schedules.manage"}, "POST", 403},
		{[]string{"schedule-updates.manage"}, "POST", 201},
		{[]string{"schedule-updates.manage"}, "DELETE", 403},
		{[]string{"schedule-updates.delete"}, "DELETE", 204},
	} {
		s := start(t, Options{Abilities: tt.abilities})
		id := s.AddSchedule(Schedule{Name: "w", ScheduledAt: epoch})
		path := "/schedules/" + itoa(id) + "/updates"
		if tt.method == "DELETE" {
			path += "/" + itoa(addScheduleUpdate(s, id, "note"))
		}
		admin(t, s).do(tt.method, path, map[string]any{"message": "m"}).want(t, tt.want)
	}
}

// addScheduleUpdate stores a note on a schedule without the API (and its
// abilities).
func addScheduleUpdate(s *Server, scheduleID int, message string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID("updates")
	s.scheduleUpdates[id] = &scheduleUpdate{id: id, scheduleID: scheduleID, message: message, created: epoch, updated: epoch}
	return id
}
