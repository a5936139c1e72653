package cachet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"statusbridge/internal/status"
)

// Component is a Cachet component.
type Component struct {
	ID          int
	Name        string
	Description string
	// Status is the baseline status last written; 0 when Cachet holds null.
	Status status.Status
	// LatestStatus is what the page shows (HEAD only): the worst of Status
	// and the impacts of open public incidents. 0 when Cachet does not send it.
	LatestStatus status.Status
	Enabled      bool
	// GroupID is 0 for a component in no group.
	GroupID int
	// Meta is the component's metadata as read with include=meta (HEAD):
	// non-nil (maybe empty) when Cachet sent it, nil when it did not. BASE
	// sends its legacy, read-only JSON column instead (null or an object).
	// Create and update answers carry none: read the component back.
	Meta map[string]any
	// Updated is when the component was last written (any column), from
	// attributes.updated.string in UTC; zero when Cachet sends none.
	Updated time.Time
}

// Group is a Cachet component group.
type Group struct {
	ID   int
	Name string
	// Visible is 1 for guests, 0 for logged-in users, 2 hidden.
	Visible int
}

// Impact is an incident's effect on one component.
type Impact struct {
	ComponentID int           `json:"id"`
	Status      status.Status `json:"status"`
}

// Incident is a Cachet incident.
type Incident struct {
	ID      int
	Name    string
	Message string
	// Status is 0 reported, 1 investigating, 2 identified, 3 watching, 4 fixed.
	Status  int
	Visible int
	// ComponentIDs lists the components it is linked to (with include=components).
	ComponentIDs []int
	// Meta is the incident's metadata: non-nil (maybe empty) where Cachet
	// keeps metadata (2026-07 on), nil where it does not.
	Meta map[string]any
}

// Incident statuses.
const (
	IncidentInvestigating = 1
	IncidentIdentified    = 2
	IncidentWatching      = 3
	IncidentFixed         = 4
)

// ComponentFields are the writable fields of a component; nil fields are
// not sent, so Cachet leaves them as they are (send Enabled on every
// update: Cachet before 2026-07 re-enables a component when it is omitted).
type ComponentFields struct {
	Name        *string        `json:"name,omitempty"`
	Description *string        `json:"description,omitempty"`
	Status      *status.Status `json:"status,omitempty"`
	Enabled     *bool          `json:"enabled,omitempty"`
	GroupID     *int           `json:"component_group_id,omitempty"`
	// Meta, when non-nil (even empty), replaces the component's whole
	// metadata set at HEAD: send every key. nil leaves it alone. BASE
	// ignores it. Cachet's meta.value column was varchar(255), so keep each
	// value at most 255 characters once JSON-encoded; prefer strings, which
	// the dashboard's key/value editor keeps as they are.
	Meta map[string]any `json:"meta,omitzero"`
}

// GroupFields are the writable fields of a component group.
type GroupFields struct {
	Name    *string `json:"name,omitempty"`
	Visible *bool   `json:"visible,omitempty"`
	// Components moves these component ids into the group.
	Components []int `json:"components,omitempty"`
}

// NewIncident is the body of an incident create.
type NewIncident struct {
	Name       string         `json:"name"`
	Message    string         `json:"message"`
	Status     int            `json:"status"`
	Visible    bool           `json:"visible"`
	Components []Impact       `json:"components,omitempty"`
	Meta       map[string]any `json:"meta,omitempty"`
}

// IncidentFields are the writable fields of an incident update (PATCH).
type IncidentFields struct {
	Status *int `json:"status,omitempty"`
}

// laravelTime is the layout of Cachet's {"human","string"} timestamps.
const laravelTime = "2006-01-02 15:04:05"

// Ptr returns a pointer to v, for the optional fields above.
func Ptr[T any](v T) *T { return &v }

// --- wire shapes ---

type resource struct {
	ID            string                  `json:"id"`
	Type          string                  `json:"type"`
	Attributes    json.RawMessage         `json:"attributes"`
	Relationships map[string]relationship `json:"relationships"`
}

type relationship struct {
	Data json.RawMessage `json:"data"`
}

type ref struct {
	ID string `json:"id"`
}

// ids returns the ids a relationship names (to-one or to-many).
func (r relationship) ids() ([]int, error) {
	if len(r.Data) == 0 || string(r.Data) == "null" {
		return nil, nil
	}
	var many []ref
	if r.Data[0] == '[' {
		if err := json.Unmarshal(r.Data, &many); err != nil {
			return nil, err
		}
	} else {
		var one ref
		if err := json.Unmarshal(r.Data, &one); err != nil {
			return nil, err
		}
		many = []ref{one}
	}
	out := make([]int, 0, len(many))
	for _, m := range many {
		id, err := strconv.Atoi(m.ID)
		if err != nil {
			return nil, fmt.Errorf("relationship id %q: %w", m.ID, err)
		}
		out = append(out, id)
	}
	return out, nil
}

type statusValue struct {
	Value *int `json:"value"`
}

func (s *statusValue) get() int {
	if s == nil || s.Value == nil {
		return 0
	}
	return *s.Value
}

type single struct {
	Data resource `json:"data"`
}

type page struct {
	Data  []resource `json:"data"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
}

func (r resource) id() (int, error) {
	id, err := strconv.Atoi(r.ID)
	if err != nil {
		return 0, fmt.Errorf("%s id %q is not a number: %w", r.Type, r.ID, err)
	}
	return id, nil
}

func decodeComponent(r resource) (Component, error) {
	var a struct {
		Name         string          `json:"name"`
		Description  *string         `json:"description"`
		Status       *statusValue    `json:"status"`
		LatestStatus *statusValue    `json:"latest_status"`
		Enabled      bool            `json:"enabled"`
		Meta         json.RawMessage `json:"meta"`
		Updated      struct {
			String string `json:"string"`
		} `json:"updated"`
	}
	if err := json.Unmarshal(r.Attributes, &a); err != nil {
		return Component{}, fmt.Errorf("component %s: %w", r.ID, err)
	}
	id, err := r.id()
	if err != nil {
		return Component{}, err
	}
	c := Component{ID: id, Name: a.Name, Status: status.Status(a.Status.get()), LatestStatus: status.Status(a.LatestStatus.get()), Enabled: a.Enabled}
	// Laravel writes the app's timezone, UTC unless an operator changed
	// it; an unreadable time is no time, not an error.
	c.Updated, _ = time.Parse(laravelTime, a.Updated.String)
	if c.Meta, err = decodeMeta(a.Meta); err != nil {
		return Component{}, fmt.Errorf("component %s meta: %w", r.ID, err)
	}
	if a.Description != nil {
		c.Description = *a.Description
	}
	if g, ok := r.Relationships["group"]; ok {
		ids, err := g.ids()
		if err != nil {
			return Component{}, fmt.Errorf("component %s group: %w", r.ID, err)
		}
		if len(ids) == 1 {
			c.GroupID = ids[0]
		}
	}
	return c, nil
}

func decodeGroup(r resource) (Group, error) {
	var a struct {
		Name    string `json:"name"`
		Visible int    `json:"visible"`
	}
	if err := json.Unmarshal(r.Attributes, &a); err != nil {
		return Group{}, fmt.Errorf("component group %s: %w", r.ID, err)
	}
	id, err := r.id()
	if err != nil {
		return Group{}, err
	}
	return Group{ID: id, Name: a.Name, Visible: a.Visible}, nil
}

func decodeIncident(r resource) (Incident, error) {
	var a struct {
		Name    string          `json:"name"`
		Message string          `json:"message"`
		Status  *statusValue    `json:"status"`
		Visible int             `json:"visible"`
		Meta    json.RawMessage `json:"meta"`
	}
	if err := json.Unmarshal(r.Attributes, &a); err != nil {
		return Incident{}, fmt.Errorf("incident %s: %w", r.ID, err)
	}
	id, err := r.id()
	if err != nil {
		return Incident{}, err
	}
	in := Incident{ID: id, Name: a.Name, Message: a.Message, Status: a.Status.get(), Visible: a.Visible}
	if in.Meta, err = decodeMeta(a.Meta); err != nil {
		return Incident{}, fmt.Errorf("incident %s meta: %w", r.ID, err)
	}
	if rel, ok := r.Relationships["components"]; ok {
		if in.ComponentIDs, err = rel.ids(); err != nil {
			return Incident{}, fmt.Errorf("incident %s components: %w", r.ID, err)
		}
	}
	return in, nil
}

// decodeMeta reads an attributes.meta value. An empty set serialises as
// [], an object otherwise; either way the result is non-nil, which tells
// "no metadata" from "Cachet sent none" (absent or null). PHP also writes
// a set whose keys are exactly 0..n-1 as a list, so a list maps back to
// those keys.
func decodeMeta(raw json.RawMessage) (map[string]any, error) {
	switch {
	case len(raw) > 0 && raw[0] == '{':
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		return m, nil
	case len(raw) > 0 && raw[0] == '[':
		var l []any
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(l))
		for i, v := range l {
			m[strconv.Itoa(i)] = v
		}
		return m, nil
	}
	return nil, nil
}

// list walks every page of a collection. Cachet's links carry only ?page=N,
// dropping filters and per_page, so the next request is rebuilt from q.
//
// Every walk is sorted (by id unless q says otherwise): the components,
// groups and schedules indexes have no default order, and on PostgreSQL an
// unsorted walk skips and repeats rows while anything writes (spec 1.5).
// Pages hold Options.PerPage rows unless q sets per_page.
func list[T any](ctx context.Context, c *Client, route string, q url.Values, dec func(resource) (T, error)) ([]T, error) {
	var out []T
	q = cloneValues(q)
	if !q.Has("sort") {
		q.Set("sort", "id")
	}
	if !q.Has("per_page") {
		q.Set("per_page", strconv.Itoa(c.perPage))
	}
	for n := 1; ; n++ {
		if n > c.maxPages {
			return nil, &LimitError{Method: "GET", URL: c.endpoint(route),
				Err:  fmt.Errorf("links.next still set after %d pages of %s", c.maxPages, q.Get("per_page")),
				Hint: "check that CACHET_API_URL points at Cachet's API (its pages end), or raise the page limit if Cachet really holds this many objects"}
		}
		q.Set("page", strconv.Itoa(n))
		var p page
		if err := c.do(ctx, request{method: "GET", route: route, path: route, query: q}, &p); err != nil {
			return nil, err
		}
		for _, r := range p.Data {
			v, err := dec(r)
			if err != nil {
				return nil, fmt.Errorf("cachet: GET %s page %d: %w", route, n, err)
			}
			out = append(out, v)
		}
		if p.Links.Next == "" || len(p.Data) == 0 {
			return out, nil
		}
	}
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func one[T any](ctx context.Context, c *Client, r request, dec func(resource) (T, error)) (T, error) {
	var s single
	var zero T
	if err := c.do(ctx, r, &s); err != nil {
		return zero, err
	}
	v, err := dec(s.Data)
	if err != nil {
		return zero, fmt.Errorf("cachet: %s %s: %w", r.method, r.path, err)
	}
	return v, nil
}

// ListComponents returns every component, enabled and disabled, with its
// group and, where Cachet supports it, its metadata, by id.
// Cachet API: GET /components?filter[enabled]=0,1&include=group,meta&sort=id
func (c *Client) ListComponents(ctx context.Context) ([]Component, error) {
	// Without the filter, current Cachet returns only enabled components,
	// and the invisible per-target components are disabled.
	q := url.Values{"filter[enabled]": {"0,1"}, "sort": {"id"}}
	return withMeta(c, q, "group", func(q url.Values) ([]Component, error) {
		return list(ctx, c, "/components", q, decodeComponent)
	})
}

// Component returns one component with its group and, where Cachet
// supports it, its metadata.
// Cachet API: GET /components/{id}?include=group,meta
func (c *Client) Component(ctx context.Context, id int) (Component, error) {
	return withMeta(c, url.Values{}, "group", func(q url.Values) (Component, error) {
		return one(ctx, c, request{method: "GET", route: "/components/{id}", path: "/components/" + strconv.Itoa(id), query: q}, decodeComponent)
	})
}

// CreateComponent creates a component. Cachet API: POST /components
func (c *Client) CreateComponent(ctx context.Context, f ComponentFields) (Component, error) {
	return one(ctx, c, request{method: "POST", route: "/components", path: "/components", body: f, create: true}, decodeComponent)
}

// UpdateComponent changes the given fields. Cachet API: PATCH /components/{id}
func (c *Client) UpdateComponent(ctx context.Context, id int, f ComponentFields) (Component, error) {
	return one(ctx, c, request{method: "PATCH", route: "/components/{id}", path: "/components/" + strconv.Itoa(id), body: f}, decodeComponent)
}

// DeleteComponent deletes a component. Cachet API: DELETE /components/{id}
func (c *Client) DeleteComponent(ctx context.Context, id int) error {
	return c.do(ctx, request{method: "DELETE", route: "/components/{id}", path: "/components/" + strconv.Itoa(id)}, nil)
}

// ListGroups returns every component group the token may see, by id.
// Cachet API: GET /component-groups?sort=id
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	q := url.Values{"sort": {"id"}}
	return list(ctx, c, "/component-groups", q, decodeGroup)
}

// CreateGroup creates a component group. Cachet API: POST /component-groups
func (c *Client) CreateGroup(ctx context.Context, f GroupFields) (Group, error) {
	return one(ctx, c, request{method: "POST", route: "/component-groups", path: "/component-groups", body: f, create: true}, decodeGroup)
}

// UpdateGroup changes the given fields. Cachet API: PATCH /component-groups/{id}
func (c *Client) UpdateGroup(ctx context.Context, id int, f GroupFields) (Group, error) {
	return one(ctx, c, request{method: "PATCH", route: "/component-groups/{id}", path: "/component-groups/" + strconv.Itoa(id), body: f}, decodeGroup)
}

// DeleteGroup deletes a component group. Cachet API: DELETE /component-groups/{id}
func (c *Client) DeleteGroup(ctx context.Context, id int) error {
	return c.do(ctx, request{method: "DELETE", route: "/component-groups/{id}", path: "/component-groups/" + strconv.Itoa(id)}, nil)
}

// ListOpenIncidents returns every unresolved incident (status 0–3) with its
// linked components and, where Cachet supports it, its metadata.
// Cachet API: GET /incidents?filter[status]=0,1,2,3&include=components,meta&sort=id
func (c *Client) ListOpenIncidents(ctx context.Context) ([]Incident, error) {
	q := url.Values{"filter[status]": {"0,1,2,3"}, "sort": {"id"}}
	return withMeta(c, q, "components", func(q url.Values) ([]Incident, error) {
		return list(ctx, c, "/incidents", q, decodeIncident)
	})
}

// withMeta runs read with include=<base>,meta. Cachet before 2026-07 (BASE)
// has no include=meta and answers 400; then read runs again with
// include=<base>, and later reads skip meta at once, since a core does not
// lose the include while the client runs (a restart asks again).
func withMeta[T any](c *Client, q url.Values, base string, read func(url.Values) (T, error)) (T, error) {
	if !c.noMeta.Load() {
		q.Set("include", base+",meta")
		v, err := read(q)
		if err == nil || !isBadInclude(err) {
			return v, err
		}
		c.noMeta.Store(true)
	}
	q.Set("include", base)
	return read(q)
}

// Incident returns one incident. Cachet API: GET /incidents/{id}
func (c *Client) Incident(ctx context.Context, id int) (Incident, error) {
	q := url.Values{"include": {"components"}}
	return one(ctx, c, request{method: "GET", route: "/incidents/{id}", path: "/incidents/" + strconv.Itoa(id), query: q}, decodeIncident)
}

// CreateIncident opens an incident. Cachet API: POST /incidents
func (c *Client) CreateIncident(ctx context.Context, in NewIncident) (Incident, error) {
	q := url.Values{"include": {"components"}}
	return one(ctx, c, request{method: "POST", route: "/incidents", path: "/incidents", query: q, body: in, create: true}, decodeIncident)
}

// UpdateIncident changes the given fields. Cachet API: PATCH /incidents/{id}
func (c *Client) UpdateIncident(ctx context.Context, id int, f IncidentFields) (Incident, error) {
	return one(ctx, c, request{method: "PATCH", route: "/incidents/{id}", path: "/incidents/" + strconv.Itoa(id), body: f}, decodeIncident)
}

// DeleteIncident deletes an incident and its updates.
// Cachet API: DELETE /incidents/{id}
func (c *Client) DeleteIncident(ctx context.Context, id int) error {
	return c.do(ctx, request{method: "DELETE", route: "/incidents/{id}", path: "/incidents/" + strconv.Itoa(id)}, nil)
}

// AddUpdate posts an incident update; status 4 (fixed) resolves the
// incident. Cachet API: POST /incidents/{id}/updates
func (c *Client) AddUpdate(ctx context.Context, incidentID, incidentStatus int, message string) error {
	body := map[string]any{"status": incidentStatus, "message": message}
	// Marked as a create: repeating a post whose answer was lost would show
	// the update twice on the page, so the caller re-reads the incident.
	return c.do(ctx, request{method: "POST", route: "/incidents/{id}/updates", path: "/incidents/" + strconv.Itoa(incidentID) + "/updates", body: body, create: true}, nil)
}

// isBadInclude recognises spatie's 400 for an include the core does not
// allow ("Requested include(s) `meta` are not allowed. ...").
func isBadInclude(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusBadRequest && strings.Contains(ae.Message, "include")
}

// CheckToken proves the token without writing anything: Cachet checks
// authentication before it validates a body, so an empty create answers 401
// for a bad token and 422 for a good one.
// Cachet API: POST /component-groups
func (c *Client) CheckToken(ctx context.Context) error {
	err := c.do(ctx, request{method: "POST", route: "/component-groups", path: "/component-groups", body: struct{}{}, create: true}, nil)
	if errors.Is(err, ErrValidation) {
		return nil
	}
	if err == nil {
		return errors.New("cachet: an empty create succeeded; is CACHET_API_URL a Cachet 3 API?")
	}
	return err
}
