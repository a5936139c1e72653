package setup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// topology is a generated configuration: services visible components in
// groups of ten, and targets feeding one or two of them, every tenth
// critical.
func topology(services, targets int) Desired {
	var d Desired
	for i := range services {
		if i%10 == 0 {
			d.Groups = append(d.Groups, Group{Name: fmt.Sprintf("Group %03d", i/10)})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Components = append(g.Components, fmt.Sprintf("Service %03d", i))
	}
	for i := range targets {
		raw := fmt.Sprintf("Service %03d", i%services)
		if i%3 == 0 {
			raw += fmt.Sprintf(", Service %03d", (i+1)%services)
		}
		d.Targets = append(d.Targets, Target{
			Name:     status.InvisibleName(fmt.Sprintf("10.%d.%d.%d:9100", i/65536, i/256%256, i%256), raw),
			Critical: i%10 == 0,
		})
	}
	return d
}

func newCachet(tb testing.TB, opts cachettest.Options) (*cachettest.Server, *cachet.Client) {
	tb.Helper()
	srv := cachettest.NewServer(opts)
	tb.Cleanup(srv.Close)
	c, err := cachet.New(cachet.Options{
		BaseURL: srv.APIURL(), Token: cachettest.DefaultToken, PerPage: 50,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return srv, c
}

// converge plans against a fresh snapshot and applies the plan.
func converge(tb testing.TB, c *cachet.Client, d Desired, m Mode) ([]Action, Result) {
	tb.Helper()
	snap, err := c.Snapshot(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	actions := Select(Plan(d, snap), m)
	return actions, Apply(tb.Context(), c, actions, Options{})
}

// checkConverged asserts that Cachet holds d as setup leaves it, and that
// a further run plans nothing and writes nothing.
func checkConverged(t *testing.T, srv *cachettest.Server, c *cachet.Client, d Desired) {
	t.Helper()
	groups := map[string]cachettest.Group{}
	for _, g := range srv.Groups() {
		groups[g.Name] = g
	}
	comps := map[string]cachettest.Component{}
	for _, x := range srv.Components() {
		if _, dup := comps[x.Name]; dup {
			t.Errorf("component %q exists twice", x.Name)
		}
		comps[x.Name] = x
	}
	for _, g := range d.Groups {
		if groups[g.Name].Visible != 1 {
			t.Errorf("group %q visible = %d, want 1", g.Name, groups[g.Name].Visible)
		}
		for _, name := range g.Components {
			if x := comps[name]; !x.Enabled || x.GroupID != groups[g.Name].ID || x.GroupID == 0 {
				t.Errorf("component %q = enabled %v group %d, want enabled in %d", name, x.Enabled, x.GroupID, groups[g.Name].ID)
			}
		}
	}
	for _, tg := range d.Targets {
		x, ok := comps[tg.Name]
		if crit, _ := status.ParseDescription(x.Description); !ok || x.Enabled || crit != tg.Critical {
			t.Errorf("hidden component %q = %+v, want disabled with critical %v", tg.Name, x, tg.Critical)
		}
	}
	srv.ResetStats()
	actions, res := converge(t, c, d, Prune)
	if len(actions) != 0 || len(res.Failures) != 0 {
		t.Errorf("second run planned %v, failures %v; want nothing", actions, res.Failures)
	}
	if w := srv.Stats().Writes; w != 0 {
		t.Errorf("second run made %d writes, want 0", w)
	}
}

func TestApplyCreatesThenRerunWritesNothing(t *testing.T) {
	for _, dialect := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run(dialect.String(), func(t *testing.T) {
			srv, c := newCachet(t, cachettest.Options{Dialect: dialect})
			d := topology(25, 120)
			actions, res := converge(t, c, d, Converge)
			if len(res.Failures) != 0 || res.Done != len(actions) {
				t.Fatalf("Apply = %d done of %d, failures %v", res.Done, len(actions), res.Failures)
			}
			for _, x := range srv.Components() {
				if x.Status != int(status.Operational) {
					t.Errorf("created %q with status %d, want 1", x.Name, x.Status)
				}
			}
			checkConverged(t, srv, c, d)
		})
	}
}

// olderMiddleware seeds Cachet as nethesis/status setup-components.py
// leaves it: groups created with visible 1, visible components enabled in
// their group, hidden ones disabled in no group, statuses as serve left them.
func olderMiddleware(srv *cachettest.Server, d Desired) {
	for _, g := range d.Groups {
		gid := srv.AddGroup(cachettest.Group{Name: g.Name, Visible: 1})
		for _, name := range g.Components {
			srv.AddComponent(cachettest.Component{Name: name, Status: 1, Enabled: true, GroupID: gid})
		}
	}
	for i, tg := range d.Targets {
		desc := status.Description(tg.Critical, nil)
		st := 1
		if i%7 == 0 {
			desc, st = strings.Replace(desc, "no alerts", "InstanceDown,", 1), 4
		}
		srv.AddComponent(cachettest.Component{Name: tg.Name, Status: st, Description: desc})
	}
}

func TestApplyAdoptsOlderMiddlewareWithoutWrites(t *testing.T) {
	for _, dialect := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run(dialect.String(), func(t *testing.T) {
			srv, c := newCachet(t, cachettest.Options{Dialect: dialect})
			d := topology(20, 60)
			olderMiddleware(srv, d)
			before := srv.Components()
			actions, _ := converge(t, c, d, Prune)
			if len(actions) != 0 {
				t.Errorf("planned %d actions for a consistent older Cachet, want 0: %v", len(actions), actions)
			}
			if w := srv.Stats().Writes; w != 0 {
				t.Errorf("made %d writes, want 0", w)
			}
			if diff := cmp.Diff(before, srv.Components()); diff != "" {
				t.Errorf("components changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestApplyFixesDrift(t *testing.T) {
	for _, dialect := range []cachettest.Dialect{cachettest.Head, cachettest.Base} {
		t.Run(dialect.String(), func(t *testing.T) {
			srv, c := newCachet(t, cachettest.Options{Dialect: dialect})
			private := srv.AddGroup(cachettest.Group{Name: "Web Services", Visible: 0})
			other := srv.AddGroup(cachettest.Group{Name: "Other", Visible: 1})
			srv.AddComponent(cachettest.Component{Name: "Website", Status: 3, Enabled: false, GroupID: other})
			srv.AddComponent(cachettest.Component{Name: "Web Server", Status: 4, Enabled: true})
			srv.AddComponent(cachettest.Component{Name: "Database", Status: 2, Enabled: true, GroupID: private})
			srv.AddComponent(cachettest.Component{Name: "10.0.0.1:9100 | Web Server", Status: 4, Enabled: true,
				Description: "critical: yes\nInstanceDown,HighLoad,"})
			orphan := srv.AddComponent(cachettest.Component{Name: "10.0.0.9:9100 | Web Server", Status: 1, Description: "critical: no\nno alerts"})
			keep := srv.AddComponent(cachettest.Component{Name: "Legacy Mainframe", Status: 1})

			_, res := converge(t, c, desired, Prune)
			if len(res.Failures) != 0 {
				t.Fatalf("failures: %v", res.Failures)
			}
			got := map[string]cachettest.Component{}
			ids := map[int]bool{}
			for _, x := range srv.Components() {
				got[x.Name] = x
				ids[x.ID] = true
			}
			for name, want := range map[string]int{"Website": 3, "Web Server": 4, "Database": 2, "10.0.0.1:9100 | Web Server": 4} {
				if got[name].Status != want {
					t.Errorf("%q status = %d, want %d untouched", name, got[name].Status, want)
				}
			}
			if d := got["10.0.0.1:9100 | Web Server"].Description; d != "critical: no\nHighLoad,InstanceDown," {
				t.Errorf("description = %q, want the flag rewritten and the alerts kept", d)
			}
			if ids[orphan] || !ids[keep] {
				t.Errorf("orphan deleted %v (want true), unmanaged kept %v (want true)", !ids[orphan], ids[keep])
			}
			checkConverged(t, srv, c, desired)
		})
	}
}

// bodyName returns the "name" of a JSON request body.
func bodyName(r *http.Request) string {
	var b struct {
		Name string `json:"name"`
	}
	data, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(data, &b)
	return b.Name
}

// once returns a fault function that applies f to the first POST to path
// whose body names name.
func once(path, name string, f cachettest.Fault) func(*http.Request) *cachettest.Fault {
	var mu sync.Mutex
	used := false
	return func(r *http.Request) *cachettest.Fault {
		if r.Method != http.MethodPost || r.URL.Path != path || bodyName(r) != name {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if used {
			return nil
		}
		used = true
		return &f
	}
}

func TestApplyLostCreateAnswerMakesNoDuplicate(t *testing.T) {
	tests := []struct {
		name, path, object string
		fault              cachettest.Fault
		adopted            int
	}{
		{"lost_component_answer_adopted", "/api/components", "10.0.0.2:9100 | Website, Web Server", cachettest.Fault{LoseResponse: true}, 1},
		{"lost_group_answer_adopted", "/api/component-groups", "Data", cachettest.Fault{LoseResponse: true}, 1},
		{"unapplied_500_created_again", "/api/components", "Website", cachettest.Fault{Status: 500}, 0},
		{"reset_before_apply_created_again", "/api/components", "Database", cachettest.Fault{Reset: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := newCachet(t, cachettest.Options{})
			srv.Inject(once(tt.path, tt.object, tt.fault))
			_, res := converge(t, c, desired, Converge)
			if len(res.Failures) != 0 {
				t.Fatalf("failures: %v", res.Failures)
			}
			if res.Adopted != tt.adopted {
				t.Errorf("Adopted = %d, want %d", res.Adopted, tt.adopted)
			}
			srv.Inject(nil)
			checkConverged(t, srv, c, desired)
		})
	}
}

func TestApplyReportsFailures(t *testing.T) {
	srv, c := newCachet(t, cachettest.Options{})
	srv.Inject(func(r *http.Request) *cachettest.Fault {
		if name := bodyName(r); r.Method == http.MethodPost && (name == "Data" || name == "Website") {
			return &cachettest.Fault{Status: http.StatusInternalServerError}
		}
		return nil
	})
	actions, res := converge(t, c, desired, Converge)
	failed := map[string]error{}
	for _, f := range res.Failures {
		failed[f.Action.Name] = f.Err
	}
	// Data's group failed, so Database could not be put in it.
	for name, want := range map[string]error{"Data": nil, "Website": nil, "Database": errGroupMissing} {
		err, ok := failed[name]
		switch {
		case !ok:
			t.Errorf("no failure for %q; failures: %v", name, res.Failures)
		case want != nil && !errors.Is(err, want):
			t.Errorf("failure for %q = %v, want %v", name, err, want)
		case want == nil && !strings.Contains(err.Error(), "500"):
			t.Errorf("failure for %q = %v, want Cachet's 500", name, err)
		}
	}
	if len(res.Failures) != 3 || res.Done != len(actions)-3 {
		t.Errorf("Apply = %d done, %d failed of %d; want all but 3 done", res.Done, len(res.Failures), len(actions))
	}
}

func TestApplyDeleteWithLostAnswerSucceeds(t *testing.T) {
	srv, c := newCachet(t, cachettest.Options{})
	srv.AddComponent(cachettest.Component{Name: "10.0.0.9:9100 | Web", Status: 1})
	var mu sync.Mutex
	lost := false
	srv.Inject(func(r *http.Request) *cachettest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodDelete && !lost {
			lost = true
			return &cachettest.Fault{LoseResponse: true}
		}
		return nil
	})
	_, res := converge(t, c, Desired{}, JustDelete)
	if len(res.Failures) != 0 || res.Done != 1 {
		t.Fatalf("Apply = %d done, failures %v; want the delete done", res.Done, res.Failures)
	}
	if n := len(srv.Components()); n != 0 {
		t.Errorf("%d components left, want 0", n)
	}
}

func TestApplyReportsProgress(t *testing.T) {
	_, c := newCachet(t, cachettest.Options{})
	d := topology(10, 45)
	snap, err := c.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	actions := Plan(d, snap)
	var got []int
	res := Apply(t.Context(), c, actions, Options{ProgressEvery: 10, Progress: func(done, total int) {
		if total != len(actions) {
			t.Errorf("Progress total = %d, want %d", total, len(actions))
		}
		got = append(got, done)
	}})
	if len(res.Failures) != 0 {
		t.Fatal(res.Failures)
	}
	if diff := cmp.Diff([]int{10, 20, 30, 40, 50}, got); diff != "" {
		t.Errorf("progress calls (-want +got):\n%s len %d", diff, len(actions))
	}
}

// clock is a fake time source the rate-limit test advances instead of
// sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) wait(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

func TestApplyWaitsOutRateLimit(t *testing.T) {
	clk := &clock{now: time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)}
	srv := cachettest.NewServer(cachettest.Options{RateLimit: 10, Now: clk.Now})
	t.Cleanup(srv.Close)
	// One attempt per call: the client's own retry would wait in real time.
	c, err := cachet.New(cachet.Options{BaseURL: srv.APIURL(), Token: cachettest.DefaultToken, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	d := topology(5, 30)
	actions := Plan(d, cachet.Snapshot{})
	res := Apply(t.Context(), c, actions, Options{wait: clk.wait})
	if len(res.Failures) != 0 || res.Done != len(actions) {
		t.Fatalf("Apply = %d done of %d, failures %v", res.Done, len(actions), res.Failures)
	}
	if srv.Stats().RateLimited == 0 {
		t.Fatal("the emulator never rate limited; the test proves nothing")
	}
	_ = clk.wait(t.Context(), time.Hour)
	checkConverged(t, srv, c, d)
}
