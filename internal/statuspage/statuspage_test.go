package statuspage

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/status"
)

// fixture is a Cachet seeded as statusbridge's setup would leave it, with
// a few things the page must not show.
func fixture(t *testing.T) (*cachettest.Server, *cachet.Client) {
	t.Helper()
	srv := cachettest.NewServer(cachettest.Options{})
	t.Cleanup(srv.Close)
	web := srv.AddGroup(cachettest.Group{Name: "Web Services", Visible: 1})
	staff := srv.AddGroup(cachettest.Group{Name: "Staff Only", Visible: 0})
	db := srv.AddComponent(cachettest.Component{Name: "Database", Status: int(status.MajorOutage), Enabled: true, GroupID: web})
	srv.AddComponent(cachettest.Component{Name: "Web Server", Status: int(status.PartialOutage), Enabled: true, GroupID: web})
	srv.AddComponent(cachettest.Component{Name: "<script>alert(1)</script> & Co", Status: int(status.Operational), Enabled: true, GroupID: web})
	srv.AddComponent(cachettest.Component{Name: "10.0.0.1:9100 | Database", Status: int(status.MajorOutage), GroupID: 0})
	srv.AddComponent(cachettest.Component{Name: "Disabled In Group", Status: int(status.MajorOutage), GroupID: web})
	srv.AddComponent(cachettest.Component{Name: "Internal Wiki", Status: int(status.Operational), Enabled: true, GroupID: staff})
	srv.AddComponent(cachettest.Component{Name: "Mail", Status: int(status.Operational), Enabled: true})
	srv.AddIncident(cachettest.Incident{Name: "Database is down <b>now</b>", Message: "We are on it.", Status: cachet.IncidentInvestigating, Visible: 1,
		Impacts: []cachettest.Impact{{ComponentID: db, Status: int(status.Operational)}}})
	srv.AddIncident(cachettest.Incident{Name: "Old outage", Message: "Over.", Status: cachet.IncidentFixed, Visible: 1})
	srv.AddIncident(cachettest.Incident{Name: "Private drill", Message: "Staff only.", Status: cachet.IncidentInvestigating, Visible: 0})
	client, err := cachet.New(cachet.Options{BaseURL: srv.APIURL(), Token: cachettest.DefaultToken, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

func get(t *testing.T, h http.Handler) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", nil))
	return rec.Code, rec.Body.String()
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestPageThroughRealClient(t *testing.T) {
	_, client := fixture(t)
	code, body := get(t, Handler(client, "Acme <Status>", discard()))
	if code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200\n%s", code, body)
	}
	for _, tc := range []struct {
		name    string
		pattern string
		present bool
	}{
		{"major_outage_component_is_red", `<li class="component major"><span class="name">Database</span><span class="badge major">Major Outage</span>`, true},
		{"red_is_red", `\.badge\.major\{color:#dc2626\}`, true},
		{"partial_outage_component_is_amber", `<li class="component partial"><span class="name">Web Server</span>`, true},
		{"group_heading_shown", `<h2>Web Services</h2>`, true},
		{"ungrouped_enabled_component_shown", `<span class="name">Mail</span>`, true},
		{"headline_names_the_worst", `<p class="banner major">Some systems are affected: Major Outage</p>`, true},
		{"component_name_is_escaped", `<span class="name">&lt;script&gt;alert\(1\)&lt;/script&gt; &amp; Co</span>`, true},
		{"title_is_escaped", `<h1>Acme &lt;Status&gt;</h1>`, true},
		{"incident_name_is_escaped", `<h3>Database is down &lt;b&gt;now&lt;/b&gt;</h3>`, true},
		{"open_incident_names_its_component", `Investigating · affects Database`, true},
		{"no_raw_script", `<script>`, false},
		{"disabled_invisible_component_absent", `10\.0\.0\.1:9100`, false},
		{"disabled_grouped_component_absent", `Disabled In Group`, false},
		{"logged_in_only_group_absent", `Staff Only|Internal Wiki`, false},
		{"fixed_incident_absent", `Old outage`, false},
		{"private_incident_absent", `Private drill`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := regexp.MustCompile(tc.pattern).MatchString(body); got != tc.present {
				t.Errorf("page matches %q = %v, want %v\n%s", tc.pattern, got, tc.present, body)
			}
		})
	}
}

func TestAllOperationalHeadline(t *testing.T) {
	srv := cachettest.NewServer(cachettest.Options{})
	t.Cleanup(srv.Close)
	g := srv.AddGroup(cachettest.Group{Name: "Web", Visible: 1})
	srv.AddComponent(cachettest.Component{Name: "API", Status: int(status.Operational), Enabled: true, GroupID: g})
	srv.AddComponent(cachettest.Component{Name: "h | API", Status: int(status.MajorOutage), GroupID: g})
	client, err := cachet.New(cachet.Options{BaseURL: srv.APIURL(), Token: cachettest.DefaultToken, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, Handler(client, "S", discard()))
	if !strings.Contains(body, `<p class="banner ok">All systems operational</p>`) {
		t.Errorf("headline of an operational page is missing; a disabled component in outage must not count\n%s", body)
	}
}

// countingSource counts reads and can be made to fail.
type countingSource struct {
	Source
	reads atomic.Int32
	fail  atomic.Bool
}

func (s *countingSource) Snapshot(ctx context.Context) (cachet.Snapshot, error) {
	s.reads.Add(1)
	if s.fail.Load() {
		return cachet.Snapshot{}, context.DeadlineExceeded
	}
	return s.Source.Snapshot(ctx)
}

func TestCachingAndOutages(t *testing.T) {
	_, client := fixture(t)
	src := &countingSource{Source: client}
	now := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	h := newHandler(src, "S", discard(), 5*time.Second, func() time.Time { return now })

	type step struct {
		advance  time.Duration
		fail     bool
		code     int
		reads    int32
		contains string
	}
	var got, want []step
	for _, s := range []step{
		{code: 200, reads: 1, contains: "Database"},
		{advance: 4 * time.Second, code: 200, reads: 1, contains: "Database"},               // within the TTL: no read
		{advance: 2 * time.Second, code: 200, reads: 2, contains: "Database"},               // expired: one read
		{advance: 6 * time.Second, fail: true, code: 200, reads: 3, contains: "last known"}, // Cachet down: stale page
		{advance: time.Second, fail: true, code: 200, reads: 3, contains: "last known"},     // failures are cached too
		{advance: 5 * time.Second, code: 200, reads: 4, contains: "Database"},               // Cachet back
	} {
		now = now.Add(s.advance)
		src.fail.Store(s.fail)
		code, body := get(t, h)
		g := step{advance: s.advance, fail: s.fail, code: code, reads: src.reads.Load(), contains: s.contains}
		if !strings.Contains(body, s.contains) {
			g.contains = "<missing>"
		}
		got, want = append(got, g), append(want, s)
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(step{})); diff != "" {
		t.Errorf("page over time (-want +got):\n%s", diff)
	}
}

func TestUnavailableWithoutAnyGoodRead(t *testing.T) {
	srv, client := fixture(t)
	srv.SetDown(true)
	code, body := get(t, Handler(client, "S", discard()))
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be read") {
		t.Errorf("GET / with Cachet down = %d, want 503 with a note\n%s", code, body)
	}
}

func TestOnlyGetAndHead(t *testing.T) {
	_, client := fixture(t)
	h := Handler(client, "S", discard())
	for _, tc := range []struct {
		method string
		want   int
	}{
		{http.MethodGet, 200},
		{http.MethodHead, 200},
		{http.MethodPost, 405},
		{http.MethodDelete, 405},
	} {
		t.Run(tc.method, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), tc.method, "/", nil))
			if rec.Code != tc.want {
				t.Errorf("%s / = %d, want %d", tc.method, rec.Code, tc.want)
			}
		})
	}
}
