package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/maintenance"
)

// fakeSilencingAM is Alertmanager's v2 API holding one firing status-page
// alert on 127.0.0.1:19100 (Backend), silenced by one silence or not.
type fakeSilencingAM struct {
	mu       sync.Mutex
	silenced bool
	start    time.Time
}

func (f *fakeSilencingAM) set(silenced bool) {
	f.mu.Lock()
	f.silenced = silenced
	f.mu.Unlock()
}

func (f *fakeSilencingAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	state, by := "expired", []string{}
	if f.silenced {
		state, by = "active", []string{"s-1"}
	}
	var body any
	switch r.URL.Path {
	case "/api/v2/silences":
		body = []any{map[string]any{"id": "s-1", "status": map[string]any{"state": state}, "comment": "Backend upgrade",
			"createdBy": "alice", "startsAt": f.start, "endsAt": f.start.Add(2 * time.Hour), "matchers": []any{}}}
	case "/api/v2/alerts":
		body = []any{map[string]any{"fingerprint": "00000000000000aa", "startsAt": f.start, "endsAt": f.start.Add(time.Hour),
			"labels": map[string]string{"alertname": "InstanceDown", "instance": "127.0.0.1:19100",
				"status_page_alert": "true", "status_page_component": "Backend"},
			"annotations": map[string]string{}, "status": map[string]any{"state": "suppressed", "silencedBy": by}}}
	default:
		http.NotFound(w, r)
		return
	}
	_ = json.NewEncoder(w).Encode(body)
}

// syncRig is a daemon's Alertmanager sync in schedule mode, against a
// fake Alertmanager and a seeded emulator, built from nothing each time
// as a restarted process would be.
func syncRig(t *testing.T, emu *cachettest.Server, amURL string) syncer {
	t.Helper()
	var logs syncBuffer
	o := testOptions(t, &logs)
	t.Cleanup(func() { _ = o.Listener.Close() })
	o.Cachet.BaseURL = emu.APIURL()
	var err error
	if o.Alertmanager, err = alertmanager.NewAPIClient(alertmanager.APIOptions{URL: amURL}); err != nil {
		t.Fatal(err)
	}
	o.SilencedSchedule = true
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.br.Load(t.Context()); err != nil {
		t.Fatalf("load: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	return syncer{am: a.o.Alertmanager, br: a.br, log: a.log, windows: maintenance.New(a.client, a.log, nil),
		visible: func() []string { return a.cfg.Load().Components() }}
}

// In schedule mode a silenced alert counts as resolved (the component's
// own status stays Operational) while a window shows it Under
// Maintenance; a restarted process finds the window instead of opening a
// second; the silence's end completes it and the outage shows.
func TestSyncScheduleMode(t *testing.T) {
	emu := cachettest.NewServer(cachettest.Options{})
	t.Cleanup(emu.Close)
	gid := emu.AddGroup(cachettest.Group{Name: "Services", Visible: 1})
	backend := emu.AddComponent(cachettest.Component{Name: "Backend", Status: 1, Enabled: true, GroupID: gid})
	emu.AddComponent(cachettest.Component{Name: "127.0.0.1:19100 | Backend", Status: 1, Description: "critical: no\nno alerts"})
	am := &fakeSilencingAM{silenced: true, start: time.Now().UTC().Add(-time.Minute)}
	amSrv := httptest.NewServer(am)
	t.Cleanup(amSrv.Close)
	baseline := func() int {
		for _, c := range emu.Components() {
			if c.ID == backend {
				return c.Status
			}
		}
		return 0
	}
	live := func() []cachettest.Schedule {
		var out []cachettest.Schedule
		for _, s := range emu.Schedules() {
			if s.Status != 2 {
				out = append(out, s)
			}
		}
		return out
	}

	syncRig(t, emu, amSrv.URL).once(t.Context())
	if ws := live(); len(ws) != 1 || ws[0].Name != "Backend upgrade" || len(ws[0].Impacts) != 1 || ws[0].Impacts[0].ComponentID != backend {
		t.Fatalf("windows = %+v, want one on Backend named after the silence", ws)
	}
	if got := emu.LatestStatus(backend); got != 6 {
		t.Errorf("Backend latest_status = %d, want 6", got)
	}
	if got := baseline(); got != 1 {
		t.Errorf("Backend status = %d, want 1: a silenced alert counts as resolved", got)
	}

	emu.ResetStats()
	syncRig(t, emu, amSrv.URL).once(t.Context()) // a restart
	if ws := live(); len(ws) != 1 {
		t.Errorf("windows after a restart = %+v, want the one", ws)
	}
	if n := emu.Stats().ByRoute["POST /schedules"]; n != 0 {
		t.Errorf("a restart created %d windows, want none", n)
	}

	am.set(false)
	syncRig(t, emu, amSrv.URL).once(t.Context())
	if ws := live(); len(ws) != 0 {
		t.Errorf("windows after the silence = %+v, want none running", ws)
	}
	if got := emu.LatestStatus(backend); got != 4 {
		t.Errorf("Backend latest_status after the silence = %d, want 4 (its only target is down)", got)
	}
}
