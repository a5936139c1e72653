package cachettest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// try sends a request and returns the transport error instead of failing,
// for fault tests and goroutines.
func try(ctx context.Context, s *Server, method, path string, body any) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.APIURL()+path, rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := s.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}

func TestFaults(t *testing.T) {
	t.Parallel()
	onWrites := func(f Fault) func(*http.Request) *Fault {
		return func(r *http.Request) *Fault {
			if r.Method == http.MethodPost {
				return &f
			}
			return nil
		}
	}
	tests := []struct {
		name        string
		fault       Fault
		wantErr     bool
		wantStatus  int
		wantApplied bool
		wantStats   Stats
	}{
		{"status_answers_without_applying", Fault{Status: 503}, false, 503, false,
			Stats{Faulted: 1, ByRoute: map[string]int{}}},
		{"retry_after_rounds_up", Fault{Status: 429, RetryAfter: 1500 * time.Millisecond}, false, 429, false,
			Stats{Faulted: 1, ByRoute: map[string]int{}}},
		{"reset_drops_connection_unapplied", Fault{Reset: true}, true, 0, false,
			Stats{Faulted: 1, ByRoute: map[string]int{}}},
		{"lose_response_applies_then_drops", Fault{LoseResponse: true}, true, 0, true,
			Stats{Writes: 1, Lost: 1, ByRoute: map[string]int{"POST /components": 1}}},
		{"short_delay_then_normal", Fault{Delay: 5 * time.Millisecond}, false, 201, true,
			Stats{Writes: 1, ByRoute: map[string]int{"POST /components": 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{})
			s.Inject(onWrites(tt.fault))
			began := time.Now()
			resp, raw, err := try(t.Context(), s, "POST", "/components", map[string]any{"name": "x"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.wantStatus, raw)
			}
			if tt.fault.Delay > 0 && time.Since(began) < tt.fault.Delay {
				t.Errorf("answered after %v, before the %v delay", time.Since(began), tt.fault.Delay)
			}
			if tt.fault.Status != 0 {
				var body map[string]any
				if err := json.Unmarshal(raw, &body); err != nil || body["message"] == "" {
					t.Errorf("fault body %q: %v", raw, err)
				}
			}
			if tt.fault.RetryAfter > 0 && resp.Header.Get("Retry-After") != "2" {
				t.Errorf("Retry-After = %q, want 2", resp.Header.Get("Retry-After"))
			}
			if got := len(s.Components()) == 1; got != tt.wantApplied {
				t.Errorf("applied = %v, want %v", got, tt.wantApplied)
			}
			if diff := cmp.Diff(tt.wantStats, s.Stats()); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
			// Reads are not matched by the fault function.
			admin(t, s).do("GET", "/components?filter[enabled]=0,1", nil).want(t, 200)
		})
	}
}

func TestDelayEndsWithRequestContext(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	s.Inject(func(*http.Request) *Fault { return &Fault{Delay: time.Hour} })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := try(ctx, s, "POST", "/components", map[string]any{"name": "x"}); err == nil {
		t.Fatal("request succeeded through a one-hour delay")
	}
	s.Inject(nil)
	// Close (via Cleanup) would block for an hour if the handler kept waiting.
	if got := len(s.Components()); got != 0 {
		t.Errorf("components = %d, want 0", got)
	}
}

func TestSetDown(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	s.Inject(func(*http.Request) *Fault { return &Fault{Status: 500} })
	s.SetDown(true)
	if _, _, err := try(t.Context(), s, "GET", "/ping", nil); err == nil {
		t.Fatal("GET succeeded while down")
	}
	if st := s.Stats(); st.Faulted == 0 || st.Reads != 0 {
		t.Errorf("stats while down = %+v", st)
	}
	s.SetDown(false)
	s.Inject(nil)
	admin(t, s).do("GET", "/ping", nil).want(t, 200)
	s.ResetStats()
	if diff := cmp.Diff(Stats{ByRoute: map[string]int{}}, s.Stats()); diff != "" {
		t.Errorf("after ResetStats (-want +got):\n%s", diff)
	}
}

func TestFaultFunctionSeesRequest(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	id := s.AddComponent(Component{Name: "c", Enabled: true, Status: 1})
	s.Inject(func(r *http.Request) *Fault {
		if r.Method == http.MethodPatch && r.URL.Path == "/api/components/"+itoa(id) {
			return &Fault{Status: 500}
		}
		return nil
	})
	a := admin(t, s)
	a.do("PATCH", "/components/"+itoa(id), map[string]any{"status": 4}).want(t, 500)
	a.do("POST", "/components", map[string]any{"name": "other"}).want(t, 201)
	if got := s.Components()[0].Status; got != 1 {
		t.Errorf("status = %d, want 1 (fault not applied)", got)
	}
}

func TestBaseWithoutJSONAccept(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Dialect: Base})
	c := caller{t: t, srv: s, token: DefaultToken, noAccept: true}
	r := c.do("POST", "/components", map[string]any{}).want(t, http.StatusFound)
	if got := r.header.Get("Location"); got != s.URL+"/" {
		t.Errorf("422 redirect Location = %q", got)
	}
	r = caller{t: t, srv: s, noAccept: true}.do("POST", "/components", map[string]any{"name": "x"}).want(t, http.StatusFound)
	if got := r.header.Get("Location"); got != s.URL+"/login" {
		t.Errorf("401 redirect Location = %q", got)
	}
	r = c.do("GET", "/components/9", nil).want(t, 404)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("404 Content-Type = %q", r.header.Get("Content-Type"))
	}

	// A client that follows redirects sees the failed write as a 200 page.
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.APIURL()+"/components", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("followed redirect status = %d, want 200", resp.StatusCode)
	}

	// HEAD forces JSON whatever the Accept header says.
	h := start(t, Options{})
	caller{t: t, srv: h, token: DefaultToken, noAccept: true}.do("POST", "/components", map[string]any{}).want(t, 422)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header string
		status int
	}{
		{"full_token", "Bearer " + DefaultToken, 201},
		{"bare_secret_like_sanctum", "Bearer statusbridge-test-token", 201},
		{"lowercase_scheme", "bearer " + DefaultToken, 201},
		{"wrong_id", "Bearer 2|statusbridge-test-token", 401},
		{"basic_auth", "Basic eDp5", 401},
		{"missing", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{})
			req, err := http.NewRequestWithContext(t.Context(), "POST", s.APIURL()+"/components", strings.NewReader(`{"name":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

func TestCustomToken(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Token: "7|other"})
	caller{t: t, srv: s, token: DefaultToken}.do("POST", "/components", map[string]any{"name": "x"}).want(t, 401)
	caller{t: t, srv: s, token: "7|other"}.do("POST", "/components", map[string]any{"name": "x"}).want(t, 201)
}

func TestLatestStatus(t *testing.T) {
	t.Parallel()
	future := epoch.Add(time.Hour)
	tests := []struct {
		name     string
		dialect  Dialect
		baseline int
		incs     []Incident
		want     int
	}{
		{"no_incident_is_baseline", Head, 2, nil, 2},
		{"lower_impact_never_lowers", Head, 4, []Incident{{Status: 1, Visible: 1, Impacts: []Impact{{1, 2}}}}, 4},
		{"maintenance_beats_operational", Head, 1, []Incident{{Status: 1, Visible: 1, Impacts: []Impact{{1, 6}}}}, 6},
		{"performance_beats_maintenance", Head, 2, []Incident{{Status: 1, Visible: 1, Impacts: []Impact{{1, 6}}}}, 2},
		{"unknown_beats_operational", Head, 5, []Incident{{Status: 1, Visible: 1, Impacts: []Impact{{1, 1}}}}, 5},
		{"most_severe_of_several", Head, 1, []Incident{
			{Status: 0, Visible: 1, Impacts: []Impact{{1, 2}}},
			{Status: 3, Visible: 1, Impacts: []Impact{{1, 3}}},
		}, 3},
		{"resolved_ignored", Head, 1, []Incident{{Status: 4, Visible: 1, Impacts: []Impact{{1, 4}}}}, 1},
		{"users_only_ignored", Head, 1, []Incident{{Status: 1, Visible: 0, Impacts: []Impact{{1, 4}}}}, 1},
		{"hidden_ignored", Head, 1, []Incident{{Status: 1, Visible: 2, Impacts: []Impact{{1, 4}}}}, 1},
		{"unpublished_ignored", Head, 1, []Incident{{Status: 1, Visible: 1, PublishedAt: future, Impacts: []Impact{{1, 4}}}}, 1},
		{"other_component_ignored", Head, 1, []Incident{{Status: 1, Visible: 1, Impacts: []Impact{{2, 4}}}}, 1},
		{"base_is_baseline", Base, 1, []Incident{{Status: 1, Visible: 1, Impacts: []Impact{{1, 4}}}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect})
			s.AddComponent(Component{Name: "a", Enabled: true, Status: tt.baseline})
			s.AddComponent(Component{Name: "b", Enabled: true, Status: 1})
			for _, i := range tt.incs {
				s.AddIncident(i)
			}
			if got := s.LatestStatus(1); got != tt.want {
				t.Errorf("LatestStatus = %d, want %d", got, tt.want)
			}
			r := admin(t, s).do("GET", "/components/1", nil).want(t, 200)
			attrs := get(r.body, "data", "attributes")
			if tt.dialect == Head && num(get(attrs, "latest_status", "value")) != tt.want {
				t.Errorf("latest_status = %v, want %d", get(attrs, "latest_status"), tt.want)
			}
			if num(get(attrs, "status", "value")) != tt.baseline {
				t.Errorf("status = %v, want baseline %d", get(attrs, "status"), tt.baseline)
			}
		})
	}
}

func TestBaselinePutDoesNotClearImpact(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := admin(t, s)
	cid := a.createComponent(map[string]any{"name": "C", "status": 4})
	iid := a.createIncident(map[string]any{"name": "I", "message": "m", "status": 1, "visible": true,
		"components": []any{map[string]any{"id": cid, "status": 4}}})
	a.do("PUT", "/components/"+itoa(cid), map[string]any{"status": 1}).want(t, 200)
	if got := s.LatestStatus(cid); got != 4 {
		t.Errorf("LatestStatus after baseline PUT = %d, want 4", got)
	}
	a.do("DELETE", "/incidents/"+itoa(iid), nil).want(t, 204)
	if got := s.LatestStatus(cid); got != 1 {
		t.Errorf("LatestStatus after deleting the incident = %d, want 1", got)
	}
}

func TestIncidentVisibility(t *testing.T) {
	t.Parallel()
	seed := func(s *Server) {
		s.AddIncident(Incident{Name: "public", Status: 1, Visible: 1})                                       // 1
		s.AddIncident(Incident{Name: "users", Status: 1, Visible: 0})                                        // 2
		s.AddIncident(Incident{Name: "hidden", Status: 1, Visible: 2})                                       // 3
		s.AddIncident(Incident{Name: "scheduled", Status: 1, Visible: 1, PublishedAt: epoch.Add(time.Hour)}) // 4
	}
	tests := []struct {
		name      string
		dialect   Dialect
		token     bool
		abilities []string
		want      []int // newest first
	}{
		{"head_guest", Head, false, nil, []int{1}},
		{"head_manager_sees_unpublished", Head, true, []string{"*"}, []int{4, 2, 1}},
		{"head_reader_token_skips_unpublished", Head, true, []string{"components.manage"}, []int{2, 1}},
		{"base_lists_everything", Base, false, nil, []int{4, 3, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect, Abilities: tt.abilities})
			seed(s)
			c := guest(t, s)
			if tt.token {
				c = admin(t, s)
			}
			r := c.do("GET", "/incidents", nil).want(t, 200)
			if diff := cmp.Diff(tt.want, ids(r.body)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			for id := 1; id <= 4; id++ {
				want := 404
				if slices.Contains(tt.want, id) {
					want = 200
				}
				c.do("GET", "/incidents/"+itoa(id), nil).want(t, want)
				c.do("GET", "/incidents/"+itoa(id)+"/updates", nil).want(t, want)
			}
		})
	}
}

func TestIncidentOrderAndSorts(t *testing.T) {
	t.Parallel()
	clk := &clock{now: epoch}
	s := start(t, Options{Now: clk.Now})
	a := admin(t, s)
	for _, n := range []string{"b", "c", "a"} {
		a.createIncident(map[string]any{"name": n, "message": "m", "status": 1, "visible": true})
		clk.Advance(time.Minute)
	}
	a.createIncident(map[string]any{"name": "d", "message": "m", "status": 1, "visible": true}) // same second as nothing else
	tests := map[string][]int{
		"":               {4, 3, 2, 1},
		"?sort=name":     {3, 1, 2, 4},
		"?sort=-id":      {4, 3, 2, 1},
		"?sort=id":       {1, 2, 3, 4},
		"?sort=-name,id": {4, 2, 1, 3},
	}
	for q, want := range tests {
		if diff := cmp.Diff(want, ids(a.do("GET", "/incidents"+q, nil).want(t, 200).body)); diff != "" {
			t.Errorf("GET /incidents%s (-want +got):\n%s", q, diff)
		}
	}
	r := a.do("GET", "/incidents/1", nil).want(t, 200)
	if got := get(r.body, "data", "attributes", "created", "human"); got != "3 minutes ago" {
		t.Errorf("created.human = %v, want 3 minutes ago", got)
	}
}

func TestIncludes(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	gid := s.AddGroup(Group{Name: "G", Visible: 1})
	on := s.AddComponent(Component{Name: "on", Enabled: true, GroupID: gid, Status: 1})
	off := s.AddComponent(Component{Name: "off", Enabled: false, GroupID: gid, Status: 1})
	pub := s.AddIncident(Incident{Name: "pub", Status: 1, Visible: 1, Impacts: []Impact{{on, 4}, {off, 2}},
		Updates: []Update{{Status: 1, Message: "a"}, {Status: 2, Message: "b"}}})
	users := s.AddIncident(Incident{Name: "users", Status: 1, Visible: 0, Impacts: []Impact{{on, 3}}})

	relIDs := func(r reply, rel string) []string {
		var out []string
		for _, d := range asList(get(r.body, "data", "relationships", rel, "data")) {
			out = append(out, get(d, "id").(string))
		}
		return out
	}
	t.Run("no_include_no_relationships", func(t *testing.T) {
		t.Parallel()
		r := admin(t, s).do("GET", "/components/"+itoa(on), nil).want(t, 200)
		if has(r.body["data"], "relationships") || has(r.body, "included") {
			t.Errorf("unexpected relationships/included: %s", r.raw)
		}
	})
	t.Run("component_incidents_scoped_to_caller", func(t *testing.T) {
		t.Parallel()
		r := guest(t, s).do("GET", "/components/"+itoa(on)+"?include=incidents", nil).want(t, 200)
		if diff := cmp.Diff([]string{itoa(pub)}, relIDs(r, "incidents")); diff != "" {
			t.Errorf("guest incidents (-want +got):\n%s", diff)
		}
		r = admin(t, s).do("GET", "/components/"+itoa(on)+"?include=incidents", nil).want(t, 200)
		if diff := cmp.Diff([]string{itoa(pub), itoa(users)}, relIDs(r, "incidents")); diff != "" {
			t.Errorf("authed incidents (-want +got):\n%s", diff)
		}
		if got := get(r.body, "included", 0, "type"); got != "incidents" {
			t.Errorf("included type = %v", got)
		}
	})
	t.Run("group_components_drop_disabled_for_guests", func(t *testing.T) {
		t.Parallel()
		r := guest(t, s).do("GET", "/component-groups/"+itoa(gid)+"?include=components", nil).want(t, 200)
		if diff := cmp.Diff([]string{itoa(on)}, relIDs(r, "components")); diff != "" {
			t.Errorf("guest (-want +got):\n%s", diff)
		}
		r = admin(t, s).do("GET", "/component-groups/"+itoa(gid)+"?include=components", nil).want(t, 200)
		if diff := cmp.Diff([]string{itoa(on), itoa(off)}, relIDs(r, "components")); diff != "" {
			t.Errorf("authed (-want +got):\n%s", diff)
		}
	})
	t.Run("incident_components_carry_pivot_and_group", func(t *testing.T) {
		t.Parallel()
		r := admin(t, s).do("GET", "/incidents/"+itoa(pub)+"?include=components.group", nil).want(t, 200)
		if diff := cmp.Diff([]string{itoa(on), itoa(off)}, relIDs(r, "components")); diff != "" {
			t.Errorf("components (-want +got):\n%s", diff)
		}
		var pivots []int
		var types []string
		for _, inc := range asList(r.body["included"]) {
			types = append(types, get(inc, "type").(string))
			if get(inc, "type") == "components" {
				pivots = append(pivots, num(get(inc, "attributes", "pivot", "component_status", "value")))
				if get(inc, "relationships", "group", "data", "id") != itoa(gid) {
					t.Errorf("included component group = %v", get(inc, "relationships", "group"))
				}
			}
		}
		if diff := cmp.Diff([]int{4, 2}, pivots); diff != "" {
			t.Errorf("pivots (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"components", "componentGroups", "components"}, types); diff != "" {
			t.Errorf("included types, group de-duplicated (-want +got):\n%s", diff)
		}
	})
	t.Run("incident_updates", func(t *testing.T) {
		t.Parallel()
		r := admin(t, s).do("GET", "/incidents/"+itoa(pub)+"?include=updates,user", nil).want(t, 200)
		if diff := cmp.Diff([]string{"1", "2"}, relIDs(r, "updates")); diff != "" {
			t.Errorf("updates (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]any{"data": nil}, get(r.body, "data", "relationships", "user")); diff != "" {
			t.Errorf("user (-want +got):\n%s", diff)
		}
		if got := get(r.body, "included", 1, "attributes", "message"); got != "b" {
			t.Errorf("included update message = %v", got)
		}
	})
	t.Run("list_includes_deduplicated", func(t *testing.T) {
		t.Parallel()
		r := admin(t, s).do("GET", "/components?filter[enabled]=0,1&include=group", nil).want(t, 200)
		if got := len(asList(r.body["included"])); got != 1 {
			t.Errorf("included = %d resources, want the one group", got)
		}
	})
	t.Run("update_include_incident_at_head", func(t *testing.T) {
		t.Parallel()
		r := admin(t, s).do("GET", "/incidents/"+itoa(pub)+"/updates?include=incident", nil).want(t, 200)
		if got := get(r.body, "data", 0, "relationships", "incident", "data", "id"); got != itoa(pub) {
			t.Errorf("relationships.incident = %v", got)
		}
	})
}

func TestMeta(t *testing.T) {
	t.Parallel()
	t.Run("head_meta_only_with_include", func(t *testing.T) {
		t.Parallel()
		s := start(t, Options{})
		a := admin(t, s)
		id := a.createComponent(map[string]any{"name": "C", "meta": map[string]any{"k": "v", "n": 3}})
		r := a.do("GET", "/components/"+itoa(id), nil).want(t, 200)
		if has(get(r.body, "data", "attributes"), "meta") {
			t.Error("meta present without include=meta")
		}
		r = a.do("GET", "/components/"+itoa(id)+"?include=meta", nil).want(t, 200)
		if diff := cmp.Diff(map[string]any{"k": "v", "n": float64(3)}, get(r.body, "data", "attributes", "meta")); diff != "" {
			t.Errorf("meta (-want +got):\n%s", diff)
		}
		a.do("PATCH", "/components/"+itoa(id), map[string]any{"meta": map[string]any{"n": 4}}).want(t, 200)
		a.do("PATCH", "/components/"+itoa(id), map[string]any{"meta": nil}).want(t, 200)
		if diff := cmp.Diff(map[string]any{"n": json.Number("4")}, s.Components()[0].Meta); diff != "" {
			t.Errorf("meta after replace and null (-want +got):\n%s", diff)
		}
		gid := a.do("POST", "/component-groups", map[string]any{"name": "G", "visible": true}).want(t, 201)
		_ = gid
		r = a.do("GET", "/component-groups/1?include=meta", nil).want(t, 200)
		if diff := cmp.Diff([]any{}, get(r.body, "data", "attributes", "meta")); diff != "" {
			t.Errorf("empty meta (-want +got):\n%s", diff)
		}
	})
	t.Run("base_meta_always_present_and_read_only", func(t *testing.T) {
		t.Parallel()
		s := start(t, Options{Dialect: Base})
		a := admin(t, s)
		id := a.createComponent(map[string]any{"name": "C", "meta": map[string]any{"k": "v"}})
		r := a.do("GET", "/components/"+itoa(id), nil).want(t, 200)
		if attrs := get(r.body, "data", "attributes"); !has(attrs, "meta") || get(attrs, "meta") != nil {
			t.Errorf("BASE meta = %v, want present and null", get(attrs, "meta"))
		}
		seeded := s.AddComponent(Component{Name: "S", Meta: map[string]any{"legacy": true}})
		r = a.do("GET", "/components/"+itoa(seeded), nil).want(t, 200)
		if diff := cmp.Diff(map[string]any{"legacy": true}, get(r.body, "data", "attributes", "meta")); diff != "" {
			t.Errorf("seeded meta (-want +got):\n%s", diff)
		}
	})
	t.Run("head_component_meta_written_replaced_cleared_and_filtered", func(t *testing.T) {
		t.Parallel()
		s := start(t, Options{})
		a := admin(t, s)
		one := a.createComponent(map[string]any{"name": "one", "enabled": false, "meta": map[string]any{"sb": "1", "k": "a"}})
		two := a.createComponent(map[string]any{"name": "two", "enabled": true, "meta": map[string]any{"sb": "1"}})
		a.createComponent(map[string]any{"name": "three", "enabled": true})
		filtered := func(q string) []int {
			t.Helper()
			return ids(a.do("GET", "/components?sort=id&filter[enabled]=0,1&"+q, nil).want(t, 200).body)
		}
		if diff := cmp.Diff([]int{one, two}, filtered("filter[meta][sb]=1")); diff != "" {
			t.Errorf("filter[meta][sb]=1 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int{one}, filtered("filter[meta][sb]=1&filter[meta][k]=a")); diff != "" {
			t.Errorf("two meta keys are ANDed (-want +got):\n%s", diff)
		}
		a.do("PATCH", "/components/"+itoa(one), map[string]any{"meta": map[string]any{}}).want(t, 200)
		r := a.do("GET", "/components/"+itoa(one)+"?include=meta", nil).want(t, 200)
		if diff := cmp.Diff([]any{}, get(r.body, "data", "attributes", "meta")); diff != "" {
			t.Errorf("meta after {} (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int{two}, filtered("filter[meta][sb]=1")); diff != "" {
			t.Errorf("filter[meta][sb]=1 after clearing one (-want +got):\n%s", diff)
		}
	})
	t.Run("head_meta_filter", func(t *testing.T) {
		t.Parallel()
		s := start(t, Options{})
		s.AddIncident(Incident{Name: "int", Status: 1, Visible: 1, Meta: map[string]any{"key": 3, "src": "sb"}})     // 1
		s.AddIncident(Incident{Name: "string", Status: 1, Visible: 1, Meta: map[string]any{"key": "3", "src": "x"}}) // 2
		s.AddIncident(Incident{Name: "bool", Status: 1, Visible: 1, Meta: map[string]any{"key": true, "src": "sb"}}) // 3
		s.AddIncident(Incident{Name: "none", Status: 1, Visible: 1})                                                 // 4
		tests := []struct {
			query string
			want  []int
		}{
			{"filter[meta][key]=3", []int{2, 1}},
			{"filter%5Bmeta%5D%5Bkey%5D=3", []int{2, 1}},
			{"filter[meta][key]=3&filter[meta][src]=sb", []int{1}},
			{"filter[meta][key]=true", []int{3}},
			{"filter[meta][key]=3,4", []int{4, 3, 2, 1}},
			{"filter[meta][key]=nope", []int{}},
			{"filter[meta][missing]=3", []int{}},
		}
		for _, tt := range tests {
			r := guest(t, s).do("GET", "/incidents?"+tt.query, nil).want(t, 200)
			if diff := cmp.Diff(tt.want, ids(r.body)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.query, diff)
			}
		}
	})
}

func TestUpdatesAreScopedToTheirIncident(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	s.AddIncident(Incident{Name: "a", Status: 1, Visible: 1, Updates: []Update{{Status: 1, Message: "u"}}})
	s.AddIncident(Incident{Name: "b", Status: 1, Visible: 1})
	a := admin(t, s)
	r := a.do("GET", "/incidents/2/updates/1", nil).want(t, 404)
	if got := r.body["message"]; got != `No query results for model [Cachet\Models\Update] 1` {
		t.Errorf("message = %v", got)
	}
	a.do("PATCH", "/incidents/2/updates/1", map[string]any{"status": 4}).want(t, 404)
	a.do("GET", "/incidents/1/updates/1", nil).want(t, 200)
	a.do("GET", "/incidents/9/updates", nil).want(t, 404)
	if got := ids(a.do("GET", "/incidents/1/updates?filter[status]=1", nil).body); !slices.Equal(got, []int{1}) {
		t.Errorf("filtered updates = %v", got)
	}
}

// TestDialectShapes pins the attribute sets of each resource per dialect.
func TestDialectShapes(t *testing.T) {
	t.Parallel()
	keys := func(v any) []string {
		m, _ := v.(map[string]any)
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		dialect   Dialect
		component []string
		group     []string
		incident  []string
	}{
		{Head,
			[]string{"created", "description", "enabled", "id", "latest_status", "link", "name", "order", "status", "updated"},
			[]string{"collapsed", "created", "id", "name", "order", "order_column", "order_direction", "updated", "visible"},
			[]string{"created", "guid", "id", "message", "name", "notifications", "occurred", "published", "status", "stickied", "updated", "visible"}},
		{Base,
			[]string{"created", "description", "enabled", "id", "link", "meta", "name", "order", "status", "updated"},
			[]string{"created", "id", "name", "order", "updated", "visible"},
			[]string{"component_id", "created", "guid", "id", "message", "name", "notifications", "occurred", "status", "stickied", "updated", "visible"}},
	}
	for _, tt := range tests {
		t.Run(tt.dialect.String(), func(t *testing.T) {
			t.Parallel()
			s := start(t, Options{Dialect: tt.dialect})
			s.AddGroup(Group{Name: "g", Visible: 1})
			s.AddComponent(Component{Name: "c", Enabled: true})
			s.AddIncident(Incident{Name: "i", Status: 1, Visible: 1})
			a := admin(t, s)
			for _, c := range []struct {
				path string
				want []string
			}{{"/components/1", tt.component}, {"/component-groups/1", tt.group}, {"/incidents/1", tt.incident}} {
				r := a.do("GET", c.path, nil).want(t, 200)
				if diff := cmp.Diff(c.want, keys(get(r.body, "data", "attributes"))); diff != "" {
					t.Errorf("%s attributes (-want +got):\n%s", c.path, diff)
				}
			}
		})
	}
}

func TestGroupWrites(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := admin(t, s)
	c1 := s.AddComponent(Component{Name: "a", Enabled: true})
	c2 := s.AddComponent(Component{Name: "b", Enabled: true})
	a.do("POST", "/component-groups", map[string]any{"name": "G", "components": []any{c1}}).want(t, 201)
	a.do("PUT", "/component-groups/1", map[string]any{"components": []any{c2}, "visible": 1, "collapsed": 0}).want(t, 200)
	want := []Group{{ID: 1, Name: "G", Visible: 1, Order: 0, Collapsed: 0}}
	if diff := cmp.Diff(want, s.Groups()); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	var got []int
	for _, c := range s.Components() {
		got = append(got, c.GroupID)
	}
	if diff := cmp.Diff([]int{1, 1}, got); diff != "" {
		t.Errorf("group ids, components never removed (-want +got):\n%s", diff)
	}
}

func TestStateAccessors(t *testing.T) {
	t.Parallel()
	s := start(t, Options{Dialect: Base})
	gid := s.AddGroup(Group{Name: "g", Visible: 1, Order: 2, Collapsed: 1, Meta: map[string]any{"a": 1}})
	cid := s.AddComponent(Component{Name: "c", Description: "d", Link: "l", Enabled: true, GroupID: gid, Order: 3})
	iid := s.AddIncident(Incident{Name: "i", Message: "m", Status: 2, Visible: 1, LegacyComponentID: cid,
		Impacts: []Impact{{cid, 4}}, Updates: []Update{{Status: 3, Message: "u"}}})
	if diff := cmp.Diff([]Component{{ID: cid, Name: "c", Description: "d", Link: "l", Enabled: true, GroupID: gid, Order: 3}}, s.Components()); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	wantInc := []Incident{{ID: iid, Name: "i", Message: "m", Status: 2, Visible: 1, LegacyComponentID: cid,
		Impacts: []Impact{{cid, 4}}, Updates: []Update{{ID: 1, IncidentID: iid, Status: 3, Message: "u"}}}}
	if diff := cmp.Diff(wantInc, s.Incidents()); diff != "" {
		t.Errorf("incidents (-want +got):\n%s", diff)
	}
	s.Groups()[0].Meta["a"] = 2
	if got := s.Groups()[0].Meta["a"]; got != 1 {
		t.Errorf("Groups() shares its meta map: a = %v", got)
	}
	s.SetComponentStatus(cid, 3)
	if got := s.Components()[0].Status; got != 3 {
		t.Errorf("status after SetComponentStatus = %d", got)
	}
	if got := s.LatestStatus(cid); got != 3 {
		t.Errorf("BASE LatestStatus = %d, want baseline 3", got)
	}
	s.SetComponentStatus(cid, 0)
	r := admin(t, s).do("GET", "/components/"+itoa(cid), nil).want(t, 200)
	if diff := cmp.Diff(map[string]any{"human": nil, "value": nil}, get(r.body, "data", "attributes", "status")); diff != "" {
		t.Errorf("null status (-want +got):\n%s", diff)
	}
}

func TestStatsByRoute(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	a := admin(t, s)
	a.do("GET", "/components", nil)
	id := a.createComponent(map[string]any{"name": "x"})
	a.do("PATCH", "/components/"+itoa(id), map[string]any{"status": 1})
	a.do("PUT", "/components/"+itoa(id), map[string]any{"status": 2})
	iid := a.createIncident(map[string]any{"name": "i", "message": "m", "status": 1})
	a.do("POST", "/incidents/"+itoa(iid)+"/updates", map[string]any{"status": 4, "message": "m"})
	a.do("PATCH", "/incidents/"+itoa(iid)+"/updates/1", map[string]any{"message": "n"})
	a.do("GET", "/nope", nil)
	want := Stats{Reads: 2, Writes: 6, ByRoute: map[string]int{
		"GET /components":                        1,
		"POST /components":                       1,
		"PATCH /components/{id}":                 1,
		"PUT /components/{id}":                   1,
		"POST /incidents":                        1,
		"POST /incidents/{id}/updates":           1,
		"PATCH /incidents/{id}/updates/{update}": 1,
		"GET /nope":                              1,
	}}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	const n = 50
	var wg sync.WaitGroup
	idsCh := make(chan int, n)
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			resp, raw, err := try(t.Context(), s, "POST", "/components", map[string]any{"name": "c" + itoa(i)})
			if err != nil {
				errs <- err
				return
			}
			var body struct {
				Data struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			if resp.StatusCode != 201 || json.Unmarshal(raw, &body) != nil {
				errs <- io.ErrUnexpectedEOF
				return
			}
			id, _ := json.Number(body.Data.ID).Int64()
			idsCh <- int(id)
		}()
		go func() {
			defer wg.Done()
			if _, _, err := try(t.Context(), s, "GET", "/components?per_page=100", nil); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(idsCh)
	close(errs)
	for err := range errs {
		t.Errorf("request: %v", err)
	}
	var got []int
	for id := range idsCh {
		got = append(got, id)
	}
	slices.Sort(got)
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if got := len(s.Components()); got != n {
		t.Errorf("components = %d, want %d", got, n)
	}
}

func TestOutsideAPI(t *testing.T) {
	t.Parallel()
	e := New(Options{})
	for path, want := range map[string]int{"/": 200, "/login": 200, "/status": 404} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s = %d, want %d", path, rec.Code, want)
		}
	}
}

// FuzzServeHTTP feeds arbitrary requests to the handler: it must never
// panic, and every JSON answer must be valid JSON.
func FuzzServeHTTP(f *testing.F) {
	f.Add(uint8(0), "/api/components?filter[name]=a,b&sort=-name&page=2&per_page=x", "")
	f.Add(uint8(1), "/api/incidents?include=components.group", `{"name":"x","message":"m","status":1,"components":[{"id":1,"status":4},{"id":"1"}]}`)
	f.Add(uint8(2), "/api/components/1", `{"name":null,"enabled":"true","meta":{"a":[1,{"b":2}]}}`)
	f.Add(uint8(3), "/api/component-groups/1", `{"components":{"x":1}}`)
	f.Add(uint8(1), "/api/incidents/1/updates", `[1,2]`)
	f.Add(uint8(0), "/api/incidents?filter[meta][k]=3&filter[meta]=x&filter=y", "")
	methods := []string{"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"}
	f.Fuzz(func(t *testing.T, m uint8, target, body string) {
		for _, d := range []Dialect{Head, Base} {
			e := New(Options{Dialect: d, Now: func() time.Time { return epoch }})
			e.AddComponent(Component{Name: "c", Enabled: true})
			e.AddIncident(Incident{Name: "i", Status: 1, Visible: 1, Impacts: []Impact{{1, 4}}})
			req, err := http.NewRequest(methods[int(m)%len(methods)], "http://cachet.test/", strings.NewReader(body))
			if err != nil {
				t.Skip()
			}
			req.URL.Path, req.URL.RawQuery, _ = strings.Cut(target, "?")
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Authorization", "Bearer "+DefaultToken)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if strings.Contains(rec.Header().Get("Content-Type"), "json") && rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
				t.Errorf("%s %s: invalid JSON %q", req.Method, target, rec.Body.Bytes())
			}
		}
	})
}
