package cachet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// setup starts an emulator and a real client pointed at it.
func setup(t *testing.T, opts cachettest.Options, co cachet.Options) (*cachettest.Server, *cachet.Client) {
	t.Helper()
	srv := cachettest.NewServer(opts)
	t.Cleanup(srv.Close)
	if co.BaseURL == "" {
		co.BaseURL = srv.APIURL()
	}
	if co.Token == "" {
		co.Token = cachettest.DefaultToken
	}
	if co.MinBackoff == 0 {
		co.MinBackoff, co.MaxBackoff = time.Millisecond, 5*time.Millisecond
	}
	c, err := cachet.New(co)
	if err != nil {
		t.Fatalf("cachet.New: %v", err)
	}
	return srv, c
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		o    cachet.Options
		want string
	}{
		{"empty_url", cachet.Options{Token: "x"}, "CACHET_API_URL"},
		{"not_http", cachet.Options{BaseURL: "ftp://cachet/api", Token: "x"}, "not an http(s) URL"},
		{"credentials_in_url", cachet.Options{BaseURL: "http://u:secretpw@cachet/api", Token: "x"}, "must not carry credentials"},
		{"empty_token", cachet.Options{BaseURL: "http://cachet/api"}, "CACHET_API_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cachet.New(tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New() error = %v, want it to mention %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secretpw") {
				t.Errorf("error leaks the URL password: %v", err)
			}
		})
	}
}

func TestListComponentsSeesDisabledAcrossPages(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{PerPage: 7})
	gid := srv.AddGroup(cachettest.Group{Name: "Web", Visible: 1})
	for i := range 30 {
		srv.AddComponent(cachettest.Component{Name: fmt.Sprintf("c%02d", i), Status: 1, Enabled: i%2 == 0, GroupID: gid * (i % 3 / 2)})
	}
	got, err := c.ListComponents(t.Context())
	if err != nil {
		t.Fatalf("ListComponents: %v", err)
	}
	if len(got) != 30 {
		t.Fatalf("ListComponents returned %d components, want 30 (disabled ones included)", len(got))
	}
	disabled, grouped := 0, 0
	for i, comp := range got {
		if comp.Name != fmt.Sprintf("c%02d", i) {
			t.Errorf("component %d name = %q, want c%02d", i, comp.Name, i)
		}
		if !comp.Enabled {
			disabled++
		}
		if comp.GroupID == gid {
			grouped++
		}
		if comp.Status != status.Operational || comp.LatestStatus != status.Operational {
			t.Errorf("component %q status = %v / latest %v, want operational", comp.Name, comp.Status, comp.LatestStatus)
		}
	}
	if disabled != 15 || grouped != 10 {
		t.Errorf("disabled = %d, grouped = %d, want 15 and 10", disabled, grouped)
	}
	// 30 rows at 7 per page: pages 1..5, the last one partial.
	if n := srv.Stats().ByRoute["GET /components"]; n != 5 {
		t.Errorf("GET /components requests = %d, want 5", n)
	}
}

func TestComponentCreateUpdateKeepsDisabled(t *testing.T) {
	for _, d := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, cachettest.Options{Dialect: d}, cachet.Options{})
			ctx := t.Context()
			created, err := c.CreateComponent(ctx, cachet.ComponentFields{
				Name:        cachet.Ptr("10.0.0.1:9100 | Web"),
				Description: cachet.Ptr("critical: no\nno alerts"),
				Status:      cachet.Ptr(status.Operational),
				Enabled:     cachet.Ptr(false),
			})
			if err != nil {
				t.Fatalf("CreateComponent: %v", err)
			}
			if created.ID == 0 || created.Enabled || created.Status != status.Operational {
				t.Fatalf("created = %+v, want an id, disabled, operational", created)
			}
			upd, err := c.UpdateComponent(ctx, created.ID, cachet.ComponentFields{
				Status: cachet.Ptr(status.MajorOutage), Description: cachet.Ptr("critical: no\nInstanceDown,"), Enabled: cachet.Ptr(false),
			})
			if err != nil {
				t.Fatalf("UpdateComponent: %v", err)
			}
			if upd.Status != status.MajorOutage || upd.Enabled {
				t.Errorf("updated = %+v, want major outage and still disabled", upd)
			}
			got := srv.Components()[0]
			if got.Status != 4 || got.Enabled || got.Description != "critical: no\nInstanceDown," {
				t.Errorf("emulator holds %+v", got)
			}
			one, err := c.Component(ctx, created.ID)
			if err != nil || one.Status != status.MajorOutage {
				t.Errorf("Component(%d) = %+v, %v", created.ID, one, err)
			}
		})
	}
}

func TestErrorsAreTyped(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{})
	ctx := t.Context()

	_, err := c.CreateComponent(ctx, cachet.ComponentFields{Name: cachet.Ptr("x"), GroupID: cachet.Ptr(999)})
	var ae *cachet.APIError
	if !errors.As(err, &ae) || !errors.Is(err, cachet.ErrValidation) {
		t.Fatalf("create with unknown group: err = %v, want a 422 APIError", err)
	}
	if _, ok := ae.Fields["component_group_id"]; !ok {
		t.Errorf("422 fields = %v, want component_group_id", ae.Fields)
	}
	if cachet.Temporary(err) {
		t.Errorf("Temporary(422) = true, want false")
	}

	_, err = c.UpdateComponent(ctx, 12345, cachet.ComponentFields{Status: cachet.Ptr(status.Operational)})
	if !errors.Is(err, cachet.ErrNotFound) {
		t.Errorf("update of a missing component: err = %v, want ErrNotFound", err)
	}

	const secret = "7|wrong-secret-token"
	bad, err := cachet.New(cachet.Options{BaseURL: srv.APIURL(), Token: secret})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.CreateComponent(ctx, cachet.ComponentFields{Name: cachet.Ptr("x")})
	if !errors.Is(err, cachet.ErrUnauthorized) {
		t.Errorf("create with a bad token: err = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestCheckToken(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{})
	if err := c.CheckToken(t.Context()); err != nil {
		t.Errorf("CheckToken with the right token: %v", err)
	}
	if n := len(srv.Groups()); n != 0 {
		t.Errorf("CheckToken created %d groups, want none", n)
	}
	bad, _ := cachet.New(cachet.Options{BaseURL: srv.APIURL(), Token: "1|nope"})
	if err := bad.CheckToken(t.Context()); !errors.Is(err, cachet.ErrUnauthorized) {
		t.Errorf("CheckToken with a wrong token = %v, want ErrUnauthorized", err)
	}
}

func TestRetriesTemporaryFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault cachettest.Fault
	}{
		{"server_error", cachettest.Fault{Status: 500}},
		{"bad_gateway", cachettest.Fault{Status: 502}},
		{"rate_limited", cachettest.Fault{Status: 429}},
		{"connection_reset", cachettest.Fault{Reset: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, cachettest.Options{}, cachet.Options{Attempts: 3})
			id := srv.AddComponent(cachettest.Component{Name: "Web", Status: 1, Enabled: true})
			var n atomic.Int32
			srv.Inject(func(r *http.Request) *cachettest.Fault {
				if r.Method == http.MethodPatch && n.Add(1) <= 2 {
					return &tt.fault
				}
				return nil
			})
			if _, err := c.UpdateComponent(t.Context(), id, cachet.ComponentFields{Status: cachet.Ptr(status.PartialOutage)}); err != nil {
				t.Fatalf("UpdateComponent after two %s: %v", tt.name, err)
			}
			if got := srv.Components()[0].Status; got != 3 {
				t.Errorf("status = %d, want 3", got)
			}
			if got := n.Load(); got != 3 {
				t.Errorf("attempts = %d, want 3", got)
			}
		})
	}
}

func TestGivesUpAfterAttempts(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{Attempts: 2})
	srv.Inject(func(*http.Request) *cachettest.Fault { return &cachettest.Fault{Status: 503} })
	_, err := c.ListComponents(t.Context())
	if !cachet.Temporary(err) {
		t.Fatalf("ListComponents while Cachet answers 503: err = %v, want a temporary error", err)
	}
	if got := srv.Stats().Faulted; got != 2 {
		t.Errorf("requests = %d, want 2 attempts", got)
	}
}

func TestCreateIsNotRepeatedWhenItMayHaveApplied(t *testing.T) {
	tests := []struct {
		name          string
		fault         cachettest.Fault
		wantCreated   int
		wantAmbiguous bool
	}{
		{"answer_lost_after_apply", cachettest.Fault{LoseResponse: true}, 1, true},
		{"server_error", cachettest.Fault{Status: 500}, 0, true},
		{"rate_limited_is_retried", cachettest.Fault{Status: 429}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, cachettest.Options{}, cachet.Options{Attempts: 3})
			var n atomic.Int32
			srv.Inject(func(r *http.Request) *cachettest.Fault {
				if r.Method == http.MethodPost && n.Add(1) == 1 {
					return &tt.fault
				}
				return nil
			})
			_, err := c.CreateComponent(t.Context(), cachet.ComponentFields{Name: cachet.Ptr("x"), Enabled: cachet.Ptr(false)})
			if got := len(srv.Components()); got != tt.wantCreated {
				t.Errorf("components created = %d, want %d", got, tt.wantCreated)
			}
			if tt.wantAmbiguous != (err != nil && cachet.Ambiguous(err)) {
				t.Errorf("err = %v, Ambiguous = %v, want %v", err, err != nil && cachet.Ambiguous(err), tt.wantAmbiguous)
			}
		})
	}
}

func TestHonoursRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		emu := cachettest.New(cachettest.Options{})
		c, err := cachet.New(cachet.Options{BaseURL: "http://cachet.invalid/api", Token: cachettest.DefaultToken,
			HTTPClient: emu.HTTPClient(), Attempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		var n atomic.Int32
		emu.Inject(func(*http.Request) *cachettest.Fault {
			if n.Add(1) <= 2 {
				return &cachettest.Fault{Status: 429, RetryAfter: 7 * time.Second}
			}
			return nil
		})
		start := time.Now()
		if _, err := c.ListGroups(t.Context()); err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		// Backoff alone is 1 ms: 14 s can only come from two Retry-After.
		if d := time.Since(start); d != 14*time.Second {
			t.Errorf("succeeded after %v, want exactly 2 × the 7 s Retry-After", d)
		}
	})
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{Attempts: 5, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	srv.Inject(func(*http.Request) *cachettest.Fault { return &cachettest.Fault{Status: 500} })
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { _, err := c.ListGroups(ctx); errc <- err }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestIncidentLifecycle(t *testing.T) {
	for _, d := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			srv, c := setup(t, cachettest.Options{Dialect: d}, cachet.Options{})
			ctx := t.Context()
			cid := srv.AddComponent(cachettest.Component{Name: "Web", Status: 1, Enabled: true})
			in, err := c.CreateIncident(ctx, cachet.NewIncident{
				Name: "Web is down", Message: "Investigating", Status: cachet.IncidentInvestigating, Visible: true,
				Components: []cachet.Impact{{ComponentID: cid, Status: status.Operational}},
				Meta:       map[string]any{"statusbridge_component_id": cid},
			})
			if err != nil {
				t.Fatalf("CreateIncident: %v", err)
			}
			open, err := c.ListOpenIncidents(ctx)
			if err != nil {
				t.Fatalf("ListOpenIncidents: %v", err)
			}
			if len(open) != 1 || open[0].ID != in.ID || len(open[0].ComponentIDs) != 1 || open[0].ComponentIDs[0] != cid {
				t.Fatalf("open incidents = %+v, want incident %d linked to component %d", open, in.ID, cid)
			}
			if d == cachettest.Head && open[0].Meta["statusbridge_component_id"] != float64(cid) {
				t.Errorf("meta = %v, want the component id tag", open[0].Meta)
			}
			if err := c.AddUpdate(ctx, in.ID, cachet.IncidentFixed, "Resolved"); err != nil {
				t.Fatalf("AddUpdate: %v", err)
			}
			if d == cachettest.Base {
				// Before 2026-07 an update does not touch the incident's own status.
				if _, err := c.UpdateIncident(ctx, in.ID, cachet.IncidentFields{Status: cachet.Ptr(cachet.IncidentFixed)}); err != nil {
					t.Fatalf("UpdateIncident: %v", err)
				}
			}
			open, err = c.ListOpenIncidents(ctx)
			if err != nil || len(open) != 0 {
				t.Errorf("open incidents after resolve = %+v, %v, want none", open, err)
			}
			got, err := c.Incident(ctx, in.ID)
			if err != nil || got.Status != cachet.IncidentFixed {
				t.Errorf("Incident(%d) = %+v, %v, want fixed", in.ID, got, err)
			}
		})
	}
}

func TestGroups(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{}, cachet.Options{})
	ctx := t.Context()
	cid := srv.AddComponent(cachettest.Component{Name: "Web", Status: 1, Enabled: true})
	g, err := c.CreateGroup(ctx, cachet.GroupFields{Name: cachet.Ptr("Web Services"), Visible: cachet.Ptr(true), Components: []int{cid}})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	groups, err := c.ListGroups(ctx)
	if err != nil || len(groups) != 1 || groups[0].Visible != 1 || groups[0].Name != "Web Services" {
		t.Fatalf("ListGroups = %+v, %v, want one public group", groups, err)
	}
	if got := srv.Components()[0].GroupID; got != g.ID {
		t.Errorf("component group = %d, want %d", got, g.ID)
	}
	if _, err := c.UpdateGroup(ctx, g.ID, cachet.GroupFields{Name: cachet.Ptr("Web")}); err != nil {
		t.Errorf("UpdateGroup: %v", err)
	}
	if err := c.DeleteGroup(ctx, g.ID); err != nil {
		t.Errorf("DeleteGroup: %v", err)
	}
	if err := c.DeleteComponent(ctx, cid); err != nil {
		t.Errorf("DeleteComponent: %v", err)
	}
	if n := len(srv.Components()); n != 0 {
		t.Errorf("components after delete = %d, want 0", n)
	}
}

// TestSendsHeaders checks what goes on the wire, with a trap for requests
// outside the configured base path.
func TestSendsHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	var path string
	mux := http.NewServeMux()
	mux.HandleFunc("/status/api/components", func(w http.ResponseWriter, r *http.Request) {
		got, path = r.Header.Clone(), r.URL.RawQuery
		w.Header().Set("Content-Type", "application/vnd.api+json")
		fmt.Fprint(w, `{"data":[{"id":"3","type":"components","attributes":{"id":3,"name":"x","status":{"human":null,"value":null},"enabled":false}}],"links":{"first":"x"}}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	c, err := cachet.New(cachet.Options{BaseURL: ts.URL + "/status/api/", Token: "5|tok"})
	if err != nil {
		t.Fatal(err)
	}
	comps, err := c.ListComponents(t.Context())
	if err != nil {
		t.Fatalf("ListComponents: %v", err)
	}
	if len(comps) != 1 || comps[0].Status != 0 || comps[0].ID != 3 {
		t.Errorf("components = %+v, want id 3 with a null status", comps)
	}
	if got.Get("Accept") != "application/json" || got.Get("Authorization") != "Bearer 5|tok" {
		t.Errorf("headers = %v, want Accept application/json and the bearer token", got)
	}
	for _, want := range []string{"filter%5Benabled%5D=0%2C1", "include=group", "page=1", "per_page=50", "sort=id"} {
		if !strings.Contains(path, want) {
			t.Errorf("query %q lacks %q", path, want)
		}
	}
}
