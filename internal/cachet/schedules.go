package cachet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Schedule statuses, computed by Cachet from the window's times on every
// read (spec 7.4).
const (
	ScheduleUpcoming   = 0
	ScheduleInProgress = 1
	ScheduleComplete   = 2
)

// Schedule is a Cachet schedule: a planned maintenance window. While one
// is in progress, Cachet shows its impact (usually Under Maintenance) as
// the latest_status of its components, whatever their status.
type Schedule struct {
	ID      int
	Name    string
	Message string
	// Status is ScheduleUpcoming, ScheduleInProgress or ScheduleComplete.
	Status int
	// ScheduledAt and CompletedAt bound the window, to the second, read as
	// UTC (Cachet writes its app timezone, UTC unless an operator changed
	// it); CompletedAt is zero for an open-ended window.
	ScheduledAt, CompletedAt time.Time
	// ComponentIDs lists the components the window covers (read with
	// include=components).
	ComponentIDs []int
	// Meta is the schedule's metadata where it was read with include=meta:
	// non-nil (maybe empty) when Cachet sent it, nil when it did not.
	Meta map[string]any
}

// NewSchedule is the body of a schedule create.
type NewSchedule struct {
	Name string
	// Message is shown on the status page (Markdown).
	Message string
	// ScheduledAt starts the window. Cachet's clock decides the state, so a
	// window meant to start now should start a few seconds in the past.
	ScheduledAt time.Time
	// CompletedAt ends the window; zero leaves it open-ended.
	CompletedAt time.Time
	// Components are the covered components with the status each shows
	// while the window is in progress (status.UnderMaintenance as a rule).
	Components []Impact
	// Meta tags the window, so that it can be found again by
	// SchedulesWithMeta.
	Meta map[string]any
}

// scheduleTime is how dates are sent: UTC with Z, which Cachet converts to
// its own timezone whatever that is (an offset-less time would be read as
// app-local).
func scheduleTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// MarshalJSON writes the create body. notifications is never sent: it
// defaults to false, so a window made by statusbridge mails nobody.
func (n NewSchedule) MarshalJSON() ([]byte, error) {
	type body struct {
		Name        string         `json:"name"`
		Message     string         `json:"message"`
		ScheduledAt string         `json:"scheduled_at"`
		CompletedAt string         `json:"completed_at,omitempty"`
		Components  []Impact       `json:"components,omitempty"`
		Meta        map[string]any `json:"meta,omitempty"`
	}
	b := body{Name: n.Name, Message: n.Message, ScheduledAt: scheduleTime(n.ScheduledAt), Components: n.Components, Meta: n.Meta}
	if !n.CompletedAt.IsZero() {
		b.CompletedAt = scheduleTime(n.CompletedAt)
	}
	return json.Marshal(b)
}

type laravelTimestamp struct {
	String *string `json:"string"`
}

// get reads the timestamp as UTC (Laravel writes the app's timezone, UTC
// unless an operator changed it); null or unreadable is the zero time.
func (l laravelTimestamp) get() time.Time {
	if l.String == nil {
		return time.Time{}
	}
	t, _ := time.Parse(laravelTime, *l.String)
	return t
}

// decodedSchedule carries what a decode reads beyond Schedule.
type decodedSchedule struct {
	Schedule
	published time.Time
}

func decodeSchedule(r resource) (decodedSchedule, error) {
	var a struct {
		Name      string           `json:"name"`
		Message   string           `json:"message"`
		Status    *statusValue     `json:"status"`
		Scheduled laravelTimestamp `json:"scheduled"`
		Completed laravelTimestamp `json:"completed"`
		Published laravelTimestamp `json:"published"`
		Meta      json.RawMessage  `json:"meta"`
	}
	if err := json.Unmarshal(r.Attributes, &a); err != nil {
		return decodedSchedule{}, fmt.Errorf("schedule %s: %w", r.ID, err)
	}
	id, err := r.id()
	if err != nil {
		return decodedSchedule{}, err
	}
	s := Schedule{ID: id, Name: a.Name, Message: a.Message, Status: a.Status.get(),
		ScheduledAt: a.Scheduled.get(), CompletedAt: a.Completed.get()}
	if s.Meta, err = decodeMeta(a.Meta); err != nil {
		return decodedSchedule{}, fmt.Errorf("schedule %s meta: %w", r.ID, err)
	}
	if rel, ok := r.Relationships["components"]; ok {
		if s.ComponentIDs, err = rel.ids(); err != nil {
			return decodedSchedule{}, fmt.Errorf("schedule %s components: %w", r.ID, err)
		}
	}
	return decodedSchedule{Schedule: s, published: a.Published.get()}, nil
}

// schedules strips what only the decode needed.
func schedules(in []decodedSchedule) []Schedule {
	out := make([]Schedule, 0, len(in))
	for _, d := range in {
		out = append(out, d.Schedule)
	}
	return out
}

// InProgressSchedules returns the schedules in progress now, each with the
// components it covers, in the fewest requests (one unless over 100 are in
// progress). Embargoed windows (published later than now), which a token
// with schedules.manage also sees, are left out: they change nothing on
// the page. A component covered by two windows shows the most severe
// impact; read it from the component's LatestStatus, not from here.
// Cachet API: GET /schedules?filter[status]=1&include=components&sort=id&per_page=100
func (c *Client) InProgressSchedules(ctx context.Context) ([]Schedule, error) {
	q := url.Values{"filter[status]": {strconv.Itoa(ScheduleInProgress)}, "include": {"components"}, "sort": {"id"}, "per_page": {"100"}}
	all, err := list(ctx, c, "/schedules", q, decodeSchedule)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	live := all[:0]
	for _, d := range all {
		if !d.published.After(now) {
			live = append(live, d)
		}
	}
	return schedules(live), nil
}

// SchedulesWithMeta returns the upcoming and in-progress schedules whose
// metadata holds key=value, with their components and metadata: how
// statusbridge finds its own windows again after a restart. Embargoed
// windows are included (with a schedules.manage token), and so is a
// window whose end was set before its start until that start passes. Cachet
// before 2026-07 has no metadata and answers with a 400 *APIError.
// Cachet API: GET /schedules?filter[status]=0,1&filter[meta][key]=value&include=components,meta&sort=id
func (c *Client) SchedulesWithMeta(ctx context.Context, key, value string) ([]Schedule, error) {
	q := url.Values{
		"filter[status]":            {strconv.Itoa(ScheduleUpcoming) + "," + strconv.Itoa(ScheduleInProgress)},
		"filter[meta][" + key + "]": {value},
		"include":                   {"components,meta"},
		"sort":                      {"id"},
	}
	all, err := list(ctx, c, "/schedules", q, decodeSchedule)
	if err != nil {
		return nil, err
	}
	return schedules(all), nil
}

// CreateSchedule creates a maintenance window. The token needs the
// schedules.manage ability. The answer carries the components but no
// metadata (Cachet does not include it on a create). Like CreateIncident,
// it is not retried once Cachet may have applied it: after a lost answer,
// look the window up with SchedulesWithMeta.
// Cachet API: POST /schedules?include=components
func (c *Client) CreateSchedule(ctx context.Context, n NewSchedule) (Schedule, error) {
	q := url.Values{"include": {"components"}}
	d, err := one(ctx, c, request{method: "POST", route: "/schedules", path: "/schedules", query: q, body: n, create: true}, decodeSchedule)
	return d.Schedule, err
}

// CompleteSchedule ends a window at at, which should be at least a second
// in the past: Cachet's component scopes compare whole seconds, so a window
// ended at the current second still shows for the rest of it (spec 7.4).
// The window stays in the page's history as complete. The token needs
// schedules.manage.
//
// It fails unless Cachet answers that the window is complete: when Cachet
// did not store the end (cores before 2026-06 drop it), when its clock is
// behind at, and when the window had not started. The last case leaves an
// inverted window that Cachet lists as upcoming until its start (and that
// never shows on a component): delete a window that has not started instead.
// Cachet API: PUT /schedules/{id}
func (c *Client) CompleteSchedule(ctx context.Context, id int, at time.Time) error {
	body := map[string]string{"completed_at": scheduleTime(at)}
	r := request{method: "PUT", route: "/schedules/{id}", path: "/schedules/" + strconv.Itoa(id), body: body}
	d, err := one(ctx, c, r, decodeSchedule)
	if err != nil {
		return err
	}
	want := at.UTC().Truncate(time.Second)
	switch {
	case d.Status == ScheduleComplete:
		return nil
	case d.Status == ScheduleUpcoming:
		return fmt.Errorf("cachet: PUT /schedules/%d: the window starts at %s, after its new end %s, so Cachet lists it as upcoming; delete a window that has not started",
			id, d.ScheduledAt.Format(time.RFC3339), want.Format(time.RFC3339))
	case !d.CompletedAt.Equal(want):
		return fmt.Errorf("cachet: PUT /schedules/%d: completed_at %s not stored (Cachet answered %s); ending a window over the API needs cachethq/core from 2026-06 on",
			id, want.Format(time.RFC3339), d.CompletedAt.Format(time.RFC3339))
	}
	return fmt.Errorf("cachet: PUT /schedules/%d: the window is still in progress after completed_at %s; is Cachet's clock behind this host's?",
		id, want.Format(time.RFC3339))
}

// DeleteSchedule deletes a window, which then vanishes from the page's
// history (prefer CompleteSchedule to end one). The token needs
// schedules.delete.
// Cachet API: DELETE /schedules/{id}
func (c *Client) DeleteSchedule(ctx context.Context, id int) error {
	return c.do(ctx, request{method: "DELETE", route: "/schedules/{id}", path: "/schedules/" + strconv.Itoa(id)}, nil)
}
