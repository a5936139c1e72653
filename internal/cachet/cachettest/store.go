package cachettest

import (
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Component is a snapshot of one component row.
type Component struct {
	ID          int
	Name        string
	Description string
	Link        string
	// Status is the baseline status column; 0 means null (BASE only).
	Status  int
	Enabled bool
	// GroupID is the component_group_id; 0 means no group.
	GroupID int
	Order   int
	Meta    map[string]any
}

// Group is a snapshot of one component group row.
type Group struct {
	ID int
	// Name is the group's name.
	Name string
	// Visible is the visibility enum: 0 logged-in users, 1 guests, 2 hidden.
	Visible int
	Order   int
	// Collapsed is the collapsed enum (0–2).
	Collapsed int
	Meta      map[string]any
}

// Impact is one incident_components pivot row: the status an incident
// imposes on a component.
type Impact struct {
	ComponentID, Status int
}

// Update is a snapshot of one incident update.
type Update struct {
	ID, IncidentID, Status int
	Message                string
}

// Incident is a snapshot of one incident row with its impacts and updates.
type Incident struct {
	ID      int
	Name    string
	Message string
	// Status is the incidents.status column (0–4).
	Status int
	// Visible is the visibility enum: 0 logged-in users, 1 guests, 2 hidden.
	Visible       int
	Stickied      bool
	Notifications bool
	Impacts       []Impact
	// Updates are ordered by id.
	Updates []Update
	Meta    map[string]any
	// LegacyComponentID is the incidents.component_id column; 0 means null.
	LegacyComponentID int
	// OccurredAt is occurred_at; the zero time means null.
	OccurredAt time.Time
	// PublishedAt is published_at (HEAD); the zero time means published.
	PublishedAt time.Time
}

type component struct {
	id          int
	name        string
	description *string
	link        *string
	order       *int
	status      *int
	enabled     bool
	groupID     *int
	meta        map[string]any
	created     time.Time
	updated     time.Time
	deleted     bool
}

type group struct {
	id             int
	name           string
	order          *int
	visible        int
	collapsed      int
	orderColumn    *string
	orderDirection *string
	meta           map[string]any
	created        time.Time
	updated        time.Time
}

type incident struct {
	id            int
	guid          string
	name          string
	message       string
	status        int
	baseline      int // the status last given directly, restored when no update remains
	visible       int
	stickied      bool
	notifications bool
	occurredAt    *time.Time
	publishedAt   *time.Time
	componentID   *int
	impacts       []Impact
	meta          map[string]any
	created       time.Time
	updated       time.Time
	deleted       bool
}

type update struct {
	id         int
	incidentID int
	status     int
	message    string
	created    time.Time
	updated    time.Time
}

func (e *Emulator) nextID(table string) int {
	e.seq[table]++
	return e.seq[table]
}

func ptr[T any](v T) *T { return &v }

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func cloneMeta(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return maps.Clone(m)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (c *component) snapshot() Component {
	return Component{
		ID: c.id, Name: c.name, Description: deref(c.description), Link: deref(c.link),
		Status: deref(c.status), Enabled: c.enabled, GroupID: deref(c.groupID),
		Order: deref(c.order), Meta: cloneMeta(c.meta),
	}
}

func (g *group) snapshot() Group {
	return Group{
		ID: g.id, Name: g.name, Visible: g.visible, Order: deref(g.order),
		Collapsed: g.collapsed, Meta: cloneMeta(g.meta),
	}
}

func (e *Emulator) incidentSnapshot(i *incident) Incident {
	out := Incident{
		ID: i.id, Name: i.name, Message: i.message, Status: i.status, Visible: i.visible,
		Stickied: i.stickied, Notifications: i.notifications,
		Impacts: slices.Clone(i.impacts), Meta: cloneMeta(i.meta),
		LegacyComponentID: deref(i.componentID), OccurredAt: deref(i.occurredAt),
		PublishedAt: deref(i.publishedAt),
	}
	for _, u := range e.updatesOf(i.id) {
		out.Updates = append(out.Updates, Update{ID: u.id, IncidentID: u.incidentID, Status: u.status, Message: u.message})
	}
	return out
}

func sortedKeys[V any](m map[int]V) []int {
	return slices.Sorted(maps.Keys(m))
}

// Components returns the components that are not soft-deleted, by id.
func (e *Emulator) Components() []Component {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Component
	for _, id := range sortedKeys(e.components) {
		if c := e.components[id]; !c.deleted {
			out = append(out, c.snapshot())
		}
	}
	return out
}

// Groups returns the component groups, by id.
func (e *Emulator) Groups() []Group {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Group
	for _, id := range sortedKeys(e.groups) {
		out = append(out, e.groups[id].snapshot())
	}
	return out
}

// Incidents returns the incidents that are not soft-deleted, by id.
func (e *Emulator) Incidents() []Incident {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Incident
	for _, id := range sortedKeys(e.incidents) {
		if i := e.incidents[id]; !i.deleted {
			out = append(out, e.incidentSnapshot(i))
		}
	}
	return out
}

// LatestStatus is the effective status of a component as HEAD's
// latest_status computes it (spec 2.4, 7.5): the baseline, replaced by the
// most severe impact of the published schedules in progress on it, then the
// most severe of that and the impacts of unresolved, public, published
// incidents. In the Base
// dialect it is the baseline. It is 0 for an unknown or deleted component,
// or a null status.
func (e *Emulator) LatestStatus(componentID int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.components[componentID]
	if c == nil || c.deleted {
		return 0
	}
	if e.opts.Dialect == Base {
		return deref(c.status)
	}
	return e.latestStatus(c)
}

// AddGroup stores g as if inserted in the database and returns its id.
// g.ID is ignored.
func (e *Emulator) AddGroup(g Group) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	id := e.nextID("groups")
	e.groups[id] = &group{
		id: id, name: g.Name, order: ptr(g.Order), visible: g.Visible,
		collapsed: g.Collapsed, meta: cloneMeta(g.Meta), created: now, updated: now,
	}
	e.groupRows.insert(id)
	return id
}

// AddComponent stores c as if inserted in the database and returns its id.
// c.ID is ignored; a zero Status becomes 5 (unknown) in the Head dialect and
// null in Base. Enabled is taken as given.
func (e *Emulator) AddComponent(c Component) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	id := e.nextID("components")
	row := &component{
		id: id, name: c.Name, enabled: c.Enabled, order: ptr(c.Order),
		meta: cloneMeta(c.Meta), created: now, updated: now,
	}
	if c.Description != "" {
		row.description = ptr(c.Description)
	}
	if c.Link != "" {
		row.link = ptr(c.Link)
	}
	switch {
	case c.Status != 0:
		row.status = ptr(c.Status)
	case e.opts.Dialect == Head:
		row.status = ptr(5)
	}
	if c.GroupID != 0 {
		row.groupID = ptr(c.GroupID)
	}
	e.components[id] = row
	e.componentRows.insert(id)
	return id
}

// AddIncident stores i with its impacts and updates as if inserted in the
// database and returns its id. IDs in i are ignored; Status and Visible are
// taken as given (Visible 0 means logged-in users only, so such an incident
// does not raise latest_status).
func (e *Emulator) AddIncident(i Incident) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	id := e.nextID("incidents")
	row := &incident{
		id: id, guid: newGUID(), name: i.Name, message: i.Message, status: i.Status,
		baseline: i.Status, visible: i.Visible, stickied: i.Stickied,
		notifications: i.Notifications, impacts: slices.Clone(i.Impacts),
		meta: cloneMeta(i.Meta), created: now, updated: now,
	}
	if i.LegacyComponentID != 0 {
		row.componentID = ptr(i.LegacyComponentID)
	}
	if !i.OccurredAt.IsZero() {
		row.occurredAt = ptr(i.OccurredAt)
	}
	if !i.PublishedAt.IsZero() {
		row.publishedAt = ptr(i.PublishedAt)
	}
	e.incidents[id] = row
	for _, u := range i.Updates {
		uid := e.nextID("updates")
		e.updates[uid] = &update{id: uid, incidentID: id, status: u.Status, message: u.Message, created: now, updated: now}
	}
	return id
}

// SetComponentStatus writes a component's baseline status the way a
// dashboard edit would (status 0 writes null), to simulate drift.
func (e *Emulator) SetComponentStatus(id, status int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.components[id]
	if c == nil {
		return
	}
	if status == 0 {
		c.status = nil
	} else {
		c.status = ptr(status)
	}
	c.updated = e.opts.Now()
	e.componentRows.write(id)
}

// updatesOf returns the updates of incident id, by id.
func (e *Emulator) updatesOf(id int) []*update {
	var out []*update
	for _, uid := range sortedKeys(e.updates) {
		if u := e.updates[uid]; u.incidentID == id {
			out = append(out, u)
		}
	}
	return out
}

// newestUpdate is the update with the latest created_at, then highest id.
func (e *Emulator) newestUpdate(id int) *update {
	var best *update
	for _, u := range e.updatesOf(id) {
		if best == nil || !u.created.Before(best.created) {
			best = u
		}
	}
	return best
}

// syncIncidentStatus is HEAD's SyncIncidentStatus: the column follows the
// newest update, or falls back to the status last given directly.
func (e *Emulator) syncIncidentStatus(i *incident) {
	status := i.baseline
	if u := e.newestUpdate(i.id); u != nil {
		status = u.status
	}
	if status != i.status {
		i.status = status
		i.updated = e.opts.Now()
	}
}

// displayStatus is the incident's attributes.status: the column at HEAD,
// the newest update's status (else the column) at BASE.
func (e *Emulator) displayStatus(i *incident) int {
	if e.opts.Dialect == Base {
		if u := e.newestUpdate(i.id); u != nil {
			return u.status
		}
	}
	return i.status
}

// severity ranks component statuses as HEAD's ComponentStatusEnum::severity.
func severity(status int) int {
	switch status {
	case 1:
		return 0
	case 5:
		return 1
	case 6:
		return 2
	case 2:
		return 3
	case 3:
		return 4
	case 4:
		return 5
	}
	return -1
}

func (e *Emulator) published(i *incident) bool {
	return i.publishedAt == nil || !i.publishedAt.After(e.opts.Now())
}

// latestStatus computes HEAD's effective component status.
func (e *Emulator) latestStatus(c *component) int {
	best := deref(c.status)
	if best == 0 {
		best = 5
	}
	if m, ok := e.maintenance(c.id); ok {
		best = m
	}
	for _, i := range e.incidents {
		if i.deleted || i.status > 3 || i.visible != 1 || !e.published(i) {
			continue
		}
		for _, im := range i.impacts {
			if im.ComponentID == c.id && severity(im.Status) > severity(best) {
				best = im.Status
			}
		}
	}
	return best
}
