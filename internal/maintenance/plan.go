// Package maintenance turns Alertmanager silences into Cachet maintenance
// windows (schedules): a silence that mutes status-page alerts is announced
// on the components they feed, for as long as it runs (spec §13,
// --alertmanager-silenced schedule). Plan decides, Windows reads and writes.
package maintenance

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"statusbridge/internal/alertmanager"
	"statusbridge/internal/cachet"
	"statusbridge/internal/status"
)

// MetaKey tags the windows statusbridge opens; its value is the silence's
// id. It is how a window is found again after a restart or a lost answer.
const MetaKey = "statusbridge_silence"

// maxName is Cachet's limit on a schedule's name, in characters.
const maxName = 255

// Kind is what an Action does to a window.
type Kind int

// The kinds of Action.
const (
	// Create opens a window for a silence that has none.
	Create Kind = iota + 1
	// Update moves a window's end or replaces its components.
	Update
	// Complete ends a running window, which stays in the page's history.
	Complete
	// Delete removes a window that has not started: ending it would leave
	// an inverted window (spec 7.4).
	Delete
)

func (k Kind) String() string {
	switch k {
	case Create:
		return "create"
	case Update:
		return "update"
	case Complete:
		return "complete"
	case Delete:
		return "delete"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Action is one write Plan asks for.
type Action struct {
	Kind      Kind
	SilenceID string
	// ScheduleID is the window an Update, Complete or Delete acts on.
	ScheduleID int
	// New is the window to Create.
	New cachet.NewSchedule
	// Change is what an Update changes; its zero fields stay.
	Change cachet.ScheduleChange
	// At is the end a Complete sets: a second before now, because
	// Cachet's component scopes compare whole seconds (spec 7.4).
	At time.Time
	// Reason says why, for the log.
	Reason string
}

// Reasons a window ends.
const (
	ReasonGone      = "silence expired or was deleted"
	ReasonNoAlerts  = "silence mutes no status-page alert on a visible component"
	ReasonDuplicate = "another window already announces this silence"
	ReasonChanged   = "silence changed its end or the components it mutes"
	ReasonNew       = "silence mutes status-page alerts"
)

// Input is everything Plan looks at.
type Input struct {
	Now time.Time
	// Silences are Alertmanager's active silences.
	Silences []alertmanager.Silence
	// Silenced are the muted status-page alerts, each naming the silences
	// that mute it.
	Silenced []alertmanager.Event
	// Components maps each visible component of the configuration to its
	// Cachet id; components missing here are never put in a window.
	Components map[string]int
	// Owned are statusbridge's upcoming and in-progress windows: those
	// tagged with MetaKey.
	Owned []cachet.Schedule
}

// Plan decides the writes that make the owned windows match the silences:
// one window per active silence that mutes a firing status-page alert,
// covering the visible components those alerts feed, Under Maintenance,
// until the silence ends. A window whose silence is gone or mutes nothing
// any more ends; so does every window but the oldest of one silence. A
// running window whose silence changed its end or its components is
// updated in place (one window per silence in the page's history); its
// name and message are left as first written. Ends come first, then
// updates, then creates.
func Plan(in Input) []Action {
	muted := mutedComponents(in.Silenced, in.Components)
	active := map[string]alertmanager.Silence{}
	for _, s := range in.Silences {
		active[s.ID] = s
	}
	owned := map[string][]cachet.Schedule{}
	for _, w := range in.Owned {
		sid := tagOf(w)
		owned[sid] = append(owned[sid], w)
	}
	var ends, updates, creates []Action
	for _, sid := range sortedKeys(owned) {
		ws := owned[sid]
		slices.SortFunc(ws, func(a, b cachet.Schedule) int { return cmp.Compare(a.ID, b.ID) })
		s, ok := active[sid]
		comps := muted[sid]
		switch {
		case !ok:
			ends = append(ends, endAll(ws, sid, ReasonGone, in.Now)...)
			continue
		case len(comps) == 0:
			ends = append(ends, endAll(ws, sid, ReasonNoAlerts, in.Now)...)
			continue
		}
		ends = append(ends, endAll(ws[1:], sid, ReasonDuplicate, in.Now)...)
		if ch, changed := change(ws[0], s, comps); changed {
			updates = append(updates, Action{Kind: Update, SilenceID: sid, ScheduleID: ws[0].ID, Change: ch, Reason: ReasonChanged})
		}
	}
	for _, s := range in.Silences {
		if comps := muted[s.ID]; len(comps) > 0 && len(owned[s.ID]) == 0 {
			creates = append(creates, Action{Kind: Create, SilenceID: s.ID, New: window(s, comps, in.Now), Reason: ReasonNew})
			owned[s.ID] = []cachet.Schedule{{}} // a silence listed twice gets one window
		}
	}
	return slices.Concat(ends, updates, creates)
}

// mutedComponents returns, by silence id, the sorted ids of the visible
// components fed by the firing alerts each silence mutes.
func mutedComponents(silenced []alertmanager.Event, ids map[string]int) map[string][]int {
	sets := map[string]map[int]bool{}
	for _, e := range silenced {
		if !e.Firing {
			continue
		}
		for _, name := range status.SplitComponents(e.ComponentsRaw) {
			id, ok := ids[name]
			if !ok {
				continue
			}
			for _, sid := range e.SilencedBy {
				if sets[sid] == nil {
					sets[sid] = map[int]bool{}
				}
				sets[sid][id] = true
			}
		}
	}
	out := make(map[string][]int, len(sets))
	for sid, set := range sets {
		out[sid] = sortedKeys(set)
	}
	return out
}

// tagOf is the silence id a window is tagged with. Cachet keeps meta
// values' JSON type, and the dashboard saves strings; a number is read as
// its decimal form.
func tagOf(w cachet.Schedule) string {
	switch v := w.Meta[MetaKey].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// endAll ends each window: deleted when it has not started (or started
// within the last second, which an end a second ago would invert),
// completed otherwise.
func endAll(ws []cachet.Schedule, sid, reason string, now time.Time) []Action {
	var out []Action
	at := now.Add(-time.Second)
	for _, w := range ws {
		a := Action{Kind: Complete, SilenceID: sid, ScheduleID: w.ID, At: at, Reason: reason}
		if w.Status == cachet.ScheduleUpcoming || w.ScheduledAt.After(at) {
			a = Action{Kind: Delete, SilenceID: sid, ScheduleID: w.ID, Reason: reason}
		}
		out = append(out, a)
	}
	return out
}

// change is what makes w end with s and cover comps. Cachet stores whole
// seconds, read back as UTC.
func change(w cachet.Schedule, s alertmanager.Silence, comps []int) (cachet.ScheduleChange, bool) {
	var ch cachet.ScheduleChange
	changed := false
	if end := s.EndsAt.UTC().Truncate(time.Second); !end.IsZero() && !end.Equal(w.CompletedAt) {
		ch.CompletedAt, changed = end, true
	}
	have := slices.Sorted(slices.Values(w.ComponentIDs))
	if !slices.Equal(have, comps) {
		ch.Components, changed = impacts(comps), true
	}
	return ch, changed
}

// window is the schedule that announces s on comps.
func window(s alertmanager.Silence, comps []int, now time.Time) cachet.NewSchedule {
	start := s.StartsAt
	if start.IsZero() || start.After(now) {
		// Cachet's clock decides the state: a window meant to start now
		// starts a few seconds ago (spec 7.11).
		start = now.Add(-5 * time.Second)
	}
	name, cut := cutName(s.Comment)
	by := strings.TrimSpace(s.CreatedBy)
	if by == "" {
		by = "an operator"
	}
	msg := fmt.Sprintf("Alerts silenced in Alertmanager by %s until %s.", by, s.EndsAt.UTC().Format("2006-01-02 15:04 UTC"))
	if s.EndsAt.IsZero() {
		msg = fmt.Sprintf("Alerts silenced in Alertmanager by %s.", by)
	}
	if cut {
		msg += "\n\n" + strings.TrimSpace(s.Comment)
	}
	return cachet.NewSchedule{
		Name: name, Message: msg, ScheduledAt: start, CompletedAt: s.EndsAt,
		Components: impacts(comps), Meta: map[string]any{MetaKey: s.ID},
	}
}

// cutName makes a silence comment a schedule name: Cachet requires one and
// counts at most 255 characters; a longer comment is cut with "…" (and
// reported, so that the message can carry it whole).
func cutName(comment string) (string, bool) {
	name := strings.Join(strings.Fields(comment), " ")
	if name == "" {
		return "Planned maintenance", false
	}
	if utf8.RuneCountInString(name) <= maxName {
		return name, false
	}
	r := []rune(name)
	return strings.TrimSpace(string(r[:maxName-1])) + "…", true
}

func impacts(comps []int) []cachet.Impact {
	out := make([]cachet.Impact, len(comps))
	for i, id := range comps {
		out[i] = cachet.Impact{ComponentID: id, Status: status.UnderMaintenance}
	}
	return out
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
