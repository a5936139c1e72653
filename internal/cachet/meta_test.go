package cachet_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// Spec 2.3 and 7.7: HEAD keeps component metadata, written with the
// component and read back with include=meta; a non-nil Meta replaces the
// whole set, a nil one leaves it.
func TestComponentMetaRoundTripAtHead(t *testing.T) {
	t.Parallel()
	_, c := setup(t, cachettest.Options{}, cachet.Options{})
	ctx := t.Context()
	created, err := c.CreateComponent(ctx, cachet.ComponentFields{
		Name: cachet.Ptr("10.0.0.1:9100 | Web"), Status: cachet.Ptr(status.Operational), Enabled: cachet.Ptr(false),
		Meta: map[string]any{"sb_instance": "10.0.0.1:9100", "sb_status": "1"},
	})
	if err != nil {
		t.Fatalf("CreateComponent: %v", err)
	}
	plain, err := c.CreateComponent(ctx, cachet.ComponentFields{Name: cachet.Ptr("Web"), Enabled: cachet.Ptr(true)})
	if err != nil {
		t.Fatalf("CreateComponent: %v", err)
	}
	read := func(id int) map[string]map[string]any {
		t.Helper()
		out := map[string]map[string]any{}
		one, err := c.Component(ctx, id)
		if err != nil {
			t.Fatalf("Component(%d): %v", id, err)
		}
		out["Component"] = one.Meta
		all, err := c.ListComponents(ctx)
		if err != nil {
			t.Fatalf("ListComponents: %v", err)
		}
		for _, x := range all {
			if x.ID == id {
				out["ListComponents"] = x.Meta
			}
		}
		named, err := c.ComponentsNamed(ctx, one.Name)
		if err != nil || len(named) != 1 {
			t.Fatalf("ComponentsNamed(%q) = %v, %v; want one", one.Name, named, err)
		}
		out["ComponentsNamed"] = named[0].Meta
		return out
	}
	same := func(m map[string]any) map[string]map[string]any {
		return map[string]map[string]any{"Component": m, "ListComponents": m, "ComponentsNamed": m}
	}
	steps := []struct {
		name   string
		id     int
		update *cachet.ComponentFields
		want   map[string]any
	}{
		{"created_with_meta", created.ID, nil, map[string]any{"sb_instance": "10.0.0.1:9100", "sb_status": "1"}},
		{"created_without_meta_reads_empty_not_nil", plain.ID, nil, map[string]any{}},
		{"nil_meta_leaves_the_set", created.ID, &cachet.ComponentFields{Status: cachet.Ptr(status.MajorOutage), Enabled: cachet.Ptr(false)},
			map[string]any{"sb_instance": "10.0.0.1:9100", "sb_status": "1"}},
		{"meta_replaces_the_whole_set", created.ID, &cachet.ComponentFields{Enabled: cachet.Ptr(false), Meta: map[string]any{"sb_status": "4"}},
			map[string]any{"sb_status": "4"}},
		{"empty_meta_clears_the_set", created.ID, &cachet.ComponentFields{Enabled: cachet.Ptr(false), Meta: map[string]any{}}, map[string]any{}},
	}
	for _, st := range steps {
		if st.update != nil {
			if _, err := c.UpdateComponent(ctx, st.id, *st.update); err != nil {
				t.Fatalf("%s: UpdateComponent: %v", st.name, err)
			}
		}
		// cmp tells a nil map from an empty one, as Meta's contract does.
		if diff := cmp.Diff(same(st.want), read(st.id)); diff != "" {
			t.Errorf("%s: meta by reader (-want +got):\n%s", st.name, diff)
		}
	}
}

// BASE has no include=meta (400) and no writable meta: the reads fall back
// to include=group once, then skip meta, and Meta is the legacy column.
func TestComponentMetaAtBase(t *testing.T) {
	t.Parallel()
	srv, c := setup(t, cachettest.Options{Dialect: cachettest.Base}, cachet.Options{})
	ctx := t.Context()
	legacy := srv.AddComponent(cachettest.Component{Name: "legacy", Enabled: true, Meta: map[string]any{"old": "x"}})
	created, err := c.CreateComponent(ctx, cachet.ComponentFields{Name: cachet.Ptr("new"), Meta: map[string]any{"k": "v"}})
	if err != nil {
		t.Fatalf("CreateComponent: %v", err)
	}
	all, err := c.ListComponents(ctx)
	if err != nil {
		t.Fatalf("ListComponents: %v", err)
	}
	got := map[int]map[string]any{}
	for _, x := range all {
		got[x.ID] = x.Meta
	}
	want := map[int]map[string]any{legacy: {"old": "x"}, created.ID: nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("meta by id (-want +got):\n%s", diff)
	}
	if n := srv.Stats().ByRoute["GET /components"]; n != 2 {
		t.Errorf("first list took %d requests, want 2 (include=meta refused, then include=group)", n)
	}
	srv.ResetStats()
	if _, err := c.Component(ctx, legacy); err != nil {
		t.Fatalf("Component: %v", err)
	}
	if _, err := c.ComponentsNamed(ctx, "legacy"); err != nil {
		t.Fatalf("ComponentsNamed: %v", err)
	}
	if _, err := c.ListOpenIncidents(ctx); err != nil {
		t.Fatalf("ListOpenIncidents: %v", err)
	}
	if s := srv.Stats(); s.Reads != 3 {
		t.Errorf("later reads took %d requests (%v), want 3: no second try of include=meta", s.Reads, s.ByRoute)
	}
}

// Meta is nil when Cachet sends none and non-nil for every set, whatever
// shape PHP gave it.
func TestComponentMetaShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		attr string // the attributes.meta member, "" for none
		want map[string]any
	}{
		{"absent_is_nil", "", nil},
		{"null_is_nil", `,"meta":null`, nil},
		{"empty_list_is_empty_set", `,"meta":[]`, map[string]any{}},
		{"empty_object_is_empty_set", `,"meta":{}`, map[string]any{}},
		{"object_keeps_json_types", `,"meta":{"a":"1","b":2,"c":true}`, map[string]any{"a": "1", "b": float64(2), "c": true}},
		{"php_list_keys_by_index", `,"meta":["x","y"]`, map[string]any{"0": "x", "1": "y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mux := http.NewServeMux()
			mux.HandleFunc("/api/components/7", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/vnd.api+json")
				fmt.Fprintf(w, `{"data":{"id":"7","type":"components","attributes":{"id":7,"name":"x","enabled":true%s}}}`, tt.attr)
			})
			ts := httptest.NewServer(mux)
			t.Cleanup(ts.Close)
			c, err := cachet.New(cachet.Options{BaseURL: ts.URL + "/api", Token: "1|t"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Component(t.Context(), 7)
			if err != nil {
				t.Fatalf("Component: %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Meta); diff != "" {
				t.Errorf("Meta (-want +got):\n%s", diff)
			}
		})
	}
}

// TestComponentUpdated reads attributes.updated.string, in UTC.
func TestComponentUpdated(t *testing.T) {
	at := time.Date(2026, 12, 2, 8, 30, 15, 0, time.UTC)
	srv := cachettest.NewServer(cachettest.Options{Now: func() time.Time { return at }})
	t.Cleanup(srv.Close)
	id := srv.AddComponent(cachettest.Component{Name: "x | Web", Status: 1})
	client, err := cachet.New(cachet.Options{BaseURL: srv.APIURL(), Token: cachettest.DefaultToken})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Component(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Updated.Equal(at) {
		t.Errorf("Updated = %v, want %v", c.Updated, at)
	}
}
