package maintenance

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/status"
)

var (
	now   = time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	start = now.Add(-10 * time.Minute)
	end   = now.Add(2 * time.Hour)
	ids   = map[string]int{"Web": 1, "DB": 2, "API": 3}
)

func silence(id string) alertmanager.Silence {
	return alertmanager.Silence{ID: id, Comment: "Disk swap on db-1", CreatedBy: "alice", StartsAt: start, EndsAt: end}
}

func muted(components string, by ...string) alertmanager.Event {
	return alertmanager.Event{Fingerprint: components + strings.Join(by, ","), Instance: "db-1:9100", AlertName: "InstanceDown",
		ComponentsRaw: components, Firing: true, SilencedBy: by}
}

func owned(id int, sid string, comps ...int) cachet.Schedule {
	return cachet.Schedule{ID: id, Name: "Disk swap on db-1", Status: cachet.ScheduleInProgress, ScheduledAt: start, CompletedAt: end,
		ComponentIDs: comps, Meta: map[string]any{MetaKey: sid}}
}

func maint(ids ...int) []cachet.Impact {
	var out []cachet.Impact
	for _, id := range ids {
		out = append(out, cachet.Impact{ComponentID: id, Status: status.UnderMaintenance})
	}
	return out
}

func created(sid string, comps ...int) Action {
	return Action{Kind: Create, SilenceID: sid, Reason: ReasonNew, New: cachet.NewSchedule{
		Name: "Disk swap on db-1", Message: "Alerts silenced in Alertmanager by alice until 2026-12-02 08:00 UTC.",
		ScheduledAt: start, CompletedAt: end, Components: maint(comps...), Meta: map[string]any{MetaKey: sid}}}
}

func TestPlan(t *testing.T) {
	upcoming := owned(7, "s1", 2)
	upcoming.Status, upcoming.ScheduledAt = cachet.ScheduleUpcoming, now.Add(time.Hour)
	justStarted := owned(7, "s1", 2)
	justStarted.ScheduledAt = now.Add(-500 * time.Millisecond)
	numericTag := owned(7, "", 2)
	numericTag.Meta[MetaKey] = float64(42)
	resolvedEvent := muted("DB", "s1")
	resolvedEvent.Firing = false
	later := silence("s1")
	later.EndsAt = end.Add(time.Hour + 300*time.Millisecond)
	tests := []struct {
		name string
		in   Input
		want []Action
	}{
		{name: "nothing_silenced_nothing_owned_does_nothing",
			in: Input{Silences: []alertmanager.Silence{silence("s1")}}},
		{name: "silence_muting_status_page_alerts_opens_a_window",
			in:   Input{Silences: []alertmanager.Silence{silence("s1")}, Silenced: []alertmanager.Event{muted("DB, Web", "s1")}},
			want: []Action{created("s1", 1, 2)}},
		{name: "components_of_every_muted_alert_are_covered_once",
			in: Input{Silences: []alertmanager.Silence{silence("s1")},
				Silenced: []alertmanager.Event{muted("DB", "s1"), muted("API,DB", "s1")}},
			want: []Action{created("s1", 2, 3)}},
		{name: "unknown_and_invisible_components_are_left_out",
			in:   Input{Silences: []alertmanager.Silence{silence("s1")}, Silenced: []alertmanager.Event{muted("DB, Unknown", "s1")}},
			want: []Action{created("s1", 2)}},
		{name: "silence_muting_only_unknown_components_opens_nothing",
			in: Input{Silences: []alertmanager.Silence{silence("s1")}, Silenced: []alertmanager.Event{muted("Unknown", "s1")}}},
		{name: "resolved_alert_mutes_nothing",
			in: Input{Silences: []alertmanager.Silence{silence("s1")}, Silenced: []alertmanager.Event{resolvedEvent}}},
		{name: "alert_muted_by_two_silences_opens_two_windows",
			in: Input{Silences: []alertmanager.Silence{silence("s1"), silence("s2")},
				Silenced: []alertmanager.Event{muted("DB", "s1", "s2")}},
			want: []Action{created("s1", 2), created("s2", 2)}},
		{name: "alert_naming_a_silence_not_active_opens_nothing",
			in: Input{Silences: []alertmanager.Silence{silence("s1")}, Silenced: []alertmanager.Event{muted("DB", "s9")}}},
		{name: "silence_listed_twice_opens_one_window",
			in:   Input{Silences: []alertmanager.Silence{silence("s1"), silence("s1")}, Silenced: []alertmanager.Event{muted("DB", "s1")}},
			want: []Action{created("s1", 2)}},
		{name: "owned_window_found_again_is_not_duplicated",
			in: Input{Silences: []alertmanager.Silence{silence("s1")}, Silenced: []alertmanager.Event{muted("DB", "s1")},
				Owned: []cachet.Schedule{owned(7, "s1", 2)}}},
		{name: "silence_gone_completes_its_window",
			in:   Input{Owned: []cachet.Schedule{owned(7, "s1", 2)}},
			want: []Action{{Kind: Complete, SilenceID: "s1", ScheduleID: 7, At: now.Add(-time.Second), Reason: ReasonGone}}},
		{name: "silence_muting_nothing_any_more_completes_its_window",
			in:   Input{Silences: []alertmanager.Silence{silence("s1")}, Owned: []cachet.Schedule{owned(7, "s1", 2)}},
			want: []Action{{Kind: Complete, SilenceID: "s1", ScheduleID: 7, At: now.Add(-time.Second), Reason: ReasonNoAlerts}}},
		{name: "window_not_started_is_deleted_not_completed",
			in:   Input{Owned: []cachet.Schedule{upcoming}},
			want: []Action{{Kind: Delete, SilenceID: "s1", ScheduleID: 7, Reason: ReasonGone}}},
		{name: "window_started_within_the_second_is_deleted",
			in:   Input{Owned: []cachet.Schedule{justStarted}},
			want: []Action{{Kind: Delete, SilenceID: "s1", ScheduleID: 7, Reason: ReasonGone}}},
		{name: "duplicate_windows_keep_the_oldest",
			in: Input{Silences: []alertmanager.Silence{silence("s1")}, Silenced: []alertmanager.Event{muted("DB", "s1")},
				Owned: []cachet.Schedule{owned(9, "s1", 2), owned(7, "s1", 2)}},
			want: []Action{{Kind: Complete, SilenceID: "s1", ScheduleID: 9, At: now.Add(-time.Second), Reason: ReasonDuplicate}}},
		{name: "silence_extended_moves_the_end",
			in: Input{Silences: []alertmanager.Silence{later}, Silenced: []alertmanager.Event{muted("DB", "s1")},
				Owned: []cachet.Schedule{owned(7, "s1", 2)}},
			want: []Action{{Kind: Update, SilenceID: "s1", ScheduleID: 7, Change: cachet.ScheduleChange{CompletedAt: end.Add(time.Hour)}, Reason: ReasonChanged}}},
		{name: "sub_second_end_is_not_a_change",
			in: func() Input {
				s := silence("s1")
				s.EndsAt = end.Add(999 * time.Millisecond)
				return Input{Silences: []alertmanager.Silence{s}, Silenced: []alertmanager.Event{muted("DB", "s1")}, Owned: []cachet.Schedule{owned(7, "s1", 2)}}
			}()},
		{name: "silence_muting_more_components_replaces_the_set",
			in: Input{Silences: []alertmanager.Silence{silence("s1")}, Silenced: []alertmanager.Event{muted("DB,API", "s1")},
				Owned: []cachet.Schedule{owned(7, "s1", 2)}},
			want: []Action{{Kind: Update, SilenceID: "s1", ScheduleID: 7, Change: cachet.ScheduleChange{Components: maint(2, 3)}, Reason: ReasonChanged}}},
		{name: "component_order_is_not_a_change",
			in: Input{Silences: []alertmanager.Silence{silence("s1")}, Silenced: []alertmanager.Event{muted("DB,API", "s1")},
				Owned: []cachet.Schedule{owned(7, "s1", 3, 2)}}},
		{name: "numeric_tag_is_read_as_its_decimal_form",
			in:   Input{Owned: []cachet.Schedule{numericTag}},
			want: []Action{{Kind: Complete, SilenceID: "42", ScheduleID: 7, At: now.Add(-time.Second), Reason: ReasonGone}}},
		{name: "ends_come_before_creates",
			in: Input{Silences: []alertmanager.Silence{silence("s2")}, Silenced: []alertmanager.Event{muted("Web", "s2")},
				Owned: []cachet.Schedule{owned(7, "s1", 2)}},
			want: []Action{{Kind: Complete, SilenceID: "s1", ScheduleID: 7, At: now.Add(-time.Second), Reason: ReasonGone}, created("s2", 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Now, in.Components = now, ids
			got := Plan(in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWindowText(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name       string
		s          alertmanager.Silence
		wantName   string
		wantMsgHas string
		wantStart  time.Time
	}{
		{name: "comment_is_the_name", s: silence("s1"), wantName: "Disk swap on db-1",
			wantMsgHas: "by alice until 2026-12-02 08:00 UTC", wantStart: start},
		{name: "blank_comment_gets_a_name",
			s:        alertmanager.Silence{ID: "s", Comment: " \n", StartsAt: start, EndsAt: end},
			wantName: "Planned maintenance", wantMsgHas: "by an operator until", wantStart: start},
		{name: "multiline_comment_is_one_line",
			s:        alertmanager.Silence{ID: "s", Comment: "Disk swap\n  on db-1", CreatedBy: "bob", StartsAt: start, EndsAt: end},
			wantName: "Disk swap on db-1", wantMsgHas: "by bob", wantStart: start},
		{name: "long_comment_is_cut_and_kept_whole_in_the_message",
			s:        alertmanager.Silence{ID: "s", Comment: long, CreatedBy: "bob", StartsAt: start, EndsAt: end},
			wantName: strings.Repeat("é", 254) + "…", wantMsgHas: long, wantStart: start},
		{name: "future_start_from_a_skewed_clock_starts_now",
			s:        alertmanager.Silence{ID: "s", Comment: "x", CreatedBy: "bob", StartsAt: now.Add(time.Minute), EndsAt: end},
			wantName: "x", wantMsgHas: "by bob", wantStart: now.Add(-5 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := window(tt.s, []int{2}, now)
			if w.Name != tt.wantName {
				t.Errorf("name = %q, want %q", w.Name, tt.wantName)
			}
			if n := utf8.RuneCountInString(w.Name); n > maxName {
				t.Errorf("name has %d characters, want at most %d", n, maxName)
			}
			if !strings.Contains(w.Message, tt.wantMsgHas) {
				t.Errorf("message = %q, want it to contain %q", w.Message, tt.wantMsgHas)
			}
			if !w.ScheduledAt.Equal(tt.wantStart) || !w.CompletedAt.Equal(tt.s.EndsAt) {
				t.Errorf("window %s–%s, want %s–%s", w.ScheduledAt, w.CompletedAt, tt.wantStart, tt.s.EndsAt)
			}
		})
	}
}
