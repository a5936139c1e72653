// Package contract runs the real cachet.Client against a Cachet and checks
// the parts of the API contract (spec/cachet-api.md) statusbridge relies
// on. It always runs against the emulator, in both dialects, as part of
// go test ./...; `make contract` also runs it against a live Cachet named
// by CACHET_API_URL and CACHET_API_TOKEN, so the emulator is held to what
// a real core does.
package contract

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// live gates the live target: a shell that happens to hold CACHET_API_URL
// (say, from running statusbridge) must not make go test ./... write to
// that Cachet. `make contract` sets it.
var live = flag.Bool("contract.live", false, "also run the contract against the Cachet named by CACHET_API_URL and CACHET_API_TOKEN")

// target is a Cachet the contract runs against.
type target struct {
	name       string
	url, token string
}

// client returns a client for tg; page, if set, runs before every GET of a
// component list page the client sends.
func (tg target) client(t *testing.T, o cachet.Options, page func()) *cachet.Client {
	t.Helper()
	o.BaseURL, o.Token = tg.url, tg.token
	if page != nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: pageHook{http.DefaultTransport, page}}
	}
	c, err := cachet.New(o)
	if err != nil {
		t.Fatalf("cachet.New: %v", err)
	}
	return c
}

type pageHook struct {
	next http.RoundTripper
	page func()
}

func (h pageHook) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/components") {
		h.page()
	}
	return h.next.RoundTrip(r)
}

// TestContract runs every check against the emulator (HEAD and BASE) and,
// with -contract.live, against the live Cachet.
func TestContract(t *testing.T) {
	for _, d := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run("emulator_"+d.String(), func(t *testing.T) {
			t.Parallel()
			srv := cachettest.NewServer(cachettest.Options{Dialect: d})
			t.Cleanup(srv.Close)
			// Objects a previous run left behind must not confuse a check.
			srv.AddComponent(cachettest.Component{Name: "someone else's", Status: 1, Enabled: true})
			run(t, target{name: "emulator " + d.String(), url: srv.APIURL(), token: cachettest.DefaultToken})
			t.Cleanup(func() {
				if n := len(srv.Components()) + len(srv.Incidents()) + len(srv.Groups()) + len(srv.Schedules()); n != 1 {
					t.Errorf("%d objects left in the emulator after cleanup, want only the one seeded", n)
				}
			})
		})
	}
	t.Run("live", func(t *testing.T) {
		url, token := os.Getenv("CACHET_API_URL"), os.Getenv("CACHET_API_TOKEN")
		switch {
		case url == "" || token == "":
			t.Skip("live Cachet skipped: CACHET_API_URL and CACHET_API_TOKEN are not set; set both (e.g. http://cachet/api and a token with components.*, component-groups.*, incidents.*, incident-updates.manage and schedules.*) to check a live Cachet too")
		case !*live:
			t.Skip("live Cachet skipped: CACHET_API_URL is set but -contract.live is not; run make contract")
		}
		run(t, target{name: "live " + url, url: url, token: token})
	})
}

// run is the contract: each check makes its own objects, named with a
// prefix unique to this run, and deletes them when it ends, failed or not.
func run(t *testing.T, tg target) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	f := &fixture{t: t, tg: tg, prefix: "sbcontract-" + hex.EncodeToString(b[:]) + "-"}
	f.c = tg.client(t, cachet.Options{}, nil)
	t.Logf("target %s, prefix %s", tg.name, f.prefix)
	t.Run("components_enabled_and_disabled", f.componentsEnabledAndDisabled)
	t.Run("paging_sorted_while_writing", f.pagingSortedWhileWriting)
	t.Run("component_meta", f.componentMeta)
	t.Run("incident_meta_and_impacts", f.incidentMetaAndImpacts)
	t.Run("incident_update_resolves", f.incidentUpdateResolves)
	t.Run("not_found_shape", f.notFoundShape)
	t.Run("validation_shape", f.validationShape)
	t.Run("schedule_window", f.scheduleWindow)
}

type fixture struct {
	t      *testing.T
	tg     target
	c      *cachet.Client
	prefix string
}

// cleanupCtx outlives the test's own context, which ends before cleanups.
func cleanupCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// component creates a component named prefix+name and deletes it when the
// test ends.
func (f *fixture) component(t *testing.T, name string, fields cachet.ComponentFields) cachet.Component {
	t.Helper()
	fields.Name = cachet.Ptr(f.prefix + name)
	c, err := f.c.CreateComponent(t.Context(), fields)
	if err != nil {
		t.Fatalf("create component %q: %v", *fields.Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := cleanupCtx()
		defer cancel()
		if err := f.c.DeleteComponent(ctx, c.ID); err != nil && !errors.Is(err, cachet.ErrNotFound) {
			t.Errorf("cleanup: delete component %d %q: %v", c.ID, c.Name, err)
		}
	})
	return c
}

func (f *fixture) group(t *testing.T, name string) cachet.Group {
	t.Helper()
	g, err := f.c.CreateGroup(t.Context(), cachet.GroupFields{Name: cachet.Ptr(f.prefix + name)})
	if err != nil {
		t.Fatalf("create group: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := cleanupCtx()
		defer cancel()
		if err := f.c.DeleteGroup(ctx, g.ID); err != nil && !errors.Is(err, cachet.ErrNotFound) {
			t.Errorf("cleanup: delete group %d: %v", g.ID, err)
		}
	})
	return g
}

func (f *fixture) incident(t *testing.T, in cachet.NewIncident) cachet.Incident {
	t.Helper()
	in.Name = f.prefix + in.Name
	got, err := f.c.CreateIncident(t.Context(), in)
	if err != nil {
		t.Fatalf("create incident: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := cleanupCtx()
		defer cancel()
		if err := f.c.DeleteIncident(ctx, got.ID); err != nil && !errors.Is(err, cachet.ErrNotFound) {
			t.Errorf("cleanup: delete incident %d: %v", got.ID, err)
		}
	})
	return got
}

// keepsMeta reports whether the target stores metadata (HEAD): it reads a
// component back, which carries meta (maybe empty) only there.
func (f *fixture) keepsMeta(t *testing.T, id int) bool {
	t.Helper()
	c, err := f.c.Component(t.Context(), id)
	if err != nil {
		t.Fatalf("Component(%d): %v", id, err)
	}
	return c.Meta != nil
}

// ours lists the components of this run, by id.
func (f *fixture) ours(t *testing.T) map[int]cachet.Component {
	t.Helper()
	all, err := f.c.ListComponents(t.Context())
	if err != nil {
		t.Fatalf("ListComponents: %v", err)
	}
	out := map[int]cachet.Component{}
	for _, c := range all {
		if strings.HasPrefix(c.Name, f.prefix) {
			out[c.ID] = c
		}
	}
	return out
}

// A disabled component is read back with filter[enabled]=0,1 (HEAD's
// default filter hides it otherwise), with its status and group.
func (f *fixture) componentsEnabledAndDisabled(t *testing.T) {
	g := f.group(t, "group")
	on := f.component(t, "enabled", cachet.ComponentFields{Status: cachet.Ptr(status.Operational), Enabled: cachet.Ptr(true), GroupID: cachet.Ptr(g.ID)})
	off := f.component(t, "10.0.0.1:9100 | disabled, with comma", cachet.ComponentFields{
		Description: cachet.Ptr("critical: no\nno alerts"), Status: cachet.Ptr(status.PartialOutage), Enabled: cachet.Ptr(false),
	})
	if off.Enabled || !on.Enabled {
		t.Errorf("create answers: enabled %v and %v, want true and false", on.Enabled, off.Enabled)
	}
	got := f.ours(t)
	if len(got) != 2 {
		t.Fatalf("listed %d components of this run (%v), want 2", len(got), got)
	}
	if c := got[on.ID]; !c.Enabled || c.Status != status.Operational || c.GroupID != g.ID {
		t.Errorf("enabled component read back as %+v, want enabled, operational, in group %d", c, g.ID)
	}
	if c := got[off.ID]; c.Enabled || c.Status != status.PartialOutage || c.GroupID != 0 || c.Description != "critical: no\nno alerts" {
		t.Errorf("disabled component read back as %+v, want disabled, partial outage, no group, its description", c)
	}
	named, err := f.c.ComponentsNamed(t.Context(), off.Name)
	if err != nil || len(named) != 1 || named[0].ID != off.ID {
		t.Errorf("ComponentsNamed(%q) = %+v, %v; want component %d alone", off.Name, named, err, off.ID)
	}
	groups, err := f.c.ListGroups(t.Context())
	if err != nil {
		t.Fatalf("ListGroups: %v", err)
	}
	if !slices.ContainsFunc(groups, func(x cachet.Group) bool { return x.ID == g.ID && x.Name == g.Name }) {
		t.Errorf("ListGroups lacks group %d %q", g.ID, g.Name)
	}
}

// Pages read with sort=id see every row once while another goroutine
// writes between every two pages: updates move rows on PostgreSQL and
// creates add rows at the end.
func (f *fixture) pagingSortedWhileWriting(t *testing.T) {
	var ids []int
	for i := range 12 {
		ids = append(ids, f.component(t, fmt.Sprintf("page-%02d", i), cachet.ComponentFields{
			Status: cachet.Ptr(status.Operational), Enabled: cachet.Ptr(i%3 != 0),
		}).ID)
	}
	turn, done := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var created []int
	writes := 0
	var wg sync.WaitGroup
	wg.Go(func() {
		n := 0
		for range turn {
			// A bounded number of writes, so a large live Cachet (many
			// pages) is not flooded past its rate limit.
			if n < 8 {
				for k := range 2 {
					id := ids[(n*5+k*7)%len(ids)]
					_, err := f.c.UpdateComponent(t.Context(), id, cachet.ComponentFields{
						Status: cachet.Ptr(status.Status(1 + (n+k)%4)), Enabled: cachet.Ptr(slices.Index(ids, id)%3 != 0),
					})
					if err != nil {
						t.Errorf("writer: update %d: %v", id, err)
					}
				}
				c, err := f.c.CreateComponent(t.Context(), cachet.ComponentFields{
					Name: cachet.Ptr(fmt.Sprintf("%spage-new-%02d", f.prefix, n)), Enabled: cachet.Ptr(n%2 == 0),
				})
				mu.Lock()
				if err != nil {
					t.Errorf("writer: create: %v", err)
				} else {
					created = append(created, c.ID)
				}
				writes += 3
				mu.Unlock()
			}
			n++
			done <- struct{}{}
		}
	})
	t.Cleanup(func() {
		ctx, cancel := cleanupCtx()
		defer cancel()
		for _, id := range created {
			if err := f.c.DeleteComponent(ctx, id); err != nil && !errors.Is(err, cachet.ErrNotFound) {
				t.Errorf("cleanup: delete component %d: %v", id, err)
			}
		}
	})
	pager := f.tg.client(t, cachet.Options{PerPage: 5}, func() {
		turn <- struct{}{}
		<-done
	})
	all, err := pager.ListComponents(t.Context())
	close(turn)
	wg.Wait()
	if err != nil {
		t.Fatalf("ListComponents: %v", err)
	}
	seen := map[int]int{}
	for _, c := range all {
		seen[c.ID]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("component %d listed %d times, want once", id, n)
		}
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("component %d (there before the walk) listed %d times, want once", id, seen[id])
		}
	}
	if writes < 6 {
		t.Errorf("only %d writes landed during the walk, want at least 6 (two pages)", writes)
	}
	t.Logf("%d components listed in %d-row pages while %d writes landed", len(all), 5, writes)
}

// HEAD keeps component metadata; a non-nil Meta replaces the whole set.
// BASE ignores it.
func (f *fixture) componentMeta(t *testing.T) {
	c := f.component(t, "meta", cachet.ComponentFields{
		Status: cachet.Ptr(status.Operational), Enabled: cachet.Ptr(false),
		Meta: map[string]any{"sb_instance": "10.0.0.1:9100", "sb_status": "1"},
	})
	read := func() map[string]any {
		t.Helper()
		one, err := f.c.Component(t.Context(), c.ID)
		if err != nil {
			t.Fatalf("Component(%d): %v", c.ID, err)
		}
		if listed := f.ours(t)[c.ID]; fmt.Sprint(listed.Meta) != fmt.Sprint(one.Meta) {
			t.Errorf("ListComponents meta %v differs from Component meta %v", listed.Meta, one.Meta)
		}
		return one.Meta
	}
	got := read()
	if got == nil {
		t.Logf("%s keeps no component metadata (BASE): checking that it ignores meta", f.tg.name)
		if _, err := f.c.UpdateComponent(t.Context(), c.ID, cachet.ComponentFields{Enabled: cachet.Ptr(false), Meta: map[string]any{"k": "v"}}); err != nil {
			t.Fatalf("UpdateComponent with meta: %v", err)
		}
		if m := read(); m != nil {
			t.Errorf("meta = %v after a write, want none kept", m)
		}
		return
	}
	want := map[string]any{"sb_instance": "10.0.0.1:9100", "sb_status": "1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("meta after create = %v, want %v", got, want)
	}
	if _, err := f.c.UpdateComponent(t.Context(), c.ID, cachet.ComponentFields{Status: cachet.Ptr(status.MajorOutage), Enabled: cachet.Ptr(false)}); err != nil {
		t.Fatalf("UpdateComponent: %v", err)
	}
	if got := read(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("meta after an update without meta = %v, want it unchanged %v", got, want)
	}
	if _, err := f.c.UpdateComponent(t.Context(), c.ID, cachet.ComponentFields{Enabled: cachet.Ptr(false), Meta: map[string]any{"sb_status": "4"}}); err != nil {
		t.Fatalf("UpdateComponent: %v", err)
	}
	if got := read(); fmt.Sprint(got) != fmt.Sprint(map[string]any{"sb_status": "4"}) {
		t.Errorf("meta after a replace = %v, want only sb_status 4", got)
	}
}

// An incident with impacts and metadata is listed open with its
// components and, where Cachet keeps it, its metadata, and can be found by
// it.
func (f *fixture) incidentMetaAndImpacts(t *testing.T) {
	web := f.component(t, "impacted-1", cachet.ComponentFields{Status: cachet.Ptr(status.Operational), Enabled: cachet.Ptr(true)})
	db := f.component(t, "impacted-2", cachet.ComponentFields{Status: cachet.Ptr(status.Operational), Enabled: cachet.Ptr(true)})
	key := f.prefix + "incident"
	// Visible false: a live status page does not show the probe to guests.
	in := f.incident(t, cachet.NewIncident{
		Name: "incident", Message: "contract probe", Status: cachet.IncidentInvestigating,
		Components: []cachet.Impact{{ComponentID: web.ID, Status: status.MajorOutage}, {ComponentID: db.ID, Status: status.PartialOutage}},
		Meta:       map[string]any{"statusbridge_key": key},
	})
	if in.ID == 0 || in.Status != cachet.IncidentInvestigating {
		t.Errorf("create answer = %+v, want an id and status investigating", in)
	}
	open, err := f.c.ListOpenIncidents(t.Context())
	if err != nil {
		t.Fatalf("ListOpenIncidents: %v", err)
	}
	i := slices.IndexFunc(open, func(x cachet.Incident) bool { return x.ID == in.ID })
	if i < 0 {
		t.Fatalf("incident %d not among the %d open incidents", in.ID, len(open))
	}
	got := open[i]
	slices.Sort(got.ComponentIDs)
	if want := []int{web.ID, db.ID}; !slices.Equal(got.ComponentIDs, want) {
		t.Errorf("open incident components = %v, want %v", got.ComponentIDs, want)
	}
	if got.Meta == nil {
		if f.keepsMeta(t, web.ID) {
			t.Errorf("incident meta missing where Cachet keeps component metadata")
		}
		return
	}
	found := slices.IndexFunc(open, func(x cachet.Incident) bool { return x.Meta["statusbridge_key"] == key })
	if found != i {
		t.Errorf("finding by meta statusbridge_key gave index %d, want %d (incident %d)", found, i, in.ID)
	}
}

// An update with status 4 resolves the incident for the page; a PUT of
// status 4 takes it out of the open list on every dialect.
func (f *fixture) incidentUpdateResolves(t *testing.T) {
	in := f.incident(t, cachet.NewIncident{Name: "resolve", Message: "contract probe", Status: cachet.IncidentIdentified})
	if err := f.c.AddUpdate(t.Context(), in.ID, cachet.IncidentFixed, "resolved by the contract"); err != nil {
		t.Fatalf("AddUpdate: %v", err)
	}
	got, err := f.c.Incident(t.Context(), in.ID)
	if err != nil {
		t.Fatalf("Incident(%d): %v", in.ID, err)
	}
	if got.Status != cachet.IncidentFixed {
		t.Errorf("status after a fixed update = %d, want %d", got.Status, cachet.IncidentFixed)
	}
	// BASE filters on the column, which an update does not touch.
	if _, err := f.c.UpdateIncident(t.Context(), in.ID, cachet.IncidentFields{Status: cachet.Ptr(cachet.IncidentFixed)}); err != nil {
		t.Fatalf("UpdateIncident: %v", err)
	}
	open, err := f.c.ListOpenIncidents(t.Context())
	if err != nil {
		t.Fatalf("ListOpenIncidents: %v", err)
	}
	if slices.ContainsFunc(open, func(x cachet.Incident) bool { return x.ID == in.ID }) {
		t.Errorf("resolved incident %d still listed open", in.ID)
	}
}

// A missing id is a 404 APIError with Cachet's message, matched by
// ErrNotFound: a deleted component and an id never used.
func (f *fixture) notFoundShape(t *testing.T) {
	c := f.component(t, "deleted", cachet.ComponentFields{Enabled: cachet.Ptr(false)})
	if err := f.c.DeleteComponent(t.Context(), c.ID); err != nil {
		t.Fatalf("DeleteComponent: %v", err)
	}
	checks := map[string]func() error{
		"deleted component": func() error { _, err := f.c.Component(t.Context(), c.ID); return err },
		"unused incident id": func() error {
			_, err := f.c.Incident(t.Context(), 2_000_000_000)
			return err
		},
		"update of a deleted component": func() error {
			_, err := f.c.UpdateComponent(t.Context(), c.ID, cachet.ComponentFields{Enabled: cachet.Ptr(false)})
			return err
		},
	}
	for what, call := range checks {
		err := call()
		var ae *cachet.APIError
		if !errors.As(err, &ae) || !errors.Is(err, cachet.ErrNotFound) || ae.StatusCode != http.StatusNotFound {
			t.Errorf("%s: err = %v, want a 404 APIError", what, err)
			continue
		}
		if ae.Message == "" || cachet.Temporary(err) {
			t.Errorf("%s: message %q, temporary %v; want Cachet's message and a permanent error", what, ae.Message, cachet.Temporary(err))
		}
	}
}

// An invalid create is a 422 APIError with Laravel's field errors keyed by
// input name, and creates nothing.
func (f *fixture) validationShape(t *testing.T) {
	tests := []struct {
		name   string
		fields cachet.ComponentFields
		field  string
	}{
		{"missing_name", cachet.ComponentFields{Enabled: cachet.Ptr(false)}, "name"},
		{"name_over_255", cachet.ComponentFields{Name: cachet.Ptr(f.prefix + strings.Repeat("x", 256)), Enabled: cachet.Ptr(false)}, "name"},
		{"unknown_group", cachet.ComponentFields{Name: cachet.Ptr(f.prefix + "bad-group"), Enabled: cachet.Ptr(false), GroupID: cachet.Ptr(2_000_000_000)}, "component_group_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.c.CreateComponent(t.Context(), tt.fields)
			if err == nil {
				ctx, cancel := cleanupCtx()
				defer cancel()
				_ = f.c.DeleteComponent(ctx, got.ID)
				t.Fatalf("create %+v succeeded (id %d), want 422", tt.fields, got.ID)
			}
			var ae *cachet.APIError
			if !errors.As(err, &ae) || !errors.Is(err, cachet.ErrValidation) {
				t.Fatalf("err = %v, want a 422 APIError", err)
			}
			if len(ae.Fields[tt.field]) == 0 || ae.Message == "" {
				t.Errorf("422 message %q fields %v, want a message and an error for %q", ae.Message, ae.Fields, tt.field)
			}
			if cachet.Temporary(err) {
				t.Errorf("Temporary(422) = true, want permanent")
			}
		})
	}
	if n := len(f.ours(t)); n != 0 {
		t.Errorf("%d components of this run exist after invalid creates, want 0", n)
	}
}

// A maintenance window on a component (spec 7.6, 7.11): in progress at
// once, Under Maintenance on the component's latest_status while its
// status stays, found by its tag, ended with completed_at = now − 1 s,
// then deleted. Cores without metadata (BASE) only check the 422 shape:
// schedules are a HEAD feature there. On a live Cachet the window is
// public for the few seconds the check runs.
func (f *fixture) scheduleWindow(t *testing.T) {
	_, err := f.c.CreateSchedule(t.Context(), cachet.NewSchedule{Message: "contract probe", ScheduledAt: time.Now()})
	var ae *cachet.APIError
	if !errors.As(err, &ae) || !errors.Is(err, cachet.ErrValidation) || len(ae.Fields["name"]) == 0 {
		t.Errorf("create without a name: err = %v, want a 422 with an error for name", err)
	}
	comp := f.component(t, "maintenance", cachet.ComponentFields{Status: cachet.Ptr(status.Operational), Enabled: cachet.Ptr(false)})
	if !f.keepsMeta(t, comp.ID) {
		t.Logf("%s keeps no metadata (BASE): schedules are a HEAD feature, the window checks are skipped", f.tg.name)
		return
	}
	key, tag := "statusbridge_contract", f.prefix+"window"
	now := time.Now()
	w, err := f.c.CreateSchedule(t.Context(), cachet.NewSchedule{
		Name: f.prefix + "window", Message: "contract probe", ScheduledAt: now.Add(-5 * time.Second), CompletedAt: now.Add(10 * time.Minute),
		Components: []cachet.Impact{{ComponentID: comp.ID, Status: status.UnderMaintenance}}, Meta: map[string]any{key: tag},
	})
	if errors.Is(err, cachet.ErrForbidden) {
		t.Skipf("the token lacks schedules.manage: add schedules.manage and schedules.delete to check schedules (%v)", err)
	}
	if err != nil {
		t.Fatalf("CreateSchedule: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := cleanupCtx()
		defer cancel()
		if err := f.c.DeleteSchedule(ctx, w.ID); err != nil && !errors.Is(err, cachet.ErrNotFound) {
			t.Errorf("cleanup: delete schedule %d: %v", w.ID, err)
		}
	})
	if w.Status != cachet.ScheduleInProgress || !slices.Equal(w.ComponentIDs, []int{comp.ID}) {
		t.Errorf("create answer = %+v, want in progress on component %d (is Cachet's clock behind this host's?)", w, comp.ID)
	}
	statuses := func() (status.Status, status.Status) {
		t.Helper()
		c, err := f.c.Component(t.Context(), comp.ID)
		if err != nil {
			t.Fatalf("Component(%d): %v", comp.ID, err)
		}
		return c.Status, c.LatestStatus
	}
	if st, latest := statuses(); st != status.Operational || latest != status.UnderMaintenance {
		t.Errorf("during the window: status %d, latest_status %d; want 1 and 6", st, latest)
	}
	running, err := f.c.InProgressSchedules(t.Context())
	if err != nil {
		t.Fatalf("InProgressSchedules: %v", err)
	}
	if i := slices.IndexFunc(running, func(s cachet.Schedule) bool { return s.ID == w.ID }); i < 0 || !slices.Contains(running[i].ComponentIDs, comp.ID) {
		t.Errorf("InProgressSchedules lacks window %d on component %d: %+v", w.ID, comp.ID, running)
	}
	found, err := f.c.SchedulesWithMeta(t.Context(), key, tag)
	if err != nil {
		t.Fatalf("SchedulesWithMeta: %v", err)
	}
	if len(found) != 1 || found[0].ID != w.ID || found[0].Meta[key] != tag {
		t.Errorf("SchedulesWithMeta(%s=%s) = %+v, want window %d with its tag", key, tag, found, w.ID)
	}

	if err := f.c.CompleteSchedule(t.Context(), w.ID, time.Now().Add(-time.Second)); err != nil {
		t.Fatalf("CompleteSchedule: %v", err)
	}
	if st, latest := statuses(); st != status.Operational || latest != status.Operational {
		t.Errorf("after the window: status %d, latest_status %d; want 1 and 1", st, latest)
	}
	if found, err := f.c.SchedulesWithMeta(t.Context(), key, tag); err != nil || len(found) != 0 {
		t.Errorf("SchedulesWithMeta after completion = %+v, %v; want none", found, err)
	}
	running, err = f.c.InProgressSchedules(t.Context())
	if err != nil || slices.ContainsFunc(running, func(s cachet.Schedule) bool { return s.ID == w.ID }) {
		t.Errorf("InProgressSchedules after completion = %+v, %v; want window %d gone", running, err, w.ID)
	}

	if err := f.c.DeleteSchedule(t.Context(), w.ID); err != nil {
		t.Fatalf("DeleteSchedule: %v", err)
	}
	if err := f.c.CompleteSchedule(t.Context(), w.ID, time.Now()); !errors.Is(err, cachet.ErrNotFound) {
		t.Errorf("CompleteSchedule of a deleted window: err = %v, want ErrNotFound", err)
	}
}
