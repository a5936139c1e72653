package cachettest

// One test per item of spec section 5 ("The emulator must reproduce"), in
// order, all through raw HTTP.

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Spec 5.1: enabled default filter.
func TestEnabledFilterDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dialect Dialect
		authed  bool
		query   string
		want    []int
	}{
		{"head_plain_list_hides_disabled_even_for_admin", Head, true, "", []int{1}},
		{"head_plain_list_hides_disabled_for_guest", Head, false, "", []int{1}},
		{"head_false_gives_disabled_to_authed", Head, true, "?filter[enabled]=false", []int{2}},
		{"head_zero_gives_disabled_to_authed", Head, true, "?filter[enabled]=0", []int{2}},
		{"head_false_gives_nothing_to_guest", Head, false, "?filter[enabled]=false", []int{}},
		{"head_both_for_authed", Head, true, "?filter[enabled]=0,1", []int{1, 2}},
		{"head_both_for_guest_is_enabled_only", Head, false, "?filter[enabled]=0,1", []int{1}},
		{"head_default_applies_with_other_filters", Head, true, "?filter[name]=o", []int{1}},
		{"base_plain_list_returns_all", Base, false, "", []int{1, 2}},
		{"base_plain_list_returns_all_authed", Base, true, "", []int{1, 2}},
		{"base_false_gives_disabled", Base, false, "?filter[enabled]=false", []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect})
			s.AddComponent(Component{Name: "on", Enabled: true})
			s.AddComponent(Component{Name: "off", Enabled: false})
			c := guest(t, s)
			if tt.authed {
				c = admin(t, s)
			}
			// Sorted: without sort the index has no order (heap order).
			r := c.do("GET", "/components?sort=id"+strings.Replace(tt.query, "?", "&", 1), nil).want(t, http.StatusOK)
			if diff := cmp.Diff(tt.want, ids(r.body)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShowDisabledComponentNeedsAuthAtHead(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	id := s.AddComponent(Component{Name: "off"})
	admin(t, s).do("GET", "/components/"+itoa(id), nil).want(t, http.StatusOK)
	guest(t, s).do("GET", "/components/"+itoa(id), nil).want(t, http.StatusNotFound)
}

// Spec 5.2: group visibility scoping.
func TestGroupVisibility(t *testing.T) {
	t.Parallel()
	seed := func(s *Server) {
		g1 := s.AddGroup(Group{Name: "public", Visible: 1})               // 1
		g0 := s.AddGroup(Group{Name: "users", Visible: 0})                // 2
		g2 := s.AddGroup(Group{Name: "hidden", Visible: 2})               // 3
		s.AddComponent(Component{Name: "c1", Enabled: true, GroupID: g1}) // 1
		s.AddComponent(Component{Name: "c0", Enabled: true, GroupID: g0}) // 2
		s.AddComponent(Component{Name: "c2", Enabled: true, GroupID: g2}) // 3
		s.AddComponent(Component{Name: "cn", Enabled: true})              // 4
	}
	tests := []struct {
		name       string
		dialect    Dialect
		authed     bool
		components []int
		groups     []int
		// show maps a path to its expected status.
		show map[string]int
	}{
		{"head_guest_sees_public_only", Head, false, []int{1, 4}, []int{1},
			map[string]int{"/components/2": 404, "/components/3": 404, "/component-groups/2": 404, "/component-groups/3": 404, "/components/1": 200}},
		{"head_authed_sees_users_groups_not_hidden", Head, true, []int{1, 2, 4}, []int{1, 2},
			map[string]int{"/components/2": 200, "/components/3": 404, "/component-groups/2": 200, "/component-groups/3": 404}},
		{"base_has_no_scoping", Base, false, []int{1, 2, 3, 4}, []int{1, 2, 3},
			map[string]int{"/components/3": 200, "/component-groups/3": 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect})
			seed(s)
			c := guest(t, s)
			if tt.authed {
				c = admin(t, s)
			}
			r := c.do("GET", "/components?sort=id", nil).want(t, http.StatusOK)
			if diff := cmp.Diff(tt.components, ids(r.body)); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			r = c.do("GET", "/component-groups?sort=id", nil).want(t, http.StatusOK)
			if diff := cmp.Diff(tt.groups, ids(r.body)); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
			for path, want := range tt.show {
				c.do("GET", path, nil).want(t, want)
			}
		})
	}
}

// Spec 5.3: per_page default, HEAD clamp, BASE raw echo.
func TestPerPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dialect Dialect
		query   string
		status  int
		rows    int
		perPage any
	}{
		{"head_default_is_15", Head, "", 200, 15, float64(15)},
		{"head_zero_clamps_to_1", Head, "?per_page=0", 200, 1, float64(1)},
		{"head_1000_clamps_to_100", Head, "?per_page=1000", 200, 100, float64(100)},
		{"head_50_is_an_int", Head, "?per_page=50", 200, 50, float64(50)},
		{"base_default_is_int_15", Base, "", 200, 15, float64(15)},
		{"base_50_is_echoed_as_string", Base, "?per_page=50", 200, 50, "50"},
		{"base_does_not_clamp", Base, "?per_page=150", 200, 120, "150"},
		{"base_zero_is_15", Base, "?per_page=0", 200, 15, float64(15)},
		{"base_non_numeric_is_500", Base, "?per_page=abc", 500, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect})
			for range 120 {
				s.AddComponent(Component{Name: "c", Enabled: true})
			}
			r := admin(t, s).do("GET", "/components"+tt.query, nil).want(t, tt.status)
			if tt.status != 200 {
				return
			}
			if got := len(asList(r.body["data"])); got != tt.rows {
				t.Errorf("rows = %d, want %d", got, tt.rows)
			}
			if got := get(r.body, "meta", "per_page"); got != tt.perPage {
				t.Errorf("meta.per_page = %#v, want %#v", got, tt.perPage)
			}
		})
	}
}

// Spec 5.4: pagination links.
func TestPaginationLinks(t *testing.T) {
	t.Parallel()
	for _, d := range []Dialect{Head, Base} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: d})
			for range 5 {
				s.AddComponent(Component{Name: "web", Enabled: true})
			}
			base := s.APIURL() + "/components"
			tests := []struct {
				page     string
				links    map[string]any
				from, to any
				ids      []int
			}{
				{"1", map[string]any{"first": base + "?page=1", "next": base + "?page=2"}, float64(1), float64(2), []int{1, 2}},
				{"2", map[string]any{"first": base + "?page=1", "prev": base + "?page=1", "next": base + "?page=3"}, float64(3), float64(4), []int{3, 4}},
				{"3", map[string]any{"first": base + "?page=1", "prev": base + "?page=2"}, float64(5), float64(5), []int{5}},
				{"9", map[string]any{"first": base + "?page=1", "prev": base + "?page=8"}, nil, nil, []int{}},
				{"abc", map[string]any{"first": base + "?page=1", "next": base + "?page=2"}, float64(1), float64(2), []int{1, 2}},
				{"-3", map[string]any{"first": base + "?page=1", "next": base + "?page=2"}, float64(1), float64(2), []int{1, 2}},
			}
			for _, tt := range tests {
				r := admin(t, s).do("GET", "/components?per_page=2&filter[name]=web&sort=id&page="+tt.page, nil).want(t, 200)
				if diff := cmp.Diff(tt.links, r.body["links"]); diff != "" {
					t.Errorf("page %s links (-want +got):\n%s", tt.page, diff)
				}
				if diff := cmp.Diff(tt.ids, ids(r.body)); diff != "" {
					t.Errorf("page %s ids (-want +got):\n%s", tt.page, diff)
				}
				meta := r.body["meta"].(map[string]any)
				if meta["from"] != tt.from || meta["to"] != tt.to {
					t.Errorf("page %s from/to = %v/%v, want %v/%v", tt.page, meta["from"], meta["to"], tt.from, tt.to)
				}
				for _, k := range []string{"total", "last_page"} {
					if has(meta, k) {
						t.Errorf("page %s meta has %q", tt.page, k)
					}
				}
				if meta["path"] != base {
					t.Errorf("meta.path = %v, want %v", meta["path"], base)
				}
				if got := has(meta, "current_page_url"); got != (d == Head) {
					t.Errorf("meta has current_page_url = %v, want %v", got, d == Head)
				}
			}
		})
	}
}

// TestPaginationWalk rebuilds each request (filters kept, page+1) as a
// client must, and checks every row is seen exactly once.
func TestPaginationWalk(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	var want []int
	for i := range 37 {
		name := "skip"
		if i%3 != 0 {
			name = "keep"
		}
		id := s.AddComponent(Component{Name: name, Enabled: true})
		if name == "keep" {
			want = append(want, id)
		}
	}
	var got []int
	for page := 1; ; page++ {
		if page > 20 {
			t.Fatal("pagination never ended")
		}
		r := admin(t, s).do("GET", "/components?filter[name]=keep&sort=id&per_page=4&page="+itoa(page), nil).want(t, 200)
		got = append(got, ids(r.body)...)
		if !has(r.body["links"], "next") {
			break
		}
		if next := get(r.body, "links", "next").(string); strings.Contains(next, "filter") || strings.Contains(next, "per_page") {
			t.Errorf("links.next = %q carries query parameters", next)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("walked ids (-want +got):\n%s", diff)
	}
}

// Spec 5.5: string ids, int attribute ids, camelCase types.
func TestIdentifiers(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := admin(t, s)
	g := a.do("POST", "/component-groups", map[string]any{"name": "G", "visible": true}).want(t, 201)
	if got := get(g.body, "data", "type"); got != "componentGroups" {
		t.Errorf("group type = %v", got)
	}
	cid := a.createComponent(map[string]any{"name": "C", "component_group_id": 1})
	r := a.do("GET", "/components/"+itoa(cid)+"?include=group", nil).want(t, 200)
	data := r.body["data"]
	if get(data, "id") != "1" || get(data, "attributes", "id") != float64(1) || get(data, "type") != "components" {
		t.Errorf("component identity = %v / %v / %v", get(data, "id"), get(data, "attributes", "id"), get(data, "type"))
	}
	wantRel := map[string]any{"data": map[string]any{"type": "componentGroups", "id": "1"}}
	if diff := cmp.Diff(wantRel, get(data, "relationships", "group")); diff != "" {
		t.Errorf("relationships.group (-want +got):\n%s", diff)
	}
	if got := get(r.body, "included", 0, "id"); got != "1" {
		t.Errorf("included id = %#v, want \"1\"", got)
	}
	iid := a.createIncident(map[string]any{"name": "I", "message": "m", "status": 1})
	u := a.do("POST", "/incidents/"+itoa(iid)+"/updates", map[string]any{"status": 2, "message": "u"}).want(t, 201)
	if get(u.body, "data", "type") != "updates" || get(u.body, "data", "attributes", "updateable_id") != float64(iid) ||
		get(u.body, "data", "attributes", "updateable_type") != "incident" {
		t.Errorf("update resource = %s", u.raw)
	}
}

// Spec 5.6: {human,value} status objects; latest_status at HEAD.
func TestStatusObjects(t *testing.T) {
	t.Parallel()
	for _, d := range []Dialect{Head, Base} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: d})
			a := admin(t, s)
			cid := a.createComponent(map[string]any{"name": "C", "status": 1})
			a.createIncident(map[string]any{"name": "I", "message": "m", "status": 1, "visible": true,
				"components": []any{map[string]any{"id": cid, "status": 4}}})
			r := a.do("GET", "/components/"+itoa(cid), nil).want(t, 200)
			attrs := get(r.body, "data", "attributes")
			if diff := cmp.Diff(map[string]any{"human": "Operational", "value": float64(1)}, get(attrs, "status")); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if d == Head {
				if diff := cmp.Diff(map[string]any{"human": "Major Outage", "value": float64(4)}, get(attrs, "latest_status")); diff != "" {
					t.Errorf("latest_status (-want +got):\n%s", diff)
				}
			} else if has(attrs, "latest_status") {
				t.Error("BASE component has latest_status")
			}
			r = a.do("GET", "/incidents/1", nil).want(t, 200)
			if diff := cmp.Diff(map[string]any{"human": "Investigating", "value": float64(1)}, get(r.body, "data", "attributes", "status")); diff != "" {
				t.Errorf("incident status (-want +got):\n%s", diff)
			}
			created := get(r.body, "data", "attributes", "created")
			if get(created, "string") != "2026-08-22 10:00:00" || get(created, "human") != "1 second ago" {
				t.Errorf("created = %v", created)
			}
		})
	}
}

// Spec 5.7: incident create leaves component status alone; legacy pair and
// visible default.
func TestIncidentCreateDoesNotWriteComponents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		dialect     Dialect
		body        map[string]any
		wantLatest  int
		wantImpacts []Impact
	}{
		{"head_components_impact_raises_latest_only", Head,
			map[string]any{"visible": true, "components": []any{map[string]any{"id": 1, "status": 4}}}, 4, []Impact{{1, 4}}},
		{"head_legacy_pair_becomes_impact", Head,
			map[string]any{"visible": true, "component_id": 1, "component_status": 3}, 3, []Impact{{1, 3}}},
		{"head_legacy_pair_wins_over_components_entry", Head,
			map[string]any{"visible": true, "component_id": 1, "component_status": 2,
				"components": []any{map[string]any{"id": 1, "status": 4}}}, 2, []Impact{{1, 2}}},
		{"head_default_invisible_incident_has_no_effect", Head,
			map[string]any{"components": []any{map[string]any{"id": 1, "status": 4}}}, 1, []Impact{{1, 4}}},
		{"base_legacy_status_is_discarded", Base,
			map[string]any{"visible": true, "component_id": 1, "component_status": 4}, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect})
			a := admin(t, s)
			a.createComponent(map[string]any{"name": "C", "status": 1})
			body := map[string]any{"name": "I", "message": "m", "status": 1}
			for k, v := range tt.body {
				body[k] = v
			}
			r := a.do("POST", "/incidents", body).want(t, 201)
			if _, ok := tt.body["visible"]; !ok && get(r.body, "data", "attributes", "visible") != float64(0) {
				t.Errorf("visible = %v, want 0", get(r.body, "data", "attributes", "visible"))
			}
			if got := s.Components()[0].Status; got != 1 {
				t.Errorf("component status = %d, want 1 (unchanged)", got)
			}
			if got := s.LatestStatus(1); got != tt.wantLatest {
				t.Errorf("LatestStatus = %d, want %d", got, tt.wantLatest)
			}
			if diff := cmp.Diff(tt.wantImpacts, s.Incidents()[0].Impacts); diff != "" {
				t.Errorf("impacts (-want +got):\n%s", diff)
			}
			if tt.dialect == Base && get(r.body, "data", "attributes", "component_id") != float64(1) {
				t.Errorf("BASE component_id = %v, want 1", get(r.body, "data", "attributes", "component_id"))
			}
		})
	}
}

// Spec 5.8: incident status vs updates.
func TestIncidentStatusFollowsUpdates(t *testing.T) {
	t.Parallel()
	t.Run("head_updates_resync_the_column", func(t *testing.T) {
		t.Parallel()
		s := start(t, Options{})
		a := admin(t, s)
		a.createComponent(map[string]any{"name": "C", "status": 1})
		id := a.createIncident(map[string]any{"name": "I", "message": "m", "status": 1, "visible": true,
			"components": []any{map[string]any{"id": 1, "status": 4}}})
		path := "/incidents/" + itoa(id)
		statusOf := func() int {
			t.Helper()
			return num(get(a.do("GET", path, nil).want(t, 200).body, "data", "attributes", "status", "value"))
		}
		open := func() []int {
			t.Helper()
			return ids(a.do("GET", "/incidents?filter[status]=0,1,2,3", nil).want(t, 200).body)
		}
		a.do("POST", path+"/updates", map[string]any{"status": 4, "message": "fixed"}).want(t, 201)
		if got := statusOf(); got != 4 {
			t.Errorf("after fixed update status = %d, want 4", got)
		}
		if got := open(); len(got) != 0 {
			t.Errorf("open incidents = %v, want none", got)
		}
		if got := s.LatestStatus(1); got != 1 {
			t.Errorf("LatestStatus after resolve = %d, want 1", got)
		}
		a.do("PATCH", path+"/updates/1", map[string]any{"status": 2}).want(t, 200)
		if got := statusOf(); got != 2 {
			t.Errorf("after editing update status = %d, want 2", got)
		}
		a.do("DELETE", path+"/updates/1", nil).want(t, 204)
		if got := statusOf(); got != 1 {
			t.Errorf("after deleting the only update status = %d, want 1 (as created)", got)
		}
		a.do("PUT", path, map[string]any{"status": 3}).want(t, 200)
		if got := statusOf(); got != 3 {
			t.Errorf("after PUT status = %d, want 3", got)
		}
	})
	t.Run("base_display_follows_update_but_filter_uses_column", func(t *testing.T) {
		t.Parallel()
		s := start(t, Options{Dialect: Base})
		a := admin(t, s)
		id := a.createIncident(map[string]any{"name": "I", "message": "m", "status": 1, "visible": true})
		path := "/incidents/" + itoa(id)
		a.do("POST", path+"/updates", map[string]any{"status": 4, "message": "fixed"}).want(t, 201)
		if got := num(get(a.do("GET", path, nil).body, "data", "attributes", "status", "value")); got != 4 {
			t.Errorf("attributes.status = %d, want 4", got)
		}
		if got := ids(a.do("GET", "/incidents?filter[status]=0,1,2,3", nil).body); !slices.Equal(got, []int{id}) {
			t.Errorf("open incidents = %v, want [%d] (column still 1)", got, id)
		}
		if got := s.Incidents()[0].Status; got != 1 {
			t.Errorf("column = %d, want 1", got)
		}
		a.do("PUT", path, map[string]any{"status": 4}).want(t, 200)
		if got := ids(a.do("GET", "/incidents?filter[status]=0,1,2,3", nil).body); len(got) != 0 {
			t.Errorf("open incidents after PUT = %v, want none", got)
		}
	})
}

// Spec 5.9: validation bodies.
func TestValidationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dialect Dialect
		method  string
		path    string
		body    any
		status  int
		keys    []string
		message string
	}{
		{"missing_name", Head, "POST", "/components", map[string]any{}, 422, []string{"name"}, "The name field is required."},
		{"true_string_is_not_boolean", Head, "POST", "/components", map[string]any{"name": "x", "enabled": "true"}, 422, []string{"enabled"}, ""},
		{"false_string_is_not_boolean", Base, "POST", "/components", map[string]any{"name": "x", "enabled": "false"}, 422, []string{"enabled"}, ""},
		{"null_name_rejected", Head, "POST", "/components", map[string]any{"name": nil}, 422, []string{"name"}, ""},
		{"null_status_rejected", Head, "PATCH", "/components/1", map[string]any{"status": nil}, 422, []string{"status"}, ""},
		{"empty_string_is_null", Head, "PATCH", "/components/1", map[string]any{"description": ""}, 422, []string{"description"}, ""},
		{"two_errors_summary", Head, "POST", "/components", map[string]any{"name": "x", "status": 9, "order": -1}, 422,
			[]string{"status", "order"}, "The selected status is invalid. (and 1 more error)"},
		{"three_errors_summary", Head, "POST", "/components", map[string]any{"status": 0, "order": "x"}, 422,
			[]string{"name", "status", "order"}, "The name field is required. (and 2 more errors)"},
		{"long_name", Head, "POST", "/components", map[string]any{"name": strings.Repeat("n", 256)}, 422, []string{"name"}, ""},
		{"dotted_keys_for_items", Head, "POST", "/incidents", map[string]any{"name": "x", "message": "m", "status": 1,
			"components": []any{map[string]any{"id": 999, "status": 4}, map[string]any{"status": 7}}}, 422,
			[]string{"components.0.id", "components.1.id", "components.1.status"}, ""},
		{"head_distinct_component_ids", Head, "POST", "/incidents", map[string]any{"name": "x", "message": "m", "status": 1,
			"components": []any{map[string]any{"id": 1, "status": 4}, map[string]any{"id": 1, "status": 2}}}, 422,
			[]string{"components.0.id", "components.1.id"}, ""},
		{"base_allows_duplicate_component_ids", Base, "POST", "/incidents", map[string]any{"name": "x", "message": "m", "status": 1,
			"components": []any{map[string]any{"id": 1, "status": 4}, map[string]any{"id": 1, "status": 2}}}, 201, nil, ""},
		{"incident_status_required", Head, "POST", "/incidents", map[string]any{"name": "x", "message": "m"}, 422, []string{"status"}, ""},
		{"incident_status_out_of_range", Head, "POST", "/incidents", map[string]any{"name": "x", "message": "m", "status": 5}, 422, []string{"status"}, ""},
		{"legacy_status_requires_component", Head, "POST", "/incidents", map[string]any{"name": "x", "message": "m", "status": 1, "component_id": 1}, 422, []string{"component_status"}, ""},
		{"update_needs_status_and_message", Head, "POST", "/incidents/1/updates", map[string]any{"visible": true}, 422, []string{"status", "message"}, ""},
		{"head_link_must_be_http_url", Head, "POST", "/components", map[string]any{"name": "x", "link": "ftp://x"}, 422, []string{"link"}, ""},
		{"base_link_is_any_string", Base, "POST", "/components", map[string]any{"name": "x", "link": "ftp://x"}, 201, nil, ""},
		{"group_collapsed_range_head", Head, "POST", "/component-groups", map[string]any{"name": "x", "collapsed": 3}, 422, []string{"collapsed"}, ""},
		{"group_components_must_exist", Head, "POST", "/component-groups", map[string]any{"name": "x", "components": []any{1, 42}}, 422, []string{"components.1"}, ""},
		{"unknown_fields_ignored", Head, "POST", "/components", map[string]any{"name": "x", "bogus": 1, "group_id": "zz"}, 201, nil, ""},
		{"numeric_strings_accepted", Head, "POST", "/components", map[string]any{"name": "x", "status": "4", "order": "2", "enabled": "0"}, 201, nil, ""},
		{"int_booleans_accepted", Head, "POST", "/components", map[string]any{"name": "x", "enabled": 1}, 201, nil, ""},
		{"invalid_json_is_empty_input", Head, "POST", "/components", "{not json", 422, []string{"name"}, ""},
		{"trailing_data_is_invalid_json", Head, "POST", "/components", `{"name":"x"} {}`, 422, []string{"name"}, ""},
		{"occurred_at_must_be_date_head", Head, "POST", "/incidents", map[string]any{"name": "x", "message": "m", "status": 1, "occurred_at": "soon"}, 422, []string{"occurred_at"}, ""},
		{"occurred_at_unparseable_is_500_base", Base, "POST", "/incidents", map[string]any{"name": "x", "message": "m", "status": 1, "occurred_at": "soon"}, 500, nil, ""},
		{"template_must_exist_head", Head, "POST", "/incidents", map[string]any{"name": "x", "template": "nope", "status": 1}, 422, []string{"template"}, ""},
		{"template_missing_is_500_base", Base, "POST", "/incidents", map[string]any{"name": "x", "template": "nope", "status": 1}, 500, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect})
			s.AddComponent(Component{Name: "existing", Enabled: true, Status: 1})
			s.AddIncident(Incident{Name: "existing", Status: 1, Visible: 1})
			r := admin(t, s).do(tt.method, tt.path, tt.body).want(t, tt.status)
			if tt.status != 422 {
				return
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			errs, _ := r.body["errors"].(map[string]any)
			var keys []string
			for k := range errs {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			want := slices.Sorted(slices.Values(tt.keys))
			if diff := cmp.Diff(want, keys); diff != "" {
				t.Errorf("error keys (-want +got):\n%s\nbody %s", diff, r.raw)
			}
			for k, v := range errs {
				if l := asList(v); len(l) == 0 {
					t.Errorf("errors[%q] = %v, want a non-empty list", k, v)
				}
			}
			msg, _ := r.body["message"].(string)
			if msg == "" || (tt.message != "" && msg != tt.message) {
				t.Errorf("message = %q, want %q", msg, tt.message)
			}
		})
	}
}

// Spec 5.9: 401/403/404/422 bodies and their order.
func TestErrorOrder(t *testing.T) {
	t.Parallel()
	bad := map[string]any{"status": 99}
	good := map[string]any{"status": 2}
	tests := []struct {
		name    string
		token   string
		path    string
		body    any
		status  int
		message string
	}{
		{"no_token_beats_everything", "", "/components/99", bad, 401, "Unauthenticated."},
		{"wrong_token_is_401", "1|nope", "/components/99", bad, 401, "Unauthenticated."},
		{"not_found_beats_validation", "weak", "/components/99", bad, 404, `No query results for model [Cachet\Models\Component] 99`},
		{"validation_beats_ability", "weak", "/components/1", bad, 422, "The selected status is invalid."},
		{"ability_checked_last", "weak", "/components/1", good, 403, "Invalid ability provided."},
		{"non_numeric_id_is_500_on_postgres", "weak", "/components/abc", good, 500, "Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Abilities: []string{"incidents.manage"}})
			s.AddComponent(Component{Name: "c", Enabled: true})
			tok := tt.token
			if tok == "weak" {
				tok = DefaultToken
			}
			r := caller{t: t, srv: s, token: tok}.do("PATCH", tt.path, tt.body).want(t, tt.status)
			if got := r.body["message"]; got != tt.message {
				t.Errorf("message = %q, want %q", got, tt.message)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
		})
	}
}

// Spec 5.10: abilities.
func TestAbilities(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		abilities []string
		method    string
		path      string
		body      any
		status    int
	}{
		{"incidents_manage_cannot_post_updates", []string{"incidents.manage"}, "POST", "/incidents/1/updates", map[string]any{"status": 4, "message": "m"}, 403},
		{"incident_updates_manage_can", []string{"incident-updates.manage"}, "POST", "/incidents/1/updates", map[string]any{"status": 4, "message": "m"}, 201},
		{"update_delete_needs_delete", []string{"incident-updates.manage"}, "DELETE", "/incidents/1/updates/1", nil, 403},
		{"update_delete_with_delete", []string{"incident-updates.delete"}, "DELETE", "/incidents/1/updates/1", nil, 204},
		{"component_manage_cannot_delete", []string{"components.manage"}, "DELETE", "/components/1", nil, 403},
		{"component_delete_can_delete", []string{"components.delete"}, "DELETE", "/components/1", nil, 204},
		{"component_delete_cannot_update", []string{"components.delete"}, "PATCH", "/components/1", map[string]any{"status": 1}, 403},
		{"group_manage_creates", []string{"component-groups.manage"}, "POST", "/component-groups", map[string]any{"name": "g"}, 201},
		{"group_delete_needs_delete", []string{"component-groups.manage"}, "DELETE", "/component-groups/1", nil, 403},
		{"incident_delete_needs_delete", []string{"incidents.manage"}, "DELETE", "/incidents/1", nil, 403},
		{"incident_delete", []string{"incidents.delete"}, "DELETE", "/incidents/1", nil, 204},
		{"star_can_everything", []string{"*"}, "DELETE", "/component-groups/1", nil, 204},
		{"no_abilities_can_still_read", []string{}, "GET", "/components/1", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Abilities: tt.abilities})
			s.AddGroup(Group{Name: "g", Visible: 1})
			s.AddComponent(Component{Name: "c", Enabled: true})
			s.AddIncident(Incident{Name: "i", Status: 1, Visible: 1, Updates: []Update{{Status: 1, Message: "m"}}})
			r := admin(t, s).do(tt.method, tt.path, tt.body).want(t, tt.status)
			if tt.status == 403 && r.body["message"] != "Invalid ability provided." {
				t.Errorf("message = %v", r.body["message"])
			}
		})
	}
}

// Spec 5.11: unknown filters, sorts and includes are 400.
func TestUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dialect Dialect
		path    string
		status  int
	}{
		{"unknown_component_filter", Head, "/components?filter[bogus]=1", 400},
		{"unknown_component_sort", Head, "/components?sort=-created_at", 400},
		{"unknown_component_include", Head, "/components?include=user", 400},
		{"include_checked_on_show", Head, "/components/1?include=bogus", 400},
		{"base_groups_allow_no_filter", Base, "/component-groups?filter[name]=x", 400},
		{"base_has_no_meta_filter", Base, "/components?filter[meta][k]=v", 400},
		{"base_has_no_meta_include", Base, "/components?include=meta", 400},
		{"base_show_has_no_meta_include", Base, "/components/1?include=group,meta", 400},
		{"base_incidents_have_no_created_at_sort", Base, "/incidents?sort=created_at", 400},
		{"head_groups_allow_meta_filter", Head, "/component-groups?filter[meta][k]=v", 200},
		{"head_groups_reject_name_filter", Head, "/component-groups?filter[name]=x", 400},
		{"head_incidents_include_components_group", Head, "/incidents?include=components.group", 200},
		{"head_incidents_sort_created_at", Head, "/incidents?sort=-created_at", 200},
		{"updates_sort_by_status", Head, "/incidents/1/updates?sort=-status", 200},
		{"updates_unknown_filter", Head, "/incidents/1/updates?filter[message]=x", 400},
		{"base_updates_index_include_incident_is_500", Base, "/incidents/1/updates?include=incident", 500},
		{"base_occurred_at_filter_is_sql_error", Base, "/incidents?filter[occurred_at]=2026", 500},
		{"show_ignores_filters", Head, "/components/1?filter[bogus]=1", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect})
			s.AddComponent(Component{Name: "c", Enabled: true})
			s.AddIncident(Incident{Name: "i", Status: 1, Visible: 1})
			r := guest(t, s).do("GET", tt.path, nil).want(t, tt.status)
			if tt.status == 400 {
				if msg, _ := r.body["message"].(string); !strings.Contains(msg, "not allowed") {
					t.Errorf("message = %q", msg)
				}
			}
		})
	}
}

// Spec 5.12: filter[name] substring, case-insensitive, comma-split.
func TestNameFilter(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	s.AddComponent(Component{Name: "Web Server", Enabled: true})
	s.AddComponent(Component{Name: "db-primary", Enabled: true})
	s.AddComponent(Component{Name: "10.0.0.1:9100 | WEB, DB", Enabled: true})
	tests := []struct {
		name  string
		value string
		want  []int
	}{
		{"substring_case_insensitive", "web", []int{1, 3}},
		{"comma_is_or", "WEB,primary", []int{1, 2, 3}},
		{"comma_in_name_cannot_match_exactly", "WEB,%20DB", []int{1, 3}},
		{"no_match", "mail", []int{}},
		{"empty_value_filters_nothing", "", []int{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := guest(t, s).do("GET", "/components?sort=id&filter[name]="+tt.value, nil).want(t, 200)
			if diff := cmp.Diff(tt.want, ids(r.body)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

// Spec 5.13: create responses echo only written attributes.
func TestCreateResponses(t *testing.T) {
	t.Parallel()
	for _, d := range []Dialect{Head, Base} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: d})
			a := admin(t, s)
			r := a.do("POST", "/components", map[string]any{"name": "C"}).want(t, 201)
			st := get(r.body, "data", "attributes", "status")
			want := map[string]any{"human": "Unknown", "value": float64(5)}
			if d == Base {
				want = map[string]any{"human": nil, "value": nil}
			}
			if diff := cmp.Diff(want, st); diff != "" {
				t.Errorf("create status (-want +got):\n%s", diff)
			}
			if got := get(r.body, "data", "attributes", "enabled"); got != true {
				t.Errorf("enabled = %v, want true", got)
			}

			r = a.do("POST", "/component-groups", map[string]any{"name": "G"}).want(t, 201)
			attrs := get(r.body, "data", "attributes")
			if get(attrs, "order") != nil || get(attrs, "visible") != nil {
				t.Errorf("create response order/visible = %v/%v, want null/null", get(attrs, "order"), get(attrs, "visible"))
			}
			r = a.do("GET", "/component-groups/1", nil).want(t, 200)
			attrs = get(r.body, "data", "attributes")
			if get(attrs, "order") != float64(0) || get(attrs, "visible") != float64(0) {
				t.Errorf("read order/visible = %v/%v, want 0/0", get(attrs, "order"), get(attrs, "visible"))
			}
			if d == Head && get(attrs, "collapsed") != float64(1) {
				t.Errorf("read collapsed = %v, want 1", get(attrs, "collapsed"))
			}
			if d == Base && has(attrs, "collapsed") {
				t.Error("BASE group has collapsed")
			}
		})
	}
}

// Spec 5.14: deletes.
func TestDeletes(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := admin(t, s)
	gid := s.AddGroup(Group{Name: "G", Visible: 1})
	cid := s.AddComponent(Component{Name: "C", Enabled: true, GroupID: gid})
	keep := s.AddComponent(Component{Name: "K", Enabled: true, GroupID: gid})
	iid := s.AddIncident(Incident{Name: "I", Status: 1, Visible: 1, Updates: []Update{{Status: 1, Message: "u"}}})

	r := a.do("DELETE", "/components/"+itoa(cid), nil).want(t, 204)
	if len(r.raw) != 0 || r.header.Get("Content-Type") != "" {
		t.Errorf("204 body %q, Content-Type %q", r.raw, r.header.Get("Content-Type"))
	}
	a.do("GET", "/components/"+itoa(cid), nil).want(t, 404)
	a.do("PATCH", "/components/"+itoa(cid), map[string]any{"status": 1}).want(t, 404)
	if got := ids(a.do("GET", "/components", nil).body); !slices.Equal(got, []int{keep}) {
		t.Errorf("list after delete = %v", got)
	}

	a.do("DELETE", "/incidents/"+itoa(iid), nil).want(t, 204)
	a.do("GET", "/incidents/"+itoa(iid), nil).want(t, 404)
	a.do("GET", "/incidents/"+itoa(iid)+"/updates", nil).want(t, 404)
	if got := len(s.Incidents()); got != 0 {
		t.Errorf("Incidents() = %d rows after delete", got)
	}

	a.do("DELETE", "/component-groups/"+itoa(gid), nil).want(t, 204)
	a.do("GET", "/component-groups/"+itoa(gid), nil).want(t, 404)
	if got := s.Components()[0].GroupID; got != 0 {
		t.Errorf("GroupID after group delete = %d, want 0", got)
	}
	r = a.do("GET", "/components/"+itoa(keep)+"?include=group", nil).want(t, 200)
	if diff := cmp.Diff(map[string]any{"data": nil}, get(r.body, "data", "relationships", "group")); diff != "" {
		t.Errorf("relationships.group (-want +got):\n%s", diff)
	}
}

// Spec 5.15: over-long description is a database error.
func TestLongDescriptionIs500(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := admin(t, s)
	long := strings.Repeat("é", 256)
	r := a.do("POST", "/components", map[string]any{"name": "C", "description": long}).want(t, 500)
	if r.body["message"] != "Server Error" {
		t.Errorf("message = %v", r.body["message"])
	}
	if len(s.Components()) != 0 {
		t.Error("failed insert stored a row")
	}
	id := a.createComponent(map[string]any{"name": "C", "description": long[:255*2]})
	a.do("PATCH", "/components/"+itoa(id), map[string]any{"description": long}).want(t, 500)
	if got := len([]rune(s.Components()[0].Description)); got != 255 {
		t.Errorf("description length = %d, want 255 (unchanged)", got)
	}
}

// Spec 5.16: BASE re-enables on update without enabled.
func TestUpdateWithoutEnabled(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		dialect Dialect
		want    bool
	}{{Head, false}, {Base, true}} {
		t.Run(tt.dialect.String(), func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect})
			id := s.AddComponent(Component{Name: "hidden", Status: 1})
			for _, m := range []string{"PUT", "PATCH"} {
				s.SetComponentStatus(id, 1)
				r := admin(t, s).do(m, "/components/"+itoa(id), map[string]any{"status": 2}).want(t, 200)
				if got := get(r.body, "data", "attributes", "enabled"); got != tt.want {
					t.Errorf("%s enabled = %v, want %v", m, got, tt.want)
				}
				if got := s.Components()[0].Status; got != 2 {
					t.Errorf("%s status = %d, want 2", m, got)
				}
				if tt.dialect == Base {
					admin(t, s).do(m, "/components/"+itoa(id), map[string]any{"enabled": false}).want(t, 200)
				}
			}
		})
	}
}

// Spec 5.17: component_group_id must exist and cannot be cleared.
func TestComponentGroupID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		value  any
		status int
	}{
		{"existing_group", 1, 200},
		{"existing_group_as_string", "1", 200},
		{"unknown_group", 42, 422},
		{"null_cannot_ungroup", nil, 422},
		{"zero_cannot_ungroup", 0, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{})
			s.AddGroup(Group{Name: "G", Visible: 1})
			id := s.AddComponent(Component{Name: "C", Enabled: true})
			r := admin(t, s).do("PATCH", "/components/"+itoa(id), map[string]any{"component_group_id": tt.value}).want(t, tt.status)
			if tt.status == 422 && !has(r.body["errors"], "component_group_id") {
				t.Errorf("errors = %v", r.body["errors"])
			}
			wantGroup := 0
			if tt.status == 200 {
				wantGroup = 1
			}
			if got := s.Components()[0].GroupID; got != wantGroup {
				t.Errorf("GroupID = %d, want %d", got, wantGroup)
			}
		})
	}
}

// Spec 5.18: content types.
func TestContentTypes(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := admin(t, s)
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   string
	}{
		{"list_is_json_api", "GET", "/components", nil, "application/vnd.api+json"},
		{"create_is_json_api", "POST", "/components", map[string]any{"name": "x"}, "application/vnd.api+json"},
		{"show_is_json_api", "GET", "/components/1", nil, "application/vnd.api+json"},
		{"error_is_json", "GET", "/components/9", nil, "application/json"},
		{"validation_is_json", "POST", "/components", map[string]any{}, "application/json"},
		{"ping_is_json", "GET", "/ping", nil, "application/json"},
		{"unknown_route_is_json", "GET", "/nope", nil, "application/json"},
	}
	for _, tt := range tests {
		r := a.do(tt.method, tt.path, tt.body)
		if got := r.header.Get("Content-Type"); got != tt.want {
			t.Errorf("%s: Content-Type = %q, want %q", tt.name, got, tt.want)
		}
	}
	if r := a.do("GET", "/ping", nil).want(t, 200); r.body["data"] != "Pong!" {
		t.Errorf("ping = %s", r.raw)
	}
	a.do("PATCH", "/ping", nil).want(t, 405)
}

// Spec 5.19: rate limit.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	clk := &clock{now: epoch}
	s := start(t, Options{RateLimit: 3, Now: clk.Now})
	a := admin(t, s)
	for i := range 3 {
		r := a.do("GET", "/components", nil).want(t, 200)
		if got, want := r.header.Get("X-RateLimit-Remaining"), itoa(2-i); got != want {
			t.Errorf("X-RateLimit-Remaining = %q, want %q", got, want)
		}
	}
	clk.Advance(15 * time.Second)
	r := a.do("POST", "/components", map[string]any{"name": "x"}).want(t, 429)
	if r.body["message"] != "Too Many Attempts." || r.header.Get("Retry-After") != "45" {
		t.Errorf("429 = %s, Retry-After %q", r.raw, r.header.Get("Retry-After"))
	}
	if len(s.Components()) != 0 {
		t.Error("rate-limited write was applied")
	}
	// Guests are keyed by IP, separately from the token.
	guest(t, s).do("GET", "/components", nil).want(t, 200)
	// An invalid token on a write is a 401 before the limiter counts.
	caller{t: t, srv: s, token: "bad"}.do("POST", "/components", map[string]any{"name": "x"}).want(t, 401)
	clk.Advance(46 * time.Second)
	a.do("POST", "/components", map[string]any{"name": "x"}).want(t, 201)
	st := s.Stats()
	if st.RateLimited != 1 || st.Writes != 2 || st.Reads != 4 {
		t.Errorf("stats = %+v, want 1 rate-limited, 2 writes, 4 reads", st)
	}
}
