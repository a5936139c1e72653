//go:build e2e

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/bridge"
	"statusbridge/internal/cachet/cachettest"
	"statusbridge/internal/maintenance"
)

// page is what a visitor sees of some components: each one's latest_status,
// and the incidents on it, "open" or "fixed", by id.
type page struct {
	Status    map[string]int
	Incidents map[string][]string
}

// page reads the emulator's view of the named components.
func (s *stack) page(names ...string) page {
	p := page{Status: map[string]int{}, Incidents: map[string][]string{}}
	incs := s.emu.Incidents()
	for _, n := range names {
		id := s.ids[n]
		p.Status[n] = s.emu.LatestStatus(id)
		for _, in := range incs {
			if !about(in, id) {
				continue
			}
			state := "open"
			if in.Status == 4 {
				state = "fixed"
			}
			p.Incidents[n] = append(p.Incidents[n], state)
		}
	}
	return p
}

// about reports whether in concerns component id: linked by impact, by the
// legacy column, or tagged by statusbridge.
func about(in cachettest.Incident, id int) bool {
	for _, im := range in.Impacts {
		if im.ComponentID == id {
			return true
		}
	}
	return in.LegacyComponentID == id || fmt.Sprint(in.Meta[bridge.MetaKey]) == fmt.Sprint(id)
}

// step is one action in a scenario and the state it must lead to.
type step struct {
	name string
	do   func(s *stack)
	// want is the page the step must converge to, over the components it names.
	want page
	// check, if set, must also hold (polled like want).
	check func(s *stack) error
}

func (st step) names() []string {
	var ns []string
	for n := range st.want.Status {
		ns = append(ns, n)
	}
	for n := range st.want.Incidents {
		if _, ok := st.want.Status[n]; !ok {
			ns = append(ns, n)
		}
	}
	return ns
}

// Alerts of the scenarios. Each scenario runs its own Alertmanager, so
// sharing the values is harmless.
var (
	w1 = newAlert("InstanceDown", "w1:9100", "Web", false)
	w2 = newAlert("InstanceDown", "w2:9100", "Web", false)
	d1 = newAlert("InstanceDown", "d1:5432", "DB", true)
	d2 = newAlert("InstanceDown", "d2:5432", "DB", false)

	watchdog = &alert{name: "Watchdog", plain: true, startsAt: time.Now().Add(-time.Minute).UTC().Truncate(time.Second)}
	b1       = newAlert("InstanceDown", "b1:9100", "Backend, API", false)
)

func statuses(kv ...any) map[string]int {
	m := map[string]int{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(int)
	}
	return m
}

// webhookCount sums an Alertmanager webhook counter over every peer.
func (s *stack) webhookCount(metric string, match ...string) (float64, error) {
	var sum float64
	for _, am := range s.ams {
		v, err := am.metric(metric, append([]string{`integration="webhook"`}, match...)...)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// amLogged reports an error unless some Alertmanager logged text, which is
// how it tells which answer a webhook got.
func (s *stack) amLogged(text string) error {
	for _, am := range s.ams {
		b, err := os.ReadFile(am.stderr)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(text)) {
			return nil
		}
	}
	return fmt.Errorf("no Alertmanager logged %q yet", text)
}

// window reports an error unless exactly one schedule is in progress,
// tagged with the scenario's silence, named after its comment and
// covering just want.
func (s *stack) window(want ...cachettest.Impact) error {
	var live []cachettest.Schedule
	for _, w := range s.emu.Schedules() {
		if w.Status != 2 {
			live = append(live, w)
		}
	}
	if len(live) != 1 {
		return fmt.Errorf("%d live schedules (%+v), want one", len(live), live)
	}
	w := live[0]
	if w.Status != 1 || w.Name != "planned work" || w.Meta[maintenance.MetaKey] != s.silenceID || !cmp.Equal(w.Impacts, want) {
		return fmt.Errorf("schedule %+v, want in progress, named \"planned work\", tagged %s, on %v", w, s.silenceID, want)
	}
	return nil
}

func TestAlertmanagerToCachet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  stackOpts
		steps []step
	}{
		{
			name: "lifecycle",
			steps: []step{
				{name: "one of two down", do: func(s *stack) { s.fire(w1) },
					want: page{Status: statuses("Web", 3, "w1:9100 | Web", 4), Incidents: map[string][]string{}}},
				{name: "both down", do: func(s *stack) { s.fire(w1, w2) },
					want: page{Status: statuses("Web", 4), Incidents: map[string][]string{"Web": {"open"}}}},
				{name: "one back", do: func(s *stack) { s.resolve(w2) },
					want: page{Status: statuses("Web", 3), Incidents: map[string][]string{"Web": {"open"}}}},
				{name: "all back", do: func(s *stack) { s.resolve(w1) },
					want: page{Status: statuses("Web", 1, "w1:9100 | Web", 1, "w2:9100 | Web", 1), Incidents: map[string][]string{"Web": {"fixed"}}}},
			},
		},
		{
			name: "critical",
			steps: []step{
				{name: "critical down", do: func(s *stack) { s.fire(d1) },
					want: page{Status: statuses("DB", 4, "d1:5432 | DB", 4), Incidents: map[string][]string{"DB": {"open"}}}},
				{name: "critical back", do: func(s *stack) { s.resolve(d1) },
					want: page{Status: statuses("DB", 1, "d1:5432 | DB", 1), Incidents: map[string][]string{"DB": {"fixed"}}}},
			},
		},
		{
			name: "multi-component",
			steps: []step{
				{name: "shared target down", do: func(s *stack) { s.fire(b1) },
					want: page{Status: statuses("Backend", 4, "API", 3, "b1:9100 | Backend, API", 4),
						Incidents: map[string][]string{"Backend": {"open"}}}},
				{name: "shared target back", do: func(s *stack) { s.resolve(b1) },
					want: page{Status: statuses("Backend", 1, "API", 1, "b1:9100 | Backend, API", 1),
						Incidents: map[string][]string{"Backend": {"fixed"}}}},
			},
		},
		{
			name: "cachet-down",
			steps: []step{
				{name: "alerts while cachet is down",
					do: func(s *stack) { s.emu.SetDown(true); s.fire(w1, w2) },
					// statusbridge answers 503, and Alertmanager retries:
					// each attempt counts as a failed request.
					want: page{Status: statuses("Web", 1), Incidents: map[string][]string{}},
					check: func(s *stack) error {
						if err := s.amLogged("unexpected status code 503"); err != nil {
							return err
						}
						n, err := s.webhookCount("alertmanager_notification_requests_failed_total")
						if err == nil && n < 2 {
							err = fmt.Errorf("%v failed webhook requests, want at least 2 (a retry)", n)
						}
						return err
					}},
				{name: "cachet back", do: func(s *stack) { s.emu.SetDown(false) },
					want: page{Status: statuses("Web", 4, "w1:9100 | Web", 4, "w2:9100 | Web", 4), Incidents: map[string][]string{"Web": {"open"}}}},
				{name: "resolved after recovery", do: func(s *stack) { s.resolve(w1, w2) },
					want: page{Status: statuses("Web", 1), Incidents: map[string][]string{"Web": {"fixed"}}}},
			},
		},
		{
			name: "wrong-credentials",
			opts: stackOpts{wrongPassword: true},
			steps: []step{
				{name: "rejected", do: func(s *stack) { s.fire(d1) },
					want: page{Status: statuses("DB", 1), Incidents: map[string][]string{}},
					check: func(s *stack) error {
						if err := s.amLogged("unexpected status code 401"); err != nil {
							return err
						}
						n, err := s.webhookCount("alertmanager_notifications_failed_total", `reason="clientError"`)
						if err != nil {
							return err
						}
						if n < 1 {
							return errors.New("no webhook notification failed with a client error (401) yet")
						}
						if st := s.emu.Stats(); st.Writes != 0 {
							return fmt.Errorf("Cachet saw %d writes after a rejected webhook, want 0: %v", st.Writes, st.ByRoute)
						}
						return nil
					}},
			},
		},
		{
			// Every webhook is rejected (wrong password), as if all were
			// lost: only --alertmanager-url sync can bring the truth.
			name: "alertmanager-sync",
			opts: stackOpts{wrongPassword: true, sync: true},
			steps: []step{
				{name: "webhooks lost, state synced", do: func(s *stack) { s.fire(w1, w2) },
					want: page{Status: statuses("Web", 4, "w1:9100 | Web", 4), Incidents: map[string][]string{"Web": {"open"}}}},
				{name: "silenced counts as resolved", do: func(s *stack) { _ = s.silence("w1:9100") },
					want: page{Status: statuses("Web", 3, "w1:9100 | Web", 1, "w2:9100 | Web", 4), Incidents: map[string][]string{"Web": {"open"}}}},
				{name: "resolved without a webhook", do: func(s *stack) { s.resolve(w1, w2) },
					want: page{Status: statuses("Web", 1, "w2:9100 | Web", 1), Incidents: map[string][]string{"Web": {"fixed"}}}},
			},
		},
		{
			// A silence made in Alertmanager becomes a Cachet maintenance
			// window on the components its alerts feed (spec §13), and
			// expiring it completes the window.
			name: "silence-as-schedule",
			opts: stackOpts{sync: true, silenced: "schedule"},
			steps: []step{
				{name: "partial outage", do: func(s *stack) { s.fire(d2) },
					want: page{Status: statuses("DB", 3, "d2:5432 | DB", 4), Incidents: map[string][]string{}}},
				{name: "silence becomes a window", do: func(s *stack) { s.silenceID = s.silence("d2:5432") },
					want: page{Status: statuses("DB", 6, "d2:5432 | DB", 1, "Web", 1), Incidents: map[string][]string{}},
					check: func(s *stack) error {
						if err := s.window(cachettest.Impact{ComponentID: s.ids["DB"], Status: 6}); err != nil {
							return err
						}
						// A window ended within a second of its start is
						// deleted, not completed (an end a second ago would
						// invert it); expire the silence after that second.
						if w := s.emu.Schedules()[0]; time.Since(w.ScheduledAt) <= 1500*time.Millisecond {
							return fmt.Errorf("window started at %s, under 1.5 s ago", w.ScheduledAt)
						}
						return nil
					}},
				{name: "expired silence completes the window", do: func(s *stack) { s.expire(s.silenceID) },
					want: page{Status: statuses("DB", 3, "d2:5432 | DB", 4), Incidents: map[string][]string{}},
					check: func(s *stack) error {
						all := s.emu.Schedules()
						if len(all) != 1 || all[0].Status != 2 {
							return fmt.Errorf("schedules %+v, want the one window, complete", all)
						}
						return nil
					}},
			},
		},
		{
			// Alertmanager's always-firing Watchdog routed to statusbridge
			// is its heartbeat (spec §13): when it stops, every visible
			// component shows Unknown; when it fires again, the computed
			// statuses come back.
			name: "watchdog-heartbeat",
			opts: stackOpts{heartbeat: "Watchdog"},
			steps: []step{
				{name: "watchdog and an outage", do: func(s *stack) { s.fire(watchdog, d2) },
					want: page{Status: statuses("DB", 3, "Web", 1), Incidents: map[string][]string{}}},
				{name: "watchdog stops: the pipeline may be dead", do: func(s *stack) { s.resolve(watchdog) },
					want: page{Status: statuses("DB", 5, "Web", 5), Incidents: map[string][]string{}}},
				{name: "watchdog fires again", do: func(s *stack) { watchdog.startsAt = time.Now().UTC().Truncate(time.Second); s.fire(watchdog) },
					want: page{Status: statuses("DB", 3, "Web", 1), Incidents: map[string][]string{}}},
			},
		},
		{
			name: "ha-pair",
			opts: stackOpts{peers: 2},
			steps: []step{
				{name: "duplicates", do: func(s *stack) { s.fire(w1, w2, d1) },
					want: page{Status: statuses("Web", 4, "DB", 4), Incidents: map[string][]string{"Web": {"open"}, "DB": {"open"}}},
					// Both peers must have delivered, or nothing was
					// duplicated.
					check: func(s *stack) error {
						for _, am := range s.ams {
							n, err := am.metric("alertmanager_notifications_total", `integration="webhook"`)
							if err != nil {
								return err
							}
							if n < 1 {
								return fmt.Errorf("%s has sent no webhook yet", am.name)
							}
						}
						return nil
					}},
				{name: "resolved on both", do: func(s *stack) { s.resolve(w1, w2, d1) },
					want: page{Status: statuses("Web", 1, "DB", 1), Incidents: map[string][]string{"Web": {"fixed"}, "DB": {"fixed"}}}},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, tc.opts)
			for _, st := range tc.steps {
				began := time.Now()
				st.do(s)
				eventually(t, tc.name+": "+st.name, func() error {
					if diff := cmp.Diff(st.want, s.page(st.names()...)); diff != "" {
						return fmt.Errorf("page mismatch (-want +got):\n%s", diff)
					}
					if st.check != nil {
						return st.check(s)
					}
					return nil
				})
				t.Logf("%s: converged in %v", st.name, time.Since(began).Round(time.Millisecond))
			}
		})
	}
}
