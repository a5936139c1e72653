package maintenance_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/maintenance"
)

// fakeAM answers GET /api/v2/alerts and /api/v2/silences from what the test
// sets, in Alertmanager's v2 shapes.
type fakeAM struct {
	mu       sync.Mutex
	silences []map[string]any
	alerts   []map[string]any
}

func (f *fakeAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var body any
	switch r.URL.Path {
	case "/api/v2/alerts":
		body = append([]map[string]any{}, f.alerts...)
	case "/api/v2/silences":
		body = append([]map[string]any{}, f.silences...)
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// silence sets one silence in state, muting one firing status-page alert
// on components (none when state is not active, as Alertmanager does).
func (f *fakeAM) silence(id, state, components string, start, end time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.silences = []map[string]any{{"id": id, "status": map[string]any{"state": state}, "comment": "Disk swap on db-1",
		"createdBy": "alice", "startsAt": start, "endsAt": end, "updatedAt": start,
		"matchers": []any{map[string]any{"name": "instance", "value": "db-1:9100", "isRegex": false, "isEqual": true}}}}
	silencedBy := []string{}
	if state == "active" {
		silencedBy = []string{id}
	}
	f.alerts = []map[string]any{{"fingerprint": "00000000000000aa", "startsAt": start, "endsAt": end, "updatedAt": start,
		"labels": map[string]string{"alertname": "InstanceDown", "instance": "db-1:9100", "status_page_alert": "true",
			"status_page_component": components},
		"annotations": map[string]string{}, "receivers": []any{map[string]any{"name": "statusbridge"}},
		"status": map[string]any{"state": "suppressed", "silencedBy": silencedBy, "inhibitedBy": []string{}, "mutedBy": []string{}}}}
}

// delete drops every silence, as DELETE /api/v2/silence/{id} then
// retention would: the alert notifies again.
func (f *fakeAM) delete() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.silences {
		s["status"] = map[string]any{"state": "expired"}
	}
	for _, a := range f.alerts {
		a["status"] = map[string]any{"state": "active", "silencedBy": []string{}, "inhibitedBy": []string{}, "mutedBy": []string{}}
	}
}

type rig struct {
	am      *alertmanager.APIClient
	fake    *fakeAM
	emu     *cachettest.Server
	client  *cachet.Client
	web, db int
	visible []string
	log     *slog.Logger
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{fake: &fakeAM{}, visible: []string{"Web", "DB"}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	amSrv := httptest.NewServer(r.fake)
	t.Cleanup(amSrv.Close)
	var err error
	if r.am, err = alertmanager.NewAPIClient(alertmanager.APIOptions{URL: amSrv.URL}); err != nil {
		t.Fatal(err)
	}
	r.emu = cachettest.NewServer(cachettest.Options{})
	t.Cleanup(r.emu.Close)
	r.web = r.emu.AddComponent(cachettest.Component{Name: "Web", Status: 1, Enabled: true})
	r.db = r.emu.AddComponent(cachettest.Component{Name: "DB", Status: 1, Enabled: true})
	r.emu.AddComponent(cachettest.Component{Name: "db-1:9100 | DB", Status: 1})
	if r.client, err = cachet.New(cachet.Options{BaseURL: r.emu.APIURL(), Token: cachettest.DefaultToken}); err != nil {
		t.Fatal(err)
	}
	return r
}

// sync is one pass of the Alertmanager sync loop's maintenance part.
func (r *rig) sync(t *testing.T, w *maintenance.Windows) (maintenance.Result, error) {
	t.Helper()
	cur, err := r.am.Current(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	silences, err := r.am.ActiveSilences(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return w.Sync(t.Context(), r.visible, silences, cur.Silenced)
}

func (r *rig) mustSync(t *testing.T, w *maintenance.Windows, want maintenance.Result) {
	t.Helper()
	got, err := r.sync(t, w)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if got != want {
		t.Errorf("Sync = %+v, want %+v", got, want)
	}
}

func (r *rig) live(t *testing.T) []cachettest.Schedule {
	t.Helper()
	var out []cachettest.Schedule
	for _, s := range r.emu.Schedules() {
		if s.Status != cachet.ScheduleComplete {
			out = append(out, s)
		}
	}
	return out
}

// A silence muting a status-page alert on DB shows DB Under Maintenance in
// a window named after the comment, until the silence is deleted: then the
// window is completed (kept in the history) and DB shows its own status.
func TestSilenceBecomesWindowUntilDeleted(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	w := maintenance.New(r.client, r.log, nil)
	now := time.Now().UTC()
	end := now.Add(time.Hour)
	r.fake.silence("s-1", "active", "DB, Unknown", now.Add(-time.Minute), end)

	r.mustSync(t, w, maintenance.Result{Created: 1})
	ws := r.live(t)
	if len(ws) != 1 {
		t.Fatalf("windows after the silence = %+v, want one", ws)
	}
	got := ws[0]
	if got.Name != "Disk swap on db-1" || !strings.Contains(got.Message, "alice") || got.Status != cachet.ScheduleInProgress ||
		!got.CompletedAt.Equal(end.Truncate(time.Second)) || got.Meta[maintenance.MetaKey] != "s-1" || got.Notifications {
		t.Errorf("window = %+v, want in progress until %s, named after the comment, tagged s-1, mailing nobody", got, end)
	}
	if len(got.Impacts) != 1 || got.Impacts[0] != (cachettest.Impact{ComponentID: r.db, Status: 6}) {
		t.Errorf("impacts = %+v, want DB (%d) Under Maintenance", got.Impacts, r.db)
	}
	if s := r.emu.LatestStatus(r.db); s != 6 {
		t.Errorf("DB latest_status = %d, want 6", s)
	}
	if s := r.emu.LatestStatus(r.web); s != 1 {
		t.Errorf("Web latest_status = %d, want 1 (not muted)", s)
	}
	r.mustSync(t, w, maintenance.Result{}) // steady state: nothing to write

	r.fake.delete()
	r.mustSync(t, w, maintenance.Result{Completed: 1})
	if ws := r.live(t); len(ws) != 0 {
		t.Errorf("windows after the silence = %+v, want none running", ws)
	}
	if all := r.emu.Schedules(); len(all) != 1 || all[0].Status != cachet.ScheduleComplete {
		t.Errorf("schedules = %+v, want the window kept as complete", all)
	}
	if s := r.emu.LatestStatus(r.db); s != 1 {
		t.Errorf("DB latest_status after the silence = %d, want 1", s)
	}
}

// A silence that expires by itself (Alertmanager then lists it expired
// and the alert unsilenced) completes its window the same way.
func TestSilenceExpiredCompletesWindow(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	w := maintenance.New(r.client, r.log, nil)
	now := time.Now().UTC()
	r.fake.silence("s-1", "active", "DB", now.Add(-time.Hour), now.Add(time.Hour))
	r.mustSync(t, w, maintenance.Result{Created: 1})
	r.fake.silence("s-1", "expired", "DB", now.Add(-time.Hour), now.Add(-time.Minute))
	r.mustSync(t, w, maintenance.Result{Completed: 1})
	if s := r.emu.LatestStatus(r.db); s != 1 {
		t.Errorf("DB latest_status = %d, want 1", s)
	}
}

// After a restart (a fresh Windows, nothing remembered) the window of a
// silence still active is found by its tag: no second window.
func TestRestartWithSilenceActiveOpensNoDuplicate(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	now := time.Now().UTC()
	r.fake.silence("s-1", "active", "DB,Web", now.Add(-time.Minute), now.Add(time.Hour))
	r.mustSync(t, maintenance.New(r.client, r.log, nil), maintenance.Result{Created: 1})

	r.emu.ResetStats()
	r.mustSync(t, maintenance.New(r.client, r.log, nil), maintenance.Result{})
	if ws := r.live(t); len(ws) != 1 {
		t.Errorf("windows after a restart = %+v, want the one", ws)
	}
	if st := r.emu.Stats(); st.Writes != 0 || st.Reads != 2 {
		t.Errorf("restart sync made %d reads and %d writes, want 2 reads (windows, components) and none", st.Reads, st.Writes)
	}
}

// A create whose answer is lost was applied by Cachet: the next sync
// finds it by its tag before creating again.
func TestLostCreateAnswerOpensNoDuplicate(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	w := maintenance.New(r.client, r.log, nil)
	var once sync.Once
	r.emu.Inject(func(req *http.Request) *cachettest.Fault {
		var f *cachettest.Fault
		if req.Method == http.MethodPost && req.URL.Path == "/api/schedules" {
			once.Do(func() { f = &cachettest.Fault{LoseResponse: true} })
		}
		return f
	})
	now := time.Now().UTC()
	r.fake.silence("s-1", "active", "DB", now.Add(-time.Minute), now.Add(time.Hour))
	if _, err := r.sync(t, w); err == nil {
		t.Fatal("Sync with a lost create answer succeeded, want an error")
	}
	r.mustSync(t, w, maintenance.Result{})
	if ws := r.live(t); len(ws) != 1 {
		t.Errorf("windows after a lost create answer = %+v, want exactly one", ws)
	}
	if st := r.emu.Stats(); st.ByRoute["POST /schedules"] != 1 || st.Lost != 1 {
		t.Errorf("creates = %d (lost %d), want the one lost", st.ByRoute["POST /schedules"], st.Lost)
	}
}

// A silence extended in Alertmanager (same id, later end) moves its
// window's end; one muting another component too widens it.
func TestSilenceChangeUpdatesWindow(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	w := maintenance.New(r.client, r.log, nil)
	now := time.Now().UTC()
	r.fake.silence("s-1", "active", "DB", now.Add(-time.Minute), now.Add(time.Hour))
	r.mustSync(t, w, maintenance.Result{Created: 1})
	later := now.Add(3 * time.Hour)
	r.fake.silence("s-1", "active", "DB, Web", now.Add(-time.Minute), later)
	r.mustSync(t, w, maintenance.Result{Updated: 1})
	ws := r.live(t)
	if len(ws) != 1 || !ws[0].CompletedAt.Equal(later.Truncate(time.Second)) || len(ws[0].Impacts) != 2 {
		t.Fatalf("windows = %+v, want one until %s on both components", ws, later)
	}
	if r.emu.LatestStatus(r.web) != 6 || r.emu.LatestStatus(r.db) != 6 {
		t.Errorf("latest_status Web %d DB %d, want 6 and 6", r.emu.LatestStatus(r.web), r.emu.LatestStatus(r.db))
	}
	r.mustSync(t, w, maintenance.Result{})
}

// A pending silence (starting later) is not a window yet.
func TestPendingSilenceIsNotAWindow(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	now := time.Now().UTC()
	r.fake.silence("s-1", "pending", "DB", now.Add(time.Hour), now.Add(2*time.Hour))
	r.mustSync(t, maintenance.New(r.client, r.log, nil), maintenance.Result{})
	if all := r.emu.Schedules(); len(all) != 0 {
		t.Errorf("schedules = %+v, want none", all)
	}
}
