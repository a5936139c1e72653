package cachet

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// SchedulesTagged returns the upcoming and in-progress schedules whose
// metadata has key, whatever its value, with their components and
// metadata, in one request unless over 100 are listed. Cachet's meta
// filter needs a value, so the filtering is done here: this is how
// statusbridge finds every window it owns, including those whose tag it
// no longer knows (a silence that ended while statusbridge was down).
// Cachet API: GET /schedules?filter[status]=0,1&include=components,meta&sort=id&per_page=100
func (c *Client) SchedulesTagged(ctx context.Context, key string) ([]Schedule, error) {
	q := url.Values{
		"filter[status]": {strconv.Itoa(ScheduleUpcoming) + "," + strconv.Itoa(ScheduleInProgress)},
		"include":        {"components,meta"},
		"sort":           {"id"},
		"per_page":       {"100"},
	}
	all, err := list(ctx, c, "/schedules", q, decodeSchedule)
	if err != nil {
		return nil, err
	}
	var out []Schedule
	for _, d := range all {
		if _, ok := d.Meta[key]; ok {
			out = append(out, d.Schedule)
		}
	}
	return out, nil
}

// ScheduleChange moves a window's end and replaces its components; the
// zero value of a field leaves it as it is (Cachet cannot remove an end
// nor all components over the API).
type ScheduleChange struct {
	CompletedAt time.Time
	Components  []Impact
}

// MarshalJSON writes the update body with only the fields to change.
func (s ScheduleChange) MarshalJSON() ([]byte, error) {
	type body struct {
		CompletedAt string   `json:"completed_at,omitempty"`
		Components  []Impact `json:"components,omitempty"`
	}
	b := body{Components: s.Components}
	if !s.CompletedAt.IsZero() {
		b.CompletedAt = scheduleTime(s.CompletedAt)
	}
	return json.Marshal(b)
}

// UpdateSchedule changes a window's end and components, and returns it as
// Cachet stored it. A later end reopens a completed window. The token
// needs schedules.manage.
// Cachet API: PUT /schedules/{id}?include=components
func (c *Client) UpdateSchedule(ctx context.Context, id int, ch ScheduleChange) (Schedule, error) {
	r := request{method: "PUT", route: "/schedules/{id}", path: "/schedules/" + strconv.Itoa(id), query: url.Values{"include": {"components"}}, body: ch}
	d, err := one(ctx, c, r, decodeSchedule)
	return d.Schedule, err
}
